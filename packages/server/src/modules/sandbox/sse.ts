/**
 * Server-sent event streams of the sandbox (the request log, the events): each connection polls the
 * database every POLL_MS for what came after the last id it sent (every API process writes the rows;
 * polling works on PGlite and PostgreSQL alike) and writes each as an event (`id:` its sequence number,
 * `data:` the JSON). Streams end when the app closes.
 */
import type { ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

export const POLL_MS = 250;

export class SseStreams {
  private readonly open = new Set<{ res: ServerResponse; timer: NodeJS.Timeout }>();

  constructor(app: FastifyInstance) {
    app.addHook('preClose', async () => {
      for (const s of this.open) {
        clearInterval(s.timer);
        s.res.end();
      }
      this.open.clear();
    });
  }

  /** The resume point a client asked for: `after`, else `Last-Event-ID`; undefined for neither. */
  static resumeFrom(req: FastifyRequest, after: number | undefined): number | undefined {
    const lastEventId = Number(req.headers['last-event-id']);
    return after ?? (Number.isSafeInteger(lastEventId) && lastEventId >= 0 ? lastEventId : undefined);
  }

  /** Answers `text/event-stream` and keeps sending what `next(after)` finds, oldest first. */
  start(req: FastifyRequest, reply: FastifyReply, comment: string, after: number, next: (after: number) => Promise<{ seq: number; data: unknown }[]>): void {
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      'ms-requestid': req.id,
      'x-accel-buffering': 'no',
    });
    res.write(`: ${comment}\n\n`);
    let polling = false;
    const poll = async () => {
      if (polling) return;
      polling = true;
      try {
        for (const e of await next(after)) {
          res.write(`id: ${e.seq}\ndata: ${JSON.stringify(e.data)}\n\n`);
          after = e.seq;
        }
      } catch (err) {
        req.log.warn({ err }, 'event stream poll failed');
      } finally {
        polling = false;
      }
    };
    const stream = { res, timer: setInterval(poll, POLL_MS) };
    this.open.add(stream);
    res.on('close', () => {
      clearInterval(stream.timer);
      this.open.delete(stream);
    });
  }
}

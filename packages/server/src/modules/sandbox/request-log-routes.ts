/**
 * `GET /sandbox/partners/{t}/requests`: the partner's request log (plugins/request-log.ts), as JSON or,
 * with `?stream=true` or `Accept: text/event-stream`, as server-sent events: each new entry is an
 * event (`id:` its seq, `data:` the entry), found by polling the database every POLL_MS per
 * connection (every API process writes the log; polling works on PGlite and PostgreSQL alike).
 * `Last-Event-ID` (or `after`) resumes after an entry. Streams end when the app closes.
 */
import { Type } from 'typebox';
import type { ServerResponse } from 'node:http';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { readEntries } from '../../plugins/request-log.js';
import { requirePartner } from './service.js';

export const POLL_MS = 250;

const requestLogRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const streams = new Set<{ res: ServerResponse; timer: NodeJS.Timeout }>();
  app.addHook('preClose', async () => {
    for (const s of streams) {
      clearInterval(s.timer);
      s.res.end();
    }
    streams.clear();
  });

  app.get('/sandbox/partners/:tenantId/requests', {
    schema: {
      tags: ['sandbox'],
      operationId: 'listSandboxRequests',
      summary: "The partner's last /v1 requests and answers (secrets redacted), or a stream of new ones as server-sent events",
      description:
        'Oldest first. Without `after`, the newest `limit` entries; with it, those after that seq. With `stream=true` or ' +
        '`Accept: text/event-stream`, answers `text/event-stream`: one `data:` event per new entry, its seq as the event id ' +
        '(`Last-Event-ID` resumes). The log keeps the newest 200 entries per partner; bodies are capped at 16 KiB.',
      params: Type.Object({ tenantId: Type.String({ format: 'uuid' }) }),
      querystring: Type.Object({
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
        after: Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER })),
        stream: Type.Optional(Type.Boolean()),
      }),
      response: { 200: Type.Object({ items: Type.Array(Type.Record(Type.String(), Type.Unknown())) }) },
    },
  }, async (req, reply) => {
    const { tenantId } = await requirePartner(app.db, req.params.tenantId.toLowerCase());
    // What this process holds is written first: a client reading its own requests sees them all.
    await app.requestLog.flush();
    const limit = req.query.limit ?? 50;
    const wantsStream = req.query.stream === true || /text\/event-stream/i.test(req.headers.accept ?? '');
    if (!wantsStream) return { items: await readEntries(app.db, tenantId, limit, req.query.after) };

    const lastEventId = Number(req.headers['last-event-id']);
    let after = req.query.after ?? (Number.isSafeInteger(lastEventId) && lastEventId >= 0 ? lastEventId : undefined);
    // Without a point to resume from, the stream starts after the newest entry: it shows what comes next.
    if (after === undefined) after = (await readEntries(app.db, tenantId, 1)).at(-1)?.seq ?? 0;
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      'ms-requestid': req.id,
      'x-accel-buffering': 'no',
    });
    res.write(': request log of partner ' + tenantId + '\n\n');
    let polling = false;
    const poll = async () => {
      if (polling) return;
      polling = true;
      try {
        for (const entry of await readEntries(app.db, tenantId, 100, after)) {
          res.write(`id: ${entry.seq}\ndata: ${JSON.stringify(entry)}\n\n`);
          after = entry.seq;
        }
      } catch (err) {
        req.log.warn({ err }, 'request log stream poll failed');
      } finally {
        polling = false;
      }
    };
    const stream = { res, timer: setInterval(poll, POLL_MS) };
    streams.add(stream);
    res.on('close', () => {
      clearInterval(stream.timer);
      streams.delete(stream);
    });
  });
};

export default requestLogRoutes;

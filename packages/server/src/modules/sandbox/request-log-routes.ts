/**
 * `GET /sandbox/partners/{t}/requests`: the partner's request log (plugins/request-log.ts), as JSON or,
 * with `?stream=true` or `Accept: text/event-stream`, as server-sent events: each new entry is an
 * event (`id:` its seq, `data:` the entry), found by polling the database (sse.ts).
 * `Last-Event-ID` (or `after`) resumes after an entry. Streams end when the app closes.
 */
import { Type } from 'typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { readEntries } from '../../plugins/request-log.js';
import { requirePartner } from './service.js';
import { SseStreams } from './sse.js';

const requestLogRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const streams = new SseStreams(app);

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

    let after = SseStreams.resumeFrom(req, req.query.after);
    // Without a point to resume from, the stream starts after the newest entry: it shows what comes next.
    if (after === undefined) after = (await readEntries(app.db, tenantId, 1)).at(-1)?.seq ?? 0;
    streams.start(req, reply, `request log of partner ${tenantId}`, after, async (from) =>
      (await readEntries(app.db, tenantId, 100, from)).map((entry) => ({ seq: entry.seq, data: entry })),
    );
  });
};

export default requestLogRoutes;

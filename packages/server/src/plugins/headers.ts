/**
 * Partner Center's request/response headers: MS-RequestId and MS-CorrelationId are echoed (made up
 * when absent), MS-CV is extended, MS-ServerId names this process, X-Locale is echoed.
 */
import fp from 'fastify-plugin';
import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { randomToken } from '../wire.js';

declare module 'fastify' {
  interface FastifyRequest {
    correlationId: string;
    /** Whether the client sent its own MS-RequestId (only then is it an idempotency key). */
    clientRequestId: boolean;
  }
}

const HEADER_VALUE = /^[\x21-\x7e]{1,128}$/;
const clean = (v: string | string[] | undefined) => {
  const s = Array.isArray(v) ? v[0] : v;
  return s && HEADER_VALUE.test(s) ? s : undefined;
};

/** Fastify's `genReqId`: the client's MS-RequestId when it sent a usable one. */
export const requestIdOf = (req: { headers: Record<string, string | string[] | undefined> }) =>
  clean(req.headers['ms-requestid']) ?? randomUUID();

/** The correlation id a request's log lines carry (see app.ts childLoggerFactory). */
export const correlationIdOf = (req: { headers: Record<string, string | string[] | undefined> }) =>
  clean(req.headers['ms-correlationid']);

const serverId = String(process.pid).padStart(6, '0');

/** Sets the Partner Center response headers; also used for errors raised before routing (app.ts). */
export function setStandardHeaders(req: FastifyRequest, reply: FastifyReply): void {
  req.correlationId = correlationIdOf(req) ?? randomUUID();
  req.clientRequestId = clean(req.headers['ms-requestid']) === req.id;
  const cv = clean(req.headers['ms-cv']);
  reply.header('MS-RequestId', req.id);
  reply.header('MS-CorrelationId', req.correlationId);
  reply.header('MS-CV', cv ? `${cv}.0` : `${randomToken(12, 'base64')}.0`);
  reply.header('MS-ServerId', serverId);
  reply.header('X-Locale', clean(req.headers['x-locale']) ?? 'en-US');
  // API responses are data for one caller: never sniffed, framed or cached.
  reply.header('X-Content-Type-Options', 'nosniff');
  reply.header('X-Frame-Options', 'DENY');
  reply.header('Referrer-Policy', 'no-referrer');
  if (req.url.startsWith('/v1') || req.url.startsWith('/oauth2') || req.url.startsWith('/sandbox')) reply.header('Cache-Control', 'no-store');
}

export default fp(async function headers(app: FastifyInstance) {
  app.decorateRequest('correlationId', '');
  app.decorateRequest('clientRequestId', false);
  app.addHook('onRequest', async (req: FastifyRequest, reply) => setStandardHeaders(req, reply));
});

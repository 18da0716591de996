/**
 * Partner Center's request/response headers: MS-RequestId and MS-CorrelationId are echoed (made up
 * when absent), MS-CV is extended, MS-ServerId names this process, X-Locale is echoed.
 */
import fp from 'fastify-plugin';
import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { randomToken } from '../wire.js';
import { PartnerCenterError } from '../errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    correlationId: string;
    /** Whether the client sent its own MS-RequestId (only then is it an idempotency key). */
    clientRequestId: boolean;
  }
}

/**
 * What this service takes from a header: 1 to 128 visible ASCII characters. For MS-RequestId it is the
 * whole rule (docs/compatibility.md): Partner Center documents a GUID, and every GUID form passes
 * (the .NET SDK's `Guid.NewGuid()`, the Java SDK's UUID string, braces, upper case), as do short
 * hand-written ids; spaces, control and non-ASCII characters, over-long or repeated values do not.
 */
const HEADER_VALUE = /^[\x21-\x7e]{1,128}$/;
const clean = (v: string | string[] | undefined) => {
  const s = Array.isArray(v) ? v[0] : v;
  return s && HEADER_VALUE.test(s) ? s : undefined;
};

type Headers = { headers: Record<string, string | string[] | undefined> };

/** The MS-RequestId the client sent: undefined when it sent none, null when it sent one it cannot use. */
const sentRequestId = (req: Headers): string | null | undefined => {
  const v = req.headers['ms-requestid'];
  if (v === undefined) return undefined;
  return typeof v === 'string' && HEADER_VALUE.test(v) ? v : null;
};

/** Fastify's `genReqId`: the client's MS-RequestId when it sent a usable one, else a new GUID. */
export const requestIdOf = (req: Headers) => sentRequestId(req) ?? randomUUID();

/** The correlation id a request's log lines carry (see app.ts childLoggerFactory). */
export const correlationIdOf = (req: Headers) =>
  clean(req.headers['ms-correlationid']);

const serverId = String(process.pid).padStart(6, '0');

/** Sets the Partner Center response headers; also used for errors raised before routing (app.ts). */
export function setStandardHeaders(req: FastifyRequest, reply: FastifyReply): void {
  req.correlationId = correlationIdOf(req) ?? randomUUID();
  req.clientRequestId = typeof sentRequestId(req) === 'string';
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
  // An idempotency key the service would have to ignore is refused: ignoring it made a retried
  // create act twice. After authentication (onRequest), so a caller without a token learns nothing more.
  app.addHook('preValidation', async (req: FastifyRequest) => {
    // clientRequestId (onRequest) is false both for none sent and for one that is not usable.
    if (!req.clientRequestId && req.headers['ms-requestid'] !== undefined) {
      throw new PartnerCenterError(
        'InvalidRequestInput',
        'The MS-RequestId header is not valid: send a GUID (at most 128 visible ASCII characters, no spaces), or no MS-RequestId.',
      );
    }
  });
});

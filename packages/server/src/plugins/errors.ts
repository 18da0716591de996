/**
 * The one place errors become responses: Partner Center's body `{code, description, data, source}`
 * with a stable code. Validation and parsing problems are 4xx; anything unexpected is a 500 whose
 * details are logged, never sent.
 */
import type { Socket } from 'node:net';
import { STATUS_CODES } from 'node:http';
import fp from 'fastify-plugin';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { setStandardHeaders } from './headers.js';
import { ErrorCodes, type ErrorCodeName } from '@partner-commerce/contract';
import { PartnerCenterError } from '../errors.js';
import { isFailoverError } from '../db/failover.js';

const SOURCE = 'PartnerCommerce';

/** Fastify's own errors that are the client's doing, by code. */
const CLIENT_ERRORS: Record<string, [ErrorCodeName, string]> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: ['UnsupportedMediaType', 'The request content type is not supported; send application/json.'],
  FST_ERR_CTP_BODY_TOO_LARGE: ['PayloadTooLarge', 'The request body is too large.'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: ['InvalidRequestInput', 'The Content-Length header does not match the body.'],
  FST_ERR_CTP_EMPTY_JSON_BODY: ['InvalidRequestInput', 'The request body is empty.'],
  FST_ERR_CTP_INVALID_JSON_BODY: ['InvalidRequestInput', 'The request body is not valid JSON.'],
  FST_ERR_BAD_URL: ['InvalidRequestInput', 'The request URL is not valid.'],
  FST_ERR_ASYNC_CONSTRAINT: ['InvalidRequestInput', 'The request could not be routed.'],
};

/** Sends the error `name` of the contract (its status and code) with a description. */
const sendError = (reply: FastifyReply, name: ErrorCodeName, description: string) =>
  reply.status(ErrorCodes[name].status).send(errorBody(ErrorCodes[name].code, description));

const notFound = (request: FastifyRequest) => `Not found: ${request.method} ${request.url.split('?')[0].slice(0, 200)}`;

/** PostgreSQL errors that mean "try again", by SQLSTATE. */
const RETRYABLE_SQLSTATE = new Set(['40001', '40P01', '55P03']);

/** Errors Fastify raises before a route is found (bad URL encoding, over-long parameters). */
export function frameworkError(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  setStandardHeaders(request, reply);
  if (error.code === 'FST_ERR_BAD_URL') sendError(reply, 'InvalidRequestInput', 'The request URL is not valid.');
  else sendError(reply, 'NotFound', notFound(request));
}

/**
 * Requests Node's HTTP parser rejects before Fastify sees them (malformed HTTP, headers over Node's
 * 16 KB limit, a request that timed out): answered in Partner Center's error body like every other
 * 4xx, on a connection that is then closed. There is no request yet, so no MS-RequestId to echo.
 */
export function clientErrorHandler(err: NodeJS.ErrnoException, socket: Socket) {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const [name, description]: [ErrorCodeName, string] =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? ['HeadersTooLarge', 'The request headers are too large.']
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? ['RequestTimeout', 'The request was not received in time.']
        : ['InvalidRequestInput', 'The request is not valid HTTP.'];
  const { status, code } = ErrorCodes[name];
  const body = JSON.stringify(errorBody(code, description));
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}

export const errorBody = (code: number, description: string, data: unknown[] = []) => ({
  code,
  description,
  data,
  source: SOURCE,
});

export default fp(async function errors(app: FastifyInstance) {
  app.setErrorHandler((error: FastifyError & { sqlState?: string }, request, reply) => {
    if (error instanceof PartnerCenterError) {
      if (error.status === 401) reply.header('WWW-Authenticate', `OAuth realm=urn:cpsvc:cpid:${request.correlationId}`);
      if (error.retryAfterSeconds !== undefined) reply.header('Retry-After', String(error.retryAfterSeconds));
      if (error.status === 503) request.log.warn({ err: error, cause: (error as { cause?: unknown }).cause }, 'database unavailable');
      return reply.status(error.status).send(errorBody(error.code, error.message, error.data));
    }
    if (error.validation) {
      const where = error.validationContext ?? 'request';
      const detail = error.validation
        .slice(0, 5)
        .map((v) => `${where}${v.instancePath || ''} ${v.message ?? 'is not valid'}`)
        .join('; ');
      return sendError(reply, 'InvalidRequestInput', `Invalid request input: ${detail}.`);
    }
    const known = error.code ? CLIENT_ERRORS[error.code] : undefined;
    if (known) return sendError(reply, known[0], known[1]);
    const sqlState = (error as { code?: string }).code;
    if (sqlState && RETRYABLE_SQLSTATE.has(sqlState)) {
      request.log.warn({ err: error }, 'retryable database conflict');
      return sendError(reply, 'RequestInProgress', 'Your order is in progress. Please retry the request.');
    }
    // The database went away under a call that does not go through the db layer's retries: retryable too.
    if (isFailoverError(error)) {
      request.log.warn({ err: error }, 'database unavailable');
      reply.header('Retry-After', '1');
      return sendError(reply, 'ServiceUnavailable', 'The database is not available right now (a failover may be under way); retry the request.');
    }
    if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
      return reply.status(error.statusCode).send(errorBody(ErrorCodes.InvalidRequestInput.code, 'Invalid request input.'));
    }
    request.log.error({ err: error }, 'unexpected error');
    return sendError(reply, 'UnexpectedServiceError', 'Unexpected service error. Callers may retry.');
  });

  app.setNotFoundHandler((request, reply) => sendError(reply, 'NotFound', notFound(request)));
});

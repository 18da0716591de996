/**
 * Which database a read route reads from (docs/scaling.md "Read replicas"). A caller that sends
 * `ConsistencyLevel: eventual` on a GET or HEAD says it accepts data a moment old, as Microsoft Graph
 * asks its callers to say for its eventually consistent queries; its read may be served by the
 * replica (`PC_READ_REPLICA_URL`). Any other request, and any without the header, reads the primary:
 * a client that reads right after its own write sees it, as it always has.
 */
import type { FastifyRequest } from 'fastify';
import type { Database } from '../db/database.js';

/** Whether the request allows a stale read: a GET or HEAD with `ConsistencyLevel: eventual` (any case). */
export function allowsStaleRead(req: FastifyRequest): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  const level = req.headers.consistencylevel;
  return typeof level === 'string' && level.trim().toLowerCase() === 'eventual';
}

/** The database for a read route: the replica side (`Database.reader`) when the caller allows it, else the primary. */
export const readDb = (req: FastifyRequest): Database => (allowsStaleRead(req) ? req.server.db.reader : req.server.db);

/**
 * One check of every string a request decodes (JSON and form bodies at any depth, property names
 * included; query strings; path parameters) before validation, handlers and SQL. PostgreSQL stores
 * neither NUL (text and jsonb) nor a lone UTF-16 surrogate (UTF-8): left to the database, either is a
 * 5xx, which the Java SDK resends forever, or a value silently replaced by U+FFFD. Such a request is
 * a 400·800002 instead, whichever route it is for.
 */
import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { PartnerCenterError } from '../errors.js';

/** NUL, a high surrogate not followed by a low one, or a low surrogate not preceded by a high one. */
const UNSTORABLE = /\0|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Whether PostgreSQL can store this string as it is. */
export const isStorable = (s: string) => !UNSTORABLE.test(s);

/**
 * Where in `value` (strings, arrays, objects and their property names) the first unstorable string
 * is, as a path below `at`; undefined when there is none. Bodies are at most MAX_BODY_DEPTH deep
 * (json-body.ts), query strings and path parameters one or two.
 */
export function findUnstorable(value: unknown, at: string): string | undefined {
  if (typeof value === 'string') return isStorable(value) ? undefined : at;
  if (value === null || typeof value !== 'object') return undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findUnstorable(value[i], `${at}[${i}]`);
      if (found) return found;
    }
    return undefined;
  }
  for (const [key, v] of Object.entries(value)) {
    if (!isStorable(key)) return `a property name in ${at}`;
    const found = findUnstorable(v, `${at}.${key}`);
    if (found) return found;
  }
  return undefined;
}

export default fp(async function storableInput(app: FastifyInstance) {
  app.addHook('preValidation', async (req: FastifyRequest) => {
    const where =
      findUnstorable(req.params, 'path') ?? findUnstorable(req.query, 'query') ?? findUnstorable(req.body, 'body');
    if (where) {
      throw new PartnerCenterError(
        'InvalidRequestInput',
        `Invalid request input: ${where} holds a NUL character or an unpaired UTF-16 surrogate, which no field accepts.`,
      );
    }
  });
});

/**
 * JSON request bodies as Partner Center clients send them: an empty body with
 * `Content-Type: application/json` (the checkout doc example) is no body; the .NET SDK's PascalCase
 * names and explicit nulls are read as the camelCase names with the property absent. Like Partner
 * Center's Newtonsoft parser, comments and trailing commas are tolerated (the create-a-cart doc's own
 * example has comments): strict JSON first, JSON5 when that fails.
 */
import fp from 'fastify-plugin';
import JSON5 from 'json5';
import type { FastifyInstance } from 'fastify';
import { PartnerCenterError } from '../errors.js';
import { knownFieldNames } from '@partner-commerce/contract';

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
/** No Partner Center resource nests deeper than a handful of levels; deeper input is refused, not recursed into. */
export const MAX_BODY_DEPTH = 32;

/** Maps each key to the contract's spelling, case-insensitively; unknown keys get a lower-case first letter. */
export function normalizeBody(value: unknown, depth = 0): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_BODY_DEPTH) {
    throw new PartnerCenterError('InvalidRequestInput', `The request body nests deeper than ${MAX_BODY_DEPTH} levels.`);
  }
  if (Array.isArray(value)) return value.map((v) => normalizeBody(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    if (v === null || FORBIDDEN_KEYS.has(key)) continue;
    const name = knownFieldNames.get(key.toLowerCase()) ?? key.charAt(0).toLowerCase() + key.slice(1);
    if (!(name in out)) out[name] = normalizeBody(v, depth + 1);
  }
  return out;
}

export default fp(async function jsonBody(app: FastifyInstance) {
  // JSON is the only body the API reads (the token endpoint's form parser is registered on its own).
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser(['application/json', 'text/json'], { parseAs: 'string' }, (_req, body, done) => {
    const text = (body as string).replace(/^\uFEFF/, '');
    if (text.trim() === '') return done(null, undefined);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      try {
        parsed = JSON5.parse(text);
      } catch {
        return done(new PartnerCenterError('InvalidRequestInput', 'The request body is not valid JSON.'), undefined);
      }
    }
    try {
      done(null, normalizeBody(parsed));
    } catch (err) {
      done(err as Error, undefined);
    }
  });
});

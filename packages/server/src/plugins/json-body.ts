/**
 * JSON request bodies as Partner Center clients send them: an empty body with
 * `Content-Type: application/json` (the checkout doc example) is no body; the .NET SDK's PascalCase
 * names and explicit nulls are read as the camelCase names with the property absent. Like Partner
 * Center's Newtonsoft parser, comments and trailing commas are tolerated (the create-a-cart doc's own
 * example has comments): strict JSON first and, when that fails on a body of at most 64 KiB, one
 * linear pass that drops comments and trailing commas before a second strict parse. Nothing else is
 * tolerated: a general tolerant parser (JSON5) cost 150-340 ms of CPU on a 1 MB body that is not
 * JSON, for anyone to send, where this costs the one strict parse every body gets.
 */
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import { PartnerCenterError } from '../errors.js';
import { knownFieldNames } from '@partner-commerce/contract';

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
/** No Partner Center resource nests deeper than a handful of levels; deeper input is refused, not recursed into. */
export const MAX_BODY_DEPTH = 32;

const WS = new Set([0x20, 0x09, 0x0a, 0x0d]);

/**
 * `text` without its `//` and `/* *\/` comments and its trailing commas (a comma before `]` or `}`),
 * strings left as they are; undefined when a comment is never closed or a `/` starts none. One pass
 * with no backtracking: each character is looked at most twice.
 */
export function stripCommentsAndTrailingCommas(text: string): string | undefined {
  const n = text.length;
  /** The index of the first character at or after `j` that is neither white space nor in a comment; -1: broken comment. */
  const skip = (j: number): number => {
    while (j < n) {
      const c = text.charCodeAt(j);
      if (WS.has(c)) j++;
      else if (c === 0x2f && text.charCodeAt(j + 1) === 0x2f) {
        const eol = text.indexOf('\n', j + 2);
        j = eol < 0 ? n : eol + 1;
      } else if (c === 0x2f && text.charCodeAt(j + 1) === 0x2a) {
        const close = text.indexOf('*/', j + 2);
        if (close < 0) return -1;
        j = close + 2;
      } else if (c === 0x2f) return -1;
      else break;
    }
    return j;
  };
  let out = '';
  let from = 0;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // A string: to its closing quote, escapes included.
      for (i++; i < n && text.charCodeAt(i) !== 0x22; i++) if (text.charCodeAt(i) === 0x5c) i++;
      i++;
    } else if (c === 0x2f) {
      const j = skip(i);
      if (j < 0) return undefined;
      out += `${text.slice(from, i)} `;
      from = i = j;
    } else if (c === 0x2c) {
      const j = skip(i + 1);
      if (j < 0) return undefined;
      const next = text.charCodeAt(j);
      if (next === 0x5d || next === 0x7d) {
        out += text.slice(from, i);
        from = i + 1;
      }
      i++;
    } else i++;
  }
  return out + text.slice(from);
}

/**
 * The largest body given the second, tolerant pass: a cart of 100 commented lines fits in a fraction
 * of it; larger bodies come from programs, which write strict JSON.
 */
export const MAX_TOLERANT_BODY = 64 * 1024;

/**
 * Whether `text` opens more than `max` arrays or objects inside one another (strings and comments
 * skipped), found in one linear pass. V8's JSON.parse spends ~330 ms on a megabyte of `[` before it
 * gives up, blocking every other request: a body that deep is refused before it is parsed.
 */
export function nestsDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
    else if (c === 0x22) {
      for (i++; i < n && text.charCodeAt(i) !== 0x22; i++) if (text.charCodeAt(i) === 0x5c) i++;
    } else if (c === 0x2f && text.charCodeAt(i + 1) === 0x2f) {
      const eol = text.indexOf('\n', i + 2);
      i = eol < 0 ? n : eol;
    } else if (c === 0x2f && text.charCodeAt(i + 1) === 0x2a) {
      const close = text.indexOf('*/', i + 2);
      i = close < 0 ? n : close + 1;
    }
  }
  return false;
}

const tooDeep = () => new PartnerCenterError('InvalidRequestInput', `The request body nests deeper than ${MAX_BODY_DEPTH} levels.`);

/** Strict JSON, or JSON with comments and trailing commas (bodies up to MAX_TOLERANT_BODY); a 400·800002 otherwise. */
function parseJson(text: string): unknown {
  if (nestsDeeperThan(text, MAX_BODY_DEPTH)) throw tooDeep();
  try {
    return JSON.parse(text);
  } catch {
    // Perhaps comments or trailing commas: one more strict parse without them.
  }
  const plain = text.length <= MAX_TOLERANT_BODY ? stripCommentsAndTrailingCommas(text) : undefined;
  if (plain !== undefined && plain !== text) {
    try {
      return JSON.parse(plain);
    } catch {
      // not JSON even so
    }
  }
  throw new PartnerCenterError('InvalidRequestInput', 'The request body is not valid JSON.');
}

/** Maps each key to the contract's spelling, case-insensitively; unknown keys get a lower-case first letter. */
export function normalizeBody(value: unknown, depth = 0): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_BODY_DEPTH) throw tooDeep();
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
    try {
      done(null, normalizeBody(parseJson(text)));
    } catch (err) {
      done(err as Error, undefined);
    }
  });
});

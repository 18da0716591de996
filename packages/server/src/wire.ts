/** Small builders for Partner Center's wire shapes shared by every module: links, collections, ids. */
import { randomFillSync } from 'node:crypto';
import type { Link } from '@partner-commerce/contract';
import { fail } from './errors.js';

export const link = (uri: string, method = 'GET'): Link => ({ uri, method, headers: [] });

/** Partner Center's collection envelope around `items`. */
export const collection = <T>(items: T[], selfUri: string) => ({
  totalCount: items.length,
  items,
  links: { self: link(selfUri) },
  attributes: { objectType: 'Collection' as const },
});

const randomPool = Buffer.alloc(4096);
let randomUsed = randomPool.length;
/**
 * `bytes` random bytes, encoded: order ids, MS-CV bases. Drawn from a pool refilled 4 KB at a time (as
 * node's randomUUID does): a `randomBytes` call cost ~30 µs here, on every request for the MS-CV.
 */
export function randomToken(bytes: number, encoding: 'hex' | 'base64' | 'base64url'): string {
  if (randomUsed + bytes > randomPool.length) {
    randomFillSync(randomPool);
    randomUsed = 0;
  }
  randomUsed += bytes;
  return randomPool.toString(encoding, randomUsed - bytes, randomUsed);
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isGuid = (s: string) => GUID.test(s);

/** Enums arrive in any casing and with or without underscores (`OneTime`, `one_time`); compare on this form. */
export const enumKey = (s: string) => s.replace(/[_\s-]/g, '').toLowerCase();

/** Reads an enum value in any casing (`OneTime`, `one_time`, `ONETIME`); unknown → 400·900126. */
export function parseEnum<T extends string>(value: string, allowed: readonly T[], enumName: string): T {
  const found = allowed.find((a) => enumKey(a) === enumKey(value));
  if (!found) fail('UnableToParseEnum', `Unable to parse enum: the provided value '${value.slice(0, 64)}' is not a valid ${enumName}.`);
  return found!;
}

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

const ISO_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?(?:([Zz])|([+-])(\d{2}):?(\d{2}))?$/;

/**
 * Milliseconds since the epoch of an ISO-8601 date or date-time with a four-digit year (what the SDKs
 * send: Java with or without fraction and offset, .NET up to seven fraction digits and no offset, read
 * as UTC like every Partner Center time); undefined for anything else. Four-digit years keep every
 * value inside what PostgreSQL's timestamptz stores, unlike `Date.parse`, which also reads `"1"`
 * (2001), RFC 1123 and years up to ±275760.
 */
export function parseIsoDateTime(s: string): number | undefined {
  const m = ISO_DATE_TIME.exec(s);
  if (!m) return undefined;
  const [, y, mo, d, h = '0', mi = '0', sec = '0', frac = '', , sign, oh = '0', om = '0'] = m;
  const date = new Date(0);
  date.setUTCFullYear(Number(y), Number(mo) - 1, Number(d));
  date.setUTCHours(Number(h), Number(mi), Number(sec), Number(frac.padEnd(3, '0').slice(0, 3)));
  const valid =
    Number(y) >= 1 && date.getUTCFullYear() === Number(y) && date.getUTCMonth() === Number(mo) - 1 && date.getUTCDate() === Number(d) &&
    Number(h) <= 23 && Number(mi) <= 59 && Number(sec) <= 59 && Number(oh) <= 23 && Number(om) <= 59;
  if (!valid) return undefined;
  const offsetMs = (Number(oh) * 60 + Number(om)) * 60_000 * (sign === '-' ? -1 : 1);
  return date.getTime() - offsetMs;
}

/**
 * The lines of `pcx cart new|set`: from a JSON file (`--file cart.json`, `-` for stdin) holding a
 * cart (`{"lineItems": [...]}`) or an array of lines, and/or from `--item` flags:
 * `--item CFQ7TTC0LH18:0001:CFQ7TTC0K971,quantity=5,billingCycle=monthly,termDuration=P1Y`.
 */
import { readFile } from 'node:fs/promises';
import type { CartInput, CartLineItemInput } from '@partner-commerce/sdk';
import { UsageError } from './errors.js';

const ITEM_KEYS: Record<string, keyof CartLineItemInput> = {
  quantity: 'quantity',
  billingcycle: 'billingCycle',
  termduration: 'termDuration',
  term: 'termDuration',
  friendlyname: 'friendlyName',
  promotionid: 'promotionId',
};

/** One `--item` flag: the catalog item id, then `key=value` pairs (`context.<key>=` for provisioning context). */
export function parseItem(spec: string, id: number): CartLineItemInput {
  const [catalogItemId, ...pairs] = spec.split(',').map((s) => s.trim());
  if (!catalogItemId) throw new UsageError(`--item "${spec}": the catalog item id comes first.`);
  const line: CartLineItemInput = { id, catalogItemId, quantity: 1, billingCycle: 'monthly' };
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq < 1) throw new UsageError(`--item "${spec}": "${pair}" is not key=value.`);
    const key = pair.slice(0, eq);
    const value = pair.slice(eq + 1);
    if (key.toLowerCase().startsWith('context.')) {
      line.provisioningContext = { ...line.provisioningContext, [key.slice('context.'.length)]: value };
      continue;
    }
    const field = ITEM_KEYS[key.toLowerCase()];
    if (!field) throw new UsageError(`--item "${spec}": unknown key "${key}" (quantity, billingCycle, termDuration, friendlyName, promotionId, context.<name>).`);
    if (field === 'quantity') {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 1) throw new UsageError(`--item "${spec}": quantity must be a positive integer.`);
      line.quantity = n;
    } else {
      (line as Record<string, unknown>)[field] = value;
    }
  }
  return line;
}

/** The cart body from `--file` and `--item`s; lines from the file come first. */
export async function readCartInput(opts: { file?: string; item?: string[] }, readStdin: () => Promise<string>): Promise<CartInput> {
  let lines: CartLineItemInput[] = [];
  let extra: Omit<CartInput, 'lineItems'> = {};
  if (opts.file) {
    let text: string;
    try {
      text = opts.file === '-' ? await readStdin() : await readFile(opts.file, 'utf8');
    } catch (err) {
      throw new UsageError(`--file ${opts.file}: ${(err as Error).message}`);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      throw new UsageError(`--file ${opts.file}: not valid JSON (${(err as Error).message}).`);
    }
    if (Array.isArray(parsed)) lines = parsed as CartLineItemInput[];
    else if (parsed && typeof parsed === 'object' && Array.isArray((parsed as CartInput).lineItems)) {
      const { lineItems, ...rest } = parsed as CartInput;
      lines = lineItems;
      extra = rest;
    } else throw new UsageError(`--file ${opts.file}: expected {"lineItems": [...]} or an array of lines.`);
  }
  for (const spec of opts.item ?? []) lines.push(parseItem(spec, lines.length));
  if (lines.length === 0) throw new UsageError('a cart needs lines: give --file <cart.json> or --item <catalogItemId>[,quantity=N,...].');
  return { ...extra, lineItems: lines.map((l, i) => ({ ...l, id: l.id ?? i })) };
}

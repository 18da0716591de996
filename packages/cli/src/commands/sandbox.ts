/**
 * `pcx sandbox clock get|advance`, `pcx sandbox fault add|list|rm` and `pcx sandbox requests tail`: the
 * signed-in partner's clock, fault rules and request log on the sandbox service
 * (`/sandbox/partners/{tenantId}/...`, the server's modules/sandbox and modules/clock), with the
 * partner's own token. Sandbox only: Partner Center has none of them.
 */
import { InvalidArgumentError, type Command } from 'commander';
import { tenantOfToken, toIsoDuration, type ClockState, type FaultRule, type LoggedRequest, type PartnerOperations } from '@partner-commerce/sdk';
import type { Context } from '../context.js';
import { UsageError } from '../errors.js';
import { renderFields, renderTable } from '../output.js';
import { followStream } from '../sse.js';

/** The partner's tenant id: `--tenant-id`, else the `tid` of its access token. */
export async function tenantOf(partner: PartnerOperations, given?: string): Promise<string> {
  if (given) return given;
  const tid = tenantOfToken(await partner.getAccessToken());
  if (tid) return tid;
  throw new UsageError('the access token names no tenant: pass --tenant-id');
}

export const integer = (name: string) => (v: string) => {
  if (!/^\d+$/.test(v)) throw new UsageError(`${name} must be a whole number`);
  return Number(v);
};

function effectOf(o: { status?: number; code?: number; retryAfter?: number; delayMs?: number; drop?: boolean; webhookFailure?: boolean }) {
  if (o.webhookFailure) {
    if (o.delayMs !== undefined || o.drop) throw new UsageError('--webhook-failure takes only --status (the answer recorded for each failed delivery)');
    return { type: 'webhookFailure', status: o.status };
  }
  const chosen = [o.status !== undefined, o.delayMs !== undefined, o.drop === true].filter(Boolean).length;
  if (chosen !== 1) throw new UsageError('give exactly one effect: --status <code>, --delay-ms <ms> or --drop');
  if (o.drop) return { type: 'drop' };
  if (o.delayMs !== undefined) return { type: 'delay', delayMs: o.delayMs };
  return { type: 'error', status: o.status, code: o.code, retryAfterSeconds: o.retryAfter };
}

const describeEffect = (e: Record<string, unknown>) =>
  e.type === 'webhookFailure' ? `webhook failure${e.status !== undefined ? ` ${e.status}` : ''}` : e.type === 'error' ? `${e.status}${e.code !== undefined ? `·${e.code}` : ''}${e.retryAfterSeconds !== undefined ? ` Retry-After ${e.retryAfterSeconds}` : ''}` : e.type === 'delay' ? `delay ${e.delayMs} ms` : 'drop';

const ruleColumns = [
  { header: 'id', value: (r: FaultRule) => r.id },
  { header: 'method', value: (r: FaultRule) => r.method },
  { header: 'route', value: (r: FaultRule) => r.route },
  { header: 'effect', value: (r: FaultRule) => describeEffect(r.effect) },
  { header: 'left', value: (r: FaultRule) => (r.remaining ?? '∞').toString() },
  { header: 'p', value: (r: FaultRule) => (r.probability ?? 1).toString() },
  { header: 'expires', value: (r: FaultRule) => r.expiresAt },
];

const describeRequest = (e: LoggedRequest) =>
  `${e.at} ${e.method} ${e.path} → ${e.status || 'dropped'} ${e.latencyMs} ms  ${e.requestId}${e.replayed ? ' (replayed)' : ''}${e.faultRuleId ? ` (fault ${e.faultRuleId})` : ''}`;

export function registerSandboxCommands(program: Command, { action, connect, io }: Context): void {
  const sandbox = program.command('sandbox').description("the sandbox's controls for the signed-in partner (not Partner Center's): clock, fault rules, request log");
  registerClockCommands(sandbox, { action, connect });
  const fault = sandbox.command('fault').description('fault rules on your /v1 requests: error statuses, delays, dropped connections');
  const path = (tenantId: string, ...rest: string[]) => ['sandbox', 'partners', tenantId, ...rest];

  fault
    .command('add')
    .description('add a rule: e.g. --route /v1/customers/*/carts/*/checkout --status 503 --count 2')
    .option('--method <method>', 'GET, POST, PUT, PATCH, DELETE or * (default *)')
    .option('--route <pattern>', 'path pattern, `*` one segment, `**` any (default /v1/**)')
    .option('--customer-id <id>', 'only requests on this customer')
    .option('--cart-id <id>', 'only requests on this cart')
    .option('--count <n>', 'fire this many times', integer('--count'))
    .option('--probability <p>', 'fire on this share of matching requests (0 < p ≤ 1)', parseFloat)
    .option('--expires-in <seconds>', 'default 3600', integer('--expires-in'))
    .option('--status <code>', 'answer this HTTP status (429 carries Retry-After)', integer('--status'))
    .option('--code <code>', "Partner Center error code of the answer, e.g. 800064", integer('--code'))
    .option('--retry-after <seconds>', 'Retry-After of the answer', integer('--retry-after'))
    .option('--delay-ms <ms>', 'hold each matching request this long', integer('--delay-ms'))
    .option('--drop', 'close the connection without an answer')
    .option('--webhook-failure', "make your webhook deliveries fail instead (with --status: the receiver's answer recorded)")
    .option('--tenant-id <id>', 'the partner (default: the signed-in one)')
    .action(
      action(async ({ out, globals }, o: Record<string, never>) => {
        const partner = await connect(globals, out);
        const tenantId = await tenantOf(partner, o.tenantId);
        const { method, route, customerId, cartId, count, probability, expiresIn } = o as Record<string, string | number | undefined>;
        const body = { method, route, customerId, cartId, count, probability, expiresInSeconds: expiresIn, effect: effectOf(o) };
        const res = await partner.transport.send<FaultRule>({ method: 'POST', path: path(tenantId, 'faults'), body });
        out.result(res.body, () => renderTable([res.body], ruleColumns));
      }),
    );

  fault
    .command('list')
    .description('list the rules, spent and expired ones included')
    .option('--tenant-id <id>', 'the partner (default: the signed-in one)')
    .action(
      action(async ({ out, globals }, o: { tenantId?: string }) => {
        const partner = await connect(globals, out);
        const res = await partner.transport.send<{ items: FaultRule[] }>({ method: 'GET', path: path(await tenantOf(partner, o.tenantId), 'faults') });
        out.result(res.body, () => renderTable(res.body.items, ruleColumns));
      }),
    );

  fault
    .command('rm')
    .description('remove a rule, or all of them with --all')
    .argument('[ruleId]', 'the rule to remove')
    .option('--all', 'remove every rule')
    .option('--tenant-id <id>', 'the partner (default: the signed-in one)')
    .action(
      action(async ({ out, globals }, ruleId: string | undefined, o: { all?: boolean; tenantId?: string }) => {
        if (!ruleId === !o.all) throw new UsageError('give a rule id or --all');
        const partner = await connect(globals, out);
        const tenantId = await tenantOf(partner, o.tenantId);
        const res = await partner.transport.send<{ removed?: number }>({ method: 'DELETE', path: ruleId ? path(tenantId, 'faults', ruleId) : path(tenantId, 'faults') });
        const removed = ruleId ? 1 : (res.body?.removed ?? 0);
        out.result({ removed }, () => `removed ${removed} rule${removed === 1 ? '' : 's'}\n`);
      }),
    );

  sandbox
    .command('requests')
    .description('your recent /v1 requests as the service saw them')
    .command('tail')
    .description('print the last requests; with --follow, print new ones as they happen (server-sent events)')
    .option('--limit <n>', 'how many past requests (default 20, at most 200)', integer('--limit'))
    .option('-f, --follow', 'keep printing new requests until interrupted')
    .option('--max <n>', 'with --follow: stop after this many new requests', integer('--max'))
    .option('--tenant-id <id>', 'the partner (default: the signed-in one)')
    .action(
      action(async ({ out, globals }, o: { limit?: number; follow?: boolean; max?: number; tenantId?: string }) => {
        const partner = await connect(globals, out);
        const tenantId = await tenantOf(partner, o.tenantId);
        const res = await partner.transport.send<{ items: LoggedRequest[] }>({ method: 'GET', path: path(tenantId, 'requests'), query: { limit: o.limit ?? 20 } });
        // One line per request, in JSON too (JSON Lines), so that a stream can be read as it comes.
        const print = (e: LoggedRequest) => io.stdout.write(globals.output === 'json' ? `${JSON.stringify(e)}\n` : `${describeRequest(e)}\n`);
        out.progress.clear();
        for (const e of res.body.items) print(e);
        if (!o.follow) return;
        const after = res.body.items.at(-1)?.seq ?? 0;
        const url = `${partner.baseUrl}/${path(tenantId, 'requests').join('/')}?stream=true&after=${after}`;
        let seen = 0;
        await followStream<LoggedRequest>(url, await partner.getAccessToken(), 'request log', (e) => {
          print(e);
          return o.max === undefined || ++seen < o.max;
        });
      }),
    );
}

/** `pcx sandbox clock get|advance`: the partner's clock (Stripe's test clocks). */
function registerClockCommands(sandbox: Command, { action, connect }: Pick<Context, 'action' | 'connect'>): void {
  const clock = sandbox.command('clock').description("the partner's clock: real time unless moved forward");
  const show = (c: ClockState) => renderFields([['now', c.now], ['ahead by', describeOffset(c.offsetSeconds)]]);
  clock
    .command('get')
    .description("read the partner's clock")
    .action(
      action(async ({ out, globals }) => {
        const c = await (await connect(globals, out)).sandbox.clock.get();
        out.result(c, () => show(c));
      }),
    );
  clock
    .command('advance')
    .description('move the clock forward (8d, 12h, 1y, 2w, 3mo, 30m, P8D…) or --to an instant; what falls due runs first')
    .argument('[duration]', 'how far: 8d, 12h, 1y, 1d12h, or ISO-8601 (P8D, PT12H)', isoDuration)
    .option('--to <instant>', 'an ISO-8601 instant to move to instead')
    .action(
      action(async ({ out, globals }, duration: string | undefined, opts: { to?: string }) => {
        if ((duration === undefined) === (opts.to === undefined)) throw new UsageError('give a duration or --to, not both.');
        const c = await (await connect(globals, out)).sandbox.clock.advance(duration ?? { to: opts.to! });
        out.result(c, () => show(c));
      }),
    );
}

function isoDuration(value: string): string {
  try {
    return toIsoDuration(value);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}

/** `8d 2h` for a clock ahead by that much; `0` for one never moved. */
function describeOffset(seconds: number): string {
  if (seconds <= 0) return '0 (real time)';
  const parts: string[] = [];
  let rest = Math.round(seconds);
  for (const [unit, size] of [['d', 86400], ['h', 3600], ['m', 60], ['s', 1]] as const) {
    if (rest >= size) parts.push(`${Math.floor(rest / size)}${unit}`);
    rest %= size;
  }
  return parts.join(' ');
}

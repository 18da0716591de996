/**
 * `pcx events listen --forward-to URL` and `pcx events trigger EVENT` (like `stripe listen` and
 * `stripe trigger`; sandbox only): the signed-in partner's webhook events as the service raises them,
 * streamed from `/sandbox/partners/{t}/events` and POSTed to a local URL with the body and the signed
 * headers a real delivery carries (Authorization: Signature …, x-ms-certificate-url, webhook-id), so a
 * receiver under development verifies them as it will Partner Center's; and raising one on demand.
 */
import type { Command } from 'commander';
import type { Context } from '../context.js';
import { UsageError } from '../errors.js';
import { integer, tenantOf } from './sandbox.js';
import { followStream } from '../sse.js';

interface SignedEvent {
  seq: number;
  id: string;
  eventName: string;
  body: string;
  headers: Record<string, string>;
}

export function registerEventCommands(program: Command, { action, connect, io }: Context): void {
  const events = program.command('events').description("your webhook events on the sandbox (not Partner Center's): forward them to a local URL, or raise one");
  events
    .command('listen')
    .description('print each new event; with --forward-to, POST it there signed as a delivery is (until interrupted)')
    .option('--forward-to <url>', 'a local receiver to POST each event to')
    .option('--max <n>', 'stop after this many events', integer('--max'))
    .option('--tenant-id <id>', 'the partner (default: the signed-in one)')
    .action(
      action(async ({ out, globals }, o: { forwardTo?: string; max?: number; tenantId?: string }) => {
        if (o.forwardTo && !/^https?:\/\//i.test(o.forwardTo)) throw new UsageError('--forward-to must be an http(s) URL');
        const partner = await connect(globals, out);
        const tenantId = await tenantOf(partner, o.tenantId);
        out.progress.clear();
        io.stderr.write(`listening for events of partner ${tenantId}${o.forwardTo ? `, forwarding to ${o.forwardTo}` : ''}\n`);
        let seen = 0;
        const url = `${partner.baseUrl}/sandbox/partners/${encodeURIComponent(tenantId)}/events?stream=true`;
        await followStream<SignedEvent>(url, await partner.getAccessToken(), 'events', async (e) => {
          let outcome = '';
          if (o.forwardTo) {
            const started = Date.now();
            try {
              const res = await fetch(o.forwardTo, { method: 'POST', headers: e.headers, body: e.body, signal: AbortSignal.timeout(10_000) });
              await res.arrayBuffer().catch(() => undefined);
              outcome = ` → ${res.status} (${Date.now() - started} ms)`;
            } catch (err) {
              outcome = ` → failed: ${(err as Error).message}`;
            }
          }
          io.stdout.write(globals.output === 'json' ? `${JSON.stringify({ ...e, forwarded: outcome.replace(/^ → /, '') || undefined })}\n` : `${e.eventName} ${e.id} ${JSON.parse(e.body).ResourceUri}${outcome}\n`);
          return o.max === undefined || ++seen < o.max;
        });
      }),
    );
  events
    .command('trigger')
    .description('raise an event for one of your resources (test-created, subscription-updated, order-created…; pcx webhooks events lists them)')
    .argument('<event>', 'the event name')
    .option('--resource-id <id>', 'the subscription or order (default: your newest)')
    .option('--tenant-id <id>', 'the partner (default: the signed-in one)')
    .action(
      action(async ({ out, globals }, eventName: string, o: { resourceId?: string; tenantId?: string }) => {
        const partner = await connect(globals, out);
        const tenantId = await tenantOf(partner, o.tenantId);
        const res = await partner.transport.send<{ id: string; eventName: string; resourcePath: string }>({
          method: 'POST',
          path: ['sandbox', 'partners', tenantId, 'events', 'trigger'],
          body: { eventName, resourceId: o.resourceId },
        });
        out.result(res.body, () => `raised ${res.body.eventName} ${res.body.id} for ${res.body.resourcePath}\n`);
      }),
    );
}

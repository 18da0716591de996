/**
 * `pcx webhooks add|get|set|rm|events|validate`: Partner Center's webhook registration (the server's
 * `modules/webhooks`), as the webhook API's operations: register, view, update, remove, the event
 * names, and a test-created validation event with its delivery status.
 */
import type { Command } from 'commander';
import type { ValidationEventStatus, WebhookRegistration } from '@partner-commerce/sdk';
import type { Context } from '../context.js';
import { UsageError } from '../errors.js';
import { renderFields, renderTable } from '../output.js';

const show = (r: WebhookRegistration) => renderFields([['subscriber', r.SubscriberId], ['url', r.WebhookUrl], ['events', r.WebhookEvents.join(', ')]]);
const eventList = (v: string) => v.split(',').map((e) => e.trim()).filter(Boolean);

const showValidation = (v: ValidationEventStatus) =>
  renderFields([['correlationId', v.correlationId], ['status', v.status], ['callback', v.callbackUrl]]) +
  (v.results.length
    ? '\n' + renderTable(v.results, [
        { header: 'at', value: (a) => a.dateTimeUtc },
        { header: 'response', value: (a) => a.responseCode ?? 'no answer' },
        { header: 'message', value: (a) => a.responseMessage },
      ])
    : '');

export function registerWebhookCommands(program: Command, { action, connect }: Context): void {
  const webhooks = program.command('webhooks').description('Partner Center webhooks: the URL your events are POSTed to, and which events');
  for (const [verb, description] of [['add', 'register a URL for events (POST /webhooks/v1/registration)'], ['set', 'replace the registration (PUT)']] as const) {
    webhooks
      .command(verb)
      .description(description)
      .requiredOption('--url <url>', 'the http(s) URL events are POSTed to')
      .requiredOption('--events <names>', 'comma-separated event names (pcx webhooks events lists them)', eventList)
      .action(
        action(async ({ out, globals }, o: { url: string; events: string[] }) => {
          if (!o.events.length) throw new UsageError('--events names no event');
          const registration = (await connect(globals, out)).webhooks.registration;
          const input = { webhookUrl: o.url, webhookEvents: o.events };
          const r = verb === 'add' ? await registration.create(input) : await registration.update(input);
          out.result(r, () => show(r));
        }),
      );
  }
  webhooks
    .command('get')
    .description('show the registration')
    .action(
      action(async ({ out, globals }) => {
        const r = await (await connect(globals, out)).webhooks.registration.get();
        out.result(r, () => show(r));
      }),
    );
  webhooks
    .command('rm')
    .description('remove the registration')
    .action(
      action(async ({ out, globals }) => {
        await (await connect(globals, out)).webhooks.registration.delete();
        out.result({ removed: true }, () => 'registration removed\n');
      }),
    );
  webhooks
    .command('events')
    .description('the events you may register for')
    .action(
      action(async ({ out, globals }) => {
        const names = await (await connect(globals, out)).webhooks.registration.events.get();
        out.result(names, () => names.join('\n') + '\n');
      }),
    );
  webhooks
    .command('validate')
    .description('send a test-created event to the registered URL (2 a minute); with --wait, until it is delivered or dead')
    .option('--correlation-id <id>', 'show this validation event instead of sending one')
    .option('--wait', 'poll until the event is completed or failed')
    .action(
      action(async ({ out, globals }, o: { correlationId?: string; wait?: boolean }) => {
        const events = (await connect(globals, out)).webhooks.registration.validationEvents;
        const correlationId = o.correlationId ?? (await events.create()).correlationId;
        let v = await events.byId(correlationId).get();
        while (o.wait && v.status === 'pending') {
          out.progress.status(`test event ${correlationId}: ${v.results.length} attempt(s)`);
          await new Promise((resolve) => setTimeout(resolve, 250));
          v = await events.byId(correlationId).get();
        }
        out.progress.clear();
        out.result(v, () => showValidation(v));
        return v.status === 'failed' ? 1 : undefined;
      }),
    );
}

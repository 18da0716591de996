/**
 * The sandbox panel's webhooks section: the partner's registration (`/webhooks/v1/registration`:
 * create with a URL and events, update, delete), a validation event and its status, and the
 * deliveries with every attempt (`GET /sandbox/partners/{t}/webhooks/deliveries`): status code,
 * latency, error, the signed body and headers. Watched while anything is still on its way.
 */
import { PartnerCenterError, type ValidationEventStatus, type WebhookDelivery, type WebhookRegistration } from '@partner-commerce/sdk';
import { useEffect, useState } from 'preact/hooks';
import { useConsole } from '../app.js';
import { ActionButton, ErrorBox, Field, Show, Status, formatDate, useAction, useLoad, usePoll } from '../ui.js';

const POLL_MS = 1000;
const DELIVERIES_SHOWN = 10;

export function Webhooks() {
  const { partner, sandbox } = useConsole();
  const names = useLoad(() => partner.webhooks.registration.events.get(), [partner]);
  // 404: no registration yet.
  const registration = useLoad<WebhookRegistration | null>(
    () => partner.webhooks.registration.get().catch((err: unknown) => (err instanceof PartnerCenterError && err.status === 404 ? null : Promise.reject(err))),
    [partner],
  );
  // Pages of older deliveries: the seqs to read before (undefined: the newest).
  const [pages, setPages] = useState<(number | undefined)[]>([undefined]);
  const before = pages[pages.length - 1];
  const deliveries = useLoad(() => sandbox!.webhooks.deliveries.get({ limit: DELIVERIES_SHOWN, before }), [sandbox, before]);
  const [validation, setValidation] = useState<ValidationEventStatus>();
  const action = useAction();

  const inFlight = deliveries.data?.items.some((d) => d.state === 'queued' || d.state === 'running') ?? false;
  usePoll(deliveries.reload, POLL_MS, inFlight || validation?.status === 'pending');
  usePoll(
    async () => {
      if (validation) setValidation(await partner.webhooks.registration.validationEvents.byId(validation.correlationId).get());
    },
    POLL_MS,
    validation?.status === 'pending',
  );

  const validate = async () => {
    const sent = await action.run(async () => {
      const { correlationId } = await partner.webhooks.registration.validationEvents.create();
      return partner.webhooks.registration.validationEvents.byId(correlationId).get();
    });
    if (sent) {
      setValidation(sent);
      setPages([undefined]);
      deliveries.reload();
    }
  };

  return (
    <section class="card webhooks" aria-labelledby="webhooks-title">
      <h2 id="webhooks-title">Webhooks</h2>
      <p class="hint">Partner Center's webhook registration: events are POSTed, signed, to your URL; up to 10 attempts each.</p>
      <Show loaded={registration}>
        {(reg) => (
          <Show loaded={names}>
            {(events) => (
              <RegistrationForm
                registration={reg}
                events={events}
                onChange={() => {
                  registration.reload();
                  setValidation(undefined);
                }}
              />
            )}
          </Show>
        )}
      </Show>
      {registration.data && (
        <div class="validation">
          <ActionButton action={action} busyLabel="Sending…" onClick={validate} disabled={!registration.data.WebhookEvents.includes('test-created')}>
            Send a validation event
          </ActionButton>{' '}
          {!registration.data.WebhookEvents.includes('test-created') && <span class="hint">Register test-created to send one.</span>}
          {validation && (
            <p class="validation-status" role="status">
              Validation event <code>{validation.correlationId}</code>: <Status value={validation.status} />
              {validation.results.length > 0 && ` · last answer ${validation.results.at(-1)!.responseCode ?? 'none'}`}
            </p>
          )}
          <ErrorBox error={action.error} title="The validation event was not sent" />
        </div>
      )}
      <h3>Deliveries</h3>
      <Show loaded={deliveries}>
        {({ items }) => (
          <>
            {items.length === 0 ? <p>No deliveries{pages.length > 1 ? ' before these' : ' yet'}.</p> : items.map((d) => <Delivery key={d.eventId} delivery={d} />)}
            <div class="pager">
              <button type="button" disabled={pages.length < 2} onClick={() => setPages((p) => p.slice(0, -1))}>
                Newer
              </button>
              <button type="button" onClick={deliveries.reload} disabled={deliveries.loading}>
                Refresh
              </button>
              <button type="button" disabled={items.length < DELIVERIES_SHOWN} onClick={() => setPages((p) => [...p, items.at(-1)!.seq])}>
                Older
              </button>
            </div>
          </>
        )}
      </Show>
    </section>
  );
}

function RegistrationForm({ registration, events, onChange }: { registration: WebhookRegistration | null; events: string[]; onChange: () => void }) {
  const { partner } = useConsole();
  const action = useAction();
  const [url, setUrl] = useState('');
  const [chosen, setChosen] = useState<string[]>(['test-created']);
  useEffect(() => {
    setUrl(registration?.WebhookUrl ?? '');
    setChosen(registration?.WebhookEvents ?? ['test-created']);
  }, [registration]);
  const toggle = (name: string, on: boolean) => setChosen((c) => (on ? [...c.filter((n) => n !== name), name] : c.filter((n) => n !== name)));

  const save = async (e: Event) => {
    e.preventDefault();
    const request = { webhookUrl: url.trim(), webhookEvents: events.filter((n) => chosen.includes(n)) };
    const ops = partner.webhooks.registration;
    if (await action.run(() => (registration ? ops.update(request) : ops.create(request)))) onChange();
  };
  const remove = async () => {
    if (!confirm('Delete the webhook registration? Nothing more is sent to its URL.')) return;
    const removed = await action.run(async () => {
      await partner.webhooks.registration.delete();
      return true;
    });
    if (removed) onChange();
  };

  return (
    <form class="webhook-registration" onSubmit={save}>
      <p class="registration-state">
        {registration ? (
          <>
            Registered: <code class="registration-url">{registration.WebhookUrl}</code>
          </>
        ) : (
          'No registration yet.'
        )}
      </p>
      <Field label="Webhook URL" hint="An absolute http(s) URL that answers 2xx">
        <input name="webhookUrl" type="url" required value={url} onInput={(e) => setUrl(e.currentTarget.value)} />
      </Field>
      <fieldset class="event-choices">
        <legend>Events</legend>
        {events.map((name) => (
          <label key={name} class="inline">
            <input type="checkbox" checked={chosen.includes(name)} onChange={(e) => toggle(name, e.currentTarget.checked)} /> {name}
          </label>
        ))}
      </fieldset>
      <div class="button-row">
        <button type="submit" class="primary" disabled={action.pending || chosen.length === 0}>
          {registration ? 'Update registration' : 'Register'}
        </button>
        {registration && (
          <button type="button" class="danger" disabled={action.pending} onClick={() => void remove()}>
            Delete registration
          </button>
        )}
      </div>
      <ErrorBox error={action.error} title="The registration was not changed" />
    </form>
  );
}

function Delivery({ delivery: d }: { delivery: WebhookDelivery }) {
  return (
    <details class="delivery">
      <summary>
        <code>{d.eventName}</code> · <Status value={d.state} /> · {d.attempts.length} {d.attempts.length === 1 ? 'attempt' : 'attempts'} · {formatDate(d.raisedAt, true)}
      </summary>
      <p>
        To <code>{d.url}</code> · <span class="hint">webhook-id</span> <code>{d.eventId}</code>
      </p>
      {d.attempts.length > 0 && (
        <div class="table-wrap">
          <table aria-label={`Attempts of ${d.eventName} ${d.eventId}`}>
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">Time</th>
                <th scope="col">Status code</th>
                <th scope="col">Latency</th>
                <th scope="col">Error</th>
              </tr>
            </thead>
            <tbody>
              {d.attempts.map((a) => (
                <tr key={a.attempt} class={a.error ? 'log-failed' : undefined}>
                  <td>{a.attempt}</td>
                  <td>{formatDate(a.at, true)}</td>
                  <td class="attempt-status">{a.statusCode ?? 'no answer'}</td>
                  <td>{a.latencyMs} ms</td>
                  <td>{a.error ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {d.lastError && d.state === 'failed' && <p>Dead-lettered: {d.lastError}</p>}
      <h4>Payload</h4>
      <pre class="delivery-body">{d.body}</pre>
      <h4>Headers</h4>
      <pre class="delivery-headers">{Object.entries(d.headers).map(([k, v]) => `${k}: ${v}\n`)}</pre>
    </details>
  );
}

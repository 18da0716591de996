/**
 * The sandbox panel of the signed-in partner (the SDK's `sandbox.byTenant(t)`): its clock (read,
 * advance: what falls due runs before the answer), fault rules (add, list, remove), reset, webhooks
 * (webhooks.tsx: the registration, a validation event, the deliveries), and the request log (live, as
 * server-sent events).
 */
import type { FaultEffect, LoggedRequest, NewFaultRule } from '@partner-commerce/sdk';
import { useEffect, useState } from 'preact/hooks';
import { useConsole } from '../app.js';
import { ActionButton, ErrorBox, Field, Page, Show, formatDate, useAction, useLoad } from '../ui.js';
import { Webhooks } from './webhooks.js';

export function SandboxPanel() {
  const { sandbox } = useConsole();
  if (!sandbox) return <p>The sandbox controls need sandbox mode and a token that names its partner tenant.</p>;
  return (
    <Page title="Sandbox">
      <p class="hint">Controls of your partner tenant in this sandbox; they are not part of Partner Center's API.</p>
      <div class="panels">
        <Clock />
        <Faults />
        <Reset />
      </div>
      <Webhooks />
      <RequestLog />
    </Page>
  );
}

function Clock() {
  const { sandbox } = useConsole();
  const clock = useLoad(() => sandbox!.clock.get(), []);
  const action = useAction();
  const [by, setBy] = useState('8d');
  const advance = async (duration: string) => {
    if (await action.run(() => sandbox!.clock.advance(duration))) clock.reload();
  };
  return (
    <section class="card" aria-labelledby="clock-title">
      <h2 id="clock-title">Clock</h2>
      <Show loaded={clock}>
        {(c) => (
          <dl class="pairs">
            <dt>Partner time</dt>
            <dd class="clock-now">{formatDate(c.now)}</dd>
            <dt>Ahead of real time</dt>
            <dd class="clock-offset">{formatOffset(c.offsetSeconds)}</dd>
          </dl>
        )}
      </Show>
      <form
        class="form-row"
        onSubmit={(e) => {
          e.preventDefault();
          void advance(by);
        }}
      >
        <Field label="Advance by" hint="8d, 12h, 1mo, 1y or ISO-8601 (P8D)">
          <input name="advanceBy" class="narrow" required value={by} onInput={(e) => setBy(e.currentTarget.value)} />
        </Field>
        <button type="submit" disabled={action.pending}>
          {action.pending ? 'Advancing…' : 'Advance'}
        </button>
      </form>
      <div class="button-row">
        {['1d', '8d', '1mo', '1y'].map((d) => (
          <button key={d} type="button" disabled={action.pending} onClick={() => void advance(d)}>
            +{d}
          </button>
        ))}
      </div>
      <ErrorBox error={action.error} title="The clock did not move" />
    </section>
  );
}

/** How far ahead the clock runs, to the minute (an advance of 8d reads 8 d 0 h 0 min, not 7 d 23 h). */
const formatOffset = (seconds: number) => {
  if (seconds === 0) return 'real time';
  const minutes = Math.round(seconds / 60);
  return `${Math.floor(minutes / 1440)} d ${Math.floor((minutes % 1440) / 60)} h ${minutes % 60} min`;
};

const describeEffect = (e: FaultEffect) =>
  e.type === 'error' ? `error ${e.status}${e.code ? ` (${e.code})` : ''}` : e.type === 'delay' ? `delay ${e.delayMs} ms` : 'drop the connection';

const STATUSES = [400, 401, 403, 404, 409, 429, 500, 503];

function Faults() {
  const { sandbox } = useConsole();
  const rules = useLoad(async () => (await sandbox!.faults.get()).items, []);
  const action = useAction();
  const [form, setForm] = useState({ method: '*', route: '/v1/**', type: 'error', status: '500', code: '', delayMs: '2000', count: '' });
  const set = (key: keyof typeof form, value: string) => setForm((f) => ({ ...f, [key]: value }));

  const add = async (e: Event) => {
    e.preventDefault();
    const effect: NewFaultRule['effect'] =
      form.type === 'error'
        ? { type: 'error', status: Number(form.status), code: form.code ? Number(form.code) : undefined }
        : form.type === 'delay'
          ? { type: 'delay', delayMs: Number(form.delayMs) }
          : { type: 'drop' };
    const rule: NewFaultRule = { method: form.method, route: form.route, effect, count: form.count ? Number(form.count) : undefined };
    if (await action.run(() => sandbox!.faults.create(rule))) rules.reload();
  };
  const remove = async (id?: string) => {
    if (await action.run(() => (id ? sandbox!.faults.byId(id).delete() : sandbox!.faults.delete()))) rules.reload();
  };

  return (
    <section class="card" aria-labelledby="faults-title">
      <h2 id="faults-title">Fault rules</h2>
      <form onSubmit={add}>
        <div class="form-row">
          <Field label="Method">
            <select name="faultMethod" value={form.method} onChange={(e) => set('method', e.currentTarget.value)}>
              {['*', 'GET', 'POST', 'PUT', 'PATCH', 'DELETE'].map((m) => (
                <option key={m}>{m}</option>
              ))}
            </select>
          </Field>
          <Field label="Route" hint="* one segment, ** any">
            <input name="faultRoute" required value={form.route} onInput={(e) => set('route', e.currentTarget.value)} />
          </Field>
        </div>
        <div class="form-row">
          <Field label="Effect">
            <select name="faultType" value={form.type} onChange={(e) => set('type', e.currentTarget.value)}>
              <option value="error">error</option>
              <option value="delay">delay</option>
              <option value="drop">drop the connection</option>
            </select>
          </Field>
          {form.type === 'error' && (
            <>
              <Field label="Status">
                <select name="faultStatus" value={form.status} onChange={(e) => set('status', e.currentTarget.value)}>
                  {STATUSES.map((s) => (
                    <option key={s}>{s}</option>
                  ))}
                </select>
              </Field>
              <Field label="Code" hint="default by status">
                <input name="faultCode" type="number" class="narrow" value={form.code} onInput={(e) => set('code', e.currentTarget.value)} />
              </Field>
            </>
          )}
          {form.type === 'delay' && (
            <Field label="Delay (ms)">
              <input name="faultDelay" type="number" class="narrow" value={form.delayMs} onInput={(e) => set('delayMs', e.currentTarget.value)} />
            </Field>
          )}
          <Field label="Times" hint="empty: until it expires">
            <input name="faultCount" type="number" min={1} class="narrow" value={form.count} onInput={(e) => set('count', e.currentTarget.value)} />
          </Field>
        </div>
        <button type="submit" disabled={action.pending}>
          Add rule
        </button>
      </form>
      <ErrorBox error={action.error} title="The rule was not changed" />
      <Show loaded={rules}>
        {(items) =>
          items.length === 0 ? (
            <p>No fault rules.</p>
          ) : (
            <>
              <ul class="rules">
                {items.map((r) => (
                  <li key={r.id}>
                    <code>
                      {r.method} {r.route}
                    </code>{' '}
                    → {describeEffect(r.effect)}
                    {r.remaining !== null ? ` · ${r.remaining} left` : ''} · until {formatDate(r.expiresAt)}{' '}
                    <button type="button" onClick={() => void remove(r.id)} aria-label={`Remove rule ${r.method} ${r.route}`}>
                      Remove
                    </button>
                  </li>
                ))}
              </ul>
              <button type="button" onClick={() => void remove()}>
                Remove all
              </button>
            </>
          )
        }
      </Show>
    </section>
  );
}

function Reset() {
  const { sandbox } = useConsole();
  const action = useAction();
  const [done, setDone] = useState(false);
  return (
    <section class="card" aria-labelledby="reset-title">
      <h2 id="reset-title">Reset</h2>
      <p>Back to the state this partner was created in: its first customers and carts, the clock at real time; everything else deleted.</p>
      <ActionButton
        action={action}
        class="danger"
        busyLabel="Resetting…"
        onClick={async () => {
          if (!confirm('Reset this sandbox partner? Orders, subscriptions and other customers are deleted.')) return;
          setDone(Boolean(await action.run(() => sandbox!.reset())));
        }}
      >
        Reset the partner
      </ActionButton>
      {done && <p role="status">Reset done.</p>}
      <ErrorBox error={action.error} title="The reset failed" />
    </section>
  );
}

const LOG_KEEP = 100;
const RECONNECT_MS = 2000;

/**
 * The request log, live: the newest entries, then each new one as the server streams it
 * (`requests.stream`, server-sent events, resumed after the last one seen if the stream breaks).
 */
function RequestLog() {
  const { sandbox } = useConsole();
  const [entries, setEntries] = useState<LoggedRequest[]>();
  const [error, setError] = useState<unknown>();
  const [live, setLive] = useState(true);
  useEffect(() => {
    const controller = new AbortController();
    const { signal } = controller;
    const add = (fresh: LoggedRequest[]) => setEntries((old) => [...(old ?? []), ...fresh].slice(-LOG_KEEP));
    void (async () => {
      let after: number | undefined;
      try {
        const { items } = await sandbox!.requests.get({ limit: 25 });
        setEntries(items);
        after = items.at(-1)?.seq;
      } catch (err) {
        setError(err);
      }
      while (live && !signal.aborted) {
        try {
          for await (const entry of sandbox!.requests.stream({ after }, { signal })) {
            after = entry.seq;
            add([entry]);
            setError(undefined);
          }
        } catch (err) {
          if (signal.aborted) return;
          setError(err);
        }
        await new Promise((resolve) => setTimeout(resolve, RECONNECT_MS));
      }
    })();
    return () => controller.abort();
  }, [live]);
  return (
    <section class="card request-log" aria-labelledby="log-title">
      <h2 id="log-title">Request log</h2>
      <p>
        <label class="inline">
          <input type="checkbox" checked={live} onChange={(e) => setLive(e.currentTarget.checked)} /> live (as requests happen)
        </label>{' '}
        <span class="hint">Your /v1 requests and their answers, newest first.</span>
      </p>
      <ErrorBox error={error} title="The log could not be read" />
      {entries && entries.length === 0 && <p>No requests yet.</p>}
      {entries && entries.length > 0 && (
        <div class="table-wrap log-wrap">
          <table aria-label="Requests">
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col">Request</th>
                <th scope="col">Status</th>
                <th scope="col" class="wide-only">
                  MS-RequestId
                </th>
              </tr>
            </thead>
            <tbody>
              {[...entries].reverse().map((r) => (
                <tr key={r.seq} class={r.status >= 400 ? 'log-failed' : undefined}>
                  <td>{formatDate(r.at, true)}</td>
                  <td>
                    <code>
                      {r.method} {r.path}
                    </code>
                  </td>
                  <td>{r.status}</td>
                  <td class="wide-only">
                    <code>{r.requestId}</code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

/**
 * The console's small kit: loading and error states (an SDK error shows its Partner Center code,
 * description, HTTP status and MS-RequestId), an action runner for buttons, the hash router, and
 * formatting. Plain elements only (buttons, links, labels), so the keyboard reaches everything.
 */
import { PartnerCenterError } from '@partner-commerce/sdk';
import type { ButtonHTMLAttributes, ComponentChildren } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';

// ---------------------------------------------------------------------------------------------
// Routing: `#/customers/{id}/orders/{orderId}`; the hash keeps the server's one page at /console/.

/** The current route's segments (`#/customers/x` → ['customers', 'x']). */
export function useRoute(): string[] {
  const read = () => location.hash.replace(/^#\/?/, '').split('?')[0].split('/').filter(Boolean).map(decodeURIComponent);
  const [route, setRoute] = useState(read);
  useEffect(() => {
    const onChange = () => setRoute(read());
    addEventListener('hashchange', onChange);
    return () => removeEventListener('hashchange', onChange);
  }, []);
  return route;
}

/** The hash of a route, its segments encoded. */
export const href = (...segments: string[]) => `#/${segments.map(encodeURIComponent).join('/')}`;

export const navigate = (...segments: string[]) => {
  location.hash = href(...segments);
};

// ---------------------------------------------------------------------------------------------
// Loading and acting

export interface Loaded<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload: () => void;
}

/** Runs `load` now and whenever `deps` change; the last answer wins. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error?: unknown; loading: boolean }>({ loading: true });
  const [tick, setTick] = useState(0);
  const latest = useRef(0);
  useEffect(() => {
    const run = ++latest.current;
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (data) => run === latest.current && setState({ data, loading: false }),
      (error: unknown) => run === latest.current && setState({ error, loading: false }),
    );
  }, [...deps, tick]); // the caller's deps say when to load again
  return { data: state.data, error: state.error, loading: state.loading, reload: useCallback(() => setTick((t) => t + 1), []) };
}

export interface Action {
  pending: boolean;
  error: unknown;
  /** Runs `work`, keeping its error to show; resolves with its result, or undefined when it failed. */
  run: <T>(work: () => Promise<T>) => Promise<T | undefined>;
  clear: () => void;
}

/** The state of a button's work: pending while it runs, its error after. */
export function useAction(): Action {
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const run = useCallback(async <T,>(work: () => Promise<T>) => {
    setPending(true);
    setError(undefined);
    try {
      return await work();
    } catch (err) {
      setError(err);
      return undefined;
    } finally {
      setPending(false);
    }
  }, []);
  return { pending, error, run, clear: useCallback(() => setError(undefined), []) };
}

/** Calls `tick` every `ms` while `active`; the next call waits for the previous one. */
export function usePoll(tick: () => Promise<unknown> | void, ms: number, active: boolean): void {
  const saved = useRef(tick);
  saved.current = tick;
  useEffect(() => {
    if (!active) return;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout>;
    const loop = async () => {
      try {
        await saved.current();
      } catch {
        /* the caller shows its own errors */
      }
      if (!stopped) timer = setTimeout(loop, ms);
    };
    timer = setTimeout(loop, ms);
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [ms, active]);
}

// ---------------------------------------------------------------------------------------------
// Components

/** An error as the user needs it: Partner Center's code and description, and the MS-RequestId to quote. */
export function ErrorBox({ error, title }: { error: unknown; title?: string }) {
  if (!error) return null;
  if (error instanceof PartnerCenterError) {
    return (
      <div class="error" role="alert">
        <strong>{title ?? 'The request failed'}</strong>
        <dl class="pairs">
          <dt>Code</dt>
          <dd class="error-code">{String(error.code ?? '—')}</dd>
          <dt>Description</dt>
          <dd class="error-description">{error.description}</dd>
          <dt>HTTP status</dt>
          <dd>{error.status || 'no response'}</dd>
          <dt>MS-RequestId</dt>
          <dd>
            <code class="error-request-id">{error.requestId}</code>
          </dd>
        </dl>
      </div>
    );
  }
  return (
    <div class="error" role="alert">
      <strong>{title ?? 'Something went wrong'}</strong>
      <p>{error instanceof Error ? error.message : String(error)}</p>
    </div>
  );
}

export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <p class="loading" role="status">
      {label}
    </p>
  );
}

/** A loaded value's three states: loading, error, or its content. */
export function Show<T>({ loaded, children }: { loaded: Loaded<T>; children: (data: T) => ComponentChildren }) {
  if (loaded.error) {
    return (
      <>
        <ErrorBox error={loaded.error} />
        <button type="button" onClick={loaded.reload}>
          Try again
        </button>
      </>
    );
  }
  if (loaded.data === undefined) return <Loading />;
  return <>{children(loaded.data)}</>;
}

/** A button that runs an action and says so while it does. */
export function ActionButton({
  action,
  onClick,
  children,
  busyLabel,
  ...rest
}: { action: Action; onClick: () => unknown; busyLabel?: string; children: ComponentChildren } & Omit<ButtonHTMLAttributes<HTMLButtonElement>, 'onClick' | 'action'>) {
  return (
    <button type="button" {...rest} disabled={action.pending || Boolean(rest.disabled)} aria-busy={action.pending} onClick={() => void onClick()}>
      {action.pending ? (busyLabel ?? 'Working…') : children}
    </button>
  );
}

/** A labelled form field; its hint sits outside the label, so the field's name is the label alone. */
export function Field({ label, children, hint }: { label: string; children: ComponentChildren; hint?: string }) {
  return (
    <div class="field">
      <label>
        <span class="field-label">{label}</span>
        {children}
      </label>
      {hint && <span class="hint">{hint}</span>}
    </div>
  );
}

export function Page({ title, children, actions }: { title: string; children: ComponentChildren; actions?: ComponentChildren }) {
  useEffect(() => {
    document.title = `${title} · partner-commerce console`;
  }, [title]);
  return (
    <section class="page" aria-labelledby="page-title">
      <header class="page-header">
        <h1 id="page-title">{title}</h1>
        {actions && <div class="page-actions">{actions}</div>}
      </header>
      {children}
    </section>
  );
}

export function Status({ value }: { value: string | undefined }) {
  const v = (value ?? 'unknown').toLowerCase();
  return <span class={`status status-${v.replace(/[^a-z]/g, '')}`}>{value ?? 'unknown'}</span>;
}

// ---------------------------------------------------------------------------------------------
// Formatting

/** `2026-11-30 09:13 UTC` (with `seconds`, `09:13:05`). */
export const formatDate = (iso: string | undefined, seconds = false) =>
  iso ? new Date(iso).toISOString().replace('T', ' ').replace(seconds ? /\.\d+Z$/ : /:\d\d\.\d+Z$/, ' UTC') : '—';

export const formatMoney = (amount: number | undefined, currency = '') =>
  amount === undefined ? '—' : `${amount.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })} ${currency}`.trim();

export const shortId = (id: string) => (id.length > 13 ? `${id.slice(0, 8)}…` : id);

/**
 * The console's shell: sign-in until there is a session, then the navigation and the screen the hash
 * names. Every screen gets the signed-in partner's SDK client from the context.
 */
import type { PartnerOperations, SandboxPartnerOperations } from '@partner-commerce/sdk';
import { createContext } from 'preact';
import { useContext, useMemo, useState } from 'preact/hooks';
import { authMode, clientFor, loadSession, saveSession, type AuthMode, type Session } from './session.js';
import { SignIn } from './screens/sign-in.js';
import { Customers, NewCustomer } from './screens/customers.js';
import { CustomerDetail } from './screens/customer.js';
import { Catalog } from './screens/catalog.js';
import { CartBuilder } from './screens/cart.js';
import { OrderDetail } from './screens/order.js';
import { SubscriptionDetail } from './screens/subscription.js';
import { SandboxPanel } from './screens/sandbox.js';
import { href, useRoute } from './ui.js';

export interface Console {
  session: Session;
  partner: PartnerOperations;
  mode: AuthMode;
  /** The partner's sandbox controls (sandbox mode, and a token naming its tenant). */
  sandbox: SandboxPartnerOperations | undefined;
}

const ConsoleContext = createContext<Console | undefined>(undefined);

/** The signed-in partner's client and session. */
export function useConsole(): Console {
  const value = useContext(ConsoleContext);
  if (!value) throw new Error('useConsole outside the signed-in console');
  return value;
}

export function App() {
  const mode = authMode();
  const [session, setSession] = useState<Session | undefined>(loadSession);
  const value = useMemo<Console | undefined>(() => {
    if (!session) return undefined;
    const partner = clientFor(session);
    const sandbox = mode === 'sandbox' && session.tenantId ? partner.sandbox.byTenant(session.tenantId) : undefined;
    return { session, partner, mode, sandbox };
  }, [session, mode]);

  const signIn = (s: Session) => {
    saveSession(s);
    setSession(s);
    if (!location.hash || location.hash === '#/') location.hash = href('customers');
  };
  const signOut = () => {
    saveSession(undefined);
    setSession(undefined);
  };

  if (!value) return <SignIn mode={mode} onSignIn={signIn} />;
  return (
    <ConsoleContext.Provider value={value}>
      <Shell onSignOut={signOut} />
    </ConsoleContext.Provider>
  );
}

const SECTIONS = [
  { id: 'customers', label: 'Customers' },
  { id: 'catalog', label: 'Catalog' },
  { id: 'sandbox', label: 'Sandbox' },
] as const;

function Shell({ onSignOut }: { onSignOut: () => void }) {
  const { session, sandbox } = useConsole();
  const route = useRoute();
  const section = route[0] ?? 'customers';
  return (
    <div class="shell">
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <a class="brand" href={href('customers')}>
          partner-commerce
        </a>
        <nav aria-label="Sections">
          <ul>
            {SECTIONS.filter((s) => s.id !== 'sandbox' || sandbox).map((s) => (
              <li key={s.id}>
                <a href={href(s.id)} aria-current={section === s.id ? 'page' : undefined}>
                  {s.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <div class="who">
          <span class="who-label" title={session.tenantId ? `tenant ${session.tenantId}` : undefined}>
            {session.label}
          </span>
          <button type="button" onClick={onSignOut}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <Screen route={route} />
      </main>
    </div>
  );
}

/** The screen of a route. */
function Screen({ route }: { route: string[] }) {
  const [section, id, sub, subId] = route;
  switch (section) {
    case 'catalog':
      return <Catalog />;
    case 'sandbox':
      return <SandboxPanel />;
    case 'customers':
    case undefined:
      if (id === 'new') return <NewCustomer />;
      if (!id) return <Customers />;
      if (sub === 'cart') return <CartBuilder customerId={id} cartId={subId} key={`${id}/${subId ?? ''}`} />;
      if (sub === 'orders' && subId) return <OrderDetail customerId={id} orderId={subId} key={subId} />;
      if (sub === 'subscriptions' && subId) return <SubscriptionDetail customerId={id} subscriptionId={subId} key={subId} />;
      return <CustomerDetail customerId={id} key={id} />;
    default:
      return (
        <p>
          Nothing here. <a href={href('customers')}>Go to the customers</a>.
        </p>
      );
  }
}

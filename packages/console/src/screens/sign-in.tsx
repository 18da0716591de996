/**
 * Sign-in. Sandbox mode: the partner's sandbox user (app+user token) or app (app-only token), or a
 * one-click demo partner created for this session; jwks mode: a bearer token from the issuer.
 */
import { useState } from 'preact/hooks';
import { signInAsDemoPartner, signInWithClient, signInWithPassword, signInWithToken, type AuthMode, type Session } from '../session.js';
import { ActionButton, ErrorBox, Field, useAction } from '../ui.js';

type Method = 'password' | 'client';

export function SignIn({ mode, onSignIn }: { mode: AuthMode; onSignIn: (session: Session) => void }) {
  const action = useAction();
  const [method, setMethod] = useState<Method>('password');
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [clientId, setClientId] = useState('');
  const [clientSecret, setClientSecret] = useState('');
  const [token, setToken] = useState('');

  const go = async (work: () => Promise<Session> | Session) => {
    const session = await action.run(async () => work());
    if (session) onSignIn(session);
  };
  const submit = (e: Event) => {
    e.preventDefault();
    if (mode === 'jwks') return void go(() => signInWithToken(token));
    void go(() => (method === 'password' ? signInWithPassword(username, password) : signInWithClient(clientId, clientSecret)));
  };

  return (
    <main id="main" class="sign-in">
      <h1>partner-commerce console</h1>
      {mode === 'sandbox' ? (
        <>
          <p>Sign in with your sandbox partner's credentials (printed by the server at start-up), or try a fresh demo partner.</p>
          <section class="card" aria-labelledby="demo-title">
            <h2 id="demo-title">Demo partner</h2>
            <p>A new partner tenant of its own, with a demo customer and an active cart. Nothing you do touches anyone else.</p>
            <ActionButton action={action} class="primary" onClick={() => go(signInAsDemoPartner)} busyLabel="Creating…">
              Start as a demo partner
            </ActionButton>
          </section>
          <form class="card" onSubmit={submit} aria-labelledby="creds-title">
            <h2 id="creds-title">Your sandbox partner</h2>
            <fieldset>
              <legend>Sign in as</legend>
              <label class="inline">
                <input type="radio" name="method" checked={method === 'password'} onChange={() => setMethod('password')} /> a user (app+user token)
              </label>
              <label class="inline">
                <input type="radio" name="method" checked={method === 'client'} onChange={() => setMethod('client')} /> an app (app-only token)
              </label>
            </fieldset>
            {method === 'password' ? (
              <>
                <Field label="User name">
                  <input name="username" autoComplete="username" required value={username} onInput={(e) => setUsername(e.currentTarget.value)} />
                </Field>
                <Field label="Password">
                  <input name="password" type="password" autoComplete="current-password" required value={password} onInput={(e) => setPassword(e.currentTarget.value)} />
                </Field>
              </>
            ) : (
              <>
                <Field label="Client id">
                  <input name="clientId" required value={clientId} onInput={(e) => setClientId(e.currentTarget.value)} />
                </Field>
                <Field label="Client secret" hint="App-only tokens cannot read order provisioning status (as in Partner Center).">
                  <input name="clientSecret" type="password" required value={clientSecret} onInput={(e) => setClientSecret(e.currentTarget.value)} />
                </Field>
              </>
            )}
            <button type="submit" class="primary" disabled={action.pending}>
              Sign in
            </button>
          </form>
        </>
      ) : (
        <form class="card" onSubmit={submit} aria-labelledby="token-title">
          <h2 id="token-title">Bearer token</h2>
          <p>This server verifies tokens of an external issuer. Paste an access token for the Partner Center API.</p>
          <Field label="Access token">
            <textarea name="token" rows={5} required value={token} onInput={(e) => setToken(e.currentTarget.value)} />
          </Field>
          <button type="submit" class="primary" disabled={action.pending}>
            Use this token
          </button>
        </form>
      )}
      <ErrorBox error={action.error} title="Sign-in failed" />
    </main>
  );
}

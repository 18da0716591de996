/**
 * Test support for the SDK and CLI suites: the real app listening on a port, and a small HTTP
 * proxy in front of it that misbehaves on chosen attempts (fails, drops the connection after the
 * server did the work, stalls, throttles) the way networks and gateways do.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestContext } from '../../server/test/helpers.js';

/** Makes the test app listen on a free loopback port; returns its base URL. */
export async function listen(ctx: TestContext): Promise<string> {
  await ctx.app.listen({ port: 0, host: '127.0.0.1' });
  return `http://127.0.0.1:${(ctx.app.server.address() as AddressInfo).port}`;
}

/** What the proxy does with one attempt. */
export type ProxyAction =
  | { kind: 'forward' }
  /** Answer this status without forwarding (default body: Partner Center's 503). */
  | { kind: 'answer'; status: number; body?: unknown; headers?: Record<string, string> }
  /** Close the connection without forwarding: the server never sees the request. */
  | { kind: 'drop' }
  /** Forward, let the server act, then close the connection: the client never sees the answer. */
  | { kind: 'forward-then-drop' }
  /** Forward, then hold the answer back this long (a client timeout while the server acted). */
  | { kind: 'delay'; ms: number };

export interface ProxyAttempt {
  method: string;
  url: string;
  requestId: string | undefined;
  /** 1 for the first time this MS-RequestId (or, without one, this method and URL) was seen. */
  attempt: number;
  action: ProxyAction['kind'];
  /** The server's answer, when the request was forwarded. */
  status?: number;
  replayed?: boolean;
}

export interface FaultProxy {
  url: string;
  attempts: ProxyAttempt[];
  close(): Promise<void>;
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'host', 'content-length', 'expect']);

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Starts a proxy to `target` that applies `decide` to each attempt. */
export async function startFaultProxy(
  target: string,
  decide: (req: { method: string; url: string; attempt: number }) => ProxyAction,
): Promise<FaultProxy> {
  const attempts: ProxyAttempt[] = [];
  const seen = new Map<string, number>();
  const server: Server = createServer(async (req, res) => {
    const method = req.method ?? 'GET';
    const url = req.url ?? '/';
    const requestId = req.headers['ms-requestid'] as string | undefined;
    const key = requestId ?? `${method} ${url}`;
    const attempt = (seen.get(key) ?? 0) + 1;
    seen.set(key, attempt);
    const action = decide({ method, url, attempt });
    const record: ProxyAttempt = { method, url, requestId, attempt, action: action.kind };
    attempts.push(record);
    const body = await readBody(req);
    if (action.kind === 'drop') {
      req.socket.destroy();
      return;
    }
    if (action.kind === 'answer') {
      const payload = JSON.stringify(
        action.body ?? { code: 800003, description: 'Service unavailable (injected by the test proxy).', data: [], source: 'TestProxy' },
      );
      res.writeHead(action.status, { 'content-type': 'application/json', ...action.headers });
      res.end(payload);
      return;
    }
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (!HOP_BY_HOP.has(k) && typeof v === 'string') headers[k] = v;
    const upstream = await fetch(target + url, { method, headers, body: body.length ? new Uint8Array(body) : undefined });
    const text = await upstream.text();
    record.status = upstream.status;
    record.replayed = upstream.headers.get('idempotent-replayed') === 'true';
    if (action.kind === 'forward-then-drop') {
      req.socket.destroy();
      return;
    }
    if (action.kind === 'delay') await new Promise((r) => setTimeout(r, action.ms));
    if (res.destroyed || req.socket.destroyed) return;
    const out: Record<string, string> = {};
    upstream.headers.forEach((v, k) => {
      if (!HOP_BY_HOP.has(k) && k !== 'content-encoding') out[k] = v;
    });
    res.writeHead(upstream.status, out);
    res.end(text);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    attempts,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * A real HTTP webhook receiver for tests: verifies each POST's signature with the docs' sample
 * (verify-webhook.ts, the code docs/webhooks.md shows), records it, and answers as told: 200, or a
 * status, or no answer (a hang the sender's timeout must cut) while a fault is on.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyPartnerCenterEvent } from './verify-webhook.js';

export interface Received {
  eventId: string;
  body: { EventName: string; ResourceUri: string; ResourceName: string; AuditUri: string | null; ResourceChangeUtcDate: string };
  verified: boolean;
  /** The body's exact text and the signature header, as they arrived. */
  rawBody: string;
  authorization: string;
  /** The sender's x-ms-certificate-url (on the sending process's own address). */
  certificateUrl: string;
  answered: number | 'hang';
}

export interface Receiver {
  url: string;
  received: Received[];
  /** What the next POSTs get: 200 (default), another status, or 'hang'. */
  mode: number | 'hang';
  close(): Promise<void>;
}

export async function startReceiver(certificateHosts: string[]): Promise<Receiver> {
  const hanging = new Set<import('node:http').ServerResponse>();
  const r: Receiver = { url: '', received: [], mode: 200, close: async () => {} };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const raw = Buffer.concat(chunks);
      const verified = await verifyPartnerCenterEvent(req.headers, raw, { organization: 'partner-commerce sandbox', certificateHosts }).catch(() => false);
      const mode = r.mode;
      r.received.push({
        eventId: String(req.headers['webhook-id']),
        body: JSON.parse(raw.toString('utf8')),
        verified,
        rawBody: raw.toString('utf8'),
        authorization: String(req.headers.authorization),
        certificateUrl: String(req.headers['x-ms-certificate-url']),
        answered: mode,
      });
      if (mode === 'hang') {
        hanging.add(res);
        return;
      }
      res.writeHead(mode, { 'content-type': 'text/plain' }).end(mode === 200 ? 'ok' : 'not now');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  r.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/callback`;
  r.close = async () => {
    for (const res of hanging) res.destroy();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return r;
}

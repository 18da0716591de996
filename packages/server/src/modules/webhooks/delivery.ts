/**
 * Delivering one event (a `webhook_delivery` job claimed by the worker): the body Partner Center
 * sends, signed as it signs, POSTed with a timeout outside any transaction; then, in one transaction
 * that checks the worker still holds the job, the attempt is kept (status code, latency, error) and
 * the job is done, queued again after a capped, jittered backoff, or dead-lettered (`failed`) after
 * its last attempt. A worker killed mid-POST leaves its job to be claimed again when the lease runs
 * out: at-least-once, the event id stable for the receiver to deduplicate (`webhook-id` header).
 */
import { performance } from 'node:perf_hooks';
import type { WebhookEvent } from '@partner-commerce/contract';
import type { Database } from '../../db/database.js';
import { takeWebhookFault } from '../../plugins/faults.js';
import * as jobs from '../jobs/repo.js';
import { backoffDelay, type JobOutcome } from '../jobs/retry.js';
import * as repo from './repo.js';
import { signatureHeaders, signingKey } from './signing.js';

export interface WebhookPolicy {
  /** How long a receiver may take to answer before the attempt counts as failed. */
  timeoutMs: number;
  /** First retry delay; doubled each attempt up to `maxBackoffMs`, with ±20 % jitter. */
  backoffMs: number;
  maxBackoffMs: number;
  /** The service's public base URL: ResourceUri and the certificate URL are built on it. */
  baseUrl: string;
}

export const CERTIFICATE_PATH = '/webhooks/v1/certificate';

/** `2017-11-16T16:19:06.352+00:00`: the docs' offset form of a UTC time. */
const utcDate = (d: Date | string) => new Date(d).toISOString().replace('Z', '+00:00');

/** The body of an event's delivery, as the docs' event model spells it. */
export function eventBody(e: repo.EventRow, baseUrl: string): WebhookEvent {
  return {
    EventName: e.event_name,
    ResourceUri: `${baseUrl}${e.resource_path}`,
    ResourceName: e.resource_name,
    AuditUri: null,
    ResourceChangeUtcDate: utcDate(e.changed_at),
  };
}

/** The body (as sent, byte for byte) and every header of an event's delivery. */
export async function signedDelivery(db: Database, e: repo.EventRow, baseUrl: string) {
  const body = JSON.stringify(eventBody(e, baseUrl));
  const { key } = await signingKey(db);
  return {
    body,
    headers: { 'content-type': 'application/json; charset=utf-8', 'webhook-id': e.id, ...signatureHeaders(key, body, `${baseUrl}${CERTIFICATE_PATH}`) },
  };
}

/** One POST of the delivery: the receiver's status and, unless it answered 2xx, what went wrong. */
async function post(url: string, delivery: { body: string; headers: Record<string, string> }, timeoutMs: number) {
  try {
    const res = await fetch(url, { method: 'POST', headers: delivery.headers, body: delivery.body, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
    await res.arrayBuffer().catch(() => undefined);
    return { statusCode: res.status, error: res.ok ? null : `the receiver answered HTTP ${res.status}` };
  } catch (err) {
    const e = err as Error & { cause?: { code?: string; message?: string } };
    const error = e.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : `${e.cause?.code ?? e.name}: ${e.cause?.message ?? e.message}`;
    return { statusCode: null, error };
  }
}

/** Runs one claimed delivery job; returns what became of it. */
export async function deliverEvent(db: Database, job: jobs.JobRow, workerId: string, policy: WebhookPolicy): Promise<JobOutcome> {
  const tenantId = job.partner_tenant_id;
  const event = await repo.findDelivery(db, tenantId, job.key);
  let result: { statusCode: number | null; error: string | null };
  const started = performance.now();
  if (!event) result = { statusCode: null, error: 'the event is gone' };
  else {
    const fault = await takeWebhookFault(db, tenantId);
    result = fault
      ? { statusCode: fault.status ?? null, error: `delivery failure injected by sandbox fault rule ${fault.id}` }
      : await post(event.url, await signedDelivery(db, event, policy.baseUrl), policy.timeoutMs);
  }
  const latencyMs = Math.round(performance.now() - started);
  return db.transaction(async (tx) => {
    const owned = await jobs.lockOwnedJob(tx, job, workerId);
    if (!owned) return 'lost';
    if (event) await repo.insertAttempt(tx, tenantId, job.key, { attempt: owned.attempts, ...result, latencyMs, worker: workerId });
    if (!result.error) {
      await jobs.finishJob(tx, job, 'done', null);
      return 'done';
    }
    if (!event || owned.attempts >= owned.max_attempts) {
      await jobs.finishJob(tx, job, 'failed', result.error);
      return 'failed';
    }
    await jobs.retryJobLater(tx, job, workerId, backoffDelay(owned.attempts, policy), result.error);
    return 'retry';
  });
}

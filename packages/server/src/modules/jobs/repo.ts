/**
 * The one job queue (STYLE.md 18; migrations/017_jobs.sql): provisioning and webhook deliveries are
 * rows of one table, claimed under row locks with a lease, retried with backoff, finished or failed
 * with their last error. Due times are on the partner's clock; leases are real time.
 */
import type { Queryable } from '../../db/database.js';
import { tenantNow } from '../clock/repo.js';

export type JobKind = 'provisioning' | 'webhook_delivery' | 'renewal';

/** A job's identity: the tenant, the kind and the kind's own key (an order id, an event id). */
export interface JobRef {
  partner_tenant_id: string;
  kind: JobKind;
  key: string;
}

export interface JobRow extends JobRef {
  state: 'queued' | 'running' | 'done' | 'failed';
  attempts: number;
  max_attempts: number;
  last_error: string | null;
}

const COLUMNS = 'partner_tenant_id, kind, key, state, attempts, max_attempts, last_error';
const IS = (alias: string) => `${alias}.partner_tenant_id = $1 AND ${alias}.kind = $2 AND ${alias}.key = $3`;
const ref = (j: JobRef) => [j.partner_tenant_id, j.kind, j.key];

export interface ClaimFilter {
  /** One tenant's jobs only (the sandbox clock settling it). */
  tenantId?: string;
  /** These kinds only (default: every kind). */
  kinds?: JobKind[];
}

/**
 * Claims up to `limit` due jobs for `workerId`: queued ones whose time has come on their partner's
 * clock and that no earlier job of their ordering key still waits for, and running ones whose
 * worker's lease ran out (it crashed; leases are real time). SKIP LOCKED keeps concurrent workers off
 * each other's jobs; a later job of an ordering key is not claimable while an earlier one is queued
 * or running, whoever holds it.
 */
export async function claimJobs(q: Queryable, workerId: string, limit: number, leaseSeconds: number, filter: ClaimFilter = {}): Promise<JobRow[]> {
  return q.query<JobRow>(
    `UPDATE jobs j
        SET state = 'running', locked_by = $1, locked_until = now() + make_interval(secs => $3),
            attempts = j.attempts + 1, updated_at = now()
      WHERE (j.partner_tenant_id, j.kind, j.key) IN (
        SELECT c.partner_tenant_id, c.kind, c.key FROM jobs c
         WHERE ((c.state = 'queued' AND c.run_at <= ${tenantNow('c.partner_tenant_id')}) OR (c.state = 'running' AND c.locked_until < now()))
           AND ($4::uuid IS NULL OR c.partner_tenant_id = $4::uuid)
           AND ($5::text[] IS NULL OR c.kind = ANY ($5::text[]))
           AND (c.ordering_key IS NULL OR NOT EXISTS (
                 SELECT 1 FROM jobs e
                  WHERE e.partner_tenant_id = c.partner_tenant_id AND e.ordering_key = c.ordering_key
                    AND e.seq < c.seq AND e.state IN ('queued', 'running')))
         ORDER BY c.run_at
         LIMIT $2
         FOR UPDATE SKIP LOCKED)
      RETURNING ${COLUMNS.split(', ').map((c) => `j.${c}`).join(', ')}`,
    [workerId, limit, leaseSeconds, filter.tenantId ?? null, filter.kinds ?? null],
  );
}

/** Locks the job if `workerId` still holds it (another worker may have taken over an expired lease). */
export async function lockOwnedJob(q: Queryable, job: JobRef, workerId: string): Promise<JobRow | undefined> {
  const rows = await q.query<JobRow>(`SELECT ${COLUMNS} FROM jobs j WHERE ${IS('j')} AND locked_by = $4 AND state = 'running' FOR UPDATE`, [...ref(job), workerId]);
  return rows[0];
}

export async function finishJob(q: Queryable, job: JobRef, state: 'done' | 'failed', lastError: string | null): Promise<void> {
  await q.query(
    `UPDATE jobs j SET state = $4, last_error = coalesce($5, last_error), locked_by = NULL, locked_until = NULL,
            updated_at = now(), finished_at = now() WHERE ${IS('j')}`,
    [...ref(job), state, lastError],
  );
}

/** Puts a job back in the queue, due `delayMs` from now on its partner's clock, if `workerId` still holds it. */
export async function retryJobLater(q: Queryable, job: JobRef, workerId: string, delayMs: number, lastError: string): Promise<void> {
  await q.query(
    `UPDATE jobs j SET state = 'queued', run_at = ${tenantNow('j.partner_tenant_id')} + make_interval(secs => $5 / 1000.0), last_error = $6,
            locked_by = NULL, locked_until = NULL, updated_at = now()
      WHERE ${IS('j')} AND locked_by = $4 AND state = 'running'`,
    [...ref(job), workerId, delayMs, lastError],
  );
}

/** Queues a job the worker holds again, due at `runAt` (an instant on its partner's clock), its attempts reset: recurring work (a renewal's next term end). */
export async function rescheduleJob(q: Queryable, job: JobRef, workerId: string, runAt: string): Promise<void> {
  await q.query(
    `UPDATE jobs j SET state = 'queued', run_at = $5, attempts = 0, last_error = NULL, locked_by = NULL, locked_until = NULL, updated_at = now()
      WHERE ${IS('j')} AND locked_by = $4 AND state = 'running'`,
    [...ref(job), workerId, runAt],
  );
}

/** Gives back claimed jobs a stopping worker did not start (they run again at once elsewhere). */
export async function releaseJobs(q: Queryable, workerId: string, jobs: JobRef[]): Promise<void> {
  if (!jobs.length) return;
  await q.query(
    `UPDATE jobs j SET state = 'queued', attempts = greatest(attempts - 1, 0), locked_by = NULL, locked_until = NULL, updated_at = now()
       FROM jsonb_to_recordset($2::jsonb) AS x(partner_tenant_id uuid, kind text, key text)
      WHERE j.partner_tenant_id = x.partner_tenant_id AND j.kind = x.kind AND j.key = x.key AND j.locked_by = $1 AND j.state = 'running'`,
    [workerId, JSON.stringify(jobs.map(({ partner_tenant_id, kind, key }) => ({ partner_tenant_id, kind, key })))],
  );
}

/** The tenant's unfinished jobs of a kind: the earliest due time of the queued ones, and how many run. */
export async function pendingWork(q: Queryable, tenantId: string, kind: JobKind): Promise<{ nextDue: Date | null; running: number }> {
  const [r] = await q.query<{ next_due: Date | null; running: string | number }>(
    `SELECT min(run_at) FILTER (WHERE state = 'queued') AS next_due, count(*) FILTER (WHERE state = 'running') AS running
       FROM jobs WHERE partner_tenant_id = $1 AND kind = $2 AND state IN ('queued', 'running')`,
    [tenantId, kind],
  );
  return { nextDue: r.next_due ? new Date(r.next_due) : null, running: Number(r.running) };
}

/** The tenant's jobs of a kind, oldest first. */
export async function listJobs(q: Queryable, tenantId: string, kind: JobKind) {
  return q.query<{ key: string; state: string; attempts: number; maxAttempts: number; lastError: string | null; runAt: Date }>(
    `SELECT key, state, attempts, max_attempts AS "maxAttempts", last_error AS "lastError", run_at AS "runAt"
       FROM jobs WHERE partner_tenant_id = $1 AND kind = $2 ORDER BY seq`,
    [tenantId, kind],
  );
}

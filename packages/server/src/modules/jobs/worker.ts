/**
 * The worker: polls the one job table (repo.ts), claims due jobs of every kind under row locks and
 * runs each with its kind's handler: provisioning, webhook delivery, renewal (a subscription's term
 * end). In-process by default (main.ts); `npm run worker` runs it as a
 * process of its own. Any number of workers may share one PostgreSQL. `stop()` stops claiming,
 * finishes the running job and gives back the claimed ones it did not start.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { Database } from '../../db/database.js';
import * as repo from './repo.js';
import type { JobOutcome } from './retry.js';
import { runJob, type ProvisioningPolicy } from '../provisioning/service.js';
import { deliverEvent, type WebhookPolicy } from '../webhooks/delivery.js';
import { runRenewalJob } from '../subscriptions/service.js';
import { partnerNow, untilSettled } from '../clock/service.js';

export interface WorkerOptions {
  policy: ProvisioningPolicy;
  /** Webhook delivery (timeouts, attempts, backoff, the base URL payloads and the certificate URL use). */
  webhooks?: WebhookPolicy;
  pollMs?: number;
  batchSize?: number;
  /** How long a claim holds before another worker may take the job over (a crashed worker's). */
  leaseSeconds?: number;
  log?: Pick<FastifyBaseLogger, 'info' | 'warn' | 'error'>;
  /** Called after each job with its key (an order id, an event id), for tests and metrics. */
  onJob?: (key: string, outcome: JobOutcome, kind: repo.JobKind) => void;
}

export const DEFAULT_WEBHOOK_POLICY: WebhookPolicy = { timeoutMs: 10_000, backoffMs: 1000, maxBackoffMs: 300_000, baseUrl: 'http://127.0.0.1:8080' };

/** Runs one claimed job with its kind's handler. */
export function runClaimed(db: Database, job: repo.JobRow, workerId: string, opts: Pick<WorkerOptions, 'policy' | 'webhooks'>): Promise<JobOutcome> {
  if (job.kind === 'provisioning') return runJob(db, job, workerId, opts.policy);
  if (job.kind === 'renewal') return runRenewalJob(db, job, workerId);
  return deliverEvent(db, job, workerId, opts.webhooks ?? DEFAULT_WEBHOOK_POLICY);
}

/**
 * Runs the tenant's due jobs of `kind` here and now, until none is due on its clock (the sandbox
 * clock's advance settles the tenant before it answers). A due job another worker holds is waited
 * for; a job whose lease ran out is taken over, as a worker would.
 */
export async function settleDueJobs(db: Database, tenantId: string, kind: repo.JobKind, opts: Pick<WorkerOptions, 'policy' | 'webhooks'>): Promise<number> {
  const runner = `clock-${process.pid}`;
  return untilSettled(
    async () => {
      const claimed = await repo.claimJobs(db, runner, 10, 60, { tenantId, kinds: [kind] });
      for (const job of claimed) await runClaimed(db, job, runner, opts);
      return claimed.length;
    },
    async () => {
      const [{ nextDue, running }, now] = [await repo.pendingWork(db, tenantId, kind), await partnerNow(db, tenantId)];
      return running > 0 || (nextDue !== null && nextDue <= now);
    },
  );
}

/** When the tenant's next job of `kind` falls due on its clock (null: none waits). */
export const nextJobDue = async (db: Database, tenantId: string, kind: repo.JobKind) => (await repo.pendingWork(db, tenantId, kind)).nextDue;

export class JobWorker {
  readonly id = `worker-${process.pid}-${randomBytes(3).toString('hex')}`;
  private stopping = false;
  private loop?: Promise<void>;
  private wake?: () => void;

  constructor(
    private readonly db: Database,
    private readonly opts: WorkerOptions,
  ) {}

  start(): void {
    this.loop ??= this.run();
  }

  /** Stops claiming, lets the running job finish, releases claimed jobs not started. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.loop;
  }

  private async run(): Promise<void> {
    const { pollMs = 500, batchSize = 10, leaseSeconds = 60, log } = this.opts;
    while (!this.stopping) {
      let claimed: repo.JobRow[] = [];
      try {
        claimed = await repo.claimJobs(this.db, this.id, batchSize, leaseSeconds);
      } catch (err) {
        log?.error({ err }, 'jobs: claiming failed');
      }
      for (let i = 0; i < claimed.length; i++) {
        if (this.stopping) {
          await repo.releaseJobs(this.db, this.id, claimed.slice(i)).catch(() => {});
          break;
        }
        const job = claimed[i];
        let outcome: JobOutcome;
        try {
          outcome = await runClaimed(this.db, job, this.id, this.opts);
        } catch (err) {
          log?.error({ err, kind: job.kind, key: job.key }, 'jobs: a job crashed; its lease will expire and it will run again');
          continue;
        }
        if (outcome === 'failed') log?.warn({ kind: job.kind, key: job.key }, 'jobs: failed for good');
        this.opts.onJob?.(job.key, outcome, job.kind);
      }
      if (claimed.length < batchSize && !this.stopping) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, pollMs);
          this.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    }
  }
}

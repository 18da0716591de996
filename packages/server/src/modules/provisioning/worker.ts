/**
 * The worker: polls the job table, claims due jobs under row locks and runs them one by one; then
 * renews or expires the subscriptions whose term has ended (the subscription row is that job). In-process by default (main.ts); `npm run worker` runs it as a process of its own. Any number
 * of workers may share one PostgreSQL. `stop()` stops claiming, finishes the running job and gives
 * back the claimed ones it did not start.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { Database } from '../../db/database.js';
import * as repo from './repo.js';
import { runJob, type JobOutcome, type ProvisioningPolicy } from './service.js';
import { runDueRenewals } from '../subscriptions/service.js';

export interface WorkerOptions {
  policy: ProvisioningPolicy;
  pollMs?: number;
  batchSize?: number;
  /** How long a claim holds before another worker may take the job over (a crashed worker's). */
  leaseSeconds?: number;
  log?: Pick<FastifyBaseLogger, 'info' | 'warn' | 'error'>;
  /** Called after each job, for tests and metrics. */
  onJob?: (orderId: string, outcome: JobOutcome) => void;
}

export class ProvisioningWorker {
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
        log?.error({ err }, 'provisioning: claiming jobs failed');
      }
      for (let i = 0; i < claimed.length; i++) {
        if (this.stopping) {
          await repo.releaseJobs(this.db, this.id, claimed.slice(i)).catch(() => {});
          break;
        }
        const job = claimed[i];
        let outcome: JobOutcome;
        try {
          outcome = await runJob(this.db, job, this.id, this.opts.policy);
        } catch (err) {
          log?.error({ err, orderId: job.order_id }, 'provisioning: job crashed; its lease will expire and it will run again');
          continue;
        }
        if (outcome === 'failed') log?.warn({ orderId: job.order_id }, 'provisioning failed for good');
        this.opts.onJob?.(job.order_id, outcome);
      }
      let renewed = 0;
      try {
        if (!this.stopping) renewed = await runDueRenewals(this.db, batchSize);
      } catch (err) {
        log?.error({ err }, 'renewals: a batch failed; it is claimed again on the next poll');
      }
      if (claimed.length < batchSize && renewed < batchSize && !this.stopping) {
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

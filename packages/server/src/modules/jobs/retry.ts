/** What a job handler reports, and the one retry backoff every kind of job uses. */

/** What became of a claimed job: done, queued again, failed for good, or taken over by another worker. */
export type JobOutcome = 'done' | 'retry' | 'failed' | 'lost';

export interface Backoff {
  /** First retry delay; doubled each attempt up to `maxBackoffMs`, with ±20 % jitter. */
  backoffMs: number;
  maxBackoffMs: number;
}

/** The delay before retry number `attempt` (1-based): capped exponential, jittered ±20 %. */
export const backoffDelay = (attempt: number, policy: Backoff) => {
  const raw = Math.min(policy.backoffMs * 2 ** Math.max(0, attempt - 1), policy.maxBackoffMs);
  return Math.round(raw * (0.8 + Math.random() * 0.4));
};

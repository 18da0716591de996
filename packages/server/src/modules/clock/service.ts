/**
 * The partner's clock (STYLE.md 16): the one place time rules read. It is real time unless a sandbox
 * user moved it forward (an offset per partner tenant, in the database so every process agrees);
 * like Stripe's test clocks, moving it runs whatever falls due, in order, before it answers.
 */
import type { Database, Queryable } from '../../db/database.js';
import { fail } from '../../errors.js';
import { parseIsoDateTime } from '../../wire.js';
import * as repo from './repo.js';

/** The time on a clock `offsetMs` ahead of real time. */
export const clockAt = (offsetMs: number) => new Date(Date.now() + offsetMs);

/** The partner tenant's current time. */
export async function partnerNow(q: Queryable, tenantId: string): Promise<Date> {
  return clockAt(await repo.readOffset(q, tenantId));
}

export interface ClockState {
  now: string;
  /** How far ahead of real time the clock runs, in seconds (0: never moved). */
  offsetSeconds: number;
}

const stateOf = (offsetMs: number): ClockState => ({ now: clockAt(offsetMs).toISOString(), offsetSeconds: offsetMs / 1000 });

export async function getClock(db: Database, tenantId: string): Promise<ClockState> {
  return stateOf(await repo.readOffset(db, tenantId));
}

/** Work that falls due on a tenant's clock: when its next item is due, and running what is due now. */
export interface DueWork {
  nextDue(db: Database, tenantId: string): Promise<Date | null>;
  runDue(db: Database, tenantId: string): Promise<number>;
}

/**
 * Runs a tenant's due work until none is left due on its clock: `runBatch` runs what it can claim and
 * says how much (0: nothing claimable), `stillDue` whether due work remains that another worker holds.
 */
export async function untilSettled(runBatch: () => Promise<number>, stillDue: () => Promise<boolean>): Promise<number> {
  let ran = 0;
  for (;;) {
    const n = await runBatch();
    ran += n;
    if (n) continue;
    if (!(await stillDue())) return ran;
    await new Promise((resolve) => setTimeout(resolve, 20)); // another worker holds it: it commits soon
  }
}

const DURATION = /^P(?!$)(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?=\d)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;
/** The longest move one call may make: beyond it, dates leave what the database and the wire can hold. */
const MAX_AHEAD_MS = 100 * 366 * 24 * 3600 * 1000;

/** `from` moved by an ISO-8601 duration (P8D, PT12H, P1M, P1Y2M10DT2H30M), months and years by the calendar; undefined if not one. */
export function addDuration(from: Date, duration: string): Date | undefined {
  const m = DURATION.exec(duration);
  if (!m) return undefined;
  const [y, mo, w, d, h, mi, s] = m.slice(1).map((x) => (x ? Number(x) : 0));
  const t = new Date(from);
  t.setUTCFullYear(t.getUTCFullYear() + y, t.getUTCMonth() + mo, t.getUTCDate() + 7 * w + d);
  return new Date(t.getTime() + ((h * 60 + mi) * 60 + s) * 1000);
}

export interface AdvanceInput {
  /** An ISO-8601 duration to move by. */
  advanceBy?: string;
  /** An instant to move to (not before the clock's time). */
  to?: string;
}

/**
 * Moves the tenant's clock forward and settles it: due work runs in order of its due time, with the
 * clock at that time (so what it creates carries that time), then the clock stops at the target.
 * Never backwards: concurrent moves each keep the later time.
 */
export async function advanceClock(db: Database, tenantId: string, input: AdvanceInput, work: DueWork[]): Promise<ClockState> {
  if ((input.advanceBy === undefined) === (input.to === undefined)) {
    fail('InvalidRequestInput', 'Give exactly one of advanceBy (an ISO-8601 duration such as P8D or PT12H) and to (an instant).');
  }
  const offset = await repo.lockOffset(db, tenantId);
  const now = clockAt(offset);
  const to = input.to !== undefined ? parseIsoDateTime(input.to) : undefined;
  const target = input.advanceBy !== undefined ? addDuration(now, input.advanceBy) : to !== undefined ? new Date(to) : undefined;
  if (!target) {
    return fail('InvalidRequestInput', input.advanceBy !== undefined ? `advanceBy ${input.advanceBy.slice(0, 64)} is not an ISO-8601 duration such as P8D or PT12H.` : `to ${input.to!.slice(0, 64)} is not an ISO-8601 instant.`);
  }
  if (target.getTime() < now.getTime()) fail('InvalidRequestInput', `The clock never moves back: ${target.toISOString()} is before its time, ${now.toISOString()}.`);
  if (target.getTime() - Date.now() > MAX_AHEAD_MS) fail('InvalidRequestInput', 'The clock may run at most 100 years ahead of real time.');

  const moveTo = (at: Date) => repo.advanceOffset(db, tenantId, at.getTime() - Date.now());
  for (;;) {
    for (const w of work) await w.runDue(db, tenantId);
    const due = (await Promise.all(work.map((w) => w.nextDue(db, tenantId)))).filter((d): d is Date => d !== null && d <= target);
    if (!due.length) break;
    await moveTo(new Date(Math.min(...due.map((d) => d.getTime()))));
  }
  await moveTo(target);
  for (const w of work) await w.runDue(db, tenantId);
  return getClock(db, tenantId);
}

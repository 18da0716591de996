/**
 * Several writes, one round trip. Repo functions that only write take a `Writer`; given a WriteBatch
 * they queue their statement instead of running it, and `run(tx)` sends the queue as one statement of
 * data-modifying CTEs (`WITH w0 AS (INSERT …), w1 AS (INSERT …) UPDATE …`). A checkout's orders, lines,
 * subscriptions, jobs, audit records and cart status go in one statement this way (docs/performance.md).
 *
 * PostgreSQL's rules for such a statement apply, and the writes batched together must respect them:
 * every part sees the database as it was before the statement (none sees another's rows), no row may be
 * changed by two parts, and foreign keys are checked when the whole statement ends, so a parent and its
 * children can be inserted side by side.
 */
import type { Queryable, Writer } from './database.js';

interface Queued {
  sql: string;
  params: unknown[];
}

/** Placeholders `$1`, `$2`… (renumbered per part: a batched statement must not use dollar-quoted literals). */
const PLACEHOLDER = /\$(\d+)/g;

export class WriteBatch implements Writer {
  private readonly queued: Queued[] = [];

  /** Queues a write; nothing reaches the database until `run`. */
  async query(sql: string, params: unknown[] = []): Promise<void> {
    this.queued.push({ sql, params });
  }

  get size(): number {
    return this.queued.length;
  }

  /** Sends the queued writes as one statement on `q` (normally the use case's transaction), then empties the queue. */
  async run(q: Queryable): Promise<void> {
    const queued = this.queued.splice(0);
    if (queued.length === 0) return;
    if (queued.length === 1) {
      await q.query(queued[0].sql, queued[0].params);
      return;
    }
    const params: unknown[] = [];
    const parts = queued.map(({ sql, params: own }) => {
      const offset = params.length;
      params.push(...own);
      return sql.replace(PLACEHOLDER, (_, n: string) => `$${Number(n) + offset}`);
    });
    const main = parts.pop()!;
    await q.query(`WITH ${parts.map((sql, i) => `w${i} AS (${sql})`).join(',\n')}\n${main}`, params);
  }
}

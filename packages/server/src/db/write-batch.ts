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

/**
 * Statements already composed, as a tree keyed by each part's SQL and parameter count in turn. A use
 * case batches the same repo statements on every call (a checkout: always the same few shapes), so
 * each shape is composed once; its text, the same string every time, is then also cheap for the
 * driver's prepared-statement lookups. Repo SQL is a fixed set; the bound only guards against SQL
 * built per call.
 */
interface Composed {
  next: Map<string, Map<number, Composed>>;
  sql?: string;
}
const composed: Composed = { next: new Map() };
let composedNodes = 0;
const MAX_COMPOSED_NODES = 1_000;

function compose(queued: Queued[]): string {
  let node = composed;
  for (const { sql, params } of queued) {
    let byCount = node.next.get(sql);
    if (!byCount) node.next.set(sql, (byCount = new Map()));
    let child = byCount.get(params.length);
    if (!child) {
      if (++composedNodes > MAX_COMPOSED_NODES) {
        composed.next.clear();
        composedNodes = 0;
      }
      byCount.set(params.length, (child = { next: new Map() }));
    }
    node = child;
  }
  if (node.sql === undefined) {
    let offset = 0;
    const parts = queued.map(({ sql, params }) => {
      const at = offset;
      offset += params.length;
      return sql.replace(PLACEHOLDER, (_, n: string) => `$${Number(n) + at}`);
    });
    const main = parts.pop()!;
    node.sql = `WITH ${parts.map((sql, i) => `w${i} AS (${sql})`).join(',\n')}\n${main}`;
  }
  return node.sql;
}

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
    await q.query(compose(queued), queued.flatMap((part) => part.params));
  }
}

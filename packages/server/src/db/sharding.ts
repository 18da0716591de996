/**
 * The sharding plan's rules (docs/scaling.md), checked on a live schema through pg_catalog: every
 * table is a tenant table, distributed by partner_tenant_id, unless it is declared here as global with
 * the reason. Citus enforces a primary key or unique index only when it holds the distribution column,
 * and a foreign key between distributed tables only when both sides name it; a table that breaks those
 * rules could not be distributed, or a query on it would leave its tenant's shard.
 * test/schema-sharding.test.ts runs the check on the migrated schema and on tables made to break it.
 */
import type { Queryable } from './database.js';

/** The distribution column of every tenant table. */
export const DISTRIBUTION_COLUMN = 'partner_tenant_id';

/**
 * How a table that is not a tenant table lives on Citus: `reference` (one copy on every node: small,
 * rarely written; any table may reference it), `distributed` (by a column of its own, not co-located
 * with the tenants), `local` (on the coordinator only, never joined with tenant rows).
 */
export type GlobalKind = 'reference' | 'distributed' | 'local';

export interface GlobalTable {
  kind: GlobalKind;
  /** Why the table cannot be a tenant table: kept next to the name so that adding one is a decision. */
  reason: string;
}

/** The tables that are not distributed by partner_tenant_id. Any other table must follow the tenant rules. */
export const GLOBAL_TABLES: Record<string, GlobalTable> = {
  partners: {
    kind: 'reference',
    reason: 'the tenants themselves: sign-in finds a partner by client id or user name before any tenant is known; one small row per partner, written when a partner is created',
  },
  products: { kind: 'reference', reason: 'catalog: the same for every partner, read-only, joined by every checkout' },
  skus: { kind: 'reference', reason: 'catalog: the same for every partner, read-only, joined by every checkout' },
  availabilities: { kind: 'reference', reason: 'catalog: the same for every partner, read-only, joined by every checkout' },
  offers: { kind: 'reference', reason: 'catalog (legacy offers): the same for every partner, read-only' },
  signing_keys: { kind: 'reference', reason: "the sandbox token issuer's keys: one set for the service, read by every process" },
  webhook_signing_keys: { kind: 'reference', reason: "the service's one webhook signing key and certificate (Partner Center signs every partner's events with one): read by every delivery" },
  signin_failures: {
    kind: 'distributed',
    reason: 'failed sign-ins counted per client id, user name or address, before (or without) a tenant: distributed by `key`',
  },
  customer_domains: {
    kind: 'distributed',
    reason: "a customer domain is unique across partners (Entra ID's rule): the claim is distributed by `domain`; customer creation writes it and the customer row in one transaction",
  },
  schema_migrations: { kind: 'local', reason: 'which migrations ran: the coordinator applies them (Citus propagates the DDL)' },
};

export interface ShardingViolation {
  table: string;
  rule: string;
}

interface TableInfo {
  name: string;
  tenant_column: boolean;
  tenant_not_null: boolean;
  has_pk: boolean;
}

interface IndexInfo {
  table: string;
  index: string;
  primary: boolean;
  columns: (string | null)[];
}

interface ForeignKeyInfo {
  table: string;
  constraint: string;
  referenced: string;
  columns: string[];
  referenced_columns: string[];
}

/**
 * Checks every ordinary or partitioned table of `schema` (default: the connection's current schema)
 * against the rules; returns what breaks them, empty when the schema fits the plan.
 */
export async function checkShardingRules(
  q: Queryable,
  { schema, globals = GLOBAL_TABLES }: { schema?: string; globals?: Record<string, GlobalTable> } = {},
): Promise<ShardingViolation[]> {
  const ns = schema ? '$1::name' : 'current_schema()';
  const params = schema ? [schema] : [];
  const tables = await q.query<TableInfo>(
    `SELECT c.relname AS name,
            a.attname IS NOT NULL AS tenant_column, coalesce(a.attnotnull, false) AS tenant_not_null,
            EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisprimary) AS has_pk
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = '${DISTRIBUTION_COLUMN}' AND NOT a.attisdropped
      WHERE n.nspname = ${ns} AND c.relkind IN ('r', 'p') AND NOT c.relispartition
      ORDER BY c.relname`,
    params,
  );
  // Unique indexes cover UNIQUE and PRIMARY KEY constraints and CREATE UNIQUE INDEX alike; an
  // expression column comes back as null (it never is the distribution column).
  const indexes = await q.query<IndexInfo>(
    `SELECT t.relname AS "table", ic.relname AS "index", i.indisprimary AS primary,
            ARRAY(SELECT a.attname::text FROM unnest(i.indkey[0:i.indnkeyatts - 1]) WITH ORDINALITY k(attnum, n)
                    LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum ORDER BY k.n) AS columns
       FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid JOIN pg_class ic ON ic.oid = i.indexrelid
       JOIN pg_namespace n ON n.oid = t.relnamespace
      WHERE n.nspname = ${ns} AND i.indisunique AND t.relkind IN ('r', 'p')
      ORDER BY 1, 2`,
    params,
  );
  const foreignKeys = await q.query<ForeignKeyInfo>(
    `SELECT t.relname AS "table", con.conname AS "constraint", r.relname AS referenced,
            ARRAY(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY k(attnum, n)
                    JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum ORDER BY k.n) AS columns,
            ARRAY(SELECT a.attname::text FROM unnest(con.confkey) WITH ORDINALITY k(attnum, n)
                    JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum ORDER BY k.n) AS referenced_columns
       FROM pg_constraint con JOIN pg_class t ON t.oid = con.conrelid JOIN pg_class r ON r.oid = con.confrelid
       JOIN pg_namespace n ON n.oid = t.relnamespace
      WHERE n.nspname = ${ns} AND con.contype = 'f'
      ORDER BY 1, 2`,
    params,
  );

  const violations: ShardingViolation[] = [];
  const add = (table: string, rule: string) => violations.push({ table, rule });
  const isTenant = (name: string) => !(name in globals);

  for (const t of tables) {
    if (!isTenant(t.name)) continue;
    if (!t.tenant_column) add(t.name, `no ${DISTRIBUTION_COLUMN} column (a tenant table; or declare it in GLOBAL_TABLES with the reason)`);
    else if (!t.tenant_not_null) add(t.name, `${DISTRIBUTION_COLUMN} may be NULL`);
    if (!t.has_pk) add(t.name, 'no primary key');
  }
  for (const i of indexes) {
    if (!isTenant(i.table)) continue;
    if (!i.columns.includes(DISTRIBUTION_COLUMN)) {
      add(i.table, `${i.primary ? 'primary key' : 'unique index'} ${i.index} (${i.columns.map((c) => c ?? '<expression>').join(', ')}) lacks ${DISTRIBUTION_COLUMN}`);
    }
  }
  for (const fk of foreignKeys) {
    const from = isTenant(fk.table);
    const to = isTenant(fk.referenced);
    const target = globals[fk.referenced];
    if (!from) {
      // A global table's rows are no tenant's: Citus allows them no reference into a tenant shard.
      if (to) add(fk.table, `foreign key ${fk.constraint} of a global table references tenant table ${fk.referenced}`);
      else if (target.kind !== 'reference' && fk.referenced !== fk.table) {
        add(fk.table, `foreign key ${fk.constraint} references ${fk.referenced}, which is ${target.kind}, not a reference table`);
      }
      continue;
    }
    if (!to) {
      if (target.kind !== 'reference') add(fk.table, `foreign key ${fk.constraint} references ${fk.referenced}, which is ${target.kind}, not a reference table`);
      continue;
    }
    const at = fk.columns.indexOf(DISTRIBUTION_COLUMN);
    if (at < 0 || fk.referenced_columns[at] !== DISTRIBUTION_COLUMN) {
      add(fk.table, `foreign key ${fk.constraint} (${fk.columns.join(', ')}) → ${fk.referenced} (${fk.referenced_columns.join(', ')}) does not match ${DISTRIBUTION_COLUMN} to ${DISTRIBUTION_COLUMN}`);
    }
  }
  return violations;
}

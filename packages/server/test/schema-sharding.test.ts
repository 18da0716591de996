/**
 * The schema fits the sharding plan (docs/scaling.md, issue 18 item 3): read from pg_catalog of the
 * live, migrated schema, every table not declared global carries partner_tenant_id in its primary key
 * and in every unique index, and every reference between tenant tables goes through it. A later
 * migration that breaks a rule fails here; the second suite shows the check catching each kind of
 * break on tables made for it in a scratch schema.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { Database } from '../src/db/database.js';
import { checkShardingRules, GLOBAL_TABLES, type GlobalTable } from '../src/db/sharding.js';
import { engine, openTestDatabase } from './helpers.js';

let db: Database;
before(async () => {
  db = await openTestDatabase();
});
after(() => db?.close());

describe(`the migrated schema fits the sharding plan (${engine})`, () => {
  test('no table breaks a rule', async () => {
    const violations = await checkShardingRules(db);
    assert.deepEqual(violations, [], violations.map((v) => `${v.table}: ${v.rule}`).join('\n'));
  });

  test('the check saw the tables: tenant tables and the declared global ones', async () => {
    const rows = await db.query<{ name: string }>(
      `SELECT c.relname AS name FROM pg_class c WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p')`,
    );
    const names = rows.map((r) => r.name);
    for (const t of ['carts', 'orders', 'order_line_items', 'subscriptions', 'jobs', 'events', 'audit_records', 'request_replays']) {
      assert.ok(names.includes(t), `${t} is in the schema checked`);
    }
    // A declared global table that no longer exists is a stale declaration.
    for (const name of Object.keys(GLOBAL_TABLES)) assert.ok(names.includes(name), `GLOBAL_TABLES names ${name}, which does not exist`);
  });

  test('every declared global table says why', () => {
    for (const [name, g] of Object.entries(GLOBAL_TABLES)) assert.ok(g.reason.length > 20, `${name} has a reason`);
  });
});

describe(`the check catches each break (${engine})`, () => {
  const scratch = `shard_check_${randomBytes(4).toString('hex')}`;
  const globals: Record<string, GlobalTable> = {
    ref: { kind: 'reference', reason: 'a reference table made for this test' },
    apart: { kind: 'distributed', reason: 'a table distributed by a column of its own, for this test' },
  };
  const sql = `
    CREATE TABLE ${scratch}.ref (code text PRIMARY KEY);
    CREATE TABLE ${scratch}.apart (key text PRIMARY KEY);
    CREATE TABLE ${scratch}.good (partner_tenant_id uuid NOT NULL, id uuid NOT NULL, code text REFERENCES ${scratch}.ref (code),
      slug text, PRIMARY KEY (partner_tenant_id, id), UNIQUE (partner_tenant_id, slug));
    CREATE TABLE ${scratch}.good_child (partner_tenant_id uuid NOT NULL, good_id uuid NOT NULL, n int NOT NULL,
      PRIMARY KEY (partner_tenant_id, good_id, n), FOREIGN KEY (partner_tenant_id, good_id) REFERENCES ${scratch}.good (partner_tenant_id, id));
    CREATE TABLE ${scratch}.no_tenant (id uuid PRIMARY KEY);
    CREATE TABLE ${scratch}.nullable_tenant (partner_tenant_id uuid, id uuid NOT NULL, UNIQUE (partner_tenant_id, id));
    CREATE TABLE ${scratch}.no_pk (partner_tenant_id uuid NOT NULL, id uuid);
    CREATE TABLE ${scratch}.pk_without (partner_tenant_id uuid NOT NULL, id uuid PRIMARY KEY);
    CREATE TABLE ${scratch}.unique_without (partner_tenant_id uuid NOT NULL, id uuid NOT NULL, email text,
      PRIMARY KEY (partner_tenant_id, id), CONSTRAINT unique_without_email UNIQUE (email));
    CREATE TABLE ${scratch}.index_without (partner_tenant_id uuid NOT NULL, id uuid NOT NULL, email text, PRIMARY KEY (partner_tenant_id, id));
    CREATE UNIQUE INDEX index_without_lower ON ${scratch}.index_without (lower(email));
    CREATE TABLE ${scratch}.fk_without (partner_tenant_id uuid NOT NULL, id uuid NOT NULL, good_id uuid NOT NULL, good_tenant uuid NOT NULL,
      PRIMARY KEY (partner_tenant_id, id), CONSTRAINT fk_without_good UNIQUE (partner_tenant_id, good_id),
      CONSTRAINT fk_without_other FOREIGN KEY (good_tenant, good_id) REFERENCES ${scratch}.good (partner_tenant_id, id));
    CREATE TABLE ${scratch}.fk_to_apart (partner_tenant_id uuid NOT NULL, key text NOT NULL, PRIMARY KEY (partner_tenant_id, key),
      CONSTRAINT fk_to_apart_key FOREIGN KEY (key) REFERENCES ${scratch}.apart (key));
    CREATE TABLE ${scratch}.ref_child (code text PRIMARY KEY, partner_tenant_id uuid, id uuid,
      CONSTRAINT ref_child_good FOREIGN KEY (partner_tenant_id, id) REFERENCES ${scratch}.good (partner_tenant_id, id))`;

  before(async () => {
    await db.query(`CREATE SCHEMA ${scratch}`);
    for (const statement of sql.split(';')) await db.query(statement);
    // ref_child is a global table that references a tenant table: declared global for this test.
    globals.ref_child = { kind: 'reference', reason: 'a reference table that wrongly points into a tenant table' };
  });
  after(() => db.query(`DROP SCHEMA IF EXISTS ${scratch} CASCADE`));

  test('reports every broken table with the rule it breaks, and nothing about the tables that keep them', async () => {
    const violations = await checkShardingRules(db, { schema: scratch, globals });
    const found = violations.map((v) => `${v.table}: ${v.rule}`);
    const expect = (table: string, pattern: RegExp) =>
      assert.ok(
        violations.some((v) => v.table === table && pattern.test(v.rule)),
        `expected ${table} to be reported as ${pattern}; reported:\n${found.join('\n')}`,
      );
    expect('no_tenant', /no partner_tenant_id column/);
    expect('no_tenant', /primary key no_tenant_pkey \(id\) lacks partner_tenant_id/);
    expect('nullable_tenant', /partner_tenant_id may be NULL/);
    expect('no_pk', /no primary key/);
    expect('pk_without', /primary key pk_without_pkey \(id\) lacks partner_tenant_id/);
    expect('unique_without', /unique index unique_without_email \(email\) lacks/);
    expect('index_without', /unique index index_without_lower \(<expression>\) lacks/);
    expect('fk_without', /foreign key fk_without_other .* does not match partner_tenant_id to partner_tenant_id/);
    expect('fk_to_apart', /foreign key fk_to_apart_key references apart, which is distributed, not a reference table/);
    expect('ref_child', /foreign key ref_child_good of a global table references tenant table good/);
    const tables = new Set(violations.map((v) => v.table));
    for (const fine of ['ref', 'apart', 'good', 'good_child']) assert.ok(!tables.has(fine), `${fine} keeps the rules: ${found.join('\n')}`);
  });

  test('a table added to the live schema is checked without being named anywhere', async () => {
    const table = `late_${randomBytes(3).toString('hex')}`;
    await db.query(`CREATE TABLE ${scratch}.${table} (id uuid PRIMARY KEY, partner_tenant_id uuid NOT NULL)`);
    const violations = await checkShardingRules(db, { schema: scratch, globals });
    assert.ok(violations.some((v) => v.table === table && /lacks partner_tenant_id/.test(v.rule)));
  });
});

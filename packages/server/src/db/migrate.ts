/**
 * Applies the numbered SQL files of packages/server/migrations in order, each once, each in its own
 * transaction. An advisory lock makes concurrent starts of several API processes safe.
 */
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Database } from './database.js';

export const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations/', import.meta.url));
const LOCK_KEY = 727_100_001; // any constant shared by every process of this service

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export async function loadMigrations(dir = MIGRATIONS_DIR): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((f) => /^\d+_[\w-]+\.sql$/.test(f)).sort();
  const migrations = await Promise.all(
    files.map(async (file) => ({
      version: Number(file.split('_')[0]),
      name: file.replace(/\.sql$/, ''),
      sql: await readFile(dir + file, 'utf8'),
    })),
  );
  // Two files of one number (branches merged) would apply only the first: the second counts as done.
  const twins = migrations.filter((m, i) => migrations.findIndex((o) => o.version === m.version) !== i);
  if (twins.length) throw new Error(`migrations share a number: ${twins.map((m) => m.name).join(', ')}; renumber them`);
  return migrations;
}

/** Applies pending migrations, telling `progress` of each ("applying migration 3/9: …"); returns the names applied. */
export async function migrate(db: Database, progress?: (line: string) => void): Promise<string[]> {
  const migrations = await loadMigrations();
  // Under the lock too: CREATE TABLE IF NOT EXISTS run by two processes at once collides (23505).
  await db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [LOCK_KEY]);
    await tx.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY,
      name text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now())`);
  });
  const applied: string[] = [];
  for (const [i, m] of migrations.entries()) {
    const done = await db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [LOCK_KEY]);
      const seen = await tx.query('SELECT 1 FROM schema_migrations WHERE version = $1', [m.version]);
      if (seen.length > 0) return false;
      progress?.(`applying migration ${i + 1}/${migrations.length}: ${m.name}`);
      // Statements run one by one so that the same file works on both engines inside a transaction.
      for (const statement of splitStatements(m.sql)) await tx.query(statement);
      await tx.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
      return true;
    });
    if (done) applied.push(m.name);
  }
  return applied;
}

/** Whether every migration file has been applied (readiness). */
export async function migrationsApplied(db: Database): Promise<boolean> {
  const migrations = await loadMigrations();
  const rows = await db.query<{ version: number }>('SELECT version FROM schema_migrations');
  const have = new Set(rows.map((r) => r.version));
  return migrations.every((m) => have.has(m.version));
}

/** Splits a migration script on semicolons that end a line; our migrations keep to that form. */
export function splitStatements(sql: string): string[] {
  return sql
    .replace(/--[^\n]*$/gm, '')
    .split(/;\s*$/m)
    .map((s) => s.trim())
    .filter(Boolean);
}

// Runs every packages/*/test/**/*.test.ts with node's test runner, on one engine:
//   node scripts/run-tests.mjs pglite     always (DATABASE_URL removed from the environment)
//   node scripts/run-tests.mjs postgres   only when DATABASE_URL is set; says so and passes otherwise
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const engine = process.argv[2];
if (engine !== 'pglite' && engine !== 'postgres') {
  console.error('usage: run-tests.mjs pglite|postgres');
  process.exit(2);
}
const env = { ...process.env };
if (engine === 'pglite') delete env.DATABASE_URL;
else if (!env.DATABASE_URL) {
  console.log('test:postgres skipped: DATABASE_URL is not set (CI sets it; see README).');
  process.exit(0);
}

const files = [];
const walk = (dir) => {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (name.endsWith('.test.ts')) files.push(path);
  }
};
for (const pkg of readdirSync('packages')) {
  const dir = join('packages', pkg, 'test');
  try {
    if (statSync(dir).isDirectory()) walk(dir);
  } catch {
    /* a package without tests */
  }
}
console.log(`running ${files.length} test files on ${engine}`);
const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', ...files], {
  stdio: 'inherit',
  env,
});
process.exit(result.status ?? 1);

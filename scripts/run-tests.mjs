// Runs every packages/*/test/**/*.test.ts and scripts/test/*.test.ts with node's test runner, on one engine:
//   node scripts/run-tests.mjs pglite     always (DATABASE_URL removed from the environment)
//   node scripts/run-tests.mjs postgres   only when DATABASE_URL is set; says so and passes otherwise
// Files named after the engine run only those (`npm run test:pglite -- packages/server/test/carts.test.ts`).
// Output: one line per file, failures in full, node's summary last (scripts/test-reporter.mjs).
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const [engine, ...only] = process.argv.slice(2);
if (engine !== 'pglite' && engine !== 'postgres') {
  console.error('usage: run-tests.mjs pglite|postgres [test files]');
  process.exit(2);
}
const env = { ...process.env };
if (engine === 'pglite') delete env.DATABASE_URL;
else if (!env.DATABASE_URL) {
  console.log('test:postgres skipped: DATABASE_URL is not set (CI sets it; see README).');
  process.exit(0);
}

const files = [...only];
const walk = (dir) => {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (name.endsWith('.test.ts')) files.push(path);
  }
};
const dirs = [...readdirSync('packages').map((pkg) => join('packages', pkg, 'test')), join('scripts', 'test')];
for (const dir of only.length > 0 ? [] : dirs) {
  try {
    if (statSync(dir).isDirectory()) walk(dir);
  } catch {
    /* a package without tests */
  }
}
console.log(`running ${files.length} test files on ${engine}`);
const reporter = join(dirname(fileURLToPath(import.meta.url)), 'test-reporter.mjs');
const args = ['--import', 'tsx', '--test', '--test-concurrency=2', `--test-reporter=${reporter}`, ...files];
// The tests' PGlite databases start as copies of one made in here (packages/server/test/helpers.ts).
const templateDir = engine === 'pglite' ? mkdtempSync(join(tmpdir(), 'pc-test-')) : undefined;
if (templateDir) env.PC_TEST_TEMPLATE_DIR = templateDir;
const runner = spawn(process.execPath, args, { stdio: 'inherit', env });
// Ctrl-C reaches the runner too (same process group); this process waits for it, then cleans up.
process.on('SIGINT', () => {});
runner.on('exit', (code, signal) => {
  if (templateDir) rmSync(templateDir, { recursive: true, force: true });
  process.exit(code ?? (signal ? 1 : 0));
});

/**
 * scripts/test-reporter.mjs, the reporter `npm test` uses, run by node's test runner on small test files
 * written here: one line per file, failures in full with what their file printed, a passing file's output
 * kept back, the runner's summary last, and the runner's exit code unchanged.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const reporter = fileURLToPath(new URL('../test-reporter.mjs', import.meta.url));

const fixtures: Record<string, string> = {
  // Sorted first and slowest, so the others finish while it runs and their reports wait for it.
  'a-slow-pass.test.mjs': `
    import { describe, test } from 'node:test';
    describe('suite', () => {
      test('one', async () => { console.log('LOG FROM A PASSING FILE'); await new Promise((r) => setTimeout(r, 300)); });
      test('skipped', { skip: true }, () => {});
    });
    describe('skipped suite', { skip: 'not on this engine' }, () => {
      test('never run', () => {});
    });
    test('two', (t) => { t.diagnostic('DIAGNOSTIC FROM A PASSING FILE'); });
  `,
  'b-fail.test.mjs': `
    import assert from 'node:assert/strict';
    import { describe, test } from 'node:test';
    describe('cart', () => {
      test('passes', () => {});
      test('compares', () => { console.error('LOG FROM A FAILING FILE'); assert.deepEqual({ quantity: 1 }, { quantity: 2 }); });
    });
  `,
  'c-load.test.mjs': `
    console.log('BEFORE THE LOAD ERROR');
    throw new Error('LOAD ERROR');
  `,
  'd-exit.test.mjs': `
    import { test } from 'node:test';
    test('fine', () => {});
    process.exitCode = 7;
  `,
  'e-hook.test.mjs': `
    import { before, describe, test } from 'node:test';
    describe('hooked', () => {
      before(() => { throw new Error('HOOK ERROR'); });
      test('first', () => {});
      test('second', () => {});
    });
  `,
};

let dir: string;

function run(files: string[]): Promise<{ code: number | null; lines: string[] }> {
  const child = spawn(process.execPath, ['--test', '--test-concurrency=2', `--test-reporter=${reporter}`, ...files], {
    cwd: dir,
    env: { ...process.env, NO_COLOR: '1', NODE_TEST_CONTEXT: undefined },
  });
  let out = '';
  child.stdout.on('data', (chunk) => (out += chunk));
  child.stderr.on('data', (chunk) => (out += chunk));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, lines: out.trimEnd().split('\n') })));
}

describe('the test reporter', () => {
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pc-reporter-'));
    for (const [name, text] of Object.entries(fixtures)) await writeFile(join(dir, name), text);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  test('all passing: one line per file, nothing they printed, the summary last, exit 0', async () => {
    const { code, lines } = await run(['a-slow-pass.test.mjs']);
    assert.equal(code, 0);
    assert.match(lines[0], /^✔ a-slow-pass\.test\.mjs {2}3 tests, 1 skipped, 1 skipped suite {2}\d+\.\d s$/);
    assert.equal(lines[1], '');
    assert.deepEqual(
      lines.slice(2).map((l) => l.replace(/ [\d.]+$/, '')),
      ['ℹ tests', 'ℹ suites', 'ℹ pass', 'ℹ fail', 'ℹ cancelled', 'ℹ skipped', 'ℹ todo', 'ℹ duration_ms'],
    );
    assert.deepEqual(lines.slice(2, 6), ['ℹ tests 3', 'ℹ suites 2', 'ℹ pass 2', 'ℹ fail 0']);
  });

  test('failures: each in full under its file with what the file printed, listed again before the summary, exit 1', async () => {
    const { code, lines } = await run(Object.keys(fixtures));
    const text = lines.join('\n');
    assert.equal(code, 1);

    const fileLines = lines.filter((l) => /^[✔✖] /.test(l)).map((l) => l.replace(/ {2}\d+\.\d s$/, ''));
    assert.deepEqual(fileLines, [
      '✔ a-slow-pass.test.mjs  3 tests, 1 skipped, 1 skipped suite',
      '✖ b-fail.test.mjs  1 of 2 tests failed',
      '✖ c-load.test.mjs  0 tests',
      '✖ d-exit.test.mjs  1 test',
      '✖ e-hook.test.mjs  2 tests, 2 cancelled',
    ]);
    assert.doesNotMatch(text, /FROM A PASSING FILE/);

    const failure = text.slice(text.indexOf('✖ b-fail'), text.indexOf('✖ c-load'));
    assert.match(failure, /\n {2}✖ cart › compares\n/);
    assert.match(failure, /AssertionError \[ERR_ASSERTION\]: Expected values to be strictly deep-equal/);
    assert.match(failure, /\+ {3}quantity: 1\n\s+- {3}quantity: 2/);
    assert.match(failure, /at TestContext\.<anonymous> \(file:\/\/.*b-fail\.test\.mjs:6:\d+\)/, 'the stack, to the line');
    assert.doesNotMatch(failure, /node:internal/, "node's own frames are left out");
    assert.match(failure, /what b-fail\.test\.mjs printed:\n\s+LOG FROM A FAILING FILE/);

    const load = text.slice(text.indexOf('✖ c-load'), text.indexOf('✖ d-exit'));
    assert.match(load, /the file itself failed: its process exited with code 1/);
    assert.match(load, /BEFORE THE LOAD ERROR/);
    assert.match(load, /Error: LOAD ERROR\n\s+at .*c-load\.test\.mjs:3/);
    assert.match(text, /✖ d-exit\.test\.mjs {2}1 test.*\n\n {2}✖ the file itself failed: its process exited with code 7/);

    const hook = text.slice(text.indexOf('✖ e-hook'), text.indexOf('failing tests:'));
    assert.match(hook, /\n {2}✖ hooked\n {4}Error: HOOK ERROR\n {8}at /, 'the hook that failed, in full');
    assert.match(hook, /\n {2}✖ cancelled: .*\n {6}hooked › first\n {6}hooked › second\n/, 'the tests it cancelled, a line each');

    const failing = lines.indexOf('failing tests:');
    assert.ok(failing > 0, text);
    assert.deepEqual(lines.slice(failing + 1, failing + 6), [
      '  ✖ b-fail.test.mjs › cart › compares',
      '  ✖ c-load.test.mjs (the file itself)',
      '  ✖ d-exit.test.mjs (the file itself)',
      '  ✖ e-hook.test.mjs › hooked',
      '  ✖ e-hook.test.mjs: 2 tests cancelled',
    ]);
    // node's own counts (it counts files that fail outside a test as tests)
    assert.deepEqual(lines.slice(-8, -1), ['ℹ tests 10', 'ℹ suites 4', 'ℹ pass 4', 'ℹ fail 3', 'ℹ cancelled 2', 'ℹ skipped 1', 'ℹ todo 0']);
    assert.match(lines.at(-1)!, /^ℹ duration_ms [\d.]+$/);
  });
});

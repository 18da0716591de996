/**
 * The README's walk-throughs run as pasted, so they cannot drift from the code: the curl block and the
 * `pcx` block run in bash, and the SDK example in Node, against a listening service found through
 * `$PORT`, as a reader who started it with `PORT=… npm start` would. Each checks what the README says
 * of it. jq is the walk-through's stated prerequisite; its compact form (`-c`) puts one value a line.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { startApp, type TestContext } from '../../server/test/helpers.js';
import { JobWorker } from '../../server/src/modules/jobs/worker.js';
import { listen } from '../../sdk/test/support.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const DEMO_CUSTOMER = 'd6bf25b7-e0a8-4f2d-a31b-97b55cfc774d';
const hasJq = spawnSync('jq', ['--version']).status === 0;

/** The first fenced block of `lang` after the heading that starts with `heading`. */
function block(readme: string, heading: string, lang: string): string {
  const at = readme.indexOf(`\n## ${heading}`);
  assert.ok(at >= 0, `README has a "## ${heading}" section`);
  const m = readme.slice(at).match(new RegExp('\\n```' + lang + '\\n([^]*?)\\n```\\n'));
  assert.ok(m, `a \`\`\`${lang} block under "## ${heading}"`);
  return m[1];
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(command: string, args: string[], env: Record<string, string>): Promise<Run> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  delete childEnv.NODE_TEST_CONTEXT;
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Runs a README shell block in bash, stopping at its first failing command, with jq printing one value a line. */
const bash = (script: string, env: Record<string, string>) =>
  run('bash', ['-c', `set -euo pipefail\njq() { command jq -c "$@"; }\n${script}`], env);

const ok = (r: Run) => assert.equal(r.code, 0, `exit ${r.code}\n${r.stdout}\n--- stderr ---\n${r.stderr}`);

describe('README walk-throughs, run as pasted', { skip: hasJq ? false : 'jq is not installed (the walk-through lists it as a prerequisite)' }, () => {
  let ctx: TestContext;
  let worker: JobWorker;
  let readme: string;
  let env: Record<string, string>;
  let dir: string;
  before(async () => {
    // `npx pcx` in the repo is the compiled CLI (packages/cli/dist): bring the build up to date first.
    ok(await run('npm', ['run', 'build', '--silent'], {}));
    ctx = await startApp({ PC_PROVISIONING_DELAY_SECONDS: '0' });
    const port = new URL(await listen(ctx)).port;
    worker = new JobWorker(ctx.db, { policy: ctx.config.provisioning, pollMs: 20 });
    worker.start();
    readme = await readFile(join(ROOT, 'README.md'), 'utf8');
    dir = await mkdtemp(join(tmpdir(), 'pcx-readme-'));
    env = { PORT: port, PCX_CONFIG: join(dir, 'config.json') };
  });
  after(async () => {
    await worker.stop();
    await ctx.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('the curl walk-through: token, catalog, cart, checkout, orders, and the doc checkout of the demo cart', async () => {
    const script = block(readme, 'Walk-through', 'sh');
    assert.doesNotMatch(script, /uuidgen|localhost:\d|127\.0\.0\.1:8080/, 'nothing a stock Debian lacks; the port only through $PORT');
    const r = await bash(script, env);
    ok(r);
    const values = r.stdout.trimEnd().split('\n').map((line) => JSON.parse(line) as unknown);
    const shaped = (...keys: string[]) =>
      values.filter((v): v is Record<string, unknown> => typeof v === 'object' && v !== null && Object.keys(v).join() === keys.join());

    const products = values.filter((v) => typeof v === 'string');
    assert.ok(products.includes('DZH318Z0BXWC'), `step 2 lists the OnlineServices products: ${products.join(' ')}`);

    const checkedOut = shaped('id', 'billingCycle', 'status');
    assert.deepEqual(checkedOut.map((o) => [o.billingCycle, o.status]), [['monthly', 'pending']], 'step 4: both monthly lines in one order');

    const orders = shaped('id', 'status', 'totalPrice');
    assert.ok(orders.some((o) => o.id === checkedOut[0].id && typeof o.totalPrice === 'number'), 'step 5 lists the new order with its price');
    assert.ok(shaped('id', 'offerName', 'status').length > 0, 'step 5 lists subscriptions');

    // "The demo cart checks out into the three orders of the doc's response" (README, after the block).
    const doc = shaped('billingCycle', 'status', 'lines');
    assert.deepEqual(doc.map((o) => [o.billingCycle, o.status]), [['monthly', 'completed'], ['one_time', 'pending'], ['monthly', 'pending']]);
    assert.deepEqual(doc[0].lines, ['Microsoft Azure'], 'the Azure subscription MS-AZR-0145P');
    assert.match(JSON.stringify(doc[1].lines), /Standard_NV12[^]*BizTalk Server 2016 Branch/);
    assert.match(JSON.stringify(doc[2].lines), /Barracuda/);
  });

  test('the pcx walk-through: login --sandbox on $BASE through to submit --wait and the subscriptions', async () => {
    const script = block(readme, 'Command line: pcx', 'sh');
    assert.match(script, /pcx login --sandbox --base-url \$BASE/);
    const r = await bash(script, env);
    ok(r);
    assert.match(r.stdout, new RegExp(`signed in to http://127\\.0\\.0\\.1:${env.PORT} as user admin@demo-partner\\.onmicrosoft\\.com`));
    assert.match(r.stdout, new RegExp(DEMO_CUSTOMER));
    assert.match(r.stdout, /CFQ7TTC0LH18:0001:CFQ7TTC0K971\s+10\s+monthly/, 'cart set changed the quantity');
    assert.match(r.stderr, /all 1 order\(s\) completed\./, 'submit --wait followed provisioning to the end');
    assert.match(r.stdout, /^LINE\s+STATUS/m, 'order status');
    assert.match(r.stdout, /^ID\s+OFFER\s+QTY\s+STATUS/m, 'subscription list');
  });

  test('the SDK example (its import pointed at this checkout)', async () => {
    const code = block(readme, 'TypeScript SDK', 'js');
    assert.match(code, /from '@partner-commerce\/sdk'/);
    const file = join(dir, 'walkthrough.mjs');
    const sdk = pathToFileURL(join(ROOT, 'packages/sdk/src/index.ts')).href;
    await writeFile(file, code.replace("from '@partner-commerce/sdk'", `from '${sdk}'`));
    const r = await run(process.execPath, ['--import', 'tsx', file], env);
    ok(r);
    assert.match(r.stdout, /DZH318Z0BXWC/);
    assert.match(r.stdout, /\S+ monthly pending/);
    assert.match(r.stdout, /^404 800008 Unable to retrieve cart Id/m);
  });
});

/**
 * The packages as a user gets them: every workspace is built and packed (`npm pack`), the tarballs are
 * installed with plain `npm install` into a folder made with `npm init -y`, and there, with nothing
 * from this repository on the path:
 *  (c) the sandbox starts from the installed server package with `npx @partner-commerce/server`, on a
 *      data directory of its own, and stops on Ctrl-C;
 *  (a) plain-Node scripts sign in and check out a cart with the SDK, as ESM (`import`) and as
 *      CommonJS (`require`), and TypeScript compiles against the SDK's declarations with
 *      `moduleResolution` node16 (ESM and CommonJS files) and bundler;
 *  (b) the installed `pcx` signs in and runs `cart submit --wait` to the end of provisioning.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');
const DEMO = {
  customerId: 'd6bf25b7-e0a8-4f2d-a31b-97b55cfc774d',
  clientId: 'f1ce5d2b-6b1a-4c3e-9e8a-5a1d7c0e2b41',
  clientSecret: 'sandbox-secret',
};

let dir: string;
let project: string;
let server: ChildProcess | undefined;
let baseUrl: string;

/** The environment of a user's shell: none of the test runner's or the suite's own settings. */
function userEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  delete env.NODE_TEST_CONTEXT;
  delete env.NODE_OPTIONS;
  delete env.DATABASE_URL;
  delete env.PCX_OUTPUT;
  for (const k of Object.keys(env)) if (k.startsWith('PC_') && !(k in extra)) delete env[k];
  return env;
}

const sh = (file: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = userEnv()) =>
  run(file, args, { cwd, env, maxBuffer: 16 * 1024 * 1024 });

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pc-packages-'));
  project = join(dir, 'consumer');
  const packs = join(dir, 'packs');
  await mkdir(packs);
  await mkdir(project);
  await sh('npm', ['run', 'build', '--silent'], ROOT);
  // The four published packages (the console is a private workspace, built into the server's package).
  const published = ['contract', 'sdk', 'server', 'cli'].flatMap((p) => ['--workspace', `@partner-commerce/${p}`]);
  await sh('npm', ['pack', ...published, '--silent', '--pack-destination', packs], ROOT, userEnv({ npm_config_loglevel: 'error' }));
  const tarballs = (await readdir(packs)).filter((f) => f.endsWith('.tgz')).map((f) => join(packs, f));
  assert.equal(tarballs.length, 4, `packed: ${tarballs.join(', ')}`);
  await sh('npm', ['init', '-y'], project);
  await sh('npm', ['install', '--no-audit', '--no-fund', ...tarballs], project);

  // (c) the sandbox from the installed package, as `npx @partner-commerce/server` starts it
  const proc = spawn('npx', ['--no-install', '@partner-commerce/server'], {
    detached: true, // its own process group, signalled as a whole like a terminal's Ctrl-C
    cwd: project,
    env: userEnv({ PORT: '0', HOST: '127.0.0.1', PC_DATA_DIR: join(dir, 'data'), LOG_LEVEL: 'warn', PC_PROVISIONING_DELAY_SECONDS: '0' }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  server = proc;
  let output = '';
  baseUrl = await new Promise<string>((resolve, reject) => {
    proc.stdout!.setEncoding('utf8').on('data', (d: string) => {
      output += d;
      const m = output.match(/listening on (http:\/\/\S+)/);
      if (m) resolve(m[1]);
    });
    proc.stderr!.setEncoding('utf8').on('data', (d: string) => (output += d));
    proc.on('exit', (code) => reject(new Error(`the installed server exited (${code}) before listening:\n${output}`)));
  });
});

after(async () => {
  if (server && server.exitCode === null) {
    const exited = new Promise((resolve) => server!.on('exit', resolve));
    process.kill(-server.pid!, 'SIGINT');
    await exited;
  }
  await rm(dir, { recursive: true, force: true });
});

test('the installed packages hold compiled JavaScript, not TypeScript sources', async () => {
  for (const pkg of ['contract', 'sdk', 'server', 'cli']) {
    const files = await readdir(join(project, 'node_modules/@partner-commerce', pkg), { recursive: true });
    assert.ok(files.some((f) => f.startsWith('dist')), `${pkg}: no dist/`);
    assert.deepEqual(files.filter((f) => f.startsWith('src') || (f.endsWith('.ts') && !f.endsWith('.d.ts'))), [], `${pkg} ships sources`);
  }
});

/** The SDK walk of the README: sign in, create a cart, check it out. */
const walk = (sdk: string) => `
  const partner = sdk.createPartnerOperations({
    baseUrl: process.env.BASE,
    credentials: { clientId: '${DEMO.clientId}', clientSecret: '${DEMO.clientSecret}' },
  });
  const customer = partner.customers.byId('${DEMO.customerId}');
  const cart = await customer.carts.create({
    lineItems: [{ id: 0, catalogItemId: 'CFQ7TTC0LH18:0001:CFQ7TTC0K971', quantity: 2, billingCycle: 'monthly', termDuration: 'P1Y' }],
  });
  const result = await customer.carts.byId(cart.id).checkout();
  console.log(JSON.stringify({ sdk: ${JSON.stringify(sdk)}, cartId: cart.id, orders: result.orders.map((o) => o.status) }));
`;

test('(a) plain Node: the SDK signs in and checks out a cart, as ESM and as CommonJS', async () => {
  await writeFile(join(project, 'checkout.mjs'), `import * as sdk from '@partner-commerce/sdk';\n${walk('esm')}`);
  await writeFile(join(project, 'checkout.js'), `const sdk = require('@partner-commerce/sdk');\n(async () => {${walk('cjs')}})();\n`);
  for (const script of ['checkout.mjs', 'checkout.js']) {
    const { stdout } = await sh(process.execPath, [script], project, userEnv({ BASE: baseUrl }));
    const out = JSON.parse(stdout) as { sdk: string; cartId: string; orders: string[] };
    assert.equal(out.sdk, script.endsWith('.mjs') ? 'esm' : 'cjs');
    assert.equal(out.orders.length, 1, stdout);
  }
});

test('(a) TypeScript: the SDK type-checks with moduleResolution node16 (ESM and CommonJS) and bundler', async () => {
  const source = (imp: string) =>
    `${imp}\nexport async function main(base: string): Promise<string[]> {\n` +
    `  const partner = createPartnerOperations({ baseUrl: base, credentials: { clientId: 'x', clientSecret: 'y' } });\n` +
    `  const cart = await partner.customers.byId('c').carts.create({ lineItems: [{ id: 0, catalogItemId: 'a:b:c', quantity: 1, billingCycle: 'monthly' }] });\n` +
    `  const result = await partner.customers.byId('c').carts.byId(cart.id).checkout();\n` +
    `  // @ts-expect-error the contract's types travel with the SDK: quantity is a number\n` +
    `  await partner.customers.byId('c').carts.create({ lineItems: [{ id: 0, catalogItemId: 'a:b:c', quantity: 'five', billingCycle: 'monthly' }] });\n` +
    `  try { return result.orders.map((o) => o.status); } catch (err) { if (err instanceof PartnerCenterError) console.log(err.code, err.requestId); throw err; }\n}\n`;
  const esm = `import { createPartnerOperations, PartnerCenterError } from '@partner-commerce/sdk';`;
  const cjs = `import sdk = require('@partner-commerce/sdk');\nconst { createPartnerOperations, PartnerCenterError } = sdk;`;
  await writeFile(join(project, 'esm.mts'), source(esm));
  await writeFile(join(project, 'cjs.cts'), source(cjs));
  await writeFile(join(project, 'bundled.ts'), source(esm));
  const configs = {
    'tsconfig.node16.json': { module: 'node16', moduleResolution: 'node16', files: ['esm.mts', 'cjs.cts'] },
    'tsconfig.bundler.json': { module: 'esnext', moduleResolution: 'bundler', files: ['bundled.ts'] },
  };
  for (const [name, { files, ...modules }] of Object.entries(configs)) {
    const compilerOptions = { ...modules, target: 'es2022', lib: ['es2022', 'dom'], types: [], strict: true, noEmit: true, skipLibCheck: false };
    await writeFile(join(project, name), JSON.stringify({ compilerOptions, files }));
    await sh(process.execPath, [TSC, '-p', name], project).catch((err: { stdout?: string }) => {
      assert.fail(`tsc -p ${name}:\n${err.stdout ?? String(err)}`);
    });
  }
});

test('(b) the installed pcx signs in to the sandbox and submits a cart, waiting for provisioning', async () => {
  const env = userEnv({ PCX_CONFIG: join(dir, 'pcx', 'config.json') });
  const pcx = (args: string[]) => sh('npx', ['--no-install', 'pcx', ...args], project, env);
  await pcx(['login', '--sandbox', '--base-url', baseUrl]);
  const file = join(project, 'cart.json');
  await writeFile(file, JSON.stringify({ lineItems: [{ id: 0, catalogItemId: 'CFQ7TTC0LH18:0001:CFQ7TTC0K971', quantity: 3, billingCycle: 'monthly', termDuration: 'P1Y' }] }));
  const created = JSON.parse((await pcx(['-o', 'json', 'cart', 'new', '--customer-id', DEMO.customerId, '--file', file])).stdout) as { id: string };
  const submitted = await pcx(['-o', 'json', 'cart', 'submit', '--customer-id', DEMO.customerId, '--cart-id', created.id, '--wait', '--interval', '100', '--timeout', '120']);
  const result = JSON.parse(submitted.stdout) as { orders: { status: string }[] };
  assert.deepEqual(result.orders.map((o) => o.status), ['completed'], submitted.stdout);
});

test('(c) the installed server command says what it takes, and refuses an unknown command in one line', async () => {
  const help = await sh('npx', ['--no-install', 'partner-commerce', '--help'], project);
  assert.match(help.stdout, /^usage: partner-commerce \[serve\|worker\|migrate\|check-consistency\]/);
  const wrong = await sh('npx', ['--no-install', 'partner-commerce', 'strat'], project).then(
    () => assert.fail('an unknown command exited 0'),
    (err: { code?: number; stderr?: string }) => err,
  );
  assert.equal(wrong.code, 2);
  assert.equal(wrong.stderr?.trim(), 'partner-commerce: unknown command "strat"; try: partner-commerce --help');
});

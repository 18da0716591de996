/**
 * The OpenAPI document is generated from the route schemas. `write` updates docs/openapi.json;
 * `check` fails when the committed document no longer matches the code (part of `npm test`). Both
 * lint the document with Redocly's recommended rules (redocly.yaml), as a sandbox serves it and as a
 * service in jwks mode does (no sandbox routes, no sandbox sign-in), and fail on any error.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildApp } from '../packages/server/src/app.js';
import { loadConfig } from '../packages/server/src/config.js';
import { openDatabase } from '../packages/server/src/db/database.js';
import { migrate } from '../packages/server/src/db/migrate.js';

const FILE = fileURLToPath(new URL('../docs/openapi.json', import.meta.url));
const mode = process.argv[2];
if (mode !== 'write' && mode !== 'check') {
  console.error('usage: openapi.ts write|check');
  process.exit(2);
}

/** The document the app serves at /openapi.json with these settings. */
async function generate(env: Record<string, string>): Promise<string> {
  const db = await openDatabase({ dataDir: 'memory://' });
  await migrate(db);
  const app = await buildApp({ config: loadConfig({ ...env, PC_DATA_DIR: 'memory://' }), db });
  await app.ready();
  const document = JSON.stringify(app.swagger(), null, 2) + '\n';
  await app.close();
  await db.close();
  return document;
}

const CONFIG = fileURLToPath(new URL('../redocly.yaml', import.meta.url));
const REDOCLY = join(dirname(createRequire(import.meta.url).resolve('@redocly/cli/package.json')), 'bin/cli.js');

/** Lints a document file with Redocly (redocly.yaml): false, with its findings printed, when it has errors. */
function lint(file: string, name: string): boolean {
  const run = spawnSync(process.execPath, [REDOCLY, 'lint', file, `--config=${CONFIG}`, '--format=stylish'], { encoding: 'utf8' });
  // Redocly prints a Node 20 deprecation box on every run; only its findings are of interest.
  const findings = `${run.stdout}${run.stderr}`.split('\n').filter((l) => !/[║╔╚]/.test(l) && l.trim()).join('\n');
  if (run.status !== 0) {
    console.error(`${name} fails Redocly's lint (redocly.yaml):\n${findings}`);
    return false;
  }
  if (/warning/i.test(findings)) console.log(findings);
  console.log(`${name} passes Redocly's lint`);
  return true;
}

const document = await generate({});
const jwksDocument = await generate({ PC_AUTH_MODE: 'jwks', PC_JWKS_URL: 'https://issuer.invalid/keys', PC_JWT_ISSUER: 'https://issuer.invalid/' });
if (mode === 'write') {
  await writeFile(FILE, document);
  console.log('docs/openapi.json written');
} else {
  const committed = await readFile(FILE, 'utf8').catch(() => '');
  if (committed !== document) {
    console.error('docs/openapi.json is out of date with the route schemas: run `npm run openapi` and commit it.');
    process.exit(1);
  }
  console.log('docs/openapi.json matches the route schemas');
}
const dir = await mkdtemp(join(tmpdir(), 'openapi-'));
try {
  await writeFile(join(dir, 'openapi-jwks.json'), jwksDocument);
  const ok = [lint(FILE, 'docs/openapi.json'), lint(join(dir, 'openapi-jwks.json'), 'The document in jwks mode')].every(Boolean);
  if (!ok) process.exitCode = 1;
} finally {
  await rm(dir, { recursive: true, force: true });
}

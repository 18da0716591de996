/**
 * The OpenAPI document is generated from the route schemas. `write` updates docs/openapi.json;
 * `check` fails when the committed document no longer matches the code (part of `npm test`).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { buildApp } from '../packages/server/src/app.js';
import { loadConfig } from '../packages/server/src/config.js';
import { openDatabase } from '../packages/server/src/db/database.js';
import { migrate } from '../packages/server/src/db/migrate.js';

const FILE = new URL('../docs/openapi.json', import.meta.url);
const mode = process.argv[2];
if (mode !== 'write' && mode !== 'check') {
  console.error('usage: openapi.ts write|check');
  process.exit(2);
}

const db = await openDatabase({ dataDir: 'memory://' });
await migrate(db);
const app = await buildApp({ config: loadConfig({ PC_DATA_DIR: 'memory://' }), db });
await app.ready();
const document = JSON.stringify(app.swagger(), null, 2) + '\n';
await app.close();
await db.close();

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

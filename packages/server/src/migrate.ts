/** `npm run migrate`: applies pending migrations to DATABASE_URL (or the PGlite data dir) and exits. */
import { databaseOptions } from './config.js';
import { openDatabase } from './db/database.js';
import { failStart, loadConfigOrFail } from './startup-errors.js';
import { migrate } from './db/migrate.js';

const progress = (line: string) => process.stdout.write(`${line}\n`);
const config = loadConfigOrFail();
const db = await openDatabase({ ...databaseOptions(config), progress }).catch(failStart);
const applied = await migrate(db, progress).catch(failStart);
process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'migrations: up to date\n');
await db.close();

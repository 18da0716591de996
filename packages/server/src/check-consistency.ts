/** `npm run check:consistency`: scans the database (DATABASE_URL or the PGlite data dir) and exits 1 on any violation. */
import { databaseOptions } from './config.js';
import { openDatabase } from './db/database.js';
import { failStart, loadConfigOrFail } from './startup-errors.js';
import { checkConsistency } from './consistency.js';

const config = loadConfigOrFail();
const db = await openDatabase(databaseOptions(config)).catch(failStart);
const report = await checkConsistency(db).catch(failStart);
await db.close();
process.stdout.write(
  `${report.carts} carts (${report.orderedCarts} ordered), ${report.orders} orders: ` +
    (report.violations.length ? `${report.violations.length} violation(s)\n${report.violations.join('\n')}\n` : 'consistent\n'),
);
process.exit(report.violations.length ? 1 : 0);

/** `npm run worker`: the job worker (provisioning, webhook deliveries, renewals) as a process of its own (any number, on one PostgreSQL). */
import pino from 'pino';
import { databaseOptions } from './config.js';
import { openDatabase } from './db/database.js';
import { failStart, loadConfigOrFail } from './startup-errors.js';
import { migrate } from './db/migrate.js';
import { JobWorker } from './modules/jobs/worker.js';

const config = loadConfigOrFail();
const log = pino({ level: config.logLevel });
const db = await openDatabase(databaseOptions(config)).catch(failStart);
await migrate(db).catch(failStart);
const baseUrl = config.webhooks.baseUrl ?? `http://${config.host}:${config.port}`;
const worker = new JobWorker(db, { policy: config.provisioning, webhooks: { ...config.webhooks, baseUrl }, leaseSeconds: config.jobLeaseSeconds, log });
worker.start();
process.stdout.write(`job worker ${worker.id} on ${db.location}\n`);

let stopping = false;
const shutdown = async () => {
  if (stopping) return;
  stopping = true;
  await worker.stop();
  await db.close();
  process.exit(0);
};
process.on('SIGTERM', () => void shutdown());
process.on('SIGINT', () => void shutdown());

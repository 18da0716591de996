/** Starts the service: open the database, migrate, seed, listen; stop cleanly on SIGTERM/SIGINT. */
import { databaseOptions } from './config.js';
import { openDatabase } from './db/database.js';
import { failStart, loadConfigOrFail } from './startup-errors.js';
import { migrate } from './db/migrate.js';
import { seedCatalog, seedDemo, DEMO } from './seed/index.js';
import { buildApp } from './app.js';
import { JobWorker } from './modules/jobs/worker.js';

// What start-up is doing, a line at a time on stdout before the listening lines (the JSON logs of
// LOG_LEVEL start once the app is built): a first start takes seconds, and says why.
const progress = (line: string) => process.stdout.write(`${line}\n`);

const config = loadConfigOrFail();
const db = await openDatabase({ ...databaseOptions(config), progress }).catch(failStart);
await migrate(db, progress).catch(failStart);
progress('seeding the catalog');
await seedCatalog(db).catch(failStart);
if (config.seedDemo) {
  progress('seeding the demo partner');
  await seedDemo(db, config).catch(failStart);
}

const app = await buildApp({
  config,
  db,
  logger: {
    level: config.logLevel,
    redact: ['req.headers.authorization', 'req.headers.cookie', 'client_secret', 'password', 'access_token'],
  },
});
const address = await app.listen({ port: config.port, host: config.host }).catch(failStart);
const webhooks = { ...config.webhooks, baseUrl: config.webhooks.baseUrl ?? address };
const worker = config.inProcessWorker ? new JobWorker(db, { policy: config.provisioning, webhooks, leaseSeconds: config.jobLeaseSeconds, log: app.log }) : undefined;
worker?.start();

// Handlers first: a supervisor (or a test) may signal as soon as it reads the line below.
let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  app.log.info({ signal }, 'shutting down');
  try {
    await app.close(); // stops accepting, waits for in-flight requests
    await worker?.stop(); // stops claiming, finishes its job, gives back the rest
    await db.close();
    process.exit(0);
  } catch (err) {
    app.log.error({ err }, 'shutdown failed');
    process.exit(1);
  }
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));

const lines = [
  `partner-commerce listening on ${address} (started in ${process.uptime().toFixed(1)} s)`,
  `storage: ${db.location}`,
  `API docs: ${address}/docs (OpenAPI: ${address}/openapi.json)`,
];
if (config.authMode === 'sandbox') {
  lines.push(
    'sandbox credentials (demo partner):',
    `  app-only:  POST ${address}/oauth2/token  grant_type=client_credentials client_id=${config.sandbox.clientId} client_secret=${config.sandbox.clientSecret}`,
    `  app+user:  POST ${address}/oauth2/token  grant_type=password username=${config.sandbox.username} password=${config.sandbox.password}`,
    `  demo customer ${DEMO.customerId}, active cart ${DEMO.cartId}`,
    config.sandboxAdminToken
      ? 'sandbox control API (/sandbox): bearer PC_SANDBOX_ADMIN_TOKEN, or a partner token on its own tenant'
      : 'sandbox control API (/sandbox): loopback clients only (set PC_SANDBOX_ADMIN_TOKEN to open it to token holders)',
  );
} else {
  lines.push(`auth: tokens of ${config.jwtIssuer} verified with ${config.jwksUrl}`);
}
lines.push(worker ? `job worker (provisioning, webhooks, renewals): in process (${worker.id})` : 'job worker: off (PC_WORKER=false; run `npm run worker`)');
process.stdout.write(lines.join('\n') + '\n');


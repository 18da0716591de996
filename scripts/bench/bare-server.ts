/**
 * The HTTP ceiling: a minimal Fastify app with one GET route that answers the JSON document in
 * BENCH_BODY_FILE (a real GET cart response, so the same size and shape) — no plugins, no hooks,
 * no logger, no database. Started by the bench as a process of its own, like the service.
 */
import { readFileSync } from 'node:fs';
import Fastify from 'fastify';

const file = process.env.BENCH_BODY_FILE;
if (!file) throw new Error('BENCH_BODY_FILE is required');
const body: unknown = JSON.parse(readFileSync(file, 'utf8'));

const app = Fastify({ logger: false });
// Serialized per request, as the real route does (the object is static, the work is not skipped).
app.get('/cart', async () => body);
const address = await app.listen({ port: 0, host: '127.0.0.1' });
process.stdout.write(`bare fastify listening on ${address}\n`);

const stop = () => void app.close().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

/**
 * `GET /console`: the web console (packages/console), built by `npm run build` into this package's
 * `console/` folder and served from memory: the page, with this server's auth mode written into it,
 * and its hashed assets (cached for good, gzipped for clients that accept it). Only the files the
 * build made are served; nothing is read from disk per request, so no path can reach other files.
 * The console is a client of the public API like any other: it needs no route of its own beyond these.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { PartnerCenterError } from '../errors.js';

/** Where the build puts the console: packages/server/console, beside src/ and dist/. */
export const CONSOLE_DIR = fileURLToPath(new URL('../../console/', import.meta.url));

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.html': 'text/html; charset=utf-8',
};

/** The page loads its own script and style sheet and talks to this origin only. */
const CSP = "default-src 'self'; img-src 'self' data:; script-src 'self'; style-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'";

interface Asset {
  type: string;
  body: Buffer;
  gzipped: Buffer;
}

const asset = (type: string, body: Buffer): Asset => ({ type, body, gzipped: gzipSync(body, { level: 9 }) });

/** The built console in memory: the page and its assets by file name; undefined when it was not built. */
export function loadConsole(dir: string, authMode: string): { page: Asset; assets: Map<string, Asset> } | undefined {
  const index = join(dir, 'index.html');
  if (!existsSync(index)) return undefined;
  const html = readFileSync(index, 'utf8').replace(
    /<meta name="pc-auth-mode" content="[^"]*"/,
    `<meta name="pc-auth-mode" content="${authMode === 'jwks' ? 'jwks' : 'sandbox'}"`,
  );
  const assets = new Map<string, Asset>();
  const assetsDir = join(dir, 'assets');
  for (const name of existsSync(assetsDir) ? readdirSync(assetsDir) : []) {
    const type = TYPES[extname(name)];
    if (type) assets.set(name, asset(type, readFileSync(join(assetsDir, name))));
  }
  return { page: asset(TYPES['.html'], Buffer.from(html)), assets };
}

function send(req: FastifyRequest, reply: FastifyReply, a: Asset) {
  reply.header('content-type', a.type).header('x-content-type-options', 'nosniff').header('vary', 'accept-encoding');
  if (/\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''))) return reply.header('content-encoding', 'gzip').send(a.gzipped);
  return reply.send(a.body);
}

export default fp(async function consolePlugin(app: FastifyInstance, opts: { dir?: string }) {
  const built = loadConsole(opts.dir ?? CONSOLE_DIR, app.config.authMode);
  const schema = { hide: true };

  // With ignoreTrailingSlash, /console and /console/ are this one route; the console routes by the hash.
  app.get('/console', { schema }, async (req, reply) => {
    if (!built) {
      throw new PartnerCenterError('NotFound', 'The console is not built: run `npm run build` (it builds packages/console into packages/server/console).');
    }
    reply.header('cache-control', 'no-cache').header('content-security-policy', CSP).header('referrer-policy', 'no-referrer');
    return send(req, reply, built.page);
  });

  app.get('/console/assets/:file', { schema }, async (req, reply) => {
    const file = built?.assets.get((req.params as { file: string }).file);
    if (!file) throw new PartnerCenterError('NotFound', 'No such console asset.');
    // File names carry a hash of their content: a new build is a new name.
    reply.header('cache-control', 'public, max-age=31536000, immutable');
    return send(req, reply, file);
  });
});

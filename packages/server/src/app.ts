/**
 * Builds the Fastify app: plugins (body parsing, headers, errors, auth, OpenAPI), the sandbox routes,
 * and the Partner Center API under `/v1`, every route of which requires a bearer token.
 */
import { Type } from 'typebox';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import formbody from '@fastify/formbody';
import AjvCompiler from '@fastify/ajv-compiler';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Database } from './db/database.js';
import { migrationsApplied } from './db/migrate.js';
import type { Config } from './config.js';
import { createTokenService, type TokenService } from './auth/tokens.js';
import jsonBody from './plugins/json-body.js';
import storableInput from './plugins/storable-input.js';
import headers, { correlationIdOf, requestIdOf } from './plugins/headers.js';
import errors, { clientErrorHandler, frameworkError } from './plugins/errors.js';
import auth from './plugins/auth.js';
import openapi from './plugins/openapi.js';
import replay from './plugins/replay.js';
import throttling from './plugins/throttling.js';
import metrics from './plugins/metrics.js';
import consolePage from './plugins/console.js';
import faults from './plugins/faults.js';
import requestLog, { logRequests } from './plugins/request-log.js';
import catalogRoutes from './modules/catalog/routes.js';
import customerRoutes from './modules/customers/routes.js';
import cartRoutes from './modules/carts/routes.js';
import orderRoutes from './modules/orders/routes.js';
import subscriptionRoutes from './modules/subscriptions/routes.js';
import sandboxRoutes from './modules/sandbox/routes.js';
import auditRoutes from './modules/audit/routes.js';
import webhookRoutes, { certificateRoutes } from './modules/webhooks/routes.js';

declare module 'fastify' {
  interface FastifyInstance {
    db: Database;
    config: Config;
  }
}

export interface AppOptions {
  config: Config;
  /** An open, migrated and seeded database; the app does not close it. */
  db: Database;
  logger?: FastifyServerOptions['logger'];
}

const ajvPool = AjvCompiler();
type RouteValidator = (route: AjvCompiler.RouteDefinition) => unknown;

/**
 * Query strings and path parameters are text, read as the integers and booleans their schemas name
 * (`size=5`, `include_price=True`); JSON bodies carry their own types and are not coerced: a quantity
 * or line id sent as `"5"` is a 400, as the SDKs (Java and .NET `int`) never send one.
 */
const typedBodies: AjvCompiler.BuildCompilerFromPool = (externalSchemas, options) => {
  const coercing = ajvPool(externalSchemas, options) as unknown as RouteValidator;
  const strictOptions = { ...options, customOptions: { ...options?.customOptions, coerceTypes: false } } as typeof options;
  const strict = ajvPool(externalSchemas, strictOptions) as unknown as RouteValidator;
  return ((route: AjvCompiler.RouteDefinition) =>
    route.httpPart === 'body' ? strict(route) : finiteOnly(coercing(route) as Validate)) as never;
};

type Validate = ((data: unknown) => boolean) & { errors?: unknown[] | null };

/**
 * Ajv coerces `Infinity`, `-Infinity` and `1e400` in a query string to ±Infinity, and its integer and
 * range checks let that through (`size=-Infinity` passed `minimum: 1`), to fail in SQL as a 500. A
 * coerced value that is not a finite number is refused like any other invalid value.
 */
function finiteOnly(validate: Validate): Validate {
  const checked: Validate = (data) => {
    if (!validate(data)) {
      checked.errors = validate.errors;
      return false;
    }
    const bad = data && typeof data === 'object' ? Object.entries(data).find(([, v]) => typeof v === 'number' && !Number.isFinite(v)) : undefined;
    checked.errors = bad ? [{ instancePath: `/${bad[0]}`, schemaPath: '#', keyword: 'type', params: {}, message: 'must be a finite number' }] : null;
    return !bad;
  };
  return checked;
}

export async function buildApp({ config, db, logger = false }: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger,
    genReqId: requestIdOf,
    // Every log line of a request carries its MS-RequestId (Fastify's reqId) and MS-CorrelationId.
    childLoggerFactory: (parent, bindings, opts, rawReq) =>
      parent.child({ ...bindings, msRequestId: bindings.reqId, msCorrelationId: correlationIdOf(rawReq as never) }, opts),
    bodyLimit: config.bodyLimit,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 1024 },
    frameworkErrors: frameworkError,
    clientErrorHandler,
    ajv: { customOptions: { removeAdditional: true, coerceTypes: 'array', useDefaults: true } },
    schemaController: { compilersFactory: { buildValidator: typedBodies } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.decorate('db', db);
  app.decorate('config', config);
  const tokens: TokenService = await createTokenService(config, db);

  await app.register(formbody);
  await app.register(jsonBody);
  await app.register(storableInput);
  await app.register(headers);
  await app.register(errors);
  await app.register(auth, { tokens });
  await app.register(openapi);
  await app.register(metrics);
  await app.register(consolePage);

  const Status = (description: string) => Type.Object({ status: Type.String(), storage: Type.Optional(Type.String()) }, { description });
  const healthzSchema = { tags: ['operations'], operationId: 'getHealth', summary: 'The process is up', security: [], docResponses: { 200: Status('Up') } };
  app.get('/healthz', { schema: healthzSchema }, async () => ({ status: 'ok' }));
  const readyzSchema = {
    tags: ['operations'],
    operationId: 'getReadiness',
    summary: 'The database is reachable and migrated',
    security: [],
    docResponses: { 200: Status('Ready'), 503: Status('Not ready: migrations pending, or the database unreachable') },
  };
  app.get('/readyz', { schema: readyzSchema }, async (_req, reply) => {
    try {
      if (await migrationsApplied(db)) return { status: 'ready', storage: db.kind };
      return reply.status(503).send({ status: 'migrations pending', storage: db.kind });
    } catch {
      return reply.status(503).send({ status: 'database unreachable', storage: db.kind });
    }
  });

  const sandbox = config.authMode === 'sandbox';
  if (sandbox) {
    await app.register(faults);
    await app.register(requestLog, { flushMs: config.requestLogFlushMs });
    await app.register(sandboxRoutes, { tokens, adminToken: config.sandboxAdminToken });
  }

  await app.register(
    async (v1) => {
      v1.addHook('onRequest', v1.authenticate);
      if (sandbox) {
        // The tenant's request log and fault rules (sandbox only): after authentication names the tenant.
        await v1.register(logRequests);
        v1.addHook('onRequest', v1.sandboxFaults.hook);
      }
      await v1.register(throttling, { limitPerMinute: config.throttleLimitPerMinute, syncMs: config.throttleSyncMs });
      await v1.register(replay);
      await v1.register(catalogRoutes);
      await v1.register(customerRoutes);
      await v1.register(cartRoutes);
      await v1.register(orderRoutes);
      await v1.register(subscriptionRoutes);
      await v1.register(auditRoutes);
    },
    { prefix: '/v1' },
  );

  // Partner Center's webhook API (outside /v1, as in Partner Center), and the certificate its deliveries are signed with.
  await app.register(certificateRoutes);
  await app.register(
    async (webhooks) => {
      webhooks.addHook('onRequest', webhooks.authenticate);
      if (sandbox) {
        await webhooks.register(logRequests);
        webhooks.addHook('onRequest', webhooks.sandboxFaults.hook);
      }
      await webhooks.register(throttling, { limitPerMinute: config.throttleLimitPerMinute, syncMs: config.throttleSyncMs });
      await webhooks.register(replay);
      await webhooks.register(webhookRoutes);
    },
    { prefix: '/webhooks/v1' },
  );
  return app;
}

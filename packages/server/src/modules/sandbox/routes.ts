/**
 * Sandbox-only routes (not part of Partner Center's API): the token endpoint of the sandbox issuer,
 * its JWKS, and the control API that creates isolated partner tenants for integration tests.
 */
import { Type, type Static } from 'typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { TokenService } from '../../auth/tokens.js';
import type { Database } from '../../db/database.js';
import * as service from './service.js';
import * as provisioning from '../provisioning/repo.js';
import { listJobs } from '../jobs/repo.js';
import { nextJobDue, settleDueJobs } from '../jobs/worker.js';
import { advanceClock, getClock, type DueWork } from '../clock/service.js';
import { controlAccess } from './access.js';
import { deleteSandboxPartner, resetSandboxPartner } from './reset.js';
import sandboxFaultRoutes from './fault-routes.js';
import sandboxRequestLogRoutes from './request-log-routes.js';
import sandboxEventRoutes from './event-routes.js';
import { SigninThrottle } from './signin-throttle.js';
import { sendThrottled } from '../../plugins/throttling.js';
import { THROTTLED } from '../../plugins/openapi.js';
import { ErrorBody } from '@partner-commerce/contract';

const SandboxCustomer = Type.Object({
  id: Type.String(),
  companyName: Type.String(),
  domain: Type.String(),
  country: Type.String(),
  azureSubscriptionId: Type.String(),
  cartId: Type.String(),
});

const TokenRequest = Type.Object({
  grant_type: Type.String({ maxLength: 64 }),
  client_id: Type.Optional(Type.String({ maxLength: 256 })),
  client_secret: Type.Optional(Type.String({ maxLength: 256 })),
  username: Type.Optional(Type.String({ maxLength: 256 })),
  password: Type.Optional(Type.String({ maxLength: 256 })),
  resource: Type.Optional(Type.String({ maxLength: 256 })),
  scope: Type.Optional(Type.String({ maxLength: 1024 })),
});

const TokenResponse = Type.Object(
  {
    token_type: Type.Literal('Bearer'),
    expires_in: Type.Integer(),
    expires_on: Type.Integer(),
    resource: Type.String(),
    access_token: Type.String(),
  },
  { description: 'An access token: a JWT the sandbox signs, its public key at /.well-known/jwks.json' },
);

/** The token endpoint's errors, in OAuth 2.0's shape (RFC 6749 §5.2), not Partner Center's. */
const OAuthError = Type.Object({ error: Type.String(), error_description: Type.String() }, { title: 'OAuthError' });

const sandboxRoutes: FastifyPluginAsyncTypebox<{ tokens: TokenService; adminToken?: string }> = async (app, { tokens, adminToken }) => {
  // The control routes (/sandbox/...) are guarded; the token endpoint and the JWKS are open, as an issuer's are.
  const guard = controlAccess(tokens, adminToken);
  app.addHook('onRequest', async (req) => {
    if (req.routeOptions.url?.startsWith('/sandbox/')) await guard(req);
  });
  const signins = new SigninThrottle(app.db, app.config.signinLimits);
  const purge = setInterval(() => signins.purge().catch(() => {}), 60_000).unref();
  app.addHook('onClose', async () => clearInterval(purge));

  const tokenHandler = async (req: FastifyRequest<{ Body: Static<typeof TokenRequest> }>, reply: FastifyReply) => {
    const b = req.body;
    if (b.grant_type !== 'client_credentials' && b.grant_type !== 'password') {
      return reply.status(400).send({ error: 'unsupported_grant_type', error_description: `grant_type ${b.grant_type} is not supported.` });
    }
    // The account guessed at: the app for client credentials, the user for the password grant.
    const account = b.grant_type === 'client_credentials' ? `client:${b.client_id ?? ''}` : `user:${(b.username ?? '').toLowerCase()}`;
    const blocked = await signins.blocked(account, req.ip);
    if (blocked) return sendThrottled(reply, blocked.retryAfterSeconds);
    const principal =
      b.grant_type === 'client_credentials'
        ? b.client_id && b.client_secret ? await service.signInApp(app.db, b.client_id, b.client_secret) : undefined
        : b.username && b.password ? await service.signInUser(app.db, b.username, b.password) : undefined;
    if (!principal) {
      await signins.failed(account, req.ip);
      return reply.status(401).send({ error: 'invalid_client', error_description: 'The credentials are not valid.' });
    }
    const { token, expiresIn } = await tokens.issue!(principal);
    return reply.send({
      token_type: 'Bearer',
      expires_in: expiresIn,
      expires_on: Math.floor(Date.now() / 1000) + expiresIn,
      resource: 'https://api.partnercenter.microsoft.com',
      access_token: token,
    });
  };
  const tokenSchema = {
    tags: ['sandbox'],
    operationId: 'issueToken',
    summary: 'Sandbox token endpoint (form-encoded): client_credentials gives app-only tokens, password gives app+user tokens',
    consumes: ['application/x-www-form-urlencoded'],
    body: TokenRequest,
    security: [],
    docResponses: {
      200: TokenResponse,
      400: Type.Union([OAuthError, ErrorBody], { description: 'unsupported_grant_type (OAuth error), or a request that is not valid (error body)' }),
      401: Type.Object(OAuthError.properties, { description: 'invalid_client: the credentials are not valid' }),
      429: THROTTLED,
    },
  };
  app.post('/oauth2/token', { schema: tokenSchema }, tokenHandler);
  // Where SDKs put a tenant in the authority: /{tenant}/oauth2/token and /{tenant}/oauth2/v2.0/token.
  app.post('/:tenant/oauth2/token', { schema: { ...tokenSchema, hide: true } }, tokenHandler);
  app.post('/:tenant/oauth2/v2.0/token', { schema: { ...tokenSchema, hide: true } }, tokenHandler);

  app.get('/.well-known/jwks.json', {
    schema: {
      tags: ['sandbox'],
      operationId: 'getJwks',
      summary: "The sandbox issuer's public keys",
      security: [],
      docResponses: { 200: Type.Object({ keys: Type.Array(Type.Record(Type.String(), Type.String())) }, { description: 'A JSON Web Key Set (RFC 7517)' }) },
    },
  }, async () => tokens.jwks!());

  app.post('/sandbox/partners', {
    schema: {
      tags: ['sandbox'],
      operationId: 'createSandboxPartner',
      summary: 'Create an isolated partner tenant with one customer and an active cart',
      body: Type.Optional(Type.Object({ name: Type.Optional(Type.String({ maxLength: 128 })) })),
      response: {
        201: Type.Object({
          tenantId: Type.String(),
          name: Type.String(),
          clientId: Type.String(),
          clientSecret: Type.String(),
          username: Type.String(),
          password: Type.String(),
          customers: Type.Array(SandboxCustomer),
        }),
      },
    },
  }, async (req, reply) => reply.status(201).send(await service.createSandboxPartner(app.db, req.body?.name)));

  app.post('/sandbox/partners/:tenantId/customers', {
    schema: {
      tags: ['sandbox'],
      operationId: 'addSandboxCustomer',
      summary: "Add a customer (with an Azure subscription and an active cart) to a sandbox partner",
      params: Type.Object({ tenantId: Type.String({ format: 'uuid' }) }),
      body: Type.Optional(
        Type.Object({
          companyName: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
          country: Type.Optional(Type.String({ pattern: '^[A-Z]{2}$' })),
        }),
      ),
      response: { 201: SandboxCustomer },
    },
  }, async (req, reply) => {
    const partner = await service.requirePartner(app.db, req.params.tenantId.toLowerCase());
    return reply.status(201).send(await service.addSandboxCustomer(app.db, partner, req.body ?? {}));
  });

  // Provisioning control, per partner: delays per product type, injected failures, the job queue.
  const TenantParams = Type.Object({ tenantId: Type.String({ format: 'uuid' }) });

  app.delete('/sandbox/partners/:tenantId', {
    schema: {
      tags: ['sandbox'],
      operationId: 'deleteSandboxPartner',
      summary: 'Delete a sandbox partner and everything it owns (customers, carts, orders, subscriptions, jobs, audit, faults, log), in one transaction',
      params: TenantParams,
      docResponses: { 204: Type.Null({ description: 'Deleted' }) },
    },
  }, async (req, reply) => {
    await deleteSandboxPartner(app.db, req.params.tenantId.toLowerCase());
    app.sandboxFaults.forget(req.params.tenantId.toLowerCase());
    return reply.status(204).send();
  });

  app.post('/sandbox/partners/:tenantId/reset', {
    schema: {
      tags: ['sandbox'],
      operationId: 'resetSandboxPartner',
      summary: 'Put a sandbox partner back to the state its creation made, in one transaction',
      description:
        'The partner keeps its credentials; the customers and carts it was created with come back with the same ids, ' +
        'everything else it owns (orders, subscriptions, other customers, jobs, audit records, fault rules, request log) is deleted, ' +
        'and its clock is back to real time: this is the only way to move a clock back.',
      params: TenantParams,
      response: { 200: Type.Object({ tenantId: Type.String(), customers: Type.Array(SandboxCustomer) }) },
    },
  }, async (req) => {
    const reset = await resetSandboxPartner(app.db, req.params.tenantId.toLowerCase());
    app.sandboxFaults.forget(reset.tenantId);
    return reset;
  });

  await app.register(sandboxFaultRoutes);
  await app.register(sandboxEventRoutes);
  await app.register(sandboxRequestLogRoutes);
  app.put('/sandbox/partners/:tenantId/provisioning', {
    schema: {
      tags: ['sandbox'],
      operationId: 'setProvisioningDelays',
      summary: "Set the partner's provisioning delay, in seconds, per product type (Azure, Software, OnlineServices, OnlineServicesNCE)",
      params: TenantParams,
      body: Type.Object({
        delaysSeconds: Type.Record(Type.String({ maxLength: 64 }), Type.Number({ minimum: 0, maximum: 86_400 }), { maxProperties: 32 }),
      }),
      response: { 200: Type.Object({ delaysSeconds: Type.Record(Type.String(), Type.Number()) }) },
    },
  }, async (req) => {
    const partner = await service.requirePartner(app.db, req.params.tenantId.toLowerCase());
    await provisioning.putSettings(app.db, partner.tenantId, req.body.delaysSeconds);
    return { delaysSeconds: req.body.delaysSeconds };
  });

  const FaultParams = Type.Object({ tenantId: Type.String({ format: 'uuid' }), catalogItemId: Type.String({ minLength: 1, maxLength: 256 }) });
  app.put('/sandbox/partners/:tenantId/provisioning/faults/:catalogItemId', {
    schema: {
      tags: ['sandbox'],
      operationId: 'setProvisioningFault',
      summary: "Make provisioning of a catalog item fail for this partner: `failures` times (then succeed), or on every attempt when absent",
      params: FaultParams,
      body: Type.Optional(
        Type.Object({
          failures: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
          message: Type.Optional(Type.String({ maxLength: 512 })),
        }),
      ),
      response: { 200: Type.Object({ catalogItemId: Type.String(), failures: Type.Union([Type.Integer(), Type.Null()]), message: Type.String() }) },
    },
  }, async (req) => {
    const partner = await service.requirePartner(app.db, req.params.tenantId.toLowerCase());
    const catalogItemId = req.params.catalogItemId.toUpperCase();
    const failures = req.body?.failures ?? null;
    const message = req.body?.message ?? 'Provisioning failed (injected by the sandbox).';
    await provisioning.putFault(app.db, partner.tenantId, catalogItemId, failures, message);
    return { catalogItemId, failures, message };
  });

  app.delete('/sandbox/partners/:tenantId/provisioning/faults/:catalogItemId', {
    schema: {
      tags: ['sandbox'],
      operationId: 'deleteProvisioningFault',
      summary: 'Remove an injected provisioning failure',
      params: FaultParams,
      docResponses: { 200: Type.Object({}, { description: 'Removed, or there was none' }) },
    },
  }, async (req, reply) => {
    const partner = await service.requirePartner(app.db, req.params.tenantId.toLowerCase());
    await provisioning.deleteFault(app.db, partner.tenantId, req.params.catalogItemId.toUpperCase());
    return reply.status(200).send({});
  });

  app.get('/sandbox/partners/:tenantId/provisioning/jobs', {
    schema: {
      tags: ['sandbox'],
      operationId: 'listProvisioningJobs',
      summary: "The partner's provisioning jobs: state, attempts, last error",
      params: TenantParams,
      response: {
        200: Type.Object({
          items: Type.Array(
            Type.Object({
              orderId: Type.String(),
              state: Type.String(),
              attempts: Type.Integer(),
              maxAttempts: Type.Integer(),
              lastError: Type.Union([Type.String(), Type.Null()]),
              runAt: Type.String(),
            }),
          ),
        }),
      },
    },
  }, async (req) => {
    const partner = await service.requirePartner(app.db, req.params.tenantId.toLowerCase());
    const jobs = await listJobs(app.db, partner.tenantId, 'provisioning');
    return { items: jobs.map(({ key, ...j }) => ({ orderId: key, ...j, runAt: new Date(j.runAt).toISOString() })) };
  });

  // The partner's clock (Stripe's test clocks): read it; move it forward and let what falls due happen.
  const ClockState = Type.Object({
    now: Type.String({ format: 'date-time', description: "The partner's time" }),
    offsetSeconds: Type.Number({ description: 'How far ahead of real time it runs (0: never moved)' }),
  });
  const dueWork: DueWork[] = [
    ...(['provisioning', 'renewal'] as const).map((kind) => ({
      nextDue: (db: Database, tenantId: string) => nextJobDue(db, tenantId, kind),
      runDue: (db: Database, tenantId: string) => settleDueJobs(db, tenantId, kind, { policy: app.config.provisioning }),
    })),
  ];
  app.get('/sandbox/partners/:tenantId/clock', {
    schema: { tags: ['sandbox'], operationId: 'getClock', summary: "Read the partner's clock", params: TenantParams, response: { 200: ClockState } },
  }, async (req) => {
    const partner = await service.requirePartner(app.db, req.params.tenantId.toLowerCase());
    return getClock(app.db, partner.tenantId);
  });
  app.post('/sandbox/partners/:tenantId/clock', {
    schema: {
      tags: ['sandbox'],
      operationId: 'advanceClock',
      summary: "Move the partner's clock forward, by a duration or to an instant (never back)",
      description:
        'Everything that falls due on the way (provisioning, renewals, expiries) runs in order, at its due time, before the answer: ' +
        "the partner's state has settled when this returns. Other partners' clocks do not move.",
      params: TenantParams,
      body: Type.Object(
        {
          advanceBy: Type.Optional(Type.String({ maxLength: 64, description: 'An ISO-8601 duration: P8D, PT12H, P1M, P1Y' })),
          to: Type.Optional(Type.String({ maxLength: 64, description: 'An instant, ISO-8601 with a time zone' })),
        },
        { additionalProperties: false },
      ),
      response: { 200: ClockState },
    },
  }, async (req) => {
    const partner = await service.requirePartner(app.db, req.params.tenantId.toLowerCase());
    return advanceClock(app.db, partner.tenantId, req.body, dueWork);
  });
};

export default sandboxRoutes;

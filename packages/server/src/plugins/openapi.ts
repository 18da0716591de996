/**
 * The OpenAPI document, generated from the route schemas: `/openapi.json`, and a docs page at `/docs`
 * whose "Try it out" sends the bearer token. What routes share is added here, in one place, from what
 * the app does with a route rather than copied into each: its security (by prefix, as the auth hooks
 * go: `/v1` wants the partner's token, `/sandbox/` has its own guard, any other route says what it
 * wants) and the error answers it can give, in Partner Center's error body.
 */
import { STATUS_CODES } from 'node:http';
import fp from 'fastify-plugin';
import swagger, { type FastifyDynamicSwaggerOptions } from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance, FastifySchema, RouteOptions } from 'fastify';
import { Type, type TSchema } from 'typebox';
import { ErrorBody, ErrorCodes, ThrottleBody } from '@partner-commerce/contract';
import type { Config } from '../config.js';

/** A response of the document written out (description, body, headers), for answers not given as a body schema. */
export interface ResponseDoc {
  description: string;
  content: Record<string, { schema: unknown }>;
  headers?: Record<string, { type: string; description: string }>;
}

declare module 'fastify' {
  interface FastifySchema {
    /**
     * Answers of the route that it sends without a `response` schema, for the document only: Fastify
     * does not serialize with them (health checks, metrics, the token endpoint and its OAuth errors).
     */
    docResponses?: Record<number, TSchema | ResponseDoc>;
  }
}

const json = (name: string) => ({ 'application/json': { schema: { $ref: `#/components/schemas/${name}` } } });

/** Partner Center's 429: its own body, and `Retry-After` (the /v1 throttle and the sandbox sign-in throttle). */
export const THROTTLED: ResponseDoc = {
  description: 'Too many requests: retry after `Retry-After` seconds (Partner Center\'s 429 body, not the error body).',
  headers: { 'Retry-After': { type: 'integer', description: 'Seconds to wait before retrying' } },
  content: json('ThrottleBody'),
};

/** The answer in Partner Center's error body for an HTTP status, naming the codes this service sends with it. */
function errorResponse(status: number): ResponseDoc {
  const names = new Map<number, string[]>();
  for (const [name, e] of Object.entries(ErrorCodes)) if (e.status === status) names.set(e.code, [...(names.get(e.code) ?? []), name]);
  const codes = [...names].map(([code, n]) => `${code} (${n.join(', ')})`).join('; ');
  const doc: ResponseDoc = { description: `${STATUS_CODES[status]}: Partner Center's error body; \`code\` is one of ${codes}.`, content: json('ErrorBody') };
  if (status === 503) doc.headers = { 'Retry-After': { type: 'integer', description: 'Seconds to wait before retrying (with the same MS-RequestId)' } };
  return doc;
}

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const methodsOf = (route: RouteOptions) => (Array.isArray(route.method) ? route.method : [route.method]);

/**
 * The error statuses a route can answer, from what the app does with it: every request can be refused
 * (400: input, MS-RequestId) or fail (500), or meet a database failing over (503, retryable); a body can be too large or of another type (413, 415); an id
 * in the path can name nothing the caller may see (404); the partner API wants a token (401), counts
 * requests (429), keeps some routes to one token kind (403) and replays state changes by MS-RequestId (409);
 * a route that reads `If-Match` refuses a stale etag (412); the sandbox control API's guard answers 401, 403.
 */
function errorStatuses(url: string, route: RouteOptions, schema: FastifySchema, throttled: boolean): number[] {
  const statuses = [400, 500, 503];
  if (schema.body) statuses.push(413, 415);
  if (url.includes(':')) statuses.push(404);
  if ((schema.headers as { properties?: Record<string, unknown> } | undefined)?.properties?.['if-match']) statuses.push(412);
  if (url.startsWith('/v1/')) {
    statuses.push(401);
    if (route.config?.tokenKinds) statuses.push(403);
    if (methodsOf(route).some((m) => MUTATING.has(m))) statuses.push(409);
    if (throttled) statuses.push(429);
  } else if (url.startsWith('/sandbox/')) {
    statuses.push(401, 403);
  }
  return statuses.sort((a, b) => a - b);
}

type Operation = { 'x-optional-body'?: boolean; requestBody?: { required?: boolean } };
type ObjectSchema = { type?: string; properties?: Record<string, unknown>; required?: string[] };

/**
 * The request headers of a route for the document: a `/v1` read (GET, HEAD) also takes
 * `ConsistencyLevel` (plugins/read-consistency.ts); the route's own header schema is left as it is.
 */
function documentedHeaders(url: string, route: RouteOptions, headers: unknown): unknown {
  if (!url.startsWith('/v1/') || !methodsOf(route).some((m) => m === 'GET' || m === 'HEAD')) return headers;
  const own = (headers ?? { type: 'object' }) as ObjectSchema;
  return {
    ...own,
    properties: {
      ...own.properties,
      ConsistencyLevel: {
        type: 'string',
        enum: ['eventual'],
        description:
          '`eventual`: the answer may be a moment old (served by a read replica when the server has one, PC_READ_REPLICA_URL), ' +
          "as Microsoft Graph's header of that name. Without it the read sees every write that has been answered, the caller's own included.",
      },
    },
  };
}
type Security = { [scheme: string]: string[] }[];

/** Security schemes: the partner's bearer token, and in sandbox mode a sign-in at the sandbox's token endpoint. */
function securitySchemes(config: Config) {
  const bearer = { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } as const;
  if (config.authMode === 'jwks') {
    return { partnerToken: { ...bearer, description: 'A token of the issuer this service trusts (PC_JWT_ISSUER, keys at PC_JWKS_URL).' } };
  }
  return {
    partnerToken: {
      ...bearer,
      description:
        'A sandbox access token, app-only (client credentials) or app+user (password grant), from `POST /oauth2/token`:\n\n' +
        '`curl -s $BASE/oauth2/token -d grant_type=client_credentials -d client_id=$CLIENT_ID -d client_secret=$CLIENT_SECRET | jq -r .access_token`\n\n' +
        "The demo partner's credentials are printed at start-up (README); `POST /sandbox/partners` makes a partner of your own.",
    },
    sandboxSignIn: {
      type: 'oauth2',
      description:
        "Signs in at the sandbox's token endpoint with a partner user's name and password (the demo partner's are printed at start-up) " +
        'and sends the app+user token it gets. client_id and client_secret are not needed.',
      flows: { password: { tokenUrl: '/oauth2/token', scopes: {} } },
    },
    sandboxAdmin: { type: 'http', scheme: 'bearer', description: 'PC_SANDBOX_ADMIN_TOKEN, when the server has one: opens the whole sandbox control API.' },
  };
}

/** Who may call a route: the partner API wants a partner token; the sandbox control API, see modules/sandbox/access.ts. */
function securityOf(url: string, schema: FastifySchema, config: Config, partner: Security): Security {
  if (url.startsWith('/v1/') || (url.startsWith('/webhooks/v1/') && !schema.security)) return partner;
  if (url.startsWith('/sandbox/')) {
    // Loopback clients need no token unless PC_SANDBOX_ADMIN_TOKEN is set; a partner's own token opens its own routes.
    const anyone = config.sandboxAdminToken ? [] : [{}];
    return [...anyone, { sandboxAdmin: [] }, ...(url.includes(':tenantId') ? partner : [])];
  }
  if (!schema.security) throw new Error(`${url} must declare its security in the OpenAPI document ([] when it needs no token)`);
  return schema.security as Security;
}

export default fp(async function openapi(app: FastifyInstance) {
  const config = app.config;
  const partner: Security = config.authMode === 'sandbox' ? [{ partnerToken: [] }, { sandboxSignIn: [] }] : [{ partnerToken: [] }];
  const throttled = config.throttleLimitPerMinute > 0;
  const options: FastifyDynamicSwaggerOptions = {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'partner-commerce',
        version: '0.1.0',
        description:
          'A Partner Center-compatible commerce API around cart checkout. Paths, headers, JSON fields and error codes follow ' +
          'the Partner Center REST API; see docs/compatibility.md for where and how this service differs.\n\n' +
          'Every `/v1` call needs a bearer token: use **Authorize** (see the partnerToken scheme for how to get one).',
        license: { name: 'MIT', url: 'https://opensource.org/licenses/MIT' },
      },
      servers: [{ url: '/', description: 'The server this document is served by' }],
      components: { securitySchemes: securitySchemes(config), schemas: { ErrorBody, ThrottleBody } },
      tags: [
        { name: 'catalog', description: 'Products, SKUs, availabilities and legacy offers of a country' },
        { name: 'customers', description: "The partner's customers" },
        { name: 'carts', description: 'Carts of a customer, and their checkout into orders' },
        { name: 'orders', description: "A customer's orders and the provisioning status of their lines" },
        { name: 'subscriptions', description: "A customer's subscriptions, and changes to them" },
        { name: 'audit', description: "The partner's audit trail of carts, orders and subscriptions" },
        { name: 'webhooks', description: "Partner Center's webhook registration, validation event and signing certificate (docs/webhooks.md)" },
        {
          name: 'sandbox',
          description:
            'Sandbox mode only; not part of Partner Center. The control routes (/sandbox/...) answer loopback clients, or only the ' +
            "bearer token PC_SANDBOX_ADMIN_TOKEN when it is set; a partner's own token opens its own /sandbox/partners/{tenantId}/... routes.",
        },
        { name: 'operations', description: 'Health, readiness and metrics of this process' },
      ],
      // TypeBox schemas are JSON Schema; openapi-types' SchemaObject does not type `Type.Unknown()` items.
    } as FastifyDynamicSwaggerOptions['openapi'],
    transform: ({ schema, url, route }) => {
      if (!schema || schema.hide) return { schema, url };
      if (!schema.operationId) throw new Error(`${url} has no operationId`);
      const { docResponses, ...rest } = schema;
      const errors = Object.fromEntries(
        errorStatuses(url, route, schema, throttled).map((status) => [status, status === 429 ? THROTTLED : errorResponse(status)]),
      );
      const optionalBody = schema.body !== undefined && Type.IsOptional(schema.body as TSchema);
      return {
        url,
        schema: {
          ...rest,
          headers: documentedHeaders(url, route, rest.headers),
          security: securityOf(url, schema, config, partner),
          response: { ...errors, ...(schema.response as object), ...docResponses },
          ...(optionalBody && { 'x-optional-body': true }),
        },
      };
    },
    // @fastify/swagger marks every request body required; a route whose body schema is optional takes none.
    transformObject: (documentObject) => {
      const { openapiObject } = documentObject as { openapiObject: { paths: Record<string, Record<string, Operation>> } };
      for (const path of Object.values(openapiObject.paths)) {
        for (const op of Object.values(path)) {
          if (!op?.['x-optional-body']) continue;
          delete op['x-optional-body'];
          if (op.requestBody) op.requestBody.required = false;
        }
      }
      return openapiObject;
    },
  };
  await app.register(swagger, options);
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
});

/** The OpenAPI document, generated from the route schemas: `/openapi.json`, and a docs page at `/docs`. */
import fp from 'fastify-plugin';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';

export default fp(async function openapi(app: FastifyInstance) {
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'partner-commerce',
        version: '0.1.0',
        description:
          'A Partner Center-compatible commerce API around cart checkout. Paths, headers, JSON fields and error codes follow ' +
          'the Partner Center REST API; see docs/compatibility.md for where and how this service differs.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
      tags: [
        { name: 'catalog' },
        { name: 'customers' },
        { name: 'carts' },
        { name: 'orders' },
        { name: 'subscriptions' },
        { name: 'audit' },
        {
          name: 'sandbox',
          description:
            'Sandbox mode only; not part of Partner Center. The control routes (/sandbox/...) answer loopback clients, or only the ' +
            "bearer token PC_SANDBOX_ADMIN_TOKEN when it is set; a partner's own token opens its own /sandbox/partners/{tenantId}/... routes.",
        },
        { name: 'operations' },
      ],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
});

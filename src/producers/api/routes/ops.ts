import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import { ingestionRequestJsonSchema } from '../../../shared/jobs/index.js';
import { errorBody } from '../errors.js';
import { pingRedis, waitForRedis, type ApiRedis } from '../redis.js';

/** Half to connect (at start-up), half to answer: within a probe's usual 1 s timeout. */
const PROBE_STEP_MS = 450;

/** Probes, metrics and the request's JSON Schema: open to all, no token. */
export function registerOpsRoutes(app: FastifyInstance, deps: { redis: ApiRedis; registry: Registry }): void {
  const schema = JSON.stringify(ingestionRequestJsonSchema());

  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (_request, reply) => {
    if ((await waitForRedis(deps.redis, PROBE_STEP_MS)) && (await pingRedis(deps.redis, PROBE_STEP_MS))) return { status: 'ready' };
    return reply.code(503).header('retry-after', '1').send({
      status: 'unavailable',
      ...errorBody('REDIS_UNAVAILABLE', 'Redis does not answer PING', { retryable: true }),
    });
  });

  app.get('/metrics', async (_request, reply) => {
    const text = await deps.registry.metrics();
    return reply.type(deps.registry.contentType).send(text);
  });

  app.get('/v1/schema/ingestion-request', async (_request, reply) =>
    reply.type('application/schema+json; charset=utf-8').header('cache-control', 'public, max-age=300').send(schema),
  );
}

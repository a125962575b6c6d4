import type { FastifyInstance } from 'fastify';
import { parseIngestionRequest } from '../../library.js';
import type { ApiProducer } from '../options.js';
import { requireRedis, type ApiRedis } from '../redis.js';

export function runLink(runId: string): string {
  return `/v1/runs/${encodeURIComponent(runId)}`;
}

/**
 * POST /v1/ingestions: 202 for a new run, 200 with the existing run for a duplicate. The body is
 * validated before Redis is touched, so a bad request (every issue listed) enqueues nothing.
 */
export function registerIngestionRoutes(app: FastifyInstance, deps: { producer: ApiProducer; redis: ApiRedis }): void {
  app.post('/v1/ingestions', async (request, reply) => {
    parseIngestionRequest(request.body);
    await requireRedis(deps.redis);
    const { runId, status, created } = await deps.producer.enqueue(request.body);
    const links = { self: runLink(runId) };
    if (created) return reply.code(202).header('location', links.self).send({ runId, status, created, links });
    const run = await deps.producer.getRun(runId);
    return reply.code(200).send({ runId, status: run?.status ?? status, created, links, ...(run === undefined ? {} : { run }) });
  });
}

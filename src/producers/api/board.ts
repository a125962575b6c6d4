import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import { Queue } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { QUEUE_NAMES } from '../../shared/jobs/index.js';
import { requireUiSession } from './auth.js';

export const UI_BASE_PATH = '/ui/queues';

/**
 * bull-board at /ui/queues over the fleet's three queues; behind the token (header, cookie or
 * `?token=`) when one is set. Returns what closes its queues (not their shared connection).
 */
export function registerQueueBoard(app: FastifyInstance, deps: { redis: Redis; prefix: string; token?: string }): () => Promise<void> {
  const queues = Object.values(QUEUE_NAMES).map((name) => {
    const queue = new Queue(name, { connection: deps.redis, prefix: deps.prefix });
    // The shared connection's own listener logs outages; without a listener BullMQ prints each error.
    queue.on('error', () => {});
    return queue;
  });
  const adapter = new FastifyAdapter();
  adapter.setBasePath(UI_BASE_PATH);
  createBullBoard({
    queues: queues.map((queue) => new BullMQAdapter(queue)),
    serverAdapter: adapter,
    options: { uiConfig: { boardTitle: 'Floodgate' } },
  });
  app.register(async (scope) => {
    if (deps.token !== undefined) scope.addHook('onRequest', requireUiSession(deps.token, UI_BASE_PATH));
    await scope.register(adapter.registerPlugin(), { prefix: UI_BASE_PATH });
  });
  return async () => {
    await Promise.all(queues.map((queue) => queue.close()));
  };
}

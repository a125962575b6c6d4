import crypto from 'node:crypto';
import { fastify, type FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { FloodgateError } from '../../shared/errors/index.js';
import { noopLogger, type Logger } from '../../shared/observability/ports.js';
import { connectRedis } from '../../shared/redis/connection.js';
import { FloodgateProducer } from '../library.js';
import { requireBearer } from './auth.js';
import { registerQueueBoard } from './board.js';
import { installErrorHandling } from './errors.js';
import type { ApiOptions, ApiProducer } from './options.js';
import { installRequestLog } from './request-log.js';
import { registerIngestionRoutes } from './routes/ingestions.js';
import { registerOpsRoutes } from './routes/ops.js';
import { registerRunRoutes } from './routes/runs.js';

const MiB = 1024 * 1024;
const OUTAGE_LOG_EVERY_MS = 30_000;

function defaultRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}

/** An owned connection that fails fast, and logs an outage once per 30 s instead of per reconnect attempt. */
function connect(url: string, logger: Logger): Redis {
  const redis = connectRedis(url, 'producer');
  let lastLogged = 0;
  let down = false;
  redis.on('error', (error: Error) => {
    down = true;
    if (Date.now() - lastLogged < OUTAGE_LOG_EVERY_MS) return;
    lastLogged = Date.now();
    logger.warn({ error: error.message }, 'Redis connection error');
  });
  redis.on('ready', () => {
    if (down) logger.info({}, 'Redis connection restored');
    down = false;
  });
  return redis;
}

function redisFor(options: ApiOptions, logger: Logger): Redis {
  if (options.redis !== undefined) return options.redis;
  const url = options.config.fleet.redisUrl;
  if (url === undefined) throw new FloodgateError('CONFIG_INVALID', 'REDIS_URL is required to run the API');
  return connect(url, logger);
}

/** The producer passed in, or one of the API's own on its connection (then closed with the API). */
function producerFor(options: ApiOptions, redis: Redis): { producer: ApiProducer; close(): Promise<void> } {
  if (options.producer !== undefined) return { producer: options.producer, close: async () => {} };
  const { fleet, lakehouse } = options.config;
  const producer = new FloodgateProducer({
    connection: redis,
    prefix: fleet.prefix,
    sourceRoots: lakehouse.sourceRoots,
    s3: lakehouse.s3,
    retentionSeconds: fleet.retentionSeconds,
    leaseTtlMs: fleet.leaseTtlMs,
    ...(options.events === undefined ? {} : { events: options.events }),
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
  });
  return { producer, close: () => producer.close() };
}

async function disconnect(redis: Redis): Promise<void> {
  if (redis.status === 'ready') await redis.quit().catch(() => redis.disconnect());
  else redis.disconnect();
}

/**
 * The HTTP API, built but not listening: POST /v1/ingestions, GET /v1/runs[/:id], the request's
 * JSON Schema, /healthz, /readyz, /metrics and bull-board at /ui/queues. `app.close()` closes
 * what it opened (its Redis connection and producer), not what was passed in.
 */
export function buildApi(options: ApiOptions): FastifyInstance {
  if (options.token === '') throw new FloodgateError('CONFIG_INVALID', 'FLOODGATE_API_TOKEN is empty: unset it or give it a value');
  const logger = (options.logger ?? noopLogger).child({ component: 'api' });
  const redis = redisFor(options, logger);
  const { producer, close: closeProducer } = producerFor(options, redis);
  const registry = options.registry ?? defaultRegistry();

  const app = fastify({
    logger: false,
    bodyLimit: options.bodyLimitBytes ?? MiB,
    requestTimeout: 60_000,
    genReqId: () => crypto.randomUUID(),
    // Long path parameters reach the routes (auth first, then a 404 in the usual error shape)
    // instead of fastify's own 414 body.
    routerOptions: { maxParamLength: 2048 },
  });
  app.removeContentTypeParser('text/plain');
  installErrorHandling(app, { logger, redis });
  installRequestLog(app, logger);
  registerOpsRoutes(app, { redis, registry });
  app.register(async (scope) => {
    if (options.token !== undefined) scope.addHook('onRequest', requireBearer(options.token));
    registerIngestionRoutes(scope, { producer, redis });
    registerRunRoutes(scope, { producer, redis });
  });
  const closeBoard = registerQueueBoard(app, { redis, prefix: options.config.fleet.prefix, ...(options.token === undefined ? {} : { token: options.token }) });

  app.addHook('onClose', async () => {
    await closeBoard();
    await closeProducer();
    if (options.redis === undefined) await disconnect(redis);
  });
  return app;
}

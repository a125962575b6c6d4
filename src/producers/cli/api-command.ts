import { Command } from 'commander';
import { InvalidInputError } from '../../shared/lakehouse/errors.js';
import type { ConnectionOptions } from 'bullmq';
import { registerQueueDepth } from '../../shared/observability/metrics/index.js';
import { createObservability, prettyLogs } from '../../shared/observability/wiring.js';
import { connectRedis } from '../../shared/redis/connection.js';
import { createQueues, logConnectionErrors } from '../../workers/runtime.js';
import { startApi } from '../api/index.js';
import { contextOf } from './context.js';
import { requireRedisUrl } from './fleet-context.js';

export function apiCommand(): Command {
  return new Command('api')
    .description('serve the HTTP API: POST /v1/ingestions, GET /v1/runs, the queue UI at /ui/queues, /metrics')
    .option('--host <host>', 'address to listen on (FLOODGATE_API_HOST; 0.0.0.0 in a container)')
    .option('--port <port>', 'port (FLOODGATE_API_PORT, default 8080)')
    .addHelpText('after', '\nNeeds REDIS_URL. Set FLOODGATE_API_TOKEN to require "Authorization: Bearer <token>".')
    .action(async (options: { host?: string; port?: string }, command: Command) => {
      const { config } = contextOf(command);
      requireRedisUrl(config);
      const port = options.port === undefined ? config.api.port : Number(options.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new InvalidInputError(`--port must be 0-65535, got ${options.port}`);
      const observability = createObservability(config, 'floodgate-api', { pretty: prettyLogs(config) });
      const { logger } = observability;
      // Queue depth is exported here only, so worker replicas do not multiply it.
      const depthRedis = connectRedis(requireRedisUrl(config), 'worker');
      const queues = createQueues(depthRedis as unknown as ConnectionOptions, config.fleet);
      logConnectionErrors(logger, [depthRedis, ...Object.values(queues)]);
      registerQueueDepth(observability.registry, queues);
      const api = await startApi({
        config,
        host: options.host ?? config.api.host,
        port,
        logger,
        registry: observability.registry,
        events: observability.events,
        ...(config.api.token === undefined ? {} : { token: config.api.token }),
      }).catch(async (error: unknown) => {
        // Port taken, say: let go of Redis so the process exits (and a supervisor restarts it).
        await Promise.all(Object.values(queues).map((q) => q.close())).catch(() => undefined);
        depthRedis.disconnect();
        await observability.close(1_000).catch(() => undefined);
        throw error;
      });
      logger.info({ url: api.url, auth: config.api.token === undefined ? 'off' : 'bearer token' }, 'API listening');
      await new Promise<void>((resolve) => {
        const stop = () => {
          logger.info({}, 'stopping the API');
          api
            .close()
            .then(() => Promise.all(Object.values(queues).map((q) => q.close())))
            .then(() => depthRedis.quit())
            .then(() => observability.close(5_000))
            .then(resolve, resolve);
        };
        process.once('SIGTERM', stop);
        process.once('SIGINT', stop);
      });
    });
}

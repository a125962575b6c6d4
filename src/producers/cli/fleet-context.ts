import type { Command } from 'commander';
import type { Config } from '../../shared/config/index.js';
import { FloodgateError } from '../../shared/errors/index.js';
import type { EventSink } from '../../shared/observability/ports.js';
import { createObservability } from '../../shared/observability/wiring.js';
import { FloodgateProducer } from '../library.js';
import { contextOf, type CommandContext } from './context.js';

export function requireRedisUrl(config: Config): string {
  if (config.fleet.redisUrl === undefined) {
    throw new FloodgateError('CONFIG_INVALID', 'REDIS_URL is not set: point it at the fleet\'s Redis (e.g. redis://localhost:6379)');
  }
  return config.fleet.redisUrl;
}

export function producerFor(config: Config, redisUrl: string, events?: EventSink): FloodgateProducer {
  return new FloodgateProducer({
    ...(events === undefined ? {} : { events }),
    connection: redisUrl,
    prefix: config.fleet.prefix,
    sourceRoots: config.lakehouse.sourceRoots,
    s3: config.lakehouse.s3,
    retentionSeconds: config.fleet.retentionSeconds,
    leaseTtlMs: config.fleet.leaseTtlMs,
    attempts: config.fleet.attempts,
    backoffMs: config.fleet.backoffMs,
  });
}

/** Connects a producer to the fleet's Redis for one command and always closes it. */
export async function withProducer<T>(command: Command, fn: (producer: FloodgateProducer, context: CommandContext) => Promise<T>): Promise<T> {
  const context = contextOf(command);
  // With Prefect configured, an enqueue from the CLI sends wap.run.enqueued like the API does;
  // the command waits at most 2 s for the delivery at its end.
  const observability = context.config.observability.prefect === undefined ? undefined : createObservability(context.config, 'floodgate-cli');
  const producer = producerFor(context.config, requireRedisUrl(context.config), observability?.events);
  try {
    return await fn(producer, context);
  } finally {
    await producer.close();
    await observability?.close(2_000);
  }
}

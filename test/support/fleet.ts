import { loadConfig, type Config } from '../../src/shared/config/index.js';
import { FloodgateProducer } from '../../src/producers/library.js';
import { startFleet, type Fleet } from '../../src/workers/fleet.js';
import type { Stage } from '../../src/shared/ledger/index.js';
import type { Lakehouse } from '../../src/shared/lakehouse/lakehouse.js';
import type { EventSink, Metrics } from '../../src/shared/observability/ports.js';
import { openLocal, type OpenedBackend } from './backends.js';
import { uniquePrefix } from './redis.js';

export interface FleetHarness {
  readonly backend: OpenedBackend;
  readonly config: Config;
  readonly fleet: Fleet;
  readonly producer: FloodgateProducer;
  stop(): Promise<void>;
}

/** A lakehouse (local unless `open` says otherwise), a worker process's fleet and a producer, on a real Redis with a prefix of their own. */
export async function startFleetHarness(
  redisUrl: string,
  options: {
    stages?: Stage[];
    concurrency?: number;
    env?: Record<string, string>;
    wrap?: (lakehouse: Lakehouse) => Lakehouse;
    /** Wired into the workers and the producer. */
    events?: EventSink;
    metrics?: Metrics;
    /** The backend; default: a local lakehouse with a SQLite catalog. */
    open?: () => Promise<OpenedBackend>;
  } = {},
): Promise<FleetHarness> {
  const backend = await (options.open ?? openLocal)();
  const config = loadConfig(
    {
      ...backend.env,
      FLOODGATE_SOURCE_ROOTS: backend.dataDir,
      FLOODGATE_AUTHOR: 'tests',
      REDIS_URL: redisUrl,
      FLOODGATE_REDIS_PREFIX: uniquePrefix(),
      FLOODGATE_ATTEMPTS: '3',
      FLOODGATE_BACKOFF_MS: '100',
      FLOODGATE_PARK_MS: '5000',
      ...options.env,
    },
    { cwd: backend.dataDir },
  );
  const fleet = await startFleet({
    config,
    redisUrl,
    lakehouse: options.wrap === undefined ? backend.lakehouse : options.wrap(backend.lakehouse),
    stages: options.stages ?? ['write', 'audit', 'publish'],
    concurrency: options.concurrency ?? 2,
    ...(options.events === undefined ? {} : { events: options.events }),
    ...(options.metrics === undefined ? {} : { metrics: options.metrics }),
  });
  const producer = new FloodgateProducer({
    connection: redisUrl,
    prefix: config.fleet.prefix,
    sourceRoots: config.lakehouse.sourceRoots,
    cwd: backend.dataDir,
    attempts: config.fleet.attempts,
    backoffMs: config.fleet.backoffMs,
    ...(options.events === undefined ? {} : { events: options.events }),
  });
  return {
    backend,
    config,
    fleet,
    producer,
    stop: async () => {
      await producer.close();
      await fleet.close(5_000);
      await backend.cleanup();
    },
  };
}

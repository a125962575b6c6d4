import type { ConnectionOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import { loadContracts, type Contracts } from '../shared/audits/index.js';
import type { Config } from '../shared/config/index.js';
import type { Lakehouse } from '../shared/lakehouse/lakehouse.js';
import { Ledger, type Stage } from '../shared/ledger/index.js';
import { TableLocks } from '../shared/locks/index.js';
import { noopEvents, noopLogger, noopMetrics, type EventSink, type Logger, type Metrics } from '../shared/observability/ports.js';
import { RunFlow } from '../shared/runs/index.js';
import { connectRedis } from '../shared/redis/connection.js';
import { redisKeys } from '../shared/redis/keys.js';
import { createProcessors, type FleetDeps } from './processors/index.js';
import { janitorDidWork, runJanitor, runJanitorOnce, type JanitorOptions, type JanitorReport } from './janitor.js';
import { createQueues, logConnectionErrors, startWorkers, stageQueues, type FleetQueues, type RunningWorkers } from './runtime.js';

export interface FleetOptions {
  readonly config: Config;
  readonly redisUrl: string;
  readonly lakehouse: Lakehouse;
  readonly stages: readonly Stage[];
  readonly concurrency: number;
  readonly contracts?: Contracts;
  readonly logger?: Logger;
  readonly metrics?: Metrics;
  readonly events?: EventSink;
}

export interface Fleet {
  readonly deps: FleetDeps;
  readonly queues: FleetQueues;
  readonly workers: RunningWorkers;
  readonly redis: Redis;
  /** Runs the janitor now, in this process (`overrides`, e.g. `sweepNow`, change this pass only). */
  janitor(overrides?: Partial<JanitorOptions>): Promise<JanitorReport>;
  /** Stops the workers (waiting up to `graceMs` for active jobs) and closes connections. The lakehouse stays open. */
  close(graceMs?: number): Promise<void>;
}

/** Wires the ports, queues and stage workers of one worker process. */
export async function startFleet(options: FleetOptions): Promise<Fleet> {
  const { config } = options;
  const redis = connectRedis(options.redisUrl, 'worker');
  const connection = redis as unknown as ConnectionOptions;
  const keys = redisKeys(config.fleet.prefix);
  const queues = createQueues(connection, config.fleet);
  logConnectionErrors(options.logger ?? noopLogger, [redis, ...Object.values(queues)]);
  const contracts =
    options.contracts ?? (config.fleet.contractsFile === undefined ? { tables: {} } : await loadContracts(config.fleet.contractsFile));
  const ledger = new Ledger(redis, keys, { retentionSeconds: config.fleet.retentionSeconds });
  const deps: FleetDeps = {
    lakehouse: options.lakehouse,
    ledger,
    locks: new TableLocks(redis, keys, { ttlMs: config.fleet.leaseTtlMs }),
    runs: new RunFlow(redis, keys, ledger, { leaseTtlMs: config.fleet.leaseTtlMs }),
    queues: stageQueues(queues),
    contracts,
    logger: options.logger ?? noopLogger,
    metrics: options.metrics ?? noopMetrics,
    events: options.events ?? noopEvents,
    options: {
      parkMs: config.fleet.parkMs,
      mainBranch: config.fleet.targetBranch,
      compact: { files: config.fleet.compactFiles, smallerThanBytes: Math.floor(config.lakehouse.targetFileSizeBytes / 2) },
      snapshotRetentionMs: config.fleet.snapshotRetentionMs,
    },
  };
  const workers = startWorkers({
    connection,
    config: config.fleet,
    stages: options.stages,
    concurrency: options.concurrency,
    processors: createProcessors(deps),
    logger: deps.logger,
    metrics: deps.metrics,
  });
  await workers.ready();
  const janitorOptions: JanitorOptions = {
    stuckAfterMs: config.fleet.stuckAfterMs,
    quarantineMs: config.fleet.quarantineMs,
    historyCompactFiles: config.fleet.historyCompactFiles,
    mainBranch: config.fleet.targetBranch,
    snapshotRetentionMs: config.fleet.snapshotRetentionMs,
    orphanMinAgeMs: config.fleet.orphanMinAgeMs,
    orphanSweepIntervalMs: config.fleet.orphanSweepIntervalMs,
  };
  const janitor =
    config.fleet.janitorIntervalMs > 0
      ? setInterval(() => {
          runJanitorOnce(deps, redis, keys, janitorOptions).then(
            (report) => {
              if (report !== undefined && janitorDidWork(report)) {
                deps.logger.info({ ...report }, 'janitor cleaned up');
              }
            },
            (error: unknown) => deps.logger.warn({ err: String(error) }, 'janitor failed; will try again'),
          );
        }, config.fleet.janitorIntervalMs)
      : undefined;
  janitor?.unref();
  return {
    deps,
    queues,
    workers,
    redis,
    janitor: (overrides = {}) => runJanitor(deps, redis, keys, { ...janitorOptions, ...overrides }),
    close: async (graceMs = 30_000) => {
      clearInterval(janitor);
      await workers.close(graceMs);
      await Promise.all(Object.values(queues).map((q) => q.close()));
      await redis.quit().catch(() => undefined);
    },
  };
}

import { Command } from 'commander';
import { FloodgateError } from '../../shared/errors/index.js';
import { InvalidInputError } from '../../shared/lakehouse/errors.js';
import type { Stage } from '../../shared/ledger/index.js';
import { openLakehouse } from '../../shared/lakehouse/open.js';
import { startMetricsServer } from '../../shared/observability/metrics/index.js';
import { createObservability, prettyLogs } from '../../shared/observability/wiring.js';
import { redactRedisUrl } from '../../shared/redis/connection.js';
import { startFleet, type Fleet } from '../../workers/fleet.js';
import { waitForRedis } from '../api/redis.js';
import { contextOf } from './context.js';
import { requireRedisUrl } from './fleet-context.js';
import { positiveNumberOption, wholeNumberOption } from './option-parsers.js';
import { formatBytes } from './output.js';

const ALL_STAGES: readonly Stage[] = ['write', 'audit', 'publish'];

function parseStages(value: string): Stage[] {
  const stages = value.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = stages.filter((s) => !ALL_STAGES.includes(s as Stage));
  if (stages.length === 0 || unknown.length > 0) {
    throw new InvalidInputError(`--stages takes a comma-separated subset of write,audit,publish (got ${value})`);
  }
  return [...new Set(stages)] as Stage[];
}

export function workerCommand(): Command {
  return new Command('worker')
    .description('process runs: any subset of the write, audit and publish stages, in this process')
    .option('--stages <list>', 'stages to run, comma-separated', parseStages, [...ALL_STAGES])
    .option('--concurrency <n>', 'jobs per stage at once', wholeNumberOption('--concurrency'), 2)
    .option('--grace <seconds>', 'on SIGTERM, how many seconds (above 0) active jobs may finish before they are handed back', positiveNumberOption('--grace'), 30)
    .addHelpText(
      'after',
      '\nNeeds REDIS_URL. Many worker processes may run at once; scale each stage on its own.\n' +
        'Each process also offers to run the janitor every FLOODGATE_JANITOR_INTERVAL_MS (one at a time across the fleet),\n' +
        'and a publish compacts its table once it holds FLOODGATE_COMPACT_FILES small data files (0 turns that off)\n' +
        'and expires its snapshots older than FLOODGATE_SNAPSHOT_RETENTION, 16 at a time (off turns that off).',
    )
    .action(async (options: { stages: Stage[]; concurrency: number; grace: number }, command: Command) => {
      const { config } = contextOf(command);
      const redisUrl = requireRedisUrl(config);
      const observability = createObservability(config, 'floodgate-worker', { pretty: prettyLogs(config) });
      const { logger } = observability;
      // Bind the metrics port first: a worker that cannot serve its probes must not take jobs.
      let fleet: Fleet | undefined;
      const server = await startMetricsServer({
        registry: observability.registry,
        host: config.observability.metricsHost,
        port: config.observability.metricsPort,
        ready: async () => fleet !== undefined && (await fleet.redis.ping()) === 'PONG',
      }).catch((error: unknown) => {
        if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
        // Most often a second worker on the same host.
        throw new FloodgateError(
          'CONFIG_INVALID',
          `the metrics port ${config.observability.metricsHost}:${config.observability.metricsPort} is taken (another worker on this host?): give each worker its own FLOODGATE_METRICS_PORT, or 0 for any free port`,
          { cause: error },
        );
      });
      const lakehouse = await openLakehouse(config.lakehouse).catch(async (error: unknown) => {
        await server.close();
        throw error;
      });
      try {
        fleet = await startFleet({
          config,
          redisUrl,
          lakehouse,
          stages: options.stages,
          concurrency: Math.floor(options.concurrency),
          logger,
          metrics: observability.metrics,
          events: observability.events,
        });
      } catch (error) {
        await Promise.allSettled([server.close(), lakehouse.close()]);
        throw error;
      }
      const running = fleet;
      logger.info(
        { stages: options.stages, concurrency: options.concurrency, redis: redactRedisUrl(redisUrl), metrics: server.url, prefect: config.observability.prefect !== undefined },
        'worker ready',
      );
      await new Promise<void>((resolve) => {
        const stop = (signal: string) => {
          logger.info({ signal, graceSeconds: options.grace }, 'stopping: no new jobs; active jobs get the grace period');
          process.removeAllListeners('SIGTERM');
          process.removeAllListeners('SIGINT');
          running
            .close(options.grace * 1000)
            .then(() => Promise.all([lakehouse.close(), server.close(), observability.close(5_000)]))
            .then(() => undefined)
            .then(resolve, (error: unknown) => {
              logger.error({ err: String(error) }, 'error while stopping');
              resolve();
            });
        };
        process.once('SIGTERM', () => stop('SIGTERM'));
        process.once('SIGINT', () => stop('SIGINT'));
      });
      logger.info({}, 'worker stopped');
    });
}

export function janitorCommand(): Command {
  return new Command('janitor')
    .description(
      'clean up once: give up on dead runs and free their tables, delete expired quarantine branches, ' +
        'compact the audit-history tables once they have FLOODGATE_HISTORY_COMPACT_FILES data files, expire their ' +
        'snapshots older than FLOODGATE_SNAPSHOT_RETENTION, and delete the warehouse files no commit within it needs',
    )
    .addHelpText(
      'after',
      '\nWorkers run the same pass every FLOODGATE_JANITOR_INTERVAL_MS, and the orphan sweep at most every\n' +
        'FLOODGATE_ORPHAN_SWEEP_INTERVAL (default 1h); this command sweeps at once. Files younger than\n' +
        'FLOODGATE_ORPHAN_MIN_AGE (default 3d) always stay. FLOODGATE_SNAPSHOT_RETENTION=off keeps all history.\n' +
        'See floodgate lake expire --help for what expiry means for old commits.',
    )
    .action(async (_options: unknown, command: Command) => {
      const { config, out } = contextOf(command);
      const redisUrl = requireRedisUrl(config);
      const lakehouse = await openLakehouse(config.lakehouse);
      const fleet = await startFleet({ config, redisUrl, lakehouse, stages: [], concurrency: 1 });
      try {
        // One pass, not a service: give up when Redis cannot be reached instead of waiting for it.
        if (!(await waitForRedis(fleet.redis, 10_000))) {
          throw new FloodgateError('REDIS_UNAVAILABLE', `cannot reach Redis at ${redactRedisUrl(redisUrl)} within 10 s`, { retryable: true });
        }
        const report = await fleet.janitor({ sweepNow: true });
        out.result(report, () =>
          [
            `released ${report.releasedLocks.length} table claim(s)${report.releasedLocks.map((l) => `\n  ${l.table}: ${l.runId} (${l.reason})`).join('')}`,
            `failed ${report.failedRuns.length} stuck run(s)${report.failedRuns.map((r) => `\n  ${r}`).join('')}`,
            `resumed ${report.resumedRuns.length} run(s) first in line without a job${report.resumedRuns.map((r) => `\n  ${r}`).join('')}`,
            `deleted ${report.deletedBranches.length} branch(es)${report.deletedBranches.map((b) => `\n  ${b}`).join('')}`,
            `compacted ${report.compactedTables.length} history table(s)${report.compactedTables.map((c) => `\n  ${c.table}: ${c.filesBefore} files into ${c.filesAfter}`).join('')}`,
            `expired old snapshots of ${report.expiredSnapshots.length} history table(s)${report.expiredSnapshots.map((e) => `\n  ${e.table}: ${e.snapshotsBefore} snapshots → ${e.snapshotsAfter}`).join('')}`,
            report.orphanSweepError !== undefined
              ? `orphan sweep FAILED: ${report.orphanSweepError.message}`
              : report.orphans === undefined
              ? 'orphan sweep: off (FLOODGATE_SNAPSHOT_RETENTION=off, or a backend without it)'
              : `deleted ${report.orphans.filesDeleted} orphan file(s) (${formatBytes(report.orphans.bytesDeleted)}); ${report.orphans.filesTooYoung} younger than FLOODGATE_ORPHAN_MIN_AGE kept`,
          ].join('\n'),
        );
        if (report.orphanSweepError !== undefined) {
          throw new FloodgateError('INTERNAL', `the orphan sweep failed (${report.orphanSweepError.code}): ${report.orphanSweepError.message}`);
        }
      } finally {
        await fleet.close(1000);
        await lakehouse.close();
      }
    });
}

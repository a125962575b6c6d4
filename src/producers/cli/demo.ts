import path from 'node:path';
import { Queue, type ConnectionOptions } from 'bullmq';
import { Command } from 'commander';
import { DEMO_CHECKS, generateTaxiData } from '../../shared/demo/taxi-data.js';
import type { RunRecord } from '../../shared/ledger/index.js';
import { openLakehouse } from '../../shared/lakehouse/open.js';
import { QUEUE_NAMES } from '../../shared/jobs/index.js';
import { connectRedis } from '../../shared/redis/connection.js';
import { startEmbeddedRedis, type EmbeddedRedis } from '../../shared/redis/embedded.js';
import { startFleet } from '../../workers/fleet.js';
import { createObservability } from '../../shared/observability/wiring.js';
import { FloodgateProducer } from '../library.js';
import { contextOf } from './context.js';
import { FloodgateError } from '../../shared/errors/index.js';
import { EXIT } from './exit-codes.js';
import { formatTable, type Output } from './output.js';
import { wholeNumberOption } from './option-parsers.js';
import { failedChecksOf } from './runs-format.js';

const TABLE = 'taxi.trips';

interface DemoRun {
  runId: string;
  table: string;
  status: string;
  rows: number | null;
  branch: string | null;
  commit: string | null;
  failedChecks: Array<{ name: string; type: string; failingCount: number | null; sample: unknown[] }>;
}

function summarize(run: RunRecord): DemoRun {
  return {
    runId: run.runId,
    table: run.table,
    status: run.status,
    rows: run.rows ?? null,
    branch: run.status === 'published' ? null : (run.branch ?? null),
    commit: run.publishedCommit ?? null,
    failedChecks: failedChecksOf(run).map((c) => ({ name: c.name, type: c.type ?? '', failingCount: c.failingCount ?? null, sample: (c.sample ?? []).slice(0, 5) })),
  };
}

function printRun(out: Output, label: string, run: DemoRun): void {
  if (run.status === 'published') {
    out.progress(`\n${label} batch: PUBLISHED ${run.rows ?? 0} rows to main as commit ${run.commit ?? '?'} (run ${run.runId})`);
    return;
  }
  out.progress(`\n${label} batch: ${run.status.toUpperCase()} (run ${run.runId}); main is untouched`);
  if (run.branch !== null) out.progress(`  quarantined on branch ${run.branch} for inspection`);
  for (const check of run.failedChecks) {
    out.progress(`  failed check ${check.name}: ${check.failingCount ?? '?'} failing rows; sample:`);
    const sample = check.sample as Record<string, unknown>[];
    if (sample.length > 0) out.progress(formatTable(sample).split('\n').map((l) => `    ${l}`).join('\n'));
  }
}

/**
 * With a shared Redis, workers already serving the fleet's queues under this prefix would take
 * the demo's runs into their own lakehouse: refused, naming the way out. (Some managed Redis
 * services refuse CLIENT LIST, which the count needs; then nothing is checked.)
 */
async function refuseBusyQueues(redisUrl: string, prefix: string): Promise<void> {
  const redis = connectRedis(redisUrl, 'producer');
  redis.on('error', () => undefined);
  const queue = new Queue(QUEUE_NAMES.write, { connection: redis as unknown as ConnectionOptions, prefix });
  queue.on('error', () => undefined);
  let workers = 0;
  try {
    workers = await queue.getWorkersCount();
  } catch {
    workers = 0;
  } finally {
    await queue.close().catch(() => undefined);
    redis.disconnect();
  }
  if (workers > 0) {
    throw new FloodgateError(
      'INVALID_INPUT',
      `${workers} worker(s) already serve the queues under FLOODGATE_REDIS_PREFIX ${prefix} at REDIS_URL, and would take the demo's runs into their own lakehouse: set FLOODGATE_REDIS_PREFIX to one no worker uses (e.g. '{demo}'), or unset REDIS_URL for a private Redis`,
    );
  }
}

/**
 * The whole fleet in one process on the embedded lakehouse: a private Redis unless REDIS_URL
 * is set, producers enqueueing a good and a bad batch of taxi trips, and the three stage workers.
 */
export function demoCommand(): Command {
  return new Command('demo')
    .description('run the fleet in one process: publish a good batch of taxi trips and quarantine a bad one')
    .option('--rows <n>', 'rows per batch (at least 20, so the bad batch has each of its flaws)', wholeNumberOption('--rows', 20), 200_000)
    .addHelpText('after', '\nUses FLOODGATE_HOME (default ./.floodgate). Starts a private redis-server there unless REDIS_URL is set.')
    .action(async (options: { rows: number }, command: Command) => {
      const { config, out } = contextOf(command);
      if (config.lakehouse.backend === 'bauplan' && config.lakehouse.bauplan.stagingUri === undefined) {
        throw new FloodgateError(
          'CONFIG_INVALID',
          'the demo generates local Parquet files, which Bauplan reads from S3 only: set FLOODGATE_BAUPLAN_STAGING=s3://<bucket>/<prefix> (a bucket Bauplan can read)',
        );
      }
      const home = config.lakehouse.home;
      const dataDir = path.join(home, 'demo-data');
      let embedded: EmbeddedRedis | undefined;
      let redisUrl = config.fleet.redisUrl;
      if (redisUrl === undefined) {
        out.progress(`starting a private redis-server under ${path.join(home, 'redis')}...`);
        embedded = await startEmbeddedRedis({ dir: path.join(home, 'redis') });
        redisUrl = embedded.url;
      } else {
        await refuseBusyQueues(redisUrl, config.fleet.prefix);
      }
      const lakehouse = await openLakehouse({ ...config.lakehouse, sourceRoots: [...config.lakehouse.sourceRoots, dataDir] });
      try {
        out.progress(`generating ${options.rows} NYC-taxi-like trips per batch in ${dataDir}...`);
        const data = await generateTaxiData(dataDir, options.rows);
        // Metrics and Prefect (when PREFECT_API_URL is set) as in the fleet; logs stay quiet here.
        const observability = createObservability(config, 'floodgate-demo');
        const fleet = await startFleet({
          config,
          redisUrl,
          lakehouse,
          stages: ['write', 'audit', 'publish'],
          concurrency: 2,
          metrics: observability.metrics,
          events: observability.events,
        });
        const producer = new FloodgateProducer({
          connection: redisUrl,
          prefix: config.fleet.prefix,
          sourceRoots: [dataDir],
          attempts: config.fleet.attempts,
          backoffMs: config.fleet.backoffMs,
          events: observability.events,
        });
        try {
          const batches = [
            { label: 'good', source: data.good },
            { label: 'bad', source: data.bad },
          ];
          const enqueued: Array<{ label: string; source: string; runId: string }> = [];
          for (const batch of batches) {
            const run = await producer.enqueue({ table: TABLE, source: batch.source, checks: [...DEMO_CHECKS] });
            out.progress(`enqueued the ${batch.label} batch as run ${run.runId}`);
            enqueued.push({ ...batch, runId: run.runId });
          }
          const finished = await Promise.all(
            enqueued.map((e) =>
              producer.waitForRun(e.runId, { timeoutMs: 10 * 60_000, pollMs: 100, onUpdate: (r) => out.progress(`  ${e.label}: ${r.status}`) }),
            ),
          );
          const runs = finished.map(summarize);
          const [count] = await lakehouse.queryRows(`SELECT count(*) AS rows FROM ${TABLE}`, { ref: config.fleet.targetBranch });
          const main = { [TABLE]: Number(count?.['rows'] ?? 0) };
          if (out.json) {
            out.result({ runs, main }, () => '');
          } else {
            runs.forEach((run, i) => printRun(out, enqueued[i]?.label ?? '', run));
            process.stdout.write(`\n${config.fleet.targetBranch}: ${TABLE} has ${main[TABLE]} rows\n`);
            // The run ledger lives in Redis: with the demo's private one it is gone when the demo ends.
            const runsHint = embedded === undefined ? 'floodgate runs; ' : '';
            out.progress(`\nexplore: floodgate lake log; ${runsHint}floodgate lake branch list; floodgate lake query "SELECT count(*) FROM ${TABLE}" --ref <branch>`);
          }
          const asDesigned = runs[0]?.status === 'published' && runs[1]?.status === 'audit_failed';
          process.exitCode = asDesigned ? EXIT.ok : EXIT.error;
        } finally {
          await producer.close();
          await fleet.close(10_000);
          await observability.close(10_000);
        }
      } finally {
        await lakehouse.close();
        await embedded?.stop();
      }
    });
}

import path from 'node:path';
import { FloodgateProducer } from '../../src/producers/library.js';
import { loadConfig } from '../../src/shared/config/index.js';
import type { RunRecord } from '../../src/shared/ledger/index.js';
import { openLocalLakehouse } from '../../src/shared/lakehouse/local/index.js';
import { startFleet } from '../../src/workers/fleet.js';
import { warmPageCache } from '../lib/files.js';
import { progress } from '../lib/log.js';
import { collectGarbage } from '../lib/stats.js';
import type { Dataset } from '../lakehouse/dataset.js';
import type { FleetBenchOptions } from './options.js';
import { STAGE_STATUSES, type LatencyResults, type LatencyRun } from './results.js';
import { RunCounter } from './run-counter.js';
import { coveredMs, nowMs, timingLakehouse, type LakehouseCall } from './timing-lakehouse.js';

const TABLE = 'taxi.trips';

/** Splits one published run by the ledger's status history and the lakehouse calls made meanwhile. */
export function analyzeRun(record: RunRecord, enqueuedAt: number, calls: readonly LakehouseCall[]): LatencyRun {
  const statuses = record.history.map((h) => h.status);
  if (statuses.join() !== STAGE_STATUSES.join()) throw new Error(`run ${record.runId}: unexpected history ${statuses.join(' → ')}`);
  const at = record.history.map((h) => Date.parse(h.at));
  const transitions: Record<string, number> = {};
  const lakehouseByTransition: Record<string, number> = {};
  for (let i = 0; i + 1 < at.length; i++) {
    const name = `${statuses[i]}→${statuses[i + 1]}`;
    const from = at[i] as number;
    const to = at[i + 1] as number;
    transitions[name] = to - from;
    lakehouseByTransition[name] = coveredMs(calls, from, to);
  }
  const publishedAt = at[at.length - 1] as number;
  const byMethod: Record<string, number> = {};
  for (const call of calls) byMethod[call.method] = (byMethod[call.method] ?? 0) + (call.end - call.start);
  const totalMs = publishedAt - enqueuedAt;
  const lakehouseMs = coveredMs(calls, enqueuedAt, publishedAt);
  return {
    totalMs,
    enqueueMs: (at[0] as number) - enqueuedAt,
    transitions,
    lakehouseByTransition,
    lakehouseMs,
    outsideMs: totalMs - lakehouseMs,
    byMethod,
  };
}

/**
 * One run at a time of `dataset` (one Parquet file) through the in-process fleet on the local
 * lakehouse (SQLite catalog), the lakehouse wrapped in a timing proxy. One untimed warm-up
 * run creates the table; each timed run appends to it.
 */
export async function runLatency(options: FleetBenchOptions, redisUrl: string, scratchDir: string, dataset: Dataset): Promise<LatencyResults> {
  const prefix = `{fb${process.pid}lat}`;
  const env: Record<string, string | undefined> = { ...process.env };
  delete env['FLOODGATE_CATALOG_URL'];
  delete env['FLOODGATE_WAREHOUSE'];
  delete env['FLOODGATE_CONTRACTS'];
  const config = loadConfig(
    { ...env, FLOODGATE_HOME: path.join(scratchDir, 'latency-home'), FLOODGATE_SOURCE_ROOTS: dataset.dir, REDIS_URL: redisUrl, FLOODGATE_REDIS_PREFIX: prefix, FLOODGATE_AUTHOR: 'bench' },
    { cwd: dataset.dir },
  );
  const inner = await openLocalLakehouse(config.lakehouse, { cwd: dataset.dir });
  const timed = timingLakehouse(inner);
  const counter = new RunCounter();
  const fleet = await startFleet({ config, redisUrl, lakehouse: timed.lakehouse, stages: ['write', 'audit', 'publish'], concurrency: 2, metrics: counter.metrics });
  const producer = new FloodgateProducer({ connection: redisUrl, prefix, sourceRoots: [dataset.dir], cwd: dataset.dir });
  const source = dataset.files[0] as string;
  await warmPageCache(dataset.files);
  const runs: LatencyRun[] = [];
  try {
    for (let i = 0; i <= options.latencyRuns; i++) {
      collectGarbage();
      timed.take();
      const enqueuedAt = nowMs();
      const { runId } = await producer.enqueue({ table: TABLE, source, checks: [], idempotencyKey: `latency-${i}` });
      await counter.waitFor(i + 1, 300_000);
      const record = await producer.getRun(runId);
      if (record?.status !== 'published') throw new Error(`latency run ${i}: ${record?.status ?? 'missing'} ${JSON.stringify(record?.error)}`);
      const run = analyzeRun(record, enqueuedAt, timed.take());
      if (i === 0) {
        progress(`latency warm-up: ${run.totalMs.toFixed(0)} ms`);
        continue;
      }
      progress(`latency run ${i}/${options.latencyRuns}: ${run.totalMs.toFixed(0)} ms, lakehouse ${run.lakehouseMs.toFixed(0)} ms, outside ${run.outsideMs.toFixed(1)} ms`);
      runs.push(run);
    }
  } finally {
    await producer.close();
    await fleet.close(5000);
    await inner.close();
  }
  return { rows: dataset.rows, sourceBytes: dataset.bytes, runs };
}

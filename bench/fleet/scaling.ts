import fs from 'node:fs/promises';
import path from 'node:path';
import { FloodgateProducer } from '../../src/producers/library.js';
import { TERMINAL_STATUSES, type RunRecord } from '../../src/shared/ledger/index.js';
import { warmPageCache } from '../lib/files.js';
import { progress } from '../lib/log.js';
import type { Dataset } from '../lakehouse/dataset.js';
import type { FleetBenchOptions } from './options.js';
import type { ScalingResults, ScalingTrial } from './results.js';
import { busyShare, systemCpu } from './cpu.js';
import { nowMs } from './timing-lakehouse.js';
import { spawnWorkers } from './workers.js';

const TIMEOUT_MS = 300_000;

/** Polls the ledger until every run is finished; returns the records. */
async function waitForRuns(producer: FloodgateProducer, runIds: readonly string[]): Promise<RunRecord[]> {
  const deadline = Date.now() + TIMEOUT_MS;
  for (;;) {
    const records = await Promise.all(runIds.map((id) => producer.getRun(id)));
    if (records.every((r) => r !== undefined && TERMINAL_STATUSES.has(r.status))) return records as RunRecord[];
    if (Date.now() > deadline) throw new Error(`scaling: runs not finished within ${TIMEOUT_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function enqueueAll(producer: FloodgateProducer, options: FleetBenchOptions, source: string, count: number, label: string): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const { runId } = await producer.enqueue({ table: `bench.s${i % options.scalingTables}`, source, checks: [], idempotencyKey: `${label}-${i}` });
    ids.push(runId);
  }
  return ids;
}

function assertPublished(records: readonly RunRecord[], what: string): void {
  const bad = records.filter((r) => r.status !== 'published');
  if (bad.length > 0) throw new Error(`${what}: ${bad.length} run(s) not published, e.g. ${bad[0]?.status} ${JSON.stringify(bad[0]?.error)}`);
}

/**
 * One trial: `processes` CLI workers on a fresh shared home (SQLite catalog) and a fresh Redis
 * prefix. A warm-up batch of one run per table (creating the tables) is untimed; then the
 * timed batch is enqueued at once and timed from the first enqueue to the last finishedAt.
 */
async function trial(options: FleetBenchOptions, redisUrl: string, scratchDir: string, dataset: Dataset, processes: number, index: number): Promise<ScalingTrial> {
  const home = path.join(scratchDir, `scaling-${index}`);
  await fs.rm(home, { recursive: true, force: true });
  const prefix = `{fb${process.pid}s${index}}`;
  const env: Record<string, string | undefined> = { ...process.env };
  for (const key of Object.keys(env)) if (key.startsWith('PREFECT_')) delete env[key];
  for (const key of ['FLOODGATE_CATALOG_URL', 'FLOODGATE_WAREHOUSE', 'FLOODGATE_CONTRACTS']) delete env[key];
  Object.assign(env, {
    FLOODGATE_HOME: home,
    FLOODGATE_SOURCE_ROOTS: dataset.dir,
    REDIS_URL: redisUrl,
    FLOODGATE_REDIS_PREFIX: prefix,
    FLOODGATE_AUTHOR: 'bench',
    // Each worker serves /metrics; on one host they need a port each (0: any free port).
    FLOODGATE_METRICS_PORT: '0',
    // `worker ready` is logged at info.
    FLOODGATE_LOG_LEVEL: 'info',
  });
  const spawned = performance.now();
  const workers = spawnWorkers(processes, options.scalingConcurrency, env);
  const producer = new FloodgateProducer({ connection: redisUrl, prefix, sourceRoots: [dataset.dir], cwd: dataset.dir });
  const source = dataset.files[0] as string;
  try {
    await workers.ready;
    const startupMs = performance.now() - spawned;
    assertPublished(await waitForRuns(producer, await enqueueAll(producer, options, source, options.scalingTables, `warm${index}`)), 'warm-up');
    const cpuBefore = workers.cpuMs();
    const machineBefore = systemCpu();
    const start = nowMs();
    const records = await waitForRuns(producer, await enqueueAll(producer, options, source, options.scalingRuns, `t${index}`));
    const workerCpuMs = workers.cpuMs() - cpuBefore;
    const machineBusy = busyShare(machineBefore, systemCpu());
    assertPublished(records, `${processes} process(es)`);
    const end = Math.max(...records.map((r) => Date.parse(r.finishedAt ?? r.updatedAt)));
    // The CPU readings span the polling loop too (up to 100 ms past the last finish): close enough for a share.
    const pollEnd = nowMs();
    return { processes, runs: records.length, ms: end - start, published: records.length, startupMs, workerCores: workerCpuMs / (pollEnd - start), machineBusy };
  } finally {
    await producer.close();
    await workers.stop();
    await fs.rm(home, { recursive: true, force: true });
  }
}

/** Runs per second with 1, 2, 4 ... worker processes; rounds alternate the order (1,2,4 then 4,2,1). */
export async function runScaling(options: FleetBenchOptions, redisUrl: string, scratchDir: string, dataset: Dataset): Promise<ScalingResults> {
  await warmPageCache(dataset.files);
  const trials: ScalingTrial[] = [];
  let index = 0;
  for (let round = 0; round < options.scalingRounds; round++) {
    const order = round % 2 === 0 ? options.scalingProcesses : [...options.scalingProcesses].reverse();
    for (const processes of order) {
      const result = await trial(options, redisUrl, scratchDir, dataset, processes, index++);
      progress(`scaling round ${round + 1}/${options.scalingRounds}, ${processes} process(es): ${result.runs} runs in ${(result.ms / 1000).toFixed(2)} s (${((result.runs * 1000) / result.ms).toFixed(2)} runs/s; start-up ${(result.startupMs / 1000).toFixed(1)} s)`);
      trials.push(result);
    }
  }
  return { tables: options.scalingTables, rowsPerRun: dataset.rows, sourceBytes: dataset.bytes, concurrency: options.scalingConcurrency, trials };
}

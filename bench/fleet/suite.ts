import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { loadConfig } from '../../src/shared/config/index.js';
import { startEmbeddedRedis, type EmbeddedRedis } from '../../src/shared/redis/embedded.js';
import type { Suite } from '../suite.js';
import { RawDuck } from '../lib/duck.js';
import { progress } from '../lib/log.js';
import { writeSuiteResults } from '../lib/results.js';
import { cpuPressure60 } from '../lib/pressure.js';
import { taxiDataset, type Dataset } from '../lakehouse/dataset.js';
import { runLatency } from './latency.js';
import { PARTS, helpText, parseOptions, type FleetBenchOptions } from './options.js';
import { runOverhead } from './overhead.js';
import { renderReport } from './report.js';
import type { Environment, FleetResults } from './results.js';
import { runScaling } from './scaling.js';

function commandLine(argv: readonly string[]): string {
  const env = Object.entries(process.env)
    .filter(([key]) => key.startsWith('BENCH_') || key.startsWith('FLOODGATE_'))
    .map(([key, value]) => `${key}=${value ?? ''}`);
  return [...env, 'npm run bench -- fleet', ...argv].join(' ');
}

function withPressure(key: 'cpuPressureStart' | 'cpuPressureEnd'): Partial<Environment> {
  const value = cpuPressure60();
  return value === undefined ? {} : { [key]: value };
}

async function versions(redisUrl: string): Promise<{ redis: string; bullmq: string }> {
  const client = new Redis(redisUrl);
  try {
    const info = await client.info('server');
    const pkg = fileURLToPath(new URL('../../node_modules/bullmq/package.json', import.meta.url));
    const bullmq = (JSON.parse(await fs.readFile(pkg, 'utf8')) as { version: string }).version;
    return { redis: /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown', bullmq };
  } finally {
    client.disconnect();
  }
}

async function environment(options: FleetBenchOptions, redisUrl: string, argv: readonly string[]): Promise<Environment> {
  return {
    date: new Date().toISOString(),
    command: commandLine(argv),
    cpus: os.availableParallelism(),
    cpuModel: os.cpus()[0]?.model ?? 'unknown CPU',
    memoryBytes: os.totalmem(),
    node: process.version,
    ...(await versions(redisUrl)),
    duckdbThreads: loadConfig(process.env).lakehouse.duckdbThreads,
    quick: options.quick,
    ...withPressure('cpuPressureStart'),
  };
}

/** The taxi Parquet files the lakehouse parts read (generated once with DuckDB, cached in bench/.data). */
async function datasets(options: FleetBenchOptions): Promise<{ latency?: Dataset; scaling?: Dataset }> {
  const wanted = options.parts.filter((p) => p !== 'overhead');
  if (wanted.length === 0) return {};
  const config = loadConfig(process.env).lakehouse;
  const duck = await RawDuck.open({ threads: config.duckdbThreads, memoryLimitBytes: config.duckdbMemoryLimitBytes, tempDirectory: path.join(options.dataDir, 'fleet-homes', 'duck-tmp') });
  try {
    return {
      ...(wanted.includes('latency') ? { latency: await taxiDataset(duck, options.dataDir, 1, options.latencyRows) } : {}),
      ...(wanted.includes('scaling') ? { scaling: await taxiDataset(duck, options.dataDir, 1, options.scalingRows) } : {}),
    };
  } finally {
    duck.close();
  }
}

function writeResults(options: FleetBenchOptions, results: FleetResults): Promise<string> {
  const complete = !options.quick && options.parts.length === PARTS.length;
  return writeSuiteResults(options.resultsDir, 'fleet', renderReport(results), results, complete);
}

async function run(argv: readonly string[]): Promise<void> {
  const options = parseOptions(argv);
  if (options === 'help') {
    console.log(helpText());
    return;
  }
  const started = performance.now();
  const scratch = path.join(options.dataDir, 'fleet-homes');
  await fs.rm(scratch, { recursive: true, force: true });
  await fs.mkdir(scratch, { recursive: true });
  const data = await datasets(options);
  let redis: EmbeddedRedis | undefined;
  try {
    redis = await startEmbeddedRedis({ dir: path.join(scratch, 'redis') });
    const results: FleetResults = { environment: await environment(options, redis.url, argv) };
    if (options.parts.includes('overhead')) {
      progress(`overhead: ${options.overheadTrials} interleaved trial(s) per side and mode, ${options.overheadRuns} runs over ${options.overheadTables} tables, concurrency ${options.overheadConcurrency}`);
      results.overhead = await runOverhead(options, redis.url, scratch);
    }
    if (data.latency !== undefined) {
      progress(`latency: ${options.latencyRuns} run(s) of ${data.latency.rows} rows`);
      results.latency = await runLatency(options, redis.url, scratch, data.latency);
    }
    if (data.scaling !== undefined) {
      progress(`scaling: ${options.scalingProcesses.join(', ')} worker process(es), ${options.scalingRuns} runs of ${data.scaling.rows} rows over ${options.scalingTables} tables`);
      results.scaling = await runScaling(options, redis.url, scratch, data.scaling);
    }
    const final: FleetResults = {
      ...results,
      environment: { ...results.environment, durationMs: performance.now() - started, ...withPressure('cpuPressureEnd') },
    };
    console.log(await writeResults(options, final));
  } finally {
    await redis?.stop();
    await fs.rm(scratch, { recursive: true, force: true });
  }
}

export const fleetSuite: Suite = {
  name: 'fleet',
  description: 'orchestration overhead vs bare BullMQ, end-to-end latency split by stage, throughput over 1/2/4 worker processes',
  run,
};

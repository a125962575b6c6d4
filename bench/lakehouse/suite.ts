import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Suite } from '../suite.js';
import { RawDuck } from '../lib/duck.js';
import { progress } from '../lib/log.js';
import { writeSuiteResults } from '../lib/results.js';
import { cpuPressure60 } from '../lib/pressure.js';
import { smallTaxiFile, taxiDataset } from './dataset.js';
import { benchConfig, openBenchLakehouse } from './home.js';
import { IMPORT_TABLE, runImport } from './import.js';
import { PARTS, helpText, parseOptions, type LakehouseOptions } from './options.js';
import { runPeer } from './peer.js';
import { runQuery } from './query.js';
import { runRefs } from './refs.js';
import { renderReport } from './report.js';
import type { Environment, LakehouseResults } from './results.js';
import { runRss } from './rss.js';

function commandLine(argv: readonly string[]): string {
  const env = Object.entries(process.env)
    .filter(([key]) => key.startsWith('BENCH_') || key.startsWith('FLOODGATE_'))
    .map(([key, value]) => `${key}=${value ?? ''}`);
  return [...env, 'npm run bench -- lakehouse', ...argv].join(' ');
}

function withPressure(key: 'cpuPressureStart' | 'cpuPressureEnd'): Partial<Environment> {
  const value = cpuPressure60();
  return value === undefined ? {} : { [key]: value };
}

async function environment(options: LakehouseOptions, duck: RawDuck, argv: readonly string[]): Promise<Environment> {
  const config = benchConfig(path.join(options.dataDir, 'homes', 'env'), options.dataDir);
  const version = (await duck.connection.runAndReadAll('SELECT version()')).getRows()[0]?.[0];
  return {
    date: new Date().toISOString(),
    command: commandLine(argv),
    cpus: os.availableParallelism(),
    cpuModel: os.cpus()[0]?.model ?? 'unknown CPU',
    memoryBytes: os.totalmem(),
    node: process.version,
    duckdb: String(version),
    duckdbThreads: config.duckdbThreads,
    duckdbMemoryLimitBytes: config.duckdbMemoryLimitBytes,
    targetFileSizeBytes: config.targetFileSizeBytes,
    quick: options.quick,
    ...withPressure('cpuPressureStart'),
  };
}

/** Import and query share one lakehouse: the query reads the branch the last import wrote. */
async function importAndQuery(options: LakehouseOptions, duck: RawDuck, results: LakehouseResults): Promise<void> {
  const dataset = await taxiDataset(duck, options.dataDir, options.importFiles, options.importRowsPerFile);
  const { lakehouse } = await openBenchLakehouse(path.join(options.dataDir, 'homes', 'import'), options.dataDir);
  try {
    let branch = 'import-0';
    if (options.parts.includes('import')) {
      progress(`import: ${dataset.files.length} files, ${dataset.rows} rows, ${options.importReps} run(s) per side`);
      results.import = await runImport(options, lakehouse, duck, dataset);
      branch = results.import.branch;
    } else {
      await lakehouse.createBranch(branch);
      await lakehouse.importData({ table: IMPORT_TABLE, source: path.join(dataset.dir, '*.parquet'), branch });
    }
    if (options.parts.includes('query')) {
      progress(`query: ${options.queryReps} run(s) per side at ${branch}`);
      results.query = await runQuery(options, lakehouse, duck, IMPORT_TABLE, branch);
    }
  } finally {
    await lakehouse.close();
  }
}

function writeResults(options: LakehouseOptions, results: LakehouseResults): Promise<string> {
  const complete = !options.quick && options.parts.length === PARTS.length;
  return writeSuiteResults(options.resultsDir, 'lakehouse', renderReport(results), results, complete);
}

async function run(argv: readonly string[]): Promise<void> {
  const options = parseOptions(argv);
  if (options === 'help') {
    console.log(helpText());
    return;
  }
  const started = performance.now();
  const homes = path.join(options.dataDir, 'homes');
  await fs.rm(homes, { recursive: true, force: true });
  const config = benchConfig(path.join(homes, 'env'), options.dataDir);
  const duck = await RawDuck.open({
    threads: config.duckdbThreads,
    memoryLimitBytes: config.duckdbMemoryLimitBytes,
    tempDirectory: path.join(homes, 'raw-tmp'),
  });
  try {
    const results: LakehouseResults = { environment: await environment(options, duck, argv) };
    if (options.parts.includes('refs')) results.refs = await runRefs(options, duck);
    if (options.parts.includes('import') || options.parts.includes('query')) await importAndQuery(options, duck, results);
    if (options.parts.includes('peer')) {
      const dataset = await taxiDataset(duck, options.dataDir, options.importFiles, options.importRowsPerFile);
      const seed = await smallTaxiFile(duck, path.join(options.dataDir, 'small', 'seed-1000.parquet'), 1000);
      progress(`peer: PyIceberg vs Floodgate WAP on ${dataset.rows} rows, ${options.peerReps} run(s) per side`);
      results.peer = await runPeer(options, dataset, seed);
    }
    if (options.parts.includes('rss')) results.rss = await runRss(options, duck);
    const final: LakehouseResults = {
      ...results,
      environment: { ...results.environment, durationMs: performance.now() - started, ...withPressure('cpuPressureEnd') },
    };
    console.log(await writeResults(options, final));
  } finally {
    duck.close();
    await fs.rm(homes, { recursive: true, force: true });
  }
}

export const lakehouseSuite: Suite = {
  name: 'lakehouse',
  description: 'branch create/merge latency, import and query vs raw DuckDB, peak RSS, PyIceberg WAP peer',
  run,
};

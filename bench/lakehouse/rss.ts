import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RawDuck } from '../lib/duck.js';
import { bytes } from '../lib/format.js';
import { freeBytes, warmPageCache } from '../lib/files.js';
import { progress } from '../lib/log.js';
import { sizedTaxiDataset, type Dataset } from './dataset.js';
import type { LakehouseOptions } from './options.js';
import { memoryOf } from './proc.js';
import type { RssChildResult } from './rss-child.js';

export interface RssRun {
  readonly mode: 'floodgate' | 'raw';
  readonly ms: number;
  readonly rows: number;
  readonly outputFiles: number;
  readonly rssBeforeBytes: number;
  /** max(VmHWM sampled every 100 ms from /proc, the child's own maxRSS at exit) */
  readonly peakRssBytes: number;
  readonly peakToInput: number;
}

export interface RssResults {
  readonly requestedBytes: number;
  readonly inputBytes: number;
  readonly inputFiles: number;
  readonly rows: number;
  /** Set when free disk made us shrink the dataset. */
  readonly scaledDownNote?: string;
  readonly runs: readonly RssRun[];
}

const CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), 'rss-child.ts');
const SAMPLE_MS = 100;
const GB = 1e9;

/** Runs one rss-child import and samples its peak RSS from /proc while it runs. */
async function measureChild(mode: 'floodgate' | 'raw', home: string, dataset: Dataset): Promise<RssRun> {
  await fs.rm(home, { recursive: true, force: true });
  await fs.mkdir(home, { recursive: true });
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, `--mode=${mode}`, `--home=${home}`, `--source=${dataset.dir}`], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let sampledHwm = 0;
  const sample = () => {
    const memory = child.pid === undefined ? undefined : memoryOf(child.pid);
    if (memory !== undefined) sampledHwm = Math.max(sampledHwm, memory.hwm);
  };
  const timer = setInterval(sample, SAMPLE_MS);
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (exitCode) => resolve(exitCode));
  });
  clearInterval(timer);
  await fs.rm(home, { recursive: true, force: true });
  const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
  if (code !== 0 || line === undefined) throw new Error(`rss child (${mode}) exited with ${code}: ${stdout}`);
  const result = JSON.parse(line.slice('RESULT '.length)) as RssChildResult;
  const peakRssBytes = Math.max(sampledHwm, result.maxRssBytes);
  return { ...result, peakRssBytes, peakToInput: peakRssBytes / dataset.bytes };
}

/** Shrinks the dataset when the disk cannot hold it, its import and a raw copy at once (plus 2 GB slack). */
async function plannedBytes(options: LakehouseOptions): Promise<{ bytes: number; note?: string }> {
  const free = await freeBytes(options.dataDir);
  const needed = options.rssBytes * 3 + 2 * GB;
  if (free >= needed) return { bytes: options.rssBytes };
  const scaled = Math.max(0.25 * GB, (free - 2 * GB) / 3);
  const note = `only ${bytes(free)} free on the disk holding ${options.dataDir}; the RSS dataset was scaled down from ${bytes(options.rssBytes)} to ${bytes(scaled)}`;
  return { bytes: scaled, note };
}

export async function runRss(options: LakehouseOptions, duck: RawDuck): Promise<RssResults> {
  const planned = await plannedBytes(options);
  if (planned.note !== undefined) progress(`rss: ${planned.note}`);
  const dataset = await sizedTaxiDataset(duck, options.dataDir, planned.bytes, options.rssFiles);
  progress(`rss: ${dataset.files.length} files, ${bytes(dataset.bytes)}, ${dataset.rows} rows; warming the page cache`);
  await warmPageCache(dataset.files);
  const runs: RssRun[] = [];
  const modes = options.rssBaseline ? (['floodgate', 'raw'] as const) : (['floodgate'] as const);
  for (const mode of modes) {
    progress(`rss: importing in a child process (${mode})`);
    const run = await measureChild(mode, path.join(options.dataDir, 'homes', `rss-${mode}`), dataset);
    if (run.rows !== dataset.rows) throw new Error(`rss child (${mode}) wrote ${run.rows} rows, the dataset has ${dataset.rows}`);
    progress(`rss: ${mode} peak ${bytes(run.peakRssBytes)} in ${(run.ms / 1000).toFixed(1)} s`);
    runs.push(run);
  }
  return {
    requestedBytes: options.rssBytes,
    inputBytes: dataset.bytes,
    inputFiles: dataset.files.length,
    rows: dataset.rows,
    ...(planned.note === undefined ? {} : { scaledDownNote: planned.note }),
    runs,
  };
}

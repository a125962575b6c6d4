import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { progress } from '../lib/log.js';
import { collectGarbage, median, timed } from '../lib/stats.js';
import type { Dataset } from './dataset.js';
import { openBenchLakehouse } from './home.js';
import type { LakehouseOptions } from './options.js';

export const PEER_PHASES = ['createBranch', 'import', 'merge'] as const;
export type PeerPhase = (typeof PEER_PHASES)[number];
type PhaseTimes = Record<PeerPhase | 'total', number>;

export interface PeerResults {
  readonly rows: number;
  readonly inputFiles: number;
  readonly pyiceberg: string;
  readonly pyarrow: string;
  readonly ours: readonly PhaseTimes[];
  readonly theirs: readonly PhaseTimes[];
  readonly oursMedian: PhaseTimes;
  readonly theirsMedian: PhaseTimes;
  /** ours / theirs per phase (lower is better for Floodgate) */
  readonly ratio: PhaseTimes;
  /** Data files and bytes on main after the publish, seed file included. */
  readonly oursDataFiles: number;
  readonly theirsDataFiles: number;
  readonly oursBytes: number;
  readonly theirsBytes: number;
}

const SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'pyiceberg_wap.py');

interface PythonResult {
  pyiceberg: string;
  pyarrow: string;
  create_branch_ms: number;
  append_ms: number;
  publish_ms: number;
  rows: number;
  main_total_rows: number;
  main_data_files: number;
  main_files_size: number;
}

function withTotal(times: Record<PeerPhase, number>): PhaseTimes {
  return { ...times, total: times.createBranch + times.import + times.merge };
}

async function runPython(python: string, warehouse: string, seed: string, files: readonly string[]): Promise<PythonResult> {
  await fs.rm(warehouse, { recursive: true, force: true });
  const child = spawn(python, [SCRIPT, '--warehouse', warehouse, '--seed', seed, ...files], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', resolve);
  });
  await fs.rm(warehouse, { recursive: true, force: true });
  const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
  if (code !== 0 || line === undefined) throw new Error(`pyiceberg_wap.py exited with ${code}:\n${stderr}\n${stdout}`);
  return JSON.parse(line.slice('RESULT '.length)) as PythonResult;
}

/** The same WAP in Floodgate: seed main, then create branch, import the files to it, fast-forward main. */
async function runOurs(options: LakehouseOptions, seed: string, dataset: Dataset): Promise<{ times: PhaseTimes; files: number; bytes: number }> {
  const home = path.join(options.dataDir, 'homes', 'peer-floodgate');
  const { lakehouse } = await openBenchLakehouse(home, options.dataDir);
  try {
    const seeded = await lakehouse.importData({ table: 'taxi.trips', source: seed, branch: 'main' });
    collectGarbage();
    const createBranch = (await timed(() => lakehouse.createBranch('wap'))).ms;
    const imported = await timed(() => lakehouse.importData({ table: 'taxi.trips', source: path.join(dataset.dir, '*.parquet'), branch: 'wap' }));
    const merge = (await timed(() => lakehouse.merge('wap', { into: 'main' }))).ms;
    const info = (await lakehouse.listTables('main')).find((t) => t.name === 'taxi.trips');
    if (info?.rows !== seeded.rows + dataset.rows) throw new Error(`main has ${info?.rows} rows after the merge, wanted ${seeded.rows + dataset.rows}`);
    return { times: withTotal({ createBranch, import: imported.ms, merge }), files: info.files ?? 0, bytes: info.bytes };
  } finally {
    await lakehouse.close();
    await fs.rm(home, { recursive: true, force: true });
  }
}

export async function runPeer(options: LakehouseOptions, dataset: Dataset, seed: string): Promise<PeerResults> {
  const ours: PhaseTimes[] = [];
  const theirs: PhaseTimes[] = [];
  let versions = { pyiceberg: '?', pyarrow: '?' };
  let oursDataFiles = 0;
  let theirsDataFiles = 0;
  let oursBytes = 0;
  let theirsBytes = 0;
  for (let rep = 0; rep < options.peerReps; rep++) {
    const runTheirs = async () => {
      const result = await runPython(options.python, path.join(options.dataDir, 'homes', 'peer-pyiceberg'), seed, dataset.files);
      if (result.rows !== dataset.rows) throw new Error(`pyiceberg appended ${result.rows} rows, the dataset has ${dataset.rows}`);
      versions = { pyiceberg: result.pyiceberg, pyarrow: result.pyarrow };
      theirsDataFiles = result.main_data_files;
      theirsBytes = result.main_files_size;
      theirs.push(withTotal({ createBranch: result.create_branch_ms, import: result.append_ms, merge: result.publish_ms }));
    };
    const runMine = async () => {
      const result = await runOurs(options, seed, dataset);
      ours.push(result.times);
      oursDataFiles = result.files;
      oursBytes = result.bytes;
    };
    for (const run of rep % 2 === 0 ? [runTheirs, runMine] : [runMine, runTheirs]) await run();
    progress(`peer rep ${rep + 1}/${options.peerReps}: pyiceberg ${theirs.at(-1)?.total.toFixed(0)} ms, floodgate ${ours.at(-1)?.total.toFixed(0)} ms`);
  }
  const medianOf = (runs: readonly PhaseTimes[]): PhaseTimes => ({
    createBranch: median(runs.map((r) => r.createBranch)),
    import: median(runs.map((r) => r.import)),
    merge: median(runs.map((r) => r.merge)),
    total: median(runs.map((r) => r.total)),
  });
  const oursMedian = medianOf(ours);
  const theirsMedian = medianOf(theirs);
  const ratio: PhaseTimes = {
    createBranch: oursMedian.createBranch / theirsMedian.createBranch,
    import: oursMedian.import / theirsMedian.import,
    merge: oursMedian.merge / theirsMedian.merge,
    total: oursMedian.total / theirsMedian.total,
  };
  return { rows: dataset.rows, inputFiles: dataset.files.length, ...versions, ours, theirs, oursMedian, theirsMedian, ratio, oursDataFiles, theirsDataFiles, oursBytes, theirsBytes };
}

import fs from 'node:fs/promises';
import path from 'node:path';
import type { Lakehouse } from '../../src/shared/lakehouse/lakehouse.js';
import { sqlList, sqlString, type RawDuck } from '../lib/duck.js';
import { directorySize, warmPageCache } from '../lib/files.js';
import { progress } from '../lib/log.js';
import { collectGarbage, median, timed } from '../lib/stats.js';
import type { Dataset } from './dataset.js';
import type { LakehouseOptions } from './options.js';

export interface ImportResults {
  readonly inputFiles: number;
  readonly inputBytes: number;
  readonly rows: number;
  readonly oursMs: readonly number[];
  readonly rawMs: readonly number[];
  readonly oursMedianMs: number;
  readonly rawMedianMs: number;
  /** raw / ours: 1 means Floodgate imports as fast as a bare DuckDB COPY. */
  readonly ratio: number;
  readonly oursOutputFiles: number;
  readonly oursOutputBytes: number;
  readonly rawOutputBytes: number;
  /** The branch holding the last import, for the query benchmark. */
  readonly branch: string;
}

export const IMPORT_TABLE = 'taxi.trips';

/** A bare `COPY (SELECT * FROM read_parquet([...])) TO ... (FORMAT parquet, COMPRESSION zstd)` of the same files. */
async function rawCopy(duck: RawDuck, files: readonly string[], outDir: string): Promise<{ ms: number; bytes: number }> {
  await fs.rm(outDir, { recursive: true, force: true });
  await fs.mkdir(outDir, { recursive: true });
  const { ms } = await timed(() =>
    duck.connection.run(
      `COPY (SELECT * FROM read_parquet(${sqlList(files)})) TO ${sqlString(path.join(outDir, 'trips.parquet'))} (FORMAT parquet, COMPRESSION zstd)`,
    ),
  );
  const bytes = await directorySize(outDir);
  await fs.rm(outDir, { recursive: true, force: true });
  return { ms, bytes };
}

export async function runImport(options: LakehouseOptions, lakehouse: Lakehouse, duck: RawDuck, dataset: Dataset): Promise<ImportResults> {
  const source = path.join(dataset.dir, '*.parquet');
  const outDir = path.join(options.dataDir, 'homes', 'raw-copy');
  await warmPageCache(dataset.files);
  // Warm-up, untimed: DuckDB instances, extension-free parquet code paths, the catalog.
  await rawCopy(duck, dataset.files.slice(0, 1), outDir);
  await lakehouse.importData({ table: 'warmup.trips', source: dataset.files[0] as string, branch: 'main' });

  const oursMs: number[] = [];
  const rawMs: number[] = [];
  let rows = 0;
  let oursOutputFiles = 0;
  let oursOutputBytes = 0;
  let rawOutputBytes = 0;
  let branch = '';
  for (let rep = 0; rep < options.importReps; rep++) {
    const runRaw = async () => {
      collectGarbage();
      const raw = await rawCopy(duck, dataset.files, outDir);
      rawMs.push(raw.ms);
      rawOutputBytes = raw.bytes;
    };
    const runOurs = async () => {
      branch = `import-${rep}`;
      await lakehouse.createBranch(branch);
      collectGarbage();
      const { ms, value } = await timed(() => lakehouse.importData({ table: IMPORT_TABLE, source, branch }));
      oursMs.push(ms);
      rows = value.rows;
      oursOutputFiles = value.files;
      oursOutputBytes = value.bytes;
    };
    // Alternate which side goes first so drift on a shared machine hits both.
    for (const run of rep % 2 === 0 ? [runRaw, runOurs] : [runOurs, runRaw]) await run();
    progress(`import rep ${rep + 1}/${options.importReps}: raw ${rawMs.at(-1)?.toFixed(0)} ms, floodgate ${oursMs.at(-1)?.toFixed(0)} ms`);
  }
  if (rows !== dataset.rows) throw new Error(`imported ${rows} rows, the dataset has ${dataset.rows}`);
  const oursMedianMs = median(oursMs);
  const rawMedianMs = median(rawMs);
  return {
    inputFiles: dataset.files.length,
    inputBytes: dataset.bytes,
    rows,
    oursMs,
    rawMs,
    oursMedianMs,
    rawMedianMs,
    ratio: rawMedianMs / oursMedianMs,
    oursOutputFiles,
    oursOutputBytes,
    rawOutputBytes,
    branch,
  };
}

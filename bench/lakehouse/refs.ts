import path from 'node:path';
import type { Lakehouse } from '../../src/shared/lakehouse/lakehouse.js';
import type { RawDuck } from '../lib/duck.js';
import { progress } from '../lib/log.js';
import { collectGarbage, summarize, timed, type Summary } from '../lib/stats.js';
import { smallTaxiFile } from './dataset.js';
import { openBenchLakehouse } from './home.js';
import { appendManyFiles } from './many-files.js';
import type { LakehouseOptions } from './options.js';

export interface RefScenario {
  /** Data files of `taxi.trips` on main while branches are created and merged. */
  readonly files: number;
  readonly rows: number;
  readonly create: Summary;
  readonly merge: Summary;
  /** The untimed-for-the-target 1-row import made on each branch before its merge (context only). */
  readonly tinyImport: Summary;
}

export interface RefResults {
  readonly scenarios: readonly RefScenario[];
}

const TABLE = 'taxi.trips';
const TINY_TABLE = 'bench.tiny';

async function tableFiles(lakehouse: Lakehouse): Promise<{ files: number; rows: number }> {
  const info = (await lakehouse.listTables('main')).find((t) => t.name === TABLE);
  if (info === undefined) throw new Error(`${TABLE} missing on main`);
  return { files: info.files ?? 0, rows: info.rows };
}

/** Branch create + fast-forward merge rounds against a main holding `taxi.trips` with `files` data files. */
async function scenario(options: LakehouseOptions, duck: RawDuck, files: number, seed: string, tiny: string): Promise<RefScenario> {
  const home = path.join(options.dataDir, 'homes', `refs-${files}`);
  let { lakehouse, config } = await openBenchLakehouse(home, options.dataDir);
  await lakehouse.importData({ table: TABLE, source: seed, branch: 'main' });
  if (files > 1) {
    await lakehouse.close();
    await appendManyFiles(config, duck, TABLE, files - 1);
    ({ lakehouse, config } = await openBenchLakehouse(home, options.dataDir, { keep: true }));
  }
  try {
    const table = await tableFiles(lakehouse);
    if (table.files !== files) throw new Error(`${TABLE} has ${table.files} data files, wanted ${files}`);
    const counted = await lakehouse.queryRows(`SELECT count(*) AS n FROM ${TABLE}`);
    if (Number(counted[0]?.['n']) !== table.rows) throw new Error(`${TABLE}: query counted ${String(counted[0]?.['n'])} rows, metadata says ${table.rows}`);

    const create: number[] = [];
    const merge: number[] = [];
    const tinyImport: number[] = [];
    const rounds = options.refWarmup + options.refIterations;
    collectGarbage();
    for (let i = 0; i < rounds; i++) {
      const branch = `wap-${i}`;
      const created = await timed(() => lakehouse.createBranch(branch));
      const imported = await timed(() => lakehouse.importData({ table: TINY_TABLE, source: tiny, branch }));
      const merged = await timed(() => lakehouse.merge(branch, { into: 'main' }));
      if (!merged.value.fastForward || !merged.value.changed) throw new Error(`merge of ${branch} was not a fast-forward`);
      await lakehouse.deleteBranch(branch);
      if (i >= options.refWarmup) {
        create.push(created.ms);
        merge.push(merged.ms);
        tinyImport.push(imported.ms);
      }
    }
    return { files, rows: table.rows, create: summarize(create), merge: summarize(merge), tinyImport: summarize(tinyImport) };
  } finally {
    await lakehouse.close();
  }
}

export async function runRefs(options: LakehouseOptions, duck: RawDuck): Promise<RefResults> {
  const seed = await smallTaxiFile(duck, path.join(options.dataDir, 'small', 'seed-1000.parquet'), 1000);
  const tiny = await smallTaxiFile(duck, path.join(options.dataDir, 'small', 'one-row.parquet'), 1, 999_999_999);
  const scenarios: RefScenario[] = [];
  for (const files of [1, options.manyFiles]) {
    progress(`refs: ${options.refIterations} branch create + merge rounds, ${TABLE} with ${files} data file(s)`);
    scenarios.push(await scenario(options, duck, files, seed, tiny));
  }
  return { scenarios };
}

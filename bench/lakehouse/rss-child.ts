/**
 * Child process of the RSS benchmark: does one import and nothing else, then prints
 * `RESULT {json}` with its peak RSS. Run by rss.ts as
 *   node --import tsx bench/lakehouse/rss-child.ts --mode=floodgate|raw --home=<dir> --source=<dir>
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { openLocalLakehouse } from '../../src/shared/lakehouse/local/index.js';
import { RawDuck, sqlList, sqlString } from '../lib/duck.js';
import { benchConfig } from './home.js';
import { memoryOf } from './proc.js';

export interface RssChildResult {
  readonly mode: 'floodgate' | 'raw';
  readonly ms: number;
  readonly rows: number;
  readonly outputFiles: number;
  /** RSS just before the import started (runtime, modules and catalog loaded). */
  readonly rssBeforeBytes: number;
  /** process.resourceUsage().maxRSS at the end, in bytes. */
  readonly maxRssBytes: number;
}

function flag(argv: readonly string[], name: string): string {
  const value = argv.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3);
  if (value === undefined || value === '') throw new Error(`rss-child: --${name}= is required`);
  return value;
}

async function main(argv: readonly string[]): Promise<RssChildResult> {
  const mode = flag(argv, 'mode');
  const home = flag(argv, 'home');
  const source = flag(argv, 'source');
  const config = benchConfig(home, source);
  const files = (await fs.readdir(source)).filter((f) => f.endsWith('.parquet')).sort().map((f) => path.join(source, f));
  if (mode === 'floodgate') {
    const lakehouse = await openLocalLakehouse(config, { cwd: source });
    try {
      const rssBeforeBytes = memoryOf('self')?.rss ?? 0;
      const start = performance.now();
      const result = await lakehouse.importData({ table: 'taxi.trips', source: path.join(source, '*.parquet'), branch: 'main' });
      const ms = performance.now() - start;
      return { mode, ms, rows: result.rows, outputFiles: result.files, rssBeforeBytes, maxRssBytes: process.resourceUsage().maxRSS * 1024 };
    } finally {
      await lakehouse.close();
    }
  }
  if (mode === 'raw') {
    const duck = await RawDuck.open({
      threads: config.duckdbThreads,
      memoryLimitBytes: config.duckdbMemoryLimitBytes,
      tempDirectory: path.join(home, 'tmp'),
    });
    try {
      const out = path.join(home, 'raw-out', 'trips.parquet');
      await fs.mkdir(path.dirname(out), { recursive: true });
      const rssBeforeBytes = memoryOf('self')?.rss ?? 0;
      const start = performance.now();
      const reader = await duck.connection.runAndReadAll(
        `COPY (SELECT * FROM read_parquet(${sqlList(files)})) TO ${sqlString(out)} (FORMAT parquet, COMPRESSION zstd)`,
      );
      const ms = performance.now() - start;
      const rows = Number(reader.getRows()[0]?.[0] ?? 0);
      return { mode, ms, rows, outputFiles: 1, rssBeforeBytes, maxRssBytes: process.resourceUsage().maxRSS * 1024 };
    } finally {
      duck.close();
    }
  }
  throw new Error(`rss-child: unknown --mode=${mode}`);
}

main(process.argv.slice(2)).then(
  (result) => {
    process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
  },
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exitCode = 1;
  },
);

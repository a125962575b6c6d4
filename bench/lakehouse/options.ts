import path from 'node:path';
import { envInt, envNumber, parseSuiteArgs } from '../lib/args.js';

/** What the lakehouse suite runs and how big; flags win over BENCH_* variables, which win over defaults. */
export const PARTS = ['refs', 'import', 'query', 'rss', 'peer'] as const;
export type Part = (typeof PARTS)[number];

export interface LakehouseOptions {
  readonly quick: boolean;
  readonly parts: readonly Part[];
  /** bench/.data: generated datasets (cached) and scratch lakehouse homes. */
  readonly dataDir: string;
  readonly resultsDir: string;
  /** 1. branch create / merge */
  readonly refIterations: number;
  readonly refWarmup: number;
  readonly manyFiles: number;
  /** 2.-3. import and query */
  readonly importFiles: number;
  readonly importRowsPerFile: number;
  readonly importReps: number;
  readonly queryReps: number;
  /** 4. peak RSS */
  readonly rssBytes: number;
  readonly rssFiles: number;
  readonly rssBaseline: boolean;
  /** 5. PyIceberg peer */
  readonly peerReps: number;
  readonly python: string;
}

const HELP = `npm run bench -- lakehouse [--quick] [--only=refs,import,query,rss,peer]

Environment (defaults: full run / --quick):
  BENCH_REF_ITERATIONS        timed branch create+merge rounds per table   500 / 30
  BENCH_MANY_FILES            data files of the "large" table              5000 / 1000
  BENCH_IMPORT_FILES          taxi files imported                          8 / 4
  BENCH_IMPORT_ROWS_PER_FILE  rows per taxi file                           500000 / 100000
  BENCH_IMPORT_REPS           timed import runs per side                   5 / 1
  BENCH_QUERY_REPS            timed query runs per side                    15 / 3
  BENCH_RSS_GB                Parquet imported by the RSS child (GB)       5 / 0.25
  BENCH_RSS_FILES             files of that dataset                        40 / 4
  BENCH_RSS_BASELINE          also measure raw DuckDB COPY's RSS (1/0)     1 / 1
  BENCH_PEER_REPS             PyIceberg-vs-Floodgate WAP runs per side     7 / 1
  BENCH_PYTHON                Python with pyiceberg 0.12                   .venv/bin/python
  FLOODGATE_DUCKDB_THREADS, FLOODGATE_DUCKDB_MEMORY_LIMIT apply to both Floodgate and the raw DuckDB baseline.`;



export function parseOptions(argv: readonly string[], cwd = process.cwd()): LakehouseOptions | 'help' {
  const args = parseSuiteArgs(argv, PARTS, HELP, cwd);
  if (args === 'help') return 'help';
  const { quick, parts, pick, benchDir: bench } = args;
  return {
    quick,
    parts,
    dataDir: path.join(bench, '.data'),
    resultsDir: path.join(bench, 'results'),
    refIterations: envInt('BENCH_REF_ITERATIONS', pick(500, 30)),
    refWarmup: pick(10, 3),
    manyFiles: envInt('BENCH_MANY_FILES', pick(5000, 1000)),
    importFiles: envInt('BENCH_IMPORT_FILES', pick(8, 4)),
    importRowsPerFile: envInt('BENCH_IMPORT_ROWS_PER_FILE', pick(500_000, 100_000)),
    importReps: envInt('BENCH_IMPORT_REPS', pick(5, 1)),
    queryReps: envInt('BENCH_QUERY_REPS', pick(15, 3)),
    rssBytes: Math.round(envNumber('BENCH_RSS_GB', pick(5, 0.25)) * 1e9),
    rssFiles: envInt('BENCH_RSS_FILES', pick(40, 4)),
    rssBaseline: (process.env['BENCH_RSS_BASELINE'] ?? '1') !== '0',
    peerReps: envInt('BENCH_PEER_REPS', pick(7, 1)),
    python: path.resolve(cwd, process.env['BENCH_PYTHON'] ?? '.venv/bin/python'),
  };
}

export function helpText(): string {
  return HELP;
}

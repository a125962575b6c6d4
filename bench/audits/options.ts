import path from 'node:path';
import { envInt, parseSuiteArgs } from '../lib/args.js';

/** What the audits suite runs and how big; flags win over BENCH_* variables, which win over defaults. */
export interface AuditsOptions {
  readonly quick: boolean;
  /** bench/.data: the generated dataset and the scratch lakehouse (both cached). */
  readonly dataDir: string;
  /** Where README.md with the results is written. */
  readonly resultsDir: string;
  readonly rows: number;
  readonly files: number;
  /** Timed runs per side, after one untimed warm-up run each. */
  readonly reps: number;
}

const HELP = `npm run bench -- audits [--quick]

10 column checks over one table, run three ways in the same process:
  fused     runAudit: one scan computes every check (the default)
  separate  runAudit with fuse: false: the same checks as 10 queries
  raw       one hand-written DuckDB aggregate over the table's Parquet files (@duckdb/node-api)

Environment (defaults: full run / --quick):
  BENCH_AUDIT_ROWS   rows in the table            20000000 / 2000000
  BENCH_AUDIT_FILES  Parquet files it is made of  8 / 2
  BENCH_AUDIT_REPS   timed runs per side          5 / 3
  FLOODGATE_DUCKDB_THREADS, FLOODGATE_DUCKDB_MEMORY_LIMIT apply to Floodgate and the raw DuckDB alike.`;


export function parseOptions(argv: readonly string[], cwd = process.cwd()): AuditsOptions | 'help' {
  const args = parseSuiteArgs(argv, [], HELP, cwd);
  if (args === 'help') return 'help';
  const { quick, pick, benchDir: bench } = args;
  return {
    quick,
    dataDir: path.join(bench, '.data'),
    resultsDir: path.join(bench, 'audits'),
    rows: envInt('BENCH_AUDIT_ROWS', pick(20_000_000, 2_000_000)),
    files: envInt('BENCH_AUDIT_FILES', pick(8, 2)),
    reps: envInt('BENCH_AUDIT_REPS', pick(5, 3)),
  };
}

export function helpText(): string {
  return HELP;
}

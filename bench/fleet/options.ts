import path from 'node:path';
import { envInt, parseSuiteArgs } from '../lib/args.js';

/** What the fleet suite runs and how big; BENCH_FLEET_* variables win over the defaults. */
export const PARTS = ['overhead', 'latency', 'scaling'] as const;
export type Part = (typeof PARTS)[number];

export interface FleetBenchOptions {
  readonly quick: boolean;
  readonly parts: readonly Part[];
  /** bench/.data: cached datasets; scratch homes go in bench/.data/fleet-homes (deleted at the end). */
  readonly dataDir: string;
  readonly resultsDir: string;
  /** 1. orchestration overhead */
  readonly overheadRuns: number;
  readonly overheadTables: number;
  readonly overheadTrials: number;
  readonly overheadConcurrency: number;
  /** 2. end-to-end latency */
  readonly latencyRows: number;
  readonly latencyRuns: number;
  /** 3. scaling over worker processes */
  readonly scalingProcesses: readonly number[];
  readonly scalingRuns: number;
  readonly scalingTables: number;
  readonly scalingRows: number;
  readonly scalingConcurrency: number;
  readonly scalingRounds: number;
}

const HELP = `npm run bench -- fleet [--quick] [--only=overhead,latency,scaling]

Environment (defaults: full run / --quick):
  BENCH_FLEET_RUNS             runs per overhead trial (no-op lakehouse)        400 / 150
  BENCH_FLEET_TABLES           tables the overhead runs rotate over            16 / 16
  BENCH_FLEET_TRIALS           interleaved overhead trials per side and mode   6 / 1
  BENCH_FLEET_CONCURRENCY      jobs per stage worker, both sides                4 / 4
  BENCH_FLEET_LATENCY_ROWS     rows of the end-to-end latency run               200000 / 200000
  BENCH_FLEET_LATENCY_RUNS     timed end-to-end runs (after 1 warm-up)         15 / 3
  BENCH_FLEET_PROCESSES        worker process counts to compare                 1,2,4 / 1,2,4
  BENCH_FLEET_SCALING_RUNS     runs per scaling trial                           64 / 16
  BENCH_FLEET_SCALING_TABLES   tables the scaling runs rotate over              8 / 8
  BENCH_FLEET_SCALING_ROWS     rows per scaling run                             50000 / 20000
  BENCH_FLEET_SCALING_CONC     --concurrency of each worker process             2 / 2
  BENCH_FLEET_SCALING_ROUNDS   rounds over the process counts (order reversed each round)  3 / 1
  FLOODGATE_DUCKDB_THREADS, FLOODGATE_DUCKDB_MEMORY_LIMIT apply to every lakehouse, in-process and in the workers.`;


function envList(name: string, fallback: readonly number[]): readonly number[] {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const values = raw.split(',').map((v) => Math.round(Number(v.trim())));
  if (values.some((v) => !Number.isFinite(v) || v <= 0)) throw new Error(`${name} must be a comma-separated list of positive integers`);
  return [...new Set(values)].sort((a, b) => a - b);
}

export function parseOptions(argv: readonly string[], cwd = process.cwd()): FleetBenchOptions | 'help' {
  const args = parseSuiteArgs(argv, PARTS, HELP, cwd);
  if (args === 'help') return 'help';
  const { quick, parts, pick, benchDir: bench } = args;
  return {
    quick,
    parts,
    dataDir: path.join(bench, '.data'),
    resultsDir: path.join(bench, 'results'),
    overheadRuns: envInt('BENCH_FLEET_RUNS', pick(400, 150)),
    overheadTables: envInt('BENCH_FLEET_TABLES', 16),
    overheadTrials: envInt('BENCH_FLEET_TRIALS', pick(6, 1)),
    overheadConcurrency: envInt('BENCH_FLEET_CONCURRENCY', 4),
    latencyRows: envInt('BENCH_FLEET_LATENCY_ROWS', 200_000),
    latencyRuns: envInt('BENCH_FLEET_LATENCY_RUNS', pick(15, 3)),
    scalingProcesses: envList('BENCH_FLEET_PROCESSES', [1, 2, 4]),
    scalingRuns: envInt('BENCH_FLEET_SCALING_RUNS', pick(64, 16)),
    scalingTables: envInt('BENCH_FLEET_SCALING_TABLES', 8),
    scalingRows: envInt('BENCH_FLEET_SCALING_ROWS', pick(50_000, 20_000)),
    scalingConcurrency: envInt('BENCH_FLEET_SCALING_CONC', 2),
    scalingRounds: envInt('BENCH_FLEET_SCALING_ROUNDS', pick(3, 1)),
  };
}

export function helpText(): string {
  return HELP;
}

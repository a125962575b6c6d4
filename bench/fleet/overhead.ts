import fs from 'node:fs/promises';
import path from 'node:path';
import { Redis } from 'ioredis';
import { FloodgateProducer } from '../../src/producers/library.js';
import { loadConfig } from '../../src/shared/config/index.js';
import { startFleet } from '../../src/workers/fleet.js';
import { progress } from '../lib/log.js';
import { collectGarbage } from '../lib/stats.js';
import { startBareChain } from './bare-chain.js';
import { NoopLakehouse } from './noop-lakehouse.js';
import type { FleetBenchOptions } from './options.js';
import { countClientCommands, serverCommandMicros, type CommandCounts } from './redis-commands.js';
import type { OverheadDiagnostic, OverheadMode, OverheadResults, OverheadSide, OverheadTrial } from './results.js';
import { RunCounter } from './run-counter.js';

const TIMEOUT_MS = 300_000;

export interface Scratch {
  readonly redisUrl: string;
  readonly dir: string;
  readonly source: string;
  readonly options: FleetBenchOptions;
  nextPrefix(): string;
}

/** The fleet env of one trial; the no-op lakehouse ignores the home. */
function fleetEnv(scratch: Scratch, prefix: string): Record<string, string> {
  return {
    FLOODGATE_HOME: path.join(scratch.dir, 'home'),
    FLOODGATE_SOURCE_ROOTS: scratch.dir,
    REDIS_URL: scratch.redisUrl,
    FLOODGATE_REDIS_PREFIX: prefix,
    FLOODGATE_AUTHOR: 'bench',
  };
}

/** What differs between the two sides; the timing around it is shared. */
interface SideRunner {
  /** Pauses the first queue (backlog mode only). */
  pause(): Promise<void>;
  resume(): Promise<void>;
  enqueue(i: number): Promise<void>;
  waitFor(count: number): Promise<void>;
  parked(): number;
  verify(runs: number): void;
  close(): Promise<void>;
}

async function oursRunner(scratch: Scratch, label: string): Promise<SideRunner> {
  const { options } = scratch;
  const prefix = scratch.nextPrefix();
  const config = loadConfig(fleetEnv(scratch, prefix), { cwd: scratch.dir });
  const counter = new RunCounter();
  const fleet = await startFleet({
    config,
    redisUrl: scratch.redisUrl,
    lakehouse: new NoopLakehouse(),
    stages: ['write', 'audit', 'publish'],
    concurrency: options.overheadConcurrency,
    metrics: counter.metrics,
  });
  const producer = new FloodgateProducer({ connection: scratch.redisUrl, prefix, sourceRoots: [scratch.dir], cwd: scratch.dir });
  return {
    pause: () => fleet.queues.write.pause(),
    resume: () => fleet.queues.write.resume(),
    enqueue: async (i) => {
      await producer.enqueue({ table: `bench.t${i % options.overheadTables}`, source: scratch.source, checks: [], idempotencyKey: `${label}-${i}` });
    },
    waitFor: (count) => counter.waitFor(count, TIMEOUT_MS),
    parked: () => counter.parked,
    verify: (runs) => {
      const published = counter.outcomes.get('published') ?? 0;
      if (published !== runs) throw new Error(`ours: ${published} of ${runs} runs published (${JSON.stringify([...counter.outcomes])})`);
    },
    close: async () => {
      await producer.close();
      await fleet.close(5000);
    },
  };
}

async function bareRunner(scratch: Scratch, label: string): Promise<SideRunner> {
  const { options } = scratch;
  const lockDurationMs = loadConfig(fleetEnv(scratch, '{x}')).fleet.lockDurationMs;
  const chain = await startBareChain({ redisUrl: scratch.redisUrl, prefix: scratch.nextPrefix(), concurrency: options.overheadConcurrency, lockDurationMs });
  return {
    pause: () => chain.pause(),
    resume: () => chain.resume(),
    enqueue: (i) => chain.enqueue(`${label}-${i}`, `bench.t${i % options.overheadTables}`),
    waitFor: (count) => chain.waitFor(count, TIMEOUT_MS),
    parked: () => 0,
    verify: () => {},
    close: () => chain.close(),
  };
}

/**
 * One trial. `live`: the clock starts, then one producer enqueues the runs one after another
 * while the workers run. `backlog`: the runs are enqueued while the first queue is paused; the
 * clock starts at resume, so only the three stages are timed.
 */
export async function overheadTrial(scratch: Scratch, side: OverheadSide, mode: OverheadMode, runs: number, label: string): Promise<OverheadTrial> {
  const runner = side === 'ours' ? await oursRunner(scratch, label) : await bareRunner(scratch, label);
  try {
    if (mode === 'backlog') {
      await runner.pause();
      for (let i = 0; i < runs; i++) await runner.enqueue(i);
    }
    collectGarbage();
    const start = performance.now();
    if (mode === 'backlog') await runner.resume();
    else for (let i = 0; i < runs; i++) await runner.enqueue(i);
    const enqueueMs = mode === 'live' ? performance.now() - start : 0;
    await runner.waitFor(runs);
    const ms = performance.now() - start;
    runner.verify(runs);
    return { side, mode, runs, ms, enqueueMs, parked: runner.parked() };
  } finally {
    await runner.close();
  }
}

/** One untimed trial with every client command counted, and Redis's and Node's CPU per run (start-up and enqueue included). */
async function diagnose(scratch: Scratch, side: OverheadSide, mode: OverheadMode, runs: number): Promise<OverheadDiagnostic> {
  const client = new Redis(scratch.redisUrl);
  try {
    const serverBefore = await serverCommandMicros(client);
    const cpu = process.cpuUsage();
    const counting = countClientCommands();
    let counted: CommandCounts;
    let trial: OverheadTrial;
    try {
      trial = await overheadTrial(scratch, side, mode, runs, `diag-${side}-${mode}`);
    } finally {
      counted = counting.stop();
    }
    const used = process.cpuUsage(cpu);
    const serverMicros = (await serverCommandMicros(client)) - serverBefore;
    const total = [...counted.counts.values()].reduce((sum, n) => sum + n, 0);
    const byCommand = Object.fromEntries([...counted.counts].sort((a, b) => b[1] - a[1]).map(([name, n]) => [name, n / runs]));
    return {
      side,
      mode,
      runs,
      parked: trial.parked,
      commandsPerRun: total / runs,
      argBytesPerRun: counted.argBytes / runs,
      byCommand,
      serverMicrosPerRun: serverMicros / runs,
      nodeCpuMsPerRun: (used.user + used.system) / 1000 / runs,
    };
  } finally {
    client.disconnect();
  }
}

/**
 * Runs per second through write → audit → publish: Floodgate on a no-op lakehouse vs a bare
 * BullMQ chain, same Redis, same process, same concurrency; in each mode the trials are
 * interleaved A B, B A, ...
 */
export async function runOverhead(options: FleetBenchOptions, redisUrl: string, scratchDir: string): Promise<OverheadResults> {
  const dir = path.join(scratchDir, 'overhead');
  await fs.mkdir(dir, { recursive: true });
  let prefixes = 0;
  const source = path.join(dir, 'noop.parquet');
  await fs.writeFile(source, 'never read: the no-op lakehouse imports nothing');
  const scratch: Scratch = { redisUrl, dir, source, options, nextPrefix: () => `{fb${process.pid}o${++prefixes}}` };

  const warmupRuns = Math.min(100, options.overheadRuns);
  progress(`overhead: warm-up, ${warmupRuns} runs per side and mode`);
  for (const mode of ['backlog', 'live'] as const) {
    await overheadTrial(scratch, 'ours', mode, warmupRuns, `warm-${mode}`);
    await overheadTrial(scratch, 'bare', mode, warmupRuns, `warm-${mode}`);
  }

  const trials: OverheadTrial[] = [];
  for (let t = 0; t < options.overheadTrials; t++) {
    for (const mode of ['backlog', 'live'] as const) {
      const order = t % 2 === 0 ? (['ours', 'bare'] as const) : (['bare', 'ours'] as const);
      for (const side of order) {
        const result = await overheadTrial(scratch, side, mode, options.overheadRuns, `t${t}-${mode}`);
        progress(
          `overhead trial ${t + 1}/${options.overheadTrials} ${mode} ${side}: ${result.runs} runs in ${result.ms.toFixed(0)} ms ` +
            `(${((result.runs * 1000) / result.ms).toFixed(1)} runs/s, ${result.parked} parks)`,
        );
        trials.push(result);
      }
    }
  }
  progress('overhead: diagnostics (untimed, commands counted)');
  const diagnostics: OverheadDiagnostic[] = [];
  for (const mode of ['backlog', 'live'] as const) {
    for (const side of ['ours', 'bare'] as const) diagnostics.push(await diagnose(scratch, side, mode, options.overheadRuns));
  }
  return { runs: options.overheadRuns, tables: options.overheadTables, concurrency: options.overheadConcurrency, trials, diagnostics };
}

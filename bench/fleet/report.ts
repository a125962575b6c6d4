import { bytes, count, markdownTable, ms, ratio } from '../lib/format.js';
import { median } from '../lib/stats.js';
import type { FleetResults, LatencyResults, OverheadMode, OverheadResults, ScalingResults } from './results.js';

export const TARGETS = { overheadRatio: 0.7, outsideShare: 0.1 } as const;

const met = (ok: boolean) => (ok ? '✅ met' : '❌ missed');
const pct = (value: number) => `${(value * 100).toFixed(1)} %`;
const rps = (runs: number, millis: number) => (runs * 1000) / millis;
const perSecond = (value: number) => `${value.toFixed(value < 10 ? 2 : 1)} runs/s`;

export interface OverheadSummary {
  readonly mode: OverheadMode;
  readonly ours: readonly number[];
  readonly bare: readonly number[];
  /** ours / bare of each interleaved pair. */
  readonly pairRatios: readonly number[];
  readonly ratio: number;
}

export function summarizeOverhead(r: OverheadResults, mode: OverheadMode): OverheadSummary {
  const trials = r.trials.filter((t) => t.mode === mode);
  const ours = trials.filter((t) => t.side === 'ours').map((t) => rps(t.runs, t.ms));
  const bare = trials.filter((t) => t.side === 'bare').map((t) => rps(t.runs, t.ms));
  const pairRatios = ours.map((o, i) => o / (bare[i] ?? Number.NaN));
  return { mode, ours, bare, pairRatios, ratio: median(pairRatios) };
}

export interface LatencySummary {
  readonly totalP50: number;
  readonly lakehouseP50: number;
  readonly outsideP50: number;
  /** Median over runs of outside / total. */
  readonly outsideShare: number;
}

export function summarizeLatency(r: LatencyResults): LatencySummary {
  return {
    totalP50: median(r.runs.map((x) => x.totalMs)),
    lakehouseP50: median(r.runs.map((x) => x.lakehouseMs)),
    outsideP50: median(r.runs.map((x) => x.outsideMs)),
    outsideShare: median(r.runs.map((x) => x.outsideMs / x.totalMs)),
  };
}

export interface ScalingRow {
  readonly processes: number;
  readonly rates: readonly number[];
  readonly workerCores: number;
  readonly machineBusy: number;
  readonly median: number;
  readonly speedup: number;
  readonly efficiency: number;
}

export function summarizeScaling(r: ScalingResults): ScalingRow[] {
  const counts = [...new Set(r.trials.map((t) => t.processes))].sort((a, b) => a - b);
  const rates = (n: number) => r.trials.filter((t) => t.processes === n).map((t) => rps(t.runs, t.ms));
  const base = median(rates(counts[0] ?? 1)) / (counts[0] ?? 1);
  return counts.map((processes) => {
    const m = median(rates(processes));
    const trials = r.trials.filter((t) => t.processes === processes);
    return {
      processes,
      rates: rates(processes),
      median: m,
      speedup: m / base,
      efficiency: m / base / processes,
      workerCores: median(trials.map((t) => t.workerCores)),
      machineBusy: median(trials.map((t) => t.machineBusy)),
    };
  });
}

const MODE_LABEL: Record<OverheadMode, string> = {
  backlog: 'backlog (runs enqueued first, clock from resume: the three stages only)',
  live: 'live (clock from the first enqueue; one producer enqueues one run after another while the workers run)',
};

function summaryRows(r: FleetResults): string[][] {
  const rows: string[][] = [];
  if (r.overhead !== undefined) {
    const o = r.overhead;
    for (const mode of ['backlog', 'live'] as const) {
      const s = summarizeOverhead(o, mode);
      rows.push([
        `1 Orchestration, no-op lakehouse, ${mode}: ${count(o.runs)} runs over ${o.tables} tables, concurrency ${o.concurrency} per stage`,
        perSecond(median(s.ours)),
        `bare BullMQ 3-queue chain ${perSecond(median(s.bare))}`,
        `${ratio(s.ratio)} (ours/bare)`,
        `≥ ${TARGETS.overheadRatio}`,
        met(s.ratio >= TARGETS.overheadRatio),
      ]);
    }
  }
  if (r.latency !== undefined) {
    const s = summarizeLatency(r.latency);
    rows.push([
      `2 End-to-end latency, one ${count(r.latency.rows)}-row run, local lakehouse (SQLite catalog), p50 of ${r.latency.runs.length}`,
      `${ms(s.totalP50)} enqueue → published`,
      `inside lakehouse calls ${ms(s.lakehouseP50)}`,
      `outside ${ms(s.outsideP50)} = ${pct(s.outsideShare)}`,
      `< ${pct(TARGETS.outsideShare)} outside`,
      met(s.outsideShare < TARGETS.outsideShare),
    ]);
  }
  if (r.scaling !== undefined) {
    const rowsOf = summarizeScaling(r.scaling);
    const first = rowsOf[0];
    for (const row of rowsOf.slice(1)) {
      rows.push([
        `3 Throughput, ${row.processes} worker processes vs ${first?.processes ?? 1} (${r.scaling.tables} tables, ${count(r.scaling.rowsPerRun)} rows/run)`,
        perSecond(row.median),
        `${first?.processes ?? 1} process ${perSecond(first?.median ?? Number.NaN)}`,
        `${ratio(row.speedup)} speed-up, ${pct(row.efficiency)} efficiency`,
        '— (context; 2 cores bound it)',
        '—',
      ]);
    }
  }
  return rows;
}

function overheadDetails(o: OverheadResults): string {
  const parts: string[] = ['#### 1. Orchestration overhead'];
  for (const mode of ['backlog', 'live'] as const) {
    const s = summarizeOverhead(o, mode);
    const trials = o.trials.filter((t) => t.mode === mode);
    const rows = trials.map((t, i) => [
      String(Math.floor(i / 2) + 1),
      t.side === 'ours' ? 'Floodgate (no-op lakehouse)' : 'bare BullMQ chain',
      count(t.runs),
      ms(t.ms),
      perSecond(rps(t.runs, t.ms)),
      mode === 'live' ? ms(t.enqueueMs) : '—',
      t.side === 'ours' ? count(t.parked) : '—',
    ]);
    parts.push(
      `${MODE_LABEL[mode]}:`,
      markdownTable(['Pair', 'Side', 'Runs', 'Time', 'Throughput', 'Enqueue loop', 'Jobs parked (table busy)'], rows),
      `Pair ratios (ours/bare): ${s.pairRatios.map(ratio).join(', ')}; median ${ratio(s.ratio)}. Ratio of medians: ${ratio(median(s.ours) / median(s.bare))}; best-of: ${ratio(Math.max(...s.ours) / Math.max(...s.bare))}.`,
    );
  }
  if (o.diagnostics.length > 0) {
    const rows = o.diagnostics.map((d) => [
      d.side === 'ours' ? 'Floodgate (no-op lakehouse)' : 'bare BullMQ chain',
      d.side === 'ours' ? `${d.mode} (${count(d.parked)} parks)` : d.mode,
      d.commandsPerRun.toFixed(1),
      bytes(d.argBytesPerRun),
      Object.entries(d.byCommand)
        .filter(([, n]) => n >= 0.5)
        .map(([name, n]) => `${name} ${n.toFixed(1)}`)
        .join(', '),
      `${d.serverMicrosPerRun.toFixed(0)} µs`,
      ms(d.nodeCpuMsPerRun),
    ]);
    parts.push(
      `Diagnostics: one more untimed trial of ${count(o.diagnostics[0]?.runs ?? 0)} runs per side and mode with every command of every ioredis client in the process counted (EVALSHA: BullMQ's scripts and Floodgate's run, ledger and lock scripts). CPU figures include fleet start-up and enqueueing.`,
      markdownTable(['Side', 'Mode', 'Redis commands per run (client round trips)', 'Argument bytes per run', 'By command (≥ 0.5 per run)', 'Redis server CPU per run', 'Node CPU per run'], rows),
    );
  }
  return parts.join('\n\n');
}

function latencyDetails(l: LatencyResults): string {
  const names = Object.keys(l.runs[0]?.transitions ?? {});
  const p50 = (values: number[]) => median(values);
  const rows = [
    ['enqueue() → queued (validate, list and fingerprint the source, record + line, write job)', ms(p50(l.runs.map((r) => r.enqueueMs))), '0', ms(p50(l.runs.map((r) => r.enqueueMs)))],
    ...names.map((name) => {
      const wall = l.runs.map((r) => r.transitions[name] ?? 0);
      const inside = l.runs.map((r) => r.lakehouseByTransition[name] ?? 0);
      return [name, ms(p50(wall)), ms(p50(inside)), ms(p50(l.runs.map((r) => (r.transitions[name] ?? 0) - (r.lakehouseByTransition[name] ?? 0))))];
    }),
    ['**total**', ms(p50(l.runs.map((r) => r.totalMs))), ms(p50(l.runs.map((r) => r.lakehouseMs))), ms(p50(l.runs.map((r) => r.outsideMs)))],
  ];
  const methods = [...new Set(l.runs.flatMap((r) => Object.keys(r.byMethod)))];
  const methodRows = methods
    .map((m) => [m, p50(l.runs.map((r) => r.byMethod[m] ?? 0))] as const)
    .sort((a, b) => b[1] - a[1])
    .map(([m, v]) => `${m} ${ms(v)}`);
  return [
    '#### 2. End-to-end latency',
    `Source: one ${bytes(l.sourceBytes)} Parquet file of ${count(l.rows)} taxi-like rows; each run appends it to \`taxi.trips\` (1 untimed warm-up run creates the table). p50 per row over ${l.runs.length} runs (columns are separate medians, so they need not add up).`,
    markdownTable(['Stage (ledger status → status)', 'Wall p50', 'Inside lakehouse calls p50', 'Outside p50'], rows),
    `Totals per run (ms): ${l.runs.map((r) => r.totalMs.toFixed(0)).join(', ')}. Outside share per run: ${l.runs.map((r) => pct(r.outsideMs / r.totalMs)).join(', ')}.`,
    `Lakehouse time by method (p50 per run): ${methodRows.join(' · ')}.`,
  ].join('\n\n');
}

function scalingDetails(s: ScalingResults): string {
  const rows = summarizeScaling(s).map((row) => [
    String(row.processes),
    String(row.processes * s.concurrency),
    row.rates.map((x) => x.toFixed(2)).join(', '),
    perSecond(row.median),
    ratio(row.speedup),
    pct(row.efficiency),
    row.workerCores.toFixed(2),
    pct(row.machineBusy),
  ]);
  const startup = median(s.trials.map((t) => t.startupMs));
  return [
    '#### 3. Worker processes',
    `Each trial: N \`floodgate worker --concurrency ${s.concurrency}\` processes (the CLI through tsx) on a fresh FLOODGATE_HOME shared by all (SQLite catalog) and a fresh Redis prefix; one run per table warms up (and creates the ${s.tables} tables), untimed; then ${count(s.trials[0]?.runs ?? 0)} runs of a ${count(s.rowsPerRun)}-row Parquet file (${bytes(s.sourceBytes)}) are enqueued round-robin over the ${s.tables} tables and timed from the first enqueue to the last run's finishedAt. Worker start-up (p50 ${ms(startup)}) is not timed.`,
    markdownTable(
      ['Processes', 'Jobs per stage at once', 'Trials (runs/s)', 'Median', 'Speed-up vs 1', 'Efficiency (speed-up / processes)', 'CPU cores used by the workers (p50)', 'Machine CPU busy, all tenants (p50)'],
      rows,
    ),
  ].join('\n\n');
}

export function renderReport(r: FleetResults): string {
  const e = r.environment;
  const header = [
    `### Fleet benchmark results${e.quick ? ' (--quick: NOT for the targets)' : ''}`,
    '',
    `- Date: ${e.date}`,
    `- Command: \`${e.command}\``,
    `- Machine: ${e.cpus} × ${e.cpuModel}, ${bytes(e.memoryBytes)} RAM, Node ${e.node}, Redis ${e.redis} (private redis-server, AOF on), BullMQ ${e.bullmq}, DuckDB threads ${e.duckdbThreads} per lakehouse`,
    ...(e.durationMs === undefined ? [] : [`- Suite wall time: ${(e.durationMs / 60_000).toFixed(1)} min`]),
    ...(e.cpuPressureStart === undefined ? [] : [`- CPU contention from other tenants (Linux PSI cpu "some" avg60): ${e.cpuPressureStart.toFixed(0)}% at start, ${e.cpuPressureEnd?.toFixed(0) ?? '?'}% at end`]),
    '',
    'Ratios compare against a baseline measured in the same process and run, interleaved with it; absolute numbers on this shared 2-core machine are indicative only.',
  ];
  const sections = [
    header.join('\n'),
    markdownTable(['Benchmark', 'Floodgate', 'Baseline', 'Ratio', 'Target', 'Result'], summaryRows(r)),
    ...(r.overhead === undefined ? [] : [overheadDetails(r.overhead)]),
    ...(r.latency === undefined ? [] : [latencyDetails(r.latency)]),
    ...(r.scaling === undefined ? [] : [scalingDetails(r.scaling)]),
  ];
  return sections.join('\n\n');
}

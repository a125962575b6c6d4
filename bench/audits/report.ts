import { bytes, count, markdownTable, ms, ratio } from '../lib/format.js';

export const TARGETS = {
  /** separate / fused */
  fusedVsSeparate: 5,
  /** hand-written / fused */
  fusedVsHandWritten: 0.9,
} as const;

export interface AuditsResults {
  readonly date: string;
  readonly command: string;
  readonly env: readonly string[];
  readonly cpus: number;
  readonly cpuModel: string;
  readonly memoryBytes: number;
  readonly node: string;
  readonly duckdbThreads: number;
  readonly duckdbMemoryLimitBytes: number;
  readonly rows: number;
  readonly dataFiles: number;
  readonly dataBytes: number;
  readonly reps: number;
  readonly checks: readonly string[];
  readonly fusedSql: string;
  readonly rawSql: string;
  readonly samples: Readonly<Record<'fused' | 'separate' | 'raw', readonly number[]>>;
  /** The fused scan's own query time inside each fused run. */
  readonly scanMs: readonly number[];
  readonly medians: { readonly fused: number; readonly separate: number; readonly raw: number; readonly scan: number };
  /** Median time of each check's own query in the separate runs. */
  readonly separatePerCheckMs: readonly number[];
  /** os.loadavg() before and after the timed runs: anything else running on the machine shows here. */
  readonly loadAverage: { readonly before: readonly number[]; readonly after: readonly number[] };
  readonly durationMs: number;
}

const met = (ok: boolean) => (ok ? 'met' : '**missed**');

export function renderResults(r: AuditsResults): string {
  const { fused, separate, raw, scan } = r.medians;
  const vsSeparate = separate / fused;
  const vsRaw = raw / fused;
  const list = (values: readonly number[]) => values.map((v) => ms(v)).join(', ');
  return [
    '# Audits benchmark',
    '',
    `Measured ${r.date.slice(0, 10)} (${r.date}) with:`,
    '',
    '```sh',
    [...r.env, r.command].join(' '),
    '```',
    '',
    `${count(r.rows)} rows in ${r.dataFiles} Parquet data file(s) (${bytes(r.dataBytes)} generated), table \`bench.trips\` of the local lakehouse.`,
    `Machine: ${r.cpus} CPUs (${r.cpuModel}), ${bytes(r.memoryBytes)} RAM, Node ${r.node}; DuckDB ${r.duckdbThreads} threads and ${bytes(r.duckdbMemoryLimitBytes)} memory limit, for Floodgate and the hand-written query alike.`,
    `Each side ran once untimed (and its numbers were checked equal to the others'), then ${r.reps} timed times, interleaved in one process; medians below.`,
    `Load average (1, 5, 15 min) before the timed runs: ${r.loadAverage.before.map((l) => l.toFixed(2)).join(', ')}; after: ${r.loadAverage.after.map((l) => l.toFixed(2)).join(', ')}.`,
    '',
    markdownTable(
      ['what', 'median', 'compared with', 'ratio', 'target', ''],
      [
        ['`runAudit`, 10 checks fused into one scan', ms(fused), `the same 10 checks as 10 queries (\`fuse: false\`): ${ms(separate)}`, `${ratio(vsSeparate)} faster`, `≥ ${TARGETS.fusedVsSeparate}×`, met(vsSeparate >= TARGETS.fusedVsSeparate)],
        ['`runAudit`, fused (whole call)', ms(fused), `one hand-written DuckDB query over the same files: ${ms(raw)}`, `${ratio(vsRaw)} (hand-written / fused)`, `≥ ${TARGETS.fusedVsHandWritten}×`, met(vsRaw >= TARGETS.fusedVsHandWritten)],
      ],
    ),
    '',
    `The fused scan's own query took a median ${ms(scan)} of the fused call; the rest is resolving the ref, reading the table schema and evaluating.`,
    '',
    'All timings (ms):',
    '',
    markdownTable(['side', 'runs'], [['fused', list(r.samples.fused)], ['separate', list(r.samples.separate)], ['hand-written', list(r.samples.raw)], ['fused scan query', list(r.scanMs)]]),
    '',
    `Where the time goes: each check's own query in the separate runs (median); together ${ms(r.separatePerCheckMs.reduce((a, b) => a + b, 0))}, against ${ms(scan)} for the fused scan. DuckDB reads only the columns a query names, so ten one-check queries over different columns decode about as much data as one ten-check query; fusing saves the per-query work (resolving the ref, reading the table metadata, planning, starting the scan) and the re-reads of columns that several checks share, not the per-row work of each check.`,
    '',
    markdownTable(['check', 'alone'], r.checks.map((name, i) => [`\`${name}\``, ms(r.separatePerCheckMs[i] ?? Number.NaN)])),
    '',
    '<details><summary>the fused scan</summary>',
    '',
    '```sql',
    r.fusedSql,
    '```',
    '',
    '</details>',
    '',
    '<details><summary>the hand-written query</summary>',
    '',
    '```sql',
    r.rawSql,
    '```',
    '',
    '</details>',
    '',
    `Whole suite: ${ms(r.durationMs)}.`,
  ].join('\n');
}

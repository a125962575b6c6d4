import { bytes, count, markdownTable, ms, ratio } from '../lib/format.js';
import { TARGETS, type LakehouseResults } from './results.js';

const met = (ok: boolean) => (ok ? '✅ met' : '❌ missed');

function summaryRows(r: LakehouseResults): string[][] {
  const rows: string[][] = [];
  const scenarios = r.refs?.scenarios ?? [];
  const small = scenarios[0];
  const large = scenarios[1];
  for (const op of ['create', 'merge'] as const) {
    const label = op === 'create' ? 'Branch create' : 'Fast-forward merge';
    for (const s of scenarios) {
      const flat = s === large && small !== undefined ? s[op].p50 / small[op].p50 : undefined;
      const flatOk = flat === undefined || flat <= TARGETS.flatFactor;
      rows.push([
        `1 ${label}, table of ${count(s.files)} data file${s.files === 1 ? '' : 's'} (SQLite catalog)`,
        `p50 ${ms(s[op].p50)} · p99 ${ms(s[op].p99)}`,
        flat === undefined ? '—' : `1-file p50 ${ms(small?.[op].p50 ?? Number.NaN)}`,
        flat === undefined ? '—' : ratio(flat),
        flat === undefined ? `p50 < ${TARGETS.refP50Ms} ms` : `p50 < ${TARGETS.refP50Ms} ms, ≤ ${TARGETS.flatFactor}× 1-file`,
        met(s[op].p50 < TARGETS.refP50Ms && flatOk),
      ]);
    }
  }
  if (r.import !== undefined) {
    const i = r.import;
    const mbps = (t: number) => `${((i.inputBytes / 1e6) / (t / 1000)).toFixed(0)} MB/s`;
    rows.push([
      `2 Import ${count(i.rows)} rows, ${i.inputFiles} files, ${bytes(i.inputBytes)} Parquet`,
      `${ms(i.oursMedianMs)} (${mbps(i.oursMedianMs)})`,
      `raw DuckDB COPY ${ms(i.rawMedianMs)} (${mbps(i.rawMedianMs)})`,
      `${ratio(i.ratio)} (raw/ours)`,
      `≥ ${TARGETS.importRatio}`,
      met(i.ratio >= TARGETS.importRatio),
    ]);
  }
  if (r.query !== undefined) {
    const q = r.query;
    rows.push([
      `3 Full-scan GROUP BY via queryRows at a branch (${count(q.rows)} rows, ${q.dataFiles} data file${q.dataFiles === 1 ? '' : 's'})`,
      ms(q.oursMedianMs),
      `raw DuckDB read_parquet ${ms(q.rawMedianMs)}`,
      `${ratio(q.ratio)} (raw/ours)`,
      `≥ ${TARGETS.queryRatio}`,
      met(q.ratio >= TARGETS.queryRatio),
    ]);
  }
  if (r.rss !== undefined) {
    const ours = r.rss.runs.find((run) => run.mode === 'floodgate');
    const raw = r.rss.runs.find((run) => run.mode === 'raw');
    if (ours !== undefined) {
      rows.push([
        `4 Peak RSS importing ${bytes(r.rss.inputBytes)} Parquet (${r.rss.inputFiles} files, child process)`,
        `${bytes(ours.peakRssBytes)} (${ratio(ours.peakToInput)} input)`,
        raw === undefined ? '—' : `raw DuckDB COPY ${bytes(raw.peakRssBytes)}`,
        raw === undefined ? '—' : `${ratio(ours.peakRssBytes / raw.peakRssBytes)} (ours/raw)`,
        `< ${bytes(TARGETS.rssBytes)}`,
        met(ours.peakRssBytes < TARGETS.rssBytes),
      ]);
    }
  }
  if (r.peer !== undefined) {
    const p = r.peer;
    rows.push([
      `5 WAP create branch + import ${count(p.rows)} rows + publish, vs PyIceberg ${p.pyiceberg}`,
      ms(p.oursMedian.total),
      `PyIceberg ${ms(p.theirsMedian.total)}`,
      `${ratio(p.ratio.total)} (ours/theirs, lower is better)`,
      '— (context)',
      p.ratio.total <= 1 ? 'faster' : 'slower',
    ]);
  }
  return rows;
}

function refDetails(r: LakehouseResults): string {
  const scenarios = r.refs?.scenarios ?? [];
  if (scenarios.length === 0) return '';
  const rows = scenarios.map((s) => [
    count(s.files),
    count(s.rows),
    String(s.create.n),
    `${ms(s.create.p50)} / ${ms(s.create.p99)} / ${ms(s.create.max)}`,
    `${ms(s.merge.p50)} / ${ms(s.merge.p99)} / ${ms(s.merge.max)}`,
    `${ms(s.tinyImport.p50)} / ${ms(s.tinyImport.p99)}`,
  ]);
  return `### 1. Branch create and merge\n\n${markdownTable(
    ['Data files', 'Rows', 'Rounds', 'Create p50 / p99 / max', 'Merge p50 / p99 / max', '1-row import on the branch p50 / p99 (context)'],
    rows,
  )}\n`;
}

function importDetails(r: LakehouseResults): string {
  const i = r.import;
  if (i === undefined) return '';
  return `### 2. Import\n\n${markdownTable(
    ['Side', 'Runs (ms)', 'Median', 'Output'],
    [
      ['Floodgate importData', i.oursMs.map((v) => v.toFixed(0)).join(', '), ms(i.oursMedianMs), `${i.oursOutputFiles} file${i.oursOutputFiles === 1 ? '' : 's'}, ${bytes(i.oursOutputBytes)}`],
      ['raw DuckDB COPY', i.rawMs.map((v) => v.toFixed(0)).join(', '), ms(i.rawMedianMs), `1 file, ${bytes(i.rawOutputBytes)}`],
    ],
  )}\n\nBest-of ratio (fastest raw / fastest Floodgate, less sensitive to neighbours): ${ratio(Math.min(...i.rawMs) / Math.min(...i.oursMs))}.\n`;
}

function queryDetails(r: LakehouseResults): string {
  const q = r.query;
  if (q === undefined) return '';
  return `### 3. Query\n\n\`${q.sql}\` at \`${q.ref}\`\n\n${markdownTable(
    ['Side', 'Runs (ms)', 'Median'],
    [
      ['Floodgate queryRows', q.oursMs.map((v) => v.toFixed(1)).join(', '), ms(q.oursMedianMs)],
      ['raw DuckDB read_parquet', q.rawMs.map((v) => v.toFixed(1)).join(', '), ms(q.rawMedianMs)],
      ['diagnostic: raw DuckDB read_parquet(..., schema = map {field ids}) as in Floodgate\'s view', q.rawMappedMs.map((v) => v.toFixed(1)).join(', '), ms(q.rawMappedMedianMs)],
    ],
  )}\n\nBest-of ratio (fastest raw / fastest Floodgate): ${ratio(Math.min(...q.rawMs) / Math.min(...q.oursMs))}. Floodgate / diagnostic (Floodgate's own overhead on top of its field-id scan): ${ratio(q.oursMedianMs / q.rawMappedMedianMs)}; diagnostic / plain (cost of the field-id \`schema\` scan in DuckDB): ${ratio(q.rawMappedMedianMs / q.rawMedianMs)}.

Diagnostic, wide result: \`SELECT * ... LIMIT ${count(q.wide.rows)}\` (15 columns) as row objects: Floodgate queryRows ${q.wide.oursMs.map((v) => v.toFixed(0)).join(', ')} ms vs raw DuckDB getRowObjectsJson ${q.wide.rawMs.map((v) => v.toFixed(0)).join(', ')} ms (raw/ours ${ratio(q.wide.ratio)}).

Diagnostic, one-row query (\`SELECT trip_id ... LIMIT 1\`, fixed cost per call): Floodgate queryRows ${ms(q.point.oursMedianMs)} vs raw DuckDB ${ms(q.point.rawMedianMs)} (medians).\n`;
}

function rssDetails(r: LakehouseResults): string {
  const s = r.rss;
  if (s === undefined) return '';
  const note = s.scaledDownNote === undefined ? '' : `\n> **Scaled down:** ${s.scaledDownNote}\n`;
  return `### 4. Peak RSS\n${note}\n${markdownTable(
    ['Child', 'Peak RSS', 'RSS before import', 'Peak / input', 'Import time', 'Output files'],
    s.runs.map((run) => [
      run.mode === 'floodgate' ? 'Floodgate importData' : 'raw DuckDB COPY',
      bytes(run.peakRssBytes),
      bytes(run.rssBeforeBytes),
      ratio(run.peakToInput),
      ms(run.ms),
      String(run.outputFiles),
    ]),
  )}\n`;
}

function peerDetails(r: LakehouseResults): string {
  const p = r.peer;
  if (p === undefined) return '';
  const phases = [
    ['createBranch', 'Create branch'],
    ['import', 'Import / append to branch'],
    ['merge', 'Publish (fast-forward main)'],
    ['total', 'Total'],
  ] as const;
  return `### 5. PyIceberg ${p.pyiceberg} (pyarrow ${p.pyarrow}) peer, medians of ${p.ours.length} run${p.ours.length === 1 ? '' : 's'}\n\n${markdownTable(
    ['Phase', 'Floodgate', 'PyIceberg', 'Floodgate / PyIceberg'],
    phases.map(([key, label]) => [label, ms(p.oursMedian[key]), ms(p.theirsMedian[key]), ratio(p.ratio[key])]),
  )}\n\nBest-of total (fastest Floodgate / fastest PyIceberg): ${ratio(Math.min(...p.ours.map((t) => t.total)) / Math.min(...p.theirs.map((t) => t.total)))}. Per-run totals: Floodgate ${p.ours.map((t) => t.total.toFixed(0)).join(', ')} ms; PyIceberg ${p.theirs.map((t) => t.total.toFixed(0)).join(', ')} ms.\n\nOn main after the publish (seed file included): Floodgate ${p.oursDataFiles} data files, ${bytes(p.oursBytes)}; PyIceberg ${p.theirsDataFiles} data files, ${bytes(p.theirsBytes)}.\n`;
}

export function renderReport(r: LakehouseResults): string {
  const e = r.environment;
  const header = [
    `## Lakehouse benchmark results${e.quick ? ' (--quick)' : ''}`,
    '',
    `- Date: ${e.date}`,
    `- Command: \`${e.command}\``,
    `- Machine: ${e.cpus} × ${e.cpuModel}, ${bytes(e.memoryBytes)} RAM, Node ${e.node}, DuckDB ${e.duckdb}`,
    `- DuckDB settings (Floodgate and baseline alike): ${e.duckdbThreads} threads, memory limit ${bytes(e.duckdbMemoryLimitBytes)}, preserve_insertion_order=false; Floodgate target file size ${bytes(e.targetFileSizeBytes)}`,
    ...(e.durationMs === undefined ? [] : [`- Suite wall time: ${(e.durationMs / 60000).toFixed(1)} min`]),
    ...(e.cpuPressureStart === undefined
      ? []
      : [`- CPU contention from other tenants (Linux PSI cpu "some" avg60): ${e.cpuPressureStart.toFixed(0)}% at start, ${e.cpuPressureEnd?.toFixed(0) ?? '?'}% at end`]),
    '',
    'Ratios compare against a baseline measured in the same process (or script) and run interleaved with it; absolute times on this shared machine are indicative only.',
    '',
  ].join('\n');
  const summary = markdownTable(['Benchmark', 'Floodgate', 'Baseline', 'Ratio', 'Target', 'Result'], summaryRows(r));
  const details = [refDetails(r), importDetails(r), queryDetails(r), rssDetails(r), peerDetails(r)].filter((d) => d !== '');
  return `${header}\n${summary}\n\n${details.join('\n')}`;
}

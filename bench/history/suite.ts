import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { recordAuditHistory, runAudit, AUDIT_RESULTS_TABLE, LOADED_FILES_TABLE, type AuditReport } from '../../src/shared/audits/index.js';
import type { Check } from '../../src/shared/audits/index.js';
import type { CompactResult, Lakehouse } from '../../src/shared/lakehouse/lakehouse.js';
import type { Suite } from '../suite.js';
import { envInt, parseSuiteArgs } from '../lib/args.js';
import { ms, markdownTable, ratio } from '../lib/format.js';
import { progress } from '../lib/log.js';
import { cpuPressure60 } from '../lib/pressure.js';
import { writeSuiteResults } from '../lib/results.js';
import { collectGarbage, median, timed } from '../lib/stats.js';
import { openBenchLakehouse } from '../lakehouse/home.js';

const HELP = `npm run bench -- history [--quick]

The audit history after many publishes, and what the janitor's compaction does for it. One
scratch lakehouse, one process:
  1. N publishes' worth of history: recordAuditHistory appends one commit (one data file) to each
     of ${AUDIT_RESULTS_TABLE} and ${LOADED_FILES_TABLE} per run, as the publish stage does;
  2. the history checks every run's audit makes (not_already_loaded, volume_change), timed;
  3. both tables compacted (what \`floodgate janitor\` does past FLOODGATE_HISTORY_COMPACT_FILES);
  4. the same checks again: the ratio is before / after, same process, same rows;
  5. history appends timed, then both tables' snapshots expired and the orphan files swept (what
     the janitor does past FLOODGATE_SNAPSHOT_RETENTION, here with a window of 0), then the same
     appends timed again: the ratio is before / after expiry.

Environment (defaults: full run / --quick):
  BENCH_HISTORY_RUNS  publishes recorded      1000 / 150
  BENCH_HISTORY_REPS  timed audits per side   7 / 3`;

const TABLE = 'bench.trips';
const HISTORY_CHECKS: Check[] = [{ type: 'not_already_loaded' }, { type: 'volume_change', maxChangePercent: 50, lookback: 20 }];

const APPEND_SAMPLE = 30;

interface Side {
  readonly files: Record<string, number>;
  readonly auditMs: number[];
  readonly countMs: number[];
  readonly observed: unknown[];
}

async function fileCounts(lakehouse: Lakehouse): Promise<Record<string, number>> {
  const tables = await lakehouse.listTables('main');
  return Object.fromEntries([AUDIT_RESULTS_TABLE, LOADED_FILES_TABLE].map((t) => [t, tables.find((x) => x.name === t)?.files ?? 0]));
}

/** A run's audit of the history checks, as the audit stage makes it (a new fingerprint, 100 rows added). */
function historyAudit(lakehouse: Lakehouse): Promise<AuditReport> {
  return runAudit({
    lakehouse,
    table: TABLE,
    ref: 'main',
    checks: HISTORY_CHECKS,
    defaultChecks: false,
    context: { runId: 'probe', fingerprints: ['fp-probe'], rowsAdded: 100, historyRef: 'main' },
  });
}

/** Bytes and snapshot count of each history table's current metadata file, and the warehouse's files. */
async function footprint(lakehouse: Lakehouse, warehouse: string) {
  const tables = await lakehouse.listTables('main');
  const metadata: Record<string, { bytes: number; snapshots: number }> = {};
  for (const table of [AUDIT_RESULTS_TABLE, LOADED_FILES_TABLE]) {
    const location = tables.find((t) => t.name === table)?.metadataLocation ?? '';
    const text = await fs.readFile(location, 'utf8');
    metadata[table] = { bytes: Buffer.byteLength(text), snapshots: (JSON.parse(text) as { snapshots: unknown[] }).snapshots.length };
  }
  const entries = await fs.readdir(warehouse, { recursive: true, withFileTypes: true });
  const files = entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
  const bytes = (await Promise.all(files.map((f) => fs.stat(f)))).reduce((sum, s) => sum + s.size, 0);
  return { metadata, files: files.length, bytes };
}

async function timeAppends(lakehouse: Lakehouse, report: AuditReport, tag: string): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < APPEND_SAMPLE; i++) {
    collectGarbage();
    const run = { lakehouse, report: { ...report, fingerprints: [`fp-${tag}-${i}`] }, branch: 'main', runId: `run-${tag}-${i}`, published: true };
    out.push((await timed(() => recordAuditHistory(run))).ms);
  }
  return out;
}

async function measure(lakehouse: Lakehouse, reps: number): Promise<Side> {
  const first = await historyAudit(lakehouse);
  if (!first.passed) throw new Error(`the history checks failed: ${JSON.stringify(first.checks.map((c) => [c.name, c.status, c.message]))}`);
  const side: Side = { files: await fileCounts(lakehouse), auditMs: [], countMs: [], observed: first.checks.map((c) => c.observed) };
  for (let rep = 0; rep < reps; rep++) {
    collectGarbage();
    side.auditMs.push((await timed(() => historyAudit(lakehouse))).ms);
    side.countMs.push((await timed(() => lakehouse.queryRows(`SELECT count(*) AS n FROM ${AUDIT_RESULTS_TABLE}`))).ms);
  }
  return side;
}

async function run(argv: readonly string[]): Promise<void> {
  const args = parseSuiteArgs(argv, [], HELP);
  if (args === 'help') {
    console.log(HELP);
    return;
  }
  const runs = envInt('BENCH_HISTORY_RUNS', args.pick(1000, 150));
  const reps = envInt('BENCH_HISTORY_REPS', args.pick(7, 3));
  const started = performance.now();
  const pressureStart = cpuPressure60();
  const dataDir = path.join(args.benchDir, '.data');
  const home = path.join(dataDir, 'history-home');
  const { lakehouse, config } = await openBenchLakehouse(home, dataDir);
  try {
    const records = Array.from({ length: 100 }, (_, i) => ({ trip_id: i, fare: (i % 40) + 2.5, zone: `zone-${i % 7}` }));
    await lakehouse.appendRecords({ table: TABLE, branch: 'main', records });
    const checks: Check[] = [{ type: 'not_null', column: 'trip_id' }, { type: 'unique', columns: ['trip_id'] }, ...HISTORY_CHECKS];
    const report = await runAudit({ lakehouse, table: TABLE, ref: 'main', checks, context: { runId: 'r', rowsAdded: 100, historyRef: 'main' } });

    progress(`recording ${runs} publishes' history (${report.checks.length} checks and one fingerprint each)`);
    const appendMs: number[] = [];
    for (let i = 0; i < runs; i++) {
      const { ms: took } = await timed(() =>
        recordAuditHistory({ lakehouse, report: { ...report, fingerprints: [`fp-${i}`] }, branch: 'main', runId: `run-${i}`, published: true }),
      );
      appendMs.push(took);
      if ((i + 1) % 100 === 0) progress(`  ${i + 1}/${runs}, last: ${took.toFixed(0)} ms`);
    }

    progress(`history checks before compaction, ${reps} timed runs`);
    const before = await measure(lakehouse, reps);
    const compacted: Array<CompactResult & { ms: number }> = [];
    for (const table of [AUDIT_RESULTS_TABLE, LOADED_FILES_TABLE]) {
      const { ms: took, value } = await timed(async () => (await lakehouse.compactTable?.(table)) ?? Promise.reject(new Error('no compaction')));
      if (value.outcome !== 'compacted') throw new Error(`${table}: ${value.outcome}`);
      compacted.push({ ...value, ms: took });
    }
    progress(`history checks after compaction, ${reps} timed runs`);
    const after = await measure(lakehouse, reps);
    if (JSON.stringify(after.observed) !== JSON.stringify(before.observed)) {
      throw new Error(`compaction changed what the checks saw: ${JSON.stringify(before.observed)} vs ${JSON.stringify(after.observed)}`);
    }

    progress(`expiry: ${APPEND_SAMPLE} history appends, expire both tables and sweep, ${APPEND_SAMPLE} appends again`);
    const { warehouse } = config;
    const appendsBefore = await timeAppends(lakehouse, report, 'before');
    const kept = await footprint(lakehouse, warehouse);
    const expiry = await timed(async () => {
      const tables = [];
      for (const table of [AUDIT_RESULTS_TABLE, LOADED_FILES_TABLE]) tables.push(await lakehouse.expireSnapshots?.(table, { olderThanMs: 0 }));
      return { tables, orphans: await lakehouse.removeOrphanFiles?.({ olderThanMs: 0, minAgeMs: 0 }) };
    });
    if (expiry.value.orphans === undefined || expiry.value.tables.some((t) => t?.outcome !== 'expired')) throw new Error(`expiry did not run: ${JSON.stringify(expiry.value)}`);
    const expired = await footprint(lakehouse, warehouse);
    const appendsAfter = await timeAppends(lakehouse, report, 'after');
    const afterExpiry = await measure(lakehouse, 1);
    if (JSON.stringify(afterExpiry.observed) !== JSON.stringify(before.observed)) {
      throw new Error(`expiry changed what the checks saw: ${JSON.stringify(before.observed)} vs ${JSON.stringify(afterExpiry.observed)}`);
    }
    const meta = (f: typeof kept) => `${f.metadata[AUDIT_RESULTS_TABLE]?.snapshots} snapshot(s), ${kb(f.metadata[AUDIT_RESULTS_TABLE]?.bytes)} / ${f.metadata[LOADED_FILES_TABLE]?.snapshots}, ${kb(f.metadata[LOADED_FILES_TABLE]?.bytes)}`;

    const block = (from: number) => median(appendMs.slice(from, from + 50));
    const lines = [
      '### Audit-history benchmark results',
      '',
      `- Date: ${new Date().toISOString()}`,
      `- Command: \`npm run bench -- history${argv.length > 0 ? ` ${argv.join(' ')}` : ''}\` (${runs} publishes recorded, ${reps} timed audits per side)`,
      `- Machine: ${os.availableParallelism()} × ${os.cpus()[0]?.model ?? 'CPU'}, Node ${process.version}; local lakehouse, SQLite catalog`,
      `- CPU pressure (PSI some avg60): ${pressureStart ?? '?'}% at start, ${cpuPressure60() ?? '?'}% at end; suite ${ms(performance.now() - started)}`,
      '',
      'Medians. Before and after ran in the same process on the same history; the checks observed the same values both times.',
      '',
      markdownTable(
        ['', 'before compaction', 'after', 'before / after'],
        [
          ['data files: audit_results / loaded_files', `${before.files[AUDIT_RESULTS_TABLE]} / ${before.files[LOADED_FILES_TABLE]}`, `${after.files[AUDIT_RESULTS_TABLE]} / ${after.files[LOADED_FILES_TABLE]}`, ''],
          ['`not_already_loaded` + `volume_change` audit (`runAudit`)', ms(median(before.auditMs)), ms(median(after.auditMs)), ratio(median(before.auditMs) / median(after.auditMs))],
          [`\`SELECT count(*) FROM ${AUDIT_RESULTS_TABLE}\``, ms(median(before.countMs)), ms(median(after.countMs)), ratio(median(before.countMs) / median(after.countMs))],
        ],
      ),
      '',
      `Compaction: ${compacted.map((c) => `${c.table} ${c.filesBefore} files → ${c.filesAfter} (${c.rows} rows) in ${ms(c.ms)}`).join('; ')}.`,
      `History appends (one \`recordAuditHistory\`, two commits), p50 of the first 50: ${ms(block(0))}; of the last 50: ${ms(block(Math.max(0, runs - 50)))}.`,
      '',
      `Expiry (both tables' snapshots expired with a window of 0, then the orphan sweep; ${APPEND_SAMPLE} history appends timed on each side, same process; the checks observed the same values after):`,
      '',
      markdownTable(
        ['', 'before expiry', 'after', 'before / after'],
        [
          ['current metadata file: audit_results / loaded_files', meta(kept), meta(expired), ''],
          ['warehouse files (all tables)', `${kept.files} (${kb(kept.bytes)})`, `${expired.files} (${kb(expired.bytes)})`, ratio(kept.bytes / expired.bytes)],
          ['history append (`recordAuditHistory`, two commits), p50', ms(median(appendsBefore)), ms(median(appendsAfter)), ratio(median(appendsBefore) / median(appendsAfter))],
        ],
      ),
      '',
      `Expiring both tables and sweeping took ${ms(expiry.ms)}: ${expiry.value.orphans.filesDeleted} files deleted (${kb(expiry.value.orphans.bytesDeleted)}), ${expiry.value.orphans.filesReferenced} still referenced.`,
    ];
    const text = lines.join('\n');
    await writeSuiteResults(path.join(args.benchDir, 'results'), 'history', text, { runs, reps, before, after, compacted, appendMs, appendsBefore, appendsAfter, kept, expired, expiry }, !args.quick);
    console.log(text);
  } finally {
    await lakehouse.close();
    await fs.rm(home, { recursive: true, force: true });
  }
}

function kb(bytes: number | undefined): string {
  const b = bytes ?? 0;
  return b >= 1024 ** 2 ? `${(b / 1024 ** 2).toFixed(1)} MB` : `${(b / 1024).toFixed(1)} KB`;
}

export const historySuite: Suite = {
  name: 'history',
  description: 'history checks over 1,000 publishes of audit history, before vs after compaction; appends before vs after expiry',
  run,
};

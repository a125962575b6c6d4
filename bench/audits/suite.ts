import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runAudit, type AuditReport } from '../../src/shared/audits/index.js';
import type { Lakehouse } from '../../src/shared/lakehouse/lakehouse.js';
import { liveDataFiles, localFileIO, readTableMetadata } from '../../src/shared/lakehouse/local/iceberg/index.js';
import type { Suite } from '../suite.js';
import { RawDuck } from '../lib/duck.js';
import { warmPageCache } from '../lib/files.js';
import { progress } from '../lib/log.js';
import { collectGarbage, median, timed } from '../lib/stats.js';
import { benchConfig, openBenchLakehouse } from '../lakehouse/home.js';
import { CHECKS, NOW, TABLE, handWrittenSql, rawObserved } from './checks.js';
import { auditDataset, type AuditDataset } from './dataset.js';
import { helpText, parseOptions, type AuditsOptions } from './options.js';
import { renderResults, type AuditsResults } from './report.js';

type Side = 'fused' | 'separate' | 'raw';

/** A scratch lakehouse holding the dataset as `bench.trips`, kept between runs while the dataset is the same. */
async function lakehouseWith(options: AuditsOptions, dataset: AuditDataset): Promise<Lakehouse> {
  const home = path.join(options.dataDir, 'audits-home');
  const marker = path.join(home, 'dataset.txt');
  const key = `${dataset.dir} ${dataset.bytes}`;
  const same = (await fs.readFile(marker, 'utf8').catch(() => '')) === key;
  const { lakehouse } = await openBenchLakehouse(home, dataset.dir, { keep: same });
  if (!same) {
    progress(`importing ${dataset.rows} rows into ${TABLE}`);
    await lakehouse.importData({ table: TABLE, source: path.join(dataset.dir, '*.parquet'), branch: 'main' });
    await fs.writeFile(marker, key);
  }
  return lakehouse;
}

/** The table's live data files at main, from its Iceberg metadata: what both Floodgate and the raw query read. */
async function dataFiles(lakehouse: Lakehouse): Promise<string[]> {
  const info = (await lakehouse.listTables('main')).find((t) => t.name === TABLE);
  if (info?.metadataLocation === undefined) throw new Error(`${TABLE} has no metadata at main`);
  const io = localFileIO();
  return (await liveDataFiles(io, await readTableMetadata(io, info.metadataLocation))).map((f) => f.path);
}

function observedOf(report: AuditReport): unknown[] {
  return report.checks.map((c) => (c.type === 'freshness' ? (c.observed as { latest: string }).latest : c.type === 'unique' ? c.failingCount : c.observed));
}

/** The three sides must compute the same numbers, or the timings mean nothing. */
function verify(fused: AuditReport, separate: AuditReport, raw: Record<string, unknown>): void {
  const a = observedOf(fused);
  const b = observedOf(separate);
  const c = rawObserved(raw);
  const same = (x: unknown, y: unknown) => (typeof x === 'number' && typeof y === 'number' ? Math.abs(x - y) <= 1e-9 * Math.max(1, Math.abs(x)) : x === y);
  a.forEach((value, i) => {
    if (!same(value, b[i]) || !same(value, c[i])) {
      throw new Error(`check ${fused.checks[i]?.name}: fused ${String(value)}, separate ${String(b[i])}, hand-written ${String(c[i])}`);
    }
  });
  if (!fused.passed || fused.scans.length !== 1 || separate.scans.length !== 0) throw new Error('expected one passing fused scan');
}

async function run(argv: readonly string[]): Promise<void> {
  const options = parseOptions(argv);
  if (options === 'help') {
    console.log(helpText());
    return;
  }
  const started = performance.now();
  const config = benchConfig(path.join(options.dataDir, 'audits-home'), options.dataDir);
  const duck = await RawDuck.open({
    threads: config.duckdbThreads,
    memoryLimitBytes: config.duckdbMemoryLimitBytes,
    tempDirectory: path.join(options.dataDir, 'audits-raw-tmp'),
  });
  let lakehouse: Lakehouse | undefined;
  try {
    const dataset = await auditDataset(duck, options.dataDir, options.rows, options.files);
    lakehouse = await lakehouseWith(options, dataset);
    const files = await dataFiles(lakehouse);
    await warmPageCache(files);
    const request = { lakehouse, table: TABLE, ref: 'main', checks: CHECKS, defaultChecks: false, context: { now: NOW } } as const;
    const rawSql = handWrittenSql(files);
    const sides: Record<Side, () => Promise<unknown>> = {
      fused: () => runAudit(request),
      separate: () => runAudit({ ...request, fuse: false }),
      raw: async () => (await duck.connection.runAndReadAll(rawSql)).getRowObjectsJson()[0],
    };

    progress(`warm-up and check: ${CHECKS.length} checks over ${dataset.rows} rows in ${files.length} data files`);
    const fused = (await sides.fused()) as AuditReport;
    const separate = (await sides.separate()) as AuditReport;
    const raw = (await sides.raw()) as Record<string, unknown>;
    verify(fused, separate, raw);

    const samples: Record<Side, number[]> = { fused: [], separate: [], raw: [] };
    const scanMs: number[] = [];
    const perCheck: number[][] = CHECKS.map(() => []);
    const loadBefore = os.loadavg();
    const order: Side[] = ['fused', 'separate', 'raw'];
    for (let rep = 0; rep < options.reps; rep++) {
      // Rotate the order so no side always runs right after another's page-cache or allocator churn.
      for (const side of [...order.slice(rep % 3), ...order.slice(0, rep % 3)]) {
        collectGarbage();
        const { ms, value } = await timed(sides[side]);
        samples[side].push(ms);
        if (side === 'fused') scanMs.push((value as AuditReport).scans[0]?.durationMs ?? Number.NaN);
        if (side === 'separate') (value as AuditReport).checks.forEach((c, i) => perCheck[i]?.push(c.durationMs));
      }
      progress(`rep ${rep + 1}/${options.reps}: fused ${samples.fused.at(-1)?.toFixed(0)} ms, separate ${samples.separate.at(-1)?.toFixed(0)} ms, raw ${samples.raw.at(-1)?.toFixed(0)} ms`);
    }

    const results: AuditsResults = {
      date: new Date().toISOString(),
      command: ['npm run bench -- audits', ...argv].join(' '),
      env: Object.entries(process.env)
        .filter(([key]) => key.startsWith('BENCH_AUDIT') || key.startsWith('FLOODGATE_DUCKDB'))
        .map(([key, value]) => `${key}=${value ?? ''}`),
      cpus: os.availableParallelism(),
      cpuModel: os.cpus()[0]?.model ?? 'unknown CPU',
      memoryBytes: os.totalmem(),
      node: process.version,
      duckdbThreads: config.duckdbThreads,
      duckdbMemoryLimitBytes: config.duckdbMemoryLimitBytes,
      rows: dataset.rows,
      dataFiles: files.length,
      dataBytes: dataset.bytes,
      reps: options.reps,
      checks: CHECKS.map((c, i) => fused.checks[i]?.name ?? c.type),
      fusedSql: fused.scans[0]?.sql ?? '',
      rawSql: handWrittenSql(['<data files>']),
      samples,
      scanMs,
      medians: { fused: median(samples.fused), separate: median(samples.separate), raw: median(samples.raw), scan: median(scanMs) },
      separatePerCheckMs: perCheck.map((values) => median(values)),
      loadAverage: { before: loadBefore, after: os.loadavg() },
      durationMs: performance.now() - started,
    };
    const report = renderResults(results);
    // Only a full run replaces the published figures; a --quick run prints its own.
    if (!options.quick) await fs.writeFile(path.join(options.resultsDir, 'README.md'), `${report}\n`);
    await fs.writeFile(path.join(options.dataDir, `audits-results${options.quick ? '-quick' : ''}.json`), `${JSON.stringify(results, null, 2)}\n`);
    console.log(report);
  } finally {
    await lakehouse?.close();
    duck.close();
  }
}

export const auditsSuite: Suite = {
  name: 'audits',
  description: '10 column checks over 20 M rows: fused scan vs 10 separate queries vs one hand-written DuckDB query',
  run,
};

import fs from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Lakehouse } from '../../src/shared/lakehouse/lakehouse.js';
import { openLocalLakehouse } from '../../src/shared/lakehouse/local/index.js';
import { liveDataFiles, localFileIO, readTableMetadata } from '../../src/shared/lakehouse/local/iceberg/index.js';
import { openLocal, type OpenedBackend } from '../support/backends.js';
import { writeFile } from '../support/data.js';
import { REPO_ROOT } from '../support/paths.js';
import { runPythonJson } from '../support/python.js';

const rows = (start: number, n: number) => `SELECT (range + ${start})::BIGINT AS id, 'zone-' || (range % 7) AS zone FROM range(${n})`;

async function version(lake: Lakehouse, ref = 'main', table = 'taxi.trips') {
  const info = (await lake.listTables(ref)).find((t) => t.name === table);
  const metadata = await readTableMetadata(localFileIO(), info?.metadataLocation ?? '');
  return { location: info?.metadataLocation ?? '', metadata, files: (await liveDataFiles(localFileIO(), metadata)).map((f) => f.path) };
}

const totals = async (lake: Lakehouse, ref: string) =>
  (await lake.queryRows('SELECT count(*) AS n, sum(id) AS s FROM taxi.trips', { ref })).map((r) => ({ n: Number(r['n']), s: Number(r['s']) }))[0];

/**
 * A branch's writes merge into a main that maintenance moved meanwhile (a compaction, expired
 * snapshots): they are rebased onto main's version, which has the same rows, so what the branch
 * held is exactly what main holds afterwards. Any change to main's rows keeps the conflict.
 */
describe.each([
  { catalog: 'SQLite', postgres: false },
  { catalog: 'PostgreSQL', postgres: true },
])('merging over compaction and expiry (local backend, $catalog catalog)', ({ postgres }) => {
  let backend: OpenedBackend;
  afterEach(async () => backend?.cleanup());

  async function load(lake: Lakehouse, name: string, start: number, n: number, branch = 'main', extra = {}) {
    const source = await writeFile(path.join(backend.dataDir, `${name}.parquet`), rows(start, n));
    return lake.importData({ table: 'taxi.trips', source, branch, ...extra });
  }

  it('rebases appends onto a compacted and expired main; outside engines read the result', async () => {
    backend = await openLocal({ postgres });
    const lake = backend.lakehouse;
    for (let i = 0; i < 3; i++) await load(lake, `m${i}`, i * 100, 100);
    const baseFiles = (await version(lake)).files;
    await lake.createBranch('run');
    await load(lake, 'r1', 1000, 10, 'run');
    await load(lake, 'r2', 2000, 5, 'run');
    const onBranch = await totals(lake, 'run');
    const branchFiles = (await version(lake, 'run')).files;
    // Maintenance on main while the branch waits.
    expect(await lake.compactTable?.('taxi.trips')).toMatchObject({ outcome: 'compacted', filesAfter: 1 });
    expect(await lake.expireSnapshots?.('taxi.trips', { olderThanMs: 0 })).toMatchObject({ outcome: 'expired', snapshotsAfter: 1 });
    const maintained = await version(lake);

    const merged = await lake.merge('run', { into: 'main', properties: { 'floodgate.run-id': 'r' } });
    expect(merged).toEqual({ commit: merged.commit, fastForward: false, changed: true, tables: ['taxi.trips'], rebased: ['taxi.trips'] });
    expect(await totals(lake, 'main')).toEqual(onBranch);
    expect(onBranch).toEqual({ n: 315, s: 44_850 + 10_045 + 10_010 });
    const [head] = await lake.log('main', { limit: 1 });
    expect(head).toMatchObject({ id: merged.commit, properties: { 'floodgate.run-id': 'r', 'floodgate.rebased-tables': 'taxi.trips' } });

    // main's compacted file stays; the branch's two new files come on top, in one append snapshot.
    const after = await version(lake);
    const branchNew = branchFiles.filter((f) => !baseFiles.includes(f));
    expect(branchNew).toHaveLength(2);
    expect(after.files.sort()).toEqual([...maintained.files, ...branchNew].sort());
    expect(after.metadata.snapshots.map((s) => s.summary.operation)).toEqual(['replace', 'append']);
    const newest = after.metadata.snapshots[1];
    expect(newest?.['parent-snapshot-id']).toBe(maintained.metadata['current-snapshot-id']);
    expect(newest?.summary).toMatchObject({ 'added-data-files': '2', 'added-records': '15', 'total-records': '315', 'total-data-files': '3' });
    expect(newest?.summary['floodgate.source']).toContain('r2.parquet');
    expect(after.metadata['last-sequence-number']).toBe(maintained.metadata['last-sequence-number'] + 1);

    const script = await fs.readFile(path.join(REPO_ROOT, 'test', 'local', 'read_published.py'), 'utf8');
    const uri = postgres ? (backend.config.catalogUrl ?? '').replace(/^postgres(ql)?:/, 'postgresql+psycopg2:') : `sqlite:///${path.join(backend.config.home, 'catalog.db')}`;
    const read = await runPythonJson<{ tables: Record<string, { rows: number; sum: number; duckdb_rows: number; duckdb_sum: number }> }>(script, [
      JSON.stringify({ uri, tables: [{ name: 'taxi.trips', filter_column: 'id', filter_min: 0 }] }),
    ]);
    expect(read.tables['taxi.trips']).toMatchObject({ rows: 315, sum: onBranch?.s, duckdb_rows: 315, duckdb_sum: onBranch?.s });
  });

  it('rebases a replace-mode load and a branch that added a column', async () => {
    backend = await openLocal({ postgres });
    const lake = backend.lakehouse;
    for (let i = 0; i < 2; i++) await load(lake, `m${i}`, i * 100, 100);
    await lake.createBranch('swap');
    await load(lake, 'swap', 5000, 7, 'swap', { mode: 'replace' });
    await lake.createBranch('wider');
    const wider = await writeFile(path.join(backend.dataDir, 'wider.parquet'), `SELECT (range + 9000)::BIGINT AS id, 'z' AS zone, 1.5::DOUBLE AS tip FROM range(4)`);
    await lake.importData({ table: 'taxi.trips', source: wider, branch: 'wider', schemaPolicy: 'evolve' });
    expect(await lake.compactTable?.('taxi.trips')).toMatchObject({ outcome: 'compacted' });

    await lake.merge('wider', { into: 'main' });
    expect(await totals(lake, 'main')).toEqual({ n: 204, s: 19_900 + 36_006 });
    expect((await lake.tableSchema('taxi.trips', 'main')).map((c) => c.name)).toEqual(['id', 'zone', 'tip']);
    const [tips] = await lake.queryRows('SELECT count(tip) AS tips, sum(tip) AS total FROM taxi.trips');
    expect({ tips: Number(tips?.['tips']), total: Number(tips?.['total']) }).toEqual({ tips: 4, total: 6 });

    // swap was made before both: main's rows changed since (wider's load), so it conflicts.
    await expect(lake.merge('swap', { into: 'main' })).rejects.toMatchObject({ code: 'MERGE_CONFLICT', details: { tables: ['taxi.trips'] } });
    expect(await totals(lake, 'main')).toEqual({ n: 204, s: 19_900 + 36_006 });
    // A replace-mode load made after, with a compaction in between: main ends up with its rows only.
    await lake.deleteBranch('swap');
    await lake.createBranch('swap');
    await load(lake, 'swap2', 5000, 7, 'swap', { mode: 'replace' });
    expect(await lake.compactTable?.('taxi.trips')).toMatchObject({ outcome: 'compacted' });
    await lake.merge('swap', { into: 'main' });
    expect(await totals(lake, 'main')).toEqual({ n: 7, s: 35_021 });
    expect((await version(lake)).metadata.snapshots.at(-1)?.summary.operation).toBe('overwrite');
  });

  it('keeps the conflict when main got new rows, and leaves main as it was', async () => {
    backend = await openLocal({ postgres });
    const lake = backend.lakehouse;
    for (let i = 0; i < 2; i++) await load(lake, `m${i}`, i * 100, 100);
    await lake.createBranch('run');
    await load(lake, 'r', 1000, 10, 'run');
    await load(lake, 'outside', 3000, 3);
    expect(await lake.compactTable?.('taxi.trips')).toMatchObject({ outcome: 'compacted' });
    const before = await lake.getRef('main');
    await expect(lake.merge('run', { into: 'main' })).rejects.toMatchObject({ code: 'MERGE_CONFLICT', details: { tables: ['taxi.trips'] } });
    expect((await lake.getRef('main')).commit).toBe(before.commit);
    expect(await totals(lake, 'main')).toEqual({ n: 203, s: 19_900 + 9_003 });
  });

  it("keeps a live branch's fork point when all history is expired and swept, so the branch still merges", async () => {
    backend = await openLocal({ postgres });
    const lake = backend.lakehouse;
    for (let i = 0; i < 2; i++) await load(lake, `m${i}`, i * 100, 100);
    await lake.createBranch('run');
    await load(lake, 'r', 1000, 10, 'run');
    const onBranch = await totals(lake, 'run');
    expect(await lake.compactTable?.('taxi.trips')).toMatchObject({ outcome: 'compacted' });
    // `floodgate lake expire --older-than 0 --min-age 0`: trim main, then sweep everything no kept commit needs.
    expect(await lake.expireSnapshots?.('taxi.trips', { olderThanMs: 0 })).toMatchObject({ outcome: 'expired' });
    const swept = await lake.removeOrphanFiles?.({ olderThanMs: 0, minAgeMs: 0 });
    expect(swept?.filesDeleted).toBeGreaterThan(0);
    // A fresh process, as `floodgate lake merge` after `floodgate lake expire`: nothing comes from a cache.
    const reopened = await openLocalLakehouse(backend.config, { cwd: backend.dataDir });
    try {
      const merged = await reopened.merge('run', { into: 'main' });
      expect(merged).toMatchObject({ changed: true, rebased: ['taxi.trips'] });
      expect(await totals(reopened, 'main')).toEqual(onBranch);
    } finally {
      await reopened.close();
    }
  });
});

import fs from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FloodgateError } from '../../src/shared/errors/index.js';
import type { Lakehouse } from '../../src/shared/lakehouse/lakehouse.js';
import { openLocalLakehouse } from '../../src/shared/lakehouse/local/index.js';
import { liveDataFiles, localFileIO, readManifestList, readTableMetadata } from '../../src/shared/lakehouse/local/iceberg/index.js';
import { openLocal, type OpenedBackend } from '../support/backends.js';
import { writeFile } from '../support/data.js';
import { REPO_ROOT } from '../support/paths.js';
import { runPythonJson } from '../support/python.js';

const rows = (start: number, n: number) => `SELECT (range + ${start})::BIGINT AS id, 'zone-' || (range % 7) AS zone, (range % 100) / 4.0 AS fare FROM range(${n})`;

async function filesUnder(folder: string): Promise<string[]> {
  const entries = await fs.readdir(folder, { recursive: true, withFileTypes: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => path.join(entry.parentPath, entry.name)).sort();
}

async function mainVersion(lake: Lakehouse, table = 'taxi.trips', ref = 'main') {
  const info = (await lake.listTables(ref)).find((t) => t.name === table);
  const metadata = await readTableMetadata(localFileIO(), info?.metadataLocation ?? '');
  return { location: info?.metadataLocation ?? '', metadata, files: (await liveDataFiles(localFileIO(), metadata)).map((f) => f.path) };
}

async function errorOf(promise: Promise<unknown>): Promise<FloodgateError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(FloodgateError);
  return error as FloodgateError;
}

const ids = (lake: Lakehouse, ref: string) => lake.queryRows('SELECT count(*) AS n, sum(id) AS s FROM taxi.trips', { ref });

describe.each([
  { catalog: 'SQLite', postgres: false },
  { catalog: 'PostgreSQL', postgres: true },
])('expiring history (local backend, $catalog catalog)', ({ postgres }) => {
  let backend: OpenedBackend;
  afterEach(async () => backend?.cleanup());

  async function append(lake: Lakehouse, name: string, start: number, branch = 'main'): Promise<string[]> {
    const source = await writeFile(path.join(backend.dataDir, `${name}.parquet`), rows(start, 100));
    const before = new Set((await mainVersion(lake, 'taxi.trips', branch).catch(() => ({ files: [] as string[] }))).files);
    await lake.importData({ table: 'taxi.trips', source, branch });
    return (await mainVersion(lake, 'taxi.trips', branch)).files.filter((f) => !before.has(f));
  }

  it('trims old snapshots, deletes what no kept commit needs, and keeps main, tags and branches readable', async () => {
    backend = await openLocal({ postgres });
    const lake = backend.lakehouse;
    const warehouse = backend.config.warehouse;
    const b1 = await append(lake, 'b1', 0);
    const first = await lake.getRef('main');
    const b2 = await append(lake, 'b2', 100);
    await lake.createTag('v2');
    const b3 = await append(lake, 'b3', 200);
    const b4 = await append(lake, 'b4', 300);
    expect(await lake.compactTable?.('taxi.trips')).toMatchObject({ outcome: 'compacted', filesAfter: 1 });
    // A branch that is dropped (an audit that failed): its files are nobody's any more.
    await lake.createBranch('doomed');
    const doomed = await append(lake, 'doomed', 10_000, 'doomed');
    await lake.deleteBranch('doomed');
    const stranger = path.join(warehouse, 'notes.txt');
    await fs.writeFile(stranger, 'not a table file');

    const before = await mainVersion(lake);
    expect(before.metadata.snapshots).toHaveLength(5);
    const expected = { main: await ids(lake, 'main'), v2: await ids(lake, 'v2') };
    expect(expected.main).toEqual([{ n: 400, s: 79_800 }]);
    expect(expected.v2).toEqual([{ n: 200, s: 19_900 }]);

    // Nothing old enough yet: no commit.
    expect(await lake.expireSnapshots?.('taxi.trips')).toEqual({ table: 'taxi.trips', outcome: 'skipped', snapshotsBefore: 5, snapshotsAfter: 5 });
    const trimmed = await lake.expireSnapshots?.('taxi.trips', { olderThanMs: 0 });
    expect(trimmed).toMatchObject({ outcome: 'expired', snapshotsBefore: 5, snapshotsAfter: 1 });
    const [head] = await lake.log('main', { limit: 1 });
    expect(head).toMatchObject({ id: trimmed?.commit, properties: { 'floodgate.operation': 'expire-snapshots', 'floodgate.snapshots-expired': '4' } });
    const after = await mainVersion(lake);
    expect(after.metadata.snapshots.map((s) => s['snapshot-id'])).toEqual(before.metadata.snapshots.slice(-1).map((s) => s['snapshot-id']));
    expect(after.metadata['current-snapshot-id']).toBe(before.metadata['current-snapshot-id']);
    expect(after.metadata['snapshot-log'].map((e) => e['snapshot-id'])).toEqual(after.metadata.snapshots.map((s) => s['snapshot-id']));
    expect(await ids(lake, 'main')).toEqual(expected.main);
    // A branch made now (a kept quarantine) starts from the trimmed version. (One made before the
    // trim would list every old snapshot, and keep their files, for as long as it lives.)
    await lake.createBranch('kept');
    const kept = await append(lake, 'kept', 20_000, 'kept');
    expect(await ids(lake, 'kept')).toEqual([{ n: 500, s: 79_800 + 2_004_950 }]);

    // A dry run reports and touches nothing.
    const all = await filesUnder(warehouse);
    const dry = await lake.removeOrphanFiles?.({ olderThanMs: 0, minAgeMs: 0, dryRun: true });
    expect(dry).toMatchObject({ dryRun: true });
    expect(dry?.filesDeleted).toBeGreaterThan(0);
    expect(await filesUnder(warehouse)).toEqual(all);
    expect(await ids(lake, `@${first.commit}`)).toEqual([{ n: 100, s: 4_950 }]);

    const phases = new Set<string>();
    const removed = await lake.removeOrphanFiles?.({ olderThanMs: 0, minAgeMs: 0, onProgress: (p) => phases.add(p.phase) });
    expect(removed).toMatchObject({ dryRun: false, filesDeleted: dry?.filesDeleted, bytesDeleted: dry?.bytesDeleted, filesTooYoung: 0 });
    expect([...phases]).toEqual(['catalog', 'reading', 'listing', 'deleting']);
    // Heads only (window 0): main, the tag and the kept branch.
    expect(removed?.commitsRetained).toBe(3);
    const left = new Set(await filesUnder(warehouse));
    expect(left.size).toBe(all.length - (removed?.filesDeleted ?? 0));
    // The compacted file of main, the files the tag's version lists, the kept branch's file.
    for (const file of [...after.files, ...b1, ...b2, ...kept, stranger]) expect(left.has(file), file).toBe(true);
    // Replaced by the compaction, listed only by expired snapshots and old versions: gone. So is the dropped branch's file.
    for (const file of [...b3, ...b4, ...doomed]) expect(left.has(file), file).toBe(false);
    expect(left.has(before.location)).toBe(false);
    expect(left.has(after.location)).toBe(true);
    for (const snapshot of after.metadata.snapshots) expect(left.has(snapshot['manifest-list'])).toBe(true);
    for (const manifest of await readManifestList(localFileIO(), after.metadata.snapshots[0]?.['manifest-list'] ?? '')) {
      expect(left.has(manifest.manifest_path)).toBe(true);
    }

    expect(await ids(lake, 'main')).toEqual(expected.main);
    expect(await ids(lake, 'v2')).toEqual(expected.v2);
    expect(await ids(lake, 'kept')).toEqual([{ n: 500, s: 79_800 + 2_004_950 }]);
    const expired = await errorOf(ids(lake, `@${first.commit}`));
    expect(expired.code).toBe('HISTORY_EXPIRED');
    expect(expired.message).toContain(first.commit);
    expect((await errorOf(lake.createBranch('old', { from: `main@${first.commit}` }))).code).toBe('HISTORY_EXPIRED');
    // History itself stays: the log still walks every commit.
    expect((await lake.log('main', { limit: 100 })).map((c) => c.id)).toContain(first.commit);

    // A second pass finds nothing more; a fresh orphan is kept while it is young.
    await lake.createBranch('young');
    const young = await append(lake, 'young', 30_000, 'young');
    await lake.deleteBranch('young');
    const again = await lake.removeOrphanFiles?.({ olderThanMs: 0, minAgeMs: 60_000 });
    expect(again).toMatchObject({ filesDeleted: 0 });
    expect(again?.filesTooYoung).toBeGreaterThanOrEqual(young.length);
    for (const file of young) await expect(fs.stat(file)).resolves.toBeDefined();

    // Outside engines still read main.
    const script = await fs.readFile(path.join(REPO_ROOT, 'test', 'local', 'read_published.py'), 'utf8');
    const uri = postgres ? (backend.config.catalogUrl ?? '').replace(/^postgres(ql)?:/, 'postgresql+psycopg2:') : `sqlite:///${path.join(backend.config.home, 'catalog.db')}`;
    const read = await runPythonJson<{ tables: Record<string, { rows: number; sum: number; duckdb_rows: number; duckdb_sum: number; snapshots: number }> }>(script, [
      JSON.stringify({ uri, tables: [{ name: 'taxi.trips', filter_column: 'id', filter_min: 0 }] }),
    ]);
    expect(read.tables['taxi.trips']).toMatchObject({ rows: 400, sum: 79_800, duckdb_rows: 400, duckdb_sum: 79_800, snapshots: 1 });
  });
});

describe('expiring history: guards (local backend)', () => {
  let backend: OpenedBackend;
  afterEach(async () => backend?.cleanup());

  it('deletes nothing when a kept table version cannot be read', async () => {
    backend = await openLocal();
    const lake = backend.lakehouse;
    for (let i = 0; i < 2; i++) {
      const source = await writeFile(path.join(backend.dataDir, `b${i}.parquet`), rows(i * 100, 100));
      await lake.importData({ table: 'taxi.trips', source, branch: 'main' });
    }
    await lake.createBranch('doomed');
    await lake.deleteBranch('doomed');
    await lake.expireSnapshots?.('taxi.trips', { olderThanMs: 0 });
    const { metadata } = await mainVersion(lake);
    await fs.rm(metadata.snapshots[0]?.['manifest-list'] ?? '');
    const all = await filesUnder(backend.config.warehouse);
    // A fresh process, so nothing is read from an earlier read's cache.
    const reopened = await openLocalLakehouse(backend.config, { cwd: backend.dataDir });
    const error = await errorOf(reopened.removeOrphanFiles?.({ olderThanMs: 0, minAgeMs: 0 }) ?? Promise.resolve()).finally(() => reopened.close());
    expect(error.code).toBe('STORAGE_UNAVAILABLE');
    expect(await filesUnder(backend.config.warehouse)).toEqual(all);
  });

  it('keeps the newest snapshots of the lineage, redoes its plan when the table moves, and refuses bad options', async () => {
    backend = await openLocal();
    const lake = backend.lakehouse;
    for (let i = 0; i < 4; i++) {
      const source = await writeFile(path.join(backend.dataDir, `b${i}.parquet`), rows(i * 100, 100));
      await lake.importData({ table: 'taxi.trips', source, branch: 'main' });
    }
    // Old enough is relative to `now`: an hour from now, every snapshot is an hour old.
    const later = Date.now() + 3_600_000;
    expect(await lake.expireSnapshots?.('taxi.trips', { olderThanMs: 7_200_000, now: later })).toMatchObject({ outcome: 'skipped', snapshotsAfter: 4 });
    expect(await lake.expireSnapshots?.('taxi.trips', { olderThanMs: 1_800_000, now: later, minSnapshots: 4 })).toMatchObject({ outcome: 'skipped' });

    // Another commit lands between the plan and the commit: the plan is made again on top of it.
    let calls = 0;
    const source = await writeFile(path.join(backend.dataDir, 'late.parquet'), rows(400, 100));
    const result = await lake.expireSnapshots?.('taxi.trips', {
      olderThanMs: 0,
      retainLast: 2,
      beforeCommit: async () => {
        if (++calls === 1) await lake.importData({ table: 'taxi.trips', source, branch: 'main' });
      },
    });
    expect(calls).toBe(2);
    expect(result).toMatchObject({ outcome: 'expired', snapshotsBefore: 5, snapshotsAfter: 2 });
    expect(await ids(lake, 'main')).toEqual([{ n: 500, s: 124_750 }]);

    // A fencing check that throws cancels the commit.
    const head = await lake.getRef('main');
    const source2 = await writeFile(path.join(backend.dataDir, 'more.parquet'), rows(500, 100));
    await lake.importData({ table: 'taxi.trips', source: source2, branch: 'main' });
    const fenced = await errorOf(
      lake.expireSnapshots?.('taxi.trips', { olderThanMs: 0, beforeCommit: () => Promise.reject(new FloodgateError('LEASE_LOST', 'gone')) }) ?? Promise.resolve(),
    );
    expect(fenced.code).toBe('LEASE_LOST');
    expect((await lake.log('main', { limit: 2 }))[1]?.id).toBe(head.commit);

    for (const bad of [{ olderThanMs: -1 }, { retainLast: 0 }, { minSnapshots: 1.5 }]) {
      expect((await errorOf(lake.expireSnapshots?.('taxi.trips', bad) ?? Promise.resolve())).code).toBe('INVALID_INPUT');
    }
    expect((await errorOf(lake.removeOrphanFiles?.({ minAgeMs: Number.NaN }) ?? Promise.resolve())).code).toBe('INVALID_INPUT');
    expect((await errorOf(lake.expireSnapshots?.('taxi.nope') ?? Promise.resolve())).code).toBe('TABLE_NOT_FOUND');
    expect((await errorOf(lake.expireSnapshots?.('taxi.trips', { branch: 'nope' }) ?? Promise.resolve())).code).toBe('REF_NOT_FOUND');
  });
});

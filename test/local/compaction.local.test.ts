import fs from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Lakehouse } from '../../src/shared/lakehouse/lakehouse.js';
import { openCatalog } from '../../src/shared/lakehouse/local/catalog/index.js';
import { compactTable } from '../../src/shared/lakehouse/local/compact.js';
import { Duck } from '../../src/shared/lakehouse/local/engine/duck.js';
import { liveDataFiles, localFileIO, readTableMetadata } from '../../src/shared/lakehouse/local/iceberg/index.js';
import { openLocal, type OpenedBackend } from '../support/backends.js';
import { trips, writeFile } from '../support/data.js';
import { REPO_ROOT } from '../support/paths.js';
import { runPythonJson } from '../support/python.js';

const rows = (start: number, n: number, extra = '') =>
  `SELECT (range + ${start})::BIGINT AS id, 'zone-' || (range % 7) AS zone, (range % 100) / 4.0 AS fare${extra} FROM range(${n})`;

async function tableFiles(backend: OpenedBackend, table: string, ref = 'main') {
  const info = (await backend.lakehouse.listTables(ref)).find((t) => t.name === table);
  const metadata = await readTableMetadata(localFileIO(), info?.metadataLocation ?? '');
  return { metadata, files: await liveDataFiles(localFileIO(), metadata) };
}

const everything = (lake: Lakehouse, ref: string) => lake.queryRows('SELECT * FROM taxi.trips ORDER BY id', { ref });

describe('compacting a table (local backend)', () => {
  let backend: OpenedBackend;
  afterEach(async () => backend?.cleanup());

  async function appendBatches(count: number): Promise<void> {
    for (let i = 0; i < count; i++) {
      // The last batch adds a column, so the rewrite must read old files by field id.
      const sql = rows(i * 100, 100, i === count - 1 ? `, 'v' || range AS vendor` : '');
      const source = await writeFile(path.join(backend.dataDir, `b${i}.parquet`), sql);
      await backend.lakehouse.importData({ table: 'taxi.trips', source, branch: 'main' });
    }
  }

  it('rewrites many small files into one commit that changes no row, and old commits still read', async () => {
    backend = await openLocal();
    const lake = backend.lakehouse;
    await appendBatches(6);
    const before = await lake.getRef('main');
    const expected = await everything(lake, 'main');
    expect(expected).toHaveLength(600);
    expect(expected.filter((r) => r['vendor'] === null)).toHaveLength(500);
    expect((await tableFiles(backend, 'taxi.trips')).files).toHaveLength(6);

    const result = await lake.compactTable?.('taxi.trips');
    expect(result).toMatchObject({ table: 'taxi.trips', outcome: 'compacted', rows: 600, filesBefore: 6, filesAfter: 1 });

    const after = await tableFiles(backend, 'taxi.trips');
    expect(after.files).toHaveLength(1);
    expect(after.files[0]?.recordCount).toBe(600);
    const snapshot = after.metadata.snapshots.at(-1);
    expect(snapshot?.summary).toMatchObject({ operation: 'replace', 'total-data-files': '1', 'total-records': '600', 'deleted-data-files': '6' });
    expect(await everything(lake, 'main')).toEqual(expected);
    expect(await everything(lake, `@${before.commit}`)).toEqual(expected);

    const [head] = await lake.log('main', { limit: 1 });
    expect(head?.id).toBe(result?.commit);
    expect(head?.properties).toMatchObject({ 'floodgate.operation': 'compact', 'floodgate.files-before': '6', 'floodgate.files-after': '1' });
    expect(await lake.listTables('main')).toEqual([expect.objectContaining({ name: 'taxi.trips', rows: 600, files: 1 })]);
  });

  it('rewrites only files under smallerThanBytes, keeping the others in place; PyIceberg and DuckDB read the result', async () => {
    backend = await openLocal({ env: { FLOODGATE_TARGET_FILE_SIZE: '300KB' } });
    const lake = backend.lakehouse;
    // md5 text does not compress, so the import spans several 300 KB files (how many depends on
    // DuckDB's row groups and thread timing; at least two).
    const withHash = (sql: string) => `SELECT *, md5(id::VARCHAR) AS h FROM (${sql})`;
    const big = await writeFile(path.join(backend.dataDir, 'big.parquet'), withHash(trips(600_000)));
    const imported = await lake.importData({ table: 'taxi.trips', source: big, branch: 'main' });
    expect(imported.files).toBeGreaterThanOrEqual(2);
    for (let i = 0; i < 3; i++) {
      const small = await writeFile(path.join(backend.dataDir, `s${i}.parquet`), withHash(trips(50, 1_000_000 + i * 50)));
      await lake.importData({ table: 'taxi.trips', source: small, branch: 'main' });
    }
    const totals = () => lake.queryRows('SELECT count(*) AS n, sum(id) AS s, count(DISTINCT id) AS d, sum(fare) AS f FROM taxi.trips');
    const expected = await totals();
    const { files } = await tableFiles(backend, 'taxi.trips');
    const importFiles = files.filter((f) => f.recordCount > 150).sort((a, b) => a.fileSizeInBytes - b.fileSizeInBytes);
    // The import's smallest file (its remainder) and the three appends are rewritten; the import's other files stay.
    // (How DuckDB splits the import into files varies with thread timing, so the counts are read, not assumed.)
    const threshold = (importFiles[0]?.fileSizeInBytes ?? 0) + 1;
    const chosen = files.filter((f) => f.fileSizeInBytes < threshold);
    const kept = files.filter((f) => f.fileSizeInBytes >= threshold).map((f) => f.path);
    expect(chosen.length).toBeGreaterThanOrEqual(4);
    expect(kept.length).toBeGreaterThanOrEqual(1);

    const result = await lake.compactTable?.('taxi.trips', { smallerThanBytes: threshold });
    expect(result).toMatchObject({ outcome: 'compacted', filesRewritten: chosen.length, filesBefore: files.length, rows: 600_150 });
    const after = await tableFiles(backend, 'taxi.trips');
    const added = after.files.filter((f) => !files.some((old) => old.path === f.path));
    expect(added.length).toBeGreaterThanOrEqual(1);
    expect(after.files.map((f) => f.path).sort()).toEqual([...kept, ...added.map((f) => f.path)].sort());
    expect(result?.filesAfter).toBe(after.files.length);
    expect(after.metadata.snapshots.at(-1)?.summary).toMatchObject({
      operation: 'replace',
      'deleted-data-files': String(chosen.length),
      'added-data-files': String(added.length),
      'total-records': '600150',
    });
    expect(await totals()).toEqual(expected);
    expect(await lake.compactTable?.('taxi.trips', { smallerThanBytes: threshold })).toMatchObject({ outcome: 'skipped', filesRewritten: 0 });

    const script = await fs.readFile(path.join(REPO_ROOT, 'test', 'local', 'read_published.py'), 'utf8');
    const read = await runPythonJson<{ tables: Record<string, { rows: number; sum: number; duckdb_rows: number; duckdb_sum: number; filtered_rows: number }> }>(script, [
      JSON.stringify({ uri: `sqlite:///${path.join(backend.config.home, 'catalog.db')}`, tables: [{ name: 'taxi.trips', filter_column: 'id', filter_min: 1_000_000 }] }),
    ]);
    const sum = Number(expected[0]?.['s']);
    expect(read.tables['taxi.trips']).toMatchObject({ rows: 600_150, sum, duckdb_rows: 600_150, duckdb_sum: sum, filtered_rows: 150 });
  });

  it('leaves a table with fewer files than minFiles alone, and refuses a bad minFiles', async () => {
    backend = await openLocal();
    const lake = backend.lakehouse;
    await appendBatches(3);
    const head = await lake.getRef('main');
    expect(await lake.compactTable?.('taxi.trips', { minFiles: 4 })).toMatchObject({ outcome: 'skipped', filesBefore: 3, filesAfter: 3 });
    expect((await lake.getRef('main')).commit).toBe(head.commit);
    await expect(lake.compactTable?.('taxi.trips', { minFiles: 1 })).rejects.toThrow(/minFiles must be an integer of at least 2/);
    await expect(lake.compactTable?.('taxi.nope')).rejects.toMatchObject({ code: 'TABLE_NOT_FOUND' });
    await expect(lake.compactTable?.('taxi.trips', { branch: 'nope' })).rejects.toMatchObject({ code: 'REF_NOT_FOUND' });
  });

  it('compacts on a branch without touching main', async () => {
    backend = await openLocal();
    const lake = backend.lakehouse;
    await appendBatches(3);
    const main = await lake.getRef('main');
    await lake.createBranch('tidy');
    expect(await lake.compactTable?.('taxi.trips', { branch: 'tidy' })).toMatchObject({ outcome: 'compacted', filesAfter: 1 });
    expect((await lake.getRef('main')).commit).toBe(main.commit);
    expect((await tableFiles(backend, 'taxi.trips', 'main')).files).toHaveLength(3);
    expect(await everything(lake, 'tidy')).toEqual(await everything(lake, 'main'));
  });

  it('does not block a branch made before it (its load is rebased onto the compacted table), and merges other tables', async () => {
    backend = await openLocal();
    const lake = backend.lakehouse;
    await appendBatches(2);
    await lake.createBranch('run');
    const more = await writeFile(path.join(backend.dataDir, 'more.parquet'), rows(5000, 10));
    await lake.importData({ table: 'taxi.trips', source: more, branch: 'run' });
    expect(await lake.compactTable?.('taxi.trips')).toMatchObject({ outcome: 'compacted', filesAfter: 1 });
    expect(await lake.merge('run', { into: 'main' })).toMatchObject({ fastForward: false, tables: ['taxi.trips'] });
    expect(Number((await lake.queryRows('SELECT count(*) AS n FROM taxi.trips'))[0]?.['n'])).toBe(210);
    expect((await tableFiles(backend, 'taxi.trips', 'main')).files).toHaveLength(2);

    await lake.createBranch('other');
    await lake.importData({ table: 'taxi.zones', source: more, branch: 'other' });
    await lake.importData({ table: 'taxi.trips', source: more, branch: 'main' });
    expect(await lake.compactTable?.('taxi.trips')).toMatchObject({ outcome: 'compacted', filesBefore: 3 });
    expect(await lake.merge('other', { into: 'main' })).toMatchObject({ changed: true, tables: ['taxi.zones'] });
  });

  /** Compacts taxi.trips with `meanwhile` run after compaction read the table and before it commits. */
  async function compactWhile(meanwhile: () => Promise<unknown>) {
    const config = backend.config;
    const catalog = await openCatalog({ sqlitePath: path.join(config.home, 'catalog.db'), catalogName: config.catalogName });
    const duck = await Duck.open({
      memoryLimitBytes: config.duckdbMemoryLimitBytes,
      threads: config.duckdbThreads,
      tempDirectory: path.join(config.home, 'tmp', 'duckdb-test'),
      allowedDirectories: [config.warehouse],
    });
    try {
      const writer = async () => {
        await meanwhile();
        return duck;
      };
      return await compactTable({ catalog, io: localFileIO(), writer, targetFileSizeBytes: config.targetFileSizeBytes, author: 'tests' }, 'taxi.trips');
    } finally {
      duck.close();
      await catalog.close();
    }
  }

  const parquetOnDisk = async () => {
    const dataDir = path.join(backend.config.warehouse, 'taxi', 'trips', 'data');
    return (await fs.readdir(dataDir, { recursive: true })).filter((f) => f.endsWith('.parquet')).map((f) => path.join(dataDir, f)).sort();
  };

  it('makes its replace again on top of commits that only added files meanwhile, keeping their rows', async () => {
    backend = await openLocal();
    const lake = backend.lakehouse;
    await appendBatches(3);
    const late = await writeFile(path.join(backend.dataDir, 'late.parquet'), rows(10_000, 50));
    const result = await compactWhile(() => lake.importData({ table: 'taxi.trips', source: late, branch: 'main' }));
    expect(result).toMatchObject({ outcome: 'compacted', filesBefore: 4, filesRewritten: 3, filesAfter: 2, rows: 350 });
    const [head] = await lake.log('main', { limit: 1 });
    expect(head?.id).toBe(result.commit);
    expect(Number((await lake.queryRows('SELECT count(*) AS n FROM taxi.trips'))[0]?.['n'])).toBe(350);
    expect(Number((await lake.queryRows('SELECT count(*) AS n FROM taxi.trips WHERE id >= 10000'))[0]?.['n'])).toBe(50);
    const { files } = await tableFiles(backend, 'taxi.trips');
    expect(files.map((f) => f.recordCount).sort((a, b) => a - b)).toEqual([50, 300]);
  });

  it('drops its rewrite when a commit meanwhile removed files it rewrote, losing none of that commit', async () => {
    backend = await openLocal();
    const lake = backend.lakehouse;
    await appendBatches(3);
    const fresh = await writeFile(path.join(backend.dataDir, 'fresh.parquet'), rows(10_000, 50));
    const result = await compactWhile(() => lake.importData({ table: 'taxi.trips', source: fresh, branch: 'main', mode: 'replace' }));
    expect(result).toMatchObject({ outcome: 'changed', filesBefore: 1, filesAfter: 1, filesRewritten: 0 });
    expect(result.commit).toBeUndefined();
    expect(Number((await lake.queryRows('SELECT count(*) AS n FROM taxi.trips'))[0]?.['n'])).toBe(50);
    // The rewrite's files were removed: besides the replaced files (which old commits still read), only the live one is new.
    const live = (await tableFiles(backend, 'taxi.trips')).files.map((f) => f.path);
    const onDisk = await parquetOnDisk();
    expect(onDisk).toEqual(expect.arrayContaining(live));
    expect(onDisk).toHaveLength(4);
  });
});

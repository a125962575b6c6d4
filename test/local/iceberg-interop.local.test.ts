import fs from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openLocal, type OpenedBackend } from '../support/backends.js';
import { writeFile } from '../support/data.js';
import { REPO_ROOT } from '../support/paths.js';
import { runPythonJson } from '../support/python.js';

interface Published {
  listed: Record<string, string[]>;
  tables: Record<
    string,
    { columns: string[]; field_ids: number[]; rows: number; sum: number; filtered_rows: number; duckdb_rows: number; duckdb_sum: number; metadata_location: string; snapshots: number }
  >;
}

const TYPED = (n: number, start: number) => `
  SELECT (range + ${start})::BIGINT AS id, (range % 1000)::INTEGER AS small, range / 3.0 AS ratio,
         'name-' || range AS name, range % 2 = 0 AS even, DATE '2026-01-01' + (range % 300)::INTEGER AS day,
         TIMESTAMP '2026-01-01 00:00:00' + to_seconds(range) AS at, TIMESTAMPTZ '2026-01-01 00:00:00+00' + to_seconds(range) AS at_tz,
         (range % 10000 / 100)::DECIMAL(10, 2) AS amount
  FROM range(${n})`;

/** Python reads what Floodgate published: PyIceberg's SqlCatalog on our catalog DB, and DuckDB's iceberg_scan. */
for (const catalog of ['sqlite', 'postgres'] as const) {
  describe(`Iceberg interop from Python (${catalog} catalog)`, () => {
    let backend: OpenedBackend;
    afterEach(async () => backend?.cleanup());

    it('reads every published table with exactly our rows (a compacted one too), and never an unpublished branch', async () => {
      backend = await openLocal({ postgres: catalog === 'postgres' });
      const lake = backend.lakehouse;
      const file = (name: string) => path.join(backend.dataDir, name);
      await writeFile(file('t1.parquet'), TYPED(1000, 0));
      await writeFile(file('t2.parquet'), TYPED(500, 1000));
      await writeFile(file('t3.parquet'), `SELECT *, 'v' || id AS vendor FROM (${TYPED(200, 5000)})`);
      await writeFile(file('z.csv'), 'SELECT range::BIGINT AS zone_id, \'zone \' || range AS zone_name FROM range(265)');

      await lake.createBranch('wap/taxi.trips/r1');
      await lake.importData({ table: 'taxi.trips', source: file('t1.parquet'), branch: 'wap/taxi.trips/r1' });
      await lake.importData({ table: 'taxi.zones', source: file('z.csv'), branch: 'wap/taxi.trips/r1' });
      await lake.merge('wap/taxi.trips/r1', { into: 'main' });
      await lake.createBranch('wap/taxi.trips/r2');
      await lake.importData({ table: 'taxi.trips', source: file('t2.parquet'), branch: 'wap/taxi.trips/r2' });
      await lake.importData({ table: 'taxi.trips', source: file('t3.parquet'), branch: 'wap/taxi.trips/r2' });
      await lake.merge('wap/taxi.trips/r2', { into: 'main', properties: { 'floodgate.run-id': 'r2' } });
      // Three files written under two schemas become one: outside readers must see the same rows.
      expect(await lake.compactTable?.('taxi.trips')).toMatchObject({ outcome: 'compacted', filesBefore: 3, filesAfter: 1, rows: 1700 });
      await lake.importData({ table: 'taxi.zones', source: file('z.csv'), branch: 'main', mode: 'replace' });
      await lake.createBranch('quarantine');
      await lake.importData({ table: 'taxi.trips', source: file('t1.parquet'), branch: 'quarantine' });
      await lake.importData({ table: 'staging.only', source: file('t1.parquet'), branch: 'quarantine' });

      const uri =
        catalog === 'sqlite'
          ? `sqlite:///${path.join(backend.config.home, 'catalog.db')}`
          : (backend.config.catalogUrl ?? '').replace(/^postgres(ql)?:/, 'postgresql+psycopg2:');
      const script = await fs.readFile(path.join(REPO_ROOT, 'test', 'local', 'read_published.py'), 'utf8');
      const published = await runPythonJson<Published>(script, [
        JSON.stringify({
          uri,
          tables: [
            { name: 'taxi.trips', filter_column: 'id', filter_min: 900 },
            { name: 'taxi.zones', filter_column: 'zone_id', filter_min: 200 },
          ],
        }),
      ]);

      expect(published.listed).toEqual({ taxi: ['taxi.trips', 'taxi.zones'] });
      const [ours] = await lake.queryRows('SELECT count(*) AS n, sum(id) AS s, count(*) FILTER (WHERE id >= 900) AS f FROM taxi.trips');
      const trips = published.tables['taxi.trips'];
      expect(trips).toMatchObject({ rows: 1700, sum: ours?.['s'], filtered_rows: ours?.['f'], duckdb_rows: 1700, duckdb_sum: ours?.['s'] });
      expect(trips?.columns).toEqual(['id', 'small', 'ratio', 'name', 'even', 'day', 'at', 'at_tz', 'amount', 'vendor']);
      expect(trips?.field_ids).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      expect(trips?.snapshots).toBe(4);
      const tables = await lake.listTables('main');
      expect(tables.find((t) => t.name === 'taxi.trips')?.metadataLocation).toBe(trips?.metadata_location);
      expect(published.tables['taxi.zones']).toMatchObject({ rows: 265, filtered_rows: 65, duckdb_rows: 265, sum: (264 * 265) / 2 });
    });
  });
}

describe('Iceberg interop from Python: a table of many commits', () => {
  let backend: OpenedBackend;
  afterEach(async () => backend?.cleanup());

  it('reads every row of a table whose versions list only their newest 100 snapshots', async () => {
    backend = await openLocal();
    const source = await writeFile(path.join(backend.dataDir, 'one.parquet'), 'SELECT 1::BIGINT AS id');
    for (let i = 0; i < 105; i++) await backend.lakehouse.importData({ table: 'many.appends', source, branch: 'main' });
    const script = await fs.readFile(path.join(REPO_ROOT, 'test', 'local', 'read_published.py'), 'utf8');
    const published = await runPythonJson<Published>(script, [
      JSON.stringify({ uri: `sqlite:///${path.join(backend.config.home, 'catalog.db')}`, tables: [{ name: 'many.appends', filter_column: 'id', filter_min: 1 }] }),
    ]);
    expect(published.tables['many.appends']).toMatchObject({ rows: 105, sum: 105, duckdb_rows: 105, snapshots: 100 });
  }, 120_000);
});

import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterEach, describe, expect, it } from 'vitest';
import { liveDataFiles, localFileIO, readTableMetadata } from '../../src/shared/lakehouse/local/iceberg/index.js';
import { openLocal, type OpenedBackend } from '../support/backends.js';
import { trips, writeFile } from '../support/data.js';

describe('data files written by an import', () => {
  let backend: OpenedBackend;
  afterEach(async () => backend?.cleanup());

  it('splits output at the target file size and writes Iceberg field ids into every file', async () => {
    backend = await openLocal({ env: { FLOODGATE_TARGET_FILE_SIZE: '300KB' } });
    const source = await writeFile(path.join(backend.dataDir, 'big.parquet'), `SELECT *, md5(id::VARCHAR) AS h FROM (${trips(600_000)})`);
    const result = await backend.lakehouse.importData({ table: 'taxi.trips', source, branch: 'main' });
    expect(result.rows).toBe(600_000);
    // DuckDB closes a file at a row group (122,880 rows) boundary past the target size; with two
    // threads flushing at once a file can take two row groups (400k rows once made 2 files), so 600k make at least 3.
    expect(result.files).toBeGreaterThanOrEqual(3);

    const [table] = await backend.lakehouse.listTables('main');
    const metadata = await readTableMetadata(localFileIO(), table?.metadataLocation ?? '');
    const files = await liveDataFiles(localFileIO(), metadata);
    expect(files).toHaveLength(result.files);
    expect(files.reduce((sum, f) => sum + f.recordCount, 0)).toBe(600_000);
    for (const file of files) expect(file.path.startsWith(backend.config.warehouse)).toBe(true);

    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    try {
      const reader = await connection.runAndReadAll(
        `SELECT name, field_id FROM parquet_schema('${files[0]?.path ?? ''}') WHERE field_id IS NOT NULL ORDER BY field_id`,
      );
      expect(reader.getRowObjectsJS().map((r) => [r['name'], Number(r['field_id'])])).toEqual([
        ['id', 1], ['zone', 2], ['fare', 3], ['day', 4], ['h', 5],
      ]);
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  });

  it('commits an empty batch as a snapshot with no files, and the table still queries', async () => {
    backend = await openLocal();
    const empty = await writeFile(path.join(backend.dataDir, 'empty.parquet'), `${trips(10)} LIMIT 0`);
    const result = await backend.lakehouse.importData({ table: 'taxi.trips', source: empty, branch: 'main' });
    expect(result).toMatchObject({ rows: 0, files: 0, created: true });
    expect(await backend.lakehouse.queryRows('SELECT count(*) AS n, max(id) AS hi FROM taxi.trips')).toEqual([{ n: 0, hi: null }]);
    expect((await backend.lakehouse.tableSchema('taxi.trips', 'main')).map((c) => c.name)).toEqual(['id', 'zone', 'fare', 'day']);
  });
});

import fs from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openLocal, type OpenedBackend } from '../support/backends.js';
import { trips, writeFile } from '../support/data.js';

/**
 * A query (and so a `sql` check) reads lakehouse tables at its ref and nothing else: not the
 * warehouse's files (another table's quarantined rows live there), not another commit's views.
 */
describe('the query sandbox', () => {
  let backend: OpenedBackend;
  afterEach(async () => backend?.cleanup());

  it('refuses file-reading table functions, paths as table names and catalog-qualified names; CTEs, range and unnest work', async () => {
    backend = await openLocal();
    const lake = backend.lakehouse;
    await lake.createBranch('quarantine');
    await lake.importData({ table: 'hr.people', source: await writeFile(path.join(backend.dataDir, 'a.parquet'), trips(10)), branch: 'quarantine' });
    const warehouse = backend.config.warehouse;
    const [dataFile] = (await fs.readdir(warehouse, { recursive: true })).filter((f) => String(f).endsWith('.parquet'));
    expect(dataFile).toBeDefined();
    const head = (await lake.getRef('quarantine')).commit;
    await lake.queryRows('SELECT count(*) AS n FROM hr.people', { ref: 'quarantine' });
    const refused: Array<[string, string]> = [
      [`SELECT * FROM read_parquet('${warehouse}/**/*.parquet')`, 'table function read_parquet() is not allowed'],
      [`SELECT file FROM glob('${warehouse}/**')`, 'table function glob() is not allowed'],
      ['SELECT * FROM duckdb_settings()', 'table function duckdb_settings() is not allowed'],
      [`SELECT * FROM '${path.join(warehouse, String(dataFile))}'`, 'is not a table'],
      [`SELECT count(*) FROM (SELECT * FROM read_text('/etc/hostname'))`, 'table function read_text() is not allowed'],
      [`SELECT * FROM fg_commit_${head}.hr.people`, 'is not allowed: name a table as namespace.table'],
    ];
    for (const [sql, message] of refused) {
      await expect(lake.queryRows(sql, { ref: 'main' }), sql).rejects.toMatchObject({ code: 'QUERY_NOT_ALLOWED', message: expect.stringContaining(message) });
    }
    const rows = await lake.queryRows(
      'WITH ids AS (SELECT range AS id FROM range(3)) SELECT count(*) AS n, (SELECT sum(x) FROM (SELECT unnest([1, 2]) AS x)) AS s FROM ids',
    );
    expect(rows).toEqual([{ n: 3, s: 3 }]);
  });
});

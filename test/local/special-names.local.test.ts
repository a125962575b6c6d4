import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runAudit } from '../../src/shared/audits/index.js';
import { openLocal, type OpenedBackend } from '../support/backends.js';
import { PYTHON } from '../support/paths.js';

describe('names SQL treats specially', () => {
  let backend: OpenedBackend;
  afterEach(async () => backend?.cleanup());

  it('refuses columns that differ only in case or repeat, and keeps a real column named like a renamed one', async () => {
    backend = await openLocal();
    const lake = backend.lakehouse;
    const file = (name: string) => path.join(backend.dataDir, name);
    // DuckDB itself cannot write such a file (it renames the second column), so PyArrow does.
    const script = `import pyarrow as pa, pyarrow.parquet as pq; pq.write_table(pa.table({'a': [1], 'A': [3]}), ${JSON.stringify(file('case.parquet'))})`;
    await new Promise<void>((resolve, reject) => execFile(PYTHON, ['-c', script], (error) => (error ? reject(error) : resolve())));
    await fs.writeFile(file('case.csv'), 'id,Zone,zone\n1,x,y\n');
    await fs.writeFile(file('twice.csv'), 'id,v,v\n1,2,3\n');
    await fs.writeFile(file('empty.csv'), '');
    const cases: Array<[string, string]> = [
      ['case.parquet', 'invalid column name "A": the source has columns "a" and "A", which differ only in case and which SQL cannot tell apart'],
      ['case.csv', 'invalid column name "zone": the source has columns "Zone" and "zone", which differ only in case and which SQL cannot tell apart'],
      ['twice.csv', 'invalid column name "v": the source has two columns named "v"'],
    ];
    await expect(lake.importData({ table: 'qa.cols', source: file('empty.csv'), branch: 'main' })).rejects.toMatchObject({
      code: 'SOURCE_UNREADABLE',
      message: expect.stringContaining('empty.csv is empty: a CSV file needs at least a header line'),
    });
    for (const [name, message] of cases) {
      await expect(lake.importData({ table: 'qa.cols', source: file(name), branch: 'main' }), name).rejects.toMatchObject({ code: 'INVALID_NAME', retryable: false, message });
    }
    expect(await lake.listTables('main')).toEqual([]);

    // A column really called a_1 next to a is imported as it is.
    await fs.writeFile(file('real.csv'), 'a,a_1\n1,2\n');
    await lake.importData({ table: 'qa.cols', source: file('real.csv'), branch: 'main' });
    expect((await lake.tableSchema('qa.cols', 'main')).map((c) => c.name)).toEqual(['a', 'a_1']);
  });

  it('tables and namespaces named like SQL keywords import, query and audit', async () => {
    backend = await openLocal();
    const lake = backend.lakehouse;
    const source = path.join(backend.dataDir, 'k.csv');
    await fs.writeFile(source, 'id,type\n1,a\n2,b\n');
    for (const table of ['app.data', 'order.type', 'csv.select']) await lake.importData({ table, source, branch: 'main' });
    expect(await lake.queryRows('SELECT count(*) AS n FROM app.data')).toEqual([{ n: 2 }]);
    expect(await lake.queryRows('SELECT d.id FROM app.data AS d JOIN "order"."type" t USING (id) JOIN csv."select" s ON s.id = d.id ORDER BY 1')).toEqual([{ id: 1 }, { id: 2 }]);
    const report = await runAudit({ lakehouse: lake, table: 'order.type', ref: 'main', checks: [{ type: 'unique', column: 'id' }] });
    expect(report.checks.map((c) => [c.name, c.status])).toEqual([['unique(id)', 'passed'], ['row_count', 'passed']]);
  });
});

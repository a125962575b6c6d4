import fs from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openLocal, type OpenedBackend } from '../support/backends.js';
import { trips, writeFile } from '../support/data.js';

/** Source files shaped the way real extracts are: late JSON keys, empty batches, Spark folders, links, typed CSV text. */
describe('source shapes', () => {
  let backend: OpenedBackend;
  afterEach(async () => backend?.cleanup());
  const file = (name: string) => path.join(backend.dataDir, name);
  const count = async (table: string): Promise<number> => Number((await backend.lakehouse.queryRows(`SELECT count(*) AS n FROM ${table}`))[0]?.['n']);

  it('a JSON-lines key that first appears deep in a file becomes a column, and an empty JSON-lines file is refused', async () => {
    backend = await openLocal();
    const lake = backend.lakehouse;
    const lines = Array.from({ length: 30_000 }, (_, i) => JSON.stringify({ id: i }));
    lines.push(JSON.stringify({ id: 30_000, extra: 'late' }));
    await fs.writeFile(file('late.jsonl'), `${lines.join('\n')}\n`);
    await lake.importData({ table: 'qa.late', source: file('late.jsonl'), branch: 'main' });
    expect((await lake.tableSchema('qa.late', 'main')).map((c) => c.name)).toEqual(['id', 'extra']);
    expect(await lake.queryRows('SELECT id, extra FROM qa.late WHERE extra IS NOT NULL')).toEqual([{ id: 30_000, extra: 'late' }]);

    await fs.writeFile(file('empty.jsonl'), '');
    await expect(lake.importData({ table: 'qa.late', source: file('empty.jsonl'), branch: 'main' })).rejects.toMatchObject({
      code: 'SOURCE_UNREADABLE',
      message: expect.stringContaining('empty.jsonl is empty: a JSON-lines file needs at least one record'),
    });
    expect((await lake.tableSchema('qa.late', 'main')).map((c) => c.name)).toEqual(['id', 'extra']);
  });

  it('CSV appends read columns as the table types them: a header-only file adds no rows, digits stay text, a bad value is named', async () => {
    backend = await openLocal();
    const lake = backend.lakehouse;
    await fs.writeFile(file('first.csv'), 'id,zip,fare\n1,ab12,2.5\n');
    await lake.importData({ table: 'qa.csv', source: file('first.csv'), branch: 'main', schemaPolicy: 'freeze' });
    await fs.writeFile(file('header.csv'), 'id,zip,fare\n');
    expect((await lake.importData({ table: 'qa.csv', source: file('header.csv'), branch: 'main', schemaPolicy: 'freeze' })).rows).toBe(0);
    await fs.writeFile(file('digits.csv'), 'id,zip,fare\n2,00123,3\n');
    await lake.importData({ table: 'qa.csv', source: file('digits.csv'), branch: 'main', schemaPolicy: 'freeze' });
    expect(await lake.queryRows('SELECT id, zip, fare FROM qa.csv ORDER BY id')).toEqual([
      { id: 1, zip: 'ab12', fare: 2.5 },
      { id: 2, zip: '00123', fare: 3 },
    ]);
    const rows = Array.from({ length: 3000 }, (_, i) => `${i + 3},z,1`);
    await fs.writeFile(file('bad.csv'), `id,zip,fare\n${rows.join('\n')}\nABC,z,1\n`);
    const error = await lake.importData({ table: 'qa.csv', source: file('bad.csv'), branch: 'main' }).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toMatchObject({ code: 'SOURCE_UNREADABLE' });
    expect((error as Error).message).toMatch(/Line: 3002.*column "id".*"ABC"/);
    expect(await count('qa.csv')).toBe(2);
  });

  it('refuses a source column that differs from a table column only in case, naming both', async () => {
    backend = await openLocal();
    const lake = backend.lakehouse;
    await fs.writeFile(file('a.csv'), 'id,name\n1,x\n');
    await lake.importData({ table: 'qa.names', source: file('a.csv'), branch: 'main' });
    await fs.writeFile(file('b.csv'), 'ID,name\n2,y\n');
    await expect(lake.importData({ table: 'qa.names', source: file('b.csv'), branch: 'main', schemaPolicy: 'evolve' })).rejects.toMatchObject({
      code: 'SCHEMA_MISMATCH',
      message: expect.stringContaining('ID (the table has id)'),
    });
  });

  it('a folder loads each file once: marker files and hidden folders are left out, and a link to a file in the folder is that file', async () => {
    backend = await openLocal();
    const lake = backend.lakehouse;
    const folder = file('spark-out');
    await fs.mkdir(path.join(folder, '_temporary', '0'), { recursive: true });
    await writeFile(path.join(folder, 'part-00000.parquet'), trips(10));
    await writeFile(path.join(folder, '_temporary', '0', 'part-00001.parquet'), trips(5));
    await fs.writeFile(path.join(folder, '_SUCCESS'), '');
    await fs.writeFile(path.join(folder, '.part-00000.parquet.crc'), 'crc');
    await fs.symlink(path.join(folder, 'part-00000.parquet'), path.join(folder, 'latest.parquet'));
    const result = await lake.importData({ table: 'qa.spark', source: folder, branch: 'main' });
    expect(result.rows).toBe(10);
    expect(await count('qa.spark')).toBe(10);
    // The same through a glob.
    await lake.importData({ table: 'qa.glob', source: path.join(folder, '*'), branch: 'main' });
    expect(await count('qa.glob')).toBe(10);
  });

  it('query rows keep decimals exactly: a number when a double holds the value, its digits otherwise', async () => {
    backend = await openLocal();
    const rows = await backend.lakehouse.queryRows(
      'SELECT 12345678901234567890.123456789012345678::DECIMAL(38,18) AS big, 1.10::DECIMAL(5,2) AS small, -0.5::DECIMAL(4,2) AS negative, 123456789012345678::DECIMAL(18,0) AS whole',
    );
    expect(rows).toEqual([{ big: '12345678901234567890.123456789012345678', small: 1.1, negative: -0.5, whole: '123456789012345678' }]);
  });

  it('a file whose name holds glob characters loads alone, not the files its name would match', async () => {
    backend = await openLocal();
    const folder = file('odd-names');
    await fs.mkdir(folder);
    await fs.writeFile(path.join(folder, '*.csv'), 'v\nstar\n');
    await fs.writeFile(path.join(folder, 'b[1].csv'), 'v\nbracket\n');
    await fs.writeFile(path.join(folder, 'b1.csv'), 'v\nplain\n');
    await fs.writeFile(path.join(folder, '.hidden.csv'), 'v\nhidden\n');
    await backend.lakehouse.importData({ table: 'qa.odd', source: path.join(folder, '*.csv'), branch: 'main' });
    await backend.lakehouse.importData({ table: 'qa.odd', source: path.join(folder, 'b[[]1].csv'), branch: 'main' });
    expect((await backend.lakehouse.queryRows('SELECT v FROM qa.odd ORDER BY v')).map((r) => r['v'])).toEqual(['bracket', 'bracket', 'plain', 'star']);
  });
});

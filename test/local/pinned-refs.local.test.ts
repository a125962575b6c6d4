import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openLocal, type OpenedBackend } from '../support/backends.js';
import { trips, writeFile } from '../support/data.js';

describe('name@commit', () => {
  let backend: OpenedBackend;
  afterEach(async () => backend?.cleanup());

  it.each([
    ['SQLite', false],
    ['PostgreSQL', true],
  ])('reads a commit of that name\'s history, and refuses one from elsewhere for reads, branching and merges (%s catalog)', async (_, postgres) => {
    backend = await openLocal({ postgres });
    const lake = backend.lakehouse;
    const source = await writeFile(path.join(backend.dataDir, 'a.parquet'), trips(10));
    await lake.importData({ table: 'qa.t', source, branch: 'main' });
    const first = (await lake.getRef('main')).commit;
    await lake.createBranch('dev');
    await lake.importData({ table: 'qa.t', source, branch: 'main' });
    const mainOnly = (await lake.getRef('main')).commit;
    await lake.importData({ table: 'qa.t', source, branch: 'dev' });
    await lake.importData({ table: 'qa.t', source, branch: 'dev' });

    const count = async (ref: string) => Number((await lake.queryRows('SELECT count(*) AS n FROM qa.t', { ref }))[0]?.['n']);
    expect(await count(`dev@${first}`)).toBe(10);
    expect(await count(`main@${mainOnly}`)).toBe(20);
    expect(await count(`@${mainOnly}`)).toBe(20);
    const notOnDev = { code: 'REF_NOT_FOUND', message: expect.stringContaining(`is not in the history of branch "dev"`) };
    await expect(count(`dev@${mainOnly}`)).rejects.toMatchObject(notOnDev);
    await expect(lake.createBranch('x', { from: `dev@${mainOnly}` })).rejects.toMatchObject(notOnDev);
    await expect(lake.merge(`dev@${mainOnly}`, { into: 'main' })).rejects.toMatchObject(notOnDev);
    expect(await count('dev')).toBe(30);
  });
});

import fs from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fingerprintOf, listSource } from '../../src/shared/sources/index.js';
import { openLocal, type OpenedBackend } from '../support/backends.js';
import { trips, writeFile } from '../support/data.js';

/** A run loads exactly the files it was enqueued with: the fingerprints taken then are checked at import. */
describe('imports of the files a run was enqueued with', () => {
  let backend: OpenedBackend;
  afterEach(async () => backend?.cleanup());

  it('refuses a glob that now names another file, or a changed or vanished file, and loads an unchanged one', async () => {
    backend = await openLocal();
    const lake = backend.lakehouse;
    const dir = path.join(backend.dataDir, 'landing');
    await fs.mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'f1.parquet'), trips(10));
    const glob = path.join(dir, '*.parquet');
    const listed = await listSource(glob, { roots: [backend.dataDir], cwd: backend.dataDir, objectStore: () => { throw new Error('no S3 here'); } });
    const expectedFiles = listed.files.map(fingerprintOf);

    await writeFile(path.join(dir, 'f2.parquet'), trips(5, 100));
    await expect(lake.importData({ table: 'taxi.trips', source: glob, branch: 'main', expectedFiles })).rejects.toMatchObject({
      code: 'SOURCE_CHANGED',
      retryable: false,
      details: { added: [path.join(dir, 'f2.parquet')], missing: [], changed: [] },
      message: expect.stringContaining('1 file(s) added'),
    });
    await fs.rm(path.join(dir, 'f1.parquet'));
    await writeFile(path.join(dir, 'f1.parquet'), trips(11));
    await fs.utimes(path.join(dir, 'f1.parquet'), new Date(), new Date(Date.now() + 60_000));
    await expect(lake.importData({ table: 'taxi.trips', source: path.join(dir, 'f1.parquet'), branch: 'main', expectedFiles })).rejects.toMatchObject({
      code: 'SOURCE_CHANGED',
      details: { changed: [path.join(dir, 'f1.parquet')] },
    });
    expect(await lake.listTables('main')).toEqual([]);

    const now = await listSource(glob, { roots: [backend.dataDir], cwd: backend.dataDir, objectStore: () => { throw new Error('no S3 here'); } });
    const imported = await lake.importData({ table: 'taxi.trips', source: glob, branch: 'main', expectedFiles: now.files.map(fingerprintOf) });
    expect(imported.rows).toBe(16);
  });
});

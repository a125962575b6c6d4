import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { CatalogBusyError, CatalogUnavailableError, InvalidInputError } from '../../src/shared/lakehouse/errors.js';
import { openCatalog } from '../../src/shared/lakehouse/local/catalog/index.js';
import { freePort } from '../support/ports.js';

describe('catalog database failures', () => {
  const dirs: string[] = [];
  afterEach(async () => {
    await Promise.all(dirs.splice(0).map(async (dir) => rm(dir, { recursive: true, force: true })));
  });

  it('reports a SQLite write lock held past the busy timeout as a retryable CatalogBusyError', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fg-busy-'));
    dirs.push(dir);
    const path = join(dir, 'catalog.db');
    const catalog = await openCatalog({ sqlitePath: path, busyTimeoutMs: 300 });
    const main = (await catalog.getRef('main'))!;
    const other = new Database(path);
    try {
      other.exec('BEGIN IMMEDIATE');
      const started = Date.now();
      const error = await catalog.createRef('dev', 'branch', main.commitId).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CatalogBusyError);
      expect((error as CatalogBusyError).retryable).toBe(true);
      expect(Date.now() - started).toBeGreaterThanOrEqual(250);
      // Reads still work in WAL mode while another connection writes.
      expect(await catalog.getRef('main')).toEqual(main);
      other.exec('ROLLBACK');
      expect(await catalog.createRef('dev', 'branch', main.commitId)).toMatchObject({ name: 'dev' });
    } finally {
      other.close();
      await catalog.close();
    }
  });

  it('reports an unreachable PostgreSQL server as a retryable CatalogUnavailableError', async () => {
    const port = await freePort();
    const error = await openCatalog({ url: `postgres://nobody@127.0.0.1:${port}/none`, sqlitePath: '/unused' }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(CatalogUnavailableError);
    expect((error as CatalogUnavailableError).retryable).toBe(true);
  });

  it('refuses a catalog URL it cannot serve', async () => {
    await expect(openCatalog({ url: 'mysql://x@y/z', sqlitePath: '/unused' })).rejects.toBeInstanceOf(InvalidInputError);
  });
});

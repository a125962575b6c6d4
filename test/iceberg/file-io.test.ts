import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BoundedCache } from '../../src/shared/lakehouse/local/iceberg/cache.js';
import { localFileIO } from '../../src/shared/lakehouse/local/iceberg/index.js';

describe('localFileIO', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'floodgate-fileio-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('creates parent folders, replaces files whole and leaves no temporary files', async () => {
    const io = localFileIO();
    const location = path.join(dir, 'a', 'b', 'file.bin');
    await io.write(location, Uint8Array.of(1, 2, 3));
    await io.write(location, Uint8Array.of(4, 5));
    expect([...(await io.read(location))]).toEqual([4, 5]);
    expect(await readdir(path.dirname(location))).toEqual(['file.bin']);
    expect([...(await io.read(pathToFileURL(location).href))]).toEqual([4, 5]);
  });

  it('reports a missing file as a storage error that a retry will not fix', async () => {
    await expect(localFileIO().read(path.join(dir, 'missing'))).rejects.toMatchObject({
      code: 'STORAGE_UNAVAILABLE',
      retryable: false,
    });
  });
});

describe('BoundedCache', () => {
  it('evicts the least recently used entries beyond its weight budget', () => {
    const cache = new BoundedCache<string>(10);
    cache.set('a', 'A', 4);
    cache.set('b', 'B', 4);
    expect(cache.get('a')).toBe('A'); // a is now the most recent
    cache.set('c', 'C', 4);
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBe('A');
    expect(cache.get('c')).toBe('C');
    cache.set('huge', 'H', 11);
    expect(cache.get('huge')).toBeUndefined();
    expect(cache.size).toBe(2);
  });
});

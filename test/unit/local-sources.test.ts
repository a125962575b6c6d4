import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listLocalFiles } from '../../src/shared/sources/local.js';

describe('local source listing stays inside the allowed roots', () => {
  let base: string;
  let root: string;
  let outside: string;
  beforeAll(async () => {
    base = await fs.mkdtemp(path.join(os.tmpdir(), 'fg-sources-'));
    root = path.join(base, 'root');
    outside = path.join(base, 'outside');
    await fs.mkdir(path.join(root, 'batch'), { recursive: true });
    await fs.mkdir(outside);
    await fs.writeFile(path.join(root, 'a.parquet'), 'abc');
    await fs.writeFile(path.join(root, 'batch', 'b.parquet'), 'defg');
    await fs.writeFile(path.join(outside, 'secret.parquet'), 'secret');
    await fs.symlink(path.join(outside, 'secret.parquet'), path.join(root, 'link.parquet'));
    await fs.symlink(path.join(root, 'a.parquet'), path.join(root, 'alias.parquet'));
  });
  afterAll(async () => fs.rm(base, { recursive: true, force: true }));

  it('lists one file with its size and mtime, and follows a symlink that stays inside', async () => {
    const [file] = await listLocalFiles(path.join(root, 'a.parquet'), [root], base);
    const stat = await fs.stat(path.join(root, 'a.parquet'));
    expect(file).toEqual({ uri: path.join(root, 'a.parquet'), localPath: await fs.realpath(path.join(root, 'a.parquet')), size: 3, version: String(Math.trunc(stat.mtimeMs)) });
    const [alias] = await listLocalFiles(path.join(root, 'alias.parquet'), [root], base);
    expect(alias).toMatchObject({ localPath: await fs.realpath(path.join(root, 'a.parquet')), size: 3 });
  });

  it('refuses a file whose symlink leads outside, alone or inside a directory or glob', async () => {
    await expect(listLocalFiles(path.join(root, 'link.parquet'), [root], base)).rejects.toMatchObject({ code: 'SOURCE_NOT_ALLOWED' });
    await expect(listLocalFiles(root, [root], base)).rejects.toMatchObject({ code: 'SOURCE_NOT_ALLOWED' });
    await expect(listLocalFiles(path.join(root, '*.parquet'), [root], base)).rejects.toMatchObject({ code: 'SOURCE_NOT_ALLOWED' });
    expect((await listLocalFiles(path.join(root, 'batch'), [root], base)).map((f) => f.size)).toEqual([4]);
  });

  it('refuses paths outside the roots or with "..", and names a missing file', async () => {
    await expect(listLocalFiles(path.join(outside, 'secret.parquet'), [root], base)).rejects.toMatchObject({ code: 'SOURCE_NOT_ALLOWED' });
    await expect(listLocalFiles(`${root}/../outside/secret.parquet`, [root], base)).rejects.toMatchObject({ code: 'SOURCE_NOT_ALLOWED' });
    await expect(listLocalFiles(path.join(root, 'missing.parquet'), [root], base)).rejects.toMatchObject({ code: 'SOURCE_NOT_FOUND' });
  });
});

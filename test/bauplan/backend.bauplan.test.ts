import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openBauplan, type OpenedBauplan } from '../support/bauplan/harness.js';
import { trips, writeFile } from '../support/data.js';

/** Backend behaviour beyond the shared contract: Bauplan's refusals, retries and the result-artifact path. */
describe('Bauplan backend against the fake server', () => {
  let b: OpenedBauplan | undefined;
  afterEach(async () => {
    await b?.cleanup();
    b = undefined;
  });

  it('retries a 429 from the catalog and maps a forbidden merge to a non-retryable REMOTE_FORBIDDEN', async () => {
    b = await openBauplan();
    b.fake.failNext({ method: 'POST', pathIncludes: '/branches', status: 429, retryAfter: 0, times: 2 });
    expect(await b.lakehouse.createBranch('run')).toMatchObject({ name: 'run', kind: 'branch' });
    await writeFile(path.join(b.dataDir, 'a.parquet'), trips(10));
    await b.lakehouse.importData({ table: 'taxi.trips', source: path.join(b.dataDir, 'a.parquet'), branch: 'run' });
    const before = await b.lakehouse.getRef('main');
    b.fake.failNext({ pathIncludes: '/merge/', status: 403, type: 'MERGE_FORBIDDEN' });
    await expect(b.lakehouse.merge('run', { into: 'main' })).rejects.toMatchObject({ code: 'REMOTE_FORBIDDEN', retryable: false });
    expect((await b.lakehouse.getRef('main')).commit).toBe(before.commit);
    b.fake.failNext({ pathIncludes: '/merge/', status: 503, times: 10 });
    await expect(b.lakehouse.merge('run', { into: 'main' })).rejects.toMatchObject({ code: 'CATALOG_UNAVAILABLE', retryable: true });
  });

  it('uploads local files once per content and imports S3 sources in place', async () => {
    b = await openBauplan();
    await writeFile(path.join(b.dataDir, 'a.parquet'), trips(10));
    await b.lakehouse.importData({ table: 'taxi.trips', source: path.join(b.dataDir, 'a.parquet'), branch: 'main' });
    const imports = [...b.fake.jobs.values()].filter((j) => j.rpc === 'TableDataImport').map((j) => String(j.request['search_string']));
    expect(imports).toHaveLength(1);
    expect(imports[0]).toMatch(/^s3:\/\/fg-staging\/floodgate\/taxi\.trips\/[0-9a-f]{24}\/\*$/);
    // The staged copy is itself an S3 source the backend passes through unchanged.
    const staged = imports[0]?.replace(/\*$/, '000000-a.parquet') ?? '';
    await b.lakehouse.importData({ table: 'taxi.trips', source: staged, branch: 'main' });
    const last = [...b.fake.jobs.values()].filter((j) => j.rpc === 'TableDataImport').at(-1);
    expect(last?.request['search_string']).toBe(staged);
    expect(Number((await b.lakehouse.queryRows('SELECT count(*) AS n FROM taxi.trips'))[0]?.['n'])).toBe(20);
    await expect(b.lakehouse.importData({ table: 'taxi.trips', source: 's3://fg-staging/nothing-here/*.parquet', branch: 'main' })).rejects.toMatchObject({ code: 'SOURCE_NOT_FOUND' });
  });

  describe('queries answered with a result artifact', () => {
    const savedPath = process.env['PATH'];
    afterEach(() => {
      process.env['PATH'] = savedPath;
    });

    it('fail with a message naming the bauplan CLI when it is not installed, and use it when it is', async () => {
      b = await openBauplan({ resultArtifact: true });
      await writeFile(path.join(b.dataDir, 'a.parquet'), trips(10));
      await b.lakehouse.importData({ table: 'taxi.trips', source: path.join(b.dataDir, 'a.parquet'), branch: 'main' });
      process.env['PATH'] = '/usr/bin:/bin';
      await expect(b.lakehouse.queryRows('SELECT count(*) AS n FROM taxi.trips')).rejects.toMatchObject({
        code: 'QUERY_FAILED',
        message: expect.stringContaining('bauplan CLI'),
      });
      // A stand-in for the official CLI that records its arguments and answers rows as `-O json` does.
      const bin = await fs.mkdtemp(path.join(os.tmpdir(), 'fg-bauplan-cli-'));
      const argsFile = path.join(bin, 'args.txt');
      await fs.writeFile(path.join(bin, 'bauplan'), `#!/bin/sh\nprintf '%s\\n' "$@" > '${argsFile}'\necho '[{"n": 10}]'\n`, { mode: 0o755 });
      process.env['PATH'] = `${bin}:/usr/bin:/bin`;
      expect(await b.lakehouse.queryRows('SELECT count(*) AS n FROM taxi.trips')).toEqual([{ n: 10 }]);
      expect((await fs.readFile(argsFile, 'utf8')).trim().split('\n')).toEqual(['query', '-O', 'json', '--all-rows', '--ref', 'main', 'SELECT count(*) AS n FROM taxi.trips']);
      await fs.rm(bin, { recursive: true, force: true });
    });
  });
});

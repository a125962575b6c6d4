import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/shared/config/index.js';
import { openBauplanLakehouse } from '../../src/shared/lakehouse/bauplan/index.js';
import type { Lakehouse, WorkCheckpoint } from '../../src/shared/lakehouse/lakehouse.js';
import { openBauplan, type OpenedBauplan } from '../support/bauplan/harness.js';
import { trips, writeFile } from '../support/data.js';

/** A run's checkpoint kept in memory, as the ledger keeps it for a worker. */
function memoryCheckpoint(): WorkCheckpoint & { readonly values: Map<string, string> } {
  const values = new Map<string, string>();
  return {
    values,
    get: (key) => values.get(key),
    set: async (key, value) => {
      if (value === undefined) values.delete(key);
      else values.set(key, value);
    },
  };
}

const importJobs = (b: OpenedBauplan) => [...b.fake.jobs.values()].filter((job) => job.rpc === 'TableDataImport');
const rowCount = async (lakehouse: Lakehouse, ref: string): Promise<number> =>
  Number((await lakehouse.queryRows('SELECT count(*) AS n FROM taxi.trips', { ref }))[0]?.['n']);

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

  describe('jobs a wait gave up on', () => {
    let impatient: Lakehouse | undefined;
    afterEach(async () => {
      await impatient?.close();
      impatient = undefined;
    });

    /** A table with 10 rows on branch `run`, a second file of 5 rows, and a backend that waits at most 1 s for a job. */
    async function setUp(): Promise<{ lakehouse: Lakehouse; source: string }> {
      b = await openBauplan();
      await b.lakehouse.createBranch('run');
      await b.lakehouse.importData({ table: 'taxi.trips', source: await writeFile(path.join(b.dataDir, 'a.parquet'), trips(10)), branch: 'run' });
      impatient = await openBauplanLakehouse(loadConfig({ ...b.env, FLOODGATE_BAUPLAN_JOB_TIMEOUT_MS: '1000' }).lakehouse, { cwd: b.dataDir });
      return { lakehouse: impatient, source: await writeFile(path.join(b.dataDir, 'b.parquet'), trips(5)) };
    }

    it('a timed-out import is cancelled and forgotten, so the retry submits it again, letting Bauplan skip files already imported', async () => {
      const { lakehouse, source } = await setUp();
      const checkpoint = memoryCheckpoint();
      b!.fake.holdJobs(true, ['TableDataImport']);
      await expect(lakehouse.importData({ table: 'taxi.trips', source, branch: 'run', checkpoint })).rejects.toMatchObject({ code: 'JOB_FAILED', retryable: true });
      expect(checkpoint.get('bauplan.import')).toBeUndefined();
      b!.fake.holdJobs(false);
      expect((await lakehouse.importData({ table: 'taxi.trips', source, branch: 'run', checkpoint })).rows).toBe(5);
      const requests = importJobs(b!).slice(1).map((job) => job.request['import_duplicate_files']);
      expect(requests).toEqual([true, false]);
      expect(await rowCount(lakehouse, 'run')).toBe(15);
    });

    it('an import aborted by its worker (shutdown, lost lease) is cancelled and forgotten; a resumed job found cancelled is submitted again', async () => {
      const { lakehouse, source } = await setUp();
      const checkpoint = memoryCheckpoint();
      b!.fake.holdJobs(true, ['TableDataImport']);
      const abort = new AbortController();
      setTimeout(() => abort.abort(new Error('shutting down')), 300);
      await expect(lakehouse.importData({ table: 'taxi.trips', source, branch: 'run', checkpoint, signal: abort.signal })).rejects.toThrow('shutting down');
      expect(checkpoint.get('bauplan.import')).toBeUndefined();
      b!.fake.holdJobs(false);
      // As if the attempt had died before forgetting it: the checkpoint still names the cancelled job.
      const cancelled = importJobs(b!).at(-1);
      await checkpoint.set('bauplan.import', cancelled?.id);
      expect((await lakehouse.importData({ table: 'taxi.trips', source, branch: 'run', checkpoint })).rows).toBe(5);
      expect(importJobs(b!)).toHaveLength(3);
      expect(await rowCount(lakehouse, 'run')).toBe(15);
    });
  });

  it('a branch creation or merge whose answer was lost is not mistaken for a refusal on retry', async () => {
    b = await openBauplan();
    b.fake.failNext({ method: 'POST', pathIncludes: '/branches', status: 502, afterApplying: true });
    expect(await b.lakehouse.createBranch('wap/taxi.trips/r1')).toMatchObject({ name: 'wap/taxi.trips/r1', kind: 'branch' });
    await b.lakehouse.importData({ table: 'taxi.trips', source: await writeFile(path.join(b.dataDir, 'a.parquet'), trips(10)), branch: 'wap/taxi.trips/r1' });
    const head = (await b.lakehouse.getRef('wap/taxi.trips/r1')).commit;
    b.fake.failNext({ pathIncludes: '/merge/', status: 502, afterApplying: true });
    const merged = await b.lakehouse.merge(`wap/taxi.trips/r1@${head}`, { into: 'main' });
    const main = await b.lakehouse.getRef('main');
    expect(merged).toMatchObject({ changed: true, commit: main.commit });
    expect(await rowCount(b.lakehouse, 'main')).toBe(10);
    // Without a lost answer, a second merge is still "nothing to merge".
    expect(await b.lakehouse.merge(`wap/taxi.trips/r1@${head}`, { into: 'main' })).toMatchObject({ changed: false, commit: main.commit });
  });

  it("refuses a key that is not an admin's when it writes to the protected main, and says how to publish elsewhere", async () => {
    b = await openBauplan({ admin: false });
    const source = await writeFile(path.join(b.dataDir, 'a.parquet'), trips(10));
    await expect(b.lakehouse.importData({ table: 'taxi.trips', source, branch: 'main' })).rejects.toMatchObject({ retryable: false });
    await b.lakehouse.createBranch('run');
    await b.lakehouse.importData({ table: 'taxi.trips', source, branch: 'run' });
    const error = await b.lakehouse.merge('run', { into: 'main' }).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toMatchObject({ code: 'REMOTE_FORBIDDEN', retryable: false, message: expect.stringContaining('FLOODGATE_TARGET_BRANCH') });
    await b.lakehouse.createBranch('published');
    expect(await b.lakehouse.merge('run', { into: 'published' })).toMatchObject({ changed: true });
  });
});

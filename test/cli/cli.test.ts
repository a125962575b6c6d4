import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trips, writeFile } from '../support/data.js';
import { runCli, type CliResult } from '../support/cli.js';

describe('floodgate lake (CLI)', { timeout: 180_000 }, () => {
  let home: string;
  let data: string;

  const cli = (...args: string[]) =>
    runCli(['--home', home, ...args], { cwd: data, env: { FLOODGATE_SOURCE_ROOTS: data, FLOODGATE_AUTHOR: 'cli-test' } });
  const json = (result: CliResult): unknown => {
    expect(result.code, result.stderr).toBe(0);
    return JSON.parse(result.stdout);
  };

  beforeAll(async () => {
    home = await fs.mkdtemp(path.join(os.tmpdir(), 'fg-cli-home-'));
    data = await fs.mkdtemp(path.join(os.tmpdir(), 'fg-cli-data-'));
    await writeFile(path.join(data, 'trips.parquet'), trips(25));
  });
  afterAll(async () => {
    await fs.rm(home, { recursive: true, force: true });
    await fs.rm(data, { recursive: true, force: true });
  });

  it('runs a branch, import, query, merge, log and tables session with --json', async () => {
    const main = json(await cli('--json', 'lake', 'log', '--limit', '1')) as Array<{ id: string }>;
    const branch = json(await cli('--json', 'lake', 'branch', 'create', 'dev'));
    expect(branch).toMatchObject({ name: 'dev', kind: 'branch', commit: main[0]?.id });

    const imported = json(await cli('--json', 'lake', 'import', 'taxi.trips', 'trips.parquet', '--branch', 'dev')) as Record<string, unknown>;
    expect(imported).toMatchObject({ rows: 25, files: 1 });
    expect(Object.keys(imported)).toEqual(expect.arrayContaining(['rows', 'files', 'bytes', 'commit']));

    const rows = json(await cli('lake', 'query', 'SELECT count(*) AS n, min(zone) AS z FROM taxi.trips', '--ref', 'dev', '--format', 'json'));
    expect(rows).toEqual([{ n: 25, z: 'zone-0' }]);
    const csv = await cli('lake', 'query', 'SELECT id FROM taxi.trips ORDER BY id LIMIT 2', '--ref', 'dev', '--format', 'csv');
    expect(csv.stdout.trim().split('\n')).toEqual(['id', '0', '1']);
    const table = await cli('lake', 'query', 'SELECT id FROM taxi.trips ORDER BY id LIMIT 1', '--ref', 'dev');
    expect(table.stdout).toContain('(1 row)');

    const stale = await cli('--json', 'lake', 'merge', 'dev', '--into', 'main', '--expect-head', 'deadbeefdeadbeef');
    expect(stale.code).toBe(4);
    expect(stale.stderr).toMatch(/^floodgate: ref main is at [0-9a-f]+, not at the expected deadbeefdeadbeef\n$/);

    const merged = json(await cli('--json', 'lake', 'merge', 'dev', '--into', 'main', '--expect-head', main[0]?.id ?? ''));
    expect(merged).toMatchObject({ commit: imported['commit'], fastForward: true });

    const tables = json(await cli('--json', 'lake', 'tables')) as Array<Record<string, unknown>>;
    expect(tables).toMatchObject([{ name: 'taxi.trips', rows: 25, files: 1 }]);
    const log = json(await cli('--json', 'lake', 'log')) as Array<{ message: string }>;
    expect(log.map((c) => c.message)).toEqual(['append 25 rows into taxi.trips', 'root']);
    const branches = json(await cli('--json', 'lake', 'branch', 'list', '--prefix', 'de')) as Array<{ name: string }>;
    expect(branches.map((b) => b.name)).toEqual(['dev']);
    expect(json(await cli('--json', 'lake', 'branch', 'delete', 'dev'))).toEqual({ name: 'dev', deleted: true });

    json(await cli('--json', 'lake', 'import', 'taxi.trips', 'trips.parquet'));
    const compacted = json(await cli('--json', 'lake', 'compact', 'taxi.trips')) as Record<string, unknown>;
    expect(compacted).toMatchObject({ table: 'taxi.trips', outcome: 'compacted', rows: 50, filesBefore: 2, filesAfter: 1, filesRewritten: 2 });
    expect(json(await cli('--json', 'lake', 'tables'))).toMatchObject([{ name: 'taxi.trips', rows: 50, files: 1 }]);
    const again = await cli('lake', 'compact', 'taxi.trips', '--smaller-than', '1MB');
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('taxi.trips has fewer than 2 data files smaller than 1.0 MB (1 in all): nothing to do');

    // Expiry: a dry run first, then for real, with the whole history as old (window 0).
    const [beforeExpiry] = json(await cli('--json', 'lake', 'log', '--limit', '2')) as Array<{ id: string }>;
    const dry = json(await cli('--json', 'lake', 'expire', '--dry-run', '--older-than', '0', '--min-age', '0')) as { orphans: { filesDeleted: number } };
    expect(dry).toMatchObject({ dryRun: true, tables: [{ table: 'taxi.trips', outcome: 'expired', snapshotsBefore: 3, snapshotsAfter: 1 }], orphans: { dryRun: true } });
    expect(dry.orphans.filesDeleted).toBeGreaterThan(0);
    const expired = await cli('lake', 'expire', '--older-than', '0', '--min-age', '0');
    expect(expired.code, expired.stderr).toBe(0);
    expect(expired.stdout).toMatch(/taxi\.trips\s+3 → 1\s+expired 2/);
    // More than the dry run counted: the real trim committed first, freeing the expired snapshots' files too.
    const deleted = Number(/files: deleted (\d+) \(/.exec(expired.stdout)?.[1]);
    expect(deleted).toBeGreaterThan(dry.orphans.filesDeleted);
    expect(json(await cli('--json', 'lake', 'tables'))).toMatchObject([{ name: 'taxi.trips', rows: 50, files: 1 }]);
    const gone = await cli('lake', 'query', 'SELECT count(*) FROM taxi.trips', '--ref', `@${beforeExpiry?.id ?? ''}`);
    // The head before expiry is an ancestor now (the trim committed on top), so older than the window.
    expect(gone.code).toBe(2);
    expect(gone.stderr).toMatch(/history that old has expired/);
    const nothing = json(await cli('--json', 'lake', 'expire', '--older-than', '0', '--min-age', '0'));
    expect(nothing).toMatchObject({ tables: [{ outcome: 'skipped' }], orphans: { filesDeleted: 0 } });

    // A branch made before a compaction of main still merges: its load is rebased.
    json(await cli('--json', 'lake', 'import', 'taxi.trips', 'trips.parquet'));
    json(await cli('--json', 'lake', 'branch', 'create', 'late'));
    json(await cli('--json', 'lake', 'import', 'taxi.trips', 'trips.parquet', '--branch', 'late'));
    expect(json(await cli('--json', 'lake', 'compact', 'taxi.trips'))).toMatchObject({ outcome: 'compacted', filesAfter: 1 });
    const late = await cli('lake', 'merge', 'late');
    expect(late.code, late.stderr).toBe(0);
    expect(late.stdout).toMatch(/^merged late into main \(merge commit\): [0-9a-f]+; tables: taxi\.trips\nrebased onto main's compacted or expired version: taxi\.trips\n$/);
    expect(json(await cli('--json', 'lake', 'tables'))).toMatchObject([{ name: 'taxi.trips', rows: 100, files: 2 }]);
  });

  it('exits 2 with a one-line message for bad input, 4 for a conflict, and explains itself with --help', async () => {
    const cases: Array<[string[], number, RegExp]> = [
      [['lake', 'import', 'trips', 'trips.parquet'], 2, /invalid table name "trips": expected <namespace>\.<table>/],
      [['lake', 'import', 'taxi.trips', '/etc/passwd'], 2, /is not allowed: it is outside the allowed roots/],
      [['lake', 'import', 'taxi.trips', 'nope.parquet'], 2, /matched no files/],
      [['lake', 'query', 'DROP TABLE taxi.trips'], 2, /query refused/],
      [['lake', 'query', 'SELECT * FROM taxi.missing'], 2, /table taxi.missing does not exist at main/],
      [['lake', 'branch', 'create', 'a..b'], 2, /invalid ref name/],
      [['lake', 'import', 'taxi.trips', 'trips.parquet', '--mode', 'upsert'], 2, /argument 'upsert' is invalid/],
      [['lake', 'nonsense'], 2, /unknown command/],
      [['lake', 'log', '--limit', 'x'], 2, /--limit expects a whole number of at least 1, got "x"/],
      [['lake', 'compact', 'taxi.trips', '--min-files', '1'], 2, /--min-files expects a whole number of at least 2, got "1"/],
      [['lake', 'compact', 'taxi.missing'], 2, /table taxi.missing does not exist at main/],
      [['lake', 'compact', 'taxi.trips', '--smaller-than', 'big'], 2, /--smaller-than expects a size like 64MB or 1GiB, got "big"/],
      [['lake', 'expire', '--older-than', 'a week'], 2, /--older-than expects a duration such as 7d, 36h or 1d12h \(or 0\), got "a week"/],
      [['lake', 'expire', 'taxi.missing', '--no-orphans'], 2, /table taxi.missing does not exist at main/],
      [['lake', 'expire', 'taxi.trips', '--no-trim'], 2, /give no tables with it/],
      [['lake', 'expire', '--retain-last', '0'], 2, /--retain-last expects a whole number of at least 1, got "0"/],
    ];
    for (const [args, code, message] of cases) {
      const result = await cli(...args);
      expect(result.code, args.join(' ')).toBe(code);
      expect(result.stderr, args.join(' ')).toMatch(message);
    }
    await cli('lake', 'branch', 'create', 'twice');
    const dup = await cli('lake', 'branch', 'create', 'twice');
    expect(dup.code).toBe(4);

    const help = await cli('lake', 'import', '--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--schema <policy>');
    expect(help.stdout).toContain('s3://bucket/prefix/*.parquet');
    const compactHelp = await cli('lake', 'compact', '--help');
    expect(compactHelp.stdout).toContain('--min-files <n>');
    expect(compactHelp.stdout).toContain('Earlier commits still');
    const expireHelp = await cli('lake', 'expire', '--help');
    expect(expireHelp.stdout).toContain('--older-than <duration>');
    expect(expireHelp.stdout).toContain('HISTORY_EXPIRED');
  });
});

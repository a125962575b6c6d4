import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, parseByteSize } from '../../src/shared/config/index.js';
import { redactRedisUrl } from '../../src/shared/redis/connection.js';
import { parseRefSpec, parseTableName, validateRefName } from '../../src/shared/lakehouse/names.js';
import { planSchema } from '../../src/shared/lakehouse/local/engine/schema-plan.js';

describe('names', () => {
  it('accepts table names made of safe identifiers only', () => {
    expect(parseTableName('taxi.trips')).toEqual({ namespace: 'taxi', name: 'trips', qualified: 'taxi.trips' });
    for (const bad of ['trips', 'a.b.c', 'Taxi.trips', 'taxi.1trips', 'taxi.trips;', 'taxi.tr ips', '../x.y', 'taxi."x"']) {
      expect(() => parseTableName(bad), bad).toThrow(expect.objectContaining({ code: 'INVALID_NAME' }));
    }
  });

  it('accepts WAP branch names and rejects traversal', () => {
    expect(validateRefName('wap/taxi.trips/r-01HX')).toBe('wap/taxi.trips/r-01HX');
    expect(validateRefName('alice.dev')).toBe('alice.dev');
    for (const bad of ['..', 'a/../b', '/abs', 'a/', 'x y', 'a\\b', '.hidden', 'a/.b', 'ends.', 'x'.repeat(201)]) {
      expect(() => validateRefName(bad), bad).toThrow(expect.objectContaining({ code: 'INVALID_NAME' }));
    }
  });

  it('parses name@commit and @commit', () => {
    expect(parseRefSpec('main')).toEqual({ name: 'main' });
    expect(parseRefSpec('run@0123abcd')).toEqual({ name: 'run', commit: '0123abcd' });
    expect(parseRefSpec('@0123abcdef')).toEqual({ commit: '0123abcdef' });
    expect(() => parseRefSpec('run@xyz')).toThrow(expect.objectContaining({ code: 'INVALID_NAME' }));
  });
});

describe('config', () => {
  it('has defaults that work and resolves paths once', () => {
    const config = loadConfig({}, { cwd: '/srv/app' }).lakehouse;
    expect(config).toMatchObject({
      home: '/srv/app/.floodgate',
      warehouse: '/srv/app/.floodgate/warehouse',
      catalogName: 'floodgate',
      sourceRoots: ['/srv/app', 's3://'],
      targetFileSizeBytes: 128_000_000,
    });
    expect(Object.isFrozen(config)).toBe(true);
    const custom = loadConfig({ FLOODGATE_HOME: 'h', FLOODGATE_SOURCE_ROOTS: 'data, s3://landing', FLOODGATE_TARGET_FILE_SIZE: '64MiB' }, { cwd: '/x' });
    expect(custom.lakehouse).toMatchObject({ home: path.resolve('/x/h'), sourceRoots: ['/x/data', 's3://landing'], targetFileSizeBytes: 64 * 1024 ** 2 });
  });

  it('names every bad variable', () => {
    expect(() => loadConfig({ FLOODGATE_CATALOG_URL: 'mysql://x', FLOODGATE_TARGET_FILE_SIZE: 'lots' })).toThrow(
      /FLOODGATE_CATALOG_URL: .*FLOODGATE_TARGET_FILE_SIZE: not a byte size/,
    );
    expect(parseByteSize('1.5GB')).toBe(1_500_000_000);
    expect(() => loadConfig({ FLOODGATE_HISTORY_COMPACT_FILES: '1' })).toThrow(/FLOODGATE_HISTORY_COMPACT_FILES: must be 0 \(never\) or at least 2/);
    expect(loadConfig({}).fleet.historyCompactFiles).toBe(32);
    expect(loadConfig({ FLOODGATE_HISTORY_COMPACT_FILES: '0' }).fleet.historyCompactFiles).toBe(0);
    expect(() => loadConfig({ FLOODGATE_COMPACT_FILES: '-3' })).toThrow(/FLOODGATE_COMPACT_FILES: must be 0 \(never\) or at least 2/);
    expect(loadConfig({}).fleet.compactFiles).toBe(64);
    expect(loadConfig({}).fleet).toMatchObject({ snapshotRetentionMs: 7 * 86_400_000, orphanMinAgeMs: 3 * 86_400_000, orphanSweepIntervalMs: 3_600_000 });
    expect(loadConfig({ FLOODGATE_SNAPSHOT_RETENTION: 'off', FLOODGATE_ORPHAN_MIN_AGE: '12h', FLOODGATE_ORPHAN_SWEEP_INTERVAL: '0' }).fleet).toMatchObject({
      snapshotRetentionMs: null,
      orphanMinAgeMs: 12 * 3_600_000,
      orphanSweepIntervalMs: null,
    });
    expect(loadConfig({ FLOODGATE_SNAPSHOT_RETENTION: '1d12h' }).fleet.snapshotRetentionMs).toBe(36 * 3_600_000);
    // "off" would read as "no safety margin at all" for the orphan sweep: 0 says that plainly.
    expect(() => loadConfig({ FLOODGATE_ORPHAN_MIN_AGE: 'off' })).toThrow(/FLOODGATE_ORPHAN_MIN_AGE: not a duration: "off" .*, or 0/);
    expect(loadConfig({ FLOODGATE_ORPHAN_MIN_AGE: '0' }).fleet.orphanMinAgeMs).toBe(0);
    expect(() => loadConfig({ FLOODGATE_WAREHOUSE: 's3://lake/wh' })).toThrow(/FLOODGATE_WAREHOUSE: the warehouse is a local folder/);
    expect(loadConfig({ FLOODGATE_WAREHOUSE: '/data/wh' }).lakehouse.warehouse).toBe('/data/wh');
    expect(() => loadConfig({ FLOODGATE_CATALOG_URL: 'postgres://fg:secret@127.0.0.1:notaport/db' })).toThrow(/FLOODGATE_CATALOG_URL: not a valid URL/);
    expect(() => loadConfig({ FLOODGATE_CATALOG_URL: 'postgres://fg:secret@127.0.0.1:notaport/db' })).not.toThrow(/secret/);
    expect(() => loadConfig({ FLOODGATE_API_TOKEN: 'has space in token 1234' })).toThrow(/FLOODGATE_API_TOKEN: use printable ASCII without spaces/);
    expect(loadConfig({ FLOODGATE_API_TOKEN: 'qa-token-0123456789abcdef' }).api.token).toBe('qa-token-0123456789abcdef');
    expect(() => loadConfig({ FLOODGATE_SNAPSHOT_RETENTION: 'a week' })).toThrow(/FLOODGATE_SNAPSHOT_RETENTION: not a duration: "a week" \(use e\.g\. 30m, 24h, 7d, 1d12h\), or off/);
    const prefectWithPassword = { PREFECT_API_URL: 'http://prefect:pf-s3cret@127.0.0.1:4200/api' };
    expect(() => loadConfig(prefectWithPassword)).toThrow(/PREFECT_API_URL: must not carry credentials .*PREFECT_API_AUTH_STRING/);
    expect(() => loadConfig(prefectWithPassword)).not.toThrow(/pf-s3cret/);
  });

  it('keeps Redis passwords out of the URLs it logs, in the user info or a parameter', () => {
    expect(redactRedisUrl('redis://user:pw-s3cret@redis:6379/0')).toBe('redis://user:***@redis:6379/0');
    expect(redactRedisUrl('redis://redis:6379/?password=pw-s3cret&db=1')).toBe('redis://redis:6379/?password=***&db=1');
  });
});

describe('schema planning', () => {
  const existing = [
    { id: 1, name: 'id', required: false, type: 'int' as const },
    { id: 2, name: 'name', required: false, type: 'string' as const },
  ];
  it('widens int to long and adds columns under evolve', () => {
    const plan = planSchema({
      table: 't.t',
      source: [{ name: 'id', duckType: 'BIGINT' }, { name: 'extra', duckType: 'DOUBLE' }],
      existing,
      lastColumnId: 2,
      policy: 'evolve',
    });
    expect(plan.fields).toEqual([
      { id: 1, name: 'id', required: false, type: 'long' },
      { id: 2, name: 'name', required: false, type: 'string' },
      { id: 3, name: 'extra', required: false, type: 'double' },
    ]);
    expect(plan.promotedColumns).toEqual(['id']);
    expect(plan.selectList[1]).toBe('CAST(NULL AS VARCHAR) AS "name"');
  });

  it('rejects unsafe names and unsupported types', () => {
    expect(() => planSchema({ table: 't.t', source: [{ name: 'a"b', duckType: 'INTEGER' }], existing: undefined, lastColumnId: 0, policy: 'evolve' })).toThrow(
      expect.objectContaining({ code: 'INVALID_NAME' }),
    );
    expect(() => planSchema({ table: 't.t', source: [{ name: 'a', duckType: 'INTEGER[]' }], existing: undefined, lastColumnId: 0, policy: 'evolve' })).toThrow(
      expect.objectContaining({ code: 'UNSUPPORTED_TYPE' }),
    );
  });
});

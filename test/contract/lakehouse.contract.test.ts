import fs from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { selectedBackends, type OpenedBackend } from '../support/backends.js';
import { trips, writeFile } from '../support/data.js';

/** The contract every Lakehouse backend passes. Select backends with BACKENDS=local,local-postgres. */
for (const harness of selectedBackends(process.env['BACKENDS'])) {
  describe(`Lakehouse contract: ${harness.name}`, () => {
    let backend: OpenedBackend;
    const file = (name: string) => path.join(backend.dataDir, name);
    const count = async (table: string, ref: string) =>
      Number((await backend.lakehouse.queryRows(`SELECT count(*) AS n FROM ${table}`, { ref }))[0]?.['n']);

    beforeEach(async () => {
      backend = await harness.open();
    });
    afterEach(async () => {
      await backend.cleanup();
    });

    describe('refs', () => {
      it('starts with main and creates, lists and deletes branches', async () => {
        const lake = backend.lakehouse;
        const main = await lake.getRef('main');
        expect(main).toMatchObject({ name: 'main', kind: 'branch' });
        await lake.createBranch('wap/taxi.trips/r1');
        await lake.createBranch('wap/taxi.trips/r2');
        await lake.createBranch('dev');
        expect((await lake.listBranches({ prefix: 'wap/' })).map((r) => r.name)).toEqual(['wap/taxi.trips/r1', 'wap/taxi.trips/r2']);
        expect((await lake.getRef('dev')).commit).toBe(main.commit);
        expect(await lake.deleteBranch('dev')).toBe(true);
        expect(await lake.deleteBranch('dev', { ifExists: true })).toBe(false);
        await expect(lake.deleteBranch('dev')).rejects.toMatchObject({ code: 'REF_NOT_FOUND' });
        await expect(lake.getRef('nope')).rejects.toMatchObject({ code: 'REF_NOT_FOUND', retryable: false });
      });

      it('refuses a taken name, deleting main and invalid names', async () => {
        const lake = backend.lakehouse;
        await lake.createBranch('dev');
        await expect(lake.createBranch('dev')).rejects.toMatchObject({ code: 'REF_EXISTS' });
        await expect(lake.deleteBranch('main')).rejects.toMatchObject({ code: 'REF_PROTECTED' });
        for (const bad of ['../etc', 'a//b', 'a b', "x'; DROP TABLE refs; --", '']) {
          await expect(lake.createBranch(bad)).rejects.toMatchObject({ code: 'INVALID_NAME' });
        }
        await expect(lake.createBranch('ok', { from: 'missing' })).rejects.toMatchObject({ code: 'REF_NOT_FOUND' });
      });

      it('creates tags that stay put', async () => {
        const lake = backend.lakehouse;
        await writeFile(file('a.parquet'), trips(10));
        await lake.importData({ table: 'taxi.trips', source: file('a.parquet'), branch: 'main' });
        const tag = await lake.createTag('v1');
        await writeFile(file('b.parquet'), trips(5, 100));
        await lake.importData({ table: 'taxi.trips', source: file('b.parquet'), branch: 'main' });
        expect((await lake.listTags()).map((t) => t.name)).toEqual(['v1']);
        expect(await count('taxi.trips', 'v1')).toBe(10);
        expect(await count('taxi.trips', 'main')).toBe(15);
        expect((await lake.getRef('v1')).commit).toBe(tag.commit);
      });
    });

    describe('import and isolation', () => {
      it('keeps rows imported on a branch invisible on main until merged', async () => {
        const lake = backend.lakehouse;
        await writeFile(file('trips.parquet'), trips(1000));
        await lake.createBranch('wap/r1');
        const result = await lake.importData({ table: 'taxi.trips', source: file('trips.parquet'), branch: 'wap/r1' });
        expect(result).toMatchObject({ table: 'taxi.trips', rows: 1000, created: true });
        expect(result.files).toBeGreaterThanOrEqual(1);
        expect(result.bytes).toBeGreaterThan(0);
        expect((await lake.getRef('wap/r1')).commit).toBe(result.commit);
        expect(await count('taxi.trips', 'wap/r1')).toBe(1000);
        await expect(count('taxi.trips', 'main')).rejects.toMatchObject({ code: 'TABLE_NOT_FOUND' });
        expect(await lake.listTables('main')).toEqual([]);

        const merged = await lake.merge('wap/r1', { into: 'main' });
        expect(merged).toMatchObject({ changed: true, tables: ['taxi.trips'] });
        if (lake.capabilities.fastForwardMerge) expect(merged).toMatchObject({ fastForward: true, commit: result.commit });
        expect(await count('taxi.trips', 'main')).toBe(1000);
        const [sum] = await lake.queryRows('SELECT sum(id) AS s, count(DISTINCT zone) AS zones FROM taxi.trips');
        expect(sum).toEqual({ s: (999 * 1000) / 2, zones: 7 });
      });

      it('appends and replaces', async () => {
        const lake = backend.lakehouse;
        await writeFile(file('a.parquet'), trips(100));
        await writeFile(file('b.parquet'), trips(30, 1000));
        await lake.importData({ table: 'taxi.trips', source: file('a.parquet'), branch: 'main' });
        await lake.importData({ table: 'taxi.trips', source: file('b.parquet'), branch: 'main', mode: 'append' });
        expect(await count('taxi.trips', 'main')).toBe(130);
        await lake.importData({ table: 'taxi.trips', source: file('b.parquet'), branch: 'main', mode: 'replace' });
        expect(await count('taxi.trips', 'main')).toBe(30);
        const [row] = await lake.queryRows('SELECT min(id) AS lo FROM taxi.trips');
        expect(row).toEqual({ lo: 1000 });
        const [info] = await lake.listTables('main');
        expect(info).toMatchObject({ name: 'taxi.trips', rows: 30 });
      });

      it('reads CSV and JSON lines, and globs', async () => {
        const lake = backend.lakehouse;
        await writeFile(file('csv/part-1.csv'), trips(20));
        await writeFile(file('csv/part-2.csv'), trips(20, 20));
        await writeFile(file('j.jsonl'), trips(7));
        const csv = await lake.importData({ table: 'raw.csv_trips', source: path.join(backend.dataDir, 'csv', '*.csv'), branch: 'main' });
        const json = await lake.importData({ table: 'raw.json_trips', source: `file://${file('j.jsonl')}`, branch: 'main' });
        expect([csv.rows, json.rows]).toEqual([40, 7]);
        expect(await count('raw.csv_trips', 'main')).toBe(40);
        expect((await lake.listTables('main')).map((t) => t.name).sort()).toEqual(['raw.csv_trips', 'raw.json_trips']);
      });

      it('evolves the schema with new nullable columns, or freezes it', async () => {
        const lake = backend.lakehouse;
        if (!lake.capabilities.schemaEvolution) {
          // Such a backend refuses any change of columns, whatever the policy, and commits nothing.
          await writeFile(file('v1.parquet'), trips(10));
          await writeFile(file('v2.parquet'), `SELECT *, 'x' AS vendor FROM (${trips(5, 100)})`);
          await lake.importData({ table: 'taxi.trips', source: file('v1.parquet'), branch: 'main' });
          const before = (await lake.getRef('main')).commit;
          for (const schemaPolicy of ['freeze', 'evolve'] as const) {
            await expect(lake.importData({ table: 'taxi.trips', source: file('v2.parquet'), branch: 'main', schemaPolicy })).rejects.toMatchObject({
              code: 'SCHEMA_MISMATCH',
              retryable: false,
            });
          }
          expect((await lake.getRef('main')).commit).toBe(before);
          expect((await lake.tableSchema('taxi.trips', 'main')).map((c) => c.name)).toEqual(['id', 'zone', 'fare', 'day']);
          return;
        }
        await writeFile(file('v1.parquet'), trips(10));
        await writeFile(file('v2.parquet'), `SELECT *, 'x' AS vendor FROM (${trips(5, 100)})`);
        await lake.importData({ table: 'taxi.trips', source: file('v1.parquet'), branch: 'main' });
        const before = (await lake.getRef('main')).commit;
        await expect(
          lake.importData({ table: 'taxi.trips', source: file('v2.parquet'), branch: 'main', schemaPolicy: 'freeze' }),
        ).rejects.toMatchObject({ code: 'SCHEMA_MISMATCH', details: { columns: ['vendor'] } });
        expect((await lake.getRef('main')).commit).toBe(before);

        const evolved = await lake.importData({ table: 'taxi.trips', source: file('v2.parquet'), branch: 'main', schemaPolicy: 'evolve' });
        expect(evolved.addedColumns).toEqual(['vendor']);
        const schema = await lake.tableSchema('taxi.trips', 'main');
        expect(schema.map((c) => [c.name, c.type])).toEqual([['id', 'long'], ['zone', 'string'], ['fare', 'double'], ['day', 'date'], ['vendor', 'string']]);
        const rows = await lake.queryRows('SELECT vendor IS NULL AS missing, count(*) AS n FROM taxi.trips GROUP BY 1 ORDER BY 1');
        expect(rows).toEqual([{ missing: false, n: 5 }, { missing: true, n: 10 }]);

        await writeFile(file('v3.parquet'), `SELECT id, zone FROM (${trips(3, 500)})`);
        await expect(
          lake.importData({ table: 'taxi.trips', source: file('v3.parquet'), branch: 'main', schemaPolicy: 'freeze' }),
        ).rejects.toMatchObject({ code: 'SCHEMA_MISMATCH', details: { columns: ['fare', 'day', 'vendor'] } });
        await writeFile(file('v4.parquet'), `SELECT 'not a number' AS id`);
        await expect(
          lake.importData({ table: 'taxi.trips', source: file('v4.parquet'), branch: 'main' }),
        ).rejects.toMatchObject({ code: 'SCHEMA_MISMATCH' });
      });
    });

    describe('merge', () => {
      it('makes a merge commit when the two sides changed different tables', async () => {
        const lake = backend.lakehouse;
        await writeFile(file('a.parquet'), trips(10));
        await lake.createBranch('left');
        await lake.createBranch('right');
        await lake.importData({ table: 'taxi.trips', source: file('a.parquet'), branch: 'left' });
        await lake.importData({ table: 'taxi.zones', source: file('a.parquet'), branch: 'right' });
        await lake.merge('left', { into: 'main' });
        const result = await lake.merge('right', { into: 'main', message: 'zones' });
        expect(result).toMatchObject({ fastForward: false, changed: true, tables: ['taxi.zones'] });
        const [head] = await lake.log('main', { limit: 1 });
        expect(head?.parents).toHaveLength(2);
        expect((await lake.listTables('main')).map((t) => t.name).sort()).toEqual(['taxi.trips', 'taxi.zones']);
      });

      it('raises MergeConflictError naming the tables both sides changed, and changes nothing', async () => {
        const lake = backend.lakehouse;
        await writeFile(file('a.parquet'), trips(10));
        await lake.importData({ table: 'taxi.trips', source: file('a.parquet'), branch: 'main' });
        await lake.createBranch('feature');
        await lake.importData({ table: 'taxi.trips', source: file('a.parquet'), branch: 'feature' });
        await lake.importData({ table: 'taxi.trips', source: file('a.parquet'), branch: 'main' });
        const before = (await lake.getRef('main')).commit;
        await expect(lake.merge('feature', { into: 'main' })).rejects.toMatchObject({
          code: 'MERGE_CONFLICT',
          details: { tables: ['taxi.trips'] },
        });
        expect((await lake.getRef('main')).commit).toBe(before);
        expect(await count('taxi.trips', 'main')).toBe(20);
      });

      it('checks expectedHead and treats an already-merged source as a no-op', async () => {
        const lake = backend.lakehouse;
        await writeFile(file('a.parquet'), trips(10));
        const base = await lake.getRef('main');
        await lake.createBranch('run');
        await lake.importData({ table: 'taxi.trips', source: file('a.parquet'), branch: 'run' });
        await lake.createBranch('other');
        await lake.importData({ table: 'taxi.other', source: file('a.parquet'), branch: 'other' });
        await lake.merge('other', { into: 'main' });
        await expect(lake.merge('run', { into: 'main', expectedHead: base.commit })).rejects.toMatchObject({
          code: 'REF_CHANGED',
          details: { expected: base.commit },
        });
        await expect(count('taxi.trips', 'main')).rejects.toMatchObject({ code: 'TABLE_NOT_FOUND' });

        const head = await lake.getRef('main');
        const merged = await lake.merge('run', { into: 'main', expectedHead: head.commit });
        expect(merged.changed).toBe(true);
        const again = await lake.merge('run', { into: 'main' });
        expect(again).toMatchObject({ changed: false, commit: merged.commit, tables: [] });
      });

      it('records properties on a fast-forward publish and merges a pinned commit', async () => {
        const lake = backend.lakehouse;
        await writeFile(file('a.parquet'), trips(10));
        await writeFile(file('b.parquet'), trips(5, 50));
        await lake.createBranch('run');
        const first = await lake.importData({ table: 'taxi.trips', source: file('a.parquet'), branch: 'run' });
        await lake.importData({ table: 'taxi.trips', source: file('b.parquet'), branch: 'run' });
        const merged = await lake.merge(`run@${first.commit}`, {
          into: 'main',
          properties: { 'floodgate.run-id': 'r-1' },
          message: 'publish r-1',
        });
        expect(merged.fastForward).toBe(lake.capabilities.fastForwardMerge);
        expect(await count('taxi.trips', 'main')).toBe(10);
        const [head] = await lake.log('main', { limit: 1 });
        expect(head).toMatchObject({ message: 'publish r-1', properties: { 'floodgate.run-id': 'r-1' } });
        expect(head?.parents).toContain(first.commit);
      });
    });

    describe('query', () => {
      it('returns Arrow tables and reads a table as of a pinned commit', async () => {
        const lake = backend.lakehouse;
        await writeFile(file('a.parquet'), trips(10));
        const first = await lake.importData({ table: 'taxi.trips', source: file('a.parquet'), branch: 'main' });
        await lake.importData({ table: 'taxi.trips', source: file('a.parquet'), branch: 'main' });
        const table = await lake.query('SELECT id, zone, day FROM taxi.trips ORDER BY id LIMIT 3', { ref: `@${first.commit}` });
        expect(table.numRows).toBe(3);
        expect(table.schema.fields.map((f) => f.name)).toEqual(['id', 'zone', 'day']);
        expect(table.getChild('id')?.toArray()).toEqual(new BigInt64Array([0n, 1n, 2n]));
        expect(await count('taxi.trips', `main@${first.commit}`)).toBe(10);
        expect(await count('taxi.trips', 'main')).toBe(20);
      });

      it('answers many concurrent queries at different refs correctly', async () => {
        const lake = backend.lakehouse;
        await writeFile(file('a.parquet'), trips(10));
        const commits: string[] = [];
        for (let i = 0; i < 4; i++) commits.push((await lake.importData({ table: 'taxi.trips', source: file('a.parquet'), branch: 'main' })).commit);
        const queries = Array.from({ length: 24 }, (_, i) => ({ ref: `@${commits[i % 4] ?? ''}`, expected: 10 * ((i % 4) + 1) }));
        const counts = await Promise.all(queries.map((q) => count('taxi.trips', q.ref)));
        expect(counts).toEqual(queries.map((q) => q.expected));
      });

      it('refuses anything but one SELECT, and files outside the warehouse', async () => {
        const lake = backend.lakehouse;
        await writeFile(file('a.parquet'), trips(10));
        await lake.importData({ table: 'taxi.trips', source: file('a.parquet'), branch: 'main' });
        const before = await lake.getRef('main');
        const refused = [
          'DROP TABLE taxi.trips',
          'DELETE FROM taxi.trips',
          'CREATE TABLE x AS SELECT 1',
          "COPY taxi.trips TO '/tmp/out.csv'",
          'SELECT 1; SELECT 2',
          "ATTACH '/tmp/x.db' AS x",
          'SET enable_external_access = true',
        ];
        for (const sql of refused) {
          await expect(lake.queryRows(sql), sql).rejects.toMatchObject({ code: expect.stringMatching(/^QUERY_(NOT_ALLOWED|FAILED)$/) });
        }
        const fileReads = ["SELECT * FROM read_csv('/etc/passwd')", `SELECT * FROM read_parquet('${file('a.parquet')}')`];
        for (const sql of fileReads) {
          await expect(lake.queryRows(sql), sql).rejects.toMatchObject({ code: expect.stringMatching(/^QUERY_(NOT_ALLOWED|FAILED)$/) });
        }
        await expect(lake.queryRows('SELECT * FROM taxi.nope')).rejects.toMatchObject({ code: 'TABLE_NOT_FOUND' });
        expect((await lake.getRef('main')).commit).toBe(before.commit);
        expect(await count('taxi.trips', 'main')).toBe(10);
      });
    });

    describe('bad input changes nothing', () => {
      it('imports onto the expected head only: a branch that moved meanwhile is REF_CHANGED, nothing committed', async () => {
        const lake = backend.lakehouse;
        await writeFile(file('a.parquet'), trips(10));
        await lake.createBranch('run');
        const base = (await lake.getRef('run')).commit;
        await lake.importData({ table: 'taxi.trips', source: file('a.parquet'), branch: 'run', expectedHead: base });
        const after = (await lake.getRef('run')).commit;
        await expect(lake.importData({ table: 'taxi.trips', source: file('a.parquet'), branch: 'run', expectedHead: base })).rejects.toMatchObject({ code: 'REF_CHANGED' });
        expect((await lake.getRef('run')).commit).toBe(after);
        expect(await count('taxi.trips', 'run')).toBe(10);
      });

      it('rejects bad names, traversal, missing and corrupt files with clear errors', async () => {
        const lake = backend.lakehouse;
        await writeFile(file('a.parquet'), trips(10));
        await lake.createBranch('run');
        const before = await lake.getRef('run');
        await fs.writeFile(file('corrupt.parquet'), Buffer.concat([Buffer.from('PAR1'), Buffer.alloc(100, 7), Buffer.from('PAR1')]));
        const cases: Array<[Parameters<typeof lake.importData>[0], string]> = [
          [{ table: 'taxi', source: file('a.parquet'), branch: 'run' }, 'INVALID_NAME'],
          [{ table: 'taxi.Trips; drop', source: file('a.parquet'), branch: 'run' }, 'INVALID_NAME'],
          [{ table: 'taxi.trips', source: `${backend.dataDir}/../../etc/passwd`, branch: 'run' }, 'SOURCE_NOT_ALLOWED'],
          [{ table: 'taxi.trips', source: '/etc/passwd', branch: 'run' }, 'SOURCE_NOT_ALLOWED'],
          [{ table: 'taxi.trips', source: 'http://example.com/a.parquet', branch: 'run' }, 'SOURCE_NOT_ALLOWED'],
          [{ table: 'taxi.trips', source: file('missing.parquet'), branch: 'run' }, 'SOURCE_NOT_FOUND'],
          [{ table: 'taxi.trips', source: file('*.csv'), branch: 'run' }, 'SOURCE_NOT_FOUND'],
          [{ table: 'taxi.trips', source: file('corrupt.parquet'), branch: 'run' }, 'SOURCE_UNREADABLE'],
          [{ table: 'taxi.trips', source: file('a.parquet'), branch: 'no-such-branch' }, 'REF_NOT_FOUND'],
        ];
        for (const [request, code] of cases) {
          await expect(lake.importData(request), `${request.table} ${request.source}`).rejects.toMatchObject({ code, retryable: false });
        }
        expect((await lake.getRef('run')).commit).toBe(before.commit);
        expect(await lake.listTables('run')).toEqual([]);
      });
    });

    it('appends records Floodgate produces, creating the table and evolving it', async () => {
      const lake = backend.lakehouse;
      if (!lake.capabilities.schemaEvolution) {
        await lake.appendRecords({ table: '_floodgate.audit_results', branch: 'main', records: [{ run_id: 'r1', passed: true, rows: 10, note: null }] });
        await lake.appendRecords({ table: '_floodgate.audit_results', branch: 'main', records: [{ run_id: 'r2', passed: false, rows: 3, note: 'x' }, { run_id: 'r3', passed: null, rows: null, note: '2026-11-23' }] });
        expect(await lake.queryRows('SELECT run_id, passed, rows, note FROM _floodgate.audit_results ORDER BY run_id')).toEqual([
          { run_id: 'r1', passed: true, rows: 10, note: null },
          { run_id: 'r2', passed: false, rows: 3, note: 'x' },
          { run_id: 'r3', passed: null, rows: null, note: '2026-11-23' },
        ]);
        // A column that held only nulls at creation kept a type that later values fit.
        expect((await lake.tableSchema('_floodgate.audit_results', 'main')).map((c) => [c.name, c.type])).toEqual([
          ['run_id', 'string'], ['passed', 'boolean'], ['rows', 'long'], ['note', 'string'],
        ]);
        await expect(lake.appendRecords({ table: '_floodgate.audit_results', branch: 'main', records: [{ run_id: 'r4', extra: 1 }] })).rejects.toMatchObject({ code: 'SCHEMA_MISMATCH' });
        await expect(lake.appendRecords({ table: '_floodgate.audit_results', branch: 'main', records: [] })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
        return;
      }
      await lake.appendRecords({ table: '_floodgate.audit_results', branch: 'main', records: [{ run_id: 'r1', passed: true, rows: 10 }] });
      const second = await lake.appendRecords({
        table: '_floodgate.audit_results',
        branch: 'main',
        records: [{ run_id: 'r2', passed: false, rows: 3, note: 'x' }, { run_id: 'r3', passed: true, rows: 1, note: null }],
        message: 'history',
      });
      expect(second).toMatchObject({ rows: 2, addedColumns: ['note'] });
      const rows = await lake.queryRows('SELECT run_id, passed, rows, note FROM _floodgate.audit_results ORDER BY run_id');
      expect(rows).toEqual([
        { run_id: 'r1', passed: true, rows: 10, note: null },
        { run_id: 'r2', passed: false, rows: 3, note: 'x' },
        { run_id: 'r3', passed: true, rows: 1, note: null },
      ]);
      await expect(lake.appendRecords({ table: '_floodgate.audit_results', branch: 'main', records: [] })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
      // Strings that look like dates or UUIDs stay strings; an all-null column takes the table's type.
      await lake.appendRecords({ table: '_floodgate.audit_results', branch: 'main', records: [{ run_id: '2026-11-23', passed: null, rows: null, note: '3f1c9a52-8a34-4c1e-9a36-7a2b1c0d9e8f' }] });
      expect((await lake.tableSchema('_floodgate.audit_results', 'main')).map((c) => [c.name, c.type])).toEqual([
        ['run_id', 'string'], ['passed', 'boolean'], ['rows', 'long'], ['note', 'string'],
      ]);
    });

    it('compacts a table without changing a row, or says it has no compaction', async () => {
      const lake = backend.lakehouse;
      if (lake.compactTable === undefined) {
        // A backend that lays out its own files (Bauplan) has none; the fleet then never asks for one.
        expect(lake.backend).toBe('bauplan');
        return;
      }
      for (const [i, n] of [12, 7, 5].entries()) {
        await writeFile(file(`c${i}.parquet`), trips(n, i * 100));
        await lake.importData({ table: 'taxi.trips', source: file(`c${i}.parquet`), branch: 'main' });
      }
      const rows = () => lake.queryRows('SELECT * FROM taxi.trips ORDER BY id');
      const before = await rows();
      expect(await lake.compactTable('taxi.trips', { minFiles: 4 })).toMatchObject({ outcome: 'skipped', filesBefore: 3 });
      expect(await lake.compactTable('taxi.trips')).toMatchObject({ outcome: 'compacted', rows: 24, filesBefore: 3, filesAfter: 1, filesRewritten: 3 });
      expect(await rows()).toEqual(before);
      expect((await lake.listTables('main')).find((t) => t.name === 'taxi.trips')).toMatchObject({ rows: 24, files: 1 });
    });

    it('expires old history without changing a row, or says it has none', async () => {
      const lake = backend.lakehouse;
      if (lake.expireSnapshots === undefined || lake.removeOrphanFiles === undefined) {
        // A backend that keeps its own history and files (Bauplan) has neither; the fleet then skips both.
        expect(lake.backend).toBe('bauplan');
        expect(lake.expireSnapshots ?? lake.removeOrphanFiles).toBeUndefined();
        return;
      }
      for (const [i, n] of [12, 7, 5].entries()) {
        await writeFile(file(`e${i}.parquet`), trips(n, i * 100));
        await lake.importData({ table: 'taxi.trips', source: file(`e${i}.parquet`), branch: 'main' });
      }
      const rows = () => lake.queryRows('SELECT * FROM taxi.trips ORDER BY id');
      const before = await rows();
      const [, second] = await lake.log('main', { limit: 2 });
      expect(await lake.expireSnapshots('taxi.trips')).toMatchObject({ outcome: 'skipped', snapshotsBefore: 3, snapshotsAfter: 3 });
      expect(await lake.expireSnapshots('taxi.trips', { olderThanMs: 0 })).toMatchObject({ outcome: 'expired', snapshotsBefore: 3, snapshotsAfter: 1 });
      const swept = await lake.removeOrphanFiles({ olderThanMs: 0, minAgeMs: 0 });
      expect(swept.filesDeleted).toBeGreaterThan(0);
      expect(await rows()).toEqual(before);
      await expect(lake.queryRows('SELECT count(*) FROM taxi.trips', { ref: `@${second?.id ?? ''}` })).rejects.toMatchObject({ code: 'HISTORY_EXPIRED' });
    });

    it('keeps a log with authors, messages and properties', async () => {
      const lake = backend.lakehouse;
      if (!lake.capabilities.importProperties) {
        // Imports make commits of the backend's own; merges carry our message and properties.
        await writeFile(file('a.parquet'), trips(10));
        await lake.createBranch('run');
        await lake.importData({ table: 'taxi.trips', source: file('a.parquet'), branch: 'run' });
        await lake.merge('run', { into: 'main', message: 'first load', properties: { 'floodgate.run-id': 'abc' } });
        const log = await lake.log('main');
        expect(log[0]).toMatchObject({ message: 'first load', properties: { 'floodgate.run-id': 'abc' } });
        expect(log[0]?.author).not.toBe('');
        expect(log.length).toBeGreaterThanOrEqual(3);
        for (const [index, commit] of log.slice(0, -1).entries()) expect(commit.parents).toContain(log[index + 1]?.id);
        expect(await lake.log('main', { limit: 2 })).toHaveLength(2);
        return;
      }
      await writeFile(file('a.parquet'), trips(10));
      await lake.importData({ table: 'taxi.trips', source: file('a.parquet'), branch: 'main', message: 'first load', properties: { 'floodgate.run-id': 'abc' } });
      await lake.importData({ table: 'taxi.trips', source: file('a.parquet'), branch: 'main' });
      const log = await lake.log('main');
      expect(log).toHaveLength(3);
      expect(log[1]).toMatchObject({ message: 'first load', author: 'tests', properties: { 'floodgate.run-id': 'abc', 'floodgate.rows': '10' } });
      expect(log[0]?.parents).toEqual([log[1]?.id]);
      expect(await lake.log('main', { limit: 2 })).toHaveLength(2);
    });
  });
}

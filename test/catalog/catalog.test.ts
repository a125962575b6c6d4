import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  InvalidInputError,
  MergeConflictError,
  RefChangedError,
  RefExistsError,
  RefNotFoundError,
  RefProtectedError,
  TableChangedError,
} from '../../src/shared/lakehouse/errors.js';
import { openCatalog } from '../../src/shared/lakehouse/local/catalog/index.js';
import type { Catalog, CommitRecord, TableChange } from '../../src/shared/lakehouse/local/catalog/index.js';
import { allBackends } from './backends.js';
import type { CatalogTarget } from './backends.js';

const AUTHOR = 'tester';

function loc(table: string, version: number): string {
  return `file:///warehouse/${table.replace('.', '/')}/metadata/v${version}.metadata.json`;
}

function put(table: string, version: number, basedOn: number | null): TableChange {
  return { table, metadataLocation: loc(table, version), basedOn: basedOn === null ? null : loc(table, basedOn) };
}

interface MirrorRow {
  catalog_name: string;
  table_namespace: string;
  table_name: string;
  metadata_location: string | null;
  previous_metadata_location: string | null;
  iceberg_type: string | null;
}

describe.each(allBackends())('catalog on $name', (backend) => {
  let target: CatalogTarget;
  let catalog: Catalog;

  const head = async (ref: string): Promise<string> => {
    const found = await catalog.getRef(ref);
    if (found === undefined) throw new Error(`no ref ${ref}`);
    return found.commitId;
  };
  const commit = async (branch: string, ...changes: TableChange[]): Promise<CommitRecord> =>
    catalog.commitToBranch({ branch, changes, message: `write ${changes.map((c) => c.table).join(',')}`, author: AUTHOR });
  const branch = async (name: string, from = 'main'): Promise<void> => {
    await catalog.createRef(name, 'branch', await head(from));
  };
  const mirror = async (): Promise<MirrorRow[]> =>
    target.query<MirrorRow>('SELECT * FROM iceberg_tables ORDER BY table_namespace, table_name');

  beforeAll(async () => backend.start());
  afterAll(async () => backend.stop());
  beforeEach(async () => {
    target = await backend.fresh();
    catalog = await openCatalog(target.options);
  });
  afterEach(async () => {
    await catalog.close();
    await target.drop();
  });

  it('starts with main at a root commit', async () => {
    const main = await catalog.getRef('main');
    expect(main).toMatchObject({ name: 'main', kind: 'branch' });
    const root = await catalog.getCommit(main!.commitId);
    expect(root).toMatchObject({ parents: [], generation: 0, properties: {} });
    expect(root!.id).toMatch(/^[0-9a-f]{32}$/);
    expect(await catalog.tablesAt(root!.id)).toEqual([]);
    expect(await catalog.listRefs()).toEqual([main]);
  });

  it('creates, lists and deletes branches', async () => {
    const root = await head('main');
    for (const name of ['wap/b', 'wap/a', 'other', 'wapx']) await branch(name);
    await expect(catalog.createRef('wap/a', 'branch', root)).rejects.toBeInstanceOf(RefExistsError);
    await expect(catalog.createRef('wap/c', 'branch', 'f'.repeat(32))).rejects.toBeInstanceOf(RefNotFoundError);

    expect((await catalog.listRefs()).map((r) => r.name)).toEqual(['main', 'other', 'wap/a', 'wap/b', 'wapx']);
    expect((await catalog.listRefs({ prefix: 'wap/' })).map((r) => r.name)).toEqual(['wap/a', 'wap/b']);
    expect(await catalog.listRefs({ prefix: 'WAP/' })).toEqual([]);
    expect(await catalog.getRef('wap/a')).toEqual({ name: 'wap/a', kind: 'branch', commitId: root });

    expect(await catalog.deleteRef('wap/a', 'branch')).toBe(true);
    expect(await catalog.getRef('wap/a')).toBeUndefined();
    await expect(catalog.deleteRef('wap/a', 'branch')).rejects.toBeInstanceOf(RefNotFoundError);
    expect(await catalog.deleteRef('wap/a', 'branch', { ifExists: true })).toBe(false);
    await expect(catalog.deleteRef('main', 'branch')).rejects.toBeInstanceOf(RefProtectedError);
    expect(await catalog.getRef('main')).toBeDefined();
  });

  it('keeps tags apart from branches and refuses to move them', async () => {
    const c1 = await commit('main', put('ns.t', 1, null));
    await catalog.createRef('v1', 'tag', c1.id);
    await commit('main', put('ns.t', 2, 1));

    expect(await catalog.listRefs({ kind: 'tag' })).toEqual([{ name: 'v1', kind: 'tag', commitId: c1.id }]);
    expect((await catalog.listRefs({ kind: 'branch' })).map((r) => r.name)).toEqual(['main']);
    expect(await catalog.getRef('v1', 'branch')).toBeUndefined();
    expect(await catalog.getRef('v1', 'tag')).toBeDefined();
    await expect(catalog.createRef('v1', 'branch', c1.id)).rejects.toBeInstanceOf(RefExistsError);
    await expect(commit('v1', put('ns.u', 1, null))).rejects.toBeInstanceOf(RefProtectedError);
    await expect(
      catalog.merge({ sourceCommit: await head('main'), sourceLabel: 'main', into: 'v1', author: AUTHOR }),
    ).rejects.toBeInstanceOf(RefProtectedError);
    expect(await catalog.tableAt(c1.id, 'ns.t')).toEqual({ table: 'ns.t', metadataLocation: loc('ns.t', 1) });

    await expect(catalog.deleteRef('v1', 'branch')).rejects.toBeInstanceOf(RefNotFoundError);
    expect(await catalog.deleteRef('v1', 'tag')).toBe(true);
  });

  it('commits with a compare-and-swap on each table pointer', async () => {
    const root = await head('main');
    await branch('dev');
    const c1 = await catalog.commitToBranch({
      branch: 'dev',
      changes: [put('ns.a', 1, null), put('ns.b', 1, null)],
      message: 'first',
      author: AUTHOR,
      properties: { run: 'r1' },
    });
    expect(c1).toMatchObject({ parents: [root], generation: 1, message: 'first', author: AUTHOR, properties: { run: 'r1' } });
    expect(Date.parse(c1.createdAt)).not.toBeNaN();
    expect(c1.createdAt.endsWith('Z')).toBe(true);
    expect(await catalog.getCommit(c1.id)).toEqual(c1);

    await expect(commit('dev', put('ns.a', 2, null))).rejects.toBeInstanceOf(TableChangedError);
    await expect(commit('dev', put('ns.a', 3, 7))).rejects.toBeInstanceOf(TableChangedError);
    await expect(commit('dev', put('ns.a', 3, 1), put('ns.a', 4, 1))).rejects.toBeInstanceOf(InvalidInputError);
    expect(await head('dev')).toBe(c1.id);

    const c2 = await commit('dev', put('ns.a', 2, 1), { table: 'ns.b', metadataLocation: null, basedOn: loc('ns.b', 1) });
    expect(c2.parents).toEqual([c1.id]);
    expect(await catalog.tablesAt(c2.id)).toEqual([{ table: 'ns.a', metadataLocation: loc('ns.a', 2) }]);
    expect(await catalog.tablesAt(c1.id)).toHaveLength(2);
    expect(await catalog.tableAt(c2.id, 'ns.b')).toBeUndefined();
    expect(await catalog.tablesAt(root)).toEqual([]);
    await expect(commit('nope', put('ns.a', 1, null))).rejects.toBeInstanceOf(RefNotFoundError);
  });

  it('keeps concurrent commits to different tables of one branch', async () => {
    await branch('dev');
    const tables = ['ns.t1', 'ns.t2', 'ns.t3', 'ns.t4', 'ns.t5', 'ns.t6'];
    const commits = await Promise.all(tables.map(async (table) => commit('dev', put(table, 1, null))));
    const pointers = await catalog.tablesAt(await head('dev'));
    expect(pointers.map((p) => p.table)).toEqual(tables);
    const history = await catalog.log(await head('dev'), 100);
    expect(history.map((c) => c.id).sort()).toEqual([...commits.map((c) => c.id), await head('main')].sort());
    expect(history.map((c) => c.generation)).toEqual([6, 5, 4, 3, 2, 1, 0]);
  });

  it('fast-forwards a branch that is ahead', async () => {
    await branch('dev');
    const c1 = await commit('dev', put('ns.t', 1, null));
    const c2 = await commit('dev', put('ns.u', 1, null));
    const result = await catalog.merge({ sourceCommit: c2.id, sourceLabel: 'dev', into: 'main', author: AUTHOR });
    expect(result).toMatchObject({ fastForward: true, changed: true, tables: ['ns.t', 'ns.u'] });
    expect(result.commit.id).toBe(c2.id);
    expect(await head('main')).toBe(c2.id);
    expect((await catalog.log(c2.id, 10)).map((c) => c.id)).toContain(c1.id);
  });

  it('fast-forwards with a linear commit that carries the given message and properties', async () => {
    await branch('dev');
    const c1 = await commit('dev', put('ns.t', 1, null));
    const result = await catalog.merge({
      sourceCommit: c1.id,
      sourceLabel: 'dev',
      into: 'main',
      author: 'publisher',
      properties: { 'floodgate.run': 'r-7' },
    });
    expect(result).toMatchObject({ fastForward: true, changed: true, tables: ['ns.t'] });
    expect(result.commit).toMatchObject({ parents: [c1.id], generation: 2, author: 'publisher', properties: { 'floodgate.run': 'r-7' } });
    expect(result.commit.message).toContain('dev');
    expect(await head('main')).toBe(result.commit.id);
    expect(await catalog.tablesAt(result.commit.id)).toEqual(await catalog.tablesAt(c1.id));

    const titled = await catalog.merge({ sourceCommit: (await commit('dev', put('ns.t', 2, 1))).id, sourceLabel: 'dev', into: 'main', author: AUTHOR, message: 'publish' });
    expect(titled.fastForward).toBe(false); // main moved past dev's head with its own commit
    expect(titled.commit.message).toBe('publish');
  });

  it('does nothing when the source is already in the target', async () => {
    await branch('dev');
    const c1 = await commit('dev', put('ns.t', 1, null));
    await catalog.merge({ sourceCommit: c1.id, sourceLabel: 'dev', into: 'main', author: AUTHOR });
    const c2 = await commit('main', put('ns.t', 2, 1));
    for (const source of [c1.id, c2.id]) {
      const result = await catalog.merge({ sourceCommit: source, sourceLabel: 'x', into: 'main', author: AUTHOR, properties: { a: 'b' } });
      expect(result).toEqual({ commit: c2, fastForward: true, changed: false, tables: [] });
    }
    expect(await head('main')).toBe(c2.id);
  });

  it('merges diverged branches that changed disjoint tables with a merge commit', async () => {
    const base = await commit('main', put('ns.keep', 1, null), put('ns.gone', 1, null));
    await branch('dev');
    const ours = await commit('main', put('ns.a', 1, null));
    const theirs = await commit('dev', put('ns.b', 1, null), { table: 'ns.gone', metadataLocation: null, basedOn: loc('ns.gone', 1) });
    const result = await catalog.merge({ sourceCommit: theirs.id, sourceLabel: 'dev', into: 'main', author: AUTHOR });
    expect(result).toMatchObject({ fastForward: false, changed: true, tables: ['ns.b', 'ns.gone'] });
    expect(result.commit.parents).toEqual([ours.id, theirs.id]);
    expect(result.commit.generation).toBe(3);
    expect(await head('main')).toBe(result.commit.id);
    expect((await catalog.tablesAt(result.commit.id)).map((p) => p.table)).toEqual(['ns.a', 'ns.b', 'ns.keep']);
    const history = (await catalog.log(result.commit.id, 10)).map((c) => c.id);
    expect(history.slice(0, 1)).toEqual([result.commit.id]);
    expect(new Set(history.slice(1, 3))).toEqual(new Set([ours.id, theirs.id]));
    expect(history[3]).toBe(base.id);
  });

  it('refuses to merge when both sides changed the same table', async () => {
    await commit('main', put('ns.t', 1, null));
    await branch('dev');
    await commit('main', put('ns.t', 2, 1), put('ns.x', 1, null));
    const theirs = await commit('dev', put('ns.t', 3, 1), put('ns.y', 1, null));
    const before = await head('main');
    const error = await catalog
      .merge({ sourceCommit: theirs.id, sourceLabel: 'dev', into: 'main', author: AUTHOR })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MergeConflictError);
    expect((error as MergeConflictError).tables).toEqual(['ns.t']);
    expect((error as MergeConflictError).message).toContain('dev');
    expect(await head('main')).toBe(before);
  });

  it('checks the expected head of the target', async () => {
    await branch('dev');
    const c1 = await commit('dev', put('ns.t', 1, null));
    const root = await head('main');
    const stale = 'a'.repeat(32);
    const error = await catalog
      .merge({ sourceCommit: c1.id, sourceLabel: 'dev', into: 'main', author: AUTHOR, expectedHead: stale })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RefChangedError);
    expect((error as RefChangedError).details).toEqual({ ref: 'main', expected: stale, actual: root });
    const ok = await catalog.merge({ sourceCommit: c1.id, sourceLabel: 'dev', into: 'main', author: AUTHOR, expectedHead: root });
    expect(ok.changed).toBe(true);
  });

  it('mirrors main, and only main, into iceberg_tables', async () => {
    await branch('dev');
    const c1 = await commit('dev', put('ns.t', 1, null), put('other.u', 1, null));
    expect(await mirror()).toEqual([]);

    await catalog.merge({ sourceCommit: c1.id, sourceLabel: 'dev', into: 'main', author: AUTHOR });
    expect(await mirror()).toEqual([
      { catalog_name: 'floodgate', table_namespace: 'ns', table_name: 't', metadata_location: loc('ns.t', 1), previous_metadata_location: null, iceberg_type: 'TABLE' },
      { catalog_name: 'floodgate', table_namespace: 'other', table_name: 'u', metadata_location: loc('other.u', 1), previous_metadata_location: null, iceberg_type: 'TABLE' },
    ]);
    const namespaces = await target.query('SELECT * FROM iceberg_namespace_properties ORDER BY namespace');
    expect(namespaces).toEqual([
      { catalog_name: 'floodgate', namespace: 'ns', property_key: 'exists', property_value: 'true' },
      { catalog_name: 'floodgate', namespace: 'other', property_key: 'exists', property_value: 'true' },
    ]);

    await commit('dev', put('ns.t', 2, 1));
    expect((await mirror())[0]?.metadata_location).toBe(loc('ns.t', 1));
    await commit('main', put('ns.t', 3, 1), { table: 'other.u', metadataLocation: null, basedOn: loc('other.u', 1) });
    expect(await mirror()).toEqual([
      { catalog_name: 'floodgate', table_namespace: 'ns', table_name: 't', metadata_location: loc('ns.t', 3), previous_metadata_location: loc('ns.t', 1), iceberg_type: 'TABLE' },
    ]);
  });

  it('lists and pages history, newest generation first', async () => {
    const made: CommitRecord[] = [];
    for (let v = 1; v <= 5; v += 1) made.push(await commit('main', put('ns.t', v, v === 1 ? null : v - 1)));
    const tip = made[4]!;
    expect((await catalog.log(tip.id, 3)).map((c) => c.id)).toEqual([made[4]!.id, made[3]!.id, made[2]!.id]);
    const all = await catalog.log(tip.id, 100);
    expect(all).toHaveLength(6);
    expect(all.map((c) => c.generation)).toEqual([5, 4, 3, 2, 1, 0]);
    expect(all[0]).toEqual(tip);
    expect(await catalog.log(made[1]!.id, 100)).toHaveLength(3);
    expect(await catalog.log(tip.id, 0)).toEqual([]);
  });

  it('finds commits by a unique prefix', async () => {
    const c1 = await commit('main', put('ns.t', 1, null));
    expect(await catalog.getCommit(c1.id.slice(0, 8))).toEqual(c1);
    expect(await catalog.getCommit(c1.id.slice(0, 13).toUpperCase())).toEqual(c1);
    const absent = c1.id.startsWith('0000') ? 'ffffffff' : '00000000';
    expect(await catalog.getCommit(absent)).toBeUndefined();
    expect(await catalog.getCommit('not-hex!')).toBeUndefined();
    await expect(catalog.getCommit(c1.id.slice(0, 5))).rejects.toBeInstanceOf(InvalidInputError);
  });

  it('applies migrations once, however many times and however concurrently it is opened', async () => {
    const root = await head('main');
    const again = await Promise.all([openCatalog(target.options), openCatalog(target.options)]);
    for (const other of again) {
      expect(await other.listRefs()).toEqual([{ name: 'main', kind: 'branch', commitId: root }]);
      await other.close();
    }
    const versions = await target.query<{ version: number }>('SELECT version FROM fg_schema_migrations ORDER BY version');
    expect(versions.map((v) => Number(v.version))).toEqual([1, 2, 3]);

    const fresh = await backend.fresh();
    try {
      const opened = await Promise.all([1, 2, 3].map(async () => openCatalog(fresh.options)));
      const roots = await Promise.all(opened.map(async (c) => (await c.getRef('main'))?.commitId));
      expect(new Set(roots).size).toBe(1);
      await Promise.all(opened.map(async (c) => c.close()));
    } finally {
      await fresh.drop();
    }
  });
});

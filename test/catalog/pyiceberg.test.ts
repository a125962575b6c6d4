import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCatalog } from '../../src/shared/lakehouse/local/catalog/index.js';
import { runPythonJson } from '../support/python.js';
import { allBackends } from './backends.js';

/** PyIceberg's SqlCatalog, pointed at the catalog database, sees what main publishes. */
const LIST_SCRIPT = [
  'import json, sys',
  'from pyiceberg.catalog.sql import SqlCatalog',
  'cat = SqlCatalog(sys.argv[2], uri=sys.argv[1])',
  'print(json.dumps({"version": cat._schema_version, "tables": sorted(cat.list_tables("ns")),',
  '  "namespaces": sorted(cat.list_namespaces()), "props": cat.load_namespace_properties("ns")}))',
].join('\n');

describe.each(allBackends())('PyIceberg SqlCatalog over the $name mirror', (backend) => {
  beforeAll(async () => backend.start());
  afterAll(async () => backend.stop());

  it('lists main\'s tables without creating or altering the schema', async () => {
    const target = await backend.fresh();
    const catalog = await openCatalog({ ...target.options, catalogName: 'lake' });
    try {
      const root = (await catalog.getRef('main'))!.commitId;
      await catalog.createRef('dev', 'branch', root);
      for (const [branch, table] of [['main', 'ns.trips'], ['main', 'ns.zones'], ['dev', 'ns.hidden']] as const) {
        await catalog.commitToBranch({
          branch,
          changes: [{ table, metadataLocation: `file:///warehouse/${table}/v1.metadata.json`, basedOn: null }],
          message: `create ${table}`,
          author: 'tester',
        });
      }
      const columns = async (): Promise<string[]> =>
        (
          await target.query<{ name?: string; column_name?: string }>(
            backend.name === 'sqlite'
              ? "SELECT name FROM pragma_table_info('iceberg_tables')"
              : "SELECT column_name FROM information_schema.columns WHERE table_name = 'iceberg_tables'",
          )
        )
          .map((row) => row.name ?? row.column_name ?? '')
          .sort();
      const before = await columns();

      const out = await runPythonJson<Record<string, unknown>>(LIST_SCRIPT, [target.sqlalchemyUri, 'lake']);
      expect(out).toEqual({
        version: 'v1',
        tables: [['ns', 'trips'], ['ns', 'zones']],
        namespaces: [['ns']],
        props: { exists: 'true' },
      });
      expect(await columns()).toEqual(before);

      // Rows are scoped by catalog name: another catalog name sees nothing.
      const other = await runPythonJson(LIST_SCRIPT, [target.sqlalchemyUri, 'floodgate']).catch((e: unknown) => String(e));
      expect(String(other)).toContain('NoSuchNamespaceError');
    } finally {
      await catalog.close();
      await target.drop();
    }
  });
});

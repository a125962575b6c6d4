import { InvalidInputError } from '../../errors.js';
import type { SqlExecutor } from './sql.js';

/**
 * Keeps `iceberg_tables` and `iceberg_namespace_properties` (the JDBC / PyIceberg SqlCatalog
 * schema) in step with `main`. Called inside the transaction that moves `main`.
 */

export const MIRRORED_BRANCH = 'main';

/** What PyIceberg's SqlCatalog writes for a namespace that exists with no other properties. */
const NAMESPACE_EXISTS_KEY = 'exists';
const NAMESPACE_EXISTS_VALUE = 'true';
const ICEBERG_TABLE_TYPE = 'TABLE';

function splitTable(table: string): { namespace: string; name: string } {
  const dot = table.lastIndexOf('.');
  if (dot <= 0 || dot === table.length - 1) {
    throw new InvalidInputError(`table ${JSON.stringify(table)} is not <namespace>.<table>`, { table });
  }
  return { namespace: table.slice(0, dot), name: table.slice(dot + 1) };
}

/**
 * Writes the mirror rows of every table whose pointer differs between `before` and `after`
 * (both `table -> metadata location`; tables absent from both are untouched).
 */
export async function mirrorMain(
  tx: SqlExecutor,
  catalogName: string,
  before: ReadonlyMap<string, string>,
  after: ReadonlyMap<string, string>,
): Promise<void> {
  const tables = new Set([...before.keys(), ...after.keys()]);
  for (const table of [...tables].sort()) {
    const previous = before.get(table) ?? null;
    const current = after.get(table) ?? null;
    if (previous === current) continue;
    const { namespace, name } = splitTable(table);
    if (current === null) {
      await tx.run('DELETE FROM iceberg_tables WHERE catalog_name = ? AND table_namespace = ? AND table_name = ?', [
        catalogName,
        namespace,
        name,
      ]);
      continue;
    }
    await tx.run(
      `INSERT INTO iceberg_tables
         (catalog_name, table_namespace, table_name, metadata_location, previous_metadata_location, iceberg_type)
       VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (catalog_name, table_namespace, table_name) DO UPDATE SET
         metadata_location = excluded.metadata_location,
         previous_metadata_location = excluded.previous_metadata_location,
         iceberg_type = excluded.iceberg_type`,
      [catalogName, namespace, name, current, previous, ICEBERG_TABLE_TYPE],
    );
    await tx.run(
      `INSERT INTO iceberg_namespace_properties (catalog_name, namespace, property_key, property_value)
       VALUES (?, ?, ?, ?)
       ON CONFLICT (catalog_name, namespace, property_key) DO NOTHING`,
      [catalogName, namespace, NAMESPACE_EXISTS_KEY, NAMESPACE_EXISTS_VALUE],
    );
  }
}

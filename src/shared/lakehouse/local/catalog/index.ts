import { InvalidInputError } from '../../errors.js';
import { SqlRefCatalog } from './catalog.js';
import { migrate } from './migrations.js';
import { PostgresPort } from './postgres.js';
import type { SqlPort } from './sql.js';
import { SqlitePort } from './sqlite.js';
import type { Catalog } from './types.js';

export type {
  Catalog,
  CatalogMergeInput,
  CatalogMergeResult,
  CommitRecord,
  CommitToBranchInput,
  RefKind,
  RefRecord,
  ResolvedTable,
  TableChange,
  TablePointer,
} from './types.js';

export { DivergedTablesError } from './merge.js';
export type { DivergedTable } from './merge.js';

export interface OpenCatalogOptions {
  /** `postgres://` or `postgresql://` for a PostgreSQL catalog; absent or empty for SQLite. */
  readonly url?: string;
  /** The SQLite file, e.g. `$FLOODGATE_HOME/catalog.db` (used when `url` is absent). */
  readonly sqlitePath: string;
  /** `catalog_name` of the rows mirrored into `iceberg_tables` (default `floodgate`). */
  readonly catalogName?: string;
  /** SQLite: how long to wait for another process's write lock (default 10 s). */
  readonly busyTimeoutMs?: number;
  /** PostgreSQL: connections in the pool (default 10). */
  readonly poolSize?: number;
}

export const DEFAULT_CATALOG_NAME = 'floodgate';

const POSTGRES_URL = /^postgres(ql)?:\/\//i;

/** Opens the catalog database, applies pending migrations and returns the catalog. */
export async function openCatalog(options: OpenCatalogOptions): Promise<Catalog> {
  const url = options.url ?? '';
  let port: SqlPort;
  if (url === '') {
    port = await SqlitePort.open(options.sqlitePath, { busyTimeoutMs: options.busyTimeoutMs });
  } else if (POSTGRES_URL.test(url)) {
    port = new PostgresPort(url, { poolSize: options.poolSize });
  } else {
    throw new InvalidInputError('the catalog URL must start with postgres:// or postgresql://', {
      url: url.replace(/\/\/[^@/]*@/, '//***@'),
    });
  }
  try {
    await migrate(port);
  } catch (error) {
    await port.close().catch(() => undefined);
    throw error;
  }
  return new SqlRefCatalog(port, options.catalogName ?? DEFAULT_CATALOG_NAME);
}

import type { DuckDBConnection } from '@duckdb/node-api';
import type { IcebergField } from '../iceberg/index.js';
import { QueryFailedError, QueryNotAllowedError } from '../../errors.js';
import type { Duck } from './duck.js';
import { readColumns, type ColumnarResult } from './results.js';
import { duckMessage } from './source-sql.js';
import { duckTypeOf, quoteFileList, quoteIdent, quoteString } from './types.js';

/** One table version a query reads: its live data files and current schema. */
export interface BoundTable {
  readonly namespace: string;
  readonly name: string;
  readonly files: readonly string[];
  readonly fields: readonly IcebergField[];
  /**
   * True when every data file was written with the current schema (the table never evolved),
   * so columns can be read by name; else they are matched by field id.
   */
  readonly singleSchema: boolean;
}

/**
 * Resolves the `ns.table` names a query mentions to table versions at the query's ref, and
 * names the commit they belong to: views are cached per commit, since a commit never changes.
 */
export type TableBinder = (names: ReadonlyArray<{ namespace: string; name: string }>) => Promise<{ commit: string; tables: BoundTable[] }>;

const MAX_CACHED_COMMITS = 32;

/**
 * One attached in-memory database per recently queried commit, holding a view per table
 * version used there. Later queries at the same commit reuse them: no view is re-created.
 */
class CommitViews {
  private readonly scopes = new Map<string, { views: Set<string>; users: number }>();
  private chain: Promise<unknown> = Promise.resolve();

  /** Serializes catalog changes: DuckDB refuses concurrent creation of the same entries. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.chain.then(fn, fn);
    this.chain = next.catch(() => undefined);
    return next;
  }

  async enter(connection: DuckDBConnection, commit: string, tables: readonly BoundTable[]): Promise<string> {
    const database = `fg_commit_${commit}`;
    await this.exclusive(async () => {
      let scope = this.scopes.get(commit);
      if (scope === undefined) {
        await connection.run(`ATTACH ':memory:' AS ${database}`);
        scope = { views: new Set(), users: 0 };
        this.scopes.set(commit, scope);
      }
      this.scopes.delete(commit);
      this.scopes.set(commit, scope);
      scope.users++;
      for (const table of tables) {
        const key = `${table.namespace}.${table.name}`;
        if (scope.views.has(key)) continue;
        await connection.run(`CREATE SCHEMA IF NOT EXISTS ${database}.${quoteIdent(table.namespace)}`);
        await connection.run(viewSql(database, table));
        scope.views.add(key);
      }
      await this.evict(connection);
    });
    return database;
  }

  leave(commit: string): void {
    const scope = this.scopes.get(commit);
    if (scope !== undefined) scope.users--;
  }

  private async evict(connection: DuckDBConnection): Promise<void> {
    for (const [commit, scope] of this.scopes) {
      if (this.scopes.size <= MAX_CACHED_COMMITS) return;
      if (scope.users > 0) continue;
      this.scopes.delete(commit);
      await connection.run(`DETACH fg_commit_${commit}`);
    }
  }
}

const viewCaches = new WeakMap<Duck, CommitViews>();

/** What DuckDB's parser made of a statement (`json_serialize_sql`): an error, or the statement tree. */
interface ParsedStatement {
  readonly error?: boolean;
  readonly error_type?: string;
  readonly error_message?: string;
  readonly statements?: unknown;
}

/**
 * Parses without binding: DuckDB serializes only SELECT statements, so anything else is refused
 * before it is planned. Returns the statement tree.
 */
async function parseSelect(connection: DuckDBConnection, sql: string): Promise<ParsedStatement> {
  const reader = await connection.runAndReadAll(`SELECT json_serialize_sql(${quoteString(sql)}) AS parsed`);
  const parsed = JSON.parse(String(reader.getRowObjectsJS()[0]?.['parsed'])) as ParsedStatement;
  if (parsed.error !== true) return parsed;
  if (parsed.error_type === 'not implemented') throw new QueryNotAllowedError('only SELECT statements may run');
  throw new QueryFailedError(`cannot parse the query: ${parsed.error_message ?? 'syntax error'}`);
}

/** Table functions a query may call: they make rows from their arguments and read nothing. */
const PURE_TABLE_FUNCTIONS = new Set(['range', 'generate_series', 'unnest']);

/** Every table reference (BASE_TABLE, TABLE_FUNCTION) in a statement tree, and the CTE names it defines. */
function tableReferences(parsed: ParsedStatement): { references: Array<Record<string, unknown>>; ctes: Set<string> } {
  const ctes = new Set<string>();
  const references: Array<Record<string, unknown>> = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const item of node) visit(item);
      return;
    }
    if (node === null || typeof node !== 'object') return;
    const record = node as Record<string, unknown>;
    const cteMap = record['cte_map'] as { map?: Array<{ key?: unknown }> } | undefined;
    for (const entry of cteMap?.map ?? []) if (typeof entry.key === 'string') ctes.add(entry.key.toLowerCase());
    if (record['type'] === 'BASE_TABLE' || record['type'] === 'TABLE_FUNCTION') references.push(record);
    for (const value of Object.values(record)) visit(value);
  };
  visit(parsed.statements);
  return { references, ctes };
}

/**
 * The `namespace.table` names a parsed statement reads, from every table reference in its tree
 * (joins with aliases or USING, subqueries, CTE bodies), identifiers folded to lower case as DuckDB
 * matches them. Refuses a statement that could read anything but lakehouse tables at its ref: a
 * table function that reads files or database state (`read_parquet`, `glob`, `duckdb_settings`,
 * ...), a catalog-qualified name (another commit's views), or a one-part name that is not one of
 * the statement's CTEs (DuckDB would read a file of that name).
 */
export function tablesRead(parsed: ParsedStatement): Array<{ namespace: string; name: string }> {
  const { references, ctes } = tableReferences(parsed);
  const found = new Map<string, { namespace: string; name: string }>();
  for (const reference of references) {
    if (reference['type'] === 'TABLE_FUNCTION') {
      const fn = reference['function'] as { function_name?: unknown } | undefined;
      const name = String(fn?.function_name ?? '').toLowerCase();
      if (!PURE_TABLE_FUNCTIONS.has(name)) {
        throw new QueryNotAllowedError(`table function ${name}() is not allowed: a query reads lakehouse tables (namespace.table) only`);
      }
      continue;
    }
    const catalog = String(reference['catalog_name'] ?? '');
    const schema = String(reference['schema_name'] ?? '');
    const table = String(reference['table_name'] ?? '');
    if (catalog !== '') throw new QueryNotAllowedError(`${catalog}.${schema}.${table} is not allowed: name a table as namespace.table`);
    if (schema === '') {
      if (!ctes.has(table.toLowerCase())) throw new QueryNotAllowedError(`${JSON.stringify(table)} is not a table: name a table as namespace.table`);
      continue;
    }
    const namespace = schema.toLowerCase();
    const name = table.toLowerCase();
    found.set(`${namespace}.${name}`, { namespace, name });
  }
  return [...found.values()];
}

/** Refuses anything but exactly one SELECT, by DuckDB's own parser and without running it; returns its tree. */
export async function assertSingleSelect(connection: DuckDBConnection, sql: string): Promise<ParsedStatement> {
  let statements: number;
  try {
    statements = (await connection.extractStatements(sql)).count;
  } catch (error) {
    throw new QueryFailedError(`cannot parse the query: ${duckMessage(error)}`, error);
  }
  if (statements !== 1) throw new QueryNotAllowedError(`expected exactly one SELECT statement, got ${statements}`);
  return parseSelect(connection, sql);
}

/**
 * A SELECT over a table version's live data files with the current schema: plain column reads
 * when every file has that schema, else columns matched by Iceberg field id, so columns added
 * or widened since old files were written read correctly. Undefined for a table with no files.
 */
export function tableScanSql(table: Pick<BoundTable, 'files' | 'fields' | 'singleSchema'>): string | undefined {
  if (table.files.length === 0) return undefined;
  const files = quoteFileList(table.files);
  if (table.singleSchema) {
    // A plain scan, which DuckDB splits across threads.
    const casts = table.fields.map((f) => `CAST(${quoteIdent(f.name)} AS ${duckTypeOf(f.type)}) AS ${quoteIdent(f.name)}`);
    return `SELECT ${casts.join(', ')} FROM read_parquet(${files})`;
  }
  const columns = table.fields.map((f) => `${quoteIdent(f.name)}`).join(', ');
  const schema = table.fields
    .map((f) => `${f.id}: {name: ${quoteString(f.name)}, type: ${quoteString(duckTypeOf(f.type))}, default_value: NULL}`)
    .join(', ');
  return `SELECT ${columns} FROM read_parquet(${files}, schema = map {${schema}})`;
}

function viewSql(database: string, table: BoundTable): string {
  const target = `${database}.${quoteIdent(table.namespace)}.${quoteIdent(table.name)}`;
  const scan = tableScanSql(table);
  if (scan === undefined) {
    const typedNulls = table.fields.map((f) => `CAST(NULL AS ${duckTypeOf(f.type)}) AS ${quoteIdent(f.name)}`);
    return `CREATE VIEW IF NOT EXISTS ${target} AS SELECT ${typedNulls.join(', ')} WHERE false`;
  }
  return `CREATE VIEW IF NOT EXISTS ${target} AS ${scan}`;
}

/**
 * Runs one read-only SELECT with `ns.table` names bound to table versions. The statement runs
 * in a sandboxed DuckDB (only the warehouse is readable) inside a private in-memory catalog.
 */
export async function runReadOnlyQuery(
  duck: Duck,
  sql: string,
  bind: TableBinder,
  signal?: AbortSignal,
): Promise<ColumnarResult> {
  return duck.withConnection(async (connection) => {
    const names = tablesRead(await assertSingleSelect(connection, sql));
    const { commit, tables } = await bind(names);

    let views = viewCaches.get(duck);
    if (views === undefined) {
      views = new CommitViews();
      viewCaches.set(duck, views);
    }
    const database = await views.enter(connection, commit, tables);
    try {
      await connection.run(`USE ${database}`);

      let prepared;
      try {
        prepared = await connection.prepare(sql);
      } catch (error) {
        throw new QueryFailedError(`query failed: ${duckMessage(error)}`, error);
      }
      // 1 is DuckDB's SELECT statement type; anything else (DDL, DML, COPY, SET, ATTACH...) is refused.
      if (prepared.statementType !== 1) throw new QueryNotAllowedError('only SELECT statements may run');
      try {
        return readColumns(await prepared.runAndReadAll());
      } catch (error) {
        if (signal?.aborted === true) throw signal.reason;
        throw new QueryFailedError(`query failed: ${duckMessage(error)}`, error);
      }
    } finally {
      views.leave(commit);
      // The connection goes back to the pool: leave it as it was found.
      await connection.run('USE memory');
    }
  }, signal);
}

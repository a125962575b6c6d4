/**
 * Tables written by the iceberg module, read back by PyIceberg 0.12 (StaticTable) and by
 * DuckDB 1.5.5's iceberg_scan, from the repo's Python venv. Never skipped: a missing venv or
 * package fails the test.
 */
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commitSnapshot, liveDataFiles, localFileIO, newTableMetadata, withSchema } from '../../src/shared/lakehouse/local/iceberg/index.js';
import type { DataFileInput, IcebergField, TableMetadata } from '../../src/shared/lakehouse/local/iceberg/index.js';
import { runPythonJson } from '../support/python.js';
import { writeParquet } from './parquet-files.js';
import type { TestColumn } from './parquet-files.js';

const COLUMNS: TestColumn[] = [
  { id: 1, name: 'i', required: false, type: 'int', sqlType: 'INTEGER' },
  { id: 2, name: 'l', required: false, type: 'long', sqlType: 'BIGINT' },
  { id: 3, name: 'd', required: false, type: 'double', sqlType: 'DOUBLE' },
  { id: 4, name: 's', required: false, type: 'string', sqlType: 'VARCHAR' },
  { id: 5, name: 'b', required: false, type: 'boolean', sqlType: 'BOOLEAN' },
  { id: 6, name: 'dt', required: false, type: 'date', sqlType: 'DATE' },
  { id: 7, name: 'ts', required: false, type: 'timestamp', sqlType: 'TIMESTAMP' },
  { id: 8, name: 'tstz', required: false, type: 'timestamptz', sqlType: 'TIMESTAMPTZ' },
  { id: 9, name: 'dec', required: false, type: 'decimal(10, 2)', sqlType: 'DECIMAL(10, 2)' },
];
const EXTRA: TestColumn = { id: 10, name: 'extra', required: false, type: 'string', sqlType: 'VARCHAR' };

const MICROS_PER_DAY = 86_400_000_000n;

function isoDate(day: bigint): string {
  return new Date(Number(day) * 86_400_000).toISOString().slice(0, 10);
}

/** `YYYY-MM-DDTHH:MM:SS.ffffff` for micros since the epoch (UTC). */
function isoMicros(micros: bigint): string {
  const day = micros >= 0n ? micros / MICROS_PER_DAY : -((-micros + MICROS_PER_DAY - 1n) / MICROS_PER_DAY);
  const rest = micros - day * MICROS_PER_DAY;
  const seconds = rest / 1_000_000n;
  const pad = (n: bigint, width = 2): string => n.toString().padStart(width, '0');
  return `${isoDate(day)}T${pad(seconds / 3600n)}:${pad((seconds / 60n) % 60n)}:${pad(seconds % 60n)}.${pad(rest % 1_000_000n, 6)}`;
}

function decimalText(unscaled: number): string {
  const sign = unscaled < 0 ? '-' : '';
  const digits = String(Math.abs(unscaled)).padStart(3, '0');
  return `${sign}${digits.slice(0, -2)}.${digits.slice(-2)}`;
}

type Value = string | number | boolean | null;

/** Row n as the readers return it (normalised like interop-check.py does). */
function expectedRow(n: number, withExtra = false): Record<string, Value> {
  const row: Record<string, Value> = {
    i: n,
    l: n % 3 === 0 ? null : n * 10_000_000_000,
    d: n * 1.25 - 5.5,
    s: n === 2 ? 's02é' : `s${String(n).padStart(2, '0')}`,
    b: n >= 4,
    dt: isoDate(BigInt((n - 2) * 200)),
    ts: isoMicros(BigInt(n - 2) * 3_600_000_001n + 123n),
    tstz: `${isoMicros(BigInt(n) * 30n * MICROS_PER_DAY + 500_000n)}+00:00`,
    dec: decimalText((n - 3) * 1234 + 5),
  };
  if (withExtra) row.extra = n >= 9 ? `x${n}` : null;
  return row;
}

function sqlLiteral(value: Value): string {
  if (value === null) return 'NULL';
  if (typeof value === 'string') return `'${value.replaceAll("'", "''")}'`;
  return String(value);
}

function sqlRow(n: number, withExtra = false): string[] {
  const row = expectedRow(n, withExtra);
  return Object.entries(row).map(([name, value]) =>
    name === 'tstz' && typeof value === 'string' ? sqlLiteral(value.replace('+00:00', '+00')) : sqlLiteral(value),
  );
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, index) => from + index);
}

const byI = (a: Record<string, Value>, b: Record<string, Value>): number => Number(a.i) - Number(b.i);

interface Filter {
  column: string;
  op: '>=' | '<' | '=';
  value: Value;
  kind: string;
  expected: Record<string, Value>[];
}

interface Version {
  metadataLocation: string;
  rows: Record<string, Value>[];
  filters: Filter[];
}

const fieldsOf = (columns: TestColumn[]): IcebergField[] => columns.map(({ sqlType: _, ...field }) => field);

/** For every column of the second file (rows 4..6, all above rows 1..3): one filter that keeps only it, one that drops it. */
function filtersSplittingAtRow4(): Filter[] {
  const rowsWith = (column: string, ns: number[]): Record<string, Value>[] => ns.map((n) => expectedRow(n)).filter((row) => row[column] !== null);
  const filters = COLUMNS.filter((column) => column.type !== 'boolean').flatMap((column): Filter[] => {
    const kind = column.type.startsWith('decimal') ? 'decimal' : column.type;
    const value = expectedRow(4)[column.name]!;
    return [
      { column: column.name, op: '>=', value, kind, expected: rowsWith(column.name, range(4, 6)) },
      { column: column.name, op: '<', value, kind, expected: rowsWith(column.name, range(1, 3)) },
    ];
  });
  return [...filters, { column: 'b', op: '=', value: true, kind: 'boolean', expected: rowsWith('b', range(4, 6)) }];
}

interface ReaderResult {
  pyiceberg: Record<string, Value>[];
  duckdb: Record<string, Value>[];
  summary: Record<string, string> | null;
  files: { file_path: string; readable_metrics: Record<string, Record<string, Value>> }[];
  filters: { planned: number; pyiceberg: Record<string, Value>[]; duckdb: Record<string, Value>[] }[];
}

describe('iceberg tables read by PyIceberg and DuckDB', () => {
  let dir: string;
  let instance: DuckDBInstance;
  let connection: DuckDBConnection;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'floodgate-iceberg-'));
    instance = await DuckDBInstance.create(':memory:');
    connection = await instance.connect();
  });

  afterAll(async () => {
    connection.closeSync();
    instance.closeSync();
    await rm(dir, { recursive: true, force: true });
  });

  it('returns the expected rows at every version, with bounds that prune correctly', async () => {
    const io = localFileIO();
    const location = path.join(dir, 'warehouse', 'taxi', 'trips');
    await mkdir(path.join(location, 'data'), { recursive: true });
    const file = (name: string, ns: number[], columns = COLUMNS): Promise<DataFileInput> =>
      writeParquet(connection, path.join(location, 'data', `${name}.parquet`), columns, ns.map((n) => sqlRow(n, columns.includes(EXTRA))));
    const versions: Version[] = [];
    let current: { metadata: TableMetadata; metadataLocation: string | null } = {
      metadata: newTableMetadata({ location, schema: { fields: fieldsOf(COLUMNS) } }),
      metadataLocation: null,
    };
    const commit = async (operation: 'append' | 'overwrite', addedFiles: DataFileInput[], rows: Record<string, Value>[], filters: Filter[] = []): Promise<void> => {
      const next = await commitSnapshot({ io, ...current, operation, addedFiles });
      versions.push({ metadataLocation: next.metadataLocation, rows, filters });
      current = next;
    };

    await commit('append', [await file('a', range(1, 3))], range(1, 3).map((n) => expectedRow(n)));
    await commit('append', [await file('b', range(4, 6))], range(1, 6).map((n) => expectedRow(n)), filtersSplittingAtRow4());
    await commit('overwrite', [await file('c', range(7, 8))], range(7, 8).map((n) => expectedRow(n)));
    current = { ...current, metadata: withSchema(current.metadata, fieldsOf([...COLUMNS, EXTRA])) };
    const evolvedRows = range(7, 10).map((n) => expectedRow(n, true));
    await commit('append', [await file('d', range(9, 10), [...COLUMNS, EXTRA])], evolvedRows);
    await commit('append', [], evolvedRows);
    expect((await liveDataFiles(io, current.metadata)).map((live) => path.basename(live.path)).sort()).toEqual(['c.parquet', 'd.parquet']);
    // Overwriting with nothing empties the table: its manifest list holds only a manifest of deletions.
    await commit('overwrite', [], []);
    // A table whose only snapshot is an empty append has an empty manifest list.
    current = { metadata: newTableMetadata({ location: path.join(dir, 'warehouse', 'empty'), schema: { fields: fieldsOf([EXTRA]) } }), metadataLocation: null };
    await commit('append', [], []);

    const script = await readFile(new URL('./interop-check.py', import.meta.url), 'utf8');
    const spec = {
      versions: versions.map((version) => ({
        metadata: version.metadataLocation,
        filters: version.filters.map(({ column, op, value, kind }) => ({ column, op, value, kind })),
      })),
    };
    const result = await runPythonJson<{ versions: ReaderResult[] }>(script, [JSON.stringify(spec)]);

    expect(result.versions).toHaveLength(versions.length);
    result.versions.forEach((read, index) => {
      const version = versions[index]!;
      expect(read.pyiceberg.sort(byI), `pyiceberg rows at v${index + 1}`).toEqual(version.rows);
      expect(read.duckdb.sort(byI), `duckdb rows at v${index + 1}`).toEqual(version.rows);
      expect(read.summary?.['total-records']).toBe(String(version.rows.length));
      expect(read.summary?.['total-data-files']).toBe(String(read.files.length));
      version.filters.forEach((filter, f) => {
        const got = read.filters[f]!;
        const label = `${filter.column} ${filter.op} ${String(filter.value)}`;
        expect(got.planned, `files planned for ${label}`).toBe(1);
        expect(got.pyiceberg.sort(byI), `pyiceberg ${label}`).toEqual(filter.expected);
        expect(got.duckdb.sort(byI), `duckdb ${label}`).toEqual(filter.expected);
      });
    });

    // PyIceberg decodes the bounds written for file a back to the values written.
    const metrics = result.versions[0]!.files[0]!.readable_metrics;
    const rowsOfA = range(1, 3).map((n) => expectedRow(n));
    for (const column of COLUMNS) {
      const values = rowsOfA.map((row) => row[column.name]).filter((value) => value !== null);
      const metric = metrics[column.name]!;
      expect(metric.lower_bound, `lower bound of ${column.name}`).toEqual(values[0]);
      expect(metric.upper_bound, `upper bound of ${column.name}`).toEqual(values.at(-1));
      expect(metric.value_count).toBe(3);
      expect(metric.null_value_count).toBe(column.name === 'l' ? 1 : 0);
    }
  });
});

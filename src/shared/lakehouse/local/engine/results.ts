import {
  Binary,
  Bool,
  DateDay,
  Float32,
  Float64,
  Int16,
  Int32,
  Int64,
  Int8,
  Table,
  TimeMicrosecond,
  TimestampMicrosecond,
  Uint16,
  Uint32,
  Uint64,
  Uint8,
  Utf8,
  makeData,
  makeVector,
  vectorFromArray,
  type DataType,
  type Vector,
} from 'apache-arrow';
import type { DuckDBResultReader } from '@duckdb/node-api';

/** A DuckDB result, column by column, with each column's DuckDB type name. */
export interface ColumnarResult {
  readonly names: readonly string[];
  readonly types: readonly string[];
  /** DuckDB's JS values (bigint for 64-bit integers, Date for dates and times). */
  readonly js: readonly (readonly unknown[])[];
  /** DuckDB's raw values, for exact timestamps. */
  readonly raw: readonly (readonly unknown[])[];
  /** JSON-safe values. */
  readonly json: readonly (readonly unknown[])[];
}

/** Wraps a read result; each value form is converted only when first asked for. */
export function readColumns(reader: DuckDBResultReader): ColumnarResult {
  let js: unknown[][] | undefined;
  let raw: unknown[][] | undefined;
  let json: unknown[][] | undefined;
  return {
    names: reader.columnNames(),
    types: reader.columnTypes().map((t) => t.toString()),
    get js() {
      return (js ??= reader.getColumnsJS());
    },
    get raw() {
      return (raw ??= reader.getColumns());
    },
    get json() {
      return (json ??= reader.getColumnsJson());
    },
  };
}

const NUMBER_TYPES: Record<string, () => DataType> = {
  TINYINT: () => new Int8(),
  SMALLINT: () => new Int16(),
  INTEGER: () => new Int32(),
  UTINYINT: () => new Uint8(),
  USMALLINT: () => new Uint16(),
  UINTEGER: () => new Uint32(),
  FLOAT: () => new Float32(),
  DOUBLE: () => new Float64(),
};

function nullBitmap(values: readonly unknown[]): { bitmap: Uint8Array; nullCount: number } {
  const bitmap = new Uint8Array(Math.ceil(values.length / 8));
  let nullCount = 0;
  values.forEach((value, index) => {
    if (value === null || value === undefined) nullCount++;
    else bitmap[index >> 3] = (bitmap[index >> 3] ?? 0) | (1 << (index & 7));
  });
  return { bitmap, nullCount };
}

function fixedWidth<T extends DataType>(type: T, values: readonly unknown[], data: ArrayLike<unknown>): Vector<T> {
  const { bitmap, nullCount } = nullBitmap(values);
  return makeVector(
    makeData({ type, length: values.length, nullCount, nullBitmap: nullCount > 0 ? bitmap : null, data } as never),
  ) as Vector<T>;
}

function micros(value: unknown, type: string): bigint {
  const v = value as { micros?: bigint; millis?: bigint; seconds?: bigint; nanos?: bigint };
  if (type === 'TIMESTAMP_S') return (v.seconds ?? 0n) * 1_000_000n;
  if (type === 'TIMESTAMP_MS') return (v.millis ?? 0n) * 1000n;
  if (type === 'TIMESTAMP_NS') return (v.nanos ?? 0n) / 1000n;
  return v.micros ?? 0n;
}

function toVector(type: string, js: readonly unknown[], raw: readonly unknown[], json: readonly unknown[]): Vector {
  const number = NUMBER_TYPES[type];
  if (number !== undefined) return vectorFromArray(js.map((v) => (v === null ? null : Number(v))), number());
  if (type === 'BOOLEAN') return vectorFromArray(js as (boolean | null)[], new Bool());
  if (type === 'BIGINT') return fixedWidth(new Int64(), js, BigInt64Array.from(js, (v) => (v === null ? 0n : BigInt(v as bigint))));
  if (type === 'UBIGINT') return fixedWidth(new Uint64(), js, BigUint64Array.from(js, (v) => (v === null ? 0n : BigInt(v as bigint))));
  if (type.startsWith('DECIMAL') || type === 'HUGEINT' || type === 'UHUGEINT') {
    return vectorFromArray(js.map((v) => (v === null ? null : Number(v))), new Float64());
  }
  if (type === 'DATE') return fixedWidth(new DateDay(), raw, Int32Array.from(raw, (v) => (v === null ? 0 : (v as { days: number }).days)));
  if (type.startsWith('TIMESTAMP')) {
    const arrowType = new TimestampMicrosecond(type === 'TIMESTAMP WITH TIME ZONE' ? 'UTC' : null);
    return fixedWidth(arrowType, raw, BigInt64Array.from(raw, (v) => (v === null ? 0n : micros(v, type))));
  }
  if (type === 'TIME') return fixedWidth(new TimeMicrosecond(), raw, BigInt64Array.from(raw, (v) => (v === null ? 0n : micros(v, type))));
  if (type === 'VARCHAR' || type === 'UUID' || type.startsWith('ENUM')) {
    return vectorFromArray(js.map((v) => (v === null ? null : String(v))), new Utf8());
  }
  if (type === 'BLOB') return vectorFromArray(js as (Uint8Array | null)[], new Binary());
  return vectorFromArray(json.map((v) => (v === null ? null : JSON.stringify(v))), new Utf8());
}

/** The result as an Arrow table. 64-bit integers, dates and timestamps keep full precision; decimals become float64. */
export function toArrowTable(result: ColumnarResult): Table {
  const columns: Record<string, Vector> = {};
  result.names.forEach((name, index) => {
    columns[name] = toVector(result.types[index] ?? 'VARCHAR', result.js[index] ?? [], result.raw[index] ?? [], result.json[index] ?? []);
  });
  return new Table(columns);
}

/**
 * The number a numeric text (a 64-bit integer or a decimal) stands for, when a JavaScript number
 * holds it exactly; undefined otherwise (the text is kept, so no digit is lost).
 */
function exactNumber(text: string): number | undefined {
  const value = Number(text);
  if (!Number.isFinite(value)) return undefined;
  if (/^-?\d+$/.test(text)) return Number.isSafeInteger(value) ? value : undefined;
  const decimal = /^(-?)(\d+)(?:\.(\d*?))?0*$/.exec(text);
  if (decimal === null) return value;
  const [, sign = '', whole = '', fraction = ''] = decimal;
  const canonical = `${sign}${whole.replace(/^0+(?=\d)/, '')}${fraction === '' ? '' : `.${fraction}`}`;
  return String(value) === canonical || (value === 0 && /^-?0$/.test(canonical)) ? value : undefined;
}

const NUMERIC = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|DOUBLE|DECIMAL)/;

/**
 * The result as plain JSON-safe rows: numbers stay numbers (64-bit integers outside the safe
 * range, and decimals a double cannot hold exactly, become strings), dates and timestamps are
 * ISO-like strings.
 */
export function toRows(result: ColumnarResult): Record<string, unknown>[] {
  const json = result.json;
  const numeric = result.types.map((type) => NUMERIC.test(type));
  const length = json[0]?.length ?? 0;
  const rows: Record<string, unknown>[] = [];
  for (let row = 0; row < length; row++) {
    const record: Record<string, unknown> = {};
    result.names.forEach((name, column) => {
      const value = json[column]?.[row] ?? null;
      if (numeric[column] === true && typeof value === 'string') {
        record[name] = exactNumber(value) ?? value;
      } else {
        record[name] = value;
      }
    });
    rows.push(record);
  }
  return rows;
}

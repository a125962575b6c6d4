/**
 * Iceberg's single-value binary serialisation, used for the lower and upper bounds in
 * manifests (spec, Appendix D). Strings are accepted for every type but binary, in the form
 * DuckDB's `parquet_metadata()` prints statistics.
 */
import { InvalidInputError } from '../../errors.js';
import { decimalParts } from './primitive-types.js';
import type { IcebergPrimitiveType } from './types.js';

export type BoundValue = boolean | number | bigint | string | Uint8Array;

const MICROS_PER_DAY = 86_400_000_000n;
const INT_MIN = -(2 ** 31);
const INT_MAX = 2 ** 31 - 1;
const LONG_MIN = -(2n ** 63n);
const LONG_MAX = 2n ** 63n - 1n;

function invalid(type: IcebergPrimitiveType, value: BoundValue, reason: string): InvalidInputError {
  const shown = value instanceof Uint8Array ? `${value.length} bytes` : String(value);
  return new InvalidInputError(`cannot encode ${shown} as an Iceberg ${type} bound: ${reason}`, { type });
}

function littleEndian(bytes: number, fill: (view: DataView) => void): Uint8Array {
  const out = new Uint8Array(bytes);
  fill(new DataView(out.buffer));
  return out;
}

function toInteger(type: IcebergPrimitiveType, value: BoundValue): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw invalid(type, value, 'not a safe integer');
    return BigInt(value);
  }
  if (typeof value === 'string' && /^[+-]?\d+$/.test(value.trim())) return BigInt(value.trim());
  throw invalid(type, value, 'not an integer');
}

function int32(type: IcebergPrimitiveType, value: bigint | number, original: BoundValue): Uint8Array {
  const n = Number(value);
  if (n < INT_MIN || n > INT_MAX) throw invalid(type, original, 'out of the 32-bit range');
  return littleEndian(4, (view) => view.setInt32(0, n, true));
}

function int64(type: IcebergPrimitiveType, value: bigint, original: BoundValue): Uint8Array {
  if (value < LONG_MIN || value > LONG_MAX) throw invalid(type, original, 'out of the 64-bit range');
  return littleEndian(8, (view) => view.setBigInt64(0, value, true));
}

/** Days from 1970-01-01 to a proleptic Gregorian date (years 0..9999 and beyond). */
function epochDay(year: number, month: number, day: number): number {
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  if (date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return Number.NaN;
  return Math.round(date.getTime() / 86_400_000);
}

const DATE = /^(-?\d{4,})-(\d{2})-(\d{2})$/;
const TIME = /^(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?$/;
const TIMESTAMP = /^(-?\d{4,}-\d{2}-\d{2})(?:[ T](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?))?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

function parseDate(type: IcebergPrimitiveType, text: string): number {
  const match = DATE.exec(text);
  const day = match === null ? Number.NaN : epochDay(Number(match[1]), Number(match[2]), Number(match[3]));
  if (Number.isNaN(day)) throw invalid(type, text, 'expected YYYY-MM-DD');
  return day;
}

function parseTimeMicros(type: IcebergPrimitiveType, text: string): bigint {
  const match = TIME.exec(text);
  if (match === null) throw invalid(type, text, 'expected HH:MM[:SS[.ffffff]]');
  const fraction = (match[4] ?? '').padEnd(9, '0');
  if (!fraction.endsWith('000')) throw invalid(type, text, 'finer than microseconds');
  const [hours, minutes, seconds] = [Number(match[1]), Number(match[2]), Number(match[3] ?? 0)];
  if (hours > 23 || minutes > 59 || seconds > 59) throw invalid(type, text, 'not a time of day');
  return BigInt(hours * 3600 + minutes * 60 + seconds) * 1_000_000n + BigInt(fraction.slice(0, 6));
}

function parseOffsetMinutes(type: IcebergPrimitiveType, text: string, offset: string | undefined): number {
  if (offset === undefined || offset.toUpperCase() === 'Z') return 0;
  const digits = offset.slice(1).replace(':', '');
  const minutes = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || '0');
  if (Number.isNaN(minutes)) throw invalid(type, text, 'bad UTC offset');
  return offset.startsWith('-') ? -minutes : minutes;
}

/** Microseconds since the epoch; an offset in the text is applied (the result is UTC). */
function parseTimestampMicros(type: IcebergPrimitiveType, text: string): bigint {
  const match = TIMESTAMP.exec(text);
  if (match === null || match[1] === undefined) throw invalid(type, text, 'expected YYYY-MM-DD HH:MM:SS[.ffffff][+HH[:MM]]');
  const day = BigInt(parseDate(type, match[1]));
  const timeOfDay = match[2] === undefined ? 0n : parseTimeMicros(type, match[2]);
  const offset = BigInt(parseOffsetMinutes(type, text, match[3])) * 60_000_000n;
  return day * MICROS_PER_DAY + timeOfDay - offset;
}

function encodeDecimal(type: IcebergPrimitiveType, value: BoundValue, scale: number): Uint8Array {
  let unscaled: bigint;
  if (typeof value === 'bigint') {
    unscaled = value;
  } else if (typeof value === 'string') {
    const match = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(value.trim());
    if (match === null || `${match[2] ?? ''}${match[3] ?? ''}` === '') throw invalid(type, value, 'not a decimal literal');
    const fraction = match[3] ?? '';
    if (fraction.length > scale && !/^0*$/.test(fraction.slice(scale))) {
      throw invalid(type, value, `more than ${scale} fractional digits`);
    }
    const digits = `${match[2] ?? ''}${fraction.slice(0, scale).padEnd(scale, '0')}`;
    unscaled = BigInt(digits === '' ? '0' : digits) * (match[1] === '-' ? -1n : 1n);
  } else {
    throw invalid(type, value, 'pass the unscaled value as a bigint or the decimal as a string');
  }
  // Two's complement, big-endian, in the fewest bytes that keep the sign bit right.
  const bytes: number[] = [];
  let rest = unscaled;
  do {
    bytes.unshift(Number(rest & 0xffn));
    rest >>= 8n;
  } while (!(rest === 0n && (bytes[0] ?? 0) < 0x80) && !(rest === -1n && (bytes[0] ?? 0) >= 0x80));
  return Uint8Array.from(bytes);
}

function encodeUuid(type: IcebergPrimitiveType, value: BoundValue): Uint8Array {
  if (value instanceof Uint8Array) {
    if (value.length !== 16) throw invalid(type, value, 'a uuid has 16 bytes');
    return Uint8Array.from(value);
  }
  const hex = typeof value === 'string' ? value.replaceAll('-', '') : '';
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw invalid(type, value, 'not a uuid');
  return Uint8Array.from(Buffer.from(hex, 'hex'));
}

function encodeFloating(type: 'float' | 'double', value: BoundValue): Uint8Array {
  const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value.trim()) : Number.NaN;
  if (Number.isNaN(n)) throw invalid(type, value, 'NaN is not a bound');
  return type === 'float'
    ? littleEndian(4, (view) => view.setFloat32(0, n, true))
    : littleEndian(8, (view) => view.setFloat64(0, n, true));
}

/** Encodes one value as Iceberg's single-value binary form, for manifest bounds. */
export function encodeBound(type: IcebergPrimitiveType, value: BoundValue): Uint8Array {
  switch (type) {
    case 'boolean': {
      const truth = typeof value === 'string' ? value.trim().toLowerCase() : value;
      if (truth === true || truth === 1 || truth === 'true') return Uint8Array.of(1);
      if (truth === false || truth === 0 || truth === 'false') return Uint8Array.of(0);
      throw invalid(type, value, 'not a boolean');
    }
    case 'int':
      return int32(type, toInteger(type, value), value);
    case 'date':
      return int32(type, typeof value === 'string' && value.includes('-', 1) ? parseDate(type, value.trim()) : toInteger(type, value), value);
    case 'long':
      return int64(type, toInteger(type, value), value);
    case 'time':
      return int64(type, typeof value === 'string' && value.includes(':') ? parseTimeMicros(type, value.trim()) : toInteger(type, value), value);
    case 'timestamp':
    case 'timestamptz':
      return int64(type, typeof value === 'string' && value.includes('-', 1) ? parseTimestampMicros(type, value.trim()) : toInteger(type, value), value);
    case 'float':
    case 'double':
      return encodeFloating(type, value);
    case 'string':
      if (typeof value !== 'string') throw invalid(type, value, 'not a string');
      return new TextEncoder().encode(value);
    case 'uuid':
      return encodeUuid(type, value);
    case 'binary':
      if (!(value instanceof Uint8Array)) throw invalid(type, value, 'binary bounds are bytes');
      return Uint8Array.from(value);
    default: {
      const decimal = decimalParts(type);
      if (decimal === undefined) throw invalid(type, value, 'unknown type');
      return encodeDecimal(type, value, decimal.scale);
    }
  }
}

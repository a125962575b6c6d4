import { InvalidInputError } from '../../errors.js';
import type { IcebergPrimitiveType } from './types.js';

const SIMPLE_TYPES: ReadonlySet<string> = new Set([
  'boolean',
  'int',
  'long',
  'float',
  'double',
  'date',
  'time',
  'timestamp',
  'timestamptz',
  'string',
  'uuid',
  'binary',
]);

const DECIMAL = /^decimal\(\s*(\d+)\s*,\s*(\d+)\s*\)$/;

export interface DecimalParts {
  precision: number;
  scale: number;
}

/** Precision and scale of a `decimal(P, S)` type, or undefined for any other type. */
export function decimalParts(type: string): DecimalParts | undefined {
  const match = DECIMAL.exec(type);
  if (match === null) return undefined;
  return { precision: Number(match[1]), scale: Number(match[2]) };
}

export function isIcebergPrimitiveType(type: string): type is IcebergPrimitiveType {
  if (SIMPLE_TYPES.has(type)) return true;
  const decimal = decimalParts(type);
  return decimal !== undefined && decimal.precision >= 1 && decimal.precision <= 38 && decimal.scale <= decimal.precision;
}

/** The spec's spelling of a decimal type, `decimal(P, S)`. */
export function decimalType(precision: number, scale: number): IcebergPrimitiveType {
  const type = `decimal(${precision}, ${scale})` as const;
  if (!isIcebergPrimitiveType(type)) throw new InvalidInputError(`invalid decimal type ${type}`);
  return type;
}

/**
 * Whether a column of type `from` may be read as `to` (Iceberg's allowed type promotions):
 * int to long, float to double, and a decimal to a wider one with the same scale.
 */
export function canPromote(from: IcebergPrimitiveType, to: IcebergPrimitiveType): boolean {
  if (from === to) return true;
  if (from === 'int' && to === 'long') return true;
  if (from === 'float' && to === 'double') return true;
  const a = decimalParts(from);
  const b = decimalParts(to);
  return a !== undefined && b !== undefined && a.scale === b.scale && b.precision >= a.precision;
}

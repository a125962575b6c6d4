import { canPromote, type IcebergField, type IcebergPrimitiveType } from '../iceberg/index.js';
import type { SchemaPolicy } from '../../lakehouse.js';
import { InvalidNameError, SchemaMismatchError } from '../../errors.js';
import { duckTypeOf, icebergTypeOf, quoteIdent } from './types.js';

export interface SourceColumn {
  readonly name: string;
  readonly duckType: string;
}

export interface SchemaPlan {
  /** The table's schema after this import. */
  readonly fields: IcebergField[];
  /** One SQL expression per field, in field order, casting the source to the table's types. */
  readonly selectList: string[];
  readonly addedColumns: string[];
  readonly promotedColumns: string[];
}

const COLUMN = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

export function validateColumnNames(columns: readonly SourceColumn[]): void {
  const seen = new Map<string, string>();
  for (const column of columns) {
    if (!COLUMN.test(column.name)) {
      throw new InvalidNameError('column', column.name, 'use 1-128 characters: letters, digits and _, not starting with a digit');
    }
    const folded = column.name.toLowerCase();
    const other = seen.get(folded);
    if (other !== undefined) throw new InvalidNameError('column', column.name, `it differs from ${other} only in case`);
    seen.set(folded, column.name);
  }
}

function castTo(name: string, type: IcebergPrimitiveType): string {
  return `CAST(${quoteIdent(name)} AS ${duckTypeOf(type)}) AS ${quoteIdent(name)}`;
}

/**
 * For a CSV source appended to a table: the table's DuckDB type for each column whose guessed
 * type the table could not take (an empty file's text columns, digits in a text column, a bad
 * value among numbers). Read with those types, the values convert or fail naming the line and
 * value. Under `evolve`, a column the table can widen to the guess keeps its guess.
 */
export function csvTypeOverrides(source: readonly SourceColumn[], existing: readonly IcebergField[], policy: SchemaPolicy): Record<string, string> {
  const guessed = new Map(source.map((c) => [c.name, c.duckType] as const));
  const overrides: Record<string, string> = {};
  for (const field of existing) {
    const duckType = guessed.get(field.name);
    if (duckType === undefined) continue;
    let sourceType: IcebergPrimitiveType | undefined;
    try {
      sourceType = icebergTypeOf(field.name, duckType);
    } catch {
      sourceType = undefined;
    }
    if (sourceType === field.type || (sourceType !== undefined && canPromote(sourceType, field.type))) continue;
    if (sourceType !== undefined && policy === 'evolve' && canPromote(field.type, sourceType)) continue;
    overrides[field.name] = duckTypeOf(field.type);
  }
  return overrides;
}

/**
 * Decides the table schema an import produces and how to cast the source into it.
 * evolve: new source columns are added as optional columns; int→long style promotions widen
 * the table. freeze: any difference is a SchemaMismatchError naming the columns.
 */
export function planSchema(input: {
  table: string;
  source: readonly SourceColumn[];
  existing: readonly IcebergField[] | undefined;
  lastColumnId: number;
  policy: SchemaPolicy;
}): SchemaPlan {
  validateColumnNames(input.source);
  const sourceTypes = new Map(input.source.map((c) => [c.name, icebergTypeOf(c.name, c.duckType)] as const));

  if (input.existing === undefined) {
    const fields = input.source.map((c, index): IcebergField => ({
      id: index + 1,
      name: c.name,
      required: false,
      type: sourceTypes.get(c.name) as IcebergPrimitiveType,
    }));
    return { fields, selectList: fields.map((f) => castTo(f.name, f.type)), addedColumns: [], promotedColumns: [] };
  }

  const existing = new Map(input.existing.map((f) => [f.name, f] as const));
  const added = input.source.filter((c) => !existing.has(c.name)).map((c) => c.name);
  const folded = new Map(input.existing.map((f) => [f.name.toLowerCase(), f.name] as const));
  const caseTwins = added.filter((name) => folded.has(name.toLowerCase())).map((name) => `${name} (the table has ${folded.get(name.toLowerCase()) ?? ''})`);
  if (caseTwins.length > 0) throw new SchemaMismatchError(input.table, caseTwins, 'source columns that differ from table columns only in case, which SQL cannot tell apart');
  const missing = input.existing.filter((f) => !sourceTypes.has(f.name));
  const incompatible: string[] = [];
  const promoted: string[] = [];
  for (const field of input.existing) {
    const sourceType = sourceTypes.get(field.name);
    if (sourceType === undefined || sourceType === field.type) continue;
    if (canPromote(sourceType, field.type)) continue;
    if (input.policy === 'evolve' && canPromote(field.type, sourceType)) promoted.push(field.name);
    else incompatible.push(`${field.name} (${field.type} in the table, ${sourceType} in the source)`);
  }
  if (incompatible.length > 0) throw new SchemaMismatchError(input.table, incompatible, 'incompatible types');

  if (input.policy === 'freeze') {
    if (added.length > 0) throw new SchemaMismatchError(input.table, added, 'columns not in the table (schema is frozen)');
    if (missing.length > 0) {
      throw new SchemaMismatchError(input.table, missing.map((f) => f.name), 'columns missing from the source (schema is frozen)');
    }
  }
  const requiredMissing = missing.filter((f) => f.required);
  if (requiredMissing.length > 0) {
    throw new SchemaMismatchError(input.table, requiredMissing.map((f) => f.name), 'required columns missing from the source');
  }

  let nextId = input.lastColumnId;
  const fields: IcebergField[] = [
    ...input.existing.map((f) =>
      promoted.includes(f.name) ? { ...f, type: sourceTypes.get(f.name) as IcebergPrimitiveType } : f,
    ),
    ...added.map((name): IcebergField => ({
      id: ++nextId,
      name,
      required: false,
      type: sourceTypes.get(name) as IcebergPrimitiveType,
    })),
  ];
  const selectList = fields.map((f) =>
    sourceTypes.has(f.name) ? castTo(f.name, f.type) : `CAST(NULL AS ${duckTypeOf(f.type)}) AS ${quoteIdent(f.name)}`,
  );
  return { fields, selectList, addedColumns: added, promotedColumns: promoted };
}

/**
 * Building table metadata in memory: a new table, schema evolution and the current snapshot's
 * totals. Nothing here touches storage; functions return new objects and never mutate input.
 */
import { randomUUID } from 'node:crypto';
import { FloodgateError } from '../../../errors/index.js';
import { InvalidInputError } from '../../errors.js';
import { canPromote, isIcebergPrimitiveType } from './primitive-types.js';
import type { IcebergField, IcebergSchema, Snapshot, TableMetadata } from './types.js';

/** Highest partition field id of a table without partition fields (ids start at 1000). */
const UNPARTITIONED_LAST_PARTITION_ID = 999;

export interface NewTableInput {
  location: string;
  schema: Omit<IcebergSchema, 'schema-id' | 'type'> & Partial<IcebergSchema>;
  properties?: Record<string, string>;
  /** Milliseconds since the epoch; defaults to now. */
  now?: number;
}

function copyField(field: IcebergField): IcebergField {
  const copy: IcebergField = { id: field.id, name: field.name, required: field.required, type: field.type };
  if (field.doc !== undefined) copy.doc = field.doc;
  return copy;
}

function validateFields(fields: readonly IcebergField[]): void {
  const ids = new Set<number>();
  const names = new Set<string>();
  for (const field of fields) {
    if (!Number.isSafeInteger(field.id) || field.id <= 0) throw new InvalidInputError(`field id ${field.id} is not a positive integer`);
    if (ids.has(field.id)) throw new InvalidInputError(`field id ${field.id} is used twice`);
    if (field.name === '') throw new InvalidInputError(`field ${field.id} has an empty name`);
    if (names.has(field.name)) throw new InvalidInputError(`field name ${JSON.stringify(field.name)} is used twice`);
    if (!isIcebergPrimitiveType(field.type)) throw new InvalidInputError(`field ${field.name} has an unsupported type ${String(field.type)}`);
    ids.add(field.id);
    names.add(field.name);
  }
}

function maxFieldId(fields: readonly IcebergField[]): number {
  return fields.reduce((max, field) => Math.max(max, field.id), 0);
}

export function newTableMetadata(input: NewTableInput): TableMetadata {
  const location = input.location.replace(/\/+$/, '');
  if (location === '') throw new InvalidInputError('a table needs a location');
  validateFields(input.schema.fields);
  const schema: IcebergSchema = {
    type: 'struct',
    'schema-id': input.schema['schema-id'] ?? 0,
    fields: input.schema.fields.map(copyField),
    'identifier-field-ids': [...(input.schema['identifier-field-ids'] ?? [])],
  };
  return {
    'format-version': 2,
    'table-uuid': randomUUID(),
    location,
    'last-sequence-number': 0,
    'last-updated-ms': input.now ?? Date.now(),
    'last-column-id': maxFieldId(schema.fields),
    schemas: [schema],
    'current-schema-id': schema['schema-id'],
    'partition-specs': [{ 'spec-id': 0, fields: [] }],
    'default-spec-id': 0,
    'last-partition-id': UNPARTITIONED_LAST_PARTITION_ID,
    properties: { ...input.properties },
    'current-snapshot-id': null,
    snapshots: [],
    'snapshot-log': [],
    'metadata-log': [],
    'sort-orders': [{ 'order-id': 0, fields: [] }],
    'default-sort-order-id': 0,
    refs: {},
  };
}

export function currentSchema(metadata: TableMetadata): IcebergSchema {
  const schema = metadata.schemas.find((candidate) => candidate['schema-id'] === metadata['current-schema-id']);
  if (schema === undefined) {
    throw new FloodgateError('INTERNAL', `table ${metadata.location} has no schema ${metadata['current-schema-id']}`, {
      details: { location: metadata.location },
    });
  }
  return schema;
}

export function currentSnapshot(metadata: TableMetadata): Snapshot | undefined {
  const id = metadata['current-snapshot-id'];
  if (id === null) return undefined;
  return metadata.snapshots.find((snapshot) => snapshot['snapshot-id'] === id);
}

function sameFields(a: readonly IcebergField[], b: readonly IcebergField[]): boolean {
  return (
    a.length === b.length &&
    a.every((field, index) => {
      const other = b[index];
      return (
        other !== undefined &&
        field.id === other.id &&
        field.name === other.name &&
        field.required === other.required &&
        field.type === other.type &&
        field.doc === other.doc
      );
    })
  );
}

function mismatch(field: IcebergField, reason: string): FloodgateError {
  return new FloodgateError('SCHEMA_MISMATCH', `cannot change column ${field.name} (id ${field.id}): ${reason}`, {
    details: { columns: [field.name], reason },
  });
}

/** Checks Iceberg's evolution rules for going from the current schema to `fields`. */
function checkEvolution(metadata: TableMetadata, current: IcebergSchema, fields: readonly IcebergField[]): void {
  const byId = new Map(current.fields.map((field) => [field.id, field]));
  const historic = new Map(metadata.schemas.flatMap((schema) => schema.fields.map((field) => [field.id, field] as const)));
  const hasData = metadata.snapshots.length > 0;
  for (const field of fields) {
    const previous = byId.get(field.id);
    if (previous !== undefined) {
      if (!canPromote(previous.type, field.type)) throw mismatch(field, `type ${previous.type} cannot become ${field.type}`);
      if (hasData && field.required && !previous.required) throw mismatch(field, 'an optional column cannot become required');
      continue;
    }
    const old = historic.get(field.id);
    if (old === undefined && field.id <= metadata['last-column-id']) {
      throw mismatch(field, `new columns need ids above last-column-id ${metadata['last-column-id']}`);
    }
    if (old !== undefined && !canPromote(old.type, field.type)) throw mismatch(field, `id ${field.id} was a ${old.type} column`);
    if (hasData && field.required) throw mismatch(field, 'a column added to a table with data must be optional');
  }
}

/**
 * Returns metadata whose current schema is `fields`: an existing schema with the same fields
 * is reused, else a new one is added (next schema id, last-column-id raised). Returns
 * `metadata` itself when `fields` already are the current schema.
 */
export function withSchema(metadata: TableMetadata, fields: IcebergField[]): TableMetadata {
  const current = currentSchema(metadata);
  if (sameFields(current.fields, fields)) return metadata;
  validateFields(fields);
  checkEvolution(metadata, current, fields);
  const ids = new Set(fields.map((field) => field.id));
  const identifierFieldIds = (current['identifier-field-ids'] ?? []).filter((id) => ids.has(id));
  const existing = metadata.schemas.find((schema) => sameFields(schema.fields, fields));
  const schema: IcebergSchema = existing ?? {
    type: 'struct',
    'schema-id': metadata.schemas.reduce((max, candidate) => Math.max(max, candidate['schema-id']), -1) + 1,
    fields: fields.map(copyField),
    'identifier-field-ids': identifierFieldIds,
  };
  return {
    ...metadata,
    schemas: existing === undefined ? [...metadata.schemas, schema] : metadata.schemas,
    'current-schema-id': schema['schema-id'],
    'last-column-id': Math.max(metadata['last-column-id'], maxFieldId(fields)),
  };
}

function summaryNumber(snapshot: Snapshot | undefined, key: string): number {
  const value = Number(snapshot?.summary[key] ?? 0);
  return Number.isFinite(value) ? value : 0;
}

/** Rows, data files and bytes of the current snapshot, from its summary totals. */
export function tableSummary(metadata: TableMetadata): { rows: number; files: number; bytes: number } {
  const snapshot = currentSnapshot(metadata);
  return {
    rows: summaryNumber(snapshot, 'total-records'),
    files: summaryNumber(snapshot, 'total-data-files'),
    bytes: summaryNumber(snapshot, 'total-files-size'),
  };
}

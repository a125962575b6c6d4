import { describe, expect, it } from 'vitest';
import { currentSchema, newTableMetadata, tableSummary, withSchema } from '../../src/shared/lakehouse/local/iceberg/index.js';
import type { IcebergField, TableMetadata } from '../../src/shared/lakehouse/local/iceberg/index.js';

const FIELDS: IcebergField[] = [
  { id: 1, name: 'id', required: true, type: 'long' },
  { id: 2, name: 'zone', required: false, type: 'string', doc: 'pickup zone' },
  { id: 3, name: 'fare', required: false, type: 'decimal(10, 2)' },
];

function table(): TableMetadata {
  return newTableMetadata({ location: '/warehouse/taxi/trips/', schema: { fields: FIELDS }, properties: { owner: 'floodgate' }, now: 1_000 });
}

describe('newTableMetadata', () => {
  it('builds v2 metadata for an unpartitioned, unsorted table without snapshots', () => {
    const metadata = table();
    expect(metadata).toMatchObject({
      'format-version': 2,
      location: '/warehouse/taxi/trips',
      'last-sequence-number': 0,
      'last-updated-ms': 1_000,
      'last-column-id': 3,
      'current-schema-id': 0,
      'partition-specs': [{ 'spec-id': 0, fields: [] }],
      'default-spec-id': 0,
      'last-partition-id': 999,
      properties: { owner: 'floodgate' },
      'current-snapshot-id': null,
      snapshots: [],
      'snapshot-log': [],
      'metadata-log': [],
      'sort-orders': [{ 'order-id': 0, fields: [] }],
      'default-sort-order-id': 0,
      refs: {},
    });
    expect(metadata['table-uuid']).toMatch(/^[0-9a-f-]{36}$/);
    expect(currentSchema(metadata)).toEqual({ type: 'struct', 'schema-id': 0, fields: FIELDS, 'identifier-field-ids': [] });
    expect(tableSummary(metadata)).toEqual({ rows: 0, files: 0, bytes: 0 });
  });

  it('does not share the caller’s field objects', () => {
    const fields = FIELDS.map((field) => ({ ...field }));
    const metadata = newTableMetadata({ location: '/t', schema: { fields } });
    fields[0]!.name = 'changed';
    expect(currentSchema(metadata).fields[0]!.name).toBe('id');
  });

  it.each([
    ['duplicate ids', [FIELDS[0]!, { ...FIELDS[1]!, id: 1 }]],
    ['duplicate names', [FIELDS[0]!, { ...FIELDS[1]!, name: 'id' }]],
    ['a zero id', [{ ...FIELDS[0]!, id: 0 }]],
    ['an unknown type', [{ ...FIELDS[0]!, type: 'varchar' as never }]],
  ])('rejects %s', (_, fields) => {
    expect(() => newTableMetadata({ location: '/t', schema: { fields } })).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
  });
});

describe('withSchema', () => {
  it('returns the same object when the fields are the current schema', () => {
    const metadata = table();
    expect(withSchema(metadata, FIELDS.map((field) => ({ ...field })))).toBe(metadata);
  });

  it('adds columns under a new schema id and raises last-column-id', () => {
    const metadata = table();
    const fields = [...FIELDS, { id: 4, name: 'tip', required: false, type: 'double' as const }];
    const evolved = withSchema(metadata, fields);
    expect(evolved['current-schema-id']).toBe(1);
    expect(evolved['last-column-id']).toBe(4);
    expect(evolved.schemas.map((schema) => schema['schema-id'])).toEqual([0, 1]);
    expect(currentSchema(evolved).fields).toEqual(fields);
    expect(currentSchema(metadata).fields).toEqual(FIELDS);
    expect(metadata.schemas).toHaveLength(1);
  });

  it('reuses an earlier schema that has the same fields', () => {
    const evolved = withSchema(table(), [...FIELDS, { id: 4, name: 'tip', required: false, type: 'double' }]);
    const back = withSchema(evolved, FIELDS);
    expect(back['current-schema-id']).toBe(0);
    expect(back.schemas).toHaveLength(2);
    expect(back['last-column-id']).toBe(4);
  });

  it('allows dropping columns and Iceberg’s type promotions', () => {
    const promoted = withSchema(table(), [
      { id: 1, name: 'id', required: false, type: 'long' },
      { id: 3, name: 'fare', required: false, type: 'decimal(12, 2)' },
    ]);
    expect(currentSchema(promoted).fields.map((field) => field.type)).toEqual(['long', 'decimal(12, 2)']);
    const widened = withSchema(
      newTableMetadata({ location: '/t', schema: { fields: [{ id: 1, name: 'n', required: false, type: 'int' }] } }),
      [{ id: 1, name: 'n', required: false, type: 'long' }],
    );
    expect(currentSchema(widened).fields[0]!.type).toBe('long');
  });

  it.each([
    ['an incompatible type change', [{ ...FIELDS[0]!, type: 'string' as const }, FIELDS[1]!, FIELDS[2]!]],
    ['a decimal scale change', [FIELDS[0]!, FIELDS[1]!, { ...FIELDS[2]!, type: 'decimal(10, 3)' as const }]],
    ['reusing a live id for another column', [FIELDS[0]!, { id: 2, name: 'x', required: false, type: 'int' as const }]],
  ])('rejects %s', (_, fields) => {
    expect(() => withSchema(table(), fields)).toThrow(expect.objectContaining({ code: 'SCHEMA_MISMATCH' }));
  });

  it('rejects a new id at or below last-column-id', () => {
    const dropped = withSchema(table(), [FIELDS[0]!, FIELDS[1]!]);
    // id 3 was `fare`, a decimal: it cannot come back as a string.
    expect(() => withSchema(dropped, [FIELDS[0]!, FIELDS[1]!, { id: 3, name: 'note', required: false, type: 'string' }])).toThrow(
      expect.objectContaining({ code: 'SCHEMA_MISMATCH' }),
    );
    const fresh = newTableMetadata({ location: '/t', schema: { fields: [FIELDS[0]!, FIELDS[2]!] } });
    expect(() => withSchema(fresh, [FIELDS[0]!, FIELDS[2]!, { id: 2, name: 'zone', required: false, type: 'string' }])).toThrow(
      expect.objectContaining({ code: 'SCHEMA_MISMATCH' }),
    );
  });

  it('rejects required columns added to a table with data', () => {
    const withData: TableMetadata = { ...table(), snapshots: [{ 'snapshot-id': 1, 'sequence-number': 1, 'timestamp-ms': 1, 'manifest-list': '/x', summary: { operation: 'append' } }] };
    expect(() => withSchema(withData, [...FIELDS, { id: 4, name: 'tip', required: true, type: 'double' }])).toThrow(
      expect.objectContaining({ code: 'SCHEMA_MISMATCH' }),
    );
    expect(() => withSchema(withData, [FIELDS[0]!, { ...FIELDS[1]!, required: true }, FIELDS[2]!])).toThrow(
      expect.objectContaining({ code: 'SCHEMA_MISMATCH' }),
    );
  });
});

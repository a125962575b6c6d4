/**
 * Metadata JSON files: naming (`<location>/metadata/<NNNNN>-<uuid>.metadata.json`), writing a
 * new version and reading one back with light validation. Parsed files are cached per FileIO
 * and frozen, since a metadata file never changes once written.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { FloodgateError } from '../../../errors/index.js';
import { DECODED_SIZE_FACTOR, cachesFor } from './cache.js';
import type { FileIO } from './file-io.js';
import { isIcebergPrimitiveType } from './primitive-types.js';
import type { IcebergPrimitiveType, MetadataLogEntry, TableMetadata } from './types.js';

const PREVIOUS_VERSIONS_MAX = 'write.metadata.previous-versions-max';
const DEFAULT_PREVIOUS_VERSIONS_MAX = 100;

const int = z.number().int();

const fieldSchema = z.object({
  id: int.positive(),
  name: z.string(),
  required: z.boolean(),
  type: z.custom<IcebergPrimitiveType>((value) => typeof value === 'string' && isIcebergPrimitiveType(value), {
    message: 'only primitive Iceberg types are supported',
  }),
  doc: z.string().optional(),
});

const metadataSchema = z.looseObject({
  'format-version': z.literal(2),
  'table-uuid': z.string(),
  location: z.string(),
  'last-sequence-number': int.nonnegative(),
  'last-updated-ms': int,
  'last-column-id': int.nonnegative(),
  schemas: z.array(
    z.looseObject({
      type: z.literal('struct'),
      'schema-id': int,
      fields: z.array(fieldSchema),
      'identifier-field-ids': z.array(int).optional(),
    }),
  ),
  'current-schema-id': int,
  'partition-specs': z.array(z.looseObject({ 'spec-id': int, fields: z.array(z.unknown()) })),
  'default-spec-id': int,
  'last-partition-id': int,
  properties: z.record(z.string(), z.string()).default({}),
  'current-snapshot-id': int
    .nullable()
    .optional()
    .transform((id) => (id === undefined || id === -1 ? null : id)),
  snapshots: z
    .array(
      z.looseObject({
        'snapshot-id': int,
        'parent-snapshot-id': int.nullish().transform((id) => id ?? undefined),
        'sequence-number': int.nonnegative(),
        'timestamp-ms': int,
        'manifest-list': z.string(),
        summary: z.looseObject({ operation: z.enum(['append', 'replace', 'overwrite', 'delete']) }).catchall(z.string()),
        'schema-id': int.optional(),
      }),
    )
    .default([]),
  'snapshot-log': z.array(z.object({ 'snapshot-id': int, 'timestamp-ms': int })).default([]),
  'metadata-log': z.array(z.object({ 'metadata-file': z.string(), 'timestamp-ms': int })).default([]),
  'sort-orders': z.array(z.looseObject({ 'order-id': int, fields: z.array(z.unknown()) })),
  'default-sort-order-id': int,
  refs: z
    .record(
      z.string(),
      z.looseObject({
        'snapshot-id': int,
        type: z.enum(['branch', 'tag']),
      }),
    )
    .default({}),
});

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/** Parses and checks a metadata JSON document (format v2, primitive columns only). */
export function parseTableMetadata(text: string, location: string): TableMetadata {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new FloodgateError('INTERNAL', `table metadata ${location} is not JSON`, { cause: error, details: { location } });
  }
  const result = metadataSchema.safeParse(json);
  if (!result.success) {
    throw new FloodgateError('INTERNAL', `table metadata ${location} is not valid Iceberg v2 metadata: ${z.prettifyError(result.error)}`, {
      cause: result.error,
      details: { location },
    });
  }
  const metadata: TableMetadata = result.data;
  const current = metadata['current-snapshot-id'];
  if (current !== null && metadata.refs.main === undefined) {
    metadata.refs = { ...metadata.refs, main: { 'snapshot-id': current, type: 'branch' } };
  }
  return metadata;
}

/** Reads a table version. The result is cached per FileIO and frozen: do not mutate it. */
export async function readTableMetadata(io: FileIO, location: string): Promise<TableMetadata> {
  const cache = cachesFor(io).metadata;
  const cached = cache.get(location) as TableMetadata | undefined;
  if (cached !== undefined) return cached;
  const data = await io.read(location);
  const metadata = deepFreeze(parseTableMetadata(new TextDecoder().decode(data), location));
  cache.set(location, metadata, data.byteLength * DECODED_SIZE_FACTOR.metadata);
  return metadata;
}

const VERSIONED_NAME = /(?:^|\/)v?(\d+)(?:-[^/]*)?\.metadata\.json$/;

/** The version counter in a metadata file name (`00042-<uuid>.metadata.json` or `v42.metadata.json`). */
export function metadataVersion(location: string): number | undefined {
  const match = VERSIONED_NAME.exec(location);
  return match === null ? undefined : Number(match[1]);
}

export function metadataDirectory(metadata: TableMetadata): string {
  return `${metadata.location.replace(/\/+$/, '')}/metadata`;
}

function nextMetadataLocation(metadata: TableMetadata, previousLocation: string | null): string {
  const previous = previousLocation === null ? undefined : (metadataVersion(previousLocation) ?? metadata['metadata-log'].length);
  const version = previous === undefined ? 0 : previous + 1;
  return `${metadataDirectory(metadata)}/${String(version).padStart(5, '0')}-${randomUUID()}.metadata.json`;
}

function previousVersionsMax(metadata: TableMetadata): number {
  const configured = Number(metadata.properties[PREVIOUS_VERSIONS_MAX]);
  return Number.isSafeInteger(configured) && configured >= 1 ? configured : DEFAULT_PREVIOUS_VERSIONS_MAX;
}

/**
 * Writes `metadata` (as built on the version at `previousLocation`, null for a new table) as
 * the next table version: last-updated-ms becomes `now` (never earlier than before) and the
 * previous file goes into metadata-log, which keeps write.metadata.previous-versions-max
 * entries (100 by default). Returns what was written and where.
 */
export async function writeTableMetadata(input: {
  io: FileIO;
  metadata: TableMetadata;
  previousLocation: string | null;
  now?: number;
}): Promise<{ metadata: TableMetadata; metadataLocation: string }> {
  const { io, previousLocation } = input;
  const previousUpdatedMs = input.metadata['last-updated-ms'];
  let metadataLog: MetadataLogEntry[] = input.metadata['metadata-log'];
  if (previousLocation !== null) {
    const entry = { 'metadata-file': previousLocation, 'timestamp-ms': previousUpdatedMs };
    metadataLog = [...metadataLog, entry].slice(-previousVersionsMax(input.metadata));
  }
  const metadata = deepFreeze({
    ...input.metadata,
    'last-updated-ms': Math.max(input.now ?? Date.now(), previousUpdatedMs),
    'metadata-log': metadataLog,
  });
  const metadataLocation = nextMetadataLocation(metadata, previousLocation);
  // Java and older readers expect -1 for "no snapshot"; PyIceberg and DuckDB read -1 and null alike.
  const serialisable = { ...metadata, 'current-snapshot-id': metadata['current-snapshot-id'] ?? -1 };
  const data = new TextEncoder().encode(JSON.stringify(serialisable, null, 2));
  await io.write(metadataLocation, data);
  cachesFor(io).metadata.set(metadataLocation, metadata, data.byteLength * DECODED_SIZE_FACTOR.metadata);
  return { metadata, metadataLocation };
}

/**
 * The Avro schemas of Iceberg v2 manifests and manifest lists, as the spec and PyIceberg
 * write them: every field carries its Iceberg `field-id`, nested records are named
 * `r<field id>`, optional fields are `["null", T]` with a null default, and maps with int keys
 * are arrays of `k<key id>_v<value id>` records marked `logicalType: "map"`.
 */

type AvroSchema = string | readonly unknown[] | Record<string, unknown>;

interface AvroField {
  name: string;
  'field-id': number;
  type: AvroSchema;
  default?: null;
}

function required(id: number, name: string, type: AvroSchema): AvroField {
  return { name, 'field-id': id, type };
}

function optional(id: number, name: string, type: AvroSchema): AvroField {
  return { name, 'field-id': id, type: ['null', type], default: null };
}

function intKeyedMap(keyId: number, valueId: number, valueType: AvroSchema): AvroSchema {
  return {
    type: 'array',
    logicalType: 'map',
    items: {
      type: 'record',
      name: `k${keyId}_v${valueId}`,
      fields: [
        { name: 'key', type: 'int', 'field-id': keyId },
        { name: 'value', type: valueType, 'field-id': valueId },
      ],
    },
  };
}

function list(elementId: number, items: AvroSchema): AvroSchema {
  return { type: 'array', 'element-id': elementId, items };
}

/** `manifest_entry` for an unpartitioned table (the partition struct has no fields). */
export const MANIFEST_ENTRY_SCHEMA = {
  type: 'record',
  name: 'manifest_entry',
  fields: [
    required(0, 'status', 'int'),
    optional(1, 'snapshot_id', 'long'),
    optional(3, 'sequence_number', 'long'),
    optional(4, 'file_sequence_number', 'long'),
    required(2, 'data_file', {
      type: 'record',
      name: 'r2',
      fields: [
        required(134, 'content', 'int'),
        required(100, 'file_path', 'string'),
        required(101, 'file_format', 'string'),
        required(102, 'partition', { type: 'record', name: 'r102', fields: [] }),
        required(103, 'record_count', 'long'),
        required(104, 'file_size_in_bytes', 'long'),
        optional(108, 'column_sizes', intKeyedMap(117, 118, 'long')),
        optional(109, 'value_counts', intKeyedMap(119, 120, 'long')),
        optional(110, 'null_value_counts', intKeyedMap(121, 122, 'long')),
        optional(137, 'nan_value_counts', intKeyedMap(138, 139, 'long')),
        optional(125, 'lower_bounds', intKeyedMap(126, 127, 'bytes')),
        optional(128, 'upper_bounds', intKeyedMap(129, 130, 'bytes')),
        optional(131, 'key_metadata', 'bytes'),
        optional(132, 'split_offsets', list(133, 'long')),
        optional(135, 'equality_ids', list(136, 'int')),
        optional(140, 'sort_order_id', 'int'),
      ],
    }),
  ],
} as const;

/** `manifest_file`, one row of a manifest list. */
export const MANIFEST_FILE_SCHEMA = {
  type: 'record',
  name: 'manifest_file',
  fields: [
    required(500, 'manifest_path', 'string'),
    required(501, 'manifest_length', 'long'),
    required(502, 'partition_spec_id', 'int'),
    required(517, 'content', 'int'),
    required(515, 'sequence_number', 'long'),
    required(516, 'min_sequence_number', 'long'),
    required(503, 'added_snapshot_id', 'long'),
    required(504, 'added_files_count', 'int'),
    required(505, 'existing_files_count', 'int'),
    required(506, 'deleted_files_count', 'int'),
    required(512, 'added_rows_count', 'long'),
    required(513, 'existing_rows_count', 'long'),
    required(514, 'deleted_rows_count', 'long'),
    optional(
      507,
      'partitions',
      list(508, {
        type: 'record',
        name: 'r508',
        fields: [
          required(509, 'contains_null', 'boolean'),
          optional(518, 'contains_nan', 'boolean'),
          optional(510, 'lower_bound', 'bytes'),
          optional(511, 'upper_bound', 'bytes'),
        ],
      }),
    ),
    optional(519, 'key_metadata', 'bytes'),
  ],
} as const;

export interface IntKeyedEntry<V> {
  key: number;
  value: V;
}

export interface ManifestEntryRecord {
  status: number;
  snapshot_id: number | null;
  sequence_number: number | null;
  file_sequence_number: number | null;
  data_file: DataFileRecord;
}

export interface DataFileRecord {
  content: number;
  file_path: string;
  file_format: string;
  partition: Record<string, unknown>;
  record_count: number;
  file_size_in_bytes: number;
  column_sizes: IntKeyedEntry<number>[] | null;
  value_counts: IntKeyedEntry<number>[] | null;
  null_value_counts: IntKeyedEntry<number>[] | null;
  nan_value_counts: IntKeyedEntry<number>[] | null;
  lower_bounds: IntKeyedEntry<Uint8Array>[] | null;
  upper_bounds: IntKeyedEntry<Uint8Array>[] | null;
  key_metadata: Uint8Array | null;
  split_offsets: number[] | null;
  equality_ids: number[] | null;
  sort_order_id: number | null;
}

export interface ManifestFileRecord {
  manifest_path: string;
  manifest_length: number;
  partition_spec_id: number;
  content: number;
  sequence_number: number;
  min_sequence_number: number;
  added_snapshot_id: number;
  added_files_count: number;
  existing_files_count: number;
  deleted_files_count: number;
  added_rows_count: number;
  existing_rows_count: number;
  deleted_rows_count: number;
  partitions: unknown[] | null;
  key_metadata: Uint8Array | null;
}

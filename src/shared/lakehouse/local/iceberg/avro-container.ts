/**
 * Avro object container files in memory: encode a list of records into one Buffer, or
 * decode a Buffer back into records. Records are encoded with avsc; the container framing
 * (header, blocks, sync marker) follows the Avro 1.11 spec, with the raw-deflate codec that
 * PyIceberg, Java Iceberg and DuckDB's avro extension read.
 */
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { FloodgateError } from '../../../errors/index.js';

/** The subset of avsc's `Type` this module uses. */
export interface AvroType {
  toBuffer(value: unknown): Buffer;
  decode(buffer: Buffer, position?: number): { value: unknown; offset: number };
}

interface Avsc {
  Type: { forSchema(schema: unknown): AvroType };
}

const avsc = createRequire(import.meta.url)('avsc') as Avsc;

export function avroType(schema: unknown): AvroType {
  return avsc.Type.forSchema(schema);
}

export type AvroCodec = 'null' | 'deflate';

const MAGIC = Buffer.from([0x4f, 0x62, 0x6a, 0x01]); // "Obj" 1
const SYNC_SIZE = 16;
const RECORDS_PER_BLOCK = 4096;

const HEADER_TYPE = avroType({
  type: 'record',
  name: 'org.apache.avro.file.Header',
  fields: [
    { name: 'magic', type: { type: 'fixed', name: 'Magic', size: 4 } },
    { name: 'meta', type: { type: 'map', values: 'bytes' } },
    { name: 'sync', type: { type: 'fixed', name: 'Sync', size: SYNC_SIZE } },
  ],
});

const LONG_TYPE = avroType('long');

interface Header {
  magic: Buffer;
  meta: Record<string, Buffer>;
  sync: Buffer;
}

export interface AvroContainer {
  /** The writer schema, parsed from `avro.schema`. */
  schema: unknown;
  /** Key-value metadata other than the `avro.*` keys. */
  metadata: Record<string, string>;
  records: unknown[];
}

/**
 * Encodes `records` with `schema` (a JSON Avro schema, written verbatim to the header so
 * custom attributes such as `field-id` survive) into an Avro container file.
 */
export function encodeAvroContainer(input: {
  schema: object;
  records: readonly unknown[];
  metadata: Record<string, string>;
  codec: AvroCodec;
}): Buffer {
  const type = avroType(input.schema);
  const meta: Record<string, Buffer> = {};
  for (const [key, value] of Object.entries(input.metadata)) meta[key] = Buffer.from(value, 'utf8');
  meta['avro.schema'] = Buffer.from(JSON.stringify(input.schema), 'utf8');
  meta['avro.codec'] = Buffer.from(input.codec, 'utf8');
  const sync = randomBytes(SYNC_SIZE);
  const parts: Buffer[] = [HEADER_TYPE.toBuffer({ magic: MAGIC, meta, sync })];
  for (let start = 0; start < input.records.length; start += RECORDS_PER_BLOCK) {
    const chunk = input.records.slice(start, start + RECORDS_PER_BLOCK);
    const raw = Buffer.concat(chunk.map((record) => type.toBuffer(record)));
    const body = input.codec === 'deflate' ? deflateRawSync(raw) : raw;
    parts.push(LONG_TYPE.toBuffer(chunk.length), LONG_TYPE.toBuffer(body.length), body, sync);
  }
  return Buffer.concat(parts);
}

function corrupt(location: string, reason: string, cause?: unknown): FloodgateError {
  return new FloodgateError('INTERNAL', `unreadable Avro file ${location}: ${reason}`, {
    cause,
    details: { location },
  });
}

/** Decodes a whole Avro container file, reading records with their writer schema. */
export function decodeAvroContainer(data: Uint8Array, location: string): AvroContainer {
  const buffer = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (buffer.length < MAGIC.length || !buffer.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw corrupt(location, 'not an Avro container file');
  }
  try {
    const decodedHeader = HEADER_TYPE.decode(buffer, 0);
    if (decodedHeader.offset < 0) throw corrupt(location, 'truncated header');
    const header = decodedHeader.value as Header;
    const schema: unknown = JSON.parse(header.meta['avro.schema']?.toString('utf8') ?? 'null');
    const codec = header.meta['avro.codec']?.toString('utf8') ?? 'null';
    if (codec !== 'null' && codec !== 'deflate') throw corrupt(location, `unsupported codec ${codec}`);
    const type = avroType(schema);
    const metadata: Record<string, string> = {};
    for (const [key, value] of Object.entries(header.meta)) {
      if (!key.startsWith('avro.')) metadata[key] = value.toString('utf8');
    }
    const records: unknown[] = [];
    let position = decodedHeader.offset;
    while (position < buffer.length) {
      const count = LONG_TYPE.decode(buffer, position);
      const size = LONG_TYPE.decode(buffer, count.offset);
      const start = size.offset;
      const end = start + (size.value as number);
      if (count.offset < 0 || size.offset < 0 || end + SYNC_SIZE > buffer.length) throw corrupt(location, 'truncated block');
      if (!buffer.subarray(end, end + SYNC_SIZE).equals(header.sync)) throw corrupt(location, 'bad sync marker');
      const body = codec === 'deflate' ? inflateRawSync(buffer.subarray(start, end)) : buffer.subarray(start, end);
      let offset = 0;
      for (let index = 0; index < (count.value as number); index += 1) {
        const decoded = type.decode(body, offset);
        if (decoded.offset < 0) throw corrupt(location, 'truncated record');
        records.push(decoded.value);
        offset = decoded.offset;
      }
      position = end + SYNC_SIZE;
    }
    return { schema, metadata, records };
  } catch (error) {
    if (error instanceof FloodgateError) throw error;
    throw corrupt(location, error instanceof Error ? error.message : String(error), error);
  }
}

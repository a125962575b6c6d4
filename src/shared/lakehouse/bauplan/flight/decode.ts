import { Field, RecordBatch, RecordBatchReader, Schema, Struct, Table, util } from 'apache-arrow';
import { QueryFailedError } from '../../errors.js';
import { encodeIpcMessages, ipcStream, type IpcMessage } from './ipc.js';

/** What one DoGet stream held: its own schema (null if it sent no messages) and its batches. */
export interface DecodedStream {
  schema: Schema | null;
  batches: RecordBatch[];
}

/**
 * Reads the IPC messages of one DoGet stream (schema, dictionaries, record batches) with
 * apache-arrow. Compressed batches need registerArrowCodecs() first.
 */
export function decodeStream(messages: readonly IpcMessage[]): DecodedStream {
  if (messages.length === 0) return { schema: null, batches: [] };
  try {
    const reader = RecordBatchReader.from(ipcStream(messages));
    reader.open();
    const schema = reader.schema;
    // For a stream with a schema and no batches apache-arrow yields one empty placeholder batch.
    const batches = [...reader].filter((batch) => batch.numRows > 0);
    return { schema, batches };
  } catch (error) {
    throw new QueryFailedError(`cannot decode the query result stream: ${describe(error)}`, error);
  }
}

/**
 * Reads FlightInfo.schema: one encapsulated IPC schema message (optional 0xFFFFFFFF
 * continuation, int32 length, flatbuffer, padding). Empty bytes give null.
 */
export function decodeInfoSchema(bytes: Uint8Array): Schema | null {
  if (bytes.byteLength === 0) return null;
  try {
    const reader = RecordBatchReader.from(ipcStream(encodeIpcMessages(bytes).slice(0, 1)));
    reader.open();
    return reader.schema;
  } catch (error) {
    throw new QueryFailedError(`cannot decode the schema of the query result: ${describe(error)}`, error);
  }
}

/**
 * Joins the streams, in order, into one Table. The first stream's schema is the table's; only
 * when no stream sent one is `fallbackSchema` (the FlightInfo's) asked for. Every stream must have the same field names and types; a field
 * that is nullable in any stream is nullable in the table.
 */
export function combineStreams(fallbackSchema: () => Schema | null, streams: readonly DecodedStream[]): Table {
  const schemas = streams.map((stream) => stream.schema).filter((schema) => schema !== null);
  const first = schemas[0] ?? fallbackSchema();
  if (first === null) throw new QueryFailedError('the query result has no schema');
  for (const schema of schemas) checkSameFields(first, schema);
  const fields = first.fields.map(
    (field, i) =>
      new Field(field.name, field.type, field.nullable || schemas.some((schema) => schema.fields[i]?.nullable === true), field.metadata),
  );
  const schema = new Schema(fields, first.metadata);
  const rowType = new Struct(fields);
  const batches = streams.flatMap((stream) =>
    stream.batches.map((batch) =>
      util.compareSchemas(schema, batch.schema) ? batch : new RecordBatch(schema, batch.data.clone(rowType)),
    ),
  );
  return new Table(schema, batches);
}

function checkSameFields(expected: Schema, actual: Schema): void {
  const names = (schema: Schema): string => schema.fields.map((field) => field.name).join(', ');
  if (names(expected) !== names(actual)) {
    throw new QueryFailedError(`the query result streams disagree on their columns: [${names(expected)}] and [${names(actual)}]`);
  }
  expected.fields.forEach((field, i) => {
    const other = actual.fields[i];
    if (other !== undefined && !util.compareTypes(field.type, other.type)) {
      throw new QueryFailedError(`the query result streams disagree on the type of ${field.name}: ${String(field.type)} and ${String(other.type)}`);
    }
  });
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

import { Message } from 'apache-arrow';

/**
 * Arrow IPC framing. An IPC stream is a sequence of encapsulated messages:
 *
 *   0xFFFFFFFF | int32 LE metadata length (padded to 8) | Message flatbuffer + padding | body
 *
 * ended by 0xFFFFFFFF 0x00000000. Flight carries the same messages unframed: FlightData's
 * `data_header` is the flatbuffer and `data_body` the body. Streams written before Arrow 0.15
 * have no 0xFFFFFFFF continuation marker; both forms are read here.
 */

/** One IPC message: the Message flatbuffer and its body. */
export interface IpcMessage {
  header: Uint8Array;
  body: Uint8Array;
}

const CONTINUATION = 0xffffffff;

/** The end-of-stream marker: a continuation and a zero metadata length. */
export const IPC_END_OF_STREAM: Uint8Array = Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0);

/**
 * Splits an IPC stream (e.g. from `tableToIPC(table, 'stream')` or a RecordBatchStreamWriter)
 * into its messages: schema, dictionary batches and record batches, in order. Reading stops at
 * the end-of-stream marker, which is not returned. The returned arrays are views into `bytes`.
 * A header keeps the padding its frame gave it, which flatbuffer readers ignore.
 */
export function encodeIpcMessages(bytes: Uint8Array): IpcMessage[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const messages: IpcMessage[] = [];
  let offset = 0;
  const need = (count: number, what: string): void => {
    if (offset + count > bytes.byteLength) {
      throw new Error(`truncated IPC stream: ${what} at byte ${offset} needs ${count} bytes, ${bytes.byteLength - offset} left`);
    }
  };
  while (offset < bytes.byteLength) {
    need(4, 'message length');
    let length = view.getUint32(offset, true);
    offset += 4;
    if (length === CONTINUATION) {
      need(4, 'message length');
      length = view.getUint32(offset, true);
      offset += 4;
    }
    if (length === 0) break;
    need(length, 'message header');
    const header = bytes.subarray(offset, offset + length);
    offset += length;
    const bodyLength = messageBodyLength(header);
    need(bodyLength, 'message body');
    messages.push({ header, body: bytes.subarray(offset, offset + bodyLength) });
    offset += bodyLength;
  }
  return messages;
}

/**
 * Frames one message as it appears in an IPC stream: continuation, padded length, header,
 * padding, body. The body is cut or zero-padded to the length the header declares, so a
 * sender that trims trailing padding still yields a readable stream.
 */
export function frameIpcMessage(header: Uint8Array, body: Uint8Array): Uint8Array {
  const paddedHeader = align8(header.byteLength);
  const bodyLength = messageBodyLength(header);
  const out = new Uint8Array(8 + paddedHeader + bodyLength);
  const view = new DataView(out.buffer);
  view.setUint32(0, CONTINUATION, true);
  view.setInt32(4, paddedHeader, true);
  out.set(header, 8);
  out.set(body.byteLength > bodyLength ? body.subarray(0, bodyLength) : body, 8 + paddedHeader);
  return out;
}

/**
 * Frames messages into a complete IPC stream, end-of-stream marker included, that
 * apache-arrow's RecordBatchReader (or tableFromIPC) can read.
 */
export function ipcStream(messages: readonly IpcMessage[]): Uint8Array {
  const frames = messages.map(({ header, body }) => frameIpcMessage(header, body));
  const total = frames.reduce((sum, frame) => sum + frame.byteLength, IPC_END_OF_STREAM.byteLength);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const frame of frames) {
    out.set(frame, offset);
    offset += frame.byteLength;
  }
  out.set(IPC_END_OF_STREAM, offset);
  return out;
}

function messageBodyLength(header: Uint8Array): number {
  const length = Message.decode(header).bodyLength;
  if (!Number.isSafeInteger(length) || length < 0) throw new Error(`IPC message declares an invalid body length ${length}`);
  return length;
}

function align8(length: number): number {
  return (length + 7) & ~7;
}

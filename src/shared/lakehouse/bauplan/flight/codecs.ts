import { CompressionType, compressionRegistry } from 'apache-arrow';
import { decompress as zstdDecompress } from 'fzstd';
import { decompress as lz4Decompress } from 'lz4js';

/**
 * Teaches apache-arrow to read compressed record and dictionary batches (LZ4_FRAME and ZSTD),
 * as pyarrow writes them with `IpcWriteOptions(compression=...)`.
 *
 * In a compressed batch every body buffer starts with an int64 uncompressed length (-1 when
 * the writer left that buffer uncompressed). apache-arrow's reader strips that prefix itself
 * and only calls `decode` on the compressed bytes that follow, so the codecs here take one
 * whole LZ4 frame or zstd frame and nothing else. Only decoders are registered: Floodgate
 * never writes compressed IPC.
 */
let registered = false;

/** Registers the decoders once per process; later calls do nothing. */
export function registerArrowCodecs(): void {
  if (registered) return;
  compressionRegistry.set(CompressionType.LZ4_FRAME, { decode: decodeLz4Frame });
  compressionRegistry.set(CompressionType.ZSTD, { decode: (bytes) => aligned(zstdDecompress(bytes)) });
  registered = true;
}

function decodeLz4Frame(bytes: Uint8Array): Uint8Array {
  const out = lz4Decompress(bytes);
  // lz4js falls back to a plain Array when typed arrays are missing; Node always has them.
  return aligned(out instanceof Uint8Array ? out : Uint8Array.from(out));
}

/**
 * apache-arrow views each decoded buffer as its column's typed array (BigInt64Array for
 * int64), which needs the view to start on a multiple of 8. fzstd may return a view into a
 * larger buffer at any offset, so such a result is copied.
 */
function aligned(bytes: Uint8Array): Uint8Array {
  return bytes.byteOffset % 8 === 0 ? bytes : bytes.slice();
}

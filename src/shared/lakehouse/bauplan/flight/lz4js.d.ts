/**
 * Types for the part of lz4js (0.2, plain CommonJS, no bundled types) that Floodgate uses.
 * Its `exports.name = function` assignments are visible to Node's CommonJS named-export
 * detection, so `import { decompress } from 'lz4js'` works from ESM.
 */
declare module 'lz4js' {
  /**
   * Decompresses one LZ4 frame. Without `maxSize` the output size is read from the frame's
   * content-size field or bounded by its block sizes.
   */
  export function decompress(src: Uint8Array, maxSize?: number): Uint8Array;
  /** Compresses `src` into one LZ4 frame. */
  export function compress(src: Uint8Array, maxSize?: number): Uint8Array;
}

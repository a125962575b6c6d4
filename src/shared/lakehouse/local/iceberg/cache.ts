import type { FileIO } from './file-io.js';

/**
 * A least-recently-used map bounded by total weight (for files: their size in bytes).
 * Entries heavier than the whole budget are not kept.
 */
export class BoundedCache<V> {
  readonly #entries = new Map<string, { value: V; weight: number }>();
  readonly #maxWeight: number;
  #weight = 0;

  constructor(maxWeight: number) {
    this.#maxWeight = maxWeight;
  }

  get(key: string): V | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    return entry.value;
  }

  set(key: string, value: V, weight: number): void {
    const previous = this.#entries.get(key);
    if (previous !== undefined) {
      this.#entries.delete(key);
      this.#weight -= previous.weight;
    }
    if (weight > this.#maxWeight) return;
    this.#entries.set(key, { value, weight });
    this.#weight += weight;
    for (const [oldest, entry] of this.#entries) {
      if (this.#weight <= this.#maxWeight) break;
      this.#entries.delete(oldest);
      this.#weight -= entry.weight;
    }
  }

  get size(): number {
    return this.#entries.size;
  }
}

const MIB = 1024 * 1024;

/** Rough in-memory size of a decoded file, as a multiple of its size on disk. */
export const DECODED_SIZE_FACTOR = { metadata: 3, avro: 10 } as const;

export interface IcebergCaches {
  /** Parsed metadata JSON by location; weight about 3x the JSON size. */
  metadata: BoundedCache<unknown>;
  /** Decoded manifest lists and manifests by location; weight about 10x the deflated Avro size. */
  avro: BoundedCache<unknown>;
}

const cachesByIO = new WeakMap<FileIO, IcebergCaches>();

/**
 * Caches of immutable Iceberg files, one set per FileIO (the same location may name different
 * files behind different FileIOs); they go away with the FileIO.
 */
export function cachesFor(io: FileIO): IcebergCaches {
  let caches = cachesByIO.get(io);
  if (caches === undefined) {
    caches = { metadata: new BoundedCache(32 * MIB), avro: new BoundedCache(64 * MIB) };
    cachesByIO.set(io, caches);
  }
  return caches;
}

import type { SourceFormat } from '../lakehouse/lakehouse.js';

/** One file of a resolved source, readable by DuckDB at `localPath`. */
export interface SourceFile {
  /** The file as the user named it (`/data/a.parquet`, `s3://bucket/a.parquet`). */
  readonly uri: string;
  readonly localPath: string;
  readonly size: number;
  /** mtime (local) or ETag (S3): with uri and size, the file's fingerprint. */
  readonly version: string;
}

export interface ResolvedSource {
  readonly files: readonly SourceFile[];
  readonly format: SourceFormat;
  /** Removes anything staged for this source (downloaded S3 objects). */
  cleanup(): Promise<void>;
}

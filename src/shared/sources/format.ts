import type { SourceFormat } from '../lakehouse/lakehouse.js';
import { InvalidInputError } from '../lakehouse/errors.js';

const BY_EXTENSION: ReadonlyArray<readonly [RegExp, SourceFormat]> = [
  [/\.(parquet|pq)$/i, 'parquet'],
  [/\.(csv|tsv)(\.gz|\.zst)?$/i, 'csv'],
  [/\.(jsonl|ndjson|json)(\.gz|\.zst)?$/i, 'jsonl'],
];

export function formatOf(file: string): SourceFormat | undefined {
  return BY_EXTENSION.find(([pattern]) => pattern.test(file))?.[1];
}

/** The one format of a listing: given, or inferred from the extensions, which must agree. */
export function inferFormat(source: string, files: readonly string[], given?: SourceFormat): SourceFormat {
  if (given !== undefined) return given;
  const formats = new Set(files.map((file) => formatOf(file)));
  if (formats.has(undefined)) {
    const unknown = files.find((file) => formatOf(file) === undefined);
    throw new InvalidInputError(
      `cannot tell the format of ${unknown ?? source}: use .parquet, .csv or .jsonl, or pass a format`,
      { source },
    );
  }
  if (formats.size > 1) {
    throw new InvalidInputError(`source ${source} mixes formats (${[...formats].join(', ')}): import them separately`, {
      source,
    });
  }
  return [...formats][0] as SourceFormat;
}

export function hasGlob(pattern: string): boolean {
  return /[*?[\]{}]/.test(pattern);
}

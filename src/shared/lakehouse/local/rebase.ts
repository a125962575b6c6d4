import { readTableMetadata, rebaseVersion, type FileIO } from './iceberg/index.js';
import { DivergedTablesError, type Catalog, type CatalogMergeInput, type CatalogMergeResult, type DivergedTable, type ResolvedTable } from './catalog/index.js';

/**
 * New versions for tables both sides of a merge changed, where the branch merged into only
 * compacted or expired them (see rebaseVersion): the source's writes on top of its version.
 * Undefined when any of them cannot be rebased, so the merge stays a conflict.
 */
export async function rebaseDiverged(io: FileIO, diverged: readonly DivergedTable[]): Promise<ResolvedTable[] | undefined> {
  const resolved: ResolvedTable[] = [];
  for (const { table, base, ours, theirs } of diverged) {
    if (base === undefined || ours === undefined || theirs === undefined) return undefined;
    // The base's version may be gone when history older than the branch was expired with the
    // branch's fork point unprotected (before the orphan sweep kept fork points): then nothing
    // shows what the branch changed, and the conflict stands.
    const baseVersion = await readTableMetadata(io, base).catch(() => undefined);
    if (baseVersion === undefined) return undefined;
    const [target, source] = await Promise.all([ours, theirs].map((location) => readTableMetadata(io, location)));
    const next = await rebaseVersion({ io, base: baseVersion, target: target!, targetLocation: ours, source: source! });
    if (next === undefined) return undefined;
    resolved.push({ table, ours, theirs, metadataLocation: next.metadataLocation });
  }
  return resolved;
}

const MERGE_ATTEMPTS = 4;

/**
 * A catalog merge that, when both sides changed a table, rebases the source's writes onto
 * tables the other side only compacted or expired, and merges again with those versions
 * (recorded in the commit's `floodgate.rebased-tables`). Any other conflict stands.
 */
export async function mergeRebasing(catalog: Catalog, io: FileIO, input: CatalogMergeInput): Promise<CatalogMergeResult & { rebased: string[] }> {
  let resolved: ResolvedTable[] = [];
  for (let attempt = 1; ; attempt++) {
    try {
      if (resolved.length === 0) return { ...(await catalog.merge(input)), rebased: [] };
      const rebased = resolved.map((entry) => entry.table).sort();
      const properties = { ...input.properties, 'floodgate.rebased-tables': rebased.join(',') };
      return { ...(await catalog.merge({ ...input, resolved, properties })), rebased };
    } catch (error) {
      if (!(error instanceof DivergedTablesError) || attempt >= MERGE_ATTEMPTS) throw error;
      const next = await rebaseDiverged(io, error.diverged);
      if (next === undefined) throw error;
      resolved = [...resolved.filter((entry) => !next.some((fresh) => fresh.table === entry.table)), ...next];
    }
  }
}

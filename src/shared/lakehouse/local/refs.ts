import type { Catalog, CommitRecord, RefKind, RefRecord } from './catalog/index.js';
import { RefNotFoundError } from '../errors.js';
import { parseRefSpec } from '../names.js';
import type { CommitInfo, RefInfo } from '../lakehouse.js';

export interface ResolvedRef {
  /** The spec as given, for messages. */
  readonly label: string;
  readonly commit: CommitRecord;
  readonly ref?: RefRecord;
}

/** Resolves `name`, `name@commit` or `@commit` to a commit. */
export async function resolveRef(catalog: Catalog, spec: string): Promise<ResolvedRef> {
  const parsed = parseRefSpec(spec);
  const ref = parsed.name === undefined ? undefined : await catalog.getRef(parsed.name);
  if (parsed.name !== undefined && ref === undefined) throw new RefNotFoundError(parsed.name);
  const commit = await catalog.getCommit(parsed.commit ?? (ref as RefRecord).commitId);
  if (commit === undefined) throw new RefNotFoundError(spec);
  return { label: spec, commit, ...(ref === undefined ? {} : { ref }) };
}

export async function requireRef(catalog: Catalog, name: string, kind: RefKind): Promise<RefRecord> {
  const ref = await catalog.getRef(name, kind);
  if (ref === undefined) throw new RefNotFoundError(name);
  return ref;
}

export function toRefInfo(ref: RefRecord): RefInfo {
  return { name: ref.name, kind: ref.kind, commit: ref.commitId };
}

export function toCommitInfo(commit: CommitRecord): CommitInfo {
  return {
    id: commit.id,
    parents: commit.parents,
    message: commit.message,
    author: commit.author,
    createdAt: commit.createdAt,
    properties: commit.properties,
  };
}

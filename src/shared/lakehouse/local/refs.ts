import type { Catalog, CommitRecord, RefKind, RefRecord } from './catalog/index.js';
import { FloodgateError } from '../../errors/index.js';
import { HistoryExpiredError, RefNotFoundError } from '../errors.js';
import { parseRefSpec } from '../names.js';
import type { CommitInfo, RefInfo } from '../lakehouse.js';

export interface ResolvedRef {
  /** The spec as given, for messages. */
  readonly label: string;
  readonly commit: CommitRecord;
  readonly ref?: RefRecord;
}

/**
 * Resolves `name`, `name@commit` or `@commit` to a commit. A pinned commit older than the
 * expiry mark that no ref points at is refused with HistoryExpiredError when its tables are to
 * be read (its files may be gone); `readsTables: false` (log, getRef) still resolves it.
 */
export async function resolveRef(catalog: Catalog, spec: string, options: { readsTables?: boolean } = {}): Promise<ResolvedRef> {
  const parsed = parseRefSpec(spec);
  const ref = parsed.name === undefined ? undefined : await catalog.getRef(parsed.name);
  if (parsed.name !== undefined && ref === undefined) throw new RefNotFoundError(parsed.name);
  const commit = await catalog.getCommit(parsed.commit ?? (ref as RefRecord).commitId);
  if (commit === undefined) throw new RefNotFoundError(spec);
  if (parsed.commit !== undefined && options.readsTables !== false && commit.id !== ref?.commitId) {
    const expiredBefore = await catalog.expiredBefore();
    if (expiredBefore !== undefined && commit.createdAt < expiredBefore && !(await catalog.isRefHead(commit.id))) {
      throw new HistoryExpiredError(spec, commit.createdAt, expiredBefore);
    }
  }
  // `name@commit` names a commit of that ref's history; another one would read, branch from or
  // merge something the name does not hold.
  if (ref !== undefined && parsed.commit !== undefined && commit.id !== ref.commitId) {
    const head = await catalog.getCommit(ref.commitId);
    if (head === undefined || !(await catalog.isAncestor(commit, head))) {
      throw new FloodgateError('REF_NOT_FOUND', `commit ${commit.id.slice(0, 12)} is not in the history of ${ref.kind} ${JSON.stringify(ref.name)} (use @${commit.id.slice(0, 12)} to read it without a name)`, {
        details: { ref: spec },
      });
    }
  }
  return { label: spec, commit, ...(ref === undefined ? {} : { ref }) };
}

export async function requireRef(catalog: Catalog, name: string, kind: RefKind): Promise<RefRecord> {
  const ref = await catalog.getRef(name, kind);
  if (ref !== undefined) return ref;
  // A tag where a branch is needed (a merge into it, a compaction on it) is not a missing ref.
  const other = await catalog.getRef(name);
  if (other !== undefined) {
    throw new FloodgateError('REF_PROTECTED', `${JSON.stringify(name)} is a ${other.kind}, not a ${kind}${other.kind === 'tag' ? ': a tag never moves, so nothing can be committed to it' : ''}`, {
      details: { ref: name, kind: other.kind },
    });
  }
  throw new RefNotFoundError(name);
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

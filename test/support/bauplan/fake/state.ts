import type { LakehouseConfig } from '../../../../src/shared/config/index.js';
import type { ColumnInfo, Lakehouse } from '../../../../src/shared/lakehouse/lakehouse.js';
import type { ObjectStore } from '../../../../src/shared/sources/index.js';

/** Bauplan puts tables without a namespace into this one. */
export const DEFAULT_NAMESPACE = 'bauplan';

/** Branches the fake makes for itself (schema inference, checked imports); hidden from listings. */
export const SCRATCH_PREFIX = 'fake-scratch/';

/**
 * A table an applied plan created but no import has filled yet. The local lakehouse cannot
 * hold an empty table, so the fake keeps it here until the first import.
 */
export interface PendingTable {
  readonly fields: readonly ColumnInfo[];
  /** The plan replaced a table that exists on the branch: the first import replaces its data. */
  readonly replace: boolean;
  readonly createdAtMs: number;
}

/** What the REST routes and the jobs share. */
export interface FakeContext {
  readonly lakehouse: Lakehouse;
  readonly config: LakehouseConfig;
  readonly username: string;
  readonly apiKey: string;
  readonly pageSize: number;
  /** An admin's key may write to `main`; others only to their own `<username>.` branches. */
  readonly admin: boolean;
  /** A local folder the backing store may import from. */
  readonly inbox: string;
  /** The S3 API the sources live in (moto in tests). */
  readonly objectStore: ObjectStore;
  /** branch → `namespace.table` → pending table */
  readonly pending: Map<string, Map<string, PendingTable>>;
  /** branch → namespaces created with POST /branches/{b}/namespaces */
  readonly namespaces: Map<string, Set<string>>;
}

/** Bauplan's `{"type": "BRANCH"|"TAG"|"DETACHED", "name"?, "hash"}`. */
export type CatalogRef =
  | { readonly type: 'BRANCH' | 'TAG'; readonly name: string; readonly hash: string }
  | { readonly type: 'DETACHED'; readonly hash: string };

/** Resolves a ref spec (`name`, `name@hash`, `@hash`) to Bauplan's ref shape. */
export async function catalogRefOf(lakehouse: Lakehouse, spec: string): Promise<CatalogRef> {
  const info = await lakehouse.getRef(spec);
  if (spec.startsWith('@')) return { type: 'DETACHED', hash: info.commit };
  return { type: info.kind === 'tag' ? 'TAG' : 'BRANCH', name: info.name, hash: info.commit };
}

/** The branch with this exact name, or undefined (a tag of that name is not a branch). */
export async function findBranch(lakehouse: Lakehouse, name: string): Promise<{ name: string; hash: string } | undefined> {
  if (name.includes('@')) return undefined;
  const found = (await lakehouse.listBranches({ prefix: name })).find((ref) => ref.name === name);
  return found === undefined ? undefined : { name: found.name, hash: found.commit };
}

export async function findTag(lakehouse: Lakehouse, name: string): Promise<{ name: string; hash: string } | undefined> {
  if (name.includes('@')) return undefined;
  const found = (await lakehouse.listTags({ prefix: name })).find((ref) => ref.name === name);
  return found === undefined ? undefined : { name: found.name, hash: found.commit };
}

/** Every user may write to their own `<username>.` branches; only an admin to the protected `main`. */
export function canWrite(context: FakeContext, branch: string): boolean {
  return (branch === 'main' && context.admin) || branch.startsWith(`${context.username}.`);
}

/** Pending tables visible at a ref spec: only at a branch's head, never at a pinned commit. */
export function pendingAt(context: FakeContext, spec: string): ReadonlyMap<string, PendingTable> {
  if (spec.includes('@')) return new Map();
  return context.pending.get(spec) ?? new Map();
}

export function setPending(context: FakeContext, branch: string, table: string, pending: PendingTable | undefined): void {
  const tables = context.pending.get(branch) ?? new Map<string, PendingTable>();
  if (pending === undefined) tables.delete(table);
  else tables.set(table, pending);
  if (tables.size === 0) context.pending.delete(branch);
  else context.pending.set(branch, tables);
}

/** Splits `ns.table` or a bare name (with an optional namespace) into Bauplan's parts. */
export function tableParts(name: string, namespace: string | undefined | null): { namespace: string; name: string; qualified: string } {
  if (namespace !== undefined && namespace !== null && namespace !== '') {
    return { namespace, name, qualified: `${namespace}.${name}` };
  }
  const dot = name.lastIndexOf('.');
  if (dot < 0) return { namespace: DEFAULT_NAMESPACE, name, qualified: `${DEFAULT_NAMESPACE}.${name}` };
  return { namespace: name.slice(0, dot), name: name.slice(dot + 1), qualified: name };
}

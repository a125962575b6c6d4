import { InvalidInputError, RefExistsError, RefNotFoundError, RefProtectedError } from '../../errors.js';
import { commitToBranch } from './commit.js';
import { ancestors, isAncestor } from './history.js';
import { mergeInto } from './merge.js';
import { isRefHead, raiseExpiredBefore, readExpiredBefore, retainedVersions } from './retention.js';
import { MIRRORED_BRANCH } from './mirror.js';
import { commitIdsWithPrefix, listRefRows, loadCommit, pointerMap, pointersOf, readRef, toPointers } from './rows.js';
import type { SqlPort } from './sql.js';
import type {
  Catalog,
  CatalogMergeInput,
  CatalogMergeResult,
  CommitRecord,
  CommitToBranchInput,
  RefKind,
  RefRecord,
  TablePointer,
} from './types.js';

const FULL_ID_LENGTH = 32;
const MIN_PREFIX_LENGTH = 8;
const HEX = /^[0-9a-f]+$/;

/** The catalog over a SQL port; every ref move runs in one transaction of that port. */
export class SqlRefCatalog implements Catalog {
  readonly #port: SqlPort;
  readonly #catalogName: string;

  constructor(port: SqlPort, catalogName: string) {
    this.#port = port;
    this.#catalogName = catalogName;
  }

  async getRef(name: string, kind?: RefKind): Promise<RefRecord | undefined> {
    const ref = await readRef(this.#port, name);
    return ref === undefined || (kind !== undefined && ref.kind !== kind) ? undefined : ref;
  }

  async listRefs(options: { kind?: RefKind; prefix?: string } = {}): Promise<RefRecord[]> {
    return listRefRows(this.#port, options.kind, options.prefix);
  }

  async getCommit(idOrPrefix: string): Promise<CommitRecord | undefined> {
    const wanted = idOrPrefix.toLowerCase();
    if (!HEX.test(wanted) || wanted.length > FULL_ID_LENGTH) return undefined;
    if (wanted.length === FULL_ID_LENGTH) return loadCommit(this.#port, wanted);
    if (wanted.length < MIN_PREFIX_LENGTH) {
      throw new InvalidInputError(`a commit prefix needs at least ${MIN_PREFIX_LENGTH} characters`, { commit: idOrPrefix });
    }
    const ids = await commitIdsWithPrefix(this.#port, wanted, 2);
    if (ids.length > 1) {
      throw new InvalidInputError(`commit prefix ${wanted} is ambiguous`, { commit: idOrPrefix, matches: ids });
    }
    return ids[0] === undefined ? undefined : loadCommit(this.#port, ids[0]);
  }

  async log(commitId: string, limit: number): Promise<CommitRecord[]> {
    if (limit <= 0) return [];
    const start = await loadCommit(this.#port, commitId);
    if (start === undefined) throw new RefNotFoundError(commitId);
    return ancestors(this.#port, start, limit);
  }

  async tablesAt(commitId: string): Promise<TablePointer[]> {
    return toPointers(await pointerMap(this.#port, commitId));
  }

  async tableAt(commitId: string, table: string): Promise<TablePointer | undefined> {
    const metadataLocation = (await pointersOf(this.#port, commitId, [table])).get(table);
    return metadataLocation === undefined ? undefined : { table, metadataLocation };
  }

  async createRef(name: string, kind: RefKind, commitId: string): Promise<RefRecord> {
    return this.#port.transaction(async (tx) => {
      if ((await loadCommit(tx, commitId)) === undefined) throw new RefNotFoundError(commitId);
      const inserted = await tx.run(
        'INSERT INTO fg_refs (name, kind, commit_id) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING',
        [name, kind, commitId],
      );
      if (inserted !== 1) throw new RefExistsError(name);
      return { name, kind, commitId };
    });
  }

  async deleteRef(name: string, kind: RefKind, options: { ifExists?: boolean } = {}): Promise<boolean> {
    if (name === MIRRORED_BRANCH && kind === 'branch') throw new RefProtectedError(name, 'delete');
    const deleted = await this.#port.transaction(async (tx) =>
      tx.run('DELETE FROM fg_refs WHERE name = ? AND kind = ?', [name, kind]),
    );
    if (deleted > 0) return true;
    if (options.ifExists === true) return false;
    throw new RefNotFoundError(name);
  }

  async commitToBranch(input: CommitToBranchInput): Promise<CommitRecord> {
    return this.#port.transaction(async (tx) => commitToBranch(tx, this.#catalogName, input));
  }

  async merge(input: CatalogMergeInput): Promise<CatalogMergeResult> {
    return this.#port.transaction(async (tx) => mergeInto(tx, this.#catalogName, input));
  }

  async retainedVersions(cutoff: string): Promise<{ commits: number; metadataLocations: string[] }> {
    // One transaction, so the commits and their pointers are one consistent view.
    return this.#port.transaction(async (tx) => retainedVersions(tx, cutoff));
  }

  async expiredBefore(): Promise<string | undefined> {
    return readExpiredBefore(this.#port);
  }

  async markExpiredBefore(cutoff: string): Promise<void> {
    await raiseExpiredBefore(this.#port, cutoff);
  }

  /** Whether `ancestor` is `descendant` or one of its ancestors. */
  async isAncestor(ancestor: CommitRecord, descendant: CommitRecord): Promise<boolean> {
    return isAncestor(this.#port, ancestor, descendant);
  }

  async isRefHead(commitId: string): Promise<boolean> {
    return isRefHead(this.#port, commitId);
  }

  async close(): Promise<void> {
    await this.#port.close();
  }
}

import { FloodgateError } from '../errors/index.js';

/** Errors every Lakehouse backend raises. Each maps to one code in docs/errors.md. */

export class InvalidInputError extends FloodgateError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('INVALID_INPUT', message, { details });
  }
}

export class InvalidNameError extends FloodgateError {
  constructor(kind: string, name: string, rule: string) {
    super('INVALID_NAME', `invalid ${kind} name ${JSON.stringify(name)}: ${rule}`, { details: { kind, value: name } });
  }
}

export class RefNotFoundError extends FloodgateError {
  constructor(ref: string) {
    super('REF_NOT_FOUND', `ref ${JSON.stringify(ref)} does not exist`, { details: { ref } });
  }
}

/** A pinned ref names a commit whose files were removed with the history older than the retention window. */
export class HistoryExpiredError extends FloodgateError {
  constructor(ref: string, createdAt: string, expiredBefore: string) {
    super('HISTORY_EXPIRED', `${ref} was made at ${createdAt}, before ${expiredBefore}: history that old has expired and its files are gone (tag a commit to keep it)`, {
      details: { ref, createdAt, expiredBefore },
    });
  }
}

export class TableNotFoundError extends FloodgateError {
  constructor(table: string, ref: string) {
    super('TABLE_NOT_FOUND', `table ${table} does not exist at ${ref}`, { details: { table, ref } });
  }
}

export class RefExistsError extends FloodgateError {
  constructor(ref: string) {
    super('REF_EXISTS', `ref ${JSON.stringify(ref)} already exists`, { details: { ref } });
  }
}

export class RefProtectedError extends FloodgateError {
  constructor(ref: string, action: string) {
    super('REF_PROTECTED', `cannot ${action} ${JSON.stringify(ref)}: it is protected`, { details: { ref, action } });
  }
}

/** The target ref is not at the commit the caller expected (compare-and-swap lost). */
export class RefChangedError extends FloodgateError {
  constructor(ref: string, expected: string, actual: string) {
    super('REF_CHANGED', `ref ${ref} is at ${actual}, not at the expected ${expected}`, {
      details: { ref, expected, actual },
    });
  }
}

/** A table moved under a writer between its read and its commit; the writer may redo its commit. */
export class TableChangedError extends FloodgateError {
  constructor(table: string, ref: string) {
    super('TABLE_CHANGED', `table ${table} changed on ${ref} while it was being written`, {
      retryable: true,
      details: { table, ref },
    });
  }
}

export class MergeConflictError extends FloodgateError {
  readonly tables: readonly string[];
  constructor(source: string, into: string, tables: readonly string[]) {
    const what = tables.length === 0 ? 'both changed the same data' : `both changed ${tables.join(', ')}`;
    super('MERGE_CONFLICT', `cannot merge ${source} into ${into}: ${what}`, {
      details: { source, into, tables },
    });
    this.tables = tables;
  }
}

export class SchemaMismatchError extends FloodgateError {
  readonly columns: readonly string[];
  constructor(table: string, columns: readonly string[], reason: string) {
    super('SCHEMA_MISMATCH', `schema of the source does not match ${table} (${reason}): ${columns.join(', ')}`, {
      details: { table, columns, reason },
    });
    this.columns = columns;
  }
}

export class SourceNotAllowedError extends FloodgateError {
  constructor(source: string, reason: string) {
    super('SOURCE_NOT_ALLOWED', `source ${JSON.stringify(source)} is not allowed: ${reason}`, { details: { source } });
  }
}

export class SourceNotFoundError extends FloodgateError {
  constructor(source: string) {
    super('SOURCE_NOT_FOUND', `source ${JSON.stringify(source)} matched no files`, { details: { source } });
  }
}

/** The files a source names now are not the ones fingerprinted when the run was enqueued. */
export class SourceChangedError extends FloodgateError {
  constructor(source: string, changes: { added: readonly string[]; missing: readonly string[]; changed: readonly string[] }) {
    const parts = [
      ...(changes.added.length > 0 ? [`${changes.added.length} file(s) added (${changes.added.slice(0, 3).join(', ')}${changes.added.length > 3 ? ', ...' : ''})`] : []),
      ...(changes.changed.length > 0 ? [`${changes.changed.length} changed (${changes.changed.slice(0, 3).join(', ')}${changes.changed.length > 3 ? ', ...' : ''})`] : []),
      ...(changes.missing.length > 0 ? [`${changes.missing.length} gone (${changes.missing.slice(0, 3).join(', ')}${changes.missing.length > 3 ? ', ...' : ''})`] : []),
    ];
    super('SOURCE_CHANGED', `source ${JSON.stringify(source)} changed since the run was enqueued: ${parts.join('; ')}; enqueue it again to load what is there now`, {
      details: { source, ...changes },
    });
  }
}

export class SourceUnreadableError extends FloodgateError {
  constructor(source: string, reason: string, cause?: unknown) {
    super('SOURCE_UNREADABLE', `cannot read source ${JSON.stringify(source)}: ${reason}`, { cause, details: { source } });
  }
}

export class UnsupportedTypeError extends FloodgateError {
  constructor(column: string, type: string) {
    super('UNSUPPORTED_TYPE', `column ${column} has type ${type}, which Floodgate cannot store yet`, {
      details: { column, type },
    });
  }
}

export class QueryNotAllowedError extends FloodgateError {
  constructor(reason: string) {
    super('QUERY_NOT_ALLOWED', `query refused: ${reason}`);
  }
}

export class QueryFailedError extends FloodgateError {
  constructor(message: string, cause?: unknown) {
    super('QUERY_FAILED', message, { cause });
  }
}

export class CatalogBusyError extends FloodgateError {
  constructor(message: string, cause?: unknown) {
    super('CATALOG_BUSY', message, { retryable: true, cause });
  }
}

export class CatalogUnavailableError extends FloodgateError {
  constructor(message: string, cause?: unknown) {
    super('CATALOG_UNAVAILABLE', message, { retryable: true, cause });
  }
}

export class StorageUnavailableError extends FloodgateError {
  constructor(message: string, cause?: unknown) {
    super('STORAGE_UNAVAILABLE', message, { retryable: true, cause });
  }
}

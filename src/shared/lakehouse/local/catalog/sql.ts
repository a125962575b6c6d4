/**
 * The tiny SQL port the catalog runs on. Statements are written once with `?` placeholders;
 * each implementation binds the parameters its own way. Values are always bound, never spliced.
 */

export type SqlValue = string | number | null;
export type SqlParams = readonly SqlValue[];

export interface SqlDialect {
  readonly name: 'sqlite' | 'postgres';
  /** Appended to a SELECT that must lock the rows it reads until the transaction ends. */
  readonly forUpdate: string;
  /** Appended to key columns so they sort and compare byte-wise on every dialect. */
  readonly keyCollation: string;
}

export interface SqlExecutor {
  readonly dialect: SqlDialect;
  query<T>(sql: string, params?: SqlParams): Promise<T[]>;
  /** Runs a statement and returns how many rows it changed. */
  run(sql: string, params?: SqlParams): Promise<number>;
}

export interface SqlPort extends SqlExecutor {
  /**
   * Runs `fn` in one write transaction. `fn` may run more than once when the database asks
   * for a retry (serialization failure, deadlock), so it must not have effects outside SQL.
   */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** Rewrites `?` placeholders as `$1, $2, ...`, leaving quoted strings and identifiers alone. */
export function toNumberedPlaceholders(sql: string): string {
  let out = '';
  let n = 0;
  let quote: string | undefined;
  for (const ch of sql) {
    if (quote !== undefined) {
      if (ch === quote) quote = undefined;
      out += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      out += ch;
    } else if (ch === '?') {
      n += 1;
      out += `$${n}`;
    } else {
      out += ch;
    }
  }
  return out;
}

/** Builds `?, ?, ?` for an IN list of `count` values (count ≥ 1). */
export function placeholders(count: number): string {
  return Array.from({ length: count }, () => '?').join(', ');
}

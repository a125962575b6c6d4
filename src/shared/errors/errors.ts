/**
 * The one error root. Every error Floodgate raises on purpose is a FloodgateError with a
 * stable `code` (catalogued in docs/errors.md) and a `retryable` flag that says whether
 * the same call may succeed if tried again.
 */
export const ERROR_CODES = [
  'INVALID_INPUT',
  'INVALID_NAME',
  'SOURCE_NOT_ALLOWED',
  'SOURCE_NOT_FOUND',
  'SOURCE_UNREADABLE',
  'SOURCE_CHANGED',
  'UNSUPPORTED_TYPE',
  'SCHEMA_MISMATCH',
  'REF_NOT_FOUND',
  'HISTORY_EXPIRED',
  'TABLE_NOT_FOUND',
  'REF_EXISTS',
  'REF_PROTECTED',
  'REF_CHANGED',
  'TABLE_CHANGED',
  'MERGE_CONFLICT',
  'QUERY_NOT_ALLOWED',
  'QUERY_FAILED',
  'CHECKS_INVALID',
  'AUDIT_FAILED',
  'CATALOG_BUSY',
  'CATALOG_UNAVAILABLE',
  'REDIS_UNAVAILABLE',
  'STORAGE_UNAVAILABLE',
  'LEASE_LOST',
  'TABLE_EXISTS',
  'REMOTE_UNAUTHORIZED',
  'REMOTE_FORBIDDEN',
  'RATE_LIMITED',
  'JOB_FAILED',
  'CONFIG_INVALID',
  'WAIT_TIMEOUT',
  'INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface FloodgateErrorOptions {
  retryable?: boolean;
  cause?: unknown;
  details?: Record<string, unknown>;
}

export class FloodgateError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: FloodgateErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retryable = options.retryable ?? false;
    this.details = options.details ?? {};
  }

  toJSON(): Record<string, unknown> {
    return { name: this.name, code: this.code, message: this.message, retryable: this.retryable, ...this.details };
  }
}

export function isFloodgateError(error: unknown): error is FloodgateError {
  return error instanceof FloodgateError;
}

/** Wraps anything thrown into the error root, keeping Floodgate errors as they are. */
export function toFloodgateError(error: unknown, fallback: ErrorCode = 'INTERNAL'): FloodgateError {
  if (error instanceof FloodgateError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new FloodgateError(fallback, message, { cause: error });
}

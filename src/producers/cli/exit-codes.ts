import type { ErrorCode } from '../../shared/errors/index.js';

/** The CLI's exit codes. */
export const EXIT = {
  ok: 0,
  error: 1,
  badInput: 2,
  auditFailed: 3,
  conflict: 4,
  rejected: 5,
} as const;

const BAD_INPUT: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'INVALID_INPUT',
  'INVALID_NAME',
  'SOURCE_NOT_ALLOWED',
  'SOURCE_NOT_FOUND',
  'SOURCE_CHANGED',
  'SOURCE_UNREADABLE',
  'UNSUPPORTED_TYPE',
  'SCHEMA_MISMATCH',
  'REF_NOT_FOUND',
  'HISTORY_EXPIRED',
  'TABLE_NOT_FOUND',
  'REF_PROTECTED',
  'QUERY_NOT_ALLOWED',
  'QUERY_FAILED',
  'CHECKS_INVALID',
  'CONFIG_INVALID',
  'REMOTE_UNAUTHORIZED',
  'REMOTE_FORBIDDEN',
]);

const CONFLICT: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['MERGE_CONFLICT', 'REF_CHANGED', 'REF_EXISTS', 'TABLE_CHANGED', 'TABLE_EXISTS']);

export function exitCodeFor(code: ErrorCode): number {
  if (code === 'AUDIT_FAILED') return EXIT.auditFailed;
  if (BAD_INPUT.has(code)) return EXIT.badInput;
  if (CONFLICT.has(code)) return EXIT.conflict;
  return EXIT.error;
}

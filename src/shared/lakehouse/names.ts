import { InvalidNameError } from './errors.js';

/**
 * Every name that reaches SQL or a file path passes through here first.
 * Identifiers are lower-case ASCII so they are safe unquoted in SQL and on any file system.
 */
const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;
const BRANCH_SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}$/;
const COMMIT_ID = /^[0-9a-f]{8,64}$/;

export interface TableName {
  namespace: string;
  name: string;
  /** `namespace.name` */
  qualified: string;
}

export function validateIdentifier(kind: string, value: string): string {
  if (!IDENTIFIER.test(value)) {
    throw new InvalidNameError(kind, value, 'use 1-63 characters: a-z, 0-9 and _, not starting with a digit');
  }
  return value;
}

export function parseTableName(value: string): TableName {
  const parts = value.split('.');
  if (parts.length !== 2) {
    throw new InvalidNameError('table', value, 'expected <namespace>.<table>, e.g. taxi.trips');
  }
  const [namespace, name] = parts as [string, string];
  validateIdentifier('namespace', namespace);
  validateIdentifier('table', name);
  return { namespace, name, qualified: `${namespace}.${name}` };
}

/** Branch and tag names: slash-separated segments such as `wap/taxi.trips/r-123`. */
export function validateRefName(value: string): string {
  const segments = value.split('/');
  const ok =
    value.length <= 200 &&
    segments.every((s) => BRANCH_SEGMENT.test(s) && !s.endsWith('.') && !s.includes('..') && s !== '.');
  if (!ok) {
    throw new InvalidNameError(
      'ref',
      value,
      'use segments of A-Z a-z 0-9 _ . - separated by /, without "..", leading dots or empty segments',
    );
  }
  return value;
}

export function validateCommitId(value: string): string {
  if (!COMMIT_ID.test(value)) {
    throw new InvalidNameError('commit', value, 'expected 8-64 lower-case hex characters');
  }
  return value;
}

export interface RefSpec {
  /** The ref name, absent for a bare `@commit`. */
  name?: string;
  /** A commit id or prefix, when the spec pins one with `@`. */
  commit?: string;
}

/** Parses `name`, `name@commit` or `@commit`. */
export function parseRefSpec(value: string): RefSpec {
  const at = value.indexOf('@');
  if (at < 0) return { name: validateRefName(value) };
  const name = value.slice(0, at);
  const commit = validateCommitId(value.slice(at + 1));
  return name === '' ? { commit } : { name: validateRefName(name), commit };
}

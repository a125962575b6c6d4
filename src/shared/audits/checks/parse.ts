import type { z } from 'zod';
import { ChecksInvalidError } from '../errors.js';
import { CHECK_TYPES, checksFileSchema, type Check } from './schema.js';

/** `checks[2].column`, `tables["taxi.trips"].checks[0].values[3]` */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else if (typeof key === 'string' && /^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) out += out === '' ? key : `.${key}`;
    else out += `[${JSON.stringify(String(key))}]`;
  }
  return out === '' ? '(top level)' : out;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let value = root;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return `string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value)}`;
  return `${typeof value} ${String(value)}`;
}

/** One line per zod issue, each starting with the path of the offending field. */
export function formatIssues(error: z.ZodError, input: unknown): string[] {
  return error.issues.map((issue) => {
    const at = formatPath(issue.path);
    switch (issue.code) {
      case 'invalid_type': {
        const value = valueAt(input, issue.path);
        return value === undefined
          ? `${at}: expected ${issue.expected} (the field is missing)`
          : `${at}: expected ${issue.expected}, got ${kindOf(value)}`;
      }
      case 'invalid_union': {
        if ('discriminator' in issue && issue.discriminator === 'type') {
          const value = valueAt(input, issue.path);
          const got = value === undefined ? 'the field is missing' : `got ${kindOf(value)}`;
          return `${at}: expected one of ${CHECK_TYPES.join(', ')} (${got})`;
        }
        // A value of none of the allowed types (`values: [null]`): name the types.
        const expected = issue.errors.flatMap((inner) => inner.filter((i) => i.code === 'invalid_type' && i.path.length === 0).map((i) => (i as { expected: string }).expected));
        if (expected.length === issue.errors.length) return `${at}: expected ${[...new Set(expected)].join(' or ')}, got ${kindOf(valueAt(input, issue.path))}`;
        return `${at}: ${issue.message}`;
      }
      case 'invalid_key':
        return `${at}: ${issue.issues.map((inner) => inner.message).join('; ')}`;
      case 'unrecognized_keys':
        return issue.keys.map((key) => `${formatPath([...issue.path, key])}: unknown field`).join('; ');
      case 'invalid_value':
        return `${at}: expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}, got ${kindOf(valueAt(input, issue.path))}`;
      default:
        return `${at}: ${issue.message}`;
    }
  });
}

/**
 * Validates a list of checks (or `{checks: [...]}`) from a file or from code. Issues name the
 * check by its index, e.g. `checks[2].column: expected string`.
 */
export function parseChecks(value: unknown, source = 'checks'): Check[] {
  const input = Array.isArray(value) ? { checks: value } : (value ?? {});
  if (typeof input !== 'object') throw new ChecksInvalidError(source, [`(top level): expected a list of checks or an object with a checks list, got ${kindOf(input)}`]);
  const parsed = checksFileSchema.safeParse(input);
  if (!parsed.success) throw new ChecksInvalidError(source, formatIssues(parsed.error, input));
  return parsed.data.checks;
}

import { parseChecks } from './parse.js';
import type { Check, Severity } from './schema.js';

/** A check with its final name and severity, ready to compile. */
export interface ResolvedCheck {
  readonly name: string;
  readonly severity: Severity;
  readonly origin: 'contract' | 'request' | 'default';
  readonly check: Check;
}

/**
 * The check every audit runs unless a row_count check is given: an empty batch fails. It counts
 * the batch when the audit knows it (a run), else the table at the ref.
 */
export const DEFAULT_ROW_COUNT: Check = { type: 'row_count', name: 'row_count', min: 1 };

function keyOf(check: { column?: string | undefined; columns?: readonly string[] | undefined }): string {
  return check.columns?.join(', ') ?? check.column ?? '';
}

function shorten(text: string, max = 48): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 3)}...` : flat;
}

/** The name a check gets when it has none, e.g. `not_null(zone)`, `aggregate(mean(fare))`. */
export function deriveName(check: Check): string {
  switch (check.type) {
    case 'not_null':
    case 'accepted_values':
    case 'range':
    case 'pattern':
    case 'freshness':
      return `${check.type}(${check.column})`;
    case 'unique':
      return `unique(${keyOf(check)})`;
    case 'aggregate':
      return `aggregate(${check.function}(${check.column}))`;
    case 'expression':
      return `expression(${shorten(check.expression)})`;
    case 'referential_integrity': {
      const to = check.toColumns?.join(', ') ?? check.toColumn ?? keyOf(check);
      return `referential_integrity(${keyOf(check)} -> ${check.to}(${to}))`;
    }
    case 'sql':
      return `sql(${shorten(check.query)})`;
    default:
      return check.type;
  }
}

/** Final names for a parsed list (whose explicit names are distinct: see distinctNames). */
function name(checks: readonly Check[], origin: ResolvedCheck['origin']): ResolvedCheck[] {
  const taken = new Set(checks.flatMap((check) => (check.name === undefined ? [] : [check.name])));
  return checks.map((check) => {
    let final = check.name;
    if (final === undefined) {
      const base = deriveName(check);
      final = base;
      for (let n = 2; taken.has(final); n++) final = `${base} #${n}`;
    }
    taken.add(final);
    return { name: final, severity: check.severity ?? 'error', origin, check };
  });
}

export interface ResolveChecksInput {
  /** The request's checks (validated here again, so callers in code get the same errors as files). */
  readonly checks: readonly unknown[];
  /** The table contract's checks; a request check with the same name replaces one of these. */
  readonly contractChecks?: readonly unknown[];
  /** Add `row_count >= 1` when no row_count check takes its place (default true). */
  readonly defaultChecks?: boolean;
  /** The audit knows the rows its run added: the default row count is then of the batch (`scope: batch`). */
  readonly batchKnown?: boolean;
}

/** The checks an audit runs: the contract's, then the request's, then the default row count. */
export function resolveChecks(input: ResolveChecksInput): ResolvedCheck[] {
  const request = name(parseChecks([...input.checks], 'checks'), 'request');
  const contract = name(parseChecks([...(input.contractChecks ?? [])], 'contract checks'), 'contract');
  // Names compare without case, as the columns in them do: not_null(A) replaces not_null(a).
  const requested = new Set(request.map((c) => c.name.toLowerCase()));
  const all = [...contract.filter((c) => !requested.has(c.name.toLowerCase())), ...request];
  // The default guards the batch when the audit knows it: only a batch row count replaces it (a
  // table's row count says nothing about an empty batch appended to it).
  const replacesDefault = (c: ResolvedCheck) => c.check.type === 'row_count' && (input.batchKnown !== true || c.check.scope === 'batch');
  if (input.defaultChecks !== false && !all.some(replacesDefault)) {
    const taken = new Set(all.map((c) => c.name));
    let final = 'row_count';
    for (let n = 2; taken.has(final); n++) final = `row_count #${n}`;
    const check: Check = { ...DEFAULT_ROW_COUNT, name: final, ...(input.batchKnown === true ? { scope: 'batch' as const } : {}) };
    all.push({ name: final, severity: 'error', origin: 'default', check });
  }
  return all;
}

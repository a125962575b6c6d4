import { z } from 'zod';
import { DURATION } from '../duration.js';
import { sqlTextProblem, type SqlTextKind } from '../sql-shape.js';

/**
 * The check vocabulary (docs/audits.md), as zod schemas. Objects are strict so a misspelt
 * field is reported instead of ignored. Defaults are applied when a check is compiled, so the
 * exported JSON Schema shows what a file may contain, not what the code fills in.
 */

export const CHECK_TYPES = [
  'not_null',
  'unique',
  'accepted_values',
  'range',
  'pattern',
  'row_count',
  'expression',
  'aggregate',
  'freshness',
  'volume_change',
  'referential_integrity',
  'schema',
  'sql',
  'not_already_loaded',
] as const;
export type CheckType = (typeof CHECK_TYPES)[number];

export const SEVERITIES = ['error', 'warn'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const AGGREGATE_FUNCTIONS = ['mean', 'sum', 'min', 'max', 'count_distinct'] as const;
export type AggregateFunction = (typeof AGGREGATE_FUNCTIONS)[number];

const TABLE_NAME = /^[a-z_][a-z0-9_]{0,62}\.[a-z_][a-z0-9_]{0,62}$/;

/** SQL text the audit embeds in its own queries: it must stay one expression (or one query). */
function sqlText(kind: SqlTextKind) {
  return z
    .string()
    .min(1)
    .superRefine((text, ctx) => {
      const problem = sqlTextProblem(text, kind);
      if (problem !== undefined) ctx.addIssue({ code: 'custom', message: `not one SQL ${kind}: ${problem}` });
    });
}

const column = z.string().min(1).describe('a column of the audited table');
const columnList = z.array(column).min(1);
const bound = z.union([z.number(), z.string().min(1)]).describe('a number, or a string for dates and timestamps');
const scalar = z.union([z.string(), z.number(), z.boolean()]);

const identity = {
  name: z.string().min(1).max(200).optional().describe('unique within the audit; derived from the type and columns when absent'),
  severity: z.enum(SEVERITIES).optional().describe('error (default) blocks publish; warn only records'),
  description: z.string().optional(),
};
const rowFilter = {
  where: sqlText('expression').optional().describe('SQL boolean: only rows where it is true are checked'),
};
const failingCount = {
  maxFailing: z.number().int().min(0).optional().describe('pass while at most this many rows fail (default 0)'),
};
const failingThreshold = {
  ...failingCount,
  maxFailingPercent: z.number().min(0).max(100).optional().describe('pass while at most this percent of the checked rows fail'),
};

type Ctx = z.core.$RefinementCtx;

function oneThreshold(value: { maxFailing?: number | undefined; maxFailingPercent?: number | undefined }, ctx: Ctx): void {
  if (value.maxFailing !== undefined && value.maxFailingPercent !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['maxFailingPercent'], message: 'give maxFailing or maxFailingPercent, not both' });
  }
}

function atLeastOne(keys: readonly string[], value: Record<string, unknown>, ctx: Ctx): void {
  if (keys.every((key) => value[key] === undefined)) {
    ctx.addIssue({ code: 'custom', path: [keys[0] as string], message: `give at least one of ${keys.join(', ')}` });
  }
}

function columnOrColumns(value: { column?: string | undefined; columns?: string[] | undefined }, ctx: Ctx, field = 'column'): void {
  if ((value.column === undefined) === (value.columns === undefined)) {
    ctx.addIssue({ code: 'custom', path: [field], message: `give either ${field} or ${field}s` });
  }
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$/;

/** A bound as something comparable: a number (numbers and numeric strings), an ISO date or timestamp, else undefined. */
function comparable(bound: unknown): { kind: 'number'; value: number } | { kind: 'iso'; value: string } | undefined {
  if (typeof bound === 'number') return { kind: 'number', value: bound };
  if (typeof bound !== 'string') return undefined;
  const text = bound.trim();
  if (text !== '' && Number.isFinite(Number(text))) return { kind: 'number', value: Number(text) };
  return ISO_DATE.test(text) ? { kind: 'iso', value: text.replace('T', ' ') } : undefined;
}

/** min ≤ max where both can be compared here; other bounds (mixed formats, intervals) are left to the engine. */
function ordered(value: Record<string, unknown>, low: string, high: string, ctx: Ctx): void {
  const a = comparable(value[low]);
  const b = comparable(value[high]);
  if (a !== undefined && b !== undefined && a.kind === b.kind && a.value > b.value) {
    ctx.addIssue({ code: 'custom', path: [low], message: `${low} must not be greater than ${high}` });
  }
}

export const notNullCheck = z
  .strictObject({
    type: z.literal('not_null'),
    column,
    ...identity,
    ...rowFilter,
    ...failingThreshold,
    maxNullPercent: z.number().min(0).max(100).optional().describe('pass while at most this percent of the rows are NULL'),
  })
  .describe('the column has no NULLs (or at most maxNullPercent / maxFailing)')
  .superRefine((v, ctx) => {
    const given = [v.maxFailing, v.maxFailingPercent, v.maxNullPercent].filter((x) => x !== undefined);
    if (given.length > 1) ctx.addIssue({ code: 'custom', path: ['maxNullPercent'], message: 'give one of maxNullPercent, maxFailing or maxFailingPercent' });
  });

export const uniqueCheck = z
  .strictObject({
    type: z.literal('unique'),
    column: column.optional(),
    columns: columnList.optional().describe('a composite key'),
    ...identity,
    ...rowFilter,
    ...failingThreshold,
  })
  .describe('no two rows share a value of the column (or of the columns together); rows with a NULL key are ignored')
  .superRefine((v, ctx) => {
    columnOrColumns(v, ctx);
    oneThreshold(v, ctx);
  });

export const acceptedValuesCheck = z
  .strictObject({
    type: z.literal('accepted_values'),
    column,
    values: z.array(scalar).min(1),
    ...identity,
    ...rowFilter,
    ...failingThreshold,
  })
  .describe('every non-NULL value is one of values')
  .superRefine(oneThreshold);

export const rangeCheck = z
  .strictObject({
    type: z.literal('range'),
    column,
    min: bound.optional(),
    max: bound.optional(),
    minInclusive: z.boolean().optional().describe('default true'),
    maxInclusive: z.boolean().optional().describe('default true'),
    ...identity,
    ...rowFilter,
    ...failingThreshold,
  })
  .describe('every non-NULL value lies between min and max')
  .superRefine((v, ctx) => {
    atLeastOne(['min', 'max'], v, ctx);
    ordered(v, 'min', 'max', ctx);
    oneThreshold(v, ctx);
  });

export const patternCheck = z
  .strictObject({
    type: z.literal('pattern'),
    column,
    regex: z.string().min(1).optional().describe('RE2 syntax; matches anywhere unless anchored with ^ and $'),
    minLength: z.number().int().min(0).optional(),
    maxLength: z.number().int().min(0).optional(),
    ...identity,
    ...rowFilter,
    ...failingThreshold,
  })
  .describe('every non-NULL value (as text) matches regex and has a length within minLength..maxLength')
  .superRefine((v, ctx) => {
    atLeastOne(['regex', 'minLength', 'maxLength'], v, ctx);
    ordered(v, 'minLength', 'maxLength', ctx);
    oneThreshold(v, ctx);
  });

export const rowCountCheck = z
  .strictObject({
    type: z.literal('row_count'),
    min: z.number().int().min(0).optional(),
    max: z.number().int().min(0).optional(),
    scope: z
      .enum(['table', 'batch'])
      .optional()
      .describe('table (default): the rows at the audited ref; batch: the rows this run added'),
    ...identity,
    ...rowFilter,
  })
  .describe('the number of rows (of the table, or of the batch) lies between min and max')
  .superRefine((v, ctx) => {
    atLeastOne(['min', 'max'], v, ctx);
    ordered(v, 'min', 'max', ctx);
    if (v.scope === 'batch' && v.where !== undefined) ctx.addIssue({ code: 'custom', path: ['where'], message: 'a batch row count has no where: it counts the rows the run added' });
  });

export const expressionCheck = z
  .strictObject({
    type: z.literal('expression'),
    expression: sqlText('expression').describe('SQL boolean every row must satisfy; rows where it is NULL do not fail'),
    ...identity,
    ...rowFilter,
    ...failingThreshold,
  })
  .describe('a SQL boolean over the columns of a row holds for every row')
  .superRefine(oneThreshold);

export const aggregateCheck = z
  .strictObject({
    type: z.literal('aggregate'),
    column,
    function: z.enum(AGGREGATE_FUNCTIONS),
    min: bound.optional(),
    max: bound.optional(),
    ...identity,
    ...rowFilter,
  })
  .describe('an aggregate of the column (NULLs ignored) lies between min and max')
  .superRefine((v, ctx) => {
    atLeastOne(['min', 'max'], v, ctx);
    ordered(v, 'min', 'max', ctx);
  });

export const freshnessCheck = z
  .strictObject({
    type: z.literal('freshness'),
    column,
    maxAge: z.string().regex(DURATION, 'expected a duration such as 30m, 24h, 7d or 1d12h').describe('e.g. 24h, 7d, 1d12h'),
    ...identity,
    ...rowFilter,
  })
  .describe('the newest value of a date or timestamp column is at most maxAge old');

export const volumeChangeCheck = z
  .strictObject({
    type: z.literal('volume_change'),
    maxChangePercent: z.number().min(0).describe('pass while rows added differ from the recent average by at most ±this percent'),
    lookback: z.number().int().min(1).max(1000).optional().describe('published runs averaged (default 5)'),
    ...identity,
  })
  .describe("rows added by this run vs the average of the table's last published runs");

export const referentialIntegrityCheck = z
  .strictObject({
    type: z.literal('referential_integrity'),
    column: column.optional(),
    columns: columnList.optional(),
    to: z.string().regex(TABLE_NAME, 'expected <namespace>.<table>, e.g. taxi.zones').describe('the referenced table, read at the same ref'),
    toColumn: column.optional().describe('default: the same name as column'),
    toColumns: columnList.optional(),
    ...identity,
    ...rowFilter,
    ...failingThreshold,
  })
  .describe('every non-NULL value (or key) exists in the referenced table')
  .superRefine((v, ctx) => {
    columnOrColumns(v, ctx);
    if (v.toColumn !== undefined && v.toColumns !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['toColumn'], message: 'give either toColumn or toColumns' });
    }
    const from = v.columns?.length ?? 1;
    const to = v.toColumns?.length ?? 1;
    if ((v.toColumn !== undefined || v.toColumns !== undefined) && from !== to) {
      ctx.addIssue({ code: 'custom', path: ['toColumns'], message: `expected ${from} column(s), as many as the key has` });
    }
    oneThreshold(v, ctx);
  });

export const schemaColumn = z.union([
  column,
  z.strictObject({ name: column, type: z.string().min(1).optional().describe('Iceberg type, e.g. long, string, timestamp, decimal(10, 2)') }),
]);

export const schemaCheck = z
  .strictObject({
    type: z.literal('schema'),
    columns: z.array(schemaColumn).min(1).describe('required columns, each a name or {name, type}'),
    allowExtraColumns: z.boolean().optional().describe('default false: any column not listed fails the check'),
    ...identity,
  })
  .describe('the table has these columns with these types, and (by default) no others');

export const sqlCheck = z
  .strictObject({
    type: z.literal('sql'),
    query: sqlText('query').describe('one SELECT returning the violating rows'),
    ...identity,
    ...rowFilter,
    ...failingCount,
  })
  .describe('a query returning violating rows returns none');

export const notAlreadyLoadedCheck = z
  .strictObject({ type: z.literal('not_already_loaded'), ...identity })
  .describe("none of this run's source file fingerprints was published into the table before");

export const checkSchema = z.discriminatedUnion('type', [
  notNullCheck,
  uniqueCheck,
  acceptedValuesCheck,
  rangeCheck,
  patternCheck,
  rowCountCheck,
  expressionCheck,
  aggregateCheck,
  freshnessCheck,
  volumeChangeCheck,
  referentialIntegrityCheck,
  schemaCheck,
  sqlCheck,
  notAlreadyLoadedCheck,
]);

/** A checks file: a list of checks, or an object with a `checks` list. */
/** Two checks of one list may not share an explicit name (a derived name gets a `#2` instead). */
export function distinctNames(checks: ReadonlyArray<{ name?: string | undefined }>, ctx: Ctx): void {
  const first = new Map<string, number>();
  checks.forEach((check, index) => {
    if (check.name === undefined) return;
    const earlier = first.get(check.name);
    if (earlier === undefined) first.set(check.name, index);
    else ctx.addIssue({ code: 'custom', path: [index, 'name'], message: `${JSON.stringify(check.name)} is already the name of checks[${earlier}]` });
  });
}

export const checksFileSchema = z.strictObject({ checks: z.array(checkSchema).superRefine(distinctNames) });

export type Check = z.infer<typeof checkSchema>;
export type CheckOf<T extends CheckType> = Extract<Check, { type: T }>;
export type NotNullCheck = CheckOf<'not_null'>;
export type UniqueCheck = CheckOf<'unique'>;
export type AcceptedValuesCheck = CheckOf<'accepted_values'>;
export type RangeCheck = CheckOf<'range'>;
export type PatternCheck = CheckOf<'pattern'>;
export type RowCountCheck = CheckOf<'row_count'>;
export type ExpressionCheck = CheckOf<'expression'>;
export type AggregateCheck = CheckOf<'aggregate'>;
export type FreshnessCheck = CheckOf<'freshness'>;
export type VolumeChangeCheck = CheckOf<'volume_change'>;
export type ReferentialIntegrityCheck = CheckOf<'referential_integrity'>;
export type SchemaCheck = CheckOf<'schema'>;
export type SqlCheck = CheckOf<'sql'>;
export type NotAlreadyLoadedCheck = CheckOf<'not_already_loaded'>;

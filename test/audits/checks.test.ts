import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseChecks, runAudit, type AuditContext, type Check, type CheckResult } from '../../src/shared/audits/index.js';
import { openLocal, type OpenedBackend } from '../support/backends.js';
import { writeFile } from '../support/data.js';
import { ORDERS_SQL, ORDER_COLUMNS, ids, openShop } from './fixtures.js';

/** One passing and one failing case per check type, over the planted failures of shop.orders. */
describe('audit checks', () => {
  let shop: OpenedBackend;
  beforeEach(async () => {
    shop = await openShop();
  });
  afterEach(async () => {
    await shop.cleanup();
  });

  async function audit(checks: Check[], context: AuditContext = {}): Promise<CheckResult[]> {
    const report = await runAudit({ lakehouse: shop.lakehouse, table: 'shop.orders', ref: 'main', checks, context, defaultChecks: false });
    expect(report.checks).toHaveLength(checks.length);
    return [...report.checks];
  }
  async function one(check: Check, context: AuditContext = {}): Promise<CheckResult> {
    return (await audit([check], context))[0] as CheckResult;
  }

  it('not_null counts NULLs and honours maxNullPercent and where', async () => {
    const [ok, bad, tolerated, paidOnly] = await audit([
      { type: 'not_null', column: 'id' },
      { type: 'not_null', column: 'customer' },
      { type: 'not_null', column: 'customer', name: 'customer mostly set', maxNullPercent: 20 },
      { type: 'not_null', column: 'customer', name: 'paid orders have a customer', where: "status = 'paid'" },
    ]);
    expect(ok).toMatchObject({ status: 'passed', failingCount: 0, checkedRows: 12, sample: [] });
    expect(bad).toMatchObject({ name: 'not_null(customer)', status: 'failed', failingCount: 2, checkedRows: 12, observed: 2, threshold: { maxFailing: 0 } });
    expect(bad?.failingPercent).toBeCloseTo(16.667, 2);
    expect(ids(bad?.sample ?? [])).toEqual([4, 9]);
    expect(Object.keys(bad?.sample[0] ?? {})).toEqual(ORDER_COLUMNS);
    expect(tolerated).toMatchObject({ status: 'passed', threshold: { maxNullPercent: 20 }, sample: [] });
    expect(tolerated?.observed).toBeCloseTo(16.667, 2);
    expect(paidOnly).toMatchObject({ status: 'failed', failingCount: 1, checkedRows: 7 });
    expect(ids(paidOnly?.sample ?? [])).toEqual([4]);
  });

  it('unique finds repeated keys, single and composite, ignoring NULL keys', async () => {
    const [ok, bad, composite] = await audit([
      { type: 'unique', column: 'id' },
      { type: 'unique', column: 'order_no' },
      { type: 'unique', columns: ['customer', 'status'] },
    ]);
    expect(ok).toMatchObject({ status: 'passed', failingCount: 0 });
    expect(bad).toMatchObject({ status: 'failed', failingCount: 1 });
    expect(bad?.sample.map((r) => [r['id'], r['order_no']])).toEqual([[3, 'A-3'], [8, 'A-3']]);
    // (c1, paid) twice and (c3, paid) three times: 3 rows repeat a key; rows 4, 9 and 11 have a NULL in the key.
    expect(composite).toMatchObject({ name: 'unique(customer, status)', status: 'failed', failingCount: 3 });
    expect(ids(composite?.sample ?? [])).toEqual([1, 8, 3, 7, 12]);
  });

  it('accepted_values flags values outside the list and ignores NULLs', async () => {
    const [ok, bad] = await audit([
      { type: 'accepted_values', column: 'status', values: ['paid', 'shipped', 'refunded', 'lost'] },
      { type: 'accepted_values', column: 'status', values: ['paid', 'shipped', 'refunded'] },
    ]);
    expect(ok).toMatchObject({ status: 'passed', failingCount: 0 });
    expect(bad).toMatchObject({ status: 'failed', failingCount: 1, name: 'accepted_values(status) #2' });
    expect(ids(bad?.sample ?? [])).toEqual([6]);
  });

  it('range checks inclusive and exclusive bounds and ignores NULLs', async () => {
    const [ok, bad, exclusive] = await audit([
      { type: 'range', column: 'amount', min: -10, max: 300 },
      { type: 'range', column: 'amount', min: 0, max: 100 },
      { type: 'range', column: 'amount', min: 10, minInclusive: false, max: 90, maxInclusive: true, maxFailing: 3 },
    ]);
    expect(ok).toMatchObject({ status: 'passed', failingCount: 0, checkedRows: 12 });
    expect(bad).toMatchObject({ status: 'failed', failingCount: 2 });
    expect(bad?.sample.map((r) => r['amount'])).toEqual([-3, 250]);
    expect(exclusive).toMatchObject({ status: 'passed', failingCount: 3, threshold: { maxFailing: 3 }, sample: [] });
  });

  it('pattern checks a regex and lengths, ignoring NULLs', async () => {
    const [ok, bad, length] = await audit([
      { type: 'pattern', column: 'order_no', regex: '^A-[0-9]+$' },
      { type: 'pattern', column: 'email', regex: '^[a-z]+@[a-z]+\\.[a-z]+$' },
      { type: 'pattern', column: 'email', minLength: 11, maxLength: 40 },
    ]);
    expect(ok).toMatchObject({ status: 'passed', failingCount: 0 });
    expect(bad).toMatchObject({ status: 'failed', failingCount: 1 });
    expect(ids(bad?.sample ?? [])).toEqual([7]);
    expect(length).toMatchObject({ status: 'failed', failingCount: 2 });
    expect(ids(length?.sample ?? [])).toEqual([7, 12]);
  });

  it('row_count compares the number of rows (matching where) with min and max', async () => {
    const [ok, bad, paid] = await audit([
      { type: 'row_count', min: 1 },
      { type: 'row_count', min: 20, name: 'at least 20' },
      { type: 'row_count', max: 5, where: "status = 'paid'", name: 'few paid' },
    ]);
    expect(ok).toMatchObject({ status: 'passed', observed: 12, threshold: { min: 1 } });
    expect(bad).toMatchObject({ status: 'failed', observed: 12, threshold: { min: 20 }, failingCount: null });
    expect(paid).toMatchObject({ status: 'failed', observed: 7, threshold: { max: 5 } });
  });

  it('expression fails rows where it is false, not where it is NULL', async () => {
    const [ok, bad] = await audit([
      { type: 'expression', expression: 'amount IS NULL OR amount < 1000' },
      { type: 'expression', expression: 'shipped_at >= created_at' },
    ]);
    expect(ok).toMatchObject({ status: 'passed', failingCount: 0 });
    expect(bad).toMatchObject({ status: 'failed', failingCount: 1, name: 'expression(shipped_at >= created_at)' });
    expect(ids(bad?.sample ?? [])).toEqual([2]);
  });

  it('aggregate bounds mean, sum, min, max and count_distinct', async () => {
    const [mean, sum, min, max, distinct] = await audit([
      { type: 'aggregate', column: 'amount', function: 'mean', min: 50, max: 70 },
      { type: 'aggregate', column: 'amount', function: 'sum', max: 500 },
      { type: 'aggregate', column: 'amount', function: 'min', min: 0 },
      { type: 'aggregate', column: 'created_at', function: 'max', min: '2026-03-01', max: '2026-04-01' },
      { type: 'aggregate', column: 'customer', function: 'count_distinct', min: 3, max: 3 },
    ]);
    expect(mean?.status).toBe('passed');
    expect(mean?.observed).toBeCloseTo(662 / 11, 6);
    expect(sum).toMatchObject({ status: 'failed', observed: 662, threshold: { function: 'sum', max: 500 } });
    expect(min).toMatchObject({ status: 'failed', observed: -3 });
    expect(max).toMatchObject({ status: 'passed', observed: '2026-03-12 10:00:00' });
    expect(distinct).toMatchObject({ status: 'failed', observed: 4 });
  });

  it('freshness compares the newest timestamp with now', async () => {
    const check: Check = { type: 'freshness', column: 'created_at', maxAge: '1d' };
    const fresh = await one(check, { now: new Date('2026-03-12T12:00:00Z') });
    expect(fresh).toMatchObject({ status: 'passed', observed: { latest: '2026-03-12 10:00:00', ageSeconds: 7200 } });
    const stale = await one(check, { now: new Date('2026-03-20T10:00:00Z') });
    expect(stale).toMatchObject({ status: 'failed', observed: { ageSeconds: 8 * 86_400 }, threshold: { maxAge: '1d' } });
    expect(stale.message).toContain('8d old');
  });

  it('referential_integrity finds values missing from the other table at the same ref', async () => {
    const [bad, ok] = await audit([
      { type: 'referential_integrity', column: 'customer', to: 'shop.customers', toColumn: 'id' },
      { type: 'referential_integrity', column: 'customer', to: 'shop.customers', toColumn: 'id', where: "customer <> 'c9'" },
    ]);
    expect(bad).toMatchObject({ status: 'failed', failingCount: 1, checkedRows: 12 });
    expect(ids(bad?.sample ?? [])).toEqual([10]);
    expect(ok).toMatchObject({ status: 'passed', failingCount: 0, sample: [] });
    const missing = await one({ type: 'referential_integrity', column: 'customer', to: 'shop.nope', toColumn: 'id' });
    expect(missing).toMatchObject({ status: 'error', message: 'table shop.nope does not exist at main' });
  });

  it('schema requires columns and types and rejects unexpected columns', async () => {
    const all = ORDER_COLUMNS.map((name) => (name === 'id' ? { name, type: 'long' } : name));
    const [ok, bad, extra] = await audit([
      { type: 'schema', columns: [...all.slice(1), { name: 'amount', type: 'DOUBLE' }, { name: 'id', type: 'BIGINT' }] },
      { type: 'schema', name: 'strict', columns: ['id', { name: 'amount', type: 'decimal(10,2)' }, 'discount'] },
      { type: 'schema', name: 'loose', columns: ['id'], allowExtraColumns: true },
    ]);
    expect(ok).toMatchObject({ status: 'passed', failingCount: 0 });
    expect(bad).toMatchObject({ status: 'failed', failingCount: 8 });
    expect(bad?.sample.slice(0, 2)).toEqual([
      { column: 'amount', problem: 'wrong type', expected: 'decimal(10, 2)', actual: 'double' },
      { column: 'discount', problem: 'missing', expected: 'any type', actual: null },
    ]);
    expect(bad?.sample.slice(2).map((r) => r['column'])).toEqual(['order_no', 'customer', 'status', 'email', 'created_at', 'shipped_at']);
    expect(extra).toMatchObject({ status: 'passed' });
  });

  it('sql fails when the query returns violating rows, and shows them', async () => {
    const [ok, bad] = await audit([
      { type: 'sql', query: 'SELECT * FROM shop.orders WHERE amount > 1000' },
      { type: 'sql', name: 'paid orders are not shipped', query: "SELECT id, status FROM shop.orders WHERE status = 'paid' AND shipped_at IS NOT NULL ORDER BY id;" },
    ]);
    expect(ok).toMatchObject({ status: 'passed', failingCount: 0 });
    expect(bad).toMatchObject({ status: 'failed', failingCount: 1, sample: [{ id: 1, status: 'paid' }] });
    const [write] = await audit([{ type: 'sql', query: 'DELETE FROM shop.orders' }]);
    expect(write).toMatchObject({ status: 'error', message: expect.stringMatching(/cannot parse|only SELECT/) });
    // Text that would leave its subquery or parentheses, or add a statement, is refused before anything runs.
    await expect(
      audit([
        { type: 'sql', query: 'SELECT 1 AS v; DROP TABLE shop.orders' },
        { type: 'sql', query: 'SELECT 1) AS v; DROP TABLE shop.orders; SELECT * FROM (SELECT 1' },
        { type: 'expression', expression: 'true); DELETE FROM shop.orders; SELECT (true' },
      ]),
    ).rejects.toMatchObject({
      code: 'CHECKS_INVALID',
      issues: [
        "checks[0].query: not one SQL query: more than one statement: text follows the ';' at character 14",
        "checks[1].query: not one SQL query: ')' at character 9 closes a bracket this text never opened",
        "checks[2].expression: not one SQL expression: ')' at character 5 closes a bracket this text never opened",
      ],
    });
    expect(await shop.lakehouse.queryRows('SELECT count(*) AS n FROM shop.orders')).toEqual([{ n: 12 }]);
  });

  it('sql reads every table its query names, through aliases, USING joins and subqueries', async () => {
    const [aliased, using, nested, commented] = await audit([
      { type: 'sql', query: 'SELECT o.id FROM shop.orders o LEFT JOIN shop.customers AS c ON o.customer = c.id WHERE c.id IS NULL' },
      { type: 'sql', query: 'SELECT id FROM (SELECT id, customer FROM shop.orders) AS o LEFT JOIN (SELECT id AS customer FROM shop.customers) AS c USING (customer) WHERE c.customer IS NULL' },
      { type: 'sql', query: 'WITH known AS (SELECT id FROM shop.customers) SELECT id FROM shop.orders WHERE customer NOT IN (SELECT id FROM known)' },
      { type: 'sql', query: 'SELECT id FROM shop.orders WHERE customer = \'c9\'; -- the unknown customer' },
    ]);
    // Orders 4 and 9 have no customer and 10 has c9, which shop.customers lacks.
    expect(aliased).toMatchObject({ status: 'failed', failingCount: 3 });
    expect(using).toMatchObject({ status: 'failed', failingCount: 3 });
    expect(nested).toMatchObject({ status: 'failed', failingCount: 1 });
    expect(commented).toMatchObject({ status: 'failed', failingCount: 1, sample: [{ id: 10 }] });
  });

  it("a check's where cannot reach into the fused scan and rewrite other checks' results", async () => {
    const escape = 'true)) AS "zz", 0 AS "a1", 0 AS "a2", 0 AS "a3", count(*) FILTER (WHERE (true';
    const run = runAudit({
      lakehouse: shop.lakehouse,
      table: 'shop.orders',
      ref: 'main',
      contract: { checks: [{ type: 'not_null', column: 'customer' }, { type: 'unique', column: 'order_no' }] },
      checks: [{ type: 'row_count', min: 0, severity: 'warn', where: escape }],
    });
    await expect(run).rejects.toMatchObject({
      code: 'CHECKS_INVALID',
      issues: ["checks[0].where: not one SQL expression: ')' at character 5 closes a bracket this text never opened"],
    });
  });

  it('a warn check that fails is warned and does not fail the audit', async () => {
    const report = await runAudit({
      lakehouse: shop.lakehouse,
      table: 'shop.orders',
      ref: 'main',
      checks: [{ type: 'not_null', column: 'customer', severity: 'warn' }],
    });
    expect(report.checks.map((c) => [c.name, c.status])).toEqual([['not_null(customer)', 'warned'], ['row_count', 'passed']]);
    expect(report.passed).toBe(true);
    expect(ids(report.checks[0]?.sample ?? [])).toEqual([4, 9]);
  });

  it('a check on a missing column reports error, not a crash, and the others still run in one scan', async () => {
    const report = await runAudit({
      lakehouse: shop.lakehouse,
      table: 'shop.orders',
      ref: 'main',
      checks: [
        { type: 'not_null', column: 'customr' },
        { type: 'range', column: 'amount', min: 0 },
        { type: 'not_null', column: 'nope', severity: 'warn' },
        { type: 'expression', expression: 'no_such_column > 0' },
      ],
    });
    const [typo, range, warn, expression, rows] = report.checks;
    expect(typo).toMatchObject({ status: 'error', observed: null, failingCount: null });
    expect(typo?.message).toBe(`column "customr" not found in shop.orders at main (columns: ${ORDER_COLUMNS.join(', ')})`);
    expect(warn).toMatchObject({ status: 'error', severity: 'warn' });
    expect(expression).toMatchObject({ status: 'error' });
    expect(expression?.message).toMatch(/no_such_column/);
    expect(range).toMatchObject({ status: 'failed', failingCount: 1 });
    expect(rows).toMatchObject({ status: 'passed' });
    expect(report.passed).toBe(false);
    expect(report.summary).toEqual({ total: 5, passed: 1, failed: 1, warned: 0, errors: 3 });
    // The fused scan failed on the bad expression, so the checks ran one by one.
    expect(report.scans).toHaveLength(1);
    expect(report.scans[0]?.error).toMatch(/one by one/);
  });

  it('a check on a column of the wrong kind says so: freshness on text, keys of different types', async () => {
    const report = await runAudit({
      lakehouse: shop.lakehouse,
      table: 'shop.orders',
      ref: 'main',
      checks: [
        { type: 'freshness', column: 'status', maxAge: '1d' },
        { type: 'referential_integrity', column: 'id', to: 'shop.customers', toColumn: 'id' },
      ],
      defaultChecks: false,
    });
    const [freshness, keys] = report.checks;
    expect(freshness).toMatchObject({ status: 'error', message: 'freshness needs a date or timestamp column; status is string' });
    expect(keys).toMatchObject({ status: 'error', message: 'key types differ: id (long) and shop.customers.id (string); compare them in a sql check with an explicit cast' });
  });

  it("refuses a contract whose keyColumns names a column the table lacks, instead of showing other samples", async () => {
    await expect(
      runAudit({ lakehouse: shop.lakehouse, table: 'shop.orders', ref: 'main', checks: [], contract: { checks: [], keyColumns: ['id', 'order_nr'] } }),
    ).rejects.toMatchObject({ code: 'CHECKS_INVALID', message: 'invalid contract of shop.orders: keyColumns[1]: column "order_nr" is not in shop.orders' });
  });

  it('pattern lengths count a binary column\'s bytes, and a regex on it is an error', async () => {
    const source = await writeFile(path.join(shop.dataDir, 'blobs.parquet'), "SELECT * FROM (VALUES ('\\xAA\\xBB\\xCC'::BLOB), ('\\x01'::BLOB)) AS t(b)");
    await shop.lakehouse.importData({ table: 'shop.blobs', source, branch: 'main' });
    const report = await runAudit({
      lakehouse: shop.lakehouse,
      table: 'shop.blobs',
      ref: 'main',
      checks: [
        { type: 'pattern', column: 'b', maxLength: 3, name: 'fits' },
        { type: 'pattern', column: 'b', maxLength: 2, name: 'too long' },
        { type: 'pattern', column: 'b', regex: '^a', name: 'regex' },
      ],
      defaultChecks: false,
    });
    expect(report.checks.map((c) => [c.name, c.status, c.failingCount])).toEqual([
      ['fits', 'passed', 0],
      ['too long', 'failed', 1],
      ['regex', 'error', null],
    ]);
    expect(report.checks[2]?.message).toBe("a pattern's regex needs a text column; b is binary (minLength and maxLength alone count its bytes)");
  });

  it('fuses every aggregate check into one scan and samples only the failing ones', async () => {
    const report = await runAudit({
      lakehouse: shop.lakehouse,
      table: 'shop.orders',
      ref: 'main',
      checks: [
        { type: 'not_null', column: 'id' },
        { type: 'unique', column: 'order_no' },
        { type: 'accepted_values', column: 'status', values: ['paid', 'shipped', 'refunded'] },
        { type: 'aggregate', column: 'amount', function: 'mean', min: 0 },
      ],
    });
    expect(report.scans).toHaveLength(1);
    expect(report.scans[0]?.checks).toEqual(['not_null(id)', 'unique(order_no)', 'accepted_values(status)', 'aggregate(mean(amount))', 'row_count']);
    expect(report.scans[0]?.sql.match(/FROM/g)).toHaveLength(1);
    // count(*) is shared by three checks but computed once.
    expect(report.scans[0]?.sql.match(/count\(\*\) AS/g)).toHaveLength(1);
    expect(report.checks.every((c) => c.scan === 0)).toBe(true);
    expect(report.checks.map((c) => c.sampleSql !== null)).toEqual([false, true, true, false, false]);
  });

  it('reads the audited commit even if the branch moves, and reports ref and commit', async () => {
    await shop.lakehouse.createBranch('dev');
    const head = await shop.lakehouse.getRef('dev');
    const report = await runAudit({ lakehouse: shop.lakehouse, table: 'shop.orders', ref: 'dev', checks: [] });
    expect(report).toMatchObject({ table: 'shop.orders', ref: 'dev', commit: head.commit, passed: true, rowsAdded: null });
    expect(report.checks.map((c) => c.name)).toEqual(['row_count']);
    expect(report.durationMs).toBeGreaterThan(0);
    expect(Number.isNaN(Date.parse(report.startedAt))).toBe(false);
  });

  it('an empty batch fails the default row_count check; a request can override it', async () => {
    const empty = await writeFile(path.join(shop.dataDir, 'empty.parquet'), `${ORDERS_SQL} WHERE false`);
    await shop.lakehouse.importData({ table: 'shop.empty', source: empty, branch: 'main' });
    const report = await runAudit({ lakehouse: shop.lakehouse, table: 'shop.empty', ref: 'main', checks: [] });
    expect(report.checks.map((c) => [c.name, c.status, c.observed])).toEqual([['row_count', 'failed', 0]]);
    expect(report.passed).toBe(false);
    const overridden = await runAudit({
      lakehouse: shop.lakehouse,
      table: 'shop.empty',
      ref: 'main',
      checks: [{ type: 'row_count', min: 0 }, { type: 'aggregate', column: 'amount', function: 'mean', min: 0, severity: 'warn' }],
    });
    expect(overridden.checks.map((c) => [c.name, c.status])).toEqual([['row_count', 'passed'], ['aggregate(mean(amount))', 'warned']]);
    expect(overridden.checks[1]?.message).toMatch(/no non-NULL values/);
    expect(overridden.passed).toBe(true);
  });

  it('an empty batch appended to a table with rows fails the default check when the run gives its row count', async () => {
    const empty = await writeFile(path.join(shop.dataDir, 'empty.parquet'), `${ORDERS_SQL} WHERE false`);
    await shop.lakehouse.createBranch('run', { from: 'main' });
    await shop.lakehouse.importData({ table: 'shop.orders', source: empty, branch: 'run' });
    const asRun = await runAudit({ lakehouse: shop.lakehouse, table: 'shop.orders', ref: 'run', checks: [], context: { rowsAdded: 0 } });
    expect(asRun.checks.map((c) => [c.name, c.status, c.observed, c.message])).toEqual([
      ['row_count', 'failed', 0, '0 rows added by this batch; expected at least 1'],
    ]);
    expect(asRun.passed).toBe(false);
    // Without a run's count, the default counts the table; an explicit batch check compares with main.
    const adHoc = await runAudit({ lakehouse: shop.lakehouse, table: 'shop.orders', ref: 'run', checks: [] });
    expect(adHoc.checks.map((c) => [c.status, c.observed])).toEqual([['passed', 12]]);
    const batch = await runAudit({ lakehouse: shop.lakehouse, table: 'shop.orders', ref: 'run', checks: [{ type: 'row_count', min: 1, scope: 'batch' }] });
    expect(batch.checks.map((c) => [c.status, c.observed])).toEqual([['failed', 0]]);
  });
});

describe('audit checks at the edges of their values', () => {
  let backend: OpenedBackend;
  afterEach(async () => backend?.cleanup());

  it('percent limits hold at the boundary, NaN meets no bound, time zones and text columns behave', async () => {
    backend = await openLocal();
    // 100 rows: v NULL in 7 of them; f holds one NaN; code is text with look-alikes of 1; at is a TIMESTAMPTZ.
    const source = await writeFile(
      path.join(backend.dataDir, 'edge.parquet'),
      `SELECT i AS id, CASE WHEN i <= 7 THEN NULL ELSE i END AS v, CASE WHEN i = 1 THEN 'NaN'::DOUBLE ELSE i::DOUBLE END AS f,
              (['1', '01', ' 1', '1.0', '2'])[1 + i % 5] AS code,
              TIMESTAMPTZ '2026-01-02 00:00:00+00' + i * INTERVAL 1 HOUR AS at
         FROM range(1, 101) AS t(i)`,
    );
    await backend.lakehouse.importData({ table: 'qa.edge', source, branch: 'main' });
    const report = await runAudit({
      lakehouse: backend.lakehouse,
      table: 'qa.edge',
      ref: 'main',
      defaultChecks: false,
      checks: [
        { type: 'not_null', column: 'v', maxNullPercent: 7 },
        { type: 'expression', expression: 'v IS NOT NULL', maxFailingPercent: 7 },
        { type: 'not_null', column: 'v', maxNullPercent: 6.99, name: 'just under' },
        { type: 'aggregate', column: 'f', function: 'mean', min: 1_000_000 },
        { type: 'aggregate', column: 'f', function: 'max', max: 1_000_000 },
        { type: 'accepted_values', column: 'code', values: [1, 2] },
        { type: 'range', column: 'at', min: '2026-01-02 06:00:00' },
      ],
    });
    expect(report.checks.map((c) => [c.name, c.status, c.failingCount])).toEqual([
      ['not_null(v)', 'passed', 7],
      ['expression(v IS NOT NULL)', 'passed', 7],
      ['just under', 'failed', 7],
      ['aggregate(mean(f))', 'failed', null],
      ['aggregate(max(f))', 'failed', null],
      // Only the values '1' and '2' are in the list; '01', ' 1' and '1.0' are not, as text.
      ['accepted_values(code)', 'failed', 60],
      // Hours 1-5 are before 06:00 UTC, whatever the host's time zone.
      ['range(at)', 'failed', 5],
    ]);
    expect(report.checks[3]?.message).toBe('mean(f) is NaN (the column holds NaN), which no bound admits; expected at least 1000000');
  });

  it('compares min and max as numbers or ISO dates when validating', () => {
    expect(() => parseChecks([
      { type: 'range', column: 'd', min: '2026-1-5', max: '2026-01-10' },
      { type: 'range', column: 'f', min: '9', max: '10' },
      { type: 'range', column: 'd', min: '2026-01-05', max: '2026-01-05 10:00' },
    ])).not.toThrow();
    expect(() => parseChecks([{ type: 'range', column: 'f', min: '10', max: 9 }])).toThrow(/checks\[0\]\.min: min must not be greater than max/);
    expect(() => parseChecks([{ type: 'range', column: 'd', min: '2026-02-01', max: '2026-01-31T23:00' }])).toThrow(/min must not be greater than max/);
  });
});

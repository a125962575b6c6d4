import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  AUDIT_RESULTS_TABLE,
  LOADED_FILES_TABLE,
  recordAuditHistory,
  runAudit,
  summarizeForCommit,
  type AuditContext,
  type AuditReport,
  type Check,
} from '../../src/shared/audits/index.js';
import type { OpenedBackend } from '../support/backends.js';
import { openShop } from './fixtures.js';

describe('audit history', () => {
  let shop: OpenedBackend;
  beforeEach(async () => {
    shop = await openShop();
  });
  afterEach(async () => {
    await shop.cleanup();
  });

  const audit = (checks: Check[], context: AuditContext, ref = 'main'): Promise<AuditReport> =>
    runAudit({ lakehouse: shop.lakehouse, table: 'shop.orders', ref, checks, context });

  /** A run that audits and records its history on main, as a publish would. */
  async function publishedRun(runId: string, context: AuditContext, published = true): Promise<AuditReport> {
    const report = await audit([], { ...context, runId });
    await recordAuditHistory({ lakehouse: shop.lakehouse, report, branch: 'main', runId, published });
    return report;
  }

  it('records one flat row per check and the fingerprints, readable with SQL at the branch', async () => {
    const report = await audit(
      [{ type: 'not_null', column: 'customer' }, { type: 'not_null', column: 'nope', severity: 'warn' }],
      { rowsAdded: 12, fingerprints: ['f1', 'f2', 'f1'], runId: 'r1' },
    );
    const before = await shop.lakehouse.getRef('main');
    const recorded = await recordAuditHistory({ lakehouse: shop.lakehouse, report, branch: 'main', runId: 'r1', published: false });
    expect(recorded).toMatchObject({ results: 3, loadedFiles: 2 });
    expect(recorded.commit).not.toBe(before.commit);
    expect((await shop.lakehouse.getRef('main')).commit).toBe(recorded.commit);

    const rows = await shop.lakehouse.queryRows(
      `SELECT run_id, table_name, ref, commit_id, published, run_passed, rows_added, check_name, check_type, severity, status,
              failing_count, checked_rows, observed_json, threshold_json, sample_json, sql IS NOT NULL AS has_sql, typeof(audited_at) AS t
       FROM ${AUDIT_RESULTS_TABLE} ORDER BY check_name`,
    );
    expect(rows).toHaveLength(3);
    expect(rows[0]).toMatchObject({
      run_id: 'r1',
      table_name: 'shop.orders',
      ref: 'main',
      commit_id: report.commit,
      published: false,
      run_passed: false,
      rows_added: 12,
      check_name: 'not_null(customer)',
      status: 'failed',
      failing_count: 2,
      checked_rows: 12,
      observed_json: '2',
      threshold_json: '{"maxFailing":0}',
      has_sql: true,
      t: 'TIMESTAMP WITH TIME ZONE',
    });
    expect(JSON.parse(String(rows[0]?.['sample_json'])).map((r: { id: number }) => r.id)).toEqual([4, 9]);
    expect(rows[1]).toMatchObject({ check_name: 'not_null(nope)', status: 'error', failing_count: null, checked_rows: null, has_sql: false });
    expect(rows[2]).toMatchObject({ check_name: 'row_count', status: 'passed', observed_json: '12' });

    const files = await shop.lakehouse.queryRows(`SELECT fingerprint, run_id, published FROM ${LOADED_FILES_TABLE} ORDER BY fingerprint`);
    expect(files).toEqual([
      { fingerprint: 'f1', run_id: 'r1', published: false },
      { fingerprint: 'f2', run_id: 'r1', published: false },
    ]);

    // A second run whose report has a different shape appends to the same tables.
    const second = await audit([{ type: 'freshness', column: 'created_at', maxAge: '1d' }], { runId: 'r2' });
    await recordAuditHistory({ lakehouse: shop.lakehouse, report: second, branch: 'main', runId: 'r2' });
    expect(await shop.lakehouse.queryRows(`SELECT run_id, count(*) AS n FROM ${AUDIT_RESULTS_TABLE} GROUP BY run_id ORDER BY run_id`)).toEqual([
      { run_id: 'r1', n: 3 },
      { run_id: 'r2', n: 2 },
    ]);
  });

  it('published history travels with the data: recorded on the run branch, visible on main after the merge', async () => {
    await shop.lakehouse.createBranch('wap/shop.orders/r1');
    const report = await audit([], { runId: 'r1', rowsAdded: 12, fingerprints: ['f1'] }, 'wap/shop.orders/r1');
    await recordAuditHistory({ lakehouse: shop.lakehouse, report, branch: 'wap/shop.orders/r1', runId: 'r1' });
    await expect(shop.lakehouse.queryRows(`SELECT * FROM ${AUDIT_RESULTS_TABLE}`)).rejects.toMatchObject({ code: 'TABLE_NOT_FOUND' });
    await shop.lakehouse.merge('wap/shop.orders/r1', { into: 'main', properties: summarizeForCommit(report) });
    const merged = await audit([{ type: 'not_already_loaded' }], { runId: 'r2', fingerprints: ['f1'] });
    expect(merged.checks[0]).toMatchObject({ status: 'failed', failingCount: 1 });
    const [head] = await shop.lakehouse.log('main', { limit: 1 });
    expect(head?.properties).toMatchObject({ 'floodgate.audit.passed': 'true', 'floodgate.audit.table': 'shop.orders' });
  });

  it('volume_change compares rows added with the average of the last published runs', async () => {
    const check: Check = { type: 'volume_change', maxChangePercent: 20, lookback: 3 };
    const first = await audit([check], { rowsAdded: 100, runId: 'r0' });
    expect(first.checks[0]).toMatchObject({ status: 'passed', observed: 'no history' });

    await publishedRun('r1', { rowsAdded: 1000 });
    await publishedRun('r2', { rowsAdded: 100 });
    await publishedRun('r3', { rowsAdded: 120 });
    await publishedRun('r4', { rowsAdded: 110 });
    await publishedRun('unpublished', { rowsAdded: 50_000 }, false);

    const steady = await audit([check], { rowsAdded: 121, runId: 'r5' });
    expect(steady.checks[0]).toMatchObject({ status: 'passed', observed: { rowsAdded: 121, average: 110, changePercent: 10, runs: 3 } });
    expect(steady.rowsAdded).toBe(121);

    const spike = await audit([check], { rowsAdded: 200, runId: 'r5' });
    expect(spike.checks[0]).toMatchObject({ status: 'failed', threshold: { maxChangePercent: 20, lookback: 3 } });
    expect((spike.checks[0]?.observed as { changePercent: number }).changePercent).toBeCloseTo(81.818, 2);
    expect(spike.checks[0]?.sample.map((r) => [r['run_id'], r['rows_added']])).toEqual([['r4', 110], ['r3', 120], ['r2', 100]]);
    expect(spike.checks[0]?.message).toMatch(/^200 rows added vs an average of 110 over the last 3 published runs: \+81\.82%/);

    const drop = await audit([{ ...check, lookback: 4 }], { rowsAdded: 10, runId: 'r5' });
    expect(drop.checks[0]).toMatchObject({ status: 'failed', observed: { average: 332.5, runs: 4 } });
  });

  it('volume_change without rowsAdded counts rows at the ref minus rows at main', async () => {
    await publishedRun('r1', { rowsAdded: 12 });
    await shop.lakehouse.createBranch('dev');
    await shop.lakehouse.importData({ table: 'shop.orders', source: `${shop.dataDir}/orders.parquet`, branch: 'dev' });
    const report = await audit([{ type: 'volume_change', maxChangePercent: 0 }], { runId: 'r2' }, 'dev');
    expect(report.checks[0]).toMatchObject({ status: 'passed', observed: { rowsAdded: 12, average: 12, changePercent: 0, runs: 1 } });
    expect(report.rowsAdded).toBe(12);
  });

  it('not_already_loaded flags fingerprints published before, but not by this run or by unpublished runs', async () => {
    const check: Check = { type: 'not_already_loaded' };
    expect((await audit([check], { fingerprints: ['a'] })).checks[0]).toMatchObject({ status: 'passed', failingCount: 0, sample: [] });
    await publishedRun('r1', { fingerprints: ['a', 'b'] });
    await publishedRun('r2', { fingerprints: ['x'] }, false);

    const again = await audit([check], { fingerprints: ['b', 'c', 'x'], runId: 'r3' });
    expect(again.checks[0]).toMatchObject({ status: 'failed', failingCount: 1, checkedRows: 3, message: '1 of 3 source files was already published into this table (33.33%)' });
    expect(again.checks[0]?.sample).toMatchObject([{ fingerprint: 'b', run_id: 'r1', runs: 1 }]);

    const redelivered = await audit([check], { fingerprints: ['a', 'b'], runId: 'r1' });
    expect(redelivered.checks[0]).toMatchObject({ status: 'passed', failingCount: 0 });
    const unknown = await audit([check], {});
    expect(unknown.checks[0]).toMatchObject({ status: 'error' });
    expect(unknown.checks[0]?.message).toMatch(/needs the fingerprints/);
  });

  it('summarizes a report as commit properties', async () => {
    const report = await audit(
      [
        { type: 'not_null', column: 'customer' },
        { type: 'unique', column: 'order_no', severity: 'warn' },
        { type: 'not_null', column: 'id' },
      ],
      {},
    );
    expect(summarizeForCommit(report)).toEqual({
      'floodgate.audit.table': 'shop.orders',
      'floodgate.audit.commit': report.commit,
      'floodgate.audit.passed': 'false',
      'floodgate.audit.checks': '4',
      'floodgate.audit.failed': '1',
      'floodgate.audit.warned': '1',
      'floodgate.audit.failed-checks': 'not_null(customer)',
      'floodgate.audit.warned-checks': 'unique(order_no)',
      'floodgate.audit.duration-ms': String(Math.round(report.durationMs)),
    });
  });
});

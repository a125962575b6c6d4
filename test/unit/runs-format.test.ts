import { describe, expect, it } from 'vitest';
import { runDetails, runSummaryLine, runsTable } from '../../src/producers/cli/runs-format.js';
import type { RunRecord } from '../../src/shared/ledger/index.js';

function run(onAuditFailure: 'keep' | 'delete'): RunRecord {
  return {
    runId: 'r-1',
    table: 'taxi.trips',
    status: 'audit_failed',
    branch: 'wap/taxi.trips/r-1',
    request: { table: 'taxi.trips', onAuditFailure },
    history: [],
    createdAt: '2026-11-24T00:00:00.000Z',
    updatedAt: '2026-11-24T00:00:01.000Z',
  } as unknown as RunRecord;
}

describe('run listings', () => {
  it('show the quarantine branch only when the run kept it', () => {
    expect(runSummaryLine(run('keep'))).toBe('r-1  taxi.trips  audit_failed  branch wap/taxi.trips/r-1');
    expect(runSummaryLine(run('delete'))).toBe('r-1  taxi.trips  audit_failed  branch wap/taxi.trips/r-1 (deleted, as the request asked)');
    expect(runsTable([run('keep')])).toContain('wap/taxi.trips/r-1');
    expect(runsTable([run('delete')])).not.toContain('wap/taxi.trips/r-1');
  });

  it("show a published run's warnings, and no count for checks that do not count rows", () => {
    const published = {
      ...run('keep'),
      status: 'published',
      report: {
        checks: [
          { name: 'not_null(zone)', type: 'not_null', severity: 'warn', status: 'warned', failingCount: 2, message: '2 of 10 rows are NULL (20%)', sample: [] },
          { name: 'volume_change', type: 'volume_change', severity: 'warn', status: 'warned', failingCount: null, message: '3,000 rows added, 200% above the average of 1,000' },
          { name: 'row_count', type: 'row_count', severity: 'error', status: 'passed', failingCount: null, message: '10 rows' },
        ],
      },
    } as unknown as RunRecord;
    const text = runDetails(published);
    expect(text).toContain('warnings (warn-severity checks that did not pass; they do not block a publish):');
    expect(text).toContain('  not_null(zone) (not_null): 2 failing: 2 of 10 rows are NULL (20%)');
    expect(text).toContain('  volume_change (volume_change): 3,000 rows added, 200% above the average of 1,000');
    expect(text).not.toContain('?');
    expect(text).not.toContain('row_count');
  });
});

import { describe, expect, it } from 'vitest';
import { runSummaryLine, runsTable } from '../../src/producers/cli/runs-format.js';
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
});

import { describe, expect, it } from 'vitest';
import { renderMarkdown, type AuditReport, type CheckResult } from '../../src/shared/audits/index.js';

const base: CheckResult = {
  name: 'not_null(zone)',
  type: 'not_null',
  severity: 'error',
  status: 'passed',
  message: '0 of 3 rows are NULL (0%)',
  observed: 0,
  threshold: { maxFailing: 0 },
  failingCount: 0,
  failingPercent: 0,
  checkedRows: 3,
  sample: [],
  sql: 'SELECT count(*) AS "a0" FROM "taxi"."trips"',
  sampleSql: null,
  scan: 0,
  durationMs: 12.5,
};

const report: AuditReport = {
  formatVersion: 1,
  table: 'taxi.trips',
  ref: 'wap/taxi.trips/r1',
  commit: 'abc123',
  passed: false,
  startedAt: '2026-03-01T00:00:00.000Z',
  durationMs: 1234,
  summary: { total: 3, passed: 1, failed: 1, warned: 0, errors: 1 },
  rowsAdded: 3,
  fingerprints: [],
  scans: [{ sql: 'SELECT count(*) AS "a0" FROM "taxi"."trips"', durationMs: 10, checks: ['not_null(zone)', 'accepted_values(zone)'] }],
  checks: [
    base,
    {
      ...base,
      name: 'accepted_values(zone)',
      type: 'accepted_values',
      status: 'failed',
      message: '1 of 3 rows have a value not in the accepted list (33.33%)',
      observed: 1,
      failingCount: 1,
      failingPercent: 100 / 3,
      sample: [{ id: 7, zone: 'a|b', note: null }],
      sampleSql: 'SELECT * FROM "taxi"."trips" WHERE ...',
    },
    { ...base, name: 'not_null(nope)', status: 'error', message: 'column "nope" not found', observed: null, threshold: {}, failingCount: null, failingPercent: null, sql: null, scan: null },
  ],
};

describe('Markdown report', () => {
  it('has a summary table, then a section per check that did not pass, with sample rows and SQL', () => {
    const md = renderMarkdown(report);
    expect(md.split('\n').slice(0, 8)).toEqual([
      '### Audit of `taxi.trips` at `wap/taxi.trips/r1`: **FAILED**',
      '',
      'Commit `abc123` · 3 checks: 1 passed, 1 failed, 0 warned, 1 error · 1.23 s · 3 rows added',
      '',
      '| status | check | type | severity | observed | threshold | failing | time |',
      '|---|---|---|---|---|---|---|---|',
      '| passed | not_null(zone) | not_null | error | 0 | maxFailing: 0 | 0 (0%) | 13 ms |',
      '| **FAILED** | accepted_values(zone) | accepted_values | error | 1 | maxFailing: 0 | 1 (33.33%) | 13 ms |',
    ]);
    expect(md).toContain('#### **FAILED**: accepted_values(zone)\n\n1 of 3 rows have a value not in the accepted list (33.33%)');
    expect(md).toContain('| id | zone | note |\n|---|---|---|\n| 7 | a\\|b | NULL |');
    expect(md).toContain('<details><summary>sample SQL</summary>');
    expect(md).toContain('#### **ERROR**: not_null(nope)\n\ncolumn "nope" not found');
    expect(md).toContain('<details><summary>fused scan 0 (2 checks, 10 ms)</summary>');
    expect(md).not.toContain('#### passed');
  });

  it('keeps numbers\' magnitude and data literal: tiny and huge numbers, HTML, emphasis, backticks in SQL, newlines in names', () => {
    const odd: AuditReport = {
      ...report,
      checks: [
        {
          ...base,
          name: 'min(tiny)\n## injected',
          type: 'aggregate',
          status: 'failed',
          message: 'min is 1e-06 <b>bold</b>',
          observed: 0.000001,
          threshold: { max: 0.0000001 },
          failingCount: null,
          failingPercent: null,
          sample: [{ big: 1e300, html: '<img src=x onerror=alert(1)>', emph: '**not bold**' }],
          sql: 'SELECT 1 AS "```" -- ```',
        },
      ],
    };
    const md = renderMarkdown(odd);
    expect(md).toContain('| **FAILED** | min(tiny) ## injected | aggregate | error | 0.000001 | max: 1e-7 |');
    expect(md).toContain('#### **FAILED**: min(tiny) ## injected\n\nmin is 1e-06 \\<b>bold\\</b>');
    expect(md).toContain('| 1e+300 | \\<img src=x onerror=alert(1)> | \\*\\*not bold\\*\\* |');
    expect(md).toContain('````sql\nSELECT 1 AS "```" -- ```\n````');
  });
});

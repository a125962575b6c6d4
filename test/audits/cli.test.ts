import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/shared/config/index.js';
import { openLocalLakehouse } from '../../src/shared/lakehouse/local/index.js';
import { writeFile } from '../support/data.js';
import { runCli } from '../support/cli.js';
import { CUSTOMERS_SQL, ORDERS_SQL } from './fixtures.js';

describe('floodgate lake audit (CLI)', { timeout: 180_000 }, () => {
  let home: string;
  let data: string;

  const cli = (...args: string[]) =>
    runCli(['--home', home, ...args], { cwd: data, env: { FLOODGATE_SOURCE_ROOTS: data, FLOODGATE_AUTHOR: 'cli-test' } });
  const file = (name: string, text: string) => fs.writeFile(path.join(data, name), text);

  beforeEach(async () => {
    home = await fs.mkdtemp(path.join(os.tmpdir(), 'fg-audit-home-'));
    data = await fs.mkdtemp(path.join(os.tmpdir(), 'fg-audit-data-'));
    const config = loadConfig({ FLOODGATE_HOME: home, FLOODGATE_SOURCE_ROOTS: data, FLOODGATE_AUTHOR: 'cli-test' }).lakehouse;
    const lakehouse = await openLocalLakehouse(config, { cwd: data });
    try {
      await lakehouse.importData({ table: 'shop.orders', source: await writeFile(path.join(data, 'orders.parquet'), ORDERS_SQL), branch: 'main' });
      await lakehouse.importData({ table: 'shop.customers', source: await writeFile(path.join(data, 'customers.parquet'), CUSTOMERS_SQL), branch: 'main' });
    } finally {
      await lakehouse.close();
    }
  });
  afterEach(async () => {
    await fs.rm(home, { recursive: true, force: true });
    await fs.rm(data, { recursive: true, force: true });
  });

  it('counts a batch against FLOODGATE_TARGET_BRANCH, the branch runs publish into', async () => {
    expect((await cli('lake', 'branch', 'create', 'staging')).code).toBe(0);
    await writeFile(path.join(data, 'more.parquet'), 'SELECT range AS id FROM range(2)');
    expect((await cli('lake', 'import', 'shop.extra', 'more.parquet', '--branch', 'staging')).code).toBe(0);
    expect((await cli('lake', 'branch', 'create', 'dev2', '--from', 'staging')).code).toBe(0);
    expect((await cli('lake', 'import', 'shop.extra', 'more.parquet', '--branch', 'dev2')).code).toBe(0);
    await file('batch.yaml', 'checks:\n  - {type: row_count, scope: batch, min: 1, max: 2}\n');
    const audit = await runCli(['--home', home, 'lake', 'audit', 'shop.extra', '--ref', 'dev2', '--checks', 'batch.yaml', '--format', 'json'], {
      cwd: data,
      env: { FLOODGATE_SOURCE_ROOTS: data, FLOODGATE_AUTHOR: 'cli-test', FLOODGATE_TARGET_BRANCH: 'staging' },
    });
    expect(audit.code, audit.stderr).toBe(0);
    expect(JSON.parse(audit.stdout)).toMatchObject({ passed: true, checks: [{ type: 'row_count', observed: 2 }] });
  });

  it('exits 0 when every error check passes, 3 when one fails, and prints the report as Markdown', async () => {
    await file('passing.yaml', 'checks:\n  - {type: not_null, column: id}\n  - {type: unique, column: id}\n  - {type: not_null, column: customer, severity: warn}\n');
    const passing = await cli('lake', 'audit', 'shop.orders', '--checks', 'passing.yaml');
    expect(passing.code, passing.stderr).toBe(0);
    expect(passing.stdout).toContain('### Audit of `shop.orders` at `main`: passed');
    expect(passing.stdout).toContain('| warned | not_null(customer) | not_null | warn | 2 | maxFailing: 0 | 2 (16.67%) |');
    expect(passing.stderr).toBe('');

    await file('failing.json', JSON.stringify({ checks: [{ type: 'referential_integrity', column: 'customer', to: 'shop.customers', toColumn: 'id' }, { type: 'row_count', min: 1 }] }));
    const failing = await cli('lake', 'audit', 'shop.orders', '--ref', 'main', '--checks', 'failing.json');
    expect(failing.code).toBe(3);
    expect(failing.stdout).toContain('#### **FAILED**: referential_integrity(customer -> shop.customers(id))');
    expect(failing.stdout).toContain('1 of 12 rows have no match in shop.customers (8.33%)');
    expect(failing.stdout).toMatch(/\| 10 \| A-10 \| c9 \| paid \| 250 \| ivy@shop\.io \|/);
    expect(failing.stderr).toBe(
      'floodgate: audit of shop.orders at main failed: 1 of 2 checks did not pass (referential_integrity(customer -> shop.customers(id)))\n',
    );
  });

  it('prints JSON with --format json (or --json), and applies the contracts file', async () => {
    await file('checks.yaml', '- {type: accepted_values, column: status, values: [paid, shipped, refunded]}\n');
    await file(
      'contracts.yaml',
      'tables:\n  shop.orders:\n    keyColumns: [id]\n    checks:\n      - {type: row_count, min: 100, severity: warn}\n      - {type: not_null, column: order_no}\n',
    );
    const result = await cli('lake', 'audit', 'shop.orders', '--checks', 'checks.yaml', '--contracts', 'contracts.yaml', '--format', 'json');
    expect(result.code).toBe(3);
    const report = JSON.parse(result.stdout) as { passed: boolean; checks: Array<{ name: string; status: string; failingCount: number | null; sample: unknown[] }> };
    expect(report.passed).toBe(false);
    expect(report.checks.map((c) => [c.name, c.status])).toEqual([
      ['row_count', 'warned'],
      ['not_null(order_no)', 'passed'],
      ['accepted_values(status)', 'failed'],
    ]);
    // keyColumns from the contract: the sample shows the key plus the checked column.
    expect(report.checks[2]?.sample).toEqual([{ id: 6, status: 'lost' }]);

    await file('floodgate.yaml', 'tables:\n  shop.orders:\n    checks: [{type: row_count, min: 100}]\n');
    const withDefault = await cli('--json', 'lake', 'audit', 'shop.orders');
    expect(withDefault.code).toBe(3);
    expect((JSON.parse(withDefault.stdout) as { checks: Array<{ name: string; observed: number }> }).checks).toMatchObject([{ name: 'row_count', observed: 12 }]);
  });

  it('exits 2 with a message naming the check and field for a bad checks file, and for bad arguments', async () => {
    await file('bad.yaml', 'checks:\n  - {type: not_null, column: id}\n  - {type: unique, column: id}\n  - {type: range, column: 7, min: 0}\n');
    const bad = await cli('lake', 'audit', 'shop.orders', '--checks', 'bad.yaml');
    expect(bad.code).toBe(2);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toBe(`floodgate: invalid checks file bad.yaml: checks[2].column: expected string, got number 7\n`);

    // Every problem of a long file, one per line (the error message itself keeps the first ten).
    await file('many.yaml', `checks:\n${Array.from({ length: 12 }, () => '  - {type: not_null}\n').join('')}`);
    const many = await cli('lake', 'audit', 'shop.orders', '--checks', 'many.yaml');
    expect(many.code).toBe(2);
    expect(many.stderr).toBe(
      `floodgate: invalid checks file many.yaml (12 problems):\n${Array.from({ length: 12 }, (_, i) => `  checks[${i}].column: expected string (the field is missing)\n`).join('')}`,
    );

    // The schema of checks files, for editors: it refuses what the validator refuses field by field.
    const schema = await cli('schema', 'checks');
    expect(schema.code).toBe(0);
    const validate = new Ajv2020({ strict: false }).compile(JSON.parse(schema.stdout) as object);
    expect([validate({ checks: [{ type: 'not_null', column: 'id' }] }), validate({ checks: [{ type: 'range', column: 7, min: 0 }] })]).toEqual([true, false]);

    const cases: Array<[string[], RegExp]> = [
      [['schema', 'nope'], /Allowed choices are checks, contracts, ingestion-request/],
      [['lake', 'audit', 'shop.orders', '--checks', 'missing.yaml'], /invalid checks file missing\.yaml: the file does not exist/],
      [['lake', 'audit', 'shop.nope'], /table shop\.nope does not exist at main/],
      [['lake', 'audit', 'orders'], /invalid table name "orders"/],
      [['lake', 'audit', 'shop.orders', '--ref', 'nope'], /ref "nope" does not exist/],
      [['lake', 'audit', 'shop.orders', '--format', 'xml'], /argument 'xml' is invalid/],
    ];
    for (const [args, message] of cases) {
      const result = await cli(...args);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr, args.join(' ')).toMatch(message);
    }
  });
});

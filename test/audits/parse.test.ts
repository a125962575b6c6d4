import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  CHECK_TYPES,
  ChecksInvalidError,
  checksJsonSchema,
  contractFor,
  contractsJsonSchema,
  loadChecksFile,
  loadContracts,
  parseChecks,
  resolveChecks,
} from '../../src/shared/audits/index.js';
import { normalizeType } from '../../src/shared/audits/run/table-checks.js';

function issuesOf(value: unknown): string[] {
  try {
    parseChecks(value);
  } catch (error) {
    expect(error).toBeInstanceOf(ChecksInvalidError);
    expect(error).toMatchObject({ code: 'CHECKS_INVALID', retryable: false });
    return [...(error as ChecksInvalidError).issues];
  }
  throw new Error('expected the checks to be rejected');
}

describe('checks files', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fg-checks-'));
  });
  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('names the offending check and field in every issue', () => {
    const issues = issuesOf({
      checks: [
        { type: 'not_null', column: 'id' },
        { type: 'unique', column: 'id' },
        { type: 'range', column: 7, min: 0 },
        { type: 'nonsense' },
        { type: 'not_null' },
        { type: 'accepted_values', column: 'x', values: [], severity: 'fatal' },
        { type: 'not_null', column: 'x', colum: 'y' },
      ],
    });
    expect(issues).toEqual([
      'checks[2].column: expected string, got number 7',
      `checks[3].type: expected one of ${CHECK_TYPES.join(', ')} (got string "nonsense")`,
      'checks[4].column: expected string (the field is missing)',
      expect.stringMatching(/^checks\[5\]\.values: Too small/),
      'checks[5].severity: expected one of "error", "warn", got string "fatal"',
      'checks[6].colum: unknown field',
    ]);
  });

  it('rejects checks whose fields do not make sense together', () => {
    const issues = issuesOf([
      { type: 'range', column: 'a' },
      { type: 'range', column: 'a', min: 5, max: 1 },
      { type: 'unique', column: 'a', columns: ['b'] },
      { type: 'unique' },
      { type: 'not_null', column: 'a', maxFailing: 1, maxNullPercent: 5 },
      { type: 'freshness', column: 'a', maxAge: 'yesterday' },
      { type: 'referential_integrity', column: 'a', to: 'zones' },
      { type: 'referential_integrity', columns: ['a', 'b'], to: 'x.zones', toColumns: ['id'] },
      { type: 'pattern', column: 'a' },
      { type: 'schema', columns: ['a'], where: 'a > 1' },
      { type: 'accepted_values', column: 'a', values: ['x'], maxFailing: 1, maxFailingPercent: 2 },
    ]);
    expect(issues).toEqual([
      'checks[0].min: give at least one of min, max',
      'checks[1].min: min must not be greater than max',
      'checks[2].column: give either column or columns',
      'checks[3].column: give either column or columns',
      'checks[4].maxNullPercent: give one of maxNullPercent, maxFailing or maxFailingPercent',
      'checks[5].maxAge: expected a duration such as 30m, 24h, 7d or 1d12h',
      'checks[6].to: expected <namespace>.<table>, e.g. taxi.zones',
      'checks[7].toColumns: expected 2 column(s), as many as the key has',
      'checks[8].regex: give at least one of regex, minLength, maxLength',
      'checks[9].where: unknown field',
      'checks[10].maxFailingPercent: give maxFailing or maxFailingPercent, not both',
    ]);
  });

  it('rejects a file that is not a list of checks', () => {
    expect(issuesOf('checks')).toEqual(['(top level): expected a list of checks or an object with a checks list, got string "checks"']);
    expect(issuesOf({ checks: { type: 'not_null' } })).toEqual(['checks: expected array, got an object']);
    expect(issuesOf({ checks: [], extra: 1 })).toEqual(['extra: unknown field']);
  });

  it('loads YAML and JSON files, and reports syntax errors and missing files with the file name', async () => {
    const yaml = path.join(dir, 'checks.yaml');
    await fs.writeFile(yaml, 'checks:\n  - type: not_null\n    column: id\n  - {type: range, column: fare, min: 0, max: 500}\n');
    expect(await loadChecksFile(yaml)).toEqual([
      { type: 'not_null', column: 'id' },
      { type: 'range', column: 'fare', min: 0, max: 500 },
    ]);
    const json = path.join(dir, 'checks.json');
    await fs.writeFile(json, JSON.stringify([{ type: 'row_count', min: 10 }]));
    expect(await loadChecksFile(json)).toEqual([{ type: 'row_count', min: 10 }]);

    const broken = path.join(dir, 'broken.yaml');
    await fs.writeFile(broken, 'checks:\n  - type: not_null\n   column: [id\n');
    await expect(loadChecksFile(broken)).rejects.toThrow(new RegExp(`^invalid checks file ${broken}: line \\d+, column \\d+: `));
    const bad = path.join(dir, 'bad.yaml');
    await fs.writeFile(bad, 'checks:\n  - type: not_null\n  - type: not_null\n  - type: not_null\n    column: 3\n');
    await expect(loadChecksFile(bad)).rejects.toThrow(
      `invalid checks file ${bad}: checks[0].column: expected string (the field is missing); checks[1].column: expected string (the field is missing); checks[2].column: expected string, got number 3`,
    );
    await expect(loadChecksFile(path.join(dir, 'nope.yaml'))).rejects.toThrow(/the file does not exist/);
  });

  it('exports JSON Schemas covering every check type, agreeing with the validator on single-field rules', () => {
    type Variant = { properties: { type: { const: string } }; required: string[] };
    const schema = checksJsonSchema() as { anyOf: [{ properties: { checks: { items: { oneOf: Variant[] } } } }, unknown] };
    const variants = schema.anyOf[0].properties.checks.items.oneOf;
    expect(variants.map((v) => v.properties.type.const)).toEqual([...CHECK_TYPES]);
    expect(variants.find((v) => v.properties.type.const === 'not_null')?.required).toEqual(['type', 'column']);
    expect(JSON.stringify(contractsJsonSchema())).toContain('schemaPolicy');

    const validate = new Ajv2020({ strict: false }).compile(checksJsonSchema());
    const files: unknown[] = [
      { checks: [{ type: 'not_null', column: 'id' }] },
      [{ type: 'freshness', column: 'at', maxAge: '1d12h' }],
      [{ type: 'freshness', column: 'at', maxAge: '1y' }],
      [{ type: 'freshness', column: 'at', maxAge: '1d 12h' }],
      [{ type: 'accepted_values', column: 'x', values: [null] }],
      { checks: [{ type: 'not_null', colum: 'id' }] },
    ];
    const verdicts = files.map((file) => {
      let parsed = true;
      try {
        parseChecks(file);
      } catch {
        parsed = false;
      }
      return [validate(file), parsed];
    });
    expect(verdicts).toEqual([[true, true], [true, true], [false, false], [false, false], [false, false], [false, false]]);
    expect(issuesOf([{ type: 'accepted_values', column: 'x', values: ['a', null] }])).toEqual(['checks[0].values[1]: expected string or number or boolean, got null']);
    expect(issuesOf([{ type: 'freshness', column: 'at', maxAge: '1y' }])).toEqual(['checks[0].maxAge: expected a duration such as 30m, 24h, 7d or 1d12h']);
  });
});

describe('contracts and check names', () => {
  it('derives unique names and adds row_count >= 1 unless a row_count check is given', () => {
    const resolved = resolveChecks({
      checks: [
        { type: 'not_null', column: 'a' },
        { type: 'not_null', column: 'a', where: 'b > 1' },
        { type: 'aggregate', column: 'fare', function: 'mean', max: 10 },
        { type: 'referential_integrity', column: 'zone', to: 'taxi.zones', toColumn: 'id' },
        { type: 'expression', expression: 'dropoff_at >= pickup_at AND fare >= 0 AND tip >= 0 AND total >= fare' },
      ],
    });
    expect(resolved.map((r) => [r.name, r.severity, r.origin])).toEqual([
      ['not_null(a)', 'error', 'request'],
      ['not_null(a) #2', 'error', 'request'],
      ['aggregate(mean(fare))', 'error', 'request'],
      ['referential_integrity(zone -> taxi.zones(id))', 'error', 'request'],
      ['expression(dropoff_at >= pickup_at AND fare >= 0 AND tip...)', 'error', 'request'],
      ['row_count', 'error', 'default'],
    ]);
    expect(resolveChecks({ checks: [{ type: 'row_count', min: 0 }] }).map((r) => r.name)).toEqual(['row_count']);
    // In a run (the batch is known) only a batch row count replaces the default batch guard.
    const inRun = (checks: unknown[], contractChecks: unknown[] = []) =>
      resolveChecks({ checks, contractChecks, batchKnown: true }).map((r) => [r.name, r.origin, r.check.type === 'row_count' ? (r.check.scope ?? 'table') : '']);
    expect(inRun([], [{ type: 'row_count', min: 100 }])).toEqual([
      ['row_count', 'contract', 'table'],
      ['row_count #2', 'default', 'batch'],
    ]);
    expect(inRun([{ type: 'row_count', scope: 'batch', min: 0 }])).toEqual([['row_count', 'request', 'batch']]);
    // A request loosens a contract check whatever the case of its column.
    const loosened = resolveChecks({ checks: [{ type: 'not_null', column: 'A', maxFailing: 5 }], contractChecks: [{ type: 'not_null', column: 'a' }], defaultChecks: false });
    expect(loosened.map((r) => [r.name, r.origin])).toEqual([['not_null(A)', 'request']]);
    expect(resolveChecks({ checks: [], defaultChecks: false })).toEqual([]);
    expect(() => resolveChecks({ checks: [{ type: 'row_count', min: 1, name: 'x' }, { type: 'not_null', column: 'a', name: 'x' }] })).toThrow(
      'checks[1].name: "x" is already the name of checks[0]',
    );
  });

  it("adds a request's checks to the contract's, a same-named request check replacing the contract's", async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fg-contracts-'));
    try {
      const file = path.join(dir, 'floodgate.yaml');
      await fs.writeFile(
        file,
        [
          'service: {port: 8080}  # other sections of floodgate.yaml are left alone',
          'tables:',
          '  taxi.trips:',
          '    schemaPolicy: freeze',
          '    keyColumns: [trip_id]',
          '    checks:',
          '      - {type: not_null, column: trip_id}',
          '      - {type: row_count, min: 100}',
          '      - {type: range, column: fare, min: 0, severity: warn}',
        ].join('\n'),
      );
      const contracts = await loadContracts(file);
      const contract = contractFor(contracts, 'taxi.trips');
      expect(contract).toMatchObject({ schemaPolicy: 'freeze', keyColumns: ['trip_id'] });
      expect(contractFor(contracts, 'taxi.zones')).toEqual({});
      const resolved = resolveChecks({
        contractChecks: contract.checks ?? [],
        checks: [{ type: 'range', column: 'fare', min: 0, max: 1000 }, { type: 'unique', column: 'trip_id' }],
      });
      expect(resolved.map((r) => [r.name, r.origin, r.severity])).toEqual([
        ['not_null(trip_id)', 'contract', 'error'],
        ['row_count', 'contract', 'error'],
        ['range(fare)', 'request', 'error'],
        ['unique(trip_id)', 'request', 'error'],
      ]);

      await fs.writeFile(file, 'tables:\n  trips: {}\n  taxi.zones:\n    schemaPolicy: sometimes\n    checks: [{type: not_null}]\n');
      await expect(loadContracts(file)).rejects.toThrow(
        `invalid contracts file ${file}: tables.trips: expected <namespace>.<table>; tables["taxi.zones"].schemaPolicy: expected one of "evolve", "freeze", got string "sometimes"; tables["taxi.zones"].checks[0].column: expected string (the field is missing)`,
      );
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it('reads the SQL spellings of types in schema checks as Iceberg types', () => {
    const spellings: Array<[string, string]> = [
      ['INT8', 'long'],
      ['int4', 'int'],
      ['float8', 'double'],
      ['FLOAT4', 'float'],
      ['varchar(20)', 'string'],
      ['Character Varying (3)', 'string'],
      ['NUMERIC(10, 2)', 'decimal(10, 2)'],
      ['timestamp with time zone', 'timestamptz'],
    ];
    expect(spellings.map(([spelled]) => [spelled, normalizeType(spelled)])).toEqual(spellings);
  });
});

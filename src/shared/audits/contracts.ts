import { z } from 'zod';
import type { SchemaPolicy } from '../lakehouse/lakehouse.js';
import { formatIssues, parseChecks } from './checks/parse.js';
import { checkSchema, type Check } from './checks/schema.js';
import { ChecksInvalidError } from './errors.js';
import { readStructuredFile } from './files.js';

/**
 * Table contracts: per table, the checks every audit of it runs and the schema policy its
 * imports follow. They live under `tables:` in `floodgate.yaml` (other top-level sections of
 * that file belong to other parts of Floodgate and are left alone) or in a `--contracts` file.
 */

const TABLE_NAME = /^[a-z_][a-z0-9_]{0,62}\.[a-z_][a-z0-9_]{0,62}$/;

export const tableContractSchema = z.strictObject({
  schemaPolicy: z.enum(['evolve', 'freeze']).optional().describe('evolve (default) adds new columns; freeze rejects any schema change'),
  keyColumns: z.array(z.string().min(1)).min(1).optional().describe('columns that identify a row; failing-row samples show these plus the checked ones'),
  checks: z.array(checkSchema).optional().describe('checks every audit of the table runs, before the request\'s own'),
});

export const contractsFileSchema = z.looseObject({
  tables: z
    .record(z.string().regex(TABLE_NAME, 'expected <namespace>.<table>'), tableContractSchema)
    .optional()
    .describe('contracts by table name'),
});

export interface TableContract {
  readonly schemaPolicy?: SchemaPolicy;
  readonly keyColumns?: readonly string[];
  readonly checks?: readonly Check[];
}

export interface Contracts {
  readonly tables: Readonly<Record<string, TableContract>>;
}

export function parseContracts(value: unknown, source = 'contracts'): Contracts {
  const input = value ?? {};
  const parsed = contractsFileSchema.safeParse(input);
  if (!parsed.success) throw new ChecksInvalidError(source, formatIssues(parsed.error, input));
  const tables: Record<string, TableContract> = {};
  for (const [name, contract] of Object.entries(parsed.data.tables ?? {})) {
    tables[name] = {
      ...(contract.schemaPolicy === undefined ? {} : { schemaPolicy: contract.schemaPolicy }),
      ...(contract.keyColumns === undefined ? {} : { keyColumns: contract.keyColumns }),
      ...(contract.checks === undefined ? {} : { checks: contract.checks }),
    };
  }
  return { tables };
}

/** Reads a contracts file (YAML or JSON). */
export async function loadContracts(file: string): Promise<Contracts> {
  return parseContracts(await readStructuredFile(file, 'contracts file'), `contracts file ${file}`);
}

/** Reads a checks file (YAML or JSON): a list of checks, or `{checks: [...]}`. */
export async function loadChecksFile(file: string): Promise<Check[]> {
  return parseChecks(await readStructuredFile(file, 'checks file'), `checks file ${file}`);
}

/** The contract of one table, or an empty one. */
export function contractFor(contracts: Contracts | undefined, table: string): TableContract {
  return contracts?.tables[table] ?? {};
}

import { z } from 'zod';
import { contractsFileSchema } from '../contracts.js';
import { checkSchema, checksFileSchema } from './schema.js';

/**
 * JSON Schemas (draft 2020-12) for editors and other languages. Cross-field rules (for
 * example "give min or max") are enforced by the validator but cannot be expressed here.
 */
export function checksJsonSchema(): Record<string, unknown> {
  return {
    // A file holds `{checks: [...]}` or just the list, as parseChecks accepts.
    ...z.toJSONSchema(z.union([checksFileSchema, z.array(checkSchema)]), { io: 'input' }),
    title: 'Floodgate checks file',
    description: 'Checks for `floodgate lake audit --checks`; see docs/audits.md',
  };
}

export function contractsJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(contractsFileSchema, { io: 'input' }),
    title: 'Floodgate table contracts',
    description: 'The `tables:` section of floodgate.yaml; see docs/audits.md',
  };
}

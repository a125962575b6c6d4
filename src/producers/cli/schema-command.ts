import { Argument, Command } from 'commander';
import { checksJsonSchema, contractsJsonSchema } from '../../shared/audits/index.js';
import { ingestionRequestJsonSchema } from '../../shared/jobs/index.js';

const SCHEMAS = {
  checks: checksJsonSchema,
  contracts: contractsJsonSchema,
  'ingestion-request': ingestionRequestJsonSchema,
} as const;

/** `floodgate schema <what>`: a JSON Schema on stdout, for editors and for services in other languages. */
export function schemaCommand(): Command {
  return new Command('schema')
    .description('print the JSON Schema of a checks file, of floodgate.yaml\'s tables, or of an ingestion request')
    .addArgument(new Argument('<what>', 'which schema').choices(Object.keys(SCHEMAS)))
    .addHelpText(
      'after',
      '\nDraft 2020-12. Rules across fields (such as "give min or max") are checked by Floodgate but cannot be\n' +
        'expressed in a schema. The ingestion request schema is also served at GET /v1/schema/ingestion-request.\n' +
        'Examples:\n' +
        '  floodgate schema checks > checks.schema.json      # then "# yaml-language-server: $schema=checks.schema.json"\n' +
        '  floodgate schema ingestion-request',
    )
    .action((what: keyof typeof SCHEMAS) => {
      process.stdout.write(`${JSON.stringify(SCHEMAS[what](), null, 2)}\n`);
    });
}

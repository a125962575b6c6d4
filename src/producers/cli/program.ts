import { Command, CommanderError } from 'commander';
import { isFloodgateError } from '../../shared/errors/index.js';
import { apiCommand } from './api-command.js';
import { demoCommand } from './demo.js';
import { EXIT, exitCodeFor } from './exit-codes.js';
import { enqueueCommand, runsCommand } from './fleet-commands.js';
import { lakeCommand } from './lake.js';
import { schemaCommand } from './schema-command.js';
import { janitorCommand, workerCommand } from './worker-commands.js';
import { packageVersion } from './version.js';

function overrideExits(command: Command): void {
  command.exitOverride();
  for (const sub of command.commands) overrideExits(sub);
}

export function buildProgram(): Command {
  const program = new Command('floodgate')
    .description('Floodgate: land data in a lakehouse with write-audit-publish')
    .version(packageVersion(), '-V, --version', 'print the version')
    .option('--home <dir>', 'Floodgate home: catalog and warehouse (env FLOODGATE_HOME, default ./.floodgate)')
    .option('--json', 'print machine-readable JSON')
    .option('-q, --quiet', 'no progress output')
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  floodgate demo                                   walk through write-audit-publish with sample data',
        '  floodgate lake branch create dev',
        "  floodgate lake import taxi.trips 'data/*.parquet' --branch dev",
        '  floodgate lake query "SELECT count(*) FROM taxi.trips" --ref dev',
        '  floodgate lake merge dev --into main',
        '',
        'Environment: FLOODGATE_HOME, FLOODGATE_CATALOG_URL (postgres://...), FLOODGATE_SOURCE_ROOTS,',
        'FLOODGATE_S3_ENDPOINT and more: see the README. FLOODGATE_LAKEHOUSE=bauplan (with BAUPLAN_API_KEY',
        'and FLOODGATE_BAUPLAN_STAGING) runs every command on Bauplan instead: see docs/bauplan.md.',
        'Exit codes: 0 ok, 2 bad input, 3 audit failed, 4 conflict, 5 rejected, 1 other.',
      ].join('\n'),
    )
    .exitOverride();
  program.addCommand(demoCommand());
  program.addCommand(enqueueCommand());
  program.addCommand(runsCommand());
  program.addCommand(workerCommand());
  program.addCommand(apiCommand());
  program.addCommand(janitorCommand());
  program.addCommand(lakeCommand());
  program.addCommand(schemaCommand());
  overrideExits(program);
  return program;
}

export async function main(argv: readonly string[]): Promise<number> {
  try {
    await buildProgram().parseAsync([...argv], { from: 'user' });
    // Commands that finish with a verdict (enqueue --wait) set process.exitCode themselves.
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? EXIT.ok : EXIT.badInput;
    }
    if (isFloodgateError(error)) {
      const issues = error.details['issues'];
      // A file with many problems: every one on its own line, not the message's first ten.
      const text = Array.isArray(issues) && issues.length > 1 && issues.every((issue) => typeof issue === 'string')
        ? `${error.message.slice(0, error.message.indexOf(':'))} (${issues.length} problems):\n${issues.map((issue) => `  ${issue}`).join('\n')}`
        : error.message;
      process.stderr.write(`floodgate: ${text}${error.retryable ? ' (retryable)' : ''}\n`);
      return exitCodeFor(error.code);
    }
    process.stderr.write(`floodgate: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT.error;
  }
}


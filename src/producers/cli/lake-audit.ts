import fs from 'node:fs';
import path from 'node:path';
import { Command, Option } from 'commander';
import {
  AuditFailedError,
  blockingChecks,
  contractFor,
  loadChecksFile,
  loadContracts,
  renderMarkdown,
  runAudit,
  type Check,
  type Contracts,
} from '../../shared/audits/index.js';
import { parseTableName } from '../../shared/lakehouse/names.js';
import { withLakehouse } from './context.js';
import { wholeNumberOption } from './option-parsers.js';
import { jsonReplacer } from './output.js';

interface AuditOptions {
  ref: string;
  checks?: string;
  contracts?: string;
  format?: 'json' | 'markdown';
  rowsAdded?: number;
  fingerprint?: string[];
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** `--contracts`, else `./floodgate.yaml` when it exists. */
async function readContracts(file: string | undefined): Promise<Contracts | undefined> {
  if (file !== undefined) return loadContracts(file);
  const fallback = path.resolve('floodgate.yaml');
  return fs.existsSync(fallback) ? loadContracts(fallback) : undefined;
}

/** `floodgate lake audit <ns.table>`: exit 0 when every error-severity check passes, 3 when one fails, 2 for bad checks. */
export function auditCommand(): Command {
  return new Command('audit')
    .argument('<table>', 'namespace.table to audit')
    .description('run checks against a table at a ref, as SQL, one scan for the column checks')
    .option('--ref <ref>', 'branch, tag, name@commit or @commit to audit', 'main')
    .option('--checks <file>', 'JSON or YAML checks file: a list of checks, or {checks: [...]}')
    .option('--contracts <file>', 'table contracts (YAML or JSON); default ./floodgate.yaml when it exists')
    .addOption(new Option('--format <format>', 'report format (default markdown, or json with --json)').choices(['json', 'markdown']))
    .option('--rows-added <n>', 'rows this run added, for volume_change (default: rows at --ref minus rows at main)', wholeNumberOption('--rows-added', 0))
    .option('--fingerprint <fingerprint>', 'a source file fingerprint, for not_already_loaded (repeatable)', collect)
    .addHelpText(
      'after',
      '\nExit codes: 0 every error-severity check passed; 3 at least one failed; 2 bad checks file or arguments.\n' +
        'Check vocabulary and file formats: docs/audits.md.\n' +
        'Example: floodgate lake audit taxi.trips --ref dev --checks checks.yaml --format markdown',
    )
    .action(async (table: string, options: AuditOptions, command: Command) => {
      parseTableName(table);
      const checks: Check[] = options.checks === undefined ? [] : await loadChecksFile(options.checks);
      const contracts = await readContracts(options.contracts);
      await withLakehouse(command, async (lakehouse, { out, config }) => {
        // Batch counts and history are those of the branch runs publish into (FLOODGATE_TARGET_BRANCH).
        const target = config.fleet.targetBranch;
        const report = await runAudit({
          lakehouse,
          table,
          ref: options.ref,
          checks,
          contract: contractFor(contracts, parseTableName(table).qualified),
          context: {
            baseRef: target,
            historyRef: target,
            ...(options.rowsAdded === undefined ? {} : { rowsAdded: options.rowsAdded }),
            ...(options.fingerprint === undefined ? {} : { fingerprints: options.fingerprint }),
          },
        });
        const format = options.format ?? (out.json ? 'json' : 'markdown');
        process.stdout.write(format === 'json' ? `${JSON.stringify(report, jsonReplacer, 2)}\n` : `${renderMarkdown(report)}\n`);
        if (!report.passed) {
          throw new AuditFailedError(report.table, report.ref, blockingChecks(report).map((c) => c.name), report.checks.length);
        }
      });
    });
}

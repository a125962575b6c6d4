import { Command, Option } from 'commander';
import { loadChecksFile } from '../../shared/audits/index.js';
import { FloodgateError } from '../../shared/errors/index.js';
import { RUN_STATUSES, type RunRecord, type RunStatus } from '../../shared/ledger/index.js';
import { EXIT } from './exit-codes.js';
import { withProducer } from './fleet-context.js';
import { positiveNumberOption, wholeNumberOption } from './option-parsers.js';
import { runDetails, runsTable } from './runs-format.js';

const EXIT_FOR_STATUS: Partial<Record<RunStatus, number>> = {
  published: EXIT.ok,
  audit_failed: EXIT.auditFailed,
  rejected: EXIT.rejected,
};

export function enqueueCommand(): Command {
  return new Command('enqueue')
    .description('enqueue an ingestion run: write <source> to a branch, audit it, publish it to main if it passes')
    .argument('<table>', 'target table, namespace.table')
    .argument('<source>', 'path or glob (plain or file://), or s3://bucket/prefix/*.parquet')
    .addOption(new Option('--mode <mode>', 'append or replace').choices(['append', 'replace']).default('append'))
    .option('--checks <file>', 'audit checks, JSON or YAML (see docs/audits.md)')
    .addOption(new Option('--on-audit-failure <what>', 'keep the branch as a quarantine, or delete it').choices(['keep', 'delete']).default('keep'))
    .option('--idempotency-key <key>', 'the same key for the same table gives the same run')
    .addOption(new Option('--format <format>', 'source format').choices(['parquet', 'csv', 'jsonl']))
    .option('--wait', 'wait for the run to finish; exit 0 published, 3 audit failed, 5 rejected, 1 error')
    .option('--timeout <seconds>', 'with --wait, give up after this many seconds (the run goes on; exit 1)', positiveNumberOption('--timeout'), 600)
    .action(async (table: string, source: string, options: { mode: string; checks?: string; onAuditFailure: string; idempotencyKey?: string; format?: string; wait?: boolean; timeout: number }, command: Command) =>
      withProducer(command, async (producer, { out }) => {
        const checks = options.checks === undefined ? [] : ((await loadChecksFile(options.checks)) as unknown[]);
        const request = {
          table,
          source,
          mode: options.mode,
          checks,
          onAuditFailure: options.onAuditFailure,
          ...(options.idempotencyKey === undefined ? {} : { idempotencyKey: options.idempotencyKey }),
          ...(options.format === undefined ? {} : { format: options.format }),
        };
        const enqueued = await producer.enqueue(request);
        out.progress(`${enqueued.created ? 'enqueued' : 'already enqueued'} run ${enqueued.runId} (${enqueued.status})`);
        if (!enqueued.created && ['audit_failed', 'rejected', 'failed'].includes(enqueued.status)) {
          out.progress('  the same files give the same run, so this is the earlier one; to load them again, pass a new --idempotency-key');
        }
        if (options.wait !== true) {
          out.result(enqueued, () => enqueued.runId);
          return;
        }
        const run: RunRecord = await producer.waitForRun(enqueued.runId, {
          timeoutMs: options.timeout * 1000,
          onUpdate: (r) => out.progress(`  ${r.status}`),
        });
        out.result(run, () => runDetails(run));
        process.exitCode = EXIT_FOR_STATUS[run.status] ?? EXIT.error;
      }),
    );
}

export function runsCommand(): Command {
  return new Command('runs')
    .description('show one run (status history, failed checks) or list recent runs')
    .argument('[runId]', 'a run id; omit to list runs')
    .option('--table <table>', 'only runs of this table')
    .addOption(new Option('--status <status>', 'only runs in this status').choices([...RUN_STATUSES]))
    .option('--limit <n>', 'at most this many runs (newest first)', wholeNumberOption('--limit'), 50)
    .action(async (runId: string | undefined, options: { table?: string; status?: RunStatus; limit: number }, command: Command) =>
      withProducer(command, async (producer, { out }) => {
        if (runId !== undefined) {
          const run = await producer.getRun(runId);
          if (run === undefined) throw new FloodgateError('INVALID_INPUT', `run ${runId} is not in the ledger (unknown, or past its retention)`);
          out.result(run, () => runDetails(run));
          return;
        }
        const runs = await producer.listRuns({
          ...(options.table === undefined ? {} : { table: options.table }),
          ...(options.status === undefined ? {} : { status: options.status }),
          limit: options.limit,
        });
        out.result(runs, () => (runs.length === 0 ? '(no runs)' : runsTable(runs)));
      }),
    );
}


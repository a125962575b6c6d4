import { Command, Option } from 'commander';
import { parseByteSize } from '../../shared/config/index.js';
import { InvalidInputError } from '../../shared/lakehouse/errors.js';
import type { ImportProgress } from '../../shared/lakehouse/lakehouse.js';
import { withLakehouse } from './context.js';
import { auditCommand } from './lake-audit.js';
import { expireCommand } from './lake-expire.js';
import { wholeNumberOption } from './option-parsers.js';
import { refCommands } from './lake-refs.js';
import { validateCommitId } from '../../shared/lakehouse/names.js';
import { formatBytes, formatCsv, formatTable, type Output } from './output.js';

function byteSize(value: string): number {
  try {
    return parseByteSize(value);
  } catch {
    throw new InvalidInputError(`--smaller-than expects a size like 64MB or 1GiB, got ${JSON.stringify(value)}`);
  }
}

function progressPrinter(out: Output): (progress: ImportProgress) => void {
  return (p) => {
    if (p.phase === 'downloading' || p.phase === 'uploading') {
      out.progress(`${p.phase} ${p.filesDone ?? 0}/${p.filesTotal ?? '?'} files (${formatBytes(p.bytesDone ?? 0)})`);
    } else if (p.phase === 'writing') {
      out.progress(`writing ${p.filesTotal ?? ''} source file(s) as Iceberg data files...`);
    } else {
      out.progress(`${p.phase}...`);
    }
  };
}

export function lakeCommand(): Command {
  const lake = new Command('lake').description('work with the lakehouse directly: branches, imports, queries, merges, compaction, expiry');
  lake.addCommand(refCommands('branch'));
  lake.addCommand(refCommands('tag'));
  lake.addCommand(auditCommand());
  lake.addCommand(expireCommand());

  lake
    .command('import <table> <source>')
    .description('import files into <namespace.table> on a branch, as one commit')
    .addHelpText(
      'after',
      '\n<source> is a path or glob (plain or file://) under FLOODGATE_SOURCE_ROOTS, or s3://bucket/prefix/*.parquet.\n' +
        'Formats: Parquet, CSV (with a header) and JSON lines, inferred from the extension unless --format is given.\n' +
        'Example: floodgate lake import taxi.trips "data/trips-*.parquet" --branch dev',
    )
    .option('--branch <branch>', 'branch to commit to', 'main')
    .addOption(new Option('--mode <mode>', 'append to the table or replace its rows').choices(['append', 'replace']).default('append'))
    .addOption(
      new Option('--schema <policy>', 'evolve: add new columns; freeze: reject any schema difference')
        .choices(['evolve', 'freeze'])
        .default('evolve'),
    )
    .addOption(new Option('--format <format>', 'source format').choices(['parquet', 'csv', 'jsonl']))
    .option('-m, --message <message>', 'commit message')
    .action(
      async (
        table: string,
        source: string,
        options: { branch: string; mode: 'append' | 'replace'; schema: 'evolve' | 'freeze'; format?: 'parquet' | 'csv' | 'jsonl'; message?: string },
        command: Command,
      ) =>
        withLakehouse(command, async (lakehouse, { out }) => {
          const started = Date.now();
          const result = await lakehouse.importData({
            table,
            source,
            branch: options.branch,
            mode: options.mode,
            schemaPolicy: options.schema,
            ...(options.format === undefined ? {} : { format: options.format }),
            ...(options.message === undefined ? {} : { message: options.message }),
            onProgress: progressPrinter(out),
          });
          const seconds = ((Date.now() - started) / 1000).toFixed(1);
          out.result(
            { rows: result.rows, files: result.files, bytes: result.bytes, commit: result.commit, table: result.table, addedColumns: result.addedColumns, created: result.created },
            () =>
              `${options.mode === 'replace' ? 'replaced' : 'appended'} ${result.rows} rows in ${result.files} file(s) ` +
              `(${formatBytes(result.bytes)}) into ${result.table} on ${options.branch} in ${seconds}s: commit ${result.commit}` +
              (result.addedColumns.length > 0 ? `\nadded columns: ${result.addedColumns.join(', ')}` : ''),
          );
        }),
    );

  lake
    .command('query <sql>')
    .description('run one read-only SELECT; namespace.table names read the tables at --ref')
    .option('--ref <ref>', 'branch, tag, name@commit or @commit', 'main')
    .addOption(new Option('--format <format>', 'output format (json: an array of row objects)').choices(['json', 'csv', 'table']))
    .action(async (sql: string, options: { ref: string; format?: 'json' | 'csv' | 'table' }, command: Command) =>
      withLakehouse(command, async (lakehouse, { out }) => {
        const rows = await lakehouse.queryRows(sql, { ref: options.ref });
        const format = options.format ?? (out.json ? 'json' : 'table');
        if (format === 'json') {
          process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
          return;
        }
        // No rows, no row to name the columns: the result's schema does (a header and "(0 rows)").
        const columns = rows.length > 0 ? undefined : (await lakehouse.query(sql, { ref: options.ref })).schema.fields.map((f) => f.name);
        process.stdout.write(`${format === 'csv' ? formatCsv(rows, columns) : formatTable(rows, columns)}\n`);
      }),
    );

  lake
    .command('merge <source>')
    .description('merge a branch (or name@commit) into another branch, atomically for all tables')
    .option('--into <branch>', 'branch to merge into', 'main')
    .option('--expect-head <commit>', 'fail unless the target is at this commit (its id, 8-64 hex digits)', (value: string) => validateCommitId(value))
    .option('-m, --message <message>', 'message of the merge commit')
    .action(async (source: string, options: { into: string; expectHead?: string; message?: string }, command: Command) =>
      withLakehouse(command, async (lakehouse, { out }) => {
        const result = await lakehouse.merge(source, {
          into: options.into,
          ...(options.expectHead === undefined ? {} : { expectedHead: options.expectHead }),
          ...(options.message === undefined ? {} : { message: options.message }),
        });
        out.result(result, () =>
          !result.changed
            ? `${options.into} already contains ${source} (at ${result.commit})`
            : `merged ${source} into ${options.into} (${result.fastForward ? 'fast-forward' : 'merge commit'}): ` +
              `${result.commit}; tables: ${result.tables.join(', ') || '(none)'}` +
              (result.rebased === undefined ? '' : `\nrebased onto ${options.into}'s compacted or expired version: ${result.rebased.join(', ')}`),
        );
      }),
    );

  lake
    .command('log')
    .description('commit history of a ref, newest first')
    .option('--ref <ref>', 'branch, tag, name@commit or @commit', 'main')
    .option('--limit <n>', 'at most this many commits', wholeNumberOption('--limit'), 20)
    .action(async (options: { ref: string; limit: number }, command: Command) =>
      withLakehouse(command, async (lakehouse, { out }) => {
        const commits = await lakehouse.log(options.ref, { limit: options.limit });
        out.result(commits, () =>
          formatTable(
            commits.map((c) => ({ commit: c.id.slice(0, 12), time: c.createdAt, author: c.author, message: c.message })),
          ),
        );
      }),
    );

  lake
    .command('tables')
    .description('tables at a ref, with row, file and byte counts')
    .option('--ref <ref>', 'branch, tag, name@commit or @commit', 'main')
    .action(async (options: { ref: string }, command: Command) =>
      withLakehouse(command, async (lakehouse, { out }) => {
        const tables = await lakehouse.listTables(options.ref);
        out.result(tables, () =>
          formatTable(tables.map((t) => ({ table: t.name, rows: t.rows, files: t.files ?? '-', size: formatBytes(t.bytes) })), ['table', 'rows', 'files', 'size']),
        );
      }),
    );

  lake
    .command('compact <table>')
    .description("rewrite a table's data files on a branch into as few as the target file size allows, as one commit that changes no row")
    .addHelpText(
      'after',
      '\nEvery import adds at least one data file, and every query reads them all: compact tables that many small\n' +
        'appends have built up. The fleet does this on its own: the janitor for the audit-history tables, and each\n' +
        'publish for its table once it has FLOODGATE_COMPACT_FILES files under half the target size. Earlier commits still\n' +
        'read their own files. Commits that only add files meanwhile are kept; if one removes a file being rewritten,\n' +
        'nothing is committed (exit 0, outcome "changed").\n' +
        'A branch made before it (a run in flight) still merges: its load is rebased onto the compacted table.\n' +
        'Example: floodgate lake compact taxi.trips --min-files 16',
    )
    .option('--branch <branch>', 'branch whose table is rewritten', 'main')
    .option('--min-files <n>', 'do nothing while the table has fewer data files to rewrite than this', wholeNumberOption('--min-files', 2), 2)
    .option('--smaller-than <size>', 'rewrite only data files smaller than this (e.g. 64MB); default: all', byteSize)
    .option('-m, --message <message>', 'commit message')
    .action(async (table: string, options: { branch: string; minFiles: number; smallerThan?: number; message?: string }, command: Command) =>
      withLakehouse(command, async (lakehouse, { out }) => {
        if (lakehouse.compactTable === undefined) {
          throw new InvalidInputError(`the ${lakehouse.backend} backend lays out its own data files; it has no compaction`);
        }
        out.progress(`compacting ${table} on ${options.branch}...`);
        const started = Date.now();
        const result = await lakehouse.compactTable(table, {
          branch: options.branch,
          minFiles: options.minFiles,
          ...(options.smallerThan === undefined ? {} : { smallerThanBytes: options.smallerThan }),
          ...(options.message === undefined ? {} : { message: options.message }),
        });
        const seconds = ((Date.now() - started) / 1000).toFixed(1);
        out.result(result, () => {
          if (result.outcome === 'skipped') {
            const which = options.smallerThan === undefined ? '' : ` smaller than ${formatBytes(options.smallerThan)}`;
            return `${table} has fewer than ${options.minFiles} data files${which} (${result.filesBefore} in all): nothing to do`;
          }
          if (result.outcome === 'changed') return `${table} changed on ${options.branch} while it was being compacted: nothing committed; try again`;
          return (
            `compacted ${result.table} on ${options.branch}: rewrote ${result.filesRewritten} of ${result.filesBefore} files; ` +
            `${result.filesAfter} now (${formatBytes(result.bytesBefore)} before, ${formatBytes(result.bytesAfter)} after), ` +
            `${result.rows} rows, in ${seconds}s: commit ${result.commit ?? ''}`
          );
        });
      }),
    );

  lake
    .command('schema <table>')
    .description("a table's columns at a ref")
    .option('--ref <ref>', 'branch, tag, name@commit or @commit', 'main')
    .action(async (table: string, options: { ref: string }, command: Command) =>
      withLakehouse(command, async (lakehouse, { out }) => {
        const columns = await lakehouse.tableSchema(table, options.ref);
        out.result(columns, () => formatTable(columns.map((c) => ({ id: c.fieldId, column: c.name, type: c.type, required: c.required }))));
      }),
    );
  return lake;
}

import { Command, Option } from 'commander';
import { formatDuration } from '../../shared/audits/duration.js';
import { InvalidInputError } from '../../shared/lakehouse/errors.js';
import type { ExpireSnapshotsResult, Lakehouse, RemoveOrphanFilesResult } from '../../shared/lakehouse/lakehouse.js';
import { withLakehouse } from './context.js';
import { durationOption, wholeNumberOption } from './option-parsers.js';
import { formatBytes, formatTable, type Output } from './output.js';

interface ExpireFlags {
  readonly branch: string;
  readonly trim: boolean;
  readonly olderThan: number;
  readonly retainLast: number;
  readonly minAge: number;
  readonly dryRun?: boolean;
  readonly orphans: boolean;
}

function summary(flags: ExpireFlags, tables: readonly ExpireSnapshotsResult[], orphans: RemoveOrphanFilesResult | undefined): string {
  const verb = flags.dryRun === true ? 'would expire' : 'expired';
  const lines: string[] = [];
  if (flags.trim && tables.length === 0) lines.push(`no tables on ${flags.branch}`);
  if (tables.length > 0) {
    lines.push(formatTable(
      tables.map((t) => ({
        table: t.table,
        snapshots: `${t.snapshotsBefore} → ${t.snapshotsAfter}`,
        result: t.outcome === 'skipped' ? 'nothing old enough' : `${verb} ${t.snapshotsBefore - t.snapshotsAfter}`,
        commit: t.commit ?? '',
      })),
    ));
  }
  if (orphans !== undefined) {
    const deleted = flags.dryRun === true ? 'would delete' : 'deleted';
    lines.push(
      ...(lines.length > 0 ? [''] : []),
      `files: ${deleted} ${orphans.filesDeleted} (${formatBytes(orphans.bytesDeleted)}) of ${orphans.filesScanned} in the warehouse; ` +
        `${orphans.filesReferenced} still referenced by ${orphans.commitsRetained} retained commits; ` +
        `${orphans.filesTooYoung} unreferenced but younger than ${formatDuration(flags.minAge)} kept`,
      `commits made before ${orphans.expiredBefore} that no ref points at ${flags.dryRun === true ? 'would no longer be readable' : 'can no longer be read'}`,
    );
    if (flags.dryRun === true) lines.push('(dry run: nothing was committed or deleted)');
  }
  return lines.join('\n');
}

async function trimTables(out: Output, lakehouse: Lakehouse, names: readonly string[], flags: ExpireFlags) {
  const expire = lakehouse.expireSnapshots?.bind(lakehouse);
  if (expire === undefined) throw new InvalidInputError(`the ${lakehouse.backend} backend keeps its own history; it has no snapshot expiry`);
  const tables = names.length > 0 ? names : (await lakehouse.listTables(flags.branch)).map((t) => t.name);
  const results: ExpireSnapshotsResult[] = [];
  for (const [i, table] of tables.entries()) {
    out.progress(`[${i + 1}/${tables.length}] expiring snapshots of ${table} on ${flags.branch} older than ${formatDuration(flags.olderThan)}...`);
    results.push(
      await expire(table, { branch: flags.branch, olderThanMs: flags.olderThan, retainLast: flags.retainLast, dryRun: flags.dryRun === true, message: `expire snapshots of ${table} older than ${formatDuration(flags.olderThan)}` }),
    );
  }
  return results;
}

export function expireCommand(): Command {
  return new Command('expire')
    .argument('[tables...]', 'tables (namespace.table) whose old snapshots go; default: every table on the branch')
    .description('expire history older than a window: drop old snapshots from tables, then delete the files nothing kept needs')
    .addHelpText(
      'after',
      '\nTwo steps, like Iceberg\'s expire_snapshots and remove_orphan_files:\n' +
        '  1. For each table, a commit on --branch drops the snapshots made before the window (the newest\n' +
        '     --retain-last of the current lineage always stay). No row changes.\n' +
        '  2. Files in the warehouse that no retained commit needs are deleted: those of deleted branches\n' +
        '     (quarantines, rejected runs), of failed writes, and of expired snapshots. Retained are every\n' +
        '     branch and tag head, every commit made within the window that a ref reaches, and each branch\'s\n' +
        '     fork point from main (its merge compares against it). Unreferenced files\n' +
        '     younger than --min-age stay, since a write may still be about to commit them.\n' +
        'Afterwards, reading or branching from a commit older than the window that no ref points at fails with\n' +
        'HISTORY_EXPIRED; the log still lists it. Tag a commit to keep it. A branch made before step 1 still lists\n' +
        'the old snapshots, so their files go once that branch is deleted.\n' +
        'The fleet does this on its own (FLOODGATE_SNAPSHOT_RETENTION, default 7d): each publish trims its table,\n' +
        'and the janitor trims the audit history and removes orphan files every FLOODGATE_ORPHAN_SWEEP_INTERVAL.\n' +
        'Step 1 is a commit on the table that changes no row: a branch made before it (a run in flight) still merges,\n' +
        'its load rebased onto the trimmed version.\n' +
        'Examples:\n' +
        '  floodgate lake expire --dry-run\n' +
        '  floodgate lake expire taxi.trips --older-than 30d --retain-last 10\n' +
        '  floodgate lake expire --no-trim --min-age 1d',
    )
    .option('--branch <branch>', 'branch whose tables are trimmed', 'main')
    .addOption(
      new Option('--older-than <duration>', 'history window: snapshots and commits older than this go (e.g. 7d, 36h; 0 keeps only heads)')
        .argParser(durationOption('--older-than'))
        .default(7 * 86_400_000, '7d'),
    )
    .option('--retain-last <n>', 'snapshots of each table\'s current lineage kept whatever their age', wholeNumberOption('--retain-last'), 1)
    .addOption(
      new Option('--min-age <duration>', 'unreferenced files younger than this stay (writes in flight)').argParser(durationOption('--min-age')).default(3 * 86_400_000, '3d'),
    )
    .option('--dry-run', 'report what would go; commit and delete nothing (the files of snapshots step 1 would expire are not counted)')
    .option('--no-trim', 'skip step 1 (no commits): only delete unreferenced files')
    .option('--no-orphans', 'skip step 2: only trim snapshots')
    .action(async (names: string[], flags: ExpireFlags, command: Command) =>
      withLakehouse(command, async (lakehouse, { out }) => {
        if (!flags.trim && names.length > 0) throw new InvalidInputError('--no-trim removes files of the whole warehouse; give no tables with it');
        if (!flags.trim && !flags.orphans) throw new InvalidInputError('--no-trim with --no-orphans leaves nothing to do');
        const tables = flags.trim ? await trimTables(out, lakehouse, names, flags) : [];
        let orphans: RemoveOrphanFilesResult | undefined;
        if (flags.orphans) {
          const remove = lakehouse.removeOrphanFiles?.bind(lakehouse);
          if (remove === undefined) throw new InvalidInputError(`the ${lakehouse.backend} backend manages its own files; it has no orphan removal`);
          orphans = await remove({
            olderThanMs: flags.olderThan,
            minAgeMs: flags.minAge,
            dryRun: flags.dryRun === true,
            onProgress: (p) => {
              if (p.phase === 'catalog') out.progress('finding the commits to keep...');
              else if (p.phase === 'reading' && (p.done === 0 || p.done === p.total || (p.done ?? 0) % 500 === 0)) out.progress(`reading table versions: ${p.done}/${p.total}`);
              else if (p.phase === 'listing') out.progress('listing the warehouse...');
              else if (p.phase === 'deleting' && (p.done ?? 0) % 1024 === 0 && (p.total ?? 0) > 0) out.progress(`${flags.dryRun === true ? 'checking' : 'deleting'} unreferenced files: ${p.done}/${p.total}`);
            },
          });
        }
        out.result({ dryRun: flags.dryRun === true, tables, ...(orphans === undefined ? {} : { orphans }) }, () => summary(flags, tables, orphans));
      }),
    );
}

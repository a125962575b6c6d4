import path from 'node:path';
import { Command } from 'commander';
import { generateTaxiData } from '../../shared/demo/taxi-data.js';
import type { Lakehouse } from '../../shared/lakehouse/lakehouse.js';
import { openLocalLakehouse } from '../../shared/lakehouse/local/index.js';
import { loadConfig } from '../../shared/config/index.js';
import { contextOf } from './context.js';
import { formatTable, type Output } from './output.js';

async function show(lake: Lakehouse, out: Output, title: string, sql: string, ref: string): Promise<void> {
  out.progress(`\n${title}  [${ref}]\n  ${sql}`);
  process.stdout.write(`${formatTable(await lake.queryRows(sql, { ref }))}\n`);
}

/**
 * A walk through the embedded lakehouse: write a batch to an isolated branch, look at it
 * there and on main, check it, and publish it atomically; a bad batch stays quarantined.
 */
async function runWalkthrough(lake: Lakehouse, out: Output, dataDir: string): Promise<void> {
  out.progress(`generating sample taxi trips in ${dataDir}...`);
  const data = await generateTaxiData(dataDir);
  const run = Date.now().toString(36);

  for (const [label, file] of [['good', data.good], ['bad', data.bad]] as const) {
    const branch = `wap/taxi.trips/demo-${label}-${run}`;
    const base = await lake.getRef('main');
    out.progress(`\n== ${label} batch: write to ${branch} (from main@${base.commit.slice(0, 12)})`);
    await lake.createBranch(branch, { from: 'main' });
    const imported = await lake.importData({ table: 'taxi.trips', source: file, branch, mode: 'append' });
    out.progress(`imported ${imported.rows} rows as commit ${imported.commit.slice(0, 12)}; main does not see them yet`);
    await show(lake, out, 'rows on main', 'SELECT count(*) AS rows FROM taxi.trips', 'main').catch(() =>
      out.progress('  (taxi.trips does not exist on main yet)'),
    );
    const checkSql =
      "SELECT count(*) FILTER (WHERE fare < 0) AS negative_fares, count(*) FILTER (WHERE pickup_at IS NULL) AS null_pickups, count(*) FILTER (WHERE payment_type NOT IN ('card', 'cash', 'app')) AS unknown_payment FROM taxi.trips";
    const [checks] = await lake.queryRows(checkSql, { ref: branch });
    await show(lake, out, 'audit on the branch', checkSql, branch);
    const failed = Object.entries(checks ?? {}).filter(([, value]) => Number(value) > 0);
    if (failed.length === 0) {
      const merged = await lake.merge(branch, { into: 'main', expectedHead: base.commit });
      out.progress(`audit passed: published to main as ${merged.commit.slice(0, 12)} (${merged.fastForward ? 'fast-forward' : 'merge commit'})`);
      await lake.deleteBranch(branch);
    } else {
      out.progress(`audit failed (${failed.map(([k, v]) => `${k}=${String(v)}`).join(', ')}): main untouched, ${branch} kept for inspection`);
    }
  }
  await show(lake, out, '\nmain after both runs', 'SELECT count(*) AS rows, sum(fare) AS revenue FROM taxi.trips', 'main');
  const log = await lake.log('main', { limit: 5 });
  process.stdout.write(`${formatTable(log.map((c) => ({ commit: c.id.slice(0, 12), message: c.message })))}\n`);
}

export function demoCommand(): Command {
  return new Command('demo')
    .description('walk through write-audit-publish on the embedded lakehouse with sample taxi data')
    .action(async (_options: unknown, command: Command) => {
      const { out } = contextOf(command);
      const options = command.optsWithGlobals<{ home?: string }>();
      const config = loadConfig(process.env, { overrides: options.home === undefined ? {} : { home: options.home } });
      const dataDir = path.join(config.lakehouse.home, 'demo-data');
      const lake = await openLocalLakehouse({
        ...config.lakehouse,
        sourceRoots: [...config.lakehouse.sourceRoots, dataDir],
      });
      try {
        await runWalkthrough(lake, out, dataDir);
        out.progress(`\nlakehouse home: ${config.lakehouse.home} (catalog.db, warehouse/)`);
      } finally {
        await lake.close();
      }
    });
}

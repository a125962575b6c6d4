import { loadConfig, type LakehouseConfig } from '../../src/shared/config/index.js';
import type { Lakehouse } from '../../src/shared/lakehouse/lakehouse.js';
import { openLocalLakehouse } from '../../src/shared/lakehouse/local/index.js';
import { freshDirectory } from '../lib/files.js';

/** The configuration of a scratch lakehouse: SQLite catalog in `home`, sources readable under `sourceRoot`. */
export function benchConfig(home: string, sourceRoot: string): LakehouseConfig {
  const env: Record<string, string | undefined> = { ...process.env };
  // The suite measures the embedded SQLite catalog in a scratch home, whatever the shell has set.
  delete env['FLOODGATE_CATALOG_URL'];
  delete env['FLOODGATE_WAREHOUSE'];
  return loadConfig({
    ...env,
    FLOODGATE_HOME: home,
    FLOODGATE_SOURCE_ROOTS: sourceRoot,
    FLOODGATE_AUTHOR: 'bench',
  }).lakehouse;
}

export interface BenchLakehouse {
  readonly lakehouse: Lakehouse;
  readonly config: LakehouseConfig;
}

/** Opens a lakehouse in `home`, wiping it first unless `keep`. */
export async function openBenchLakehouse(home: string, sourceRoot: string, options: { keep?: boolean } = {}): Promise<BenchLakehouse> {
  if (options.keep !== true) await freshDirectory(home);
  const config = benchConfig(home, sourceRoot);
  return { lakehouse: await openLocalLakehouse(config, { cwd: sourceRoot }), config };
}

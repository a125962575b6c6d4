import type { LakehouseConfig } from '../../config/index.js';
import { createS3ObjectStore, type ObjectStore } from '../../sources/index.js';
import type { Lakehouse } from '../lakehouse.js';
import { BauplanLakehouse } from './bauplan-lakehouse.js';
import { CatalogClient } from './catalog/client.js';
import { resolveBauplanCredentials } from './credentials.js';
import { JobClient } from './jobs/client.js';
import { BauplanNames } from './names.js';
import { ScratchDuck } from './scratch-duck.js';

export { BAUPLAN_CAPABILITIES } from './bauplan-lakehouse.js';
export { resolveBauplanCredentials } from './credentials.js';

export interface OpenBauplanLakehouseOptions {
  readonly cwd?: string;
  /** Replaces the S3 client that stages local files. */
  readonly objectStore?: ObjectStore;
}

/**
 * Opens the Bauplan backend: resolves the key (a missing one fails here), asks Bauplan for the
 * user's name (branches are prefixed `<username>.`), and connects the catalog and job clients.
 */
export async function openBauplanLakehouse(config: LakehouseConfig, options: OpenBauplanLakehouseOptions = {}): Promise<Lakehouse> {
  const settings = config.bauplan;
  const credentials = await resolveBauplanCredentials(settings);
  const catalog = new CatalogClient({ endpoint: credentials.endpoint, apiKey: credentials.apiKey });
  const jobs = new JobClient({ target: credentials.grpcTarget, tls: credentials.grpcTls, apiKey: credentials.apiKey });
  let username: string;
  try {
    username = await jobs.username();
  } catch (error) {
    jobs.close();
    throw error;
  }
  let store = options.objectStore;
  return new BauplanLakehouse({
    catalog,
    jobs,
    names: new BauplanNames(username),
    objectStore: () => (store ??= createS3ObjectStore(config.s3)),
    roots: config.sourceRoots,
    cwd: options.cwd ?? process.cwd(),
    ...(settings.stagingUri === undefined ? {} : { stagingUri: settings.stagingUri }),
    jobTimeoutMs: settings.jobTimeoutMs,
    scratch: new ScratchDuck(),
    cliEnv: { BAUPLAN_API_KEY: credentials.apiKey, BAUPLAN_API_ENDPOINT: credentials.endpoint },
  });
}

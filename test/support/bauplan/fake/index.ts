import crypto from 'node:crypto';
import type { Lakehouse } from '../../../../src/shared/lakehouse/lakehouse.js';
import { createS3ObjectStore } from '../../../../src/shared/sources/index.js';
import { openBacking } from './backing.js';
import { startCommander } from './commander.js';
import { startFlightServer } from './flight-server.js';
import { createJobRunner, type FakeJob } from './jobs.js';
import { startRest, type FailRule } from './rest.js';
import { commitRoutes } from './routes-commits.js';
import { refRoutes } from './routes-refs.js';
import { tableRoutes } from './routes-tables.js';
import type { FakeContext } from './state.js';

export type { FakeJob } from './jobs.js';
export type { FailRule } from './rest.js';

export interface FakeBauplanOptions {
  /** The S3 API (moto) that sources live in. */
  readonly s3Endpoint: string;
  /** Default `alice`. */
  readonly username?: string;
  /** Default: random. */
  readonly apiKey?: string;
  /** Default page size of every REST list; default 2, to force pagination. */
  readonly pageSize?: number;
  /** How long a submitted job waits before it runs; default 20 ms. */
  readonly jobDelayMs?: number;
  /** Queries answer with `result_artifact` instead of a Flight server. */
  readonly resultArtifact?: boolean;
  /** Whether the key is an admin's, who may write to the protected `main`; default true. */
  readonly admin?: boolean;
}

/** A fake Bauplan on loopback, backed by Floodgate's local lakehouse. */
export interface FakeBauplan {
  /** `http://127.0.0.1:<port>`; the REST catalog is under /catalog/v0. */
  readonly restEndpoint: string;
  /** `127.0.0.1:<port>`, insecure: the job service. */
  readonly grpcTarget: string;
  /** `127.0.0.1:<port>`, insecure: where query results wait. */
  readonly flightTarget: string;
  readonly apiKey: string;
  readonly username: string;
  /** The backing store, for assertions. */
  readonly lakehouse: Lakehouse;
  /** Job submissions per RPC name, e.g. `submissions.TableDataImport`. */
  readonly submissions: Record<string, number>;
  readonly jobs: Map<string, FakeJob>;
  /** DoAction('shutdown') calls the Flight server received. */
  readonly shutdowns: number;
  /** The next matching REST requests answer this error envelope. */
  failNext(match: FailRule): void;
  /** While held, submitted jobs stay RUNNING and do not execute; releasing runs them. */
  /** Holds jobs (of the given RPCs only, e.g. ['TableDataImport'], when named) as running until released. */
  holdJobs(hold: boolean, rpcs?: readonly string[]): void;
  close(): Promise<void>;
}

export async function startFakeBauplan(options: FakeBauplanOptions): Promise<FakeBauplan> {
  const username = options.username ?? 'alice';
  const apiKey = options.apiKey ?? `fake-${crypto.randomBytes(16).toString('hex')}`;
  const backing = await openBacking({ s3Endpoint: options.s3Endpoint, username });
  const context: FakeContext = {
    lakehouse: backing.lakehouse,
    config: backing.config,
    username,
    apiKey,
    pageSize: options.pageSize ?? 2,
    admin: options.admin ?? true,
    inbox: backing.inbox,
    objectStore: createS3ObjectStore(backing.config.s3),
    pending: new Map(),
    namespaces: new Map(),
  };
  const closers: Array<() => Promise<void>> = [backing.cleanup];
  const closeAll = async () => {
    const order = closers.splice(0).reverse();
    for (const close of order) await close().catch(() => undefined);
  };
  try {
    const jobs = createJobRunner({ username, delayMs: options.jobDelayMs ?? 20 });
    closers.push(() => jobs.close());
    const flight = await startFlightServer();
    closers.push(() => flight.close());
    const commander = await startCommander({ context, jobs, flight, resultArtifact: options.resultArtifact === true });
    closers.push(() => commander.close());
    const rest = await startRest({ apiKey, routes: [...refRoutes(context), ...commitRoutes(context), ...tableRoutes(context)] });
    closers.push(() => rest.close());
    return {
      restEndpoint: rest.endpoint,
      grpcTarget: commander.target,
      flightTarget: flight.endpoint,
      apiKey,
      username,
      lakehouse: backing.lakehouse,
      submissions: jobs.submissions,
      jobs: jobs.jobs,
      get shutdowns() {
        return flight.shutdowns;
      },
      failNext: (match) => rest.failNext(match),
      holdJobs: (hold, rpcs) => jobs.hold(hold, rpcs),
      close: closeAll,
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}

import type { Redis } from 'ioredis';
import type { Registry } from 'prom-client';
import type { Config } from '../../shared/config/index.js';
import type { ListRunsOptions, RunRecord } from '../../shared/ledger/index.js';
import type { EventSink, Logger } from '../../shared/observability/ports.js';
import type { EnqueueResult } from '../library.js';

/** The part of a producer the API uses (a `FloodgateProducer` fits). */
export interface ApiProducer {
  enqueue(request: unknown): Promise<EnqueueResult>;
  getRun(runId: string): Promise<RunRecord | undefined>;
  listRuns(options?: ListRunsOptions): Promise<RunRecord[]>;
}

export interface ApiOptions {
  /** The parsed configuration: Redis URL and key prefix, retention, lease TTL, source roots, S3. */
  readonly config: Config;
  /** FLOODGATE_API_TOKEN. When set, ingestions, runs and the queue UI need `Authorization: Bearer <token>`. */
  readonly token?: string;
  /** A Redis client to use instead of connecting to `config.fleet.redisUrl` (not closed by the API). */
  readonly redis?: Redis;
  /** The producer to enqueue with and read runs from (not closed by the API). Default: one on the API's Redis client. */
  readonly producer?: ApiProducer;
  readonly logger?: Logger;
  /** Served at /metrics. Default: a new registry with prom-client's default metrics. */
  readonly registry?: Registry;
  /** Where the default producer emits `wap.run.enqueued`. */
  readonly events?: EventSink;
  /** Largest accepted request body. Default 1 MiB. */
  readonly bodyLimitBytes?: number;
  /** Relative source paths resolve against this folder. Default: the process's working directory. */
  readonly cwd?: string;
}

export interface StartApiOptions extends ApiOptions {
  /** Default 127.0.0.1; use 0.0.0.0 in a container. */
  readonly host?: string;
  /** Default 8080; 0 picks a free port. */
  readonly port?: number;
}

export interface RunningApi {
  /** Where it listens, e.g. `http://127.0.0.1:8080`. */
  readonly url: string;
  /** Stops listening, lets requests in flight finish, and closes what the API opened. */
  close(): Promise<void>;
}

import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { formatIssues, formatPath } from '../shared/audits/index.js';
import type { S3Config } from '../shared/config/index.js';
import { FloodgateError } from '../shared/errors/index.js';
import {
  QUEUE_NAMES,
  deriveRunId,
  ingestionRequestSchema,
  stageJobId,
  stageJobOptions,
  type IngestionRequest,
  type IngestionRequestInput,
  type StageJobData,
} from '../shared/jobs/index.js';
import { Ledger, TERMINAL_STATUSES, type ListRunsOptions, type RunRecord, type RunStatus } from '../shared/ledger/index.js';
import { RunFlow } from '../shared/runs/index.js';
import { noopEvents, type EventSink } from '../shared/observability/ports.js';
import { connectRedis } from '../shared/redis/connection.js';
import { isConnectionError, redisUnavailable } from '../shared/redis/errors.js';
import { redisKeys } from '../shared/redis/keys.js';
import { absoluteSource, createS3ObjectStore, fingerprintOf, listSource, type ObjectStore } from '../shared/sources/index.js';

export interface ProducerOptions {
  /** `redis://...` or an ioredis client (not closed by the producer). */
  readonly connection: string | Redis;
  /** Redis key prefix shared with the workers. Default `{floodgate}`. */
  readonly prefix?: string;
  /** Where sources may come from (absolute folders, `s3://` roots). Default: the working directory and any bucket. */
  readonly sourceRoots?: readonly string[];
  readonly s3?: S3Config;
  readonly cwd?: string;
  readonly retentionSeconds?: number;
  readonly leaseTtlMs?: number;
  /** Attempts per stage for transient errors, and the first backoff (must match the workers'). */
  readonly attempts?: number;
  readonly backoffMs?: number;
  readonly events?: EventSink;
  readonly objectStore?: ObjectStore;
}

export interface EnqueueResult {
  readonly runId: string;
  readonly status: RunStatus;
  /** False when the same request was enqueued before: the existing run is returned. */
  readonly created: boolean;
}

/** Thrown for a request that fails validation; `details.issues` lists every problem. */
export class InvalidRequestError extends FloodgateError {
  constructor(issues: ReadonlyArray<{ path: string; message: string }>) {
    super('INVALID_INPUT', `invalid ingestion request: ${issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ')}`, {
      details: { issues },
    });
  }
}

export function parseIngestionRequest(input: unknown): IngestionRequest {
  const parsed = ingestionRequestSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  // Paths as `checks.0.type`, messages worded as for checks files (`expected one of not_null, ...`).
  const lines = formatIssues(parsed.error, input);
  throw new InvalidRequestError(
    parsed.error.issues.map((issue, i) => {
      const line = lines[i] ?? issue.message;
      const at = `${formatPath(issue.path)}: `;
      return { path: issue.path.join('.'), message: line.startsWith(at) ? line.slice(at.length) : line };
    }),
  );
}

/** Enqueues ingestion runs and reads their progress: the library other services embed. */
export class FloodgateProducer {
  private readonly redis: Redis;
  private readonly ownsRedis: boolean;
  private readonly options: ProducerOptions;
  private readonly ledger: Ledger;
  private readonly runs: RunFlow;
  private readonly writeQueue: Queue<StageJobData>;
  private store: ObjectStore | undefined;
  private connected: Promise<void> | undefined;

  constructor(options: ProducerOptions) {
    this.options = options;
    this.ownsRedis = typeof options.connection === 'string';
    this.redis = typeof options.connection === 'string' ? connectRedis(options.connection, 'producer') : options.connection;
    // An owned connection's trouble surfaces on each call (REDIS_UNAVAILABLE); ioredis would also print every failed reconnect.
    if (this.ownsRedis) this.redis.on('error', () => undefined);
    const prefix = options.prefix ?? '{floodgate}';
    const keys = redisKeys(prefix);
    this.ledger = new Ledger(this.redis, keys, { retentionSeconds: options.retentionSeconds ?? 7 * 86_400 });
    this.runs = new RunFlow(this.redis, keys, this.ledger, { leaseTtlMs: options.leaseTtlMs ?? 60_000 });
    this.writeQueue = new Queue<StageJobData>(QUEUE_NAMES.write, {
      connection: this.redis,
      prefix,
      defaultJobOptions: stageJobOptions({
        attempts: options.attempts ?? 5,
        backoffMs: options.backoffMs ?? 2000,
        retentionSeconds: options.retentionSeconds ?? 7 * 86_400,
      }),
    });
    // Connection trouble surfaces on each call (fail fast); without a listener BullMQ prints every reconnect.
    this.writeQueue.on('error', () => undefined);
  }

  /** Waits for the connection (commands fail fast instead of queueing while Redis is away). */
  private ready(): Promise<void> {
    this.connected ??= new Promise<void>((resolve, reject) => {
      if (this.redis.status === 'ready') return resolve();
      const timer = setTimeout(() => reject(new FloodgateError('REDIS_UNAVAILABLE', 'cannot reach Redis within 10 s', { retryable: true })), 10_000);
      this.redis.once('ready', () => {
        clearTimeout(timer);
        resolve();
      });
    }).catch((error: unknown) => {
      this.connected = undefined;
      throw error;
    });
    return this.connected;
  }

  /** Validates, fingerprints the source, and enqueues the run once (same request: same run). */
  async enqueue(input: IngestionRequestInput | unknown): Promise<EnqueueResult> {
    const request = parseIngestionRequest(input);
    await this.ready();
    const cwd = this.options.cwd ?? process.cwd();
    const listing = await listSource(request.source, {
      roots: this.options.sourceRoots ?? [cwd, 's3://'],
      cwd,
      objectStore: () => (this.store ??= this.options.objectStore ?? createS3ObjectStore(this.options.s3 ?? { region: 'us-east-1', forcePathStyle: false })),
      ...(request.format === undefined ? {} : { format: request.format }),
    });
    const runId = deriveRunId({
      table: request.table,
      mode: request.mode,
      files: listing.files,
      ...(request.idempotencyKey === undefined ? {} : { idempotencyKey: request.idempotencyKey }),
    });
    const { created, record, firstInLine } = await this.runs.enqueue({
      runId,
      table: request.table,
      request: { ...request, source: absoluteSource(request.source, cwd) } as unknown as Record<string, unknown>,
      fingerprints: listing.files.map(fingerprintOf),
    });
    if (firstInLine && (created || record.status === 'queued')) {
      // Only the run first in its table's line gets its write job now; the run before it hands the
      // table on when it ends. Also when a crashed earlier enqueue left the record without its
      // job: both steps are idempotent.
      await this.writeQueue.add('write', { runId, table: request.table }, { jobId: stageJobId(runId) });
    }
    if (created) {
      (this.options.events ?? noopEvents).emit({ event: 'wap.run.enqueued', runId, table: request.table, payload: { source: request.source, mode: request.mode, files: listing.files.length } });
    }
    return { runId, status: record.status, created };
  }

  async getRun(runId: string): Promise<RunRecord | undefined> {
    await this.ready();
    return this.ledger.get(runId);
  }

  async listRuns(options: ListRunsOptions = {}): Promise<RunRecord[]> {
    await this.ready();
    return this.ledger.list(options);
  }

  /** Polls the ledger until the run finishes (published, audit_failed, rejected or failed). */
  async waitForRun(runId: string, options: { timeoutMs?: number; pollMs?: number; onUpdate?: (run: RunRecord) => void } = {}): Promise<RunRecord> {
    const deadline = Date.now() + (options.timeoutMs ?? 10 * 60_000);
    let lastStatus: string | undefined;
    await this.ready();
    for (;;) {
      let run: RunRecord | undefined;
      try {
        run = await this.ledger.get(runId);
      } catch (error) {
        // A Redis blip (a restart, a failover) does not end the wait: the run goes on meanwhile.
        if (!isConnectionError(error)) throw error;
        if (Date.now() > deadline) throw redisUnavailable(error);
        await new Promise((resolve) => setTimeout(resolve, Math.max(options.pollMs ?? 250, 1000)));
        continue;
      }
      if (run === undefined) throw new FloodgateError('INVALID_INPUT', `run ${runId} is not in the ledger`);
      if (run.status !== lastStatus) options.onUpdate?.(run);
      lastStatus = run.status;
      if (TERMINAL_STATUSES.has(run.status)) return run;
      if (Date.now() > deadline) {
        throw new FloodgateError('WAIT_TIMEOUT', `run ${runId} did not finish within ${options.timeoutMs ?? 600_000} ms (status ${run.status}); it goes on, and waiting again may see it finish`, { retryable: true, details: { runId, status: run.status } });
      }
      await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 250));
    }
  }

  /**
   * Closes the queue and an owned connection. A connection that is not ready (still connecting,
   * or Redis is away) is dropped at once: `quit` would be refused and the socket would then open
   * anyway, or reconnect forever, and keep the process alive.
   */
  async close(): Promise<void> {
    const ready = this.redis.status === 'ready';
    if (ready) await this.writeQueue.close();
    else void this.writeQueue.close().catch(() => undefined);
    if (!this.ownsRedis) return;
    if (ready) await this.redis.quit().catch(() => this.redis.disconnect());
    else this.redis.disconnect();
  }
}

/** One-off enqueue: connects, enqueues, disconnects. Long-lived services should keep a FloodgateProducer. */
export async function enqueueIngestion(request: IngestionRequestInput | unknown, options: ProducerOptions): Promise<EnqueueResult> {
  const producer = new FloodgateProducer(options);
  try {
    return await producer.enqueue(request);
  } finally {
    await producer.close();
  }
}

export async function getRun(runId: string, options: ProducerOptions): Promise<RunRecord | undefined> {
  const producer = new FloodgateProducer(options);
  try {
    return await producer.getRun(runId);
  } finally {
    await producer.close();
  }
}

export async function waitForRun(runId: string, options: ProducerOptions & { timeoutMs?: number }): Promise<RunRecord> {
  const producer = new FloodgateProducer(options);
  try {
    return await producer.waitForRun(runId, options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs });
  } finally {
    await producer.close();
  }
}

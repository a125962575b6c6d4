import { Queue, Worker, type ConnectionOptions, type Job } from 'bullmq';
import { QUEUE_NAMES, STAGES, stageJobOptions, type StageJobData } from '../shared/jobs/index.js';
import type { Stage } from '../shared/ledger/index.js';
import type { Logger, Metrics } from '../shared/observability/ports.js';
import type { FleetSettings as FleetConfig } from '../shared/config/index.js';
import { throttled } from '../shared/observability/throttle.js';
import type { StageProcessor, StageQueue } from './processors/index.js';

const ERROR_LOG_EVERY_MS = 30_000;

export type FleetQueues = Readonly<Record<Stage, Queue<StageJobData>>>;

/** The three stage queues, with retries, backoff with jitter, and retention of finished jobs. */
export function createQueues(connection: ConnectionOptions, config: FleetConfig): FleetQueues {
  const make = (stage: Stage) =>
    new Queue<StageJobData>(QUEUE_NAMES[stage], {
      connection,
      prefix: config.prefix,
      defaultJobOptions: stageJobOptions(config),
    });
  return { write: make('write'), audit: make('audit'), publish: make('publish') };
}

/**
 * Logs the connection errors of Redis clients and queues: one line per 30 s with the message
 * only. Without a listener each reconnect attempt is a raw dump on stderr, which for a wrong
 * password includes the AUTH command and the password.
 */
export function logConnectionErrors(logger: Logger, emitters: ReadonlyArray<{ on(event: 'error', listener: (error: Error) => void): unknown }>): void {
  const report = throttled(ERROR_LOG_EVERY_MS, (error: Error, dropped) =>
    logger.error({ err: error.message, ...(dropped > 0 ? { similarErrorsNotLogged: dropped } : {}) }, 'Redis connection error'),
  );
  for (const emitter of emitters) emitter.on('error', report);
}

/** The queues as the processors see them. */
export function stageQueues(queues: FleetQueues): Readonly<Record<Stage, StageQueue>> {
  return queues as unknown as Readonly<Record<Stage, StageQueue>>;
}

export interface RunningWorkers {
  readonly stages: readonly Stage[];
  /** Stops taking jobs, waits up to `graceMs` for active ones, then cancels (they are re-delivered). */
  close(graceMs: number): Promise<void>;
  /** Resolves once every worker is connected and polling. */
  ready(): Promise<void>;
}

export interface StartWorkersOptions {
  readonly connection: ConnectionOptions;
  readonly config: FleetConfig;
  readonly stages: readonly Stage[];
  readonly concurrency: number;
  readonly processors: Readonly<Record<Stage, StageProcessor>>;
  readonly logger: Logger;
  readonly metrics: Metrics;
}

/** One BullMQ worker per stage, in this process. */
export function startWorkers(options: StartWorkersOptions): RunningWorkers {
  const workers = options.stages.map((stage) => {
    const processor = options.processors[stage];
    const worker = new Worker<StageJobData>(
      QUEUE_NAMES[stage],
      // Three parameters, so BullMQ hands us the job's AbortSignal.
      async (job: Job<StageJobData>, token?: string, signal?: AbortSignal) => {
        const started = Date.now();
        options.metrics.tableSeen(job.data.table);
        try {
          const outcome = await processor(job, token, signal);
          options.metrics.stageFinished(stage, 'ok', (Date.now() - started) / 1000);
          return outcome;
        } catch (error) {
          const parked = error instanceof Error && error.name === 'DelayedError';
          options.metrics.stageFinished(stage, parked ? 'parked' : 'error', (Date.now() - started) / 1000);
          throw error;
        }
      },
      {
        connection: options.connection,
        prefix: options.config.prefix,
        concurrency: options.concurrency,
        lockDuration: options.config.lockDurationMs,
        stalledInterval: options.config.lockDurationMs,
        maxStalledCount: 50,
        autorun: true,
      },
    );
    worker.on('lockRenewalFailed', (jobIds: string[]) => {
      for (const id of jobIds) worker.cancelJob(id, 'lost the BullMQ job lock');
      options.logger.warn({ stage, jobIds }, 'job lock lost: cancelling the job (it will be re-delivered)');
    });
    worker.on('failed', (job, error) => {
      if (error.name === 'DelayedError') return;
      options.logger.warn({ stage, runId: job?.data.runId, table: job?.data.table, attempt: job?.attemptsMade, err: error.message }, 'stage attempt failed');
    });
    // During a Redis outage BullMQ reports every failed reconnect: log the first, then one per 30 s.
    worker.on('error', throttled(ERROR_LOG_EVERY_MS, (error: Error, dropped) => options.logger.error({ stage, err: error.message, ...(dropped > 0 ? { similarErrorsNotLogged: dropped } : {}) }, 'worker error')));
    return worker;
  });
  return {
    stages: options.stages,
    ready: async () => {
      await Promise.all(workers.map((w) => w.waitUntilReady()));
    },
    close: async (graceMs: number) => {
      const closing = Promise.all(workers.map((w) => w.close()));
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), graceMs)));
      const result = await Promise.race([closing.then(() => 'closed' as const), timeout]);
      clearTimeout(timer);
      if (result === 'timeout') {
        for (const w of workers) w.cancelAllJobs('shutting down');
        await Promise.all(workers.map((w) => w.close(true)));
      }
    },
  };
}

export { STAGES };

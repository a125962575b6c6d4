import { Queue, Worker, type ConnectionOptions, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { stageJobOptions, type StageJobData } from '../../src/shared/jobs/index.js';

export interface BareChain {
  /** Adds one run's first job (`id` becomes the job id in all three queues, as in the fleet). */
  enqueue(id: string, table: string): Promise<void>;
  /** Pauses / resumes the first queue. */
  pause(): Promise<void>;
  resume(): Promise<void>;
  /** Resolves once `count` runs have left the last queue. */
  waitFor(count: number, timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

export interface BareChainOptions {
  readonly redisUrl: string;
  readonly prefix: string;
  readonly concurrency: number;
  /** BullMQ lockDuration and stalledInterval, as the fleet's workers use (FLOODGATE_JOB_LOCK_MS). */
  readonly lockDurationMs: number;
}

/**
 * The baseline: three BullMQ queues and one worker each, every job a no-op that adds the next
 * stage's job. Same Redis, one shared connection, same concurrency, worker lock settings and job options
 * (attempts, backoff, retention) as Floodgate's stage queues; none of Floodgate's ledger, table
 * locks or lakehouse calls.
 */
export async function startBareChain(options: BareChainOptions): Promise<BareChain> {
  const redis = new Redis(options.redisUrl, { maxRetriesPerRequest: null, enableReadyCheck: true });
  const connection = redis as unknown as ConnectionOptions;
  const defaultJobOptions = stageJobOptions({ attempts: 5, backoffMs: 2000, retentionSeconds: 7 * 86_400 });
  const queue = (name: string) => new Queue<StageJobData>(name, { connection, prefix: options.prefix, defaultJobOptions });
  const queues = [queue('bare-write'), queue('bare-audit'), queue('bare-publish')] as const;
  let finished = 0;
  let waiters: Array<{ count: number; resolve: () => void }> = [];
  const worker = (index: 0 | 1 | 2) =>
    new Worker<StageJobData>(
      queues[index].name,
      async (job: Job<StageJobData>) => {
        const next = index < 2 ? queues[index + 1] : undefined;
        if (next !== undefined) {
          await next.add(next.name, job.data, { jobId: job.data.runId });
          return 'done';
        }
        finished++;
        waiters = waiters.filter((w) => (finished >= w.count ? (w.resolve(), false) : true));
        return 'done';
      },
      {
        connection,
        prefix: options.prefix,
        concurrency: options.concurrency,
        lockDuration: options.lockDurationMs,
        stalledInterval: options.lockDurationMs,
        maxStalledCount: 50,
        autorun: true,
      },
    );
  const workers = [worker(0), worker(1), worker(2)];
  await Promise.all(workers.map((w) => w.waitUntilReady()));
  return {
    enqueue: async (id, table) => {
      await queues[0].add(queues[0].name, { runId: id, table }, { jobId: id });
    },
    pause: () => queues[0].pause(),
    resume: () => queues[0].resume(),
    waitFor: (count, timeoutMs) =>
      finished >= count
        ? Promise.resolve()
        : new Promise((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error(`bare chain: ${finished} of ${count} finished within ${timeoutMs} ms`)), timeoutMs);
            waiters.push({
              count,
              resolve: () => {
                clearTimeout(timer);
                resolve();
              },
            });
          }),
    close: async () => {
      await Promise.all(workers.map((w) => w.close()));
      await Promise.all(queues.map((q) => q.close()));
      await redis.quit().catch(() => undefined);
    },
  };
}

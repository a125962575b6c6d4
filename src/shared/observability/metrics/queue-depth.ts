import { Gauge, type Registry } from 'prom-client';
import { METRIC_NAMES } from './names.js';

/** The job states counted per queue. `waiting` is BullMQ's wait list (`<prefix>:<queue>:wait`). */
export const QUEUE_STATES = ['waiting', 'prioritized', 'active', 'delayed', 'failed', 'completed'] as const;
export type QueueState = (typeof QUEUE_STATES)[number];

/** The part of a BullMQ `Queue` read here (a `Queue` fits). */
export interface DepthQueue {
  readonly name: string;
  getJobCounts(...types: string[]): Promise<Record<string, number>>;
  /** Oldest first for `(0, 0)`. */
  getWaiting(start?: number, end?: number): Promise<ReadonlyArray<WaitingJob | undefined>>;
}

export interface WaitingJob {
  /** When the job was added (ms). Retries and parks keep it. */
  readonly timestamp: number;
  /** When an attempt last started (ms), if any did. */
  readonly processedOn?: number;
}

/**
 * Queue depth by queue and state, and the age of each queue's oldest waiting job, read from
 * Redis at scrape time. Register this in ONE process per fleet — the API — never in workers:
 * every replica would report the same queues, and sum() over replicas would multiply the depth.
 * A queue whose read fails is left out of that scrape instead of failing the whole /metrics.
 */
/** A scrape must answer while Redis is away: queue gauges it cannot read within this are left out. */
const SCRAPE_TIMEOUT_MS = 2_000;

function within<T>(read: Promise<T>): Promise<T | undefined> {
  return Promise.race([read.catch(() => undefined), new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), SCRAPE_TIMEOUT_MS).unref())]);
}

export function registerQueueDepth(registry: Registry, queues: readonly DepthQueue[] | Readonly<Record<string, DepthQueue>>): void {
  const list: readonly DepthQueue[] = Array.isArray(queues) ? queues : Object.values(queues);
  new Gauge({
    name: METRIC_NAMES.queueJobs,
    help: 'Jobs in each BullMQ stage queue, by queue and state (from Redis at scrape time).',
    labelNames: ['queue', 'state'],
    registers: [registry],
    async collect() {
      this.reset();
      const counts = await Promise.all(list.map((queue) => within(queue.getJobCounts(...QUEUE_STATES))));
      list.forEach((queue, i) => {
        const byState = counts[i];
        if (byState === undefined) return;
        for (const state of QUEUE_STATES) this.set({ queue: queue.name, state }, byState[state] ?? 0);
      });
    },
  });
  new Gauge({
    name: METRIC_NAMES.queueOldestWaitingAge,
    help: 'Seconds since the oldest job in the wait list was added or last attempted; 0 when the list is empty.',
    labelNames: ['queue'],
    registers: [registry],
    async collect() {
      this.reset();
      const now = Date.now();
      const oldest = await Promise.all(list.map((queue) => within(queue.getWaiting(0, 0).then((jobs) => ({ job: jobs[0] })))));
      list.forEach((queue, i) => {
        const read = oldest[i];
        if (read === undefined) return;
        const since = read.job === undefined ? now : Math.max(read.job.timestamp, read.job.processedOn ?? 0);
        this.set({ queue: queue.name }, Math.max(0, (now - since) / 1000));
      });
    },
  });
}

import type { EventSink, Logger, Metrics, RunEvent } from '../ports.js';
import type { Pending } from './apply.js';
import { DeliveryBuffer } from './buffer.js';
import { createPrefectClient, PrefectCallError, type FetchLike } from './client.js';
import { deliverBatch } from './deliver.js';
import { PrefectRuns } from './runs.js';

export interface PrefectSinkOptions {
  /** The API base, as in `PREFECT_API_URL` (`http://127.0.0.1:4200/api`, or a Cloud workspace URL). */
  readonly apiUrl: string;
  /** Prefect Cloud's key (`PREFECT_API_KEY`), sent as `Authorization: Bearer`. */
  readonly apiKey?: string;
  /** A self-hosted server's Basic auth `user:pass` (`PREFECT_API_AUTH_STRING`). */
  readonly authString?: string;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** Events held at most; when full the oldest is dropped. Default 10,000. */
  readonly bufferSize?: number;
  /** Events taken per delivery round. Default 100. */
  readonly batchSize?: number;
  /** How long emitted events wait to be batched. Default 1,000 ms. */
  readonly flushIntervalMs?: number;
  /** Retries of one event before it is counted `failed`. Default 6. */
  readonly maxRetries?: number;
  /** Backoff of the first retry, doubled each time up to `retryMaxMs`, with jitter. Default 500 ms. */
  readonly retryBaseMs?: number;
  readonly retryMaxMs?: number;
  /** Per HTTP call. Default 10,000 ms. */
  readonly requestTimeoutMs?: number;
  /** Runs delivered side by side. Default 8. */
  readonly concurrency?: number;
  readonly fetch?: FetchLike;
}

export interface PrefectSink extends EventSink {
  flush(timeoutMs: number): Promise<void>;
  /** Flushes within `timeoutMs`, then stops; what is still buffered is counted `failed`. */
  close(timeoutMs: number): Promise<void>;
  /** Events buffered or in flight. */
  readonly pending: number;
}

const LOG_EVERY_MS = 30_000;

/** A warn line at most every 30 s per kind, saying how many were suppressed. */
function rateLimitedWarn(logger: Logger): (kind: string, fields: Record<string, unknown>, message: string) => void {
  const last = new Map<string, { at: number; suppressed: number }>();
  return (kind, fields, message) => {
    const now = Date.now();
    const entry = last.get(kind);
    if (entry !== undefined && now - entry.at < LOG_EVERY_MS) {
      entry.suppressed++;
      return;
    }
    logger.warn({ ...fields, ...(entry === undefined || entry.suppressed === 0 ? {} : { suppressed: entry.suppressed }) }, message);
    last.set(kind, { at: now, suppressed: 0 });
  };
}

/**
 * An EventSink that mirrors WAP runs into Prefect: events, a `wap-ingest` flow run per run with
 * write/audit/publish task runs, logs and the audit report as artifacts. `emit` only appends to a
 * bounded buffer; a background timer delivers in batches, retrying with exponential backoff and
 * jitter. A Prefect outage costs the fleet nothing but this buffer's memory.
 */
export function createPrefectSink(options: PrefectSinkOptions): PrefectSink {
  const bufferSize = options.bufferSize ?? 10_000;
  const batchSize = options.batchSize ?? 100;
  const flushIntervalMs = options.flushIntervalMs ?? 1_000;
  const maxRetries = options.maxRetries ?? 6;
  const retryBaseMs = options.retryBaseMs ?? 500;
  const retryMaxMs = options.retryMaxMs ?? 30_000;
  const concurrency = options.concurrency ?? 8;
  const { logger, metrics } = options;
  const warn = rateLimitedWarn(logger);
  const stop = new AbortController();
  const client = createPrefectClient({
    apiUrl: options.apiUrl,
    ...(options.apiKey === undefined ? {} : { apiKey: options.apiKey }),
    ...(options.authString === undefined ? {} : { authString: options.authString }),
    fetch: options.fetch ?? (globalThis.fetch as unknown as FetchLike),
    timeoutMs: options.requestTimeoutMs ?? 10_000,
    signal: stop.signal,
  });
  const ctx = { client, runs: new PrefectRuns(client), debug: (fields: Record<string, unknown>, message: string) => logger.debug(fields, message) };
  const buffer = new DeliveryBuffer(bufferSize);
  let seq = 0;
  let inFlight = 0;
  let running: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let timerDue = 0;
  let flushing = 0;
  let closed = false;
  let failedRounds = 0;
  let pausedUntil = 0;
  const idleWaiters = new Set<() => void>();

  const backoff = (attempt: number) => Math.min(retryMaxMs, retryBaseMs * 2 ** (attempt - 1)) * (0.5 + Math.random() / 2);

  const dropped = (items: readonly Pending[], why: string) => {
    if (items.length === 0) return;
    metrics.prefectDelivery('dropped', items.length);
    warn('dropped', { dropped: items.length, bufferSize, runId: items[0]?.event.runId }, `prefect: buffer full, dropped the oldest event (${why})`);
  };

  const schedule = (delayMs: number) => {
    if (closed && flushing === 0) return;
    if (running !== undefined) return; // the round in flight reschedules when it ends
    const due = Math.max(Date.now() + delayMs, pausedUntil);
    if (timer !== undefined && timerDue <= due) return;
    if (timer !== undefined) clearTimeout(timer);
    timerDue = due;
    timer = setTimeout(tick, Math.max(0, due - Date.now()));
    timer.unref();
  };

  const settle = (outcomes: Awaited<ReturnType<typeof deliverBatch>>) => {
    const back: Pending[] = [];
    let sent = 0;
    let retryable = 0;
    for (const [item, outcome] of outcomes) {
      if (outcome.kind === 'done') sent++;
      else if (outcome.kind === 'deferred') back.push(item);
      else {
        const error = outcome.error;
        const mayRetry = !(error instanceof PrefectCallError) || error.retryable;
        if (mayRetry && item.attempts < maxRetries && !closed) {
          item.attempts++;
          item.notBefore = Date.now() + backoff(item.attempts);
          back.push(item);
          retryable++;
        } else {
          metrics.prefectDelivery('failed', 1);
          warn('failed', { runId: item.event.runId, event: item.event.event, attempts: item.attempts + 1, err: error instanceof Error ? error.message : String(error) }, 'prefect: gave up delivering an event');
        }
      }
    }
    if (sent > 0) metrics.prefectDelivery('sent', sent);
    if (retryable > 0) metrics.prefectDelivery('retried', retryable);
    // A round where nothing got through pauses every delivery, not only the events it tried.
    failedRounds = sent === 0 && retryable > 0 ? failedRounds + 1 : 0;
    pausedUntil = failedRounds === 0 ? 0 : Date.now() + backoff(failedRounds);
    dropped(buffer.requeue(back), 'after a failed delivery');
  };

  const round = async (): Promise<boolean> => {
    const batch = buffer.takeDue(Date.now(), batchSize);
    if (batch.length === 0) return false;
    inFlight = batch.length;
    try {
      settle(await deliverBatch(ctx, batch, concurrency));
    } catch (error) {
      logger.error({ err: error instanceof Error ? error.message : String(error) }, 'prefect: delivery round failed');
      buffer.requeue(batch);
    } finally {
      inFlight = 0;
    }
    return batch.length === batchSize;
  };

  function tick(): void {
    timer = undefined;
    if (running !== undefined) return;
    running = round().then(
      (full) => {
        running = undefined;
        const next = buffer.nextDueAt();
        if (next === undefined) {
          for (const resolve of idleWaiters) resolve();
          return;
        }
        const dueIn = Math.max(0, next - Date.now());
        schedule(full || flushing > 0 ? dueIn : Math.max(dueIn, flushIntervalMs));
      },
      () => {
        running = undefined;
      },
    );
  }

  const flush = async (timeoutMs: number): Promise<void> => {
    if (buffer.size === 0 && running === undefined) return;
    flushing++;
    let timeout: NodeJS.Timeout | undefined;
    let resolveIdle: (() => void) | undefined;
    try {
      schedule(0);
      await new Promise<void>((resolve) => {
        resolveIdle = resolve;
        idleWaiters.add(resolve);
        timeout = setTimeout(resolve, timeoutMs);
      });
    } finally {
      flushing--;
      if (resolveIdle !== undefined) idleWaiters.delete(resolveIdle);
      clearTimeout(timeout);
    }
  };

  return {
    emit(event: RunEvent): void {
      try {
        if (closed) {
          metrics.prefectDelivery('dropped', 1);
          return;
        }
        const item: Pending = { seq: seq++, event, occurred: event.occurred ?? new Date().toISOString(), attempts: 0, notBefore: 0, done: new Set() };
        const out = buffer.push(item);
        if (out !== undefined) dropped([out], 'emit');
        schedule(buffer.size >= batchSize ? 0 : flushIntervalMs);
      } catch {
        // emit never throws
      }
    },
    flush,
    async close(timeoutMs: number): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      await flush(timeoutMs);
      closed = true;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      stop.abort(new Error('prefect sink closed'));
      if (running !== undefined) await Promise.race([running, new Promise((resolve) => setTimeout(resolve, Math.max(0, deadline - Date.now())).unref())]);
      const left = buffer.drain();
      if (left.length > 0) {
        metrics.prefectDelivery('failed', left.length);
        logger.warn({ undelivered: left.length }, 'prefect: sink closed with events undelivered');
      }
    },
    get pending() {
      return buffer.size + inFlight;
    },
  };
}

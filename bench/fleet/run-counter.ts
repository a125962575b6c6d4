import { noopMetrics, type Metrics, type RunOutcome } from '../../src/shared/observability/ports.js';

/**
 * A Metrics port that counts finished runs and parked jobs, so an in-process fleet tells the
 * benchmark when a batch is done without polling Redis.
 */
export class RunCounter {
  outcomes = new Map<RunOutcome, number>();
  parked = 0;
  finished = 0;
  #waiters: Array<{ count: number; resolve: () => void }> = [];

  /** The no-op metrics (whatever the port holds) with the two this counter needs. */
  readonly metrics: Metrics = {
    ...noopMetrics,
    runFinished: (_table, outcome) => {
      this.outcomes.set(outcome, (this.outcomes.get(outcome) ?? 0) + 1);
      this.finished++;
      this.#waiters = this.#waiters.filter((w) => {
        if (this.finished < w.count) return true;
        w.resolve();
        return false;
      });
    },
    lockParked: () => {
      this.parked++;
    },
  };

  reset(): void {
    this.outcomes = new Map();
    this.parked = 0;
    this.finished = 0;
  }

  /** Resolves once `count` runs have finished since the last reset; rejects after `timeoutMs`. */
  waitFor(count: number, timeoutMs: number): Promise<void> {
    if (this.finished >= count) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${this.finished} of ${count} runs finished within ${timeoutMs} ms`)), timeoutMs);
      this.#waiters.push({
        count,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  }
}

import type { Lakehouse } from '../../src/shared/lakehouse/lakehouse.js';

/** One lakehouse call: method and wall-clock interval (epoch milliseconds, sub-ms precision). */
export interface LakehouseCall {
  readonly method: string;
  readonly start: number;
  readonly end: number;
}

export interface TimedLakehouse {
  readonly lakehouse: Lakehouse;
  /** Calls recorded since the last `take()`, removed from the record. */
  take(): LakehouseCall[];
}

/** Epoch milliseconds with sub-millisecond precision, comparable with the ledger's ISO timestamps. */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

/** Wraps every method of `inner` so each call's interval is recorded (including failed calls). */
export function timingLakehouse(inner: Lakehouse): TimedLakehouse {
  let calls: LakehouseCall[] = [];
  const lakehouse = new Proxy(inner, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function' || typeof property !== 'string') return value;
      const method = value as (...args: unknown[]) => Promise<unknown>;
      return async (...args: unknown[]) => {
        const start = nowMs();
        try {
          return await method.apply(target, args);
        } finally {
          calls.push({ method: property, start, end: nowMs() });
        }
      };
    },
  });
  return {
    lakehouse,
    take: () => {
      const taken = calls;
      calls = [];
      return taken;
    },
  };
}

/** Milliseconds of [from, to] covered by at least one call (overlapping calls count once). */
export function coveredMs(calls: readonly LakehouseCall[], from: number, to: number): number {
  const spans = calls
    .map((c) => [Math.max(c.start, from), Math.min(c.end, to)] as const)
    .filter(([a, b]) => b > a)
    .sort((x, y) => x[0] - y[0]);
  let total = 0;
  let cursorStart = Number.NEGATIVE_INFINITY;
  let cursorEnd = Number.NEGATIVE_INFINITY;
  for (const [a, b] of spans) {
    if (a > cursorEnd) {
      if (cursorEnd > cursorStart) total += cursorEnd - cursorStart;
      cursorStart = a;
      cursorEnd = b;
    } else cursorEnd = Math.max(cursorEnd, b);
  }
  if (cursorEnd > cursorStart) total += cursorEnd - cursorStart;
  return total;
}

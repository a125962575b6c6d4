import type { Pending } from './apply.js';

/**
 * The sink's bounded in-memory buffer, in emit order. When full, the OLDEST event is dropped
 * (the newest say more about where a run is now). `takeDue` keeps each run's events in order:
 * a run whose earlier event is waiting out a backoff does not get its later events taken.
 */
export class DeliveryBuffer {
  #items: Pending[] = [];

  readonly capacity: number;

  constructor(capacity: number) {
    this.capacity = capacity;
  }

  get size(): number {
    return this.#items.length;
  }

  /** Adds an event; returns the one dropped to make room, if any. */
  push(item: Pending): Pending | undefined {
    this.#items.push(item);
    return this.#items.length > this.capacity ? this.#items.shift() : undefined;
  }

  /** Up to `max` events due at `now`, oldest first, never overtaking an earlier event of the same run. */
  takeDue(now: number, max: number): Pending[] {
    const taken: Pending[] = [];
    const blocked = new Set<string>();
    const kept: Pending[] = [];
    for (const item of this.#items) {
      const runId = item.event.runId;
      if (taken.length < max && !blocked.has(runId) && item.notBefore <= now) taken.push(item);
      else {
        blocked.add(runId);
        kept.push(item);
      }
    }
    this.#items = kept;
    return taken;
  }

  /** Puts events back in emit order (after a failed or deferred delivery). Returns any dropped for room. */
  requeue(items: readonly Pending[]): Pending[] {
    if (items.length === 0) return [];
    this.#items = [...items, ...this.#items].sort((a, b) => a.seq - b.seq);
    const excess = this.#items.length - this.capacity;
    return excess > 0 ? this.#items.splice(0, excess) : [];
  }

  /** When the next event is due (ms since epoch), or undefined when empty. */
  nextDueAt(): number | undefined {
    let next: number | undefined;
    for (const item of this.#items) if (next === undefined || item.notBefore < next) next = item.notBefore;
    return next;
  }

  /** Empties the buffer, returning what was in it. */
  drain(): Pending[] {
    const items = this.#items;
    this.#items = [];
    return items;
  }
}

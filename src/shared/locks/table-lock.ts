import type { Keys } from '../redis/keys.js';
import { LuaScript, type ScriptRedis } from '../redis/script.js';
import { ACQUIRE, CHECK, ENQUEUE, RELEASE, RENEW } from './scripts.js';

const scripts = {
  acquire: new LuaScript(ACQUIRE),
  renew: new LuaScript(RENEW),
  check: new LuaScript(CHECK),
  release: new LuaScript(RELEASE),
  enqueue: new LuaScript(ENQUEUE),
};

/** The part of a Redis client the lock needs (ioredis implements it). */
export interface LockRedis extends ScriptRedis {
  zrange(key: string, start: number, stop: number): Promise<string[]>;
  get(key: string): Promise<string | null>;
}

export interface Lease {
  readonly table: string;
  readonly runId: string;
  /** Fencing token: strictly increasing per table; a write with an older token is stale. */
  readonly token: number;
}

export type AcquireResult = { readonly acquired: true; readonly lease: Lease } | { readonly acquired: false; readonly blockedBy: string };

/**
 * A per-table lease lock in Redis, owned by a run id and carrying a fencing token. Runs of one
 * table take it in enqueue order (only the head of the table's line may acquire); it is
 * re-entrant for the same run, so every stage of a run re-acquires the same lease.
 */
export class TableLocks {
  private readonly redis: LockRedis;
  private readonly keys: Keys;
  readonly ttlMs: number;

  constructor(redis: LockRedis, keys: Keys, options: { ttlMs: number }) {
    this.redis = redis;
    this.keys = keys;
    this.ttlMs = options.ttlMs;
  }

  /** Puts a run in its table's line (idempotent); call when the run is enqueued. */
  async enqueue(table: string, runId: string): Promise<number> {
    return Number(await scripts.enqueue.run(this.redis, [this.keys.waiting(table), this.keys.sequence()], [runId]));
  }

  async acquire(table: string, runId: string): Promise<AcquireResult> {
    const result = (await scripts.acquire.run(this.redis, [this.keys.lock(table), this.keys.fence(table), this.keys.waiting(table)], [runId, this.ttlMs])) as [number, string];
    return result[0] === 1
      ? { acquired: true, lease: { table, runId, token: Number(result[1]) } }
      : { acquired: false, blockedBy: result[1] };
  }

  /** Extends the lease; false means it was lost (expired and taken, or stolen). */
  async renew(lease: Lease): Promise<boolean> {
    return (await scripts.renew.run(this.redis, [this.keys.lock(lease.table)], [lease.runId, lease.token, this.ttlMs])) === 1;
  }

  /** True while `lease` is the table's current lease: check before any irreversible step. */
  async holds(lease: Lease): Promise<boolean> {
    return (await scripts.check.run(this.redis, [this.keys.lock(lease.table)], [lease.runId, lease.token])) === 1;
  }

  /** Ends a run's claim (lease and place in line). Returns the run now first in line, if any. */
  async release(table: string, runId: string): Promise<string | undefined> {
    const next = await scripts.release.run(this.redis, [this.keys.lock(table), this.keys.waiting(table)], [runId]);
    return typeof next === 'string' ? next : undefined;
  }

  async holder(table: string): Promise<{ runId: string; token: number } | undefined> {
    const value = await this.redis.get(this.keys.lock(table));
    const match = value === null ? null : /^(.*)\|(\d+)$/.exec(value);
    return match ? { runId: match[1] as string, token: Number(match[2]) } : undefined;
  }

  async line(table: string): Promise<string[]> {
    return this.redis.zrange(this.keys.waiting(table), 0, -1);
  }
}

import type { Keys } from '../redis/keys.js';
import { LuaScript, type ScriptRedis } from '../redis/script.js';
import { CHECK, RENEW } from './scripts.js';

const scripts = { renew: new LuaScript(RENEW), check: new LuaScript(CHECK) };

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

/**
 * A per-table lease lock in Redis, owned by a run id and carrying a fencing token. Runs of one
 * table take it in enqueue order (only the head of the table's line may take it); it is
 * re-entrant for the same run, so every stage of a run re-takes the same lease. Taking and
 * releasing happen in the run's own steps (RunFlow, src/shared/runs/), with its ledger record;
 * this class renews and checks a lease and reads the table's holder and line.
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

  /** Extends the lease; false means it was lost (expired and taken, or stolen). */
  async renew(lease: Lease): Promise<boolean> {
    return (await scripts.renew.run(this.redis, [this.keys.lock(lease.table)], [lease.runId, lease.token, this.ttlMs])) === 1;
  }

  /** True while `lease` is the table's current lease: check before any irreversible step. */
  async holds(lease: Lease): Promise<boolean> {
    return (await scripts.check.run(this.redis, [this.keys.lock(lease.table)], [lease.runId, lease.token])) === 1;
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

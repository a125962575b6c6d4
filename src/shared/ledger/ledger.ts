import type { Keys } from '../redis/keys.js';
import { FloodgateError } from '../errors/index.js';
import { TERMINAL_STATUSES, type RunPatch, type RunRecord, type RunStatus, type Stage } from './types.js';

/** The part of an ioredis client the ledger uses. */
export interface LedgerRedis {
  set(key: string, value: string, mode: 'NX'): Promise<'OK' | null>;
  get(key: string): Promise<string | null>;
  eval(script: string, numKeys: number, ...args: Array<string | number>): Promise<unknown>;
  zadd(key: string, score: number, member: string): Promise<unknown>;
  zrevrangebyscore(key: string, max: string | number, min: string | number, limit: 'LIMIT', offset: number, count: number): Promise<string[]>;
  zremrangebyscore(key: string, min: string | number, max: string | number): Promise<unknown>;
  mget(...keys: string[]): Promise<Array<string | null>>;
}

/** KEYS: run. ARGV: expected JSON, next JSON, ttl seconds (0: none). Compare-and-set, safe on a shared connection. */
const COMPARE_AND_SET = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2])
if tonumber(ARGV[3]) > 0 then redis.call('EXPIRE', KEYS[1], ARGV[3]) end
return 1
`;

export interface ListRunsOptions {
  readonly table?: string;
  readonly status?: RunStatus;
  readonly limit?: number;
}

const UPDATE_ATTEMPTS = 20;

export interface RunChange {
  readonly status?: RunStatus;
  readonly note?: string;
  readonly patch?: RunPatch;
  /** Counts one more attempt at this stage, in the same atomic update. */
  readonly attempt?: Stage;
}

/**
 * One record per run in Redis: status history with timestamps, branch, commits, counts, the
 * audit report, the error and attempts. Finished runs expire after the retention period.
 */
export class Ledger {
  private readonly redis: LedgerRedis;
  private readonly keys: Keys;
  private readonly retentionSeconds: number;
  private readonly now: () => Date;

  constructor(redis: LedgerRedis, keys: Keys, options: { retentionSeconds: number; now?: () => Date }) {
    this.redis = redis;
    this.keys = keys;
    this.retentionSeconds = options.retentionSeconds;
    this.now = options.now ?? (() => new Date());
  }

  /** Records a new run; when the run id exists already, returns that record instead. */
  async create(input: {
    runId: string;
    table: string;
    request: Readonly<Record<string, unknown>>;
    fingerprints?: readonly string[];
  }): Promise<{ created: boolean; record: RunRecord }> {
    const at = this.now().toISOString();
    const record: RunRecord = {
      runId: input.runId,
      table: input.table,
      request: input.request,
      status: 'queued',
      history: [{ status: 'queued', at }],
      createdAt: at,
      updatedAt: at,
      attempts: {},
      ...(input.fingerprints === undefined ? {} : { fingerprints: input.fingerprints }),
    };
    if ((await this.redis.set(this.keys.run(input.runId), JSON.stringify(record), 'NX')) === 'OK') {
      await this.redis.zadd(this.keys.runsByTime(), Date.parse(at), input.runId);
      return { created: true, record };
    }
    const existing = await this.get(input.runId);
    if (existing === undefined) return this.create(input);
    return { created: false, record: existing };
  }

  async get(runId: string): Promise<RunRecord | undefined> {
    const raw = await this.redis.get(this.keys.run(runId));
    return raw === null ? undefined : (JSON.parse(raw) as RunRecord);
  }

  /** Applies `patch` (and a status change, if given) atomically with optimistic concurrency. */
  async update(runId: string, changeOrFn: RunChange | ((current: RunRecord) => RunChange)): Promise<RunRecord> {
    const key = this.keys.run(runId);
    for (let attempt = 0; attempt < UPDATE_ATTEMPTS; attempt++) {
      const raw = await this.redis.get(key);
      if (raw === null) {
        throw new FloodgateError('INVALID_INPUT', `run ${runId} is not in the ledger (unknown, or past its retention)`);
      }
      const current = JSON.parse(raw) as RunRecord;
      const change = typeof changeOrFn === 'function' ? changeOrFn(current) : changeOrFn;
      const at = this.now().toISOString();
      const statusChanged = change.status !== undefined && change.status !== current.status;
      const status = change.status ?? current.status;
      const attempts =
        change.attempt === undefined ? current.attempts : { ...current.attempts, [change.attempt]: (current.attempts[change.attempt] ?? 0) + 1 };
      const next: RunRecord = {
        ...current,
        ...change.patch,
        attempts,
        status,
        updatedAt: at,
        history: statusChanged ? [...current.history, { status, at, ...(change.note === undefined ? {} : { note: change.note }) }] : current.history,
        ...(statusChanged && TERMINAL_STATUSES.has(status) ? { finishedAt: at } : {}),
      };
      const ttl = TERMINAL_STATUSES.has(status) ? this.retentionSeconds : 0;
      if ((await this.redis.eval(COMPARE_AND_SET, 1, key, raw, JSON.stringify(next), ttl)) === 1) return next;
    }
    throw new FloodgateError('CATALOG_BUSY', `run ${runId} kept changing while being updated`, { retryable: true });
  }

  /** Counts one more attempt at a stage and returns the new count. */
  async countAttempt(runId: string, stage: Stage): Promise<number> {
    const record = await this.update(runId, { attempt: stage });
    return record.attempts[stage] ?? 0;
  }

  /** Newest first, filtered by table and status. */
  async list(options: ListRunsOptions = {}): Promise<RunRecord[]> {
    const limit = options.limit ?? 50;
    const found: RunRecord[] = [];
    let offset = 0;
    const page = Math.max(100, limit);
    for (;;) {
      const ids = await this.redis.zrevrangebyscore(this.keys.runsByTime(), '+inf', '-inf', 'LIMIT', offset, page);
      if (ids.length === 0) break;
      const raws = await this.redis.mget(...ids.map((id) => this.keys.run(id)));
      for (const raw of raws) {
        if (raw === null) continue;
        const record = JSON.parse(raw) as RunRecord;
        if (options.table !== undefined && record.table !== options.table) continue;
        if (options.status !== undefined && record.status !== options.status) continue;
        found.push(record);
        if (found.length >= limit) return found;
      }
      offset += ids.length;
    }
    return found;
  }

  /** Drops index entries of runs past the retention period (their records have expired). */
  async prune(): Promise<void> {
    const cutoff = this.now().getTime() - this.retentionSeconds * 1000 * 2;
    await this.redis.zremrangebyscore(this.keys.runsByTime(), '-inf', cutoff);
  }
}

import type { Keys } from '../redis/keys.js';
import { LuaScript, type ScriptRedis } from '../redis/script.js';
import { FloodgateError } from '../errors/index.js';
import { changeArgs, decodeRecord, recordFields, type RunChange } from './codec.js';
import { UPDATE } from './scripts.js';
import type { RunRecord, RunStatus } from './types.js';

/** The part of an ioredis client the ledger uses. */
export interface LedgerRedis extends ScriptRedis {
  hgetall(key: string): Promise<Record<string, string>>;
  zrevrangebyscore(key: string, max: string | number, min: string | number, limit: 'LIMIT', offset: number, count: number): Promise<string[]>;
  zremrangebyscore(key: string, min: string | number, max: string | number): Promise<unknown>;
  pipeline(): { hgetall(key: string): unknown; hmget(key: string, ...fields: string[]): unknown; exec(): Promise<Array<[Error | null, unknown]> | null> };
}

export interface ListRunsOptions {
  readonly table?: string;
  readonly status?: RunStatus;
  readonly limit?: number;
}

export type { RunChange };

const update = new LuaScript(UPDATE);

/** HGETALL's answer as a record; an empty hash is an unknown run. */
function fromHash(hash: Record<string, string>): RunRecord | undefined {
  const flat = Object.entries(hash).flat();
  return flat.length === 0 ? undefined : decodeRecord(flat);
}

/**
 * One record per run in Redis: status history with timestamps, branch, commits, counts, the
 * audit report, the error and attempts. Changes are applied atomically inside Redis. Finished
 * runs expire after the retention period.
 */
export class Ledger {
  private readonly redis: LedgerRedis;
  private readonly keys: Keys;
  readonly retentionSeconds: number;
  readonly now: () => Date;

  constructor(redis: LedgerRedis, keys: Keys, options: { retentionSeconds: number; now?: () => Date }) {
    this.redis = redis;
    this.keys = keys;
    this.retentionSeconds = options.retentionSeconds;
    this.now = options.now ?? (() => new Date());
  }

  /** A new run's record (the run scripts create it, with its place in its table's line). */
  newRecord(input: { runId: string; table: string; request: Readonly<Record<string, unknown>>; fingerprints?: readonly string[] }): RunRecord {
    const at = this.now().toISOString();
    return {
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
  }

  /** The ARGV tail `create_run` reads. */
  createArgs(record: RunRecord): string[] {
    const fields = recordFields(record);
    return [String(Date.parse(record.createdAt)), record.runId, String(fields.length / 2), ...fields];
  }

  async get(runId: string): Promise<RunRecord | undefined> {
    return fromHash(await this.redis.hgetall(this.keys.run(runId)));
  }

  /** The ARGV tail `apply_change` reads, timed now. */
  changeArgs(change: RunChange): string[] {
    return changeArgs(change, this.now().toISOString(), this.retentionSeconds);
  }

  /**
   * Applies a change atomically inside Redis (one round trip; only the changed fields are sent).
   * False when the change carried a status and the run had already finished: nothing changed.
   */
  async apply(runId: string, change: RunChange): Promise<boolean> {
    const answer = await update.run(this.redis, [this.keys.run(runId)], this.changeArgs(change));
    if (answer === null) throw new FloodgateError('INVALID_INPUT', `run ${runId} is not in the ledger (unknown, or past its retention)`);
    return answer === 1;
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
      // With a filter, read only each run's table and status first (a record with its audit
      // report is kilobytes), then the whole records of the matches.
      let matching = ids;
      if (options.table !== undefined || options.status !== undefined) {
        const probe = this.redis.pipeline();
        for (const id of ids) probe.hmget(this.keys.run(id), 'table', 'status');
        const fields = (await probe.exec()) ?? [];
        matching = ids.filter((_, i) => {
          const [error, values] = fields[i] ?? [null, []];
          if (error !== null) throw error;
          // `table` is stored as JSON text, `status` as plain text (see codec.ts).
          const [table, status] = values as Array<string | null>;
          return (options.table === undefined || table === JSON.stringify(options.table)) && (options.status === undefined || status === options.status);
        });
      }
      const pipeline = this.redis.pipeline();
      for (const id of matching) pipeline.hgetall(this.keys.run(id));
      for (const [error, hash] of (await pipeline.exec()) ?? []) {
        if (error !== null) throw error;
        const record = fromHash(hash as Record<string, string>);
        if (record === undefined) continue;
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

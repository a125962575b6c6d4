import type { Keys } from '../redis/keys.js';
import { LuaScript, type ScriptRedis } from '../redis/script.js';
import { decodeRecord, type Ledger, type RunChange, type RunRecord, type RunStatus } from '../ledger/index.js';
import type { Lease } from '../locks/index.js';
import { BEGIN_STAGE, END_RUN, ENQUEUE_RUN, FENCED_CHANGE } from './scripts.js';

const scripts = {
  enqueue: new LuaScript(ENQUEUE_RUN),
  begin: new LuaScript(BEGIN_STAGE),
  end: new LuaScript(END_RUN),
  fenced: new LuaScript(FENCED_CHANGE),
};

/** How a stage's start went. */
export type StageStart =
  | { readonly kind: 'unknown' }
  /** The run is in a status this stage does not start from; nothing changed. */
  | { readonly kind: 'other'; readonly record: RunRecord }
  /** Another run holds the table; this run is marked parked, so the holder's end wakes it. */
  | { readonly kind: 'busy'; readonly blockedBy: string }
  | { readonly kind: 'started'; readonly lease: Lease; readonly record: RunRecord };

export interface RunEnd {
  /** The record after the change (undefined for a run the ledger does not know). */
  readonly record: RunRecord | undefined;
  /** The run now first in its table's line, and whether its job is parked waiting for it. */
  readonly next?: { readonly runId: string; readonly parked: boolean };
}

/**
 * A run's life in Redis, one round trip per step: enqueue (record + place in line), a stage's
 * start (status check + table lease + status change) and the run's end (final status + lease
 * and place in line released).
 */
export class RunFlow {
  private readonly redis: ScriptRedis;
  private readonly keys: Keys;
  readonly ledger: Ledger;
  readonly leaseTtlMs: number;

  constructor(redis: ScriptRedis, keys: Keys, ledger: Ledger, options: { leaseTtlMs: number }) {
    this.redis = redis;
    this.keys = keys;
    this.ledger = ledger;
    this.leaseTtlMs = options.leaseTtlMs;
  }

  /**
   * Records a new run and puts it in its table's line; a known run id gives its record instead.
   * `firstInLine`: the run may start now, so its write job should be added.
   */
  async enqueue(input: {
    runId: string;
    table: string;
    request: Readonly<Record<string, unknown>>;
    fingerprints?: readonly string[];
  }): Promise<{ created: boolean; record: RunRecord; firstInLine: boolean }> {
    const record = this.ledger.newRecord(input);
    const keys = [this.keys.run(input.runId), this.keys.runsByTime(), this.keys.waiting(input.table), this.keys.sequence()];
    const answer = (await scripts.enqueue.run(this.redis, keys, this.ledger.createArgs(record))) as [number, number, string[]?];
    const firstInLine = answer[1] === 1;
    return answer[0] === 1 ? { created: true, record, firstInLine } : { created: false, record: decodeRecord(answer[2] ?? []), firstInLine };
  }

  /** Starts a stage of a run whose status is one of `allowed`, under its table's lease. */
  async begin(runId: string, table: string, allowed: readonly RunStatus[], change: RunChange): Promise<StageStart> {
    const keys = [this.keys.run(runId), this.keys.lock(table), this.keys.fence(table), this.keys.waiting(table), this.keys.parked(table)];
    const answer = (await scripts.begin.run(this.redis, keys, [runId, this.leaseTtlMs, allowed.join(','), ...this.ledger.changeArgs(change)])) as unknown[];
    switch (answer[0]) {
      case 1:
        return { kind: 'other', record: decodeRecord(answer[1] as string[]) };
      case 2:
        return { kind: 'busy', blockedBy: String(answer[1]) };
      case 3:
        return { kind: 'started', lease: { table, runId, token: Number(answer[1]) }, record: decodeRecord(answer[2] as string[]) };
      default:
        return { kind: 'unknown' };
    }
  }

  /**
   * Applies `change` only while `lease` is the table's current lease, in one step: a stage records
   * its result only if no later delivery of the run took over. `finished`: the run had already
   * ended (nothing changed); `lost`: the lease is not held.
   */
  async record(lease: Lease, change: RunChange): Promise<'applied' | 'finished' | 'lost'> {
    const keys = [this.keys.run(lease.runId), this.keys.lock(lease.table)];
    const answer = Number(await scripts.fenced.run(this.redis, keys, [lease.runId, lease.token, ...this.ledger.changeArgs(change)]));
    return answer === 1 ? 'applied' : answer === 0 ? 'finished' : 'lost';
  }

  /** Ends the run's claim on its table, applying `change` (its final status) first when given. */
  async end(runId: string, table: string, change?: RunChange): Promise<RunEnd> {
    const keys = [this.keys.run(runId), this.keys.lock(table), this.keys.waiting(table), this.keys.parked(table)];
    const args = change === undefined ? [runId, '0'] : [runId, '1', ...this.ledger.changeArgs(change)];
    const [fields, next, parked] = (await scripts.end.run(this.redis, keys, args)) as [string[], string, number];
    return {
      record: fields.length === 0 ? undefined : decodeRecord(fields),
      ...(next === '' ? {} : { next: { runId: next, parked: parked === 1 } }),
    };
  }
}

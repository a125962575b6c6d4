/**
 * Redis key names. Every key shares one hash-tagged prefix (default `{floodgate}`), so a run's
 * keys and BullMQ's queues land in one Redis Cluster slot and multi-key Lua scripts work.
 */
export interface Keys {
  readonly prefix: string;
  lock(table: string): string;
  fence(table: string): string;
  waiting(table: string): string;
  /** Runs of a table whose job was parked because another run held the table. */
  parked(table: string): string;
  sequence(): string;
  run(runId: string): string;
  runsByTime(): string;
}

export function redisKeys(prefix: string): Keys {
  return {
    prefix,
    lock: (table) => `${prefix}:lock:${table}`,
    fence: (table) => `${prefix}:fence:${table}`,
    waiting: (table) => `${prefix}:waiting:${table}`,
    parked: (table) => `${prefix}:parked:${table}`,
    sequence: () => `${prefix}:seq`,
    run: (runId) => `${prefix}:run:${runId}`,
    runsByTime: () => `${prefix}:runs`,
  };
}

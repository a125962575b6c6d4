import { Redis } from 'ioredis';

type SendCommand = (this: Redis, command: { name: string; args: readonly unknown[] }, ...rest: unknown[]) => unknown;

export interface CommandCounts {
  /** Commands by name. */
  readonly counts: Map<string, number>;
  /** Bytes of the commands' arguments (strings as UTF-16 length, Buffers by length). */
  readonly argBytes: number;
}

function argLength(arg: unknown): number {
  if (typeof arg === 'string') return arg.length;
  if (Buffer.isBuffer(arg)) return arg.length;
  return String(arg).length;
}

/**
 * Counts the commands every ioredis client in this process sends, by name, until `stop()`.
 * A diagnostic for untimed trials only: it patches `Redis.prototype.sendCommand`.
 */
export function countClientCommands(): { stop(): CommandCounts } {
  const proto = Redis.prototype as unknown as { sendCommand: SendCommand };
  const original = proto.sendCommand;
  const counts = new Map<string, number>();
  let argBytes = 0;
  proto.sendCommand = function (this: Redis, command, ...rest) {
    counts.set(command.name, (counts.get(command.name) ?? 0) + 1);
    for (const arg of command.args) argBytes += argLength(arg);
    return original.call(this, command, ...rest);
  };
  return {
    stop: () => {
      proto.sendCommand = original;
      return { counts, argBytes };
    },
  };
}

/** Redis's own CPU time spent in commands (INFO commandstats, µs, scripts' inner calls included). */
export async function serverCommandMicros(client: Redis): Promise<number> {
  const info = await client.info('commandstats');
  let total = 0;
  for (const match of info.matchAll(/^cmdstat_[^:]+:calls=\d+,usec=(\d+),/gm)) total += Number(match[1]);
  return total;
}

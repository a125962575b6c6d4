import { readFileSync } from 'node:fs';

/**
 * Linux PSI: the share of the last 60 s in which some runnable task waited for a CPU, in
 * percent. A noisy-neighbour gauge for the report; undefined where /proc/pressure is absent.
 */
export function cpuPressure60(): number | undefined {
  try {
    const line = readFileSync('/proc/pressure/cpu', 'utf8').split('\n').find((l) => l.startsWith('some '));
    const value = Number(/avg60=([\d.]+)/.exec(line ?? '')?.[1]);
    return Number.isFinite(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

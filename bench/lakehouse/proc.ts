import { readFileSync } from 'node:fs';

/** VmRSS and VmHWM (peak) of a live process in bytes, from /proc; undefined once it is gone. */
export function memoryOf(pid: number | 'self'): { rss: number; hwm: number } | undefined {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN) * 1024;
  const rss = field('VmRSS');
  const hwm = field('VmHWM');
  return Number.isNaN(rss) || Number.isNaN(hwm) ? undefined : { rss, hwm };
}

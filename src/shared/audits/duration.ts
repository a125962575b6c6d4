/** Durations in checks files: one or more `<number><unit>` parts, e.g. `90m`, `1d12h`, `2w`. */
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/g;
/** A whole duration; also the JSON Schema's `pattern` for duration fields. */
export const DURATION = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d|w))+$/;
const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

export function isDuration(text: string): boolean {
  return DURATION.test(text);
}

/** Milliseconds in a duration such as `1d12h`; throws on anything else. */
export function parseDuration(text: string): number {
  if (!isDuration(text)) throw new RangeError(`not a duration: ${JSON.stringify(text)} (use e.g. 30m, 24h, 7d, 1d12h)`);
  let total = 0;
  for (const match of text.matchAll(PART)) total += Number(match[1]) * (UNIT_MS[match[2] as string] ?? 0);
  return total;
}

/** A compact human form, e.g. `3d 4h`, `12m 5s`, `850ms`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return 'n/a';
  const sign = ms < 0 ? '-' : '';
  let rest = Math.abs(ms);
  if (rest < 1000) return `${sign}${Math.round(rest)}ms`;
  const parts: string[] = [];
  for (const [unit, size] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000]] as const) {
    const amount = Math.floor(rest / size);
    if (amount > 0) parts.push(`${amount}${unit}`);
    rest -= amount * size;
  }
  return sign + parts.slice(0, 2).join(' ');
}

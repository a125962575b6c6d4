import { parseDuration } from '../../shared/audits/duration.js';
import { InvalidInputError } from '../../shared/lakehouse/errors.js';

/** Option value parsers for commander: each names its flag in the INVALID_INPUT it throws (exit 2). */

/** A whole number of at least `min`. */
export function wholeNumberOption(flag: string, min = 1): (value: string) => number {
  return (value) => {
    const parsed = Number(value);
    if (value.trim() === '' || !Number.isSafeInteger(parsed) || parsed < min) {
      throw new InvalidInputError(`${flag} expects a whole number of at least ${min}, got ${JSON.stringify(value)}`);
    }
    return parsed;
  };
}

/** A number above 0, fractions allowed (seconds, for instance). */
export function positiveNumberOption(flag: string): (value: string) => number {
  return (value) => {
    const parsed = Number(value);
    if (value.trim() === '' || !Number.isFinite(parsed) || parsed <= 0) throw new InvalidInputError(`${flag} expects a number above 0, got ${JSON.stringify(value)}`);
    return parsed;
  };
}

/** `7d`, `36h`, `1d12h`, or `0` (nothing older than now is kept). */
export function durationOption(flag: string): (value: string) => number {
  return (value) => {
    if (value.trim() === '0') return 0;
    try {
      return parseDuration(value.trim());
    } catch {
      throw new InvalidInputError(`${flag} expects a duration such as 7d, 36h or 1d12h (or 0), got ${JSON.stringify(value)}`);
    }
  };
}

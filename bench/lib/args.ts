import path from 'node:path';

/** Command-line and environment parsing shared by the suites. */

/** A positive number from the environment, or the fallback when unset. */
export function envNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, got ${JSON.stringify(raw)}`);
  return value;
}

/** A positive whole number from the environment (rounded), or the fallback when unset. */
export function envInt(name: string, fallback: number): number {
  return Math.max(1, Math.round(envNumber(name, fallback)));
}

export interface SuiteArgs<P extends string> {
  readonly quick: boolean;
  readonly parts: readonly P[];
  /** The full-run value, or the `--quick` one. */
  readonly pick: (full: number, small: number) => number;
  /** `<cwd>/bench`, which holds `.data/` and the results. */
  readonly benchDir: string;
}

/** `--quick`, `--only=a,b` (when the suite has parts) and `--help`; anything else is an error showing `help`. */
export function parseSuiteArgs<P extends string>(argv: readonly string[], allParts: readonly P[], help: string, cwd = process.cwd()): SuiteArgs<P> | 'help' {
  let quick = false;
  let parts: readonly P[] = allParts;
  for (const arg of argv) {
    if (arg === '--help' || arg === '-h') return 'help';
    if (arg === '--quick') quick = true;
    else if (allParts.length > 0 && arg.startsWith('--only=')) {
      const wanted = arg.slice('--only='.length).split(',').filter((p) => p !== '');
      const unknown = wanted.filter((p) => !(allParts as readonly string[]).includes(p));
      if (unknown.length > 0) throw new Error(`unknown part(s) ${unknown.join(', ')}; parts: ${allParts.join(', ')}`);
      parts = wanted as P[];
    } else throw new Error(`unknown flag ${arg}\n${help}`);
  }
  return { quick, parts, pick: (full, small) => (quick ? small : full), benchDir: path.resolve(cwd, 'bench') };
}

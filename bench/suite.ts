/** A benchmark suite: `npm run bench -- <name> [flags]` runs `run` with the flags after the name. */
export interface Suite {
  readonly name: string;
  readonly description: string;
  run(argv: readonly string[]): Promise<void>;
}

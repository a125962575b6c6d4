import type { Command } from 'commander';
import { loadConfig, type Config } from '../../shared/config/index.js';
import type { Lakehouse } from '../../shared/lakehouse/lakehouse.js';
import { openLakehouse } from '../../shared/lakehouse/open.js';
import { createOutput, type Output } from './output.js';

export interface GlobalOptions {
  home?: string;
  json?: boolean;
  quiet?: boolean;
}

export interface CommandContext {
  readonly config: Config;
  readonly out: Output;
}

export function contextOf(command: Command): CommandContext {
  const options = command.optsWithGlobals<GlobalOptions>();
  const config = loadConfig(process.env, { overrides: options.home === undefined ? {} : { home: options.home } });
  return { config, out: createOutput({ json: options.json === true, quiet: options.quiet === true }) };
}

/** Opens the configured lakehouse for one command and always closes it. */
export async function withLakehouse<T>(
  command: Command,
  fn: (lakehouse: Lakehouse, context: CommandContext) => Promise<T>,
): Promise<T> {
  const context = contextOf(command);
  const lakehouse = await openLakehouse(context.config.lakehouse);
  try {
    return await fn(lakehouse, context);
  } finally {
    await lakehouse.close();
  }
}

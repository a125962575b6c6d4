import type { LakehouseConfig } from '../config/index.js';
import { openBauplanLakehouse } from './bauplan/index.js';
import type { Lakehouse } from './lakehouse.js';
import { openLocalLakehouse } from './local/index.js';

export interface OpenLakehouseOptions {
  /** Where relative source paths resolve from; defaults to the process's working directory. */
  readonly cwd?: string;
}

/** Opens the backend `FLOODGATE_LAKEHOUSE` names: the embedded `local` one (default) or `bauplan`. */
export function openLakehouse(config: LakehouseConfig, options: OpenLakehouseOptions = {}): Promise<Lakehouse> {
  return config.backend === 'bauplan' ? openBauplanLakehouse(config, options) : openLocalLakehouse(config, options);
}

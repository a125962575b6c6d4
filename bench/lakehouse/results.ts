import type { ImportResults } from './import.js';
import type { PeerResults } from './peer.js';
import type { QueryResults } from './query.js';
import type { RefResults } from './refs.js';
import type { RssResults } from './rss.js';

export interface Environment {
  readonly date: string;
  readonly command: string;
  readonly cpus: number;
  readonly cpuModel: string;
  readonly memoryBytes: number;
  readonly node: string;
  readonly duckdb: string;
  readonly duckdbThreads: number;
  readonly duckdbMemoryLimitBytes: number;
  readonly targetFileSizeBytes: number;
  readonly quick: boolean;
  readonly durationMs?: number;
  /** PSI cpu `some avg60` (%) when the suite started and ended: how contended the shared machine was. */
  readonly cpuPressureStart?: number;
  readonly cpuPressureEnd?: number;
}

export interface LakehouseResults {
  readonly environment: Environment;
  refs?: RefResults;
  import?: ImportResults;
  query?: QueryResults;
  rss?: RssResults;
  peer?: PeerResults;
}

/** Targets of the suite, in one place so the report and README agree. */
export const TARGETS = {
  refP50Ms: 10,
  /** "flat in data size": the large table's p50 within this factor of the 1-file table's p50 */
  flatFactor: 1.5,
  importRatio: 0.8,
  queryRatio: 0.9,
  rssBytes: 1.5e9,
} as const;

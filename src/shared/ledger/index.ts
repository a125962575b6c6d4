export { Ledger } from './ledger.js';
export type { LedgerRedis, ListRunsOptions, RunChange } from './ledger.js';
export { RUN_STATUSES, TERMINAL_STATUSES } from './types.js';
export type { RunError, RunPatch, RunRecord, RunStatus, Stage, StatusChange } from './types.js';
export { decodeRecord } from './codec.js';
export { APPLY_CHANGE, CREATE_RUN } from './scripts.js';

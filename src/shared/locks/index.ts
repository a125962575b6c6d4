export { TableLocks } from './table-lock.js';
export type { Lease, LockRedis } from './table-lock.js';
export { ACQUIRE_LEASE, JOIN_LINE, RELEASE_CLAIM } from './scripts.js';

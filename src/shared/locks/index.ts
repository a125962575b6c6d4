export { TableLocks } from './table-lock.js';
export type { AcquireResult, Lease, LockRedis } from './table-lock.js';

import { APPLY_CHANGE, CREATE_RUN } from '../ledger/index.js';
import { ACQUIRE_LEASE, JOIN_LINE, RELEASE_CLAIM } from '../locks/index.js';

/**
 * The scripts of a run's life, each one round trip that moves the ledger and the table's
 * lock together, so the two never disagree and a stage costs as few Redis calls as possible.
 */

/**
 * KEYS: run, index, waiting, sequence. ARGV: see create_run. Records the run unless it exists
 * and puts it in its table's line (both idempotent; a known run only while it is queued).
 * Returns {created (1/0), first in line (1/0), fields...} (the fields of an existing record).
 * Only the run first in line gets a write job; each run's end hands the table to the next.
 */
export const ENQUEUE_RUN = `${CREATE_RUN}${JOIN_LINE}
local created = create_run(KEYS[1], KEYS[2], ARGV, 1)
if created or redis.call('HGET', KEYS[1], 'status') == 'queued' then join_line(KEYS[3], KEYS[4], ARGV[2]) end
local first = redis.call('ZRANGE', KEYS[3], 0, 0)[1] == ARGV[2] and 1 or 0
if created then return {1, first} end
return {0, first, redis.call('HGETALL', KEYS[1])}
`;

/**
 * KEYS: run, lock, fence, waiting, parked. ARGV: runId, ttlMs, allowed statuses, then a change.
 * Starts a stage: when the run's status is allowed and the run can hold its table's lease
 * (re-entrant), applies the change. Returns {0} for an unknown run; {1, fields...} when the
 * status is not allowed (nothing changed); {2, holder} when another run holds the table (the
 * run is marked parked); {3, token, fields...} when started.
 */
export const BEGIN_STAGE = `${APPLY_CHANGE}${ACQUIRE_LEASE}
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return {0} end
if not status_in(status, ARGV[3]) then return {1, redis.call('HGETALL', KEYS[1])} end
local ok, value = acquire_lease(KEYS[2], KEYS[3], KEYS[4], ARGV[1], ARGV[2])
if not ok then
  redis.call('SADD', KEYS[5], ARGV[1])
  return {2, value}
end
redis.call('SREM', KEYS[5], ARGV[1])
apply_change(KEYS[1], ARGV, 4)
return {3, value, redis.call('HGETALL', KEYS[1])}
`;

/**
 * KEYS: run, lock, waiting, parked. ARGV: runId, '1' to apply the change that follows ('0':
 * none). Ends a run's claim on its table: applies the (final) change if the run is known,
 * drops its lease and its place in line. Returns {fields..., next run or '', 1 if next is parked}.
 */
export const END_RUN = `${APPLY_CHANGE}${RELEASE_CLAIM}
if ARGV[2] == '1' and redis.call('EXISTS', KEYS[1]) == 1 then apply_change(KEYS[1], ARGV, 3) end
redis.call('SREM', KEYS[4], ARGV[1])
local next = release_claim(KEYS[2], KEYS[3], ARGV[1])
local parked = 0
if next then parked = redis.call('SREM', KEYS[4], next) end
return {redis.call('HGETALL', KEYS[1]), next or '', parked}
`;

/**
 * KEYS: run, lock. ARGV: runId, token, then a change. Applies the change only while the run
 * holds the table with this exact lease (fencing, atomic with the change). Returns 1 when
 * applied, 0 when the run had already finished (nothing changed), -1 when the lease is not held.
 */
export const FENCED_CHANGE = `${APPLY_CHANGE}
if redis.call('GET', KEYS[2]) ~= ARGV[1] .. '|' .. ARGV[2] then return -1 end
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
if apply_change(KEYS[1], ARGV, 3) then return 1 end
return 0
`;

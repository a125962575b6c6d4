/**
 * Lua for the per-table lease lock. The lock value is `<runId>|<fencing token>`; the waiting
 * set holds the runs of a table in enqueue order, and only its head may take the lock. Taking
 * and releasing are fragments of the run scripts (src/shared/runs/), which move the ledger and
 * the lock together; the scripts here check and renew a lease.
 */

/**
 * `acquire_lease(lock, fence, waiting, runId, ttlMs)`: returns true and the token, or false and
 * the run holding the table (or first in line). Re-entrant for the holder, with a new token each
 * time: a worker still running an earlier delivery of the run (stalled, or cut off) holds a
 * token that no longer matches, so it can neither renew nor pass a fencing check.
 */
export const ACQUIRE_LEASE = `
local function acquire_lease(lock, fence, waiting, run_id, ttl)
  local current = redis.call('GET', lock)
  if current then
    local owner = string.match(current, '^(.*)|%d+$')
    if owner ~= run_id then return false, owner end
    local token = redis.call('INCR', fence)
    redis.call('SET', lock, run_id .. '|' .. token, 'PX', ttl)
    return true, tostring(token)
  end
  local head = redis.call('ZRANGE', waiting, 0, 0)[1]
  if head and head ~= run_id then return false, head end
  local token = redis.call('INCR', fence)
  redis.call('SET', lock, run_id .. '|' .. token, 'PX', ttl)
  return true, tostring(token)
end
`;

/**
 * \`release_claim(lock, waiting, runId)\`: ends the run's claim on the table: drops its lease (if
 * it holds it) and its place in line. Returns the next run in line, or false.
 */
export const RELEASE_CLAIM = `
local function release_claim(lock, waiting, run_id)
  local current = redis.call('GET', lock)
  if current then
    local owner = string.match(current, '^(.*)|%d+$')
    if owner == run_id then redis.call('DEL', lock) end
  end
  redis.call('ZREM', waiting, run_id)
  return redis.call('ZRANGE', waiting, 0, 0)[1] or false
end
`;

/** \`join_line(waiting, sequence, runId)\`: queues the run once; returns its place (score). */
export const JOIN_LINE = `
local function join_line(waiting, sequence, run_id)
  local score = redis.call('ZSCORE', waiting, run_id)
  if score then return score end
  local seq = redis.call('INCR', sequence)
  redis.call('ZADD', waiting, seq, run_id)
  return tostring(seq)
end
`;

/** KEYS: lock. ARGV: runId, token, ttlMs. Returns 1 when the lease was still ours and is extended. */
export const RENEW = `
if redis.call('GET', KEYS[1]) == ARGV[1] .. '|' .. ARGV[2] then
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
  return 1
end
return 0
`;

/** KEYS: lock. ARGV: runId, token. Returns 1 when the caller still holds this exact lease. */
export const CHECK = `
if redis.call('GET', KEYS[1]) == ARGV[1] .. '|' .. ARGV[2] then return 1 end
return 0
`;

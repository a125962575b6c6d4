/**
 * Lua for the per-table lease lock. The lock value is `<runId>|<fencing token>`; the waiting
 * set holds the runs of a table in enqueue order, and only its head may take the lock.
 */

/** KEYS: lock, fence, waiting. ARGV: runId, ttlMs. Returns {1, token} or {0, holder-or-head}. */
export const ACQUIRE = `
local current = redis.call('GET', KEYS[1])
if current then
  local owner, token = string.match(current, '^(.*)|(%d+)$')
  if owner == ARGV[1] then
    redis.call('PEXPIRE', KEYS[1], ARGV[2])
    return {1, token}
  end
  return {0, owner}
end
local head = redis.call('ZRANGE', KEYS[3], 0, 0)[1]
if head and head ~= ARGV[1] then return {0, head} end
local token = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], ARGV[1] .. '|' .. token, 'PX', ARGV[2])
return {1, tostring(token)}
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

/**
 * KEYS: lock, waiting. ARGV: runId. Ends the run's claim on the table: drops its lease (if it
 * holds it) and its place in line. Returns the next run in line, or false.
 */
export const RELEASE = `
local current = redis.call('GET', KEYS[1])
if current then
  local owner = string.match(current, '^(.*)|%d+$')
  if owner == ARGV[1] then redis.call('DEL', KEYS[1]) end
end
redis.call('ZREM', KEYS[2], ARGV[1])
local head = redis.call('ZRANGE', KEYS[2], 0, 0)[1]
return head or false
`;

/** KEYS: waiting, sequence. ARGV: runId. Queues the run once; returns its place (score). */
export const ENQUEUE = `
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if score then return score end
local seq = redis.call('INCR', KEYS[2])
redis.call('ZADD', KEYS[1], seq, ARGV[1])
return tostring(seq)
`;

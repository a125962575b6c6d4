/**
 * Lua for the run ledger. A run is one Redis hash: `status` as plain text, `attempt:<stage>`
 * as integers, and every other field of the record as JSON text, so a change is applied in
 * Redis (one round trip, only the changed fields sent) instead of read, merged and written back.
 */

/**
 * `apply_change(key, argv, o)`: applies the change encoded at ARGV[o..] by `encodeChange`:
 * at (JSON), terminal ('1'/'0'), ttl seconds, status ('' keeps it), history entry (JSON),
 * attempt stage (''), patch field count n, then n field/value pairs. A status change appends
 * the history entry; a change to a final status sets finishedAt and the retention TTL. A change
 * with a status is dropped (false) for a run that already has a final status.
 */
export const APPLY_CHANGE = `
local final_statuses = {published = true, audit_failed = true, rejected = true, failed = true}

local function apply_change(key, argv, o)
  local at, terminal, ttl, status, entry, attempt = argv[o], argv[o + 1], argv[o + 2], argv[o + 3], argv[o + 4], argv[o + 5]
  -- A finished run stays as it finished: a late worker's status change is dropped, fields and all.
  if status ~= '' and final_statuses[redis.call('HGET', key, 'status')] then return false end
  local n = tonumber(argv[o + 6])
  local fields = {'updatedAt', at}
  for i = 0, n - 1 do
    fields[#fields + 1] = argv[o + 7 + 2 * i]
    fields[#fields + 1] = argv[o + 8 + 2 * i]
  end
  if status ~= '' and status ~= redis.call('HGET', key, 'status') then
    local history = redis.call('HGET', key, 'history')
    fields[#fields + 1] = 'status'
    fields[#fields + 1] = status
    fields[#fields + 1] = 'history'
    fields[#fields + 1] = string.sub(history, 1, -2) .. ',' .. entry .. ']'
    if terminal == '1' then
      fields[#fields + 1] = 'finishedAt'
      fields[#fields + 1] = at
    end
  end
  redis.call('HSET', key, unpack(fields))
  if attempt ~= '' then redis.call('HINCRBY', key, 'attempt:' .. attempt, 1) end
  if terminal == '1' then redis.call('EXPIRE', key, ttl) end
  return true
end

local function status_in(status, allowed)
  return allowed == '' or string.find(',' .. allowed .. ',', ',' .. status .. ',', 1, true) ~= nil
end
`;

/** KEYS: run. ARGV: a change. Returns 1, or false for an unknown run (nothing changed). */
export const UPDATE = `${APPLY_CHANGE}
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
if not apply_change(KEYS[1], ARGV, 1) then return 0 end
return 1
`;

/**
 * \`create_run(run, index, argv, o)\`: ARGV[o] score (ms), ARGV[o + 1] runId, ARGV[o + 2] field
 * count n, then n field/value pairs. Creates the run unless it exists; returns true when created.
 */
export const CREATE_RUN = `
local function create_run(run, index, argv, o)
  if redis.call('EXISTS', run) == 1 then return false end
  local n = tonumber(argv[o + 2])
  redis.call('HSET', run, unpack(argv, o + 3, o + 2 + 2 * n))
  redis.call('ZADD', index, argv[o], argv[o + 1])
  return true
end
`;

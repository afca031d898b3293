// The Lua scripts of the shared limiter (limits/redis_limiter.cpp). Each runs atomically in
// Redis, so replicas never read-then-write the same counter.
//
// Per subject (a key "k:ID" or a team "t:ID") under the prefix igw:{subject}:
//   rq  hash  second -> requests admitted in that second (the 60 s sliding window)
//   tk  hash  second -> tokens (reserved at admission, corrected at settlement)
//   f   zset  ticket -> lease end (ms): requests in flight; a replica that dies frees its slots
//             when the lease ends (LIMITS_LEASE)
//   b   hash  period (start, unix s), spent, reserved (nano-dollars)
//   ra  hash  ticket -> nano-dollars reserved by that request
// A lease that ends unsettled charges its reservation as spend: a replica killed mid-request
// never makes spend disappear.
#pragma once

namespace igw::redis_scripts {

inline constexpr const char* kCommon = R"lua(
local now = tonumber(ARGV[1])
local sec = math.floor(now / 1000)
-- The window's total and its live buckets {second, count}, unordered; seconds that left the
-- window are deleted. Counts are never negative.
local function window(key)
  local all = redis.call('HGETALL', key)
  local sum, buckets = 0, {}
  for i = 1, #all, 2 do
    local s, c = tonumber(all[i]), tonumber(all[i + 1])
    if s <= sec - 60 then
      redis.call('HDEL', key, all[i])
    elseif s <= sec then
      sum = sum + c
      buckets[#buckets + 1] = {s, c}
    end
  end
  return sum, buckets
end
-- Milliseconds until `need` units leave the window (buckets leave oldest first, each 60 s after
-- its second). The common cases need no ordering: nothing needed, or one unit (the oldest
-- bucket that holds any).
local function freed(buckets, need)
  if need <= 0 then return 0 end
  if need == 1 then
    local first = nil
    for _, b in ipairs(buckets) do
      if b[2] > 0 and (first == nil or b[1] < first) then first = b[1] end
    end
    if first == nil then return 60000 end
    return math.max(1, (first + 60) * 1000 - now)
  end
  table.sort(buckets, function(a, b) return a[1] < b[1] end)
  local f = 0
  for _, b in ipairs(buckets) do
    f = f + b[2]
    if f >= need then return math.max(1, (b[1] + 60) * 1000 - now) end
  end
  return 60000
end
local function expireLeases(p)
  local expired = redis.call('ZRANGEBYSCORE', p .. 'f', '-inf', now)
  for _, t in ipairs(expired) do
    local amt = tonumber(redis.call('HGET', p .. 'ra', t) or '0')
    if amt > 0 then
      redis.call('HINCRBY', p .. 'b', 'reserved', -amt)
      redis.call('HINCRBY', p .. 'b', 'spent', amt)
    end
    redis.call('HDEL', p .. 'ra', t)
  end
  if #expired > 0 then redis.call('ZREMRANGEBYSCORE', p .. 'f', '-inf', now) end
end
local function budgetState(p, pstart)
  local b = redis.call('HMGET', p .. 'b', 'period', 'spent', 'reserved')
  local period = tonumber(b[1] or '-1')
  local spent, reserved = tonumber(b[2] or '0'), tonumber(b[3] or '0')
  if period ~= pstart and period < pstart then
    redis.call('HSET', p .. 'b', 'period', pstart, 'spent', 0)
    spent = 0
  end
  return spent, reserved
end
)lua";

// ARGV: now_ms ticket lease_ms est_tokens est_nano n, then per subject:
//   prefix rpm tpm max_parallel budget_nano period_start period_end   (0 = no such limit)
// Returns {admitted, subject, kind, retry_ms, budget, spent, reset_unix, then per subject
//          limit_req remaining_req reset_req_ms limit_tok remaining_tok reset_tok_ms}
// kind: 1 requests, 2 tokens, 3 parallel, 4 budget.
inline constexpr const char* kAdmit = R"lua(
local ticket, lease = ARGV[2], tonumber(ARGV[3])
local est_t, est_c, n = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local views = {}
for i = 0, n - 1 do
  local a = 7 + i * 7
  local p = ARGV[a]
  local rpm, tpm, par = tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2]), tonumber(ARGV[a + 3])
  local budget, pstart, pend = tonumber(ARGV[a + 4]), tonumber(ARGV[a + 5]), tonumber(ARGV[a + 6])
  expireLeases(p)
  local v = {-1, -1, 0, -1, -1, 0}
  if rpm > 0 then
    local used, b = window(p .. 'rq')
    v[1], v[2], v[3] = rpm, math.max(0, rpm - used - 1), freed(b, 1)
    if used + 1 > rpm then
      v[2] = 0
      return {0, i, 1, freed(b, used + 1 - rpm), 0, 0, 0, v[1], v[2], v[3], v[4], v[5], v[6]}
    end
  end
  if tpm > 0 then
    local used, b = window(p .. 'tk')
    v[4], v[5], v[6] = tpm, math.max(0, tpm - used - est_t), freed(b, used + est_t - tpm)
    if used > 0 and used + est_t > tpm then
      v[5] = math.max(0, tpm - used)
      return {0, i, 2, freed(b, used + est_t - tpm), 0, 0, 0, v[1], v[2], v[3], v[4], v[5], v[6]}
    end
  end
  if par > 0 and redis.call('ZCARD', p .. 'f') + 1 > par then
    return {0, i, 3, 1000, 0, 0, 0, v[1], v[2], v[3], v[4], v[5], v[6]}
  end
  if budget > 0 then
    local spent, reserved = budgetState(p, pstart)
    if spent >= budget or spent + reserved + est_c > budget then
      return {0, i, 4, 0, budget, spent + reserved, pend, v[1], v[2], v[3], v[4], v[5], v[6]}
    end
  end
  views[#views + 1] = v
end
local out = {1, -1, 0, 0, 0, 0, 0}
for i = 0, n - 1 do
  local a = 7 + i * 7
  local p = ARGV[a]
  local rpm, tpm, budget = tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2]), tonumber(ARGV[a + 4])
  -- A window's expiry is set when one of its seconds is created (the increment is the new
  -- value): the key then outlives its newest bucket by 60 s after that bucket left the window.
  if rpm > 0 and redis.call('HINCRBY', p .. 'rq', sec, 1) == 1 then
    redis.call('PEXPIRE', p .. 'rq', 120000)
  end
  if tpm > 0 and redis.call('HINCRBY', p .. 'tk', sec, est_t) == est_t then
    redis.call('PEXPIRE', p .. 'tk', 120000)
  end
  redis.call('ZADD', p .. 'f', now + lease, ticket)
  redis.call('PEXPIRE', p .. 'f', lease + 60000)
  if budget > 0 then
    redis.call('HINCRBY', p .. 'b', 'reserved', est_c)
    redis.call('HSET', p .. 'ra', ticket, est_c)
  end
  for _, x in ipairs(views[i + 1]) do out[#out + 1] = x end
end
return out
)lua";

// ARGV: now_ms ticket admitted_sec est_tokens est_nano tokens nano journal_record n, then per
// subject: prefix tpm budget_nano period_start. Returns 1.
inline constexpr const char* kSettle = R"lua(
local ticket, admitted = ARGV[2], tonumber(ARGV[3])
local est_t, est_c = tonumber(ARGV[4]), tonumber(ARGV[5])
local tokens, cost = tonumber(ARGV[6]), tonumber(ARGV[7])
local record, n = ARGV[8], tonumber(ARGV[9])
for i = 0, n - 1 do
  local a = 10 + i * 4
  local p = ARGV[a]
  local tpm, budget, pstart = tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2]), tonumber(ARGV[a + 3])
  redis.call('ZREM', p .. 'f', ticket)
  if tpm > 0 then
    if redis.call('HEXISTS', p .. 'tk', admitted) == 1 then
      local left = redis.call('HINCRBY', p .. 'tk', admitted, -est_t)
      if left <= 0 then redis.call('HDEL', p .. 'tk', admitted) end
    end
    if tokens > 0 and redis.call('HINCRBY', p .. 'tk', sec, tokens) == tokens then
      redis.call('PEXPIRE', p .. 'tk', 120000)
    end
  end
  if budget > 0 then
    budgetState(p, pstart)
    local amt = redis.call('HGET', p .. 'ra', ticket)
    if amt then
      redis.call('HINCRBY', p .. 'b', 'reserved', -tonumber(amt))
      redis.call('HDEL', p .. 'ra', ticket)
      redis.call('HINCRBY', p .. 'b', 'spent', cost)
    else
      -- The lease ended first and charged the reservation: charge the difference.
      redis.call('HINCRBY', p .. 'b', 'spent', cost - est_c)
    end
  end
end
if record ~= '' then redis.call('RPUSH', 'igw:spend:journal', record) end
return 1
)lua";

// ARGV: now_ms prefix period_start(0: no budget). Returns {requests, tokens, in_flight, spent,
// reserved}.
inline constexpr const char* kUsage = R"lua(
local p, pstart = ARGV[2], tonumber(ARGV[3])
expireLeases(p)
local rq = window(p .. 'rq')
local tk = window(p .. 'tk')
local inflight = redis.call('ZCARD', p .. 'f')
local spent, reserved = 0, 0
if pstart > 0 then spent, reserved = budgetState(p, pstart) end
return {rq, tk, inflight, spent, reserved}
)lua";

// ARGV: token ttl_ms. A lock for the journal's drainer; returns 1 when taken.
inline constexpr const char* kUnlock = R"lua(
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
)lua";

}  // namespace igw::redis_scripts

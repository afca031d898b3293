// The Lua scripts of the shared limiter (limits/redis_limiter.cpp). Each runs atomically in
// Redis, so replicas never read-then-write the same counter.
//
// Per subject (a key "k:ID" or a team "t:ID") under the prefix igw:{subject}:
//   rq  hash  second -> requests admitted in that second (the 60 s sliding window)
//   tk  hash  second -> tokens (reserved at admission, corrected at settlement)
//   rqc, tkc  hash  at (a second), n (the window's total at that second), first (its oldest
//             second holding anything, -1: none; read for requests only): the totals cached for
//             the rest of that second
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
-- A window's total is cached per second in <window>c {at, n, first}: the first call in a second
-- rebuilds it from the buckets (deleting those that left), later calls in that second read it,
-- and every change the scripts make to a counted bucket changes it too. A bucket written by
-- anything else (a replica running an older version) is counted from the next second on.
-- The window's live buckets: their total, the oldest second holding anything (-1: none) and,
-- when `collect`, the buckets {second, count} unordered. With `prune`, seconds that left the
-- window are deleted.
local function scan(key, prune, collect)
  local all = redis.call('HGETALL', key)
  local sum, first, buckets = 0, -1, {}
  for i = 1, #all, 2 do
    local s, c = tonumber(all[i]), tonumber(all[i + 1])
    if s <= sec - 60 then
      if prune then redis.call('HDEL', key, all[i]) end
    elseif s <= sec then
      sum = sum + c
      if c > 0 and (first < 0 or s < first) then first = s end
      if collect then buckets[#buckets + 1] = {s, c} end
    end
  end
  return sum, first, buckets
end
local function rebuild(key)
  local sum, first = scan(key, true, false)
  redis.call('HSET', key .. 'c', 'at', sec, 'n', sum, 'first', first)
  redis.call('PEXPIRE', key .. 'c', 120000)
  return sum, first
end
-- The window's total and its oldest second holding anything (-1: none). Counts are never
-- negative; seconds after `sec` (a replica whose clock runs ahead) are not counted yet.
local function window(key)
  local c = redis.call('HMGET', key .. 'c', 'at', 'n', 'first')
  if tonumber(c[1]) == sec and c[2] and c[3] then return tonumber(c[2]), tonumber(c[3]) end
  return rebuild(key)
end
-- Adds n (> 0) to the window's current second, after window(key) in the same script. `first`
-- is what window() returned, for windows whose reset reads the cached oldest second (requests;
-- nil for tokens): it is set when the window was empty.
local function add(key, n, first)
  if redis.call('HINCRBY', key, sec, n) == n then
    redis.call('PEXPIRE', key, 120000)  -- a new second: the key outlives it by a minute
  end
  redis.call('HINCRBY', key .. 'c', 'n', n)
  if first ~= nil and first < 0 then redis.call('HSET', key .. 'c', 'first', sec) end
end
-- Takes up to n from the bucket of second s (deleting it when emptied), after window(key).
local function take(key, s, n)
  if redis.call('HEXISTS', key, s) == 0 then return end
  local left = redis.call('HINCRBY', key, s, -n)
  local taken = n
  if left <= 0 then
    redis.call('HDEL', key, s)
    taken = n + left
  end
  if s > sec - 60 and s <= sec then redis.call('HINCRBY', key .. 'c', 'n', -taken) end
end
-- Milliseconds until `need` units leave the window (buckets leave oldest first, each 60 s after
-- its second). One unit needs only the oldest second holding any (`first`, exact for windows
-- that are never taken from); more reads the buckets in order.
local function freed(key, need, first)
  if need <= 0 then return 0 end
  if need == 1 and first ~= nil then
    if first < 0 then return 60000 end
    return math.max(1, (first + 60) * 1000 - now)
  end
  local _, _, buckets = scan(key, false, true)
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
local views, firsts = {}, {}
for i = 0, n - 1 do
  local a = 7 + i * 7
  local p = ARGV[a]
  local rpm, tpm, par = tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2]), tonumber(ARGV[a + 3])
  local budget, pstart, pend = tonumber(ARGV[a + 4]), tonumber(ARGV[a + 5]), tonumber(ARGV[a + 6])
  expireLeases(p)
  local v = {-1, -1, 0, -1, -1, 0}
  if rpm > 0 then
    local rq = p .. 'rq'
    local used, first = window(rq)
    firsts[i + 1] = first
    v[1], v[2], v[3] = rpm, math.max(0, rpm - used - 1), freed(rq, 1, first)
    if used + 1 > rpm then
      v[2] = 0
      return {0, i, 1, freed(rq, used + 1 - rpm, first), 0, 0, 0, v[1], v[2], v[3], v[4], v[5],
              v[6]}
    end
  end
  if tpm > 0 then
    -- Token buckets shrink at settlement: their reset times read the buckets themselves.
    local tk = p .. 'tk'
    local used = window(tk)
    v[4], v[5], v[6] = tpm, math.max(0, tpm - used - est_t), freed(tk, used + est_t - tpm)
    if used > 0 and used + est_t > tpm then
      v[5] = math.max(0, tpm - used)
      return {0, i, 2, freed(tk, used + est_t - tpm), 0, 0, 0, v[1], v[2], v[3], v[4], v[5],
              v[6]}
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
  if rpm > 0 then add(p .. 'rq', 1, firsts[i + 1]) end
  if tpm > 0 and est_t > 0 then add(p .. 'tk', est_t) end
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
    -- The reservation leaves its second (if still kept); the real usage lands in this one.
    local tk = p .. 'tk'
    window(tk)
    if est_t > 0 then take(tk, admitted, est_t) end
    if tokens > 0 then add(tk, tokens) end
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

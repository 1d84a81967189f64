-- wrk: POST /api/v1/vouchers/contracts/{id}/review (approve: posts the ledger hold), one
-- prepared accepted contract per request, a fresh Idempotency-Key each time.
local ids, i = {}, 0
local dir = os.getenv("BENCH_DIR")
for line in io.lines(dir .. "/ids.txt") do ids[#ids + 1] = line end
local token = io.open(dir .. "/token.txt"):read("*a")
local thread_id = 0
function setup(thread) thread:set("tid", thread_id); thread_id = thread_id + 1 end
request = function()
  i = i + 1
  local id = ids[(i - 1) % #ids + 1]
  return wrk.format("POST", "/api/v1/vouchers/contracts/" .. id .. "/review",
    {["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json",
     ["Idempotency-Key"] = "wrk-" .. tostring(tid) .. "-" .. i},
    '{"decision":"approve"}')
end

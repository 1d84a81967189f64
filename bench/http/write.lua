-- wrk script: authenticated write (POST /api/v1/auth/tokens), a fresh Idempotency-Key each time.
local counter = 0
local prefix = tostring(os.time()) .. "-" .. tostring(math.random(1, 1e9))
request = function()
  counter = counter + 1
  local headers = {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. os.getenv("RL_TOKEN"),
    ["Idempotency-Key"] = prefix .. "-" .. counter,
  }
  return wrk.format("POST", "/api/v1/auth/tokens", headers, '{"name":"bench ' .. counter .. '"}')
end

-- One connection per thread, each with its own reseller, repeating: the provider invites,
-- the reseller's Global admin accepts, the provider removes the partnership.
-- Arguments: provider token, then reseller token and tenant id for each thread.
local threads = {}
local count = 0

function setup(thread)
  count = count + 1
  thread:set("n", count)
  table.insert(threads, thread)
end

function init(args)
  provider = args[1]
  reseller = args[2 * n]
  reseller_id = args[2 * n + 1]
  step = "invite"
  failures = 0
  cycles = 0
end

function request()
  local json = { ["Content-Type"] = "application/json" }
  if step == "invite" then
    json["Authorization"] = "Bearer " .. provider
    return wrk.format("POST", "/v1/partnerships/invitations", json, "{}")
  elseif step == "accept" then
    json["Authorization"] = "Bearer " .. reseller
    return wrk.format("POST", "/v1/partnerships/invitations/accept", json, '{"token":"' .. token .. '"}')
  else
    return wrk.format("DELETE", "/v1/relationships/" .. reseller_id, { ["Authorization"] = "Bearer " .. provider })
  end
end

function response(status, headers, body)
  if step == "invite" then
    token = body:match("token=([%w%-_]+)")
    if status ~= 201 or token == nil then failures = failures + 1 else step = "accept" end
  elseif step == "accept" then
    if status ~= 201 then failures = failures + 1; step = "invite" else step = "remove" end
  else
    if status ~= 204 then failures = failures + 1 else cycles = cycles + 1 end
    step = "invite"
  end
end

function done(summary, latency, requests)
  local total_cycles, total_failures = 0, 0
  for _, t in ipairs(threads) do
    total_cycles = total_cycles + t:get("cycles")
    total_failures = total_failures + t:get("failures")
  end
  io.write(string.format("cycles %d failures %d seconds %.2f\n", total_cycles, total_failures, summary.duration / 1e6))
end

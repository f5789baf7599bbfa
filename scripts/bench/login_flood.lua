-- Wrong-password sign-ins, each for a different unknown account, so every request costs one
-- argon2 verification (the per-account lockout never short-cuts it).
local counter = 0
request = function()
  counter = counter + 1
  local body = "email=flood" .. counter .. "-" .. math.random(1, 1000000000) .. "%40nowhere.test&password=wrong-password-123"
  return wrk.format("POST", "/login", { ["Content-Type"] = "application/x-www-form-urlencoded" }, body)
end

-- httpd-post.lua - wrk script: POST /api/download with a unique url each time
-- (the bearer token comes from $TOKEN); used by bench/httpd-bench.sh.
local token = os.getenv("TOKEN") or "change-me"
local thread_no = 0
local n = 0

function setup(thread)
  thread_no = thread_no + 1
  thread:set("tid", thread_no)
end

function init(args)
  math.randomseed(os.time() + (tid or 0))
  prefix = string.format("%d-%d", tid or 0, math.random(1, 1000000000))
end

function request()
  n = n + 1
  local body = string.format(
    '{"url":"https://cdn.example.com/bench/%s-%d/master.m3u8","title":"bench %d"}',
    prefix, n, n)
  return wrk.format("POST", "/api/download", {
    ["Authorization"] = "Bearer " .. token,
    ["Content-Type"] = "application/json",
  }, body)
end

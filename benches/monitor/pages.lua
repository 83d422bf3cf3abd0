-- wrk script for the monitor benchmark's ceiling: each request names the next URL of the list
-- monitor_bench and baseline.py check (/page-N.html?u=K over PAGES files), so nginx serves the
-- same bytes, with the same spread over files, as in the checks it is compared with.
-- Usage: wrk -t2 -c64 -d20s --latency -s benches/monitor/pages.lua http://127.0.0.1:18080

local pages = tonumber(os.getenv("PAGES") or "500")
local threads = 0

-- Each thread starts at a different place in the list so that they do not walk it in lockstep.
function setup(thread)
   thread:set("first", threads * 100003)
   threads = threads + 1
end

function init(args)
   k = first or 0
end

function request()
   -- wrk runs LuaJIT (Lua 5.1): no integer division operator.
   local path = string.format("/page-%d.html?u=%d", k % pages, math.floor(k / pages))
   k = k + 1
   return wrk.format(nil, path)
end

-- wrk script for tests/bench/bench.sh: POSTs Flipsnack orders.
--
--   wrk -t2 -c32 -d3s -s orders.lua URL -- TEMPLATE ID MODE [RATE]
--
-- TEMPLATE: a file holding the body, with @ID@ where the order id goes.
-- MODE unique: every request a new order, "<ID>-<thread>-<n>" (ID carries
--   the run's random prefix and the round, so ids are unique across
--   threads, rounds and runs).
-- MODE dup: every request the same order "<ID>" (a redelivery storm).
-- RATE (optional): pace the whole run at RATE requests/s: each wrk thread
--   keeps a schedule of RATE/WRK_THREADS requests a second, and delay()
--   holds a connection's next request until its slot (LuaJIT's FFI gives
--   the clock), so slow answers do not lower the rate.
--
-- done() prints one line for the bench to parse:
--   RESULT requests=N ok=N accepted=N duplicate=N non2xx=N errors=N
--          duration_us=N p50_us=N p99_us=N

local threads = {}

function setup(thread)
	thread:set("tid", #threads + 1)
	table.insert(threads, thread)
end

function init(args)
	local f = assert(io.open(args[1], "rb"))
	local body = f:read("*a"):gsub("%s+$", "")
	f:close()
	local at = assert(body:find("@ID@", 1, true))
	head, tail = body:sub(1, at - 1), body:sub(at + 4)
	id, mode = args[2], args[3] or "unique"
	n, ok, accepted, duplicate, non2xx = 0, 0, 0, 0, 0
	hdrs = { ["Content-Type"] = "application/json" }
	local rate = tonumber(args[4] or "")
	if rate ~= nil and rate > 0 then
		local ffi = require("ffi")
		ffi.cdef[[
			struct bench_timespec { long tv_sec; long tv_nsec; };
			int clock_gettime(int, struct bench_timespec *);
		]]
		local ts = ffi.new("struct bench_timespec")
		local function now()
			ffi.C.clock_gettime(1, ts)	-- CLOCK_MONOTONIC
			return tonumber(ts.tv_sec) + tonumber(ts.tv_nsec) / 1e9
		end
		local nthreads = tonumber(os.getenv("WRK_THREADS") or "2")
		local interval = nthreads / rate
		local start, slot = nil, 0
		function delay()
			local t = now()
			start = start or t
			slot = slot + 1
			local wait = start + slot * interval - t
			if wait <= 0 then return 0 end
			return math.floor(wait * 1000)
		end
	end
end

function request()
	n = n + 1
	local key = id
	if mode ~= "dup" then key = id .. "-" .. tid .. "-" .. n end
	return wrk.format("POST", nil, hdrs, head .. key .. tail)
end

function response(status, headers, body)
	if status >= 200 and status < 300 then
		ok = ok + 1
		if body:find('"accepted"', 1, true) then
			accepted = accepted + 1
		elseif body:find('"duplicate"', 1, true) then
			duplicate = duplicate + 1
		end
	else
		non2xx = non2xx + 1
	end
end

function done(summary, latency, requests)
	local t = { ok = 0, accepted = 0, duplicate = 0, non2xx = 0 }
	for _, th in ipairs(threads) do
		for k in pairs(t) do t[k] = t[k] + th:get(k) end
	end
	local e = summary.errors
	io.write(string.format("RESULT requests=%d ok=%d accepted=%d " ..
	    "duplicate=%d non2xx=%d errors=%d duration_us=%d p50_us=%d " ..
	    "p99_us=%d\n", summary.requests, t.ok, t.accepted, t.duplicate,
	    t.non2xx, e.connect + e.read + e.write + e.timeout,
	    summary.duration, latency:percentile(50), latency:percentile(99)))
end

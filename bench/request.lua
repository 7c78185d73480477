-- request.lua: one kind of request for wrk, from the environment:
-- BENCH_METHOD (GET), BENCH_BODY (none; "@N@" in it becomes a number new
-- for every request, so registrations do not collide), BENCH_COOKIE.
-- BENCH_REFRESH ("Refresh=T1 Refresh=T2 ...", one per connection, dealt
-- to the BENCH_THREADS threads in turn): each request takes a refresh
-- cookie from its thread's pool and each reply gives back its successor,
-- so no token is sent twice, as a browser would do it.  wrk calls
-- request() once per thread before it connects and throws that request
-- away: give each thread one token more than it has connections.
local method = os.getenv("BENCH_METHOD") or "GET"
local body = os.getenv("BENCH_BODY")
local headers = {}
if body then headers["Content-Type"] = "application/json" end
if os.getenv("BENCH_COOKIE") then headers["Cookie"] = os.getenv("BENCH_COOKIE") end
local tag, n = "0", 0
local counter = 1
local pool = nil

local refreshes = {}
for c in string.gmatch(os.getenv("BENCH_REFRESH") or "", "%S+") do
	table.insert(refreshes, c)
end
local threads = tonumber(os.getenv("BENCH_THREADS") or "2")

function setup(thread)
	thread:set("tag", tostring(counter) .. "-" .. tostring(os.time()))
	local mine = {}
	for i = counter, #refreshes, threads do
		table.insert(mine, refreshes[i])
	end
	thread:set("pool", table.concat(mine, " "))
	counter = counter + 1
end

function init(args)
	tag = wrk.thread:get("tag") or "0"
	if #refreshes > 0 then
		pool = {}
		for c in string.gmatch(wrk.thread:get("pool") or "", "%S+") do
			table.insert(pool, c)
		end
	end
end

if #refreshes > 0 then
	-- wrk keeps the last of repeated headers: the Refresh cookie, which
	-- the API sets after the Authentication one.
	function response(status, headers, body)
		local c = headers["Set-Cookie"]
		local v = c and c:match("^(Refresh=[0-9a-f]+);")
		if v then table.insert(pool, v) end
	end
end

function request()
	local b = body
	if b and b:find("@N@", 1, true) then
		n = n + 1
		b = b:gsub("@N@", tag .. "-" .. n)
	end
	if pool then headers["Cookie"] = table.remove(pool) end
	return wrk.format(method, nil, headers, b)
end

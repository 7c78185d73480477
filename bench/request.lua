-- request.lua: one kind of request for wrk, from the environment:
-- BENCH_METHOD (GET), BENCH_BODY (none; "@N@" in it becomes a number new
-- for every request, so registrations do not collide), BENCH_COOKIE.
local method = os.getenv("BENCH_METHOD") or "GET"
local body = os.getenv("BENCH_BODY")
local headers = {}
if body then headers["Content-Type"] = "application/json" end
if os.getenv("BENCH_COOKIE") then headers["Cookie"] = os.getenv("BENCH_COOKIE") end
local tag, n = "0", 0
local counter = 1

function setup(thread)
	thread:set("tag", tostring(counter) .. "-" .. tostring(os.time()))
	counter = counter + 1
end

function init(args)
	tag = wrk.thread:get("tag") or "0"
end

function request()
	local b = body
	if b and b:find("@N@", 1, true) then
		n = n + 1
		b = b:gsub("@N@", tag .. "-" .. n)
	end
	return wrk.format(method, nil, headers, b)
end

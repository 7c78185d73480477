-- mixed.lua: a wrk script for tests/leaks/soak.  Each connection cycles
-- through every route with good and bad requests, so each program's one
-- process sees its success, refusal and error paths over and over.  Each
-- thread stops after SOAK_PER_THREAD replies and says so by creating the
-- file SOAK_DONE.N (wrk itself runs on until its duration or a SIGINT,
-- which soak sends once every thread is done); done() prints the statuses.
--
-- From soak, in the environment: SOAK_COOKIE (a live session cookie),
-- SOAK_STALE (a revoked one), SOAK_EMAIL and SOAK_PASSWORD (its user),
-- SOAK_VICTIM (another user, whose log-ins fail and get throttled),
-- SOAK_POST (one of its posts), SOAK_ORIGIN (the service's own origin),
-- SOAK_RUN (a tag that keeps registered e-mails new across runs).

local env = os.getenv
local cookie = env("SOAK_COOKIE")
local json = { ["Content-Type"] = "application/json" }

local function with(t, more)
	local h = {}
	for k, v in pairs(t) do h[k] = v end
	for k, v in pairs(more) do h[k] = v end
	return h
end

local authed = with(json, { Cookie = cookie, Origin = env("SOAK_ORIGIN") })
local login = string.format('{"email":"%s","password":"%s"}',
	env("SOAK_EMAIL"), env("SOAK_PASSWORD"))

-- Filled in per thread: a counter keeps registered e-mails unique.
local tag, n, seq, fresh = "", 0, 0, nil
local limit = tonumber(env("SOAK_PER_THREAD"))
local statuses = {}

local function new_user()
	seq = seq + 1
	return string.format(
		'{"email":"soak-%s-%s-%d@example.com","name":"Soak","password":"soak password"}',
		env("SOAK_RUN"), tag, seq)
end

-- method, path, headers, body (a function for bodies that change)
local cases = {
	{ "POST", "/authentication/register", json, new_user },
	{ "POST", "/authentication/register", json, '{"email":"' .. env("SOAK_EMAIL") ..
		'","name":"Again","password":"soak password"}' },
	{ "POST", "/authentication/register", json, '{"email":"x@y.z","name":1,"extra":[' },
	{ "POST", "/authentication/register", json, '{"email":"a@b.co","email":"c@d.co"}' },
	{ "POST", "/authentication/log-in", json, login },
	{ "POST", "/authentication/log-in", json, '{"email":"' .. env("SOAK_VICTIM") ..
		'","password":"wrong password"}' },
	{ "POST", "/authentication/log-in", json, '{"email":"nobody@example.com","password":"x"}' },
	{ "POST", "/authentication/log-in", { ["Content-Type"] = "text/plain" }, "hello" },
	{ "GET", "/authentication", { Cookie = cookie } },
	{ "GET", "/authentication", {} },
	{ "GET", "/authentication", { Cookie = "Authentication=not.a.token" } },
	{ "GET", "/authentication", { Cookie = env("SOAK_STALE") } },
	{ "GET", "/posts", {} },
	{ "GET", "/posts?after=0&limit=5", {} },
	{ "GET", "/posts?offset=3", {} },
	{ "GET", "/posts/" .. env("SOAK_POST"), {} },
	{ "GET", "/posts/999999999", {} },
	{ "GET", "/posts/abc", {} },
	{ "POST", "/posts", authed, '{"title":"Soak","content":"A post from the soak test."}' },
	{ "POST", "/posts", authed, '{"title":"","content":7}' },
	{ "POST", "/posts", with(authed, { Origin = "https://evil.example" }), '{"title":"t","content":"c"}' },
	{ "PATCH", "/posts/" .. env("SOAK_POST"), authed, '{"content":"Edited by the soak test."}' },
	{ "DELETE", "/posts/999999999", authed },
	{ "PUT", "/posts", authed, "{}" },
	{ "GET", "/authentication/sessions", { Cookie = cookie } },
	{ "DELETE", "/authentication/sessions/00000000000000000000000000000000", authed },
	{ "POST", "/authentication/log-out-all?others=maybe", authed, "" },
	{ "PATCH", "/authentication/password", authed, '{"currentPassword":"x"}' },
	{ "DELETE", "/authentication", authed, '{"password":1}' },
	{ "GET", "/authentication/refresh", { Cookie = "Refresh=" .. string.rep("0", 96) } },
	{ "GET", "/authentication/refresh", { Cookie = "Refresh=junk" } },
	{ "POST", "/authentication/log-out", { Cookie = env("SOAK_STALE") }, "" },
	-- Refresh, then log out, a session this thread logged in, by its
	-- refresh cookie (see response()).
	{ "GET", "/authentication/refresh", "fresh" },
	{ "POST", "/authentication/log-out", "fresh", "" },
	{ "POST", "/authentication/log-out", {} },
	-- Mail (issue 14): every message piped to dd, which reads it all.
	{ "POST", "/email-confirmation/confirm", json, '{"token":"' .. string.rep("0", 64) .. '"}' },
	{ "POST", "/email-confirmation/confirm", json, '{"token":7}' },
	{ "POST", "/email-confirmation/resend-confirmation-link", authed, "" },
	{ "POST", "/2fa/generate", authed, "" },
	{ "POST", "/2fa/generate", with(authed, { Accept = "application/json" }), "" },
	{ "POST", "/2fa/turn-on", authed, '{"twoFactorAuthenticationCode":"000000"}' },
	{ "POST", "/2fa/authenticate", authed, '{"twoFactorAuthenticationCode":"000000"}' },
	{ "POST", "/2fa/turn-off", authed, '{"twoFactorAuthenticationCode":7}' },
	{ "POST", "/authentication/password-reset", json, '{"email":"' .. env("SOAK_VICTIM") .. '"}' },
	{ "POST", "/authentication/password-reset/confirm", json,
		'{"token":"' .. string.rep("0", 64) .. '","password":"soak password 2"}' },
	{ "PATCH", "/authentication/email", authed, '{"password":"wrong password","email":"new@example.com"}' },
	{ "GET", "/no/such/route", {} },
	{ "BREW", "/posts", {} },
}

function setup(thread)
	threads = threads or {}
	table.insert(threads, thread)
	thread:set("tag", tostring(#threads))
end

function init(args)
	tag = wrk.thread:get("tag") or "0"
end

function request()
	n = n + 1
	local c = cases[(n - 1) % #cases + 1]
	local headers, body = c[3], c[4]
	if headers == "fresh" then
		headers = { Cookie = fresh or "Refresh=none" }
		fresh = nil
	end
	if type(body) == "function" then
		body = body()
	end
	return wrk.format(c[1], c[2], headers, body)
end

function response(status, headers, body)
	statuses[status] = (statuses[status] or 0) + 1
	-- wrk keeps the last Set-Cookie of a reply: the Refresh cookie of a
	-- log-in or a refresh.
	local set = headers["Set-Cookie"]
	if status == 200 and set and set:find("^Refresh=[^;]") then
		fresh = set:match("^([^;]*)")
	end
	local total = 0
	for _, k in pairs(statuses) do total = total + k end
	if total >= limit then
		local parts = {}
		for s, k in pairs(statuses) do table.insert(parts, s .. "=" .. k) end
		wrk.thread:set("statuses", table.concat(parts, " "))
		wrk.thread:stop()
		io.open(env("SOAK_DONE") .. "." .. tag, "w"):close()
	end
end

function done(summary, latency, requests)
	local all = {}
	for _, t in ipairs(threads) do
		for s, k in string.gmatch(t:get("statuses") or "", "(%d+)=(%d+)") do
			all[tonumber(s)] = (all[tonumber(s)] or 0) + tonumber(k)
		end
	end
	local keys = {}
	for s in pairs(all) do table.insert(keys, s) end
	table.sort(keys)
	local parts = {}
	for _, s in ipairs(keys) do table.insert(parts, s .. ":" .. all[s]) end
	io.write("statuses " .. table.concat(parts, " ") .. "\n")
end

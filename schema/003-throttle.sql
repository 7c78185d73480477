-- 003: the throttle's counters, shared by every process of every program
-- (several processes answer each route, so counters in memory would not
-- add up).  One row per key: "login-pair <address> <e-mail>",
-- "login-account <e-mail>", "login-address <address>",
-- "register-address <address>".  Quiet rows are pruned.
CREATE TABLE throttle (
	key		TEXT PRIMARY KEY,
	count		INTEGER NOT NULL,	-- events since the counter last reset
	level		INTEGER NOT NULL,	-- blocks so far: each doubles the next
	last_at		INTEGER NOT NULL,	-- Unix seconds of the last event
	blocked_until	INTEGER NOT NULL,	-- Unix seconds; in the past: not blocked
	pending		INTEGER NOT NULL DEFAULT 0	-- log-ins let through, not yet judged
) WITHOUT ROWID;
CREATE INDEX throttle_last ON throttle (last_at);

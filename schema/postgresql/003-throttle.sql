-- 003 (PostgreSQL): the throttle's counters, shared by every process of
-- every program on every web node.  One row per key: "login-pair <address>
-- <e-mail>", "login-account <e-mail>", "login-address <address>",
-- "register-address <address>".  Quiet rows are pruned.
CREATE TABLE throttle (
	key		TEXT PRIMARY KEY,
	count		BIGINT NOT NULL,	-- events since the counter last reset
	level		BIGINT NOT NULL,	-- blocks so far: each doubles the next
	last_at		BIGINT NOT NULL,	-- Unix seconds of the last event
	blocked_until	BIGINT NOT NULL,	-- Unix seconds; in the past: not blocked
	pending		BIGINT NOT NULL DEFAULT 0	-- log-ins let through, not yet judged
);
CREATE INDEX throttle_last ON throttle (last_at);

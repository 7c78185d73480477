-- 004 (PostgreSQL): sessions a user controls: refresh tokens, what a
-- session list shows, locked accounts, and the audit log.

-- Set by fcgi-auth-admin user lock: log-in is refused and every session ends.
ALTER TABLE users ADD COLUMN locked_at BIGINT;		-- Unix seconds; NULL: not locked

-- A session is one log-in.  expires_at is now its idle end: when it ends
-- unless it is refreshed (without refresh tokens: its access token's
-- expiry, as before), never after ends_at, its absolute end.
ALTER TABLE sessions ADD COLUMN ends_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN last_used_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN user_agent TEXT NOT NULL DEFAULT '';	-- printable ASCII, cut short
UPDATE sessions SET ends_at = expires_at, last_used_at = created_at;

-- Every refresh token a session was given, as a SHA-256 digest only.  A
-- refresh retires the current one and adds its successor; a retired token
-- seen again after the grace window ends the session (reuse detection),
-- which is why retired ones are kept until they expire.
CREATE TABLE refresh_tokens (
	digest		TEXT PRIMARY KEY,	-- 64 hex digits
	session_id	TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
	issued_at	BIGINT NOT NULL,
	expires_at	BIGINT NOT NULL,
	retired_at	BIGINT			-- NULL: the session's current token
);
-- At most one current token per session, whatever the code does.
CREATE UNIQUE INDEX refresh_tokens_current ON refresh_tokens (session_id)
    WHERE retired_at IS NULL;
CREATE INDEX refresh_tokens_session ON refresh_tokens (session_id);
CREATE INDEX refresh_tokens_expiry ON refresh_tokens (expires_at);

-- What happened to whom: log-ins, log-outs, refreshes, sessions ended,
-- password changes, deletions, locks.  Never a password, token or digest.
-- No foreign key: the trail outlives the account.  Pruned by age.
CREATE TABLE audit (
	id		BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	at		BIGINT NOT NULL,	-- Unix seconds
	event		TEXT NOT NULL,		-- login-succeeded, refresh-reused ...
	user_id		BIGINT,			-- NULL: no account (an unknown e-mail)
	client		TEXT NOT NULL,		-- the client's address, or "admin"
	detail		TEXT NOT NULL		-- a short reason
);
CREATE INDEX audit_at ON audit (at);
CREATE INDEX audit_user ON audit (user_id, at);

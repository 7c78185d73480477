-- 004: sessions a user controls: refresh tokens, what a session list shows,
-- locked accounts, and the audit log.

-- Set by fcgi-auth-admin user lock: log-in is refused and every session ends.
ALTER TABLE users ADD COLUMN locked_at INTEGER;		-- Unix seconds; NULL: not locked

-- A session is one log-in.  expires_at is now its idle end: when it ends
-- unless it is refreshed (without refresh tokens: its access token's
-- expiry, as before), never after ends_at, its absolute end.
ALTER TABLE sessions ADD COLUMN ends_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN last_used_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN user_agent TEXT NOT NULL DEFAULT '';	-- printable ASCII, cut short
UPDATE sessions SET ends_at = expires_at, last_used_at = created_at;
-- Pruned at their absolute end, which a refresh never moves: an index on
-- the idle end would be rewritten by every refresh.  A session dead idle
-- waits for its absolute end to be deleted, and counts nowhere meanwhile.
DROP INDEX sessions_expiry;
CREATE INDEX sessions_end ON sessions (ends_at);

-- A refresh token is its session's id and 256 random bits; the session
-- row holds the SHA-256 digest of its current one (NULL: refresh tokens
-- are off), so a refresh reads and writes that one row.
ALTER TABLE sessions ADD COLUMN refresh_digest TEXT;	-- 64 hex digits

-- The tokens a refresh replaced, kept while their session lives: one seen
-- again after the grace window ends the session (reuse detection).  Keyed
-- by session, so a session's rows sit together and go with it.
CREATE TABLE retired_refresh_tokens (
	session_id	TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
	digest		TEXT NOT NULL,		-- 64 hex digits
	retired_at	INTEGER NOT NULL,	-- Unix seconds
	PRIMARY KEY (session_id, digest)
) WITHOUT ROWID;

-- What happened to whom: log-ins, log-outs, refreshes, sessions ended,
-- password changes, deletions, locks.  Never a password, token or digest.
-- No foreign key: the trail outlives the account.  Pruned by age.
CREATE TABLE audit (
	id		INTEGER PRIMARY KEY,	-- max + 1: no AUTOINCREMENT write per event
	at		INTEGER NOT NULL,	-- Unix seconds
	event		TEXT NOT NULL,		-- login-succeeded, refresh-reused ...
	user_id		INTEGER,		-- NULL: no account (an unknown e-mail)
	client		TEXT NOT NULL,		-- the client's address, or "admin"
	detail		TEXT NOT NULL		-- a short reason
);
-- No index on at: ids follow time, which is what pruning uses; another
-- index would be one more page written with every event.
CREATE INDEX audit_user ON audit (user_id, at);

-- 006 (PostgreSQL): e-mail confirmation (issue 14).  A user's address is
-- confirmed at email_confirmed_at; accounts made before this migration
-- start unconfirmed (nobody proved they read their mail) and may ask for a
-- link.
ALTER TABLE users ADD COLUMN email_confirmed_at BIGINT;	-- Unix seconds; NULL: not confirmed

-- A token mailed to a user: only its SHA-256 digest is kept, bound to the
-- user and to the address it was sent to, used once (the row is deleted
-- when it is presented), and one per user and purpose (a new one replaces
-- it).  Pruned once expired.
CREATE TABLE email_tokens (
	digest		TEXT PRIMARY KEY,	-- 64 hex digits
	user_id		BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	purpose		TEXT NOT NULL,		-- confirm
	email		TEXT NOT NULL,		-- the address it was sent to
	created_at	BIGINT NOT NULL,	-- Unix seconds
	expires_at	BIGINT NOT NULL
);
CREATE INDEX email_tokens_user ON email_tokens (user_id, purpose);
CREATE INDEX email_tokens_expiry ON email_tokens (expires_at);

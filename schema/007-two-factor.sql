-- 007: two-factor authentication with TOTP (issue 15).  A user's TOTP
-- secret is kept only encrypted (AES-256-GCM under the key in
-- TOTP_ENCRYPTION_KEY_FILE, bound to the user's id), so a copy of the
-- database alone does not give the second factor away.
ALTER TABLE users ADD COLUMN totp_secret TEXT;		-- hex nonce|ciphertext|tag; NULL: never enrolled
ALTER TABLE users ADD COLUMN totp_enabled_at INTEGER;	-- Unix seconds; NULL: 2FA is off
-- The last time step whose code was accepted: a code works once, and
-- none of an earlier step works after it.
ALTER TABLE users ADD COLUMN totp_last_step INTEGER NOT NULL DEFAULT 0;

-- A session of a user with 2FA on starts with the password alone
-- (first_factor_only = 1) and may then only pass the second factor or log
-- out; POST /2fa/authenticate replaces it with a full one.
ALTER TABLE sessions ADD COLUMN first_factor_only INTEGER NOT NULL DEFAULT 0;

-- Recovery codes: only their SHA-256 digests (each code has 128 random
-- bits), each deleted when used.
CREATE TABLE recovery_codes (
	user_id		INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	digest		TEXT NOT NULL,		-- 64 hex digits
	PRIMARY KEY (user_id, digest)
) WITHOUT ROWID;

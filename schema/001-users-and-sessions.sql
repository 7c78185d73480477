-- 001: users, and the server-side record of each log-in session.
--
-- E-mail addresses are ASCII (json_is_email) and unique without regard to
-- case: NOCASE folds exactly ASCII, so Alice@EXAMPLE.com is alice@example.com.
CREATE TABLE users (
	id		INTEGER PRIMARY KEY AUTOINCREMENT,	-- never reused
	email		TEXT NOT NULL UNIQUE COLLATE NOCASE,
	name		TEXT NOT NULL,
	password	TEXT NOT NULL,				-- crypt(5) hash only
	created_at	INTEGER NOT NULL			-- Unix seconds
);

-- One row per issued token (its jti).  Log-out deletes the row, which is
-- what makes a logged-out cookie worthless even before it expires; deleting
-- a user deletes all of that user's sessions.
CREATE TABLE sessions (
	id		TEXT PRIMARY KEY,			-- the JWT's jti
	user_id		INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	created_at	INTEGER NOT NULL,
	expires_at	INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expiry ON sessions (expires_at);

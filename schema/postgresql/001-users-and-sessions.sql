-- 001 (PostgreSQL): users, and the server-side record of each log-in session.
--
-- E-mail addresses are ASCII (json_is_email) and unique without regard to
-- case: the unique index on lower(email COLLATE "C") makes the database
-- refuse Alice@EXAMPLE.com beside alice@example.com, whatever the code
-- does, and serves the lookups, which compare exactly that expression.
-- COLLATE "C": lower() folds ASCII letters only, whatever the database's
-- locale (under a Turkish one I would become a dotless i, and ILSE@x and
-- ilse@x would be two users).
CREATE TABLE users (
	id		BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, -- never reused
	email		TEXT NOT NULL,
	name		TEXT NOT NULL,
	password	TEXT NOT NULL,				-- crypt(5) hash only
	created_at	BIGINT NOT NULL				-- Unix seconds
);
CREATE UNIQUE INDEX users_email ON users (lower(email COLLATE "C"));

-- One row per issued token (its jti).  Log-out deletes the row, which is
-- what makes a logged-out cookie worthless even before it expires; deleting
-- a user deletes all of that user's sessions.
CREATE TABLE sessions (
	id		TEXT PRIMARY KEY,			-- the JWT's jti
	user_id		BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	created_at	BIGINT NOT NULL,
	expires_at	BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expiry ON sessions (expires_at);

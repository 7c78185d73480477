-- 002 (PostgreSQL): posts, each written by one user.  A user's posts go with the user.
CREATE TABLE posts (
	id		BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, -- never reused
	author_id	BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	title		TEXT NOT NULL,
	content		TEXT NOT NULL,
	created_at	BIGINT NOT NULL,			-- Unix seconds
	updated_at	BIGINT NOT NULL
);
-- Pages walk the primary key (id > cursor), so they need no other index;
-- this one serves the cascade when a user is deleted.
CREATE INDEX posts_author ON posts (author_id);

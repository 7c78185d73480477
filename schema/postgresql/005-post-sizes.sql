-- 005 (PostgreSQL): each post's size, for the per-user post quotas (issue
-- 20): the bytes of its title and content in UTF-8, computed by PostgreSQL
-- from the row itself, so that no write can get it wrong.  Kept in the
-- author's index, so the count and sum of one author's posts need not read
-- the posts (it still serves the cascade when a user is deleted).
ALTER TABLE posts ADD COLUMN size BIGINT GENERATED ALWAYS AS
	(octet_length(title) + octet_length(content)) STORED;
DROP INDEX posts_author;
CREATE INDEX posts_author ON posts (author_id, size);

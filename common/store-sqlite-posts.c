/*
 * store-sqlite-posts: the posts on SQLite: a page of them, one by id, and
 * their author's writes (insert, update, delete).
 */
#include <string.h>

#include <sqlite3.h>

#include "store-sqlite.h"

const struct litestore_sql litestore_posts_sql[] = {
	/* Walks the primary key from the cursor on. */
	{ STMT_POSTS_PAGE,
	  "SELECT p.id, p.title, p.content, u.id, u.name FROM posts AS p "
	  "JOIN users AS u ON u.id = p.author_id "
	  "WHERE p.id > ?1 ORDER BY p.id LIMIT ?2" },
	{ STMT_POST_GET,
	  "SELECT p.id, p.title, p.content, u.id, u.name FROM posts AS p "
	  "JOIN users AS u ON u.id = p.author_id WHERE p.id = ?1" },
	{ STMT_POST_INSERT,
	  "INSERT INTO posts (author_id, title, content, created_at, "
	  "updated_at) VALUES (?1, ?2, ?3, ?4, ?4)" },
	/* With the bytes of title and content, which an edit may replace. */
	{ STMT_POST_AUTHOR,
	  "SELECT author_id, length(CAST(title AS BLOB)), "
	  "length(CAST(content AS BLOB)) FROM posts WHERE id = ?1" },
	/* A NULL parameter keeps the column as it is. */
	{ STMT_POST_UPDATE,
	  "UPDATE posts SET title = coalesce(?2, title), "
	  "content = coalesce(?3, content), updated_at = ?4 WHERE id = ?1" },
	{ STMT_POST_DELETE, "DELETE FROM posts WHERE id = ?1" },
	/* Reads the index on (author_id, size) alone. */
	{ STMT_POST_QUOTA,
	  "SELECT count(*), coalesce(sum(size), 0) FROM posts "
	  "WHERE author_id = ?1" },
	{ STMT__MAX, NULL }
};

/* Run a post SELECT and hand each row to fn. */
static enum store_rc
litestore_post_rows(struct litestore *s, enum stmt i, store_post_fn fn, void *arg)
{
	sqlite3_stmt	*st = s->stmt[i];
	struct post	 p;
	enum store_rc	 rc = STORE_NOTFOUND;
	int		 step, stop = 0;

	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		p.id = sqlite3_column_int64(st, 0);
		p.title = (const char *)sqlite3_column_text(st, 1);
		p.content = (const char *)sqlite3_column_text(st, 2);
		p.author_id = sqlite3_column_int64(st, 3);
		p.author_name = (const char *)sqlite3_column_text(st, 4);
		if (p.title == NULL || p.content == NULL || p.author_name == NULL ||
		    (stop = fn(arg, &p)) == -1) {
			rc = STORE_ERR;
			break;
		}
		rc = STORE_OK;
		/* The caller has what it wants: read no further rows. */
		if (stop == 1)
			break;
	}
	if (step != SQLITE_ROW && step != SQLITE_DONE)
		rc = litestore_rc(s, step, sqlite3_sql(st));
	litestore_done(s, i);
	return rc;
}

enum store_rc
litestore_posts_page(void *h, int64_t after, int64_t limit,
    store_post_fn fn, void *arg)
{
	struct litestore	*s = h;
	enum store_rc		 rc;

	sqlite3_bind_int64(s->stmt[STMT_POSTS_PAGE], 1, after);
	sqlite3_bind_int64(s->stmt[STMT_POSTS_PAGE], 2, limit);
	rc = litestore_post_rows(s, STMT_POSTS_PAGE, fn, arg);
	/* An empty page is an ordinary answer. */
	return rc == STORE_NOTFOUND ? STORE_OK : rc;
}

enum store_rc
litestore_post_get(void *h, int64_t id, store_post_fn fn, void *arg)
{
	struct litestore	*s = h;

	sqlite3_bind_int64(s->stmt[STMT_POST_GET], 1, id);
	return litestore_post_rows(s, STMT_POST_GET, fn, arg);
}

/*
 * Inside a write transaction (BEGIN IMMEDIATE: no other writer until it
 * ends): may author_id add add_posts posts of add_bytes bytes (quota)?
 */
static enum store_rc
litestore_post_quota(struct litestore *s, int64_t author_id,
    struct post_quota *quota, int64_t add_posts, int64_t add_bytes)
{
	sqlite3_stmt	*st = s->stmt[STMT_POST_QUOTA];
	enum store_rc	 rc;
	int		 step;

	if (!store_quota_applies(quota, add_posts))
		return STORE_OK;
	sqlite3_bind_int64(st, 1, author_id);
	if ((step = sqlite3_step(st)) == SQLITE_ROW)
		rc = store_quota_check(quota, sqlite3_column_int64(st, 0),
		    sqlite3_column_int64(st, 1), add_posts, add_bytes);
	else
		rc = litestore_rc(s, step, sqlite3_sql(st));
	litestore_done(s, STMT_POST_QUOTA);
	return rc;
}

enum store_rc
litestore_post_insert(void *h, int64_t author_id, const char *title,
    const char *content, int64_t now, struct post_quota *quota, int64_t *id)
{
	struct litestore	*s = h;
	sqlite3_stmt		*st = s->stmt[STMT_POST_INSERT];
	enum store_rc		 rc;

	if ((rc = litestore_exec(s, STMT_BEGIN)) != STORE_OK)
		return rc;
	if ((rc = litestore_post_quota(s, author_id, quota, 1,
	    (int64_t)(strlen(title) + strlen(content)))) != STORE_OK)
		return litestore_end(s, rc);
	sqlite3_bind_int64(st, 1, author_id);
	sqlite3_bind_text(st, 2, title, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, content, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, now);
	if ((rc = litestore_exec(s, STMT_POST_INSERT)) == STORE_OK)
		*id = sqlite3_last_insert_rowid(s->db);
	return litestore_end(s, rc);
}

/*
 * Inside a write transaction: is post id there, and did author_id write
 * it?  If bytes is not NULL, bytes[0] and bytes[1] get the UTF-8 bytes of
 * its title and content.
 */
static enum store_rc
litestore_post_owned(struct litestore *s, int64_t id, int64_t author_id,
    int64_t *bytes)
{
	sqlite3_stmt	*st = s->stmt[STMT_POST_AUTHOR];
	enum store_rc	 rc = STORE_NOTFOUND;
	int		 step;

	sqlite3_bind_int64(st, 1, id);
	step = sqlite3_step(st);
	if (step == SQLITE_ROW) {
		rc = sqlite3_column_int64(st, 0) == author_id ? STORE_OK : STORE_DENIED;
		if (bytes != NULL) {
			bytes[0] = sqlite3_column_int64(st, 1);
			bytes[1] = sqlite3_column_int64(st, 2);
		}
	} else if (step != SQLITE_DONE)
		rc = litestore_rc(s, step, sqlite3_sql(st));
	litestore_done(s, STMT_POST_AUTHOR);
	return rc;
}

enum store_rc
litestore_post_update(void *h, int64_t id, int64_t author_id,
    const char *title, const char *content, int64_t now,
    struct post_quota *quota)
{
	struct litestore	*s = h;
	sqlite3_stmt		*st = s->stmt[STMT_POST_UPDATE];
	int64_t			 old[2];
	enum store_rc		 rc;

	if ((rc = litestore_exec(s, STMT_BEGIN)) != STORE_OK)
		return rc;
	if ((rc = litestore_post_owned(s, id, author_id, old)) == STORE_OK)
		rc = litestore_post_quota(s, author_id, quota, 0,
		    store_post_growth(title, content, old));
	if (rc == STORE_OK) {
		sqlite3_bind_int64(st, 1, id);
		if (title != NULL)
			sqlite3_bind_text(st, 2, title, -1, SQLITE_STATIC);
		if (content != NULL)
			sqlite3_bind_text(st, 3, content, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 4, now);
		rc = litestore_exec(s, STMT_POST_UPDATE);
	}
	return litestore_end(s, rc);
}

enum store_rc
litestore_post_delete(void *h, int64_t id, int64_t author_id)
{
	struct litestore	*s = h;
	enum store_rc		 rc;

	if ((rc = litestore_exec(s, STMT_BEGIN)) != STORE_OK)
		return rc;
	if ((rc = litestore_post_owned(s, id, author_id, NULL)) == STORE_OK) {
		sqlite3_bind_int64(s->stmt[STMT_POST_DELETE], 1, id);
		rc = litestore_exec(s, STMT_POST_DELETE);
	}
	return litestore_end(s, rc);
}

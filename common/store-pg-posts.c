/*
 * store-pg-posts: the posts on PostgreSQL: a page of them, one by id, and
 * their author's writes (insert, update, delete).
 */
#include <string.h>

#include <libpq-fe.h>

#include "log.h"
#include "pq.h"
#include "store-pg.h"

const struct pgstmt pgstore_posts_stmts[] = {
	/* Walks the primary key from the cursor on. */
	{ STMT_POSTS_PAGE, "posts_page", 2,
	  "SELECT p.id, p.title, p.content, u.id, u.name FROM posts AS p "
	  "JOIN users AS u ON u.id = p.author_id "
	  "WHERE p.id > $1 ORDER BY p.id LIMIT $2" },
	{ STMT_POST_GET, "post_get", 1,
	  "SELECT p.id, p.title, p.content, u.id, u.name FROM posts AS p "
	  "JOIN users AS u ON u.id = p.author_id WHERE p.id = $1" },
	{ STMT_POST_INSERT, "post_insert", 4,
	  "INSERT INTO posts (author_id, title, content, created_at, updated_at) "
	  "VALUES ($1, $2, $3, $4, $4) RETURNING id" },
	/*
	 * FOR UPDATE: nobody changes the owner between check and change.
	 * With the bytes of title and content, which an edit may replace.
	 */
	{ STMT_POST_AUTHOR, "post_author", 1,
	  "SELECT author_id, octet_length(title), octet_length(content) "
	  "FROM posts WHERE id = $1 FOR UPDATE" },
	/* A NULL parameter keeps the column as it is. */
	{ STMT_POST_UPDATE, "post_update", 4,
	  "UPDATE posts SET title = coalesce($2, title), "
	  "content = coalesce($3, content), updated_at = $4 WHERE id = $1" },
	{ STMT_POST_DELETE, "post_delete", 1,
	  "DELETE FROM posts WHERE id = $1" },
	/*
	 * One author's quota checks take turns: without this, two writes in
	 * READ COMMITTED would each count the posts without the other's and
	 * both pass.  NO KEY UPDATE leaves the KEY SHARE that foreign keys
	 * take (a new session, a new post's own check) free.
	 */
	{ STMT_POST_QUOTA_LOCK, "post_quota_lock", 1,
	  "SELECT 1 FROM users WHERE id = $1 FOR NO KEY UPDATE" },
	{ STMT_POST_QUOTA, "post_quota", 1,
	  "SELECT count(*), coalesce(sum(size), 0) FROM posts "
	  "WHERE author_id = $1" },
	{ STMT__MAX, NULL, 0, NULL }
};

/* Run a post SELECT and hand each row to fn; its strings live as long as res. */
static enum store_rc
pgstore_post_rows(struct pgstore *s, enum stmt i, const char *const *params,
    store_post_fn fn, void *arg)
{
	PGresult	*res;
	struct post	 p;
	enum store_rc	 rc;
	int		 r, n, stop = 0;

	if ((res = pgstore_run(s, i, params, &rc)) == NULL)
		return rc;
	rc = (n = pq.PQntuples(res)) == 0 ? STORE_NOTFOUND : STORE_OK;
	/* stop == 1: the caller has what it wants. */
	for (r = 0; r < n && rc == STORE_OK && stop == 0; r++) {
		if (pgstore_int(res, r, 0, &p.id) == -1 ||
		    pgstore_int(res, r, 3, &p.author_id) == -1 ||
		    pq.PQgetisnull(res, r, 1) || pq.PQgetisnull(res, r, 2) ||
		    pq.PQgetisnull(res, r, 4)) {
			log_msg(NULL, "database: post row %d is malformed", r);
			rc = STORE_ERR;
			break;
		}
		p.title = pq.PQgetvalue(res, r, 1);
		p.content = pq.PQgetvalue(res, r, 2);
		p.author_name = pq.PQgetvalue(res, r, 4);
		if ((stop = fn(arg, &p)) == -1)
			rc = STORE_ERR;
	}
	pq.PQclear(res);
	return rc;
}

enum store_rc
pgstore_posts_page(void *h, int64_t after, int64_t limit, store_post_fn fn,
    void *arg)
{
	struct pgparams	 p;
	enum store_rc	 rc;

	pgparam_int(&p, 0, after);
	pgparam_int(&p, 1, limit);
	rc = pgstore_post_rows(h, STMT_POSTS_PAGE, p.v, fn, arg);
	/* An empty page is an ordinary answer. */
	return rc == STORE_NOTFOUND ? STORE_OK : rc;
}

enum store_rc
pgstore_post_get(void *h, int64_t id, store_post_fn fn, void *arg)
{
	struct pgparams	 p;

	pgparam_int(&p, 0, id);
	return pgstore_post_rows(h, STMT_POST_GET, p.v, fn, arg);
}

/*
 * Inside a write transaction: make author_id's quota checks take turns
 * (STMT_POST_QUOTA_LOCK), if quota caps a write of add_posts posts.  Taken
 * before any post row is locked, in the order a user's deletion takes
 * them: the user, then the posts.
 */
static enum store_rc
pgstore_quota_lock(struct pgstore *s, int64_t author_id,
    const struct post_quota *quota, int64_t add_posts)
{
	struct pgparams	 p;

	if (!store_quota_applies(quota, add_posts))
		return STORE_OK;
	pgparam_int(&p, 0, author_id);
	return pgstore_exec(s, STMT_POST_QUOTA_LOCK, p.v, NULL);
}

/*
 * Inside a write transaction, after pgstore_quota_lock(): may author_id
 * add add_posts posts of add_bytes bytes (quota)?
 */
static enum store_rc
pgstore_post_quota(struct pgstore *s, int64_t author_id,
    struct post_quota *quota, int64_t add_posts, int64_t add_bytes)
{
	struct pgparams	 p;
	PGresult	*res;
	enum store_rc	 rc;
	int64_t		 posts, bytes;

	if (!store_quota_applies(quota, add_posts))
		return STORE_OK;
	pgparam_int(&p, 0, author_id);
	if ((rc = pgstore_row(s, STMT_POST_QUOTA, p.v, &res)) != STORE_OK)
		return rc == STORE_NOTFOUND ? STORE_ERR : rc;
	if (pgstore_int(res, 0, 0, &posts) == -1 ||
	    pgstore_int(res, 0, 1, &bytes) == -1)
		rc = STORE_ERR;
	else
		rc = store_quota_check(quota, posts, bytes, add_posts, add_bytes);
	pq.PQclear(res);
	return rc;
}

enum store_rc
pgstore_post_insert(void *h, int64_t author_id, const char *title,
    const char *content, int64_t now, struct post_quota *quota, int64_t *id)
{
	struct pgstore	*s = h;
	struct pgparams	 p;
	PGresult	*res;
	enum store_rc	 rc;

	if ((rc = pgstore_begin(s)) != STORE_OK)
		return rc;
	/* No such user: the insert's foreign key answers, as it always did. */
	if ((rc = pgstore_quota_lock(s, author_id, quota, 1)) != STORE_OK ||
	    (rc = pgstore_post_quota(s, author_id, quota, 1,
	    (int64_t)(strlen(title) + strlen(content)))) != STORE_OK)
		return pgstore_end(s, rc);
	pgparam_int(&p, 0, author_id);
	p.v[1] = title;
	p.v[2] = content;
	pgparam_int(&p, 3, now);
	if ((rc = pgstore_row(s, STMT_POST_INSERT, p.v, &res)) == STORE_OK) {
		if (pgstore_int(res, 0, 0, id) == -1)
			rc = STORE_ERR;
		pq.PQclear(res);
	}
	return pgstore_end(s, rc == STORE_NOTFOUND ? STORE_ERR : rc);
}

/*
 * Inside a write transaction: is post id there, and did author_id write
 * it?  If bytes is not NULL, bytes[0] and bytes[1] get the UTF-8 bytes of
 * its title and content.
 */
static enum store_rc
pgstore_post_owned(struct pgstore *s, int64_t id, int64_t author_id,
    int64_t *bytes)
{
	struct pgparams	 p;
	PGresult	*res;
	enum store_rc	 rc;
	int64_t		 author;

	pgparam_int(&p, 0, id);
	if ((rc = pgstore_row(s, STMT_POST_AUTHOR, p.v, &res)) != STORE_OK)
		return rc;
	if (pgstore_int(res, 0, 0, &author) == -1 || (bytes != NULL &&
	    (pgstore_int(res, 0, 1, &bytes[0]) == -1 ||
	    pgstore_int(res, 0, 2, &bytes[1]) == -1)))
		rc = STORE_ERR;
	else if (author != author_id)
		rc = STORE_DENIED;
	pq.PQclear(res);
	return rc;
}

enum store_rc
pgstore_post_update(void *h, int64_t id, int64_t author_id, const char *title,
    const char *content, int64_t now, struct post_quota *quota)
{
	struct pgstore	*s = h;
	struct pgparams	 p;
	int64_t		 old[2];
	enum store_rc	 rc;

	if ((rc = pgstore_begin(s)) != STORE_OK)
		return rc;
	if ((rc = pgstore_quota_lock(s, author_id, quota, 0)) == STORE_OK &&
	    (rc = pgstore_post_owned(s, id, author_id, old)) == STORE_OK)
		rc = pgstore_post_quota(s, author_id, quota, 0,
		    store_post_growth(title, content, old));
	if (rc == STORE_OK) {
		pgparam_int(&p, 0, id);
		p.v[1] = title;
		p.v[2] = content;
		pgparam_int(&p, 3, now);
		rc = pgstore_exec(s, STMT_POST_UPDATE, p.v, NULL);
	}
	return pgstore_end(s, rc);
}

enum store_rc
pgstore_post_delete(void *h, int64_t id, int64_t author_id)
{
	struct pgstore	*s = h;
	struct pgparams	 p;
	enum store_rc	 rc;

	if ((rc = pgstore_begin(s)) != STORE_OK)
		return rc;
	pgparam_int(&p, 0, id);
	/* The check and the change are one transaction. */
	if ((rc = pgstore_post_owned(s, id, author_id, NULL)) == STORE_OK)
		rc = pgstore_exec(s, STMT_POST_DELETE, p.v, NULL);
	return pgstore_end(s, rc);
}

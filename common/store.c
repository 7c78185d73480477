/*
 * store: picks the backend a target names (a postgresql:// URL or an SQLite
 * path) and forwards each call to it; the SQL lives in store-sqlite*.c and
 * store-pg*.c.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "store-backend.h"
#include "util.h"

struct store {
	const struct store_backend	*be;	/* NULL: not built in */
	void				*h;
	int				 logged; /* the NULL be, once */
};

int
store_is_url(const char *target)
{
	return strncmp(target, "postgresql://", 13) == 0 ||
	    strncmp(target, "postgres://", 11) == 0;
}

/* The backend for target, or NULL for a URL this build cannot serve. */
static const struct store_backend *
store_backend(const char *target)
{
	if (!store_is_url(target))
		return &litestore_backend;
#ifdef HAVE_POSTGRESQL
	return &pgstore_backend;
#else
	return NULL;
#endif
}

/* Say why a URL is refused: the operator built us without libpq. */
static void
store_unsupported(void)
{
	log_msg(NULL, "refusing a postgresql:// database: built without "
	    "PostgreSQL support (configure --with-postgresql)");
}

enum store_rc
store_full(const char *db, const char *detail)
{
	static int		 logged;
	static struct timespec	 last;
	struct timespec		 now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (!logged || now.tv_sec - last.tv_sec >= STORE_FULL_LOG_S) {
		log_msg(NULL, "database %s: the disk is full, writes answer 503 "
		    "until space is freed (at most one such line a minute): %s",
		    db, detail);
		logged = 1;
		last = now;
	}
	return STORE_FULL;
}

struct store *
store_new(const char *target)
{
	struct store	*s;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	/* An unusable URL is reported by store_ready(), like any outage. */
	if ((s->be = store_backend(target)) != NULL &&
	    (s->h = s->be->open(target)) == NULL) {
		free(s);
		return NULL;
	}
	return s;
}

void
store_set_cache(struct store *s, int64_t kib)
{
	if (s->be != NULL && s->be->set_cache != NULL)
		s->be->set_cache(s->h, kib);
}

enum store_rc
store_ready(struct store *s)
{
	if (s->be == NULL) {
		if (!s->logged)
			store_unsupported();
		s->logged = 1;
		return STORE_DOWN;
	}
	return s->be->ready(s->h);
}

void
store_free(struct store *s)
{
	if (s == NULL)
		return;
	if (s->be != NULL)
		s->be->close(s->h);
	free(s);
}

int
store_migrate(const char *target)
{
	const struct store_backend	*be = store_backend(target);

	if (be == NULL) {
		store_unsupported();
		return -1;
	}
	return be->migrate(target);
}

int
store_schema_version(const char *target)
{
	const struct store_backend	*be = store_backend(target);

	if (be == NULL) {
		store_unsupported();
		return -1;
	}
	return be->schema_version(target);
}

int
store_backup(const char *target, const char *path)
{
	const struct store_backend	*be = store_backend(target);

	if (be == NULL) {
		store_unsupported();
		return -1;
	}
	return be->backup(target, path);
}

int
store_copy(const char *from, const char *to, int64_t now,
    struct store_copied *out)
{
#ifdef HAVE_POSTGRESQL
	struct pgstore_copy	*c;
	int64_t			 rows[COPY__MAX];
	int			 ok;
#endif

	if (store_is_url(from) || !store_is_url(to)) {
		log_msg(NULL, "copy: the source must be an SQLite file and the "
		    "target a postgresql:// URL");
		return -1;
	}
#ifdef HAVE_POSTGRESQL
	if ((c = pgstore_copy_begin(to)) == NULL)
		return -1;
	ok = litestore_copy_out(from, now, pgstore_copy_row, c) == 0;
	if (pgstore_copy_end(c, ok, rows) == -1 || !ok)
		return -1;
	out->users = rows[COPY_USERS];
	out->posts = rows[COPY_POSTS];
	out->sessions = rows[COPY_SESSIONS];
	out->retired_tokens = rows[COPY_RETIRED];
	out->throttle = rows[COPY_THROTTLE];
	out->audit = rows[COPY_AUDIT];
	return 0;
#else
	(void)now;
	(void)out;
	store_unsupported();
	return -1;
#endif
}

enum store_rc
store_user_insert(struct store *s, const char *email, const char *name,
    const char *hash, int64_t now, struct user *out)
{
	return s->be->user_insert(s->h, email, name, hash, now, out);
}

enum store_rc
store_user_by_email(struct store *s, const char *email, struct user *out)
{
	return s->be->user_by_email(s->h, email, out);
}

enum store_rc
store_user_set_password(struct store *s, int64_t id, const char *hash)
{
	return s->be->user_set_password(s->h, id, hash);
}

enum store_rc
store_user_delete(struct store *s, const char *email)
{
	return s->be->user_delete(s->h, email);
}

enum store_rc
store_user_list(struct store *s, int locked_only, int64_t now,
    store_user_fn fn, void *arg)
{
	return s->be->user_list(s->h, locked_only, now, fn, arg);
}

enum store_rc
store_user_cost_max(struct store *s, int *cost)
{
	return s->be->user_cost_max(s->h, cost);
}

enum store_rc
store_user_change_password(struct store *s, int64_t id, const char *hash,
    const char *keep_session)
{
	return s->be->user_change_password(s->h, id, hash, keep_session);
}

enum store_rc
store_user_lock(struct store *s, const char *email, int locked, int64_t now,
    struct user *out)
{
	return s->be->user_lock(s->h, email, locked, now, out);
}

enum store_rc
store_session_insert(struct store *s, const struct session_start *start,
    int64_t *ended)
{
	return s->be->session_insert(s->h, start, ended);
}

enum store_rc
store_session_user(struct store *s, const char *id, int64_t user_id,
    int64_t now, struct user *out)
{
	return s->be->session_user(s->h, id, user_id, now, out);
}

enum store_rc
store_session_refresh(struct store *s, const struct session_refresh *r,
    struct session_refreshed *out)
{
	return s->be->session_refresh(s->h, r, out);
}

enum store_rc
store_session_list(struct store *s, int64_t user_id, int64_t now,
    int64_t limit, store_session_fn fn, void *arg)
{
	return s->be->session_list(s->h, user_id, now, limit, fn, arg);
}

enum store_rc
store_session_delete(struct store *s, const char *id, int64_t user_id)
{
	return s->be->session_delete(s->h, id, user_id);
}

enum store_rc
store_session_delete_user(struct store *s, int64_t user_id, const char *keep,
    int64_t *ended)
{
	return s->be->session_delete_user(s->h, user_id, keep, ended);
}

enum store_rc
store_posts_page(struct store *s, int64_t after, int64_t limit,
    store_post_fn fn, void *arg)
{
	return s->be->posts_page(s->h, after, limit, fn, arg);
}

enum store_rc
store_post_get(struct store *s, int64_t id, store_post_fn fn, void *arg)
{
	return s->be->post_get(s->h, id, fn, arg);
}

enum store_rc
store_post_insert(struct store *s, int64_t author_id, const char *title,
    const char *content, int64_t now, struct post_quota *quota, int64_t *id)
{
	return s->be->post_insert(s->h, author_id, title, content, now, quota,
	    id);
}

enum store_rc
store_post_update(struct store *s, int64_t id, int64_t author_id,
    const char *title, const char *content, int64_t now,
    struct post_quota *quota)
{
	return s->be->post_update(s->h, id, author_id, title, content, now,
	    quota);
}

int
store_quota_applies(const struct post_quota *quota, int64_t add_posts)
{
	return quota != NULL && (quota->max_bytes > 0 ||
	    (add_posts > 0 && quota->max_posts > 0));
}

int64_t
store_post_growth(const char *title, const char *content, const int64_t old[2])
{
	int64_t	 grown = 0;

	if (title != NULL)
		grown += (int64_t)strlen(title) - old[0];
	if (content != NULL)
		grown += (int64_t)strlen(content) - old[1];
	return grown;
}

enum store_rc
store_quota_check(struct post_quota *quota, int64_t posts, int64_t bytes,
    int64_t add_posts, int64_t add_bytes)
{
	if (quota == NULL)
		return STORE_OK;
	if (add_posts > 0 && quota->max_posts > 0 &&
	    posts + add_posts > quota->max_posts) {
		quota->by_count = 1;
		return STORE_QUOTA;
	}
	if (add_bytes > 0 && quota->max_bytes > 0 &&
	    bytes + add_bytes > quota->max_bytes) {
		quota->by_count = 0;
		return STORE_QUOTA;
	}
	return STORE_OK;
}

enum store_rc
store_post_delete(struct store *s, int64_t id, int64_t author_id)
{
	return s->be->post_delete(s->h, id, author_id);
}

enum store_rc
store_throttle_get(struct store *s, const char *key, struct throttle_row *row)
{
	return s->be->throttle_get(s->h, key, row);
}

enum store_rc
store_throttle_update(struct store *s, const char *const *keys, size_t n,
    int64_t forget_before, store_throttle_fn fn, void *arg)
{
	return s->be->throttle_update(s->h, keys, n, forget_before, fn, arg);
}

enum store_rc
store_throttle_delete(struct store *s, const char *const *keys, size_t n)
{
	return s->be->throttle_delete(s->h, keys, n);
}

enum store_rc
store_throttle_list(struct store *s, store_throttle_row_fn fn, void *arg)
{
	return s->be->throttle_list(s->h, fn, arg);
}

enum store_rc
store_audit_insert(struct store *s, const struct audit_event *e,
    int64_t prune_before)
{
	return s->be->audit_insert(s->h, e, prune_before);
}

enum store_rc
store_audit_list(struct store *s, const struct audit_filter *f,
    store_audit_fn fn, void *arg)
{
	return s->be->audit_list(s->h, f, fn, arg);
}

enum store_rc
store_email_token_insert(struct store *s, const struct email_token *t)
{
	return s->be->email_token_insert(s->h, t);
}

enum store_rc
store_email_token_use(struct store *s, const char *purpose, const char *digest,
    int64_t now, const char *new_hash, enum email_outcome *outcome,
    int64_t *user_id)
{
	return s->be->email_token_use(s->h, purpose, digest, now, new_hash,
	    outcome, user_id);
}

enum store_rc
store_user_confirmed(struct store *s, int64_t id, int64_t *confirmed_at)
{
	return s->be->user_confirmed(s->h, id, confirmed_at);
}

enum email_outcome
store_email_outcome(const char *purpose, int64_t expires_at, int64_t now,
    const char *sent_to, const struct email_user *u)
{
	int	 reset = strcmp(purpose, STORE_TOKEN_RESET) == 0;

	if (expires_at <= now)
		return EMAIL_EXPIRED;
	/* A change's token goes to the new address, not the user's own. */
	if (strcmp(purpose, STORE_TOKEN_CHANGE) == 0)
		return EMAIL_CONFIRMED;
	if (strcmp(sent_to, u->email) != 0)
		return EMAIL_STALE;
	if (reset && u->locked_at != 0)
		return EMAIL_LOCKED;
	return !reset && u->confirmed_at != 0 ? EMAIL_ALREADY : EMAIL_CONFIRMED;
}

enum store_rc
store_totp_get(struct store *s, int64_t user_id, struct totp_state *out)
{
	return s->be->totp_get(s->h, user_id, out);
}

enum store_rc
store_totp_enrol(struct store *s, int64_t user_id, const char *secret)
{
	return s->be->totp_enrol(s->h, user_id, secret);
}

enum store_rc
store_totp_step(struct store *s, int64_t user_id, int64_t step)
{
	return s->be->totp_step(s->h, user_id, step);
}

enum store_rc
store_totp_enable(struct store *s, int64_t user_id, int64_t step,
    const char *const *digests, size_t n, int64_t now,
    const char *keep_session)
{
	return s->be->totp_enable(s->h, user_id, step, digests, n, now,
	    keep_session);
}

enum store_rc
store_totp_recovery_use(struct store *s, int64_t user_id, const char *digest)
{
	return s->be->totp_recovery_use(s->h, user_id, digest);
}

enum store_rc
store_totp_disable(struct store *s, int64_t user_id, int *was_on)
{
	return s->be->totp_disable(s->h, user_id, was_on);
}

/*
 * Unit tests for the store's sessions, refresh tokens, account changes
 * (password, lock, list), audit log, throttle list and backup, against
 * both backends as test-store.c does (the same fixture, store-fixture.c).
 */
#include "store-fixture.h"

#include <sys/stat.h>
#include <sys/wait.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "log.h"
#include "schema.h"
#include "store.h"
#include "store-backend.h"
#include "util.h"

/* Refresh token digests: 64 hex digits each. */
#define D_1	"1111111111111111111111111111111111111111111111111111111111111111"
#define D_2	"2222222222222222222222222222222222222222222222222222222222222222"
#define D_3	"3333333333333333333333333333333333333333333333333333333333333333"
#define D_4	"4444444444444444444444444444444444444444444444444444444444444444"
#define D_5	"5555555555555555555555555555555555555555555555555555555555555555"
#define SID_4	"44444444444444444444444444444444"
#define SID_5	"55555555555555555555555555555555"
#define SID_6	"66666666666666666666666666666666"

#define TTL	INT64_C(1000)	/* refresh token lifetime */
#define LIFE	INT64_C(100000)	/* a session's absolute lifetime */
#define GRACE	INT64_C(10)

/* Start session id of user at now, with refresh token digest (or none). */
static void
start(struct fixture *f, const char *id, int64_t user_id, int64_t now,
    int64_t expires_at, int64_t ends_at, const char *agent,
    const char *digest)
{
	struct session_start	 st = {
		.id = id,
		.user_id = user_id,
		.now = now,
		.expires_at = expires_at,
		.ends_at = ends_at,
		.user_agent = agent,
		.refresh_digest = digest,
	};

	assert_int_equal(store_session_insert(f->store, &st, NULL), STORE_OK);
}

/* Alice's session SID_1 from NOW with refresh token D_1, the usual way. */
static void
alice_logs_in(struct fixture *f)
{
	with_alice(f);
	start(f, SID_1, f->alice.id, NOW, NOW + TTL, NOW + LIFE, "curl/8.0",
	    D_1);
}

/*
 * Present the refresh token digest of session sid at now, its successor
 * to be new_digest living ttl more: the window is GRACE, no audit event.
 */
static enum store_rc
refresh(struct fixture *f, const char *sid, const char *digest,
    const char *new_digest, int64_t now, int64_t ttl,
    struct session_refreshed *out)
{
	struct session_refresh	 r = {
		.session_id = sid,
		.digest = digest,
		.new_digest = new_digest,
		.now = now,
		.ttl = ttl,
		.grace = GRACE,
		.audit = NULL,
		.prune_before = 0,
	};

	return store_session_refresh(f->store, &r, out);
}

/* Another user, with a name from the e-mail's local part. */
static struct user
add_user(struct fixture *f, const char *email)
{
	struct user	 u;

	assert_int_equal(store_user_insert(f->store, email, "Someone", HASH_A,
	    NOW, &u), STORE_OK);
	return u;
}

/* Is digest the current refresh token of session id (1 or 0)? */
static int64_t
current(struct fixture *f, const char *id, const char *digest)
{
	char	 sql[256];

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM sessions "
	    "WHERE id = '%s' AND refresh_digest = '%s'", id, digest);
	return count(f, sql);
}

/* How many sessions have digest as their current token. */
static int64_t
current_anywhere(struct fixture *f, const char *digest)
{
	char	 sql[256];

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM sessions "
	    "WHERE refresh_digest = '%s'", digest);
	return count(f, sql);
}

/* When digest was retired from session id: -1 if it never was. */
static int64_t
retired(struct fixture *f, const char *id, const char *digest)
{
	char	 sql[256];

	snprintf(sql, sizeof(sql), "SELECT retired_at FROM "
	    "retired_refresh_tokens WHERE session_id = '%s' AND digest = '%s'",
	    id, digest);
	return count(f, sql);
}

/* How many retired tokens session id has (NULL: every session). */
static int64_t
retired_count(struct fixture *f, const char *id)
{
	char	 sql[256];

	if (id == NULL)
		return count(f, "SELECT count(*) FROM retired_refresh_tokens");
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM "
	    "retired_refresh_tokens WHERE session_id = '%s'", id);
	return count(f, sql);
}

/* One integer of one session's row. */
static int64_t
session(struct fixture *f, const char *id, const char *column)
{
	char	 sql[256];

	snprintf(sql, sizeof(sql), "SELECT %s FROM sessions WHERE id = '%s'",
	    column, id);
	return count(f, sql);
}

static int
live(struct fixture *f, const char *id, int64_t user_id, int64_t now)
{
	struct user	 u;

	return store_session_user(f->store, id, user_id, now, &u) == STORE_OK;
}

/* --- inserting sessions */

static void
insert_without_refresh_token(void **state)
{
	struct fixture	*f = *state;

	with_alice(f);
	start(f, SID_1, f->alice.id, NOW, NOW + 3600, NOW + 3600, "", NULL);
	assert_int_equal(count(f, "SELECT count(*) FROM sessions "
	    "WHERE refresh_digest IS NULL"), 1);
	assert_int_equal(retired_count(f, NULL), 0);
	assert_int_equal(session(f, SID_1, "expires_at"), NOW + 3600);
	assert_int_equal(session(f, SID_1, "ends_at"), NOW + 3600);
	assert_int_equal(session(f, SID_1, "created_at"), NOW);
	assert_int_equal(session(f, SID_1, "last_used_at"), NOW);
	assert_int_equal(count(f, "SELECT count(*) FROM sessions "
	    "WHERE user_agent = ''"), 1);
	assert_true(live(f, SID_1, f->alice.id, NOW + 3599));
	assert_false(live(f, SID_1, f->alice.id, NOW + 3600));
}

static void
insert_with_refresh_token(void **state)
{
	struct fixture	*f = *state;

	alice_logs_in(f);
	assert_int_equal(current(f, SID_1, D_1), 1);
	assert_int_equal(count(f, "SELECT count(*) FROM sessions "
	    "WHERE refresh_digest IS NOT NULL"), 1);
	assert_int_equal(retired_count(f, NULL), 0);
	assert_int_equal(session(f, SID_1, "expires_at"), NOW + TTL);
	assert_int_equal(session(f, SID_1, "ends_at"), NOW + LIFE);
	assert_int_equal(session(f, SID_1, "created_at"), NOW);
	assert_int_equal(session(f, SID_1, "last_used_at"), NOW);
	assert_int_equal(count(f, "SELECT count(*) FROM sessions "
	    "WHERE user_agent = 'curl/8.0'"), 1);
}

/*
 * A session id that is taken (a jti collision, which 128 random bits make
 * a store fault) fails the insert, logged, and the whole transaction: the
 * first session is as it was, and the prune that came before the insert
 * is undone too.
 */
static void
insert_session_id_taken_is_error(void **state)
{
	struct fixture		*f = *state;
	struct session_start	 st = {
		.id = SID_1,
		.now = NOW + 60,
		.expires_at = NOW + 60 + TTL,
		.ends_at = NOW + 60 + LIFE,
		.user_agent = "other",
		.refresh_digest = D_2,
	};
	char			 log[4096];
	FILE			*tmp;
	int			 saved;
	enum store_rc		 rc;

	alice_logs_in(f);
	/* Ended at NOW + 50: the insert at NOW + 60 would prune it. */
	start(f, SID_2, f->alice.id, NOW, NOW + 50, NOW + 50, "", D_3);
	st.user_id = f->alice.id;
	saved = start_capture(&tmp);
	rc = store_session_insert(f->store, &st, NULL);
	stop_capture(tmp, saved, log, sizeof(log));
	assert_int_equal(rc, STORE_ERR);
	assert_non_null(strstr(log, "collision"));
	assert_int_equal(count(f, "SELECT count(*) FROM sessions"), 2);
	assert_int_equal(current(f, SID_1, D_1), 1);
	assert_int_equal(current_anywhere(f, D_2), 0);
	assert_int_equal(session(f, SID_1, "created_at"), NOW);
	assert_int_equal(session(f, SID_1, "expires_at"), NOW + TTL);
	assert_int_equal(session(f, SID_1, "ends_at"), NOW + LIFE);
	assert_int_equal(count(f, "SELECT count(*) FROM sessions "
	    "WHERE user_agent = 'other'"), 0);
	assert_int_equal(session(f, SID_2, "count(*)"), 1);
	/* And the store goes on. */
	start(f, SID_3, f->alice.id, NOW + 60, NOW + 60 + TTL, NOW + LIFE, "",
	    D_4);
	assert_int_equal(session(f, SID_2, "count(*)"), 0);
}

/*
 * A digest is a session's, not global: two sessions may hold the same
 * one (the token carries its session id), and each refresh touches its
 * own session only.
 */
static void
insert_same_digest_in_two_sessions(void **state)
{
	struct fixture			*f = *state;
	struct session_refreshed	 r;

	alice_logs_in(f);
	start(f, SID_2, f->alice.id, NOW, NOW + TTL, NOW + LIFE, "", D_1);
	assert_int_equal(current_anywhere(f, D_1), 2);
	assert_int_equal(refresh(f, SID_2, D_1, D_2, NOW + 10, TTL, &r),
	    STORE_OK);
	assert_int_equal(r.outcome, REFRESH_ROTATED);
	assert_string_equal(r.session_id, SID_2);
	assert_int_equal(current(f, SID_2, D_2), 1);
	assert_int_equal(retired(f, SID_2, D_1), NOW + 10);
	/* SID_1 still has D_1 as its current token, unretired. */
	assert_int_equal(current(f, SID_1, D_1), 1);
	assert_int_equal(retired_count(f, SID_1), 0);
	assert_int_equal(session(f, SID_1, "last_used_at"), NOW);
	/* Long after SID_2 retired it, D_1 is still SID_1's to rotate. */
	assert_int_equal(refresh(f, SID_1, D_1, D_3, NOW + 100, TTL, &r),
	    STORE_OK);
	assert_int_equal(r.outcome, REFRESH_ROTATED);
	assert_string_equal(r.session_id, SID_1);
	assert_true(live(f, SID_2, f->alice.id, NOW + 100));
	assert_int_equal(current(f, SID_2, D_2), 1);
}

/*
 * The insert prunes the sessions whose absolute end has passed, with
 * their retired tokens; one dead from idleness stays a row until its end,
 * counting nowhere meanwhile.
 */
static void
insert_prunes_ended_sessions_only(void **state)
{
	struct fixture			*f = *state;
	struct session_refreshed	 r;

	alice_logs_in(f);
	/* SID_1: D_1 retired at NOW + 10, idle from NOW + 10 + TTL on. */
	assert_int_equal(refresh(f, SID_1, D_1, D_2, NOW + 10, TTL, &r),
	    STORE_OK);
	assert_int_equal(r.outcome, REFRESH_ROTATED);
	/* SID_2: ends at NOW + 200, D_3 retired at NOW + 20. */
	start(f, SID_2, f->alice.id, NOW, NOW + 50, NOW + 200, "", D_3);
	assert_int_equal(refresh(f, SID_2, D_3, D_4, NOW + 20, TTL, &r),
	    STORE_OK);
	assert_int_equal(r.expires_at, NOW + 200);
	assert_int_equal(retired_count(f, NULL), 2);

	/* A second before SID_2's end: nothing goes. */
	start(f, SID_3, f->alice.id, NOW + 199, NOW + 199 + TTL,
	    NOW + 2 * LIFE, "", D_5);
	assert_int_equal(count(f, "SELECT count(*) FROM sessions"), 3);
	assert_int_equal(retired_count(f, NULL), 2);
	/* At its end, SID_2 goes with its retired token. */
	start(f, SID_4, f->alice.id, NOW + 200, NOW + 200 + TTL,
	    NOW + 2 * LIFE, "", NULL);
	assert_int_equal(session(f, SID_2, "count(*)"), 0);
	assert_int_equal(retired_count(f, SID_2), 0);
	assert_int_equal(retired(f, SID_1, D_1), NOW + 10);
	assert_int_equal(count(f, "SELECT count(*) FROM sessions"), 3);

	/* SID_1 dead from idleness: not pruned, but not live either. */
	assert_false(live(f, SID_1, f->alice.id, NOW + 10 + TTL));
	start(f, SID_5, f->alice.id, NOW + 20 + TTL, NOW + 20 + 2 * TTL,
	    NOW + 2 * LIFE, "", NULL);
	assert_int_equal(session(f, SID_1, "count(*)"), 1);
	assert_int_equal(retired(f, SID_1, D_1), NOW + 10);
	assert_int_equal(current(f, SID_1, D_2), 1);
	assert_false(live(f, SID_1, f->alice.id, NOW + 20 + TTL));
	assert_int_equal(refresh(f, SID_1, D_2, D_3, NOW + 20 + TTL, TTL, &r),
	    STORE_NOTFOUND);
	assert_int_equal(refresh(f, SID_1, D_1, D_3, NOW + 20 + TTL, TTL, &r),
	    STORE_NOTFOUND);
	assert_int_equal(session(f, SID_1, "count(*)"), 1);

	/* At its absolute end it goes, with its retired token. */
	start(f, SID_6, f->alice.id, NOW + LIFE, NOW + LIFE + TTL,
	    NOW + 2 * LIFE, "", NULL);
	assert_int_equal(session(f, SID_1, "count(*)"), 0);
	assert_int_equal(retired_count(f, NULL), 0);
	assert_int_equal(count(f, "SELECT count(*) FROM sessions"), 4);
}

static void
insert_prune_takes_retired_tokens_with_sessions(void **state)
{
	struct fixture			*f = *state;
	struct session_refreshed	 r;

	with_alice(f);
	start(f, SID_1, f->alice.id, NOW, NOW + TTL, NOW + TTL, "", D_1);
	assert_int_equal(refresh(f, SID_1, D_1, D_2, NOW + 10, TTL, &r),
	    STORE_OK);
	assert_int_equal(refresh(f, SID_1, D_2, D_3, NOW + 20, TTL, &r),
	    STORE_OK);
	assert_int_equal(retired_count(f, SID_1), 2);
	/* The session ends: pruned with both its retired tokens. */
	start(f, SID_2, f->alice.id, NOW + TTL, NOW + 2 * TTL, NOW + LIFE, "",
	    D_4);
	assert_int_equal(session(f, SID_1, "count(*)"), 0);
	assert_int_equal(retired_count(f, SID_1), 0);
	assert_int_equal(retired_count(f, NULL), 0);
	assert_int_equal(current(f, SID_2, D_4), 1);
}

/* --- the cap on sessions per user (issue 20) */

/*
 * Start session id of user at now, as start() does, with at most cap
 * sessions for the user; returns how many the cap ended.
 */
static int64_t
start_capped(struct fixture *f, const char *id, int64_t user_id, int64_t now,
    int64_t cap, const char *digest)
{
	struct session_start	 st = {
		.id = id,
		.user_id = user_id,
		.now = now,
		.expires_at = now + TTL,
		.ends_at = now + LIFE,
		.user_agent = "",
		.refresh_digest = digest,
		.max_per_user = cap,
	};
	int64_t			 ended = -1;

	assert_int_equal(store_session_insert(f->store, &st, &ended),
	    STORE_OK);
	return ended;
}

/*
 * Past the cap the least recently used session ends (a refresh counts as
 * a use), with its retired tokens; other users' sessions do not count.
 */
static void
insert_cap_ends_least_recently_used(void **state)
{
	struct fixture			*f = *state;
	struct session_refreshed	 r;
	struct user			 bob;

	alice_logs_in(f);
	bob = add_user(f, "bob@example.com");
	assert_int_equal(start_capped(f, SID_4, bob.id, NOW, 1, NULL), 0);
	assert_int_equal(start_capped(f, SID_2, f->alice.id, NOW + 1, 3, D_2),
	    0);
	assert_int_equal(start_capped(f, SID_3, f->alice.id, NOW + 2, 3, NULL),
	    0);
	/* SID_1, the oldest, used last. */
	assert_int_equal(refresh(f, SID_1, D_1, D_3, NOW + 10, TTL, &r),
	    STORE_OK);
	assert_int_equal(start_capped(f, SID_5, f->alice.id, NOW + 20, 3, NULL),
	    1);
	assert_int_equal(session(f, SID_2, "count(*)"), 0);
	assert_int_equal(count(f, "SELECT count(*) FROM sessions"), 4);
	assert_true(live(f, SID_1, f->alice.id, NOW + 20));
	assert_true(live(f, SID_3, f->alice.id, NOW + 20));
	assert_true(live(f, SID_5, f->alice.id, NOW + 20));
	assert_true(live(f, SID_4, bob.id, NOW + 20));
	/* Next: SID_3 (NOW + 2), with SID_1's retired token kept. */
	assert_int_equal(start_capped(f, SID_6, f->alice.id, NOW + 21, 3, NULL),
	    1);
	assert_int_equal(session(f, SID_3, "count(*)"), 0);
	assert_int_equal(retired(f, SID_1, D_1), NOW + 10);
	/* Then SID_1, its retired token with it. */
	assert_int_equal(start_capped(f, SID_2, f->alice.id, NOW + 22, 3, NULL),
	    1);
	assert_int_equal(session(f, SID_1, "count(*)"), 0);
	assert_int_equal(retired_count(f, NULL), 0);
	assert_int_equal(count(f, "SELECT count(*) FROM sessions "
	    "WHERE user_id = (SELECT id FROM users "
	    "WHERE email = 'alice@example.com')"), 3);
	assert_true(live(f, SID_4, bob.id, NOW + 22));
}

/*
 * Among sessions last used at the same time the oldest ends, then the
 * lowest id; and the new session is never the one, even when the others
 * were used later (a clock stepped back).
 */
static void
insert_cap_ties_and_never_the_new_one(void **state)
{
	struct fixture			*f = *state;
	struct session_refreshed	 r;

	with_alice(f);
	start(f, SID_2, f->alice.id, NOW + 50, NOW + TTL, NOW + LIFE, "", D_2);
	start(f, SID_1, f->alice.id, NOW + 50, NOW + TTL, NOW + LIFE, "", D_1);
	start(f, SID_3, f->alice.id, NOW + 40, NOW + TTL, NOW + LIFE, "", D_3);
	assert_int_equal(refresh(f, SID_1, D_1, D_4, NOW + 100, TTL, &r),
	    STORE_OK);
	assert_int_equal(refresh(f, SID_2, D_2, D_4, NOW + 100, TTL, &r),
	    STORE_OK);
	assert_int_equal(refresh(f, SID_3, D_3, D_4, NOW + 100, TTL, &r),
	    STORE_OK);
	/* All used at NOW + 100: SID_3 is the oldest. */
	assert_int_equal(start_capped(f, SID_4, f->alice.id, NOW + 100, 3,
	    NULL), 1);
	assert_int_equal(session(f, SID_3, "count(*)"), 0);
	/* SID_1 and SID_2 alike in both: the lower id goes. */
	assert_int_equal(start_capped(f, SID_5, f->alice.id, NOW + 100, 3,
	    NULL), 1);
	assert_int_equal(session(f, SID_1, "count(*)"), 0);
	assert_true(live(f, SID_2, f->alice.id, NOW + 100));
	assert_true(live(f, SID_4, f->alice.id, NOW + 100));
	assert_true(live(f, SID_5, f->alice.id, NOW + 100));
	/* At a clock stepped back, each other one is newer: still not it. */
	assert_int_equal(start_capped(f, SID_6, f->alice.id, NOW, 1, NULL), 3);
	assert_int_equal(count(f, "SELECT count(*) FROM sessions"), 1);
	assert_true(live(f, SID_6, f->alice.id, NOW));
}

/*
 * A lowered cap ends all that are over it at the next log-in; ended counts
 * only those, not the sessions the prune took; no cap (0) ends none.
 */
static void
insert_cap_lowered_and_none(void **state)
{
	struct fixture	*f = *state;

	with_alice(f);
	start(f, SID_1, f->alice.id, NOW, NOW + 5, NOW + 5, "", NULL);
	assert_int_equal(start_capped(f, SID_2, f->alice.id, NOW + 1, 0, NULL),
	    0);
	assert_int_equal(start_capped(f, SID_3, f->alice.id, NOW + 2, 0, NULL),
	    0);
	assert_int_equal(start_capped(f, SID_4, f->alice.id, NOW + 3, 0, NULL),
	    0);
	assert_int_equal(count(f, "SELECT count(*) FROM sessions"), 4);
	/* SID_1 has ended by NOW + 10: pruned, not counted as capped. */
	assert_int_equal(start_capped(f, SID_5, f->alice.id, NOW + 10, 2, NULL),
	    2);
	assert_int_equal(session(f, SID_1, "count(*)"), 0);
	assert_int_equal(session(f, SID_2, "count(*)"), 0);
	assert_int_equal(session(f, SID_3, "count(*)"), 0);
	assert_true(live(f, SID_4, f->alice.id, NOW + 10));
	assert_true(live(f, SID_5, f->alice.id, NOW + 10));
}

/*
 * Log-ins of one user by many processes at once (released together): the
 * cap holds exactly, and each session over it is counted ended once.
 */
static void
insert_cap_parallel_holds(void **state)
{
	struct fixture		*f = *state;
	struct store		*st;
	char			 id[STORE_SESSION_ID_MAX + 1], go;
	struct session_start	 s = {
		.id = id,
		.now = NOW + 1,
		.expires_at = NOW + 1 + TTL,
		.ends_at = NOW + LIFE,
		.user_agent = "",
		.max_per_user = 3,
	};
	pid_t			 pid[12];
	int			 gate[2], status;
	int64_t			 ended, total = 0;
	size_t			 i;

	alice_logs_in(f);
	s.user_id = f->alice.id;
	store_free(f->store);
	f->store = NULL;
	assert_int_equal(pipe(gate), 0);
	for (i = 0; i < NITEMS(pid); i++) {
		assert_true((pid[i] = fork()) != -1);
		if (pid[i] != 0)
			continue;
		close(gate[1]);
		if ((st = store_new(f->path)) == NULL ||
		    store_ready(st) != STORE_OK)
			_exit(99);
		/* Every child ready: all go when the parent closes the gate. */
		if (read(gate[0], &go, 1) != 0)
			_exit(98);
		snprintf(id, sizeof(id), "%032zx", i + 0x100);
		/* Exit code: how many it ended, or 10 + the store's answer. */
		status = store_session_insert(st, &s, &ended);
		store_free(st);
		_exit(status == STORE_OK ? (int)ended : 10 + status);
	}
	close(gate[0]);
	/* Give the children time to connect, then open the gate. */
	usleep(300000);
	close(gate[1]);
	for (i = 0; i < NITEMS(pid); i++) {
		assert_int_equal(waitpid(pid[i], &status, 0), pid[i]);
		assert_true(WIFEXITED(status));
		if (WEXITSTATUS(status) > 1)
			fail_msg("insert %zu: exit %d", i, WEXITSTATUS(status));
		total += WEXITSTATUS(status);
	}
	assert_int_equal(count(f, "SELECT count(*) FROM sessions"), 3);
	assert_int_equal(total, NITEMS(pid) + 1 - 3);
}

/* An insert that fails (its id another user's) undoes what its cap ended. */
static void
insert_cap_undone_with_failed_insert(void **state)
{
	struct fixture		*f = *state;
	struct user		 bob;
	struct session_start	 st = {
		.id = SID_3,
		.now = NOW + 10,
		.expires_at = NOW + 10 + TTL,
		.ends_at = NOW + LIFE,
		.user_agent = "",
		.max_per_user = 1,
	};
	char			 log[4096];
	FILE			*tmp;
	int			 saved;
	int64_t			 ended = -1;
	enum store_rc		 rc;

	alice_logs_in(f);
	start(f, SID_2, f->alice.id, NOW + 1, NOW + TTL, NOW + LIFE, "", NULL);
	bob = add_user(f, "bob@example.com");
	start(f, SID_3, bob.id, NOW + 2, NOW + TTL, NOW + LIFE, "", NULL);
	st.user_id = f->alice.id;
	saved = start_capture(&tmp);
	rc = store_session_insert(f->store, &st, &ended);
	stop_capture(tmp, saved, log, sizeof(log));
	assert_int_equal(rc, STORE_ERR);
	assert_non_null(strstr(log, "collision"));
	assert_int_equal(ended, 0);
	assert_int_equal(count(f, "SELECT count(*) FROM sessions"), 3);
	assert_int_equal(current(f, SID_1, D_1), 1);
	assert_true(live(f, SID_2, f->alice.id, NOW + 10));
	assert_true(live(f, SID_3, bob.id, NOW + 10));
}

/* --- refreshing */

static void
refresh_rotates(void **state)
{
	struct fixture			*f = *state;
	struct session_refreshed	 r;

	alice_logs_in(f);
	memset(&r, 'Z', sizeof(r));
	assert_int_equal(refresh(f, SID_1, D_1, D_2, NOW + 10, TTL, &r),
	    STORE_OK);
	assert_int_equal(r.outcome, REFRESH_ROTATED);
	assert_string_equal(r.session_id, SID_1);
	assert_true(r.user.id == f->alice.id);
	assert_string_equal(r.user.email, "alice@example.com");
	assert_string_equal(r.user.name, "Alice");
	assert_string_equal(r.user.password, "");
	assert_int_equal(r.expires_at, NOW + 10 + TTL);
	assert_int_equal(r.ends_at, NOW + LIFE);
	/* The old one retired, the new one current, the session moved on. */
	assert_int_equal(retired(f, SID_1, D_1), NOW + 10);
	assert_int_equal(current(f, SID_1, D_2), 1);
	assert_int_equal(retired(f, SID_1, D_2), -1);
	assert_int_equal(retired_count(f, NULL), 1);
	assert_int_equal(session(f, SID_1, "expires_at"), NOW + 10 + TTL);
	assert_int_equal(session(f, SID_1, "last_used_at"), NOW + 10);
	assert_int_equal(session(f, SID_1, "created_at"), NOW);
	assert_int_equal(session(f, SID_1, "ends_at"), NOW + LIFE);
	/* The access token (its session) lives past the first expiry now. */
	assert_true(live(f, SID_1, f->alice.id, NOW + TTL + 5));
	/* And the successor rotates in its turn. */
	assert_int_equal(refresh(f, SID_1, D_2, D_3, NOW + 900, TTL, &r),
	    STORE_OK);
	assert_int_equal(r.outcome, REFRESH_ROTATED);
	assert_int_equal(r.expires_at, NOW + 900 + TTL);
	assert_int_equal(current(f, SID_1, D_3), 1);
	assert_int_equal(retired(f, SID_1, D_2), NOW + 900);
	assert_int_equal(retired(f, SID_1, D_1), NOW + 10);
	assert_int_equal(retired_count(f, NULL), 2);
	assert_int_equal(count(f, "SELECT count(*) FROM sessions"), 1);
}

static void
refresh_never_past_ends_at(void **state)
{
	struct fixture			*f = *state;
	struct session_refreshed	 r;
	const int64_t			 end = NOW + TTL + 50;

	with_alice(f);
	start(f, SID_1, f->alice.id, NOW, NOW + TTL, end, "", D_1);
	assert_int_equal(refresh(f, SID_1, D_1, D_2, NOW + 100, TTL, &r),
	    STORE_OK);
	assert_int_equal(r.outcome, REFRESH_ROTATED);
	assert_int_equal(r.expires_at, end);
	assert_int_equal(r.ends_at, end);
	assert_int_equal(session(f, SID_1, "expires_at"), end);
	/* At the absolute end, nothing keeps it going. */
	assert_true(live(f, SID_1, f->alice.id, end - 1));
	assert_false(live(f, SID_1, f->alice.id, end));
	assert_int_equal(refresh(f, SID_1, D_2, D_3, end, TTL, &r),
	    STORE_NOTFOUND);
	/* Nor does a huge ttl, which must not overflow on the way. */
	assert_int_equal(refresh(f, SID_1, D_2, D_3, end - 1, INT64_MAX, &r),
	    STORE_OK);
	assert_int_equal(r.outcome, REFRESH_ROTATED);
	assert_int_equal(r.expires_at, end);
	assert_int_equal(session(f, SID_1, "expires_at"), end);
	assert_int_equal(current(f, SID_1, D_3), 1);
}

static void
refresh_within_grace_writes_nothing(void **state)
{
	struct fixture			*f = *state;
	struct session_refreshed	 r;

	alice_logs_in(f);
	assert_int_equal(refresh(f, SID_1, D_1, D_2, NOW + 10, TTL, &r),
	    STORE_OK);
	memset(&r, 'Z', sizeof(r));
	assert_int_equal(refresh(f, SID_1, D_1, D_3, NOW + 15, TTL, &r),
	    STORE_OK);
	assert_int_equal(r.outcome, REFRESH_GRACE);
	assert_string_equal(r.session_id, SID_1);
	assert_true(r.user.id == f->alice.id);
	assert_string_equal(r.user.email, "alice@example.com");
	assert_string_equal(r.user.name, "Alice");
	assert_int_equal(r.expires_at, NOW + 10 + TTL);
	assert_int_equal(r.ends_at, NOW + LIFE);
	/* The last second of the window still counts. */
	assert_int_equal(refresh(f, SID_1, D_1, D_3, NOW + 10 + GRACE, TTL,
	    &r), STORE_OK);
	assert_int_equal(r.outcome, REFRESH_GRACE);
	assert_int_equal(current_anywhere(f, D_3), 0);
	assert_int_equal(retired(f, SID_1, D_3), -1);
	assert_int_equal(retired_count(f, NULL), 1);
	assert_int_equal(retired(f, SID_1, D_1), NOW + 10);
	assert_int_equal(session(f, SID_1, "last_used_at"), NOW + 10);
	assert_int_equal(session(f, SID_1, "expires_at"), NOW + 10 + TTL);
	/* D_2 is still the current one. */
	assert_int_equal(current(f, SID_1, D_2), 1);
	assert_int_equal(refresh(f, SID_1, D_2, D_3, NOW + 20, TTL, &r),
	    STORE_OK);
	assert_int_equal(r.outcome, REFRESH_ROTATED);
}

static void
refresh_reuse_ends_session(void **state)
{
	struct fixture			*f = *state;
	struct session_refreshed	 r;

	alice_logs_in(f);
	start(f, SID_2, f->alice.id, NOW, NOW + TTL, NOW + LIFE, "", D_4);
	assert_int_equal(refresh(f, SID_1, D_1, D_2, NOW + 10, TTL, &r),
	    STORE_OK);
	assert_int_equal(refresh(f, SID_1, D_2, D_5, NOW + 11, TTL, &r),
	    STORE_OK);
	assert_int_equal(retired_count(f, SID_1), 2);
	memset(&r, 'Z', sizeof(r));
	assert_int_equal(refresh(f, SID_1, D_1, D_3, NOW + 11 + GRACE, TTL,
	    &r), STORE_OK);
	assert_int_equal(r.outcome, REFRESH_REUSED);
	assert_string_equal(r.session_id, SID_1);
	assert_true(r.user.id == f->alice.id);
	/* The session and every token of it are gone, the successor too. */
	assert_false(live(f, SID_1, f->alice.id, NOW + 30));
	assert_int_equal(session(f, SID_1, "count(*)"), 0);
	assert_int_equal(retired_count(f, SID_1), 0);
	assert_int_equal(current_anywhere(f, D_3), 0);
	assert_int_equal(current_anywhere(f, D_5), 0);
	assert_int_equal(refresh(f, SID_1, D_5, D_3, NOW + 31, TTL, &r),
	    STORE_NOTFOUND);
	assert_int_equal(refresh(f, SID_1, D_1, D_3, NOW + 32, TTL, &r),
	    STORE_NOTFOUND);
	/* Her other session goes on. */
	assert_true(live(f, SID_2, f->alice.id, NOW + 30));
	assert_int_equal(refresh(f, SID_2, D_4, D_3, NOW + 33, TTL, &r),
	    STORE_OK);
	assert_int_equal(r.outcome, REFRESH_ROTATED);
	assert_string_equal(r.session_id, SID_2);
}

/* A session id nobody has: not found, and nothing else changes. */
static void
refresh_unknown_session(void **state)
{
	struct fixture			*f = *state;
	struct session_refreshed	 r;

	alice_logs_in(f);
	assert_int_equal(refresh(f, SID_2, D_1, D_3, NOW + 1, TTL, &r),
	    STORE_NOTFOUND);
	assert_int_equal(refresh(f, "", D_1, D_3, NOW + 1, TTL, &r),
	    STORE_NOTFOUND);
	assert_int_equal(count(f, "SELECT count(*) FROM sessions"), 1);
	assert_int_equal(current(f, SID_1, D_1), 1);
	assert_int_equal(current_anywhere(f, D_3), 0);
	assert_int_equal(retired_count(f, NULL), 0);
	assert_int_equal(session(f, SID_1, "last_used_at"), NOW);
}

/*
 * A token with a real session id but a digest that never was one of that
 * session's (a forgery, or another session's token): not found, and the
 * session is neither ended nor changed; its own current token still works.
 */
static void
refresh_forged_digest_keeps_session(void **state)
{
	struct fixture			*f = *state;
	struct session_refreshed	 r;

	alice_logs_in(f);
	start(f, SID_2, f->alice.id, NOW, NOW + TTL, NOW + LIFE, "", D_4);
	assert_int_equal(refresh(f, SID_1, D_2, D_3, NOW + 100, TTL, &r),
	    STORE_NOTFOUND);
	assert_int_equal(refresh(f, SID_1, "", D_3, NOW + 100, TTL, &r),
	    STORE_NOTFOUND);
	/* SID_2's current token is no token of SID_1's. */
	assert_int_equal(refresh(f, SID_1, D_4, D_3, NOW + 100, TTL, &r),
	    STORE_NOTFOUND);
	assert_true(live(f, SID_1, f->alice.id, NOW + 100));
	assert_int_equal(current(f, SID_1, D_1), 1);
	assert_int_equal(current(f, SID_2, D_4), 1);
	assert_int_equal(current_anywhere(f, D_3), 0);
	assert_int_equal(retired_count(f, NULL), 0);
	assert_int_equal(session(f, SID_1, "last_used_at"), NOW);
	assert_int_equal(session(f, SID_1, "expires_at"), NOW + TTL);

	/* After a rotation too: and SID_1's retired token is not SID_2's. */
	assert_int_equal(refresh(f, SID_1, D_1, D_2, NOW + 200, TTL, &r),
	    STORE_OK);
	assert_int_equal(r.outcome, REFRESH_ROTATED);
	assert_int_equal(refresh(f, SID_1, D_5, D_3, NOW + 500, TTL, &r),
	    STORE_NOTFOUND);
	assert_int_equal(refresh(f, SID_2, D_1, D_3, NOW + 500, TTL, &r),
	    STORE_NOTFOUND);
	assert_true(live(f, SID_1, f->alice.id, NOW + 500));
	assert_true(live(f, SID_2, f->alice.id, NOW + 500));
	assert_int_equal(retired_count(f, NULL), 1);
	assert_int_equal(refresh(f, SID_1, D_2, D_3, NOW + 501, TTL, &r),
	    STORE_OK);
	assert_int_equal(r.outcome, REFRESH_ROTATED);
	assert_int_equal(refresh(f, SID_2, D_4, D_5, NOW + 502, TTL, &r),
	    STORE_OK);
	assert_int_equal(r.outcome, REFRESH_ROTATED);
}

/*
 * A session that never had a refresh token (they were off at its log-in)
 * has nothing to refresh.
 */
static void
refresh_of_session_without_token(void **state)
{
	struct fixture			*f = *state;
	struct session_refreshed	 r;

	with_alice(f);
	start(f, SID_1, f->alice.id, NOW, NOW + TTL, NOW + TTL, "", NULL);
	assert_int_equal(refresh(f, SID_1, D_1, D_2, NOW + 1, TTL, &r),
	    STORE_NOTFOUND);
	assert_true(live(f, SID_1, f->alice.id, NOW + 1));
	assert_int_equal(count(f, "SELECT count(*) FROM sessions "
	    "WHERE refresh_digest IS NULL"), 1);
	assert_int_equal(retired_count(f, NULL), 0);
	assert_int_equal(session(f, SID_1, "expires_at"), NOW + TTL);
}

/*
 * A retired token has no expiry of its own: it counts as long as its
 * session lives, so presented long after it was replaced (past what was
 * its own lifetime) it is a reuse, and ends the session.
 */
static void
refresh_retired_token_lives_with_session(void **state)
{
	struct fixture			*f = *state;
	struct session_refreshed	 r;

	alice_logs_in(f);
	assert_int_equal(refresh(f, SID_1, D_1, D_2, NOW + 500, TTL, &r),
	    STORE_OK);
	assert_int_equal(refresh(f, SID_1, D_2, D_3, NOW + 500 + TTL - 1, TTL,
	    &r), STORE_OK);
	assert_true(live(f, SID_1, f->alice.id, NOW + 2 * TTL));
	/* D_1 was retired 1500 s ago and was issued for TTL only. */
	assert_int_equal(refresh(f, SID_1, D_1, D_4, NOW + 2 * TTL, TTL, &r),
	    STORE_OK);
	assert_int_equal(r.outcome, REFRESH_REUSED);
	assert_string_equal(r.session_id, SID_1);
	assert_false(live(f, SID_1, f->alice.id, NOW + 2 * TTL));
	assert_int_equal(session(f, SID_1, "count(*)"), 0);
	assert_int_equal(retired_count(f, NULL), 0);
	assert_int_equal(refresh(f, SID_1, D_3, D_4, NOW + 2 * TTL, TTL, &r),
	    STORE_NOTFOUND);
}

/*
 * Once the session has expired (idle), neither its current token nor a
 * retired one finds it: not found, so not a reuse; nothing is written.
 */
static void
refresh_expired_session(void **state)
{
	struct fixture			*f = *state;
	struct session_refreshed	 r;

	alice_logs_in(f);
	assert_int_equal(refresh(f, SID_1, D_1, D_2, NOW + TTL, TTL, &r),
	    STORE_NOTFOUND);
	assert_int_equal(refresh(f, SID_1, D_1, D_2, NOW + 5 * TTL, TTL, &r),
	    STORE_NOTFOUND);
	assert_int_equal(current_anywhere(f, D_2), 0);
	assert_int_equal(current(f, SID_1, D_1), 1);
	assert_int_equal(retired_count(f, NULL), 0);
	assert_int_equal(session(f, SID_1, "expires_at"), NOW + TTL);

	/* A retired token of an expired session: not a reuse either. */
	start(f, SID_2, f->alice.id, NOW, NOW + TTL, NOW + LIFE, "", D_3);
	assert_int_equal(refresh(f, SID_2, D_3, D_4, NOW + 10, TTL, &r),
	    STORE_OK);
	assert_int_equal(refresh(f, SID_2, D_3, D_5, NOW + 10 + TTL, TTL, &r),
	    STORE_NOTFOUND);
	assert_int_equal(refresh(f, SID_2, D_4, D_5, NOW + 10 + TTL, TTL, &r),
	    STORE_NOTFOUND);
	/* Its row waits for its absolute end, untouched. */
	assert_int_equal(session(f, SID_2, "count(*)"), 1);
	assert_int_equal(retired(f, SID_2, D_3), NOW + 10);
	assert_int_equal(current(f, SID_2, D_4), 1);
	assert_int_equal(session(f, SID_2, "last_used_at"), NOW + 10);
}

static void
refresh_ended_session(void **state)
{
	struct fixture			*f = *state;
	struct session_refreshed	 r;

	alice_logs_in(f);
	assert_int_equal(refresh(f, SID_1, D_1, D_2, NOW + 1, TTL, &r),
	    STORE_OK);
	assert_int_equal(store_session_delete(f->store, SID_1, f->alice.id),
	    STORE_OK);
	/* Gone with its retired token. */
	assert_int_equal(retired_count(f, NULL), 0);
	assert_int_equal(count(f, "SELECT count(*) FROM sessions"), 0);
	assert_int_equal(refresh(f, SID_1, D_2, D_3, NOW + 2, TTL, &r),
	    STORE_NOTFOUND);
	assert_int_equal(refresh(f, SID_1, D_1, D_3, NOW + 100, TTL, &r),
	    STORE_NOTFOUND);
	assert_int_equal(count(f, "SELECT count(*) FROM sessions"), 0);
}

static void
refresh_locked_user(void **state)
{
	struct fixture			*f = *state;
	struct session_refreshed	 r;
	struct user			 u;

	alice_logs_in(f);
	assert_int_equal(store_user_lock(f->store, "alice@example.com", 1,
	    NOW + 1, &u), STORE_OK);
	assert_int_equal(refresh(f, SID_1, D_1, D_2, NOW + 2, TTL, &r),
	    STORE_NOTFOUND);
	assert_int_equal(current_anywhere(f, D_2), 0);
	assert_int_equal(retired_count(f, NULL), 0);
	/* Unlocked, she logs in again; the old token stays dead. */
	assert_int_equal(store_user_lock(f->store, "alice@example.com", 0,
	    NOW + 3, &u), STORE_OK);
	assert_int_equal(refresh(f, SID_1, D_1, D_2, NOW + 4, TTL, &r),
	    STORE_NOTFOUND);
}

/* A log-in that raced with the lock added a session after it: still refused. */
static void
refresh_of_session_added_after_lock(void **state)
{
	struct fixture			*f = *state;
	struct session_refreshed	 r;
	struct user			 u;

	with_alice(f);
	assert_int_equal(store_user_lock(f->store, "alice@example.com", 1,
	    NOW, &u), STORE_OK);
	start(f, SID_1, f->alice.id, NOW, NOW + TTL, NOW + LIFE, "", D_1);
	assert_int_equal(refresh(f, SID_1, D_1, D_2, NOW + 1, TTL, &r),
	    STORE_NOTFOUND);
	assert_int_equal(current_anywhere(f, D_2), 0);
	assert_int_equal(current(f, SID_1, D_1), 1);
	assert_int_equal(retired_count(f, NULL), 0);
}

static void
refresh_of_deleted_user(void **state)
{
	struct fixture			*f = *state;
	struct session_refreshed	 r;

	alice_logs_in(f);
	assert_int_equal(refresh(f, SID_1, D_1, D_2, NOW + 1, TTL, &r),
	    STORE_OK);
	assert_int_equal(store_user_delete(f->store, "alice@example.com"),
	    STORE_OK);
	assert_int_equal(refresh(f, SID_1, D_2, D_3, NOW + 2, TTL, &r),
	    STORE_NOTFOUND);
	assert_int_equal(count(f, "SELECT count(*) FROM sessions"), 0);
	assert_int_equal(retired_count(f, NULL), 0);
}

/* An audit event with a refresh: recorded with a rotation only. */
static void
refresh_records_audit_with_rotation(void **state)
{
	struct fixture			*f = *state;
	struct session_refreshed	 r;
	struct audit_event		 e = {
		.at = NOW + 10,
		.event = "refresh",
		.user_id = 0,
		.client = "192.0.2.1",
		.detail = "session 11111111",
	};
	struct session_refresh		 req = {
		.session_id = SID_1,
		.digest = D_1,
		.new_digest = D_2,
		.now = NOW + 10,
		.ttl = TTL,
		.grace = GRACE,
		.audit = &e,
		.prune_before = 0,
	};
	struct user			 bob;
	char				 sql[256];

	alice_logs_in(f);
	bob = add_user(f, "bob@example.com");
	start(f, SID_2, bob.id, NOW, NOW + TTL, NOW + LIFE, "", D_4);
	assert_int_equal(store_session_refresh(f->store, &req, &r), STORE_OK);
	assert_int_equal(r.outcome, REFRESH_ROTATED);
	/* For the session's user, filled in by the store. */
	assert_true(e.user_id == f->alice.id);
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM audit WHERE "
	    "event = 'refresh' AND user_id = %lld AND at = %lld AND "
	    "client = '192.0.2.1' AND detail = 'session 11111111'",
	    (long long)f->alice.id, (long long)(NOW + 10));
	assert_int_equal(count(f, sql), 1);
	assert_int_equal(count(f, "SELECT count(*) FROM audit"), 1);

	/* Within the grace window: nothing written, no event either. */
	e.user_id = 0;
	req.new_digest = D_3;
	req.now = e.at = NOW + 12;
	assert_int_equal(store_session_refresh(f->store, &req, &r), STORE_OK);
	assert_int_equal(r.outcome, REFRESH_GRACE);
	assert_int_equal(count(f, "SELECT count(*) FROM audit"), 1);
	/* Not found (a forged digest, an unknown session): none. */
	req.digest = D_5;
	assert_int_equal(store_session_refresh(f->store, &req, &r),
	    STORE_NOTFOUND);
	req.session_id = SID_3;
	assert_int_equal(store_session_refresh(f->store, &req, &r),
	    STORE_NOTFOUND);
	assert_int_equal(count(f, "SELECT count(*) FROM audit"), 1);
	/* A reuse: the session ends; the store records nothing of it. */
	req.session_id = SID_1;
	req.digest = D_1;
	req.now = e.at = NOW + 100;
	assert_int_equal(store_session_refresh(f->store, &req, &r), STORE_OK);
	assert_int_equal(r.outcome, REFRESH_REUSED);
	assert_int_equal(count(f, "SELECT count(*) FROM audit"), 1);

	/* Bob's rotation is bob's. */
	e.user_id = 0;
	req.session_id = SID_2;
	req.digest = D_4;
	req.new_digest = D_5;
	req.now = e.at = NOW + 200;
	assert_int_equal(store_session_refresh(f->store, &req, &r), STORE_OK);
	assert_int_equal(r.outcome, REFRESH_ROTATED);
	assert_true(e.user_id == bob.id);
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM audit WHERE "
	    "user_id = %lld AND at = %lld", (long long)bob.id,
	    (long long)(NOW + 200));
	assert_int_equal(count(f, sql), 1);
	assert_int_equal(count(f, "SELECT count(*) FROM audit"), 2);
}

/*
 * An audit event that cannot be recorded (here: no client, which the
 * table requires) is logged and undone alone: the rotation stands.
 */
static void
refresh_audit_failure_keeps_rotation(void **state)
{
	struct fixture			*f = *state;
	struct session_refreshed	 r;
	struct audit_event		 e = {
		.at = NOW + 10,
		.event = "refresh",
		.client = NULL,
		.detail = "",
	};
	struct session_refresh		 req = {
		.session_id = SID_1,
		.digest = D_1,
		.new_digest = D_2,
		.now = NOW + 10,
		.ttl = TTL,
		.grace = GRACE,
		.audit = &e,
		.prune_before = 0,
	};
	char				 log[4096];
	FILE				*tmp;
	int				 saved;
	enum store_rc			 rc;

	alice_logs_in(f);
	saved = start_capture(&tmp);
	rc = store_session_refresh(f->store, &req, &r);
	stop_capture(tmp, saved, log, sizeof(log));
	assert_int_equal(rc, STORE_OK);
	assert_int_equal(r.outcome, REFRESH_ROTATED);
	assert_int_equal(r.expires_at, NOW + 10 + TTL);
	assert_non_null(strstr(log,
	    "could not record the audit event refresh"));
	assert_int_equal(count(f, "SELECT count(*) FROM audit"), 0);
	assert_int_equal(current(f, SID_1, D_2), 1);
	assert_int_equal(retired(f, SID_1, D_1), NOW + 10);
	assert_int_equal(session(f, SID_1, "expires_at"), NOW + 10 + TTL);
	assert_int_equal(session(f, SID_1, "last_used_at"), NOW + 10);
	/* The connection goes on: the next rotation records its event. */
	e.client = "192.0.2.1";
	req.digest = D_2;
	req.new_digest = D_3;
	req.now = e.at = NOW + 20;
	assert_int_equal(store_session_refresh(f->store, &req, &r), STORE_OK);
	assert_int_equal(r.outcome, REFRESH_ROTATED);
	assert_int_equal(count(f, "SELECT count(*) FROM audit"), 1);
	assert_int_equal(current(f, SID_1, D_3), 1);
}

/*
 * Refreshes of one token by several processes at once: one rotates, the
 * others fall in its grace window; one current token, never two.
 */
static void
refresh_parallel_rotates_once(void **state)
{
	static const char *const	 next[] = {
		"a000000000000000000000000000000000000000000000000000000000000000",
		"b000000000000000000000000000000000000000000000000000000000000000",
		"c000000000000000000000000000000000000000000000000000000000000000",
		"d000000000000000000000000000000000000000000000000000000000000000",
		"e000000000000000000000000000000000000000000000000000000000000000",
		"f000000000000000000000000000000000000000000000000000000000000000",
	};
	struct fixture			*f = *state;
	struct session_refreshed	 r;
	struct session_refresh		 req = {
		.session_id = SID_1,
		.digest = D_1,
		.now = NOW + 1,
		.ttl = TTL,
		.grace = GRACE,
	};
	struct store			*st;
	pid_t				 pid[NITEMS(next)];
	int				 status, rotated = 0, grace = 0;
	size_t				 i, found = 0;

	alice_logs_in(f);
	/* The children open their own; none inherits a connection. */
	store_free(f->store);
	f->store = NULL;
	for (i = 0; i < NITEMS(next); i++) {
		assert_true((pid[i] = fork()) != -1);
		if (pid[i] != 0)
			continue;
		if ((st = store_new(f->path)) == NULL ||
		    store_ready(st) != STORE_OK)
			_exit(99);
		/* Exit code: the outcome + 1, or 10 + the store's answer. */
		req.new_digest = next[i];
		status = store_session_refresh(st, &req, &r);
		store_free(st);
		_exit(status == STORE_OK ? (int)r.outcome + 1 : 10 + status);
	}
	for (i = 0; i < NITEMS(next); i++) {
		assert_int_equal(waitpid(pid[i], &status, 0), pid[i]);
		assert_true(WIFEXITED(status));
		if (WEXITSTATUS(status) == REFRESH_ROTATED + 1)
			rotated++;
		else if (WEXITSTATUS(status) == REFRESH_GRACE + 1)
			grace++;
		else
			fail_msg("refresh %zu: exit %d", i, WEXITSTATUS(status));
	}
	assert_int_equal(rotated, 1);
	assert_int_equal(grace, NITEMS(next) - 1);
	/* One successor is current, D_1 is retired once. */
	for (i = 0; i < NITEMS(next); i++)
		found += (size_t)current(f, SID_1, next[i]);
	assert_int_equal(found, 1);
	assert_int_equal(retired(f, SID_1, D_1), NOW + 1);
	assert_int_equal(retired_count(f, NULL), 1);
}

/* --- listing sessions */

struct sessions_seen {
	int			 n;
	struct session_info	 s[8];
	int			 stop_after;	/* fail after this many, 0: never */
};

static int
see_session(void *arg, const struct session_info *si)
{
	struct sessions_seen	*seen = arg;

	if (seen->stop_after > 0 && seen->n >= seen->stop_after)
		return -1;
	assert_true(seen->n < 8);
	seen->s[seen->n++] = *si;
	return 0;
}

static void
session_list_newest_first_live_only(void **state)
{
	struct fixture		*f = *state;
	struct sessions_seen	 seen = { 0 };
	struct user		 bob;

	with_alice(f);
	bob = add_user(f, "bob@example.com");
	start(f, SID_1, f->alice.id, NOW, NOW + 100, NOW + LIFE, "first", D_1);
	start(f, SID_2, f->alice.id, NOW + 1, NOW + 100, NOW + 200, "second",
	    NULL);
	start(f, SID_3, f->alice.id, NOW + 2, NOW + 50, NOW + LIFE, "gone",
	    D_3);
	start(f, SID_4, bob.id, NOW + 3, NOW + 100, NOW + LIFE, "bob's", D_4);

	assert_int_equal(store_session_list(f->store, f->alice.id, NOW + 60,
	    0, see_session, &seen), STORE_OK);
	assert_int_equal(seen.n, 2);
	assert_string_equal(seen.s[0].id, SID_2);
	assert_true(seen.s[0].user_id == f->alice.id);
	assert_string_equal(seen.s[0].email, "alice@example.com");
	assert_int_equal(seen.s[0].created_at, NOW + 1);
	assert_int_equal(seen.s[0].last_used_at, NOW + 1);
	assert_int_equal(seen.s[0].expires_at, NOW + 100);
	assert_int_equal(seen.s[0].ends_at, NOW + 200);
	assert_string_equal(seen.s[0].user_agent, "second");
	assert_string_equal(seen.s[1].id, SID_1);
	assert_string_equal(seen.s[1].user_agent, "first");

	/* Everyone's. */
	seen.n = 0;
	assert_int_equal(store_session_list(f->store, 0, NOW + 60, 0,
	    see_session, &seen), STORE_OK);
	assert_int_equal(seen.n, 3);
	assert_string_equal(seen.s[0].id, SID_4);
	assert_string_equal(seen.s[0].email, "bob@example.com");
	assert_true(seen.s[0].user_id == bob.id);
	assert_string_equal(seen.s[1].id, SID_2);
	assert_string_equal(seen.s[2].id, SID_1);

	/* A refresh shows as last used, not as newer. */
	seen.n = 0;
	{
		struct session_refreshed	 r;

		assert_int_equal(refresh(f, SID_1, D_1, D_2, NOW + 70, TTL,
		    &r), STORE_OK);
	}
	assert_int_equal(store_session_list(f->store, f->alice.id, NOW + 70,
	    0, see_session, &seen), STORE_OK);
	assert_int_equal(seen.n, 2);
	assert_string_equal(seen.s[1].id, SID_1);
	assert_int_equal(seen.s[1].last_used_at, NOW + 70);
	assert_int_equal(seen.s[1].expires_at, NOW + 70 + TTL);

	/* Nobody's: an empty list is fine. */
	seen.n = 0;
	assert_int_equal(store_session_list(f->store, f->alice.id + 100,
	    NOW, 0, see_session, &seen), STORE_OK);
	assert_int_equal(seen.n, 0);
}

static void
session_list_same_time_by_id(void **state)
{
	struct fixture		*f = *state;
	struct sessions_seen	 seen = { 0 };

	with_alice(f);
	start(f, SID_3, f->alice.id, NOW, NOW + 100, NOW + 100, "", NULL);
	start(f, SID_1, f->alice.id, NOW, NOW + 100, NOW + 100, "", NULL);
	start(f, SID_2, f->alice.id, NOW, NOW + 100, NOW + 100, "", NULL);
	assert_int_equal(store_session_list(f->store, f->alice.id, NOW,
	    0, see_session, &seen), STORE_OK);
	assert_int_equal(seen.n, 3);
	assert_string_equal(seen.s[0].id, SID_1);
	assert_string_equal(seen.s[1].id, SID_2);
	assert_string_equal(seen.s[2].id, SID_3);
}

/* A capped list gets the newest, for one user and for everyone's. */
static void
session_list_newest_up_to_limit(void **state)
{
	struct fixture		*f = *state;
	struct sessions_seen	 seen = { 0 };

	with_alice(f);
	start(f, SID_1, f->alice.id, NOW, NOW + 100, NOW + 100, "", NULL);
	start(f, SID_2, f->alice.id, NOW + 1, NOW + 100, NOW + 100, "", NULL);
	start(f, SID_3, f->alice.id, NOW + 2, NOW + 100, NOW + 100, "", NULL);
	assert_int_equal(store_session_list(f->store, f->alice.id, NOW,
	    2, see_session, &seen), STORE_OK);
	assert_int_equal(seen.n, 2);
	assert_string_equal(seen.s[0].id, SID_3);
	assert_string_equal(seen.s[1].id, SID_2);
	seen.n = 0;
	assert_int_equal(store_session_list(f->store, 0, NOW, 1, see_session,
	    &seen), STORE_OK);
	assert_int_equal(seen.n, 1);
	assert_string_equal(seen.s[0].id, SID_3);
	/* More than there are: all of them. */
	seen.n = 0;
	assert_int_equal(store_session_list(f->store, f->alice.id, NOW,
	    5, see_session, &seen), STORE_OK);
	assert_int_equal(seen.n, 3);
}

static void
session_list_callback_failure_is_error(void **state)
{
	struct fixture		*f = *state;
	struct sessions_seen	 seen = { .stop_after = 1 };

	with_alice(f);
	start(f, SID_1, f->alice.id, NOW, NOW + 100, NOW + 100, "", NULL);
	start(f, SID_2, f->alice.id, NOW, NOW + 100, NOW + 100, "", NULL);
	assert_int_equal(store_session_list(f->store, 0, NOW, 0, see_session,
	    &seen), STORE_ERR);
	assert_int_equal(seen.n, 1);
	/* The statement was reset: the next one works. */
	seen.n = 0;
	seen.stop_after = 0;
	assert_int_equal(store_session_list(f->store, 0, NOW, 0, see_session,
	    &seen), STORE_OK);
	assert_int_equal(seen.n, 2);
}

/* --- ending sessions */

static void
session_delete_by_id(void **state)
{
	struct fixture			*f = *state;
	struct session_refreshed	 r;
	struct user			 bob;

	alice_logs_in(f);
	bob = add_user(f, "bob@example.com");
	start(f, SID_2, f->alice.id, NOW, NOW + TTL, NOW + LIFE, "", D_2);
	assert_int_equal(refresh(f, SID_2, D_2, D_3, NOW + 1, TTL, &r),
	    STORE_OK);
	/* Someone else's: as if there were none, and still there. */
	assert_int_equal(store_session_delete(f->store, SID_1, bob.id),
	    STORE_NOTFOUND);
	assert_true(live(f, SID_1, f->alice.id, NOW));
	assert_int_equal(current(f, SID_1, D_1), 1);
	/* Her own: gone with its refresh token. */
	assert_int_equal(store_session_delete(f->store, SID_1, f->alice.id),
	    STORE_OK);
	assert_false(live(f, SID_1, f->alice.id, NOW));
	assert_int_equal(current_anywhere(f, D_1), 0);
	/* Anyone's (the operator's): user 0; its retired token goes too. */
	assert_int_equal(retired_count(f, SID_2), 1);
	assert_int_equal(store_session_delete(f->store, SID_2, 0), STORE_OK);
	assert_int_equal(current_anywhere(f, D_3), 0);
	assert_int_equal(retired_count(f, NULL), 0);
	assert_int_equal(store_session_delete(f->store, SID_2, 0),
	    STORE_NOTFOUND);
	assert_int_equal(store_session_delete(f->store, SID_3, 0),
	    STORE_NOTFOUND);
	assert_int_equal(count(f, "SELECT count(*) FROM sessions"), 0);
}

static void
session_delete_user_keeps_one(void **state)
{
	struct fixture	*f = *state;
	struct user	 bob;
	int64_t		 ended = -1;

	alice_logs_in(f);
	bob = add_user(f, "bob@example.com");
	start(f, SID_2, f->alice.id, NOW, NOW + TTL, NOW + LIFE, "", D_2);
	start(f, SID_3, f->alice.id, NOW, NOW + TTL, NOW + LIFE, "", NULL);
	start(f, SID_4, bob.id, NOW, NOW + TTL, NOW + LIFE, "", D_4);
	assert_int_equal(store_session_delete_user(f->store, f->alice.id, SID_2,
	    &ended), STORE_OK);
	assert_int_equal(ended, 2);
	assert_false(live(f, SID_1, f->alice.id, NOW));
	assert_true(live(f, SID_2, f->alice.id, NOW));
	assert_false(live(f, SID_3, f->alice.id, NOW));
	assert_true(live(f, SID_4, bob.id, NOW));
	assert_int_equal(current_anywhere(f, D_1), 0);
	assert_int_equal(current(f, SID_2, D_2), 1);
	/* None of hers left to end but the one kept. */
	assert_int_equal(store_session_delete_user(f->store, f->alice.id, SID_2,
	    &ended), STORE_OK);
	assert_int_equal(ended, 0);
	/* Every user's, keeping none; ended may be NULL. */
	assert_int_equal(store_session_delete_user(f->store, 0, NULL, &ended),
	    STORE_OK);
	assert_int_equal(ended, 2);
	assert_int_equal(count(f, "SELECT count(*) FROM sessions"), 0);
	assert_int_equal(retired_count(f, NULL), 0);
	assert_int_equal(store_session_delete_user(f->store, bob.id, NULL,
	    NULL), STORE_OK);
}

static void
session_delete_user_all_keeping_one(void **state)
{
	struct fixture	*f = *state;
	struct user	 bob;
	int64_t		 ended = -1;

	alice_logs_in(f);
	bob = add_user(f, "bob@example.com");
	start(f, SID_2, bob.id, NOW, NOW + TTL, NOW + LIFE, "", D_2);
	start(f, SID_3, bob.id, NOW, NOW + TTL, NOW + LIFE, "", NULL);
	assert_int_equal(store_session_delete_user(f->store, 0, SID_3, &ended),
	    STORE_OK);
	assert_int_equal(ended, 2);
	assert_int_equal(count(f, "SELECT count(*) FROM sessions"), 1);
	assert_true(live(f, SID_3, bob.id, NOW));
}

/* --- password change, lock, list */

static void
change_password_keeps_this_session(void **state)
{
	struct fixture	*f = *state;
	struct user	 u, bob;

	alice_logs_in(f);
	bob = add_user(f, "bob@example.com");
	start(f, SID_2, f->alice.id, NOW, NOW + TTL, NOW + LIFE, "", D_2);
	start(f, SID_3, bob.id, NOW, NOW + TTL, NOW + LIFE, "", D_3);
	assert_int_equal(store_user_change_password(f->store, f->alice.id,
	    HASH_B, SID_2), STORE_OK);
	assert_int_equal(store_user_by_email(f->store, "alice@example.com",
	    &u), STORE_OK);
	assert_string_equal(u.password, HASH_B);
	assert_false(live(f, SID_1, f->alice.id, NOW));
	assert_true(live(f, SID_2, f->alice.id, NOW));
	assert_true(live(f, SID_3, bob.id, NOW));
	assert_int_equal(current_anywhere(f, D_1), 0);
	/* A reset (the operator's): every session of hers ends. */
	assert_int_equal(store_user_change_password(f->store, f->alice.id,
	    HASH_A, NULL), STORE_OK);
	assert_false(live(f, SID_2, f->alice.id, NOW));
	assert_true(live(f, SID_3, bob.id, NOW));
	assert_int_equal(store_user_by_email(f->store, "alice@example.com",
	    &u), STORE_OK);
	assert_string_equal(u.password, HASH_A);
}

static void
change_password_of_missing_user(void **state)
{
	struct fixture	*f = *state;
	struct user	 u;

	alice_logs_in(f);
	assert_int_equal(store_user_change_password(f->store, f->alice.id + 1,
	    HASH_B, NULL), STORE_NOTFOUND);
	/* Nothing else happened. */
	assert_true(live(f, SID_1, f->alice.id, NOW));
	assert_int_equal(store_user_by_email(f->store, "alice@example.com",
	    &u), STORE_OK);
	assert_string_equal(u.password, HASH_A);
}

static void
user_by_email_gives_times(void **state)
{
	struct fixture	*f = *state;
	struct user	 u;

	with_alice(f);
	memset(&u, 'Z', sizeof(u));
	assert_int_equal(store_user_by_email(f->store, "alice@example.com",
	    &u), STORE_OK);
	assert_int_equal(u.created_at, NOW);
	assert_int_equal(u.locked_at, 0);
	assert_string_equal(u.password, HASH_A);
}

static void
user_lock_ends_sessions_and_unlock(void **state)
{
	struct fixture	*f = *state;
	struct user	 u, bob;

	alice_logs_in(f);
	bob = add_user(f, "bob@example.com");
	start(f, SID_2, f->alice.id, NOW, NOW + TTL, NOW + LIFE, "", NULL);
	start(f, SID_3, bob.id, NOW, NOW + TTL, NOW + LIFE, "", D_3);
	memset(&u, 'Z', sizeof(u));
	assert_int_equal(store_user_lock(f->store, "ALICE@example.COM", 1,
	    NOW + 5, &u), STORE_OK);
	assert_true(u.id == f->alice.id);
	assert_string_equal(u.email, "alice@example.com");
	assert_string_equal(u.name, "Alice");
	assert_string_equal(u.password, "");
	assert_int_equal(u.created_at, NOW);
	assert_int_equal(u.locked_at, NOW + 5);
	assert_false(live(f, SID_1, f->alice.id, NOW + 5));
	assert_false(live(f, SID_2, f->alice.id, NOW + 5));
	assert_int_equal(count(f, "SELECT count(*) FROM sessions "
	    "WHERE user_id = (SELECT id FROM users "
	    "WHERE email = 'alice@example.com')"), 0);
	assert_int_equal(current_anywhere(f, D_1), 0);
	assert_true(live(f, SID_3, bob.id, NOW + 5));
	assert_int_equal(store_user_by_email(f->store, "alice@example.com",
	    &u), STORE_OK);
	assert_int_equal(u.locked_at, NOW + 5);
	/* Locked again: the first time stays. */
	assert_int_equal(store_user_lock(f->store, "alice@example.com", 1,
	    NOW + 9, &u), STORE_OK);
	assert_int_equal(u.locked_at, NOW + 5);
	assert_int_equal(store_user_by_email(f->store, "alice@example.com",
	    &u), STORE_OK);
	assert_int_equal(u.locked_at, NOW + 5);
	/* Unlocked: no time, and she may have sessions again. */
	assert_int_equal(store_user_lock(f->store, "alice@example.com", 0,
	    NOW + 10, &u), STORE_OK);
	assert_int_equal(u.locked_at, 0);
	assert_int_equal(store_user_by_email(f->store, "alice@example.com",
	    &u), STORE_OK);
	assert_int_equal(u.locked_at, 0);
	start(f, SID_4, f->alice.id, NOW + 11, NOW + TTL, NOW + LIFE, "", D_4);
	assert_true(live(f, SID_4, f->alice.id, NOW + 11));
	/* Unlocking an unlocked user is fine too. */
	assert_int_equal(store_user_lock(f->store, "alice@example.com", 0,
	    NOW + 12, &u), STORE_OK);
	assert_true(live(f, SID_4, f->alice.id, NOW + 12));
}

static void
user_lock_unknown(void **state)
{
	struct fixture	*f = *state;
	struct user	 u;

	with_alice(f);
	assert_int_equal(store_user_lock(f->store, "bob@example.com", 1, NOW,
	    &u), STORE_NOTFOUND);
	assert_int_equal(store_user_lock(f->store, "bob@example.com", 0, NOW,
	    &u), STORE_NOTFOUND);
	assert_int_equal(count(f, "SELECT count(*) FROM users "
	    "WHERE locked_at IS NOT NULL"), 0);
}

struct users_seen {
	int		 n;
	struct user	 u[8];
	int64_t		 sessions[8];
	int		 stop_after;
};

static int
see_user(void *arg, const struct user *u, int64_t sessions)
{
	struct users_seen	*seen = arg;

	if (seen->stop_after > 0 && seen->n >= seen->stop_after)
		return -1;
	assert_true(seen->n < 8);
	seen->sessions[seen->n] = sessions;
	seen->u[seen->n++] = *u;
	return 0;
}

static void
user_list_with_session_counts(void **state)
{
	struct fixture		*f = *state;
	struct users_seen	 seen = { 0 };
	struct user		 bob, carol, u;

	alice_logs_in(f);
	bob = add_user(f, "bob@example.com");
	assert_int_equal(store_user_insert(f->store, "carol@example.com",
	    "Carol", HASH_B, NOW + 7, &carol), STORE_OK);
	start(f, SID_2, f->alice.id, NOW, NOW + TTL, NOW + LIFE, "", NULL);
	start(f, SID_3, f->alice.id, NOW, NOW + 50, NOW + 50, "", NULL);
	start(f, SID_4, bob.id, NOW, NOW + TTL, NOW + LIFE, "", NULL);
	assert_int_equal(store_user_lock(f->store, "bob@example.com", 1,
	    NOW + 20, &u), STORE_OK);

	/* At NOW + 60 SID_3 has expired: alice has 2 live sessions. */
	assert_int_equal(store_user_list(f->store, 0, NOW + 60, see_user,
	    &seen), STORE_OK);
	assert_int_equal(seen.n, 3);
	assert_true(seen.u[0].id == f->alice.id);
	assert_string_equal(seen.u[0].email, "alice@example.com");
	assert_string_equal(seen.u[0].name, "Alice");
	assert_string_equal(seen.u[0].password, "");
	assert_int_equal(seen.u[0].created_at, NOW);
	assert_int_equal(seen.u[0].locked_at, 0);
	assert_int_equal(seen.sessions[0], 2);
	assert_true(seen.u[1].id == bob.id);
	assert_int_equal(seen.u[1].locked_at, NOW + 20);
	assert_int_equal(seen.sessions[1], 0);
	assert_true(seen.u[2].id == carol.id);
	assert_string_equal(seen.u[2].name, "Carol");
	assert_int_equal(seen.u[2].created_at, NOW + 7);
	assert_int_equal(seen.sessions[2], 0);

	/* Only the locked. */
	seen.n = 0;
	assert_int_equal(store_user_list(f->store, 1, NOW + 60, see_user,
	    &seen), STORE_OK);
	assert_int_equal(seen.n, 1);
	assert_true(seen.u[0].id == bob.id);

	/* A failing callback fails the call; the next one works. */
	seen.n = 0;
	seen.stop_after = 1;
	assert_int_equal(store_user_list(f->store, 0, NOW, see_user, &seen),
	    STORE_ERR);
	seen.n = 0;
	seen.stop_after = 0;
	assert_int_equal(store_user_list(f->store, 0, NOW, see_user, &seen),
	    STORE_OK);
	assert_int_equal(seen.n, 3);
	assert_int_equal(seen.sessions[0], 3);
}

static void
user_list_empty(void **state)
{
	struct fixture		*f = *state;
	struct users_seen	 seen = { 0 };

	ready(f);
	assert_int_equal(store_user_list(f->store, 0, NOW, see_user, &seen),
	    STORE_OK);
	assert_int_equal(seen.n, 0);
}

/* --- the highest hash cost (issue 20) */

/* Insert email with hash, at NOW; its id. */
static int64_t
add_user_hash(struct fixture *f, const char *email, const char *hash)
{
	struct user	 u;

	assert_int_equal(store_user_insert(f->store, email, "Someone", hash,
	    NOW, &u), STORE_OK);
	return u.id;
}

static int
cost_max(struct fixture *f)
{
	int	 cost = -1;

	assert_int_equal(store_user_cost_max(f->store, &cost), STORE_OK);
	return cost;
}

/*
 * The highest cost among bcrypt hashes of any prefix; nothing else
 * counts: another scheme, a cost bcrypt would refuse, a malformed prefix.
 */
static void
user_cost_max_of_stored_hashes(void **state)
{
	struct fixture	*f = *state;
	int64_t		 carol;

	ready(f);
	assert_int_equal(cost_max(f), 0);
	add_user_hash(f, "other@example.com",
	    "$6$rounds=5000$abcdefgh$abcdefghijklmnopqrstuv");
	add_user_hash(f, "huge@example.com",
	    "$2b$99$C6UzMDM.H6dfI/f/IKxGhuF5XDNpHXtbNOpNxNvSa8lAtNS9W0X7y");
	add_user_hash(f, "short@example.com", "$2b$7$C6UzMDM.H6dfI/f/IKxGhuF5");
	add_user_hash(f, "under@example.com",
	    "$2b_13$C6UzMDM.H6dfI/f/IKxGhuF5XDNpHXtbNOpNxNvSa8lAtNS9W0X7y");
	assert_int_equal(cost_max(f), 0);
	add_user_hash(f, "alice@example.com", HASH_A);
	assert_int_equal(cost_max(f), 4);
	add_user_hash(f, "bob@example.com",
	    "$2b$12$C6UzMDM.H6dfI/f/IKxGhuF5XDNpHXtbNOpNxNvSa8lAtNS9W0X7y");
	assert_int_equal(cost_max(f), 12);
	carol = add_user_hash(f, "carol@example.com",
	    "$2y$13$C6UzMDM.H6dfI/f/IKxGhuF5XDNpHXtbNOpNxNvSa8lAtNS9W0X7y");
	assert_int_equal(cost_max(f), 13);
	/* Carol's re-hashed down: the highest left is bob's. */
	assert_int_equal(store_user_set_password(f->store, carol, HASH_A),
	    STORE_OK);
	assert_int_equal(cost_max(f), 12);
	assert_int_equal(store_user_delete(f->store, "bob@example.com"),
	    STORE_OK);
	assert_int_equal(cost_max(f), 4);
}

/* --- throttle list */

struct counters_seen {
	int			 n;
	char			 key[8][64];
	struct throttle_row	 row[8];
};

static int
see_counter(void *arg, const char *key, const struct throttle_row *row)
{
	struct counters_seen	*seen = arg;

	assert_true(seen->n < 8);
	snprintf(seen->key[seen->n], sizeof(seen->key[0]), "%s", key);
	seen->row[seen->n++] = *row;
	return 0;
}

/* A store_throttle_fn setting counter i to values made from i. */
static int
set_counter(void *arg, size_t i, struct throttle_row *row)
{
	(void)arg;
	row->count = 1 + (int64_t)i;
	row->level = 2 + (int64_t)i;
	row->last_at = NOW + (int64_t)i;
	row->blocked_until = NOW + 100 + (int64_t)i;
	row->pending = 3 + (int64_t)i;
	return 0;
}

static void
throttle_list_by_key(void **state)
{
	struct fixture		*f = *state;
	struct counters_seen	 seen = { 0 };
	const char *const	 keys[] = { "login-pair 10.0.0.1 b",
	    "login-account a", "login-address 10.0.0.1" };

	ready(f);
	assert_int_equal(store_throttle_list(f->store, see_counter, &seen),
	    STORE_OK);
	assert_int_equal(seen.n, 0);
	assert_int_equal(store_throttle_update(f->store, keys, 3, NOW - 3600,
	    set_counter, NULL), STORE_OK);
	assert_int_equal(store_throttle_list(f->store, see_counter, &seen),
	    STORE_OK);
	assert_int_equal(seen.n, 3);
	assert_string_equal(seen.key[0], "login-account a");
	assert_string_equal(seen.key[1], "login-address 10.0.0.1");
	assert_string_equal(seen.key[2], "login-pair 10.0.0.1 b");
	/* "login-account a" was keys[1]. */
	assert_int_equal(seen.row[0].count, 2);
	assert_int_equal(seen.row[0].level, 3);
	assert_int_equal(seen.row[0].last_at, NOW + 1);
	assert_int_equal(seen.row[0].blocked_until, NOW + 101);
	assert_int_equal(seen.row[0].pending, 4);
	assert_int_equal(seen.row[2].count, 1);
	assert_int_equal(seen.row[2].pending, 3);
}

/* --- audit */

struct events_seen {
	int	 n;
	int64_t	 id[16];
	int64_t	 at[16];
	int64_t	 user_id[16];
	char	 event[16][32];
	char	 client[16][32];
	char	 detail[16][64];
};

static int
see_event(void *arg, const struct audit_event *e)
{
	struct events_seen	*seen = arg;

	assert_true(seen->n < 16);
	seen->id[seen->n] = e->id;
	seen->at[seen->n] = e->at;
	seen->user_id[seen->n] = e->user_id;
	snprintf(seen->event[seen->n], sizeof(seen->event[0]), "%s", e->event);
	snprintf(seen->client[seen->n], sizeof(seen->client[0]), "%s",
	    e->client);
	snprintf(seen->detail[seen->n], sizeof(seen->detail[0]), "%s",
	    e->detail);
	seen->n++;
	return 0;
}

static void
event(struct fixture *f, int64_t at, const char *name, int64_t user_id,
    const char *detail, int64_t prune_before)
{
	struct audit_event	 e = {
		.at = at,
		.event = name,
		.user_id = user_id,
		.client = user_id != 0 ? "192.0.2.1" : "admin",
		.detail = detail,
	};

	assert_int_equal(store_audit_insert(f->store, &e, prune_before),
	    STORE_OK);
}

/* Alice (id a) and bob (id b) did things at NOW + 0 ... NOW + 5. */
static void
some_events(struct fixture *f, int64_t a, int64_t b)
{
	event(f, NOW + 3, "logout", a, "by the user", 0);
	event(f, NOW, "login-failed", 0, "unknown e-mail", 0);
	event(f, NOW + 1, "login-succeeded", a, "", 0);
	event(f, NOW + 2, "login-succeeded", b, "", 0);
	event(f, NOW + 4, "login-failed", a, "wrong password", 0);
	event(f, NOW + 5, "user-locked", b, "by the operator", 0);
}

static void
audit_list_all_oldest_first(void **state)
{
	struct fixture		*f = *state;
	struct audit_filter	 all = { 0 };
	struct events_seen	 seen = { 0 };
	int			 i;

	with_alice(f);
	assert_int_equal(store_audit_list(f->store, &all, see_event, &seen),
	    STORE_OK);
	assert_int_equal(seen.n, 0);
	some_events(f, f->alice.id, 77);
	assert_int_equal(store_audit_list(f->store, &all, see_event, &seen),
	    STORE_OK);
	assert_int_equal(seen.n, 6);
	for (i = 0; i < 6; i++)
		assert_int_equal(seen.at[i], NOW + i);
	assert_string_equal(seen.event[0], "login-failed");
	assert_int_equal(seen.user_id[0], 0);
	assert_string_equal(seen.client[0], "admin");
	assert_string_equal(seen.detail[0], "unknown e-mail");
	assert_int_equal(seen.user_id[1], f->alice.id);
	assert_string_equal(seen.client[1], "192.0.2.1");
	assert_string_equal(seen.detail[1], "");
	/* No foreign key: a user who is gone (77 never was) stays in the trail. */
	assert_int_equal(seen.user_id[2], 77);
	assert_string_equal(seen.event[3], "logout");
	assert_string_equal(seen.detail[3], "by the user");
	/* Ids in the order of insertion. */
	assert_true(seen.id[3] < seen.id[0]);
	assert_true(seen.id[0] < seen.id[1]);
	assert_int_equal(count(f, "SELECT count(*) FROM audit "
	    "WHERE user_id IS NULL"), 1);
}

static void
audit_list_filters(void **state)
{
	struct fixture		*f = *state;
	struct audit_filter	 by_user = { .user_id = 0 };
	struct audit_filter	 since = { .since = NOW + 3 };
	struct audit_filter	 by_event = { .event = "login-failed" };
	struct audit_filter	 newest = { .limit = 2 };
	struct audit_filter	 all_of = { .user_id = 0, .since = NOW + 2,
	    .event = "login-failed", .limit = 5 };
	struct audit_filter	 none = { .event = "refresh" };
	struct events_seen	 seen;

	with_alice(f);
	some_events(f, f->alice.id, 77);
	by_user.user_id = f->alice.id;
	memset(&seen, 0, sizeof(seen));
	assert_int_equal(store_audit_list(f->store, &by_user, see_event, &seen),
	    STORE_OK);
	assert_int_equal(seen.n, 3);
	assert_int_equal(seen.at[0], NOW + 1);
	assert_int_equal(seen.at[1], NOW + 3);
	assert_int_equal(seen.at[2], NOW + 4);

	/* since is inclusive. */
	memset(&seen, 0, sizeof(seen));
	assert_int_equal(store_audit_list(f->store, &since, see_event, &seen),
	    STORE_OK);
	assert_int_equal(seen.n, 3);
	assert_int_equal(seen.at[0], NOW + 3);
	assert_int_equal(seen.at[2], NOW + 5);

	memset(&seen, 0, sizeof(seen));
	assert_int_equal(store_audit_list(f->store, &by_event, see_event,
	    &seen), STORE_OK);
	assert_int_equal(seen.n, 2);
	assert_int_equal(seen.at[0], NOW);
	assert_int_equal(seen.at[1], NOW + 4);

	/* The newest two, still oldest first. */
	memset(&seen, 0, sizeof(seen));
	assert_int_equal(store_audit_list(f->store, &newest, see_event, &seen),
	    STORE_OK);
	assert_int_equal(seen.n, 2);
	assert_int_equal(seen.at[0], NOW + 4);
	assert_int_equal(seen.at[1], NOW + 5);
	assert_string_equal(seen.event[1], "user-locked");

	all_of.user_id = f->alice.id;
	memset(&seen, 0, sizeof(seen));
	assert_int_equal(store_audit_list(f->store, &all_of, see_event, &seen),
	    STORE_OK);
	assert_int_equal(seen.n, 1);
	assert_int_equal(seen.at[0], NOW + 4);
	assert_string_equal(seen.detail[0], "wrong password");

	/* A limit larger than what matches, and a filter nothing matches. */
	all_of.user_id = 77;
	all_of.event = NULL;
	all_of.since = 0;
	memset(&seen, 0, sizeof(seen));
	assert_int_equal(store_audit_list(f->store, &all_of, see_event, &seen),
	    STORE_OK);
	assert_int_equal(seen.n, 2);
	assert_string_equal(seen.event[0], "login-succeeded");
	assert_string_equal(seen.event[1], "user-locked");
	memset(&seen, 0, sizeof(seen));
	assert_int_equal(store_audit_list(f->store, &none, see_event, &seen),
	    STORE_OK);
	assert_int_equal(seen.n, 0);
}

static int
stop_at_once(void *arg, const struct audit_event *e)
{
	(void)arg;
	(void)e;
	return -1;
}

static void
audit_list_callback_failure_is_error(void **state)
{
	struct fixture		*f = *state;
	struct audit_filter	 all = { 0 };
	struct events_seen	 seen = { 0 };

	with_alice(f);
	some_events(f, f->alice.id, 77);
	assert_int_equal(store_audit_list(f->store, &all, stop_at_once, NULL),
	    STORE_ERR);
	assert_int_equal(store_audit_list(f->store, &all, see_event, &seen),
	    STORE_OK);
	assert_int_equal(seen.n, 6);
}

static void
audit_insert_prunes_a_batch(void **state)
{
	struct fixture	*f = *state;
	int64_t		 old;
	int		 i;

	ready(f);
	for (i = 0; i < 150; i++)
		event(f, NOW - 1000 + i, "login-failed", 0, "old", 0);
	event(f, NOW - 10, "logout", 0, "recent", 0);
	assert_int_equal(count(f, "SELECT count(*) FROM audit"), 151);
	/* Older than NOW - 100: the 150 old ones, pruned a bounded batch at a time. */
	event(f, NOW, "logout", 0, "new", NOW - 100);
	old = count(f, "SELECT count(*) FROM audit WHERE detail = 'old'");
	assert_true(old > 0 && old < 150);
	/* The oldest go first. */
	assert_int_equal(count(f, "SELECT min(at) FROM audit "
	    "WHERE detail = 'old'"), NOW - 1000 + (150 - old));
	for (i = 0; i < 150 && old > 0; i++) {
		event(f, NOW, "logout", 0, "new", NOW - 100);
		old = count(f, "SELECT count(*) FROM audit "
		    "WHERE detail = 'old'");
	}
	assert_int_equal(old, 0);
	/* Nothing newer than prune_before went. */
	assert_int_equal(count(f, "SELECT count(*) FROM audit "
	    "WHERE detail = 'recent'"), 1);
	/* Exactly prune_before is not older. */
	event(f, NOW - 100, "logout", 0, "edge", 0);
	event(f, NOW, "logout", 0, "new", NOW - 100);
	assert_int_equal(count(f, "SELECT count(*) FROM audit "
	    "WHERE detail = 'edge'"), 1);
}

/*
 * A rotation's audit event prunes events older than prune_before, as
 * store_audit_insert() does; a refresh that writes nothing prunes nothing.
 */
static void
refresh_audit_prunes_old_events(void **state)
{
	struct fixture			*f = *state;
	struct session_refreshed	 r;
	struct audit_event		 e = {
		.at = NOW + 10,
		.event = "refresh",
		.client = "192.0.2.1",
		.detail = "",
	};
	struct session_refresh		 req = {
		.session_id = SID_1,
		.digest = D_1,
		.new_digest = D_2,
		.now = NOW + 10,
		.ttl = TTL,
		.grace = GRACE,
		.audit = &e,
		.prune_before = NOW - 100,
	};
	int				 i;

	alice_logs_in(f);
	for (i = 0; i < 5; i++)
		event(f, NOW - 1000 + i, "login-failed", 0, "old", 0);
	event(f, NOW - 100, "logout", f->alice.id, "recent", 0);
	assert_int_equal(store_session_refresh(f->store, &req, &r), STORE_OK);
	assert_int_equal(r.outcome, REFRESH_ROTATED);
	assert_int_equal(count(f, "SELECT count(*) FROM audit "
	    "WHERE detail = 'old'"), 0);
	assert_int_equal(count(f, "SELECT count(*) FROM audit "
	    "WHERE detail = 'recent'"), 1);
	assert_int_equal(count(f, "SELECT count(*) FROM audit "
	    "WHERE event = 'refresh'"), 1);
	/* Within the grace window nothing is written, nor pruned. */
	event(f, NOW - 1000, "login-failed", 0, "old", 0);
	req.new_digest = D_3;
	req.now = e.at = NOW + 11;
	assert_int_equal(store_session_refresh(f->store, &req, &r), STORE_OK);
	assert_int_equal(r.outcome, REFRESH_GRACE);
	assert_int_equal(count(f, "SELECT count(*) FROM audit "
	    "WHERE detail = 'old'"), 1);
	assert_int_equal(count(f, "SELECT count(*) FROM audit"), 3);
}

/* --- backup */

/* Open path (an SQLite file) and run PRAGMA integrity_check: 1 if "ok". */
static int
sound(const char *path)
{
	sqlite3		*db;
	sqlite3_stmt	*st;
	int		 ok = 0;

	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY,
	    NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1,
	    &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		ok = strcmp((const char *)sqlite3_column_text(st, 0), "ok") == 0;
	sqlite3_finalize(st);
	sqlite3_close(db);
	return ok;
}

/* count() on another SQLite file. */
static int64_t
count_in(const char *path, const char *sql)
{
	struct fixture	 other;

	memset(&other, 0, sizeof(other));
	snprintf(other.path, sizeof(other.path), "%s", path);
	return count(&other, sql);
}

static void
remove_sqlite(const char *path)
{
	char	 p[4200];

	unlink(path);
	snprintf(p, sizeof(p), "%s-wal", path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-journal", path);
	unlink(p);
}

static void
backup_copies_every_row(void **state)
{
	struct fixture			*f = *state;
	struct session_refreshed	 r;
	struct stat			 sb;
	char				 dest[512], p[4300];
	unsigned char			 header[2];
	FILE				*fp;
	mode_t				 mask;

	alice_logs_in(f);
	assert_int_equal(refresh(f, SID_1, D_1, D_2, NOW + 1, TTL, &r),
	    STORE_OK);
	start(f, SID_2, f->alice.id, NOW, NOW + TTL, NOW + LIFE, "", NULL);
	event(f, NOW, "login-succeeded", f->alice.id, "", 0);
	snprintf(dest, sizeof(dest), "%s/backup.sqlite", f->dir);
	/* Even a permissive umask gives a private file. */
	mask = umask(0);
	assert_int_equal(store_backup(f->path, dest), 0);
	umask(mask);
	assert_int_equal(stat(dest, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0600);
	assert_true(sound(dest));
	assert_int_equal(count_in(dest, "SELECT count(*) FROM users "
	    "WHERE email = 'alice@example.com'"), 1);
	assert_int_equal(count_in(dest, "SELECT count(*) FROM sessions"), 2);
	assert_int_equal(count_in(dest, "SELECT count(*) FROM sessions "
	    "WHERE refresh_digest = '" D_2 "'"), 1);
	assert_int_equal(count_in(dest, "SELECT retired_at FROM "
	    "retired_refresh_tokens WHERE session_id = '" SID_1 "' "
	    "AND digest = '" D_1 "'"), NOW + 1);
	assert_int_equal(count_in(dest, "SELECT count(*) FROM audit"), 1);
	assert_int_equal(count_in(dest, "PRAGMA user_version"), schema_version);
	/* A file on its own: nothing left beside it. */
	snprintf(p, sizeof(p), "%s-wal", dest);
	assert_false(exists(p));
	snprintf(p, sizeof(p), "%s-shm", dest);
	assert_false(exists(p));
	snprintf(p, sizeof(p), "%s-journal", dest);
	assert_false(exists(p));
	/* Not in WAL mode: the header's read and write versions are 1. */
	assert_non_null(fp = fopen(dest, "rb"));
	assert_int_equal(fseek(fp, 18, SEEK_SET), 0);
	assert_int_equal(fread(header, 1, 2, fp), 2);
	fclose(fp);
	assert_int_equal(header[0], 1);
	assert_int_equal(header[1], 1);
	/* And the store goes on. */
	start(f, SID_3, f->alice.id, NOW, NOW + TTL, NOW + LIFE, "", NULL);
	remove_sqlite(dest);
}

static void
backup_refuses_existing_file(void **state)
{
	struct fixture	*f = *state;
	char		 dest[512], log[4096];
	FILE		*fp, *tmp;
	int		 saved, rc;

	with_alice(f);
	snprintf(dest, sizeof(dest), "%s/backup.sqlite", f->dir);
	assert_non_null(fp = fopen(dest, "w"));
	fputs("precious\n", fp);
	assert_int_equal(fclose(fp), 0);
	saved = start_capture(&tmp);
	rc = store_backup(f->path, dest);
	stop_capture(tmp, saved, log, sizeof(log));
	assert_int_equal(rc, -1);
	assert_non_null(strstr(log, dest));
	/* Untouched. */
	assert_non_null(fp = fopen(dest, "r"));
	assert_non_null(fgets(log, sizeof(log), fp));
	fclose(fp);
	assert_string_equal(log, "precious\n");
	unlink(dest);
	/* Nor over a symlink, even a dangling one. */
	snprintf(log, sizeof(log), "%s/elsewhere", f->dir);
	assert_int_equal(symlink(log, dest), 0);
	assert_int_equal(store_backup(f->path, dest), -1);
	assert_false(exists(log));
	unlink(dest);
	/* Nor over the live database itself. */
	assert_int_equal(store_backup(f->path, f->path), -1);
	assert_int_equal(count(f, "SELECT count(*) FROM users"), 1);
}

static void
backup_of_missing_database_leaves_nothing(void **state)
{
	struct fixture	*f = *state;
	char		 dest[512], log[4096];
	FILE		*fp, *tmp;
	int		 saved, rc;

	snprintf(dest, sizeof(dest), "%s/backup.sqlite", f->dir);
	saved = start_capture(&tmp);
	rc = store_backup(f->path, dest);
	stop_capture(tmp, saved, log, sizeof(log));
	assert_int_equal(rc, -1);
	assert_string_not_equal(log, "");
	assert_false(exists(dest));
	assert_false(exists(f->path));
	/* Not a database: likewise. */
	assert_non_null(fp = fopen(f->path, "w"));
	fputs("this is not an SQLite database, just some text in a file\n", fp);
	assert_int_equal(fclose(fp), 0);
	saved = start_capture(&tmp);
	rc = store_backup(f->path, dest);
	stop_capture(tmp, saved, log, sizeof(log));
	assert_int_equal(rc, -1);
	assert_false(exists(dest));
}

/* A copy that fails its integrity check is no backup: nothing is left. */
static void
backup_of_corrupt_database_fails(void **state)
{
	struct fixture	*f = *state;
	sqlite3		*db;
	char		 dest[512], log[4096];
	FILE		*tmp;
	int		 saved, rc;

	/* An index that no longer matches its table. */
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "CREATE TABLE t (a, b); "
	    "CREATE INDEX t_a ON t (a); INSERT INTO t VALUES (1, 2), (3, 4); "
	    "PRAGMA user_version = 4; PRAGMA writable_schema = ON; "
	    "UPDATE sqlite_schema SET sql = 'CREATE INDEX t_a ON t (b)' "
	    "WHERE name = 't_a'", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	snprintf(dest, sizeof(dest), "%s/backup.sqlite", f->dir);
	saved = start_capture(&tmp);
	rc = store_backup(f->path, dest);
	stop_capture(tmp, saved, log, sizeof(log));
	assert_int_equal(rc, -1);
	assert_non_null(strstr(log, "integrity check"));
	assert_false(exists(dest));
}

/*
 * A backup while another process writes all the time: each write starts
 * a stepwise copy over, and still the backup completes, consistent.
 */
static void
backup_during_writes(void **state)
{
	struct fixture	*f = *state;
	struct store	*st;
	sqlite3		*db;
	char		 dest[512];
	int64_t		 before, id;
	pid_t		 pid;
	int		 status, i;

	with_alice(f);
	/* Some 1000 pages: several steps of 256. */
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "WITH RECURSIVE c(x) AS (SELECT 1 "
	    "UNION ALL SELECT x + 1 FROM c WHERE x < 2000) "
	    "INSERT INTO posts (author_id, title, content, created_at, "
	    "updated_at) SELECT 1, 'bulk', hex(randomblob(1000)), 1, 1 FROM c",
	    NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_true((pid = fork()) != -1);
	if (pid == 0) {
		if ((st = store_new(f->path)) == NULL ||
		    store_ready(st) != STORE_OK)
			_exit(99);
		for (i = 0; i < 100000; i++)
			if (store_post_insert(st, 1, "t", "c", NOW, NULL, &id) !=
			    STORE_OK)
				_exit(98);
		_exit(0);
	}
	/* Let the writer get going. */
	for (i = 0; i < 200 && count(f, "SELECT count(*) FROM posts "
	    "WHERE title = 't'") < 20; i++)
		usleep(10000);
	before = count(f, "SELECT count(*) FROM posts");
	snprintf(dest, sizeof(dest), "%s/backup.sqlite", f->dir);
	assert_int_equal(store_backup(f->path, dest), 0);
	kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	/* It was still writing when the backup finished. */
	assert_true(WIFSIGNALED(status));
	assert_true(sound(dest));
	assert_true(count_in(dest, "SELECT count(*) FROM posts") >= before);
	assert_int_equal(count_in(dest, "SELECT count(*) FROM posts "
	    "WHERE title = 'bulk'"), 2000);
	remove_sqlite(dest);
}

static void
backup_of_postgresql_refused(void **state)
{
	struct fixture	*f = *state;
	char		 dest[512], log[4096];
	const char	*url;
	FILE		*tmp;
	int		 saved, rc;

	/* On PostgreSQL the case's own database; else one nobody serves. */
	url = f->pg ? f->path : "postgresql://nobody@127.0.0.1:1/none";
	snprintf(dest, sizeof(dest), "%s/backup.sqlite", f->dir);
	saved = start_capture(&tmp);
	rc = store_backup(url, dest);
	stop_capture(tmp, saved, log, sizeof(log));
	assert_int_equal(rc, -1);
	assert_string_not_equal(log, "");
	assert_false(exists(dest));
}

/* --- migration 3 to 4 */

static void
migration_keeps_sessions_live(void **state)
{
	struct fixture			*f = *state;
	struct session_refreshed	 r;
	struct user			 u;
	sqlite3				*db;
	char				 sql[64];
	int				 i;

	/* A database as version 3 left it, with a user logged in. */
	assert_true(schema_version >= 4);
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	for (i = 0; i < 3; i++)
		assert_int_equal(sqlite3_exec(db, schema_migrations[i].sql, NULL,
		    NULL, NULL), SQLITE_OK);
	snprintf(sql, sizeof(sql), "PRAGMA user_version = 3");
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "INSERT INTO users (email, name, "
	    "password, created_at) VALUES ('alice@example.com', 'Alice', "
	    "'" HASH_A "', 1700000000); INSERT INTO sessions (id, user_id, "
	    "created_at, expires_at) VALUES ('" SID_1 "', 1, 1700000000, "
	    "1700003600)", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);

	assert_int_equal(store_migrate(f->path), schema_version - 3);
	assert_non_null(f->store = store_new(f->path));
	assert_int_equal(store_ready(f->store), STORE_OK);
	assert_int_equal(store_session_user(f->store, SID_1, 1, NOW + 3599, &u),
	    STORE_OK);
	assert_string_equal(u.email, "alice@example.com");
	assert_false(live(f, SID_1, 1, NOW + 3600));
	assert_int_equal(session(f, SID_1, "ends_at"), NOW + 3600);
	assert_int_equal(session(f, SID_1, "last_used_at"), NOW);
	assert_int_equal(count(f, "SELECT count(*) FROM sessions "
	    "WHERE user_agent = ''"), 1);
	/* No refresh token: nothing to refresh it with. */
	assert_int_equal(count(f, "SELECT count(*) FROM sessions "
	    "WHERE refresh_digest IS NULL"), 1);
	assert_int_equal(retired_count(f, NULL), 0);
	assert_int_equal(refresh(f, SID_1, D_1, D_2, NOW + 1, TTL, &r),
	    STORE_NOTFOUND);
	assert_true(live(f, SID_1, 1, NOW + 1));
	assert_int_equal(store_user_by_email(f->store, "alice@example.com",
	    &u), STORE_OK);
	assert_int_equal(u.locked_at, 0);
	assert_int_equal(u.created_at, NOW);
	/* Sessions from now on have them. */
	start(f, SID_2, 1, NOW + 2, NOW + 2 + TTL, NOW + LIFE, "", D_3);
	assert_int_equal(refresh(f, SID_2, D_3, D_4, NOW + 3, TTL, &r),
	    STORE_OK);
	assert_int_equal(r.outcome, REFRESH_ROTATED);
	assert_int_equal(retired(f, SID_2, D_3), NOW + 3);
}

/* --- migration 4 to 5 */

/* The posts already there get their sizes, and count against the quota. */
static void
migration_sizes_existing_posts(void **state)
{
	struct fixture		*f = *state;
	struct post_quota	 q = { 0, 20, 0 };
	sqlite3			*db;
	int64_t			 id;
	int			 i;

	assert_true(schema_version >= 5);
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	for (i = 0; i < 4; i++)
		assert_int_equal(sqlite3_exec(db, schema_migrations[i].sql, NULL,
		    NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 4; "
	    "INSERT INTO users (email, name, password, created_at) VALUES "
	    "('alice@example.com', 'Alice', '" HASH_A "', 1700000000); "
	    "INSERT INTO posts (author_id, title, content, created_at, "
	    "updated_at) VALUES (1, 'caf\xc3\xa9', 'twelve bytes', 1, 1)",
	    NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);

	assert_int_equal(store_migrate(f->path), schema_version - 4);
	assert_int_equal(count(f, "SELECT size FROM posts"), 17);
	assert_non_null(f->store = store_new(f->path));
	assert_int_equal(store_ready(f->store), STORE_OK);
	/* 17 bytes there, 20 allowed: 4 more are too many, 3 fit. */
	assert_int_equal(store_post_insert(f->store, 1, "t", "123", NOW, &q,
	    &id), STORE_QUOTA);
	assert_int_equal(store_post_insert(f->store, 1, "t", "12", NOW, &q,
	    &id), STORE_OK);
	assert_int_equal(count(f, "SELECT sum(size) FROM posts"), 20);
}

/* --- the copy's SQLite side */

struct copied {
	int	 rows[COPY__MAX];
	int	 columns[COPY__MAX];
	char	 buf[COPY__MAX][16][256];	/* the rows, columns joined by |,
						   a NULL as ~ */
};

static int
copy_row(void *arg, enum copy_table t, const char *const *values, int n)
{
	struct copied	*c = arg;
	char		*p;
	size_t		 left;
	int		 i, w;

	assert_true(c->rows[t] < 16);
	c->columns[t] = n;
	p = c->buf[t][c->rows[t]++];
	left = sizeof(c->buf[0][0]);
	for (i = 0; i < n; i++) {
		w = snprintf(p, left, "%s%s", i > 0 ? "|" : "",
		    values[i] != NULL ? values[i] : "~");
		assert_true(w >= 0 && (size_t)w < left);
		p += w;
		left -= (size_t)w;
	}
	return 0;
}

/* Keep a confirmation token (digest) mailed to email for user_id. */
static void
mail_token(struct fixture *f, int64_t user_id, const char *digest,
    const char *email, int64_t now, int64_t expires_at)
{
	struct email_token	 t = { digest, user_id, STORE_TOKEN_CONFIRM,
	    email, now, expires_at };

	assert_int_equal(store_email_token_insert(f->store, &t), STORE_OK);
}

/* Present digest at now; expect outcome for user_id. */
static void
confirmed(struct fixture *f, const char *digest, int64_t now,
    enum email_outcome want, int64_t user_id)
{
	enum email_outcome	 outcome = -1;
	int64_t			 id = 0;

	assert_int_equal(store_email_token_use(f->store, STORE_TOKEN_CONFIRM,
	    digest, now, NULL, &outcome, &id), STORE_OK);
	assert_int_equal(outcome, want);
	assert_int_equal(id, user_id);
}

/*
 * Issue 14: a confirmation token works once, a new one retires the old,
 * it expires, it is for its address only, and it confirms just once.
 */
static void
email_tokens_confirm_once(void **state)
{
	struct fixture	*f = *state;
	struct user	 bob;
	enum email_outcome outcome;
	int64_t		 at = -1, id;

	ready(f);
	bob = add_user(f, "bob@example.com");
	assert_int_equal(store_user_confirmed(f->store, bob.id, &at), STORE_OK);
	assert_int_equal(at, 0);
	mail_token(f, bob.id, D_1, "bob@example.com", NOW, NOW + 60);
	mail_token(f, bob.id, D_2, "bob@example.com", NOW, NOW + 60);
	/* Retired by the second, and each used at most once. */
	assert_int_equal(store_email_token_use(f->store,
	    STORE_TOKEN_CONFIRM, D_1, NOW + 1, NULL, &outcome, &id), STORE_NOTFOUND);
	mail_token(f, bob.id, D_3, "bob@example.com", NOW, NOW + 60);
	assert_int_equal(store_email_token_use(f->store,
	    STORE_TOKEN_CONFIRM, D_2, NOW + 1, NULL, &outcome, &id), STORE_NOTFOUND);
	confirmed(f, D_3, NOW + 60, EMAIL_EXPIRED, bob.id);
	assert_int_equal(store_email_token_use(f->store,
	    STORE_TOKEN_CONFIRM, D_3, NOW + 1, NULL, &outcome, &id), STORE_NOTFOUND);
	mail_token(f, bob.id, D_4, "old@example.com", NOW, NOW + 60);
	confirmed(f, D_4, NOW + 1, EMAIL_STALE, bob.id);
	mail_token(f, bob.id, D_1, "bob@example.com", NOW, NOW + 60);
	confirmed(f, D_1, NOW + 5, EMAIL_CONFIRMED, bob.id);
	assert_int_equal(store_user_confirmed(f->store, bob.id, &at), STORE_OK);
	assert_int_equal(at, NOW + 5);
	mail_token(f, bob.id, D_2, "bob@example.com", NOW, NOW + 60);
	confirmed(f, D_2, NOW + 6, EMAIL_ALREADY, bob.id);
	assert_int_equal(store_user_confirmed(f->store, bob.id + 1000, &at),
	    STORE_NOTFOUND);
	/* A token for a user that is gone is refused, and nothing kept. */
	{
		struct email_token t = { D_3, bob.id + 1000, STORE_TOKEN_CONFIRM,
		    "x@example.com", NOW, NOW + 60 };

		assert_int_equal(store_email_token_insert(f->store, &t),
		    STORE_NOTFOUND);
	}
}

/*
 * A reset token sets the password, ends every session and confirms the
 * address, once; a locked account's does nothing; a confirmation token
 * is no reset token.
 */
static void
email_token_resets_password(void **state)
{
	struct fixture		*f = *state;
	struct email_token	 t = { D_1, 0, STORE_TOKEN_RESET,
	    "alice@example.com", NOW, NOW + 60 };
	struct user		 u;
	enum email_outcome	 outcome = -1;
	int64_t			 id = 0, at = -1;

	alice_logs_in(f);
	t.user_id = f->alice.id;
	assert_int_equal(store_email_token_insert(f->store, &t), STORE_OK);
	mail_token(f, f->alice.id, D_2, "alice@example.com", NOW, NOW + 60);
	/* Each purpose its own: the confirmation did not retire the reset. */
	assert_int_equal(store_email_token_use(f->store, STORE_TOKEN_RESET,
	    D_2, NOW + 1, HASH_B, &outcome, &id), STORE_NOTFOUND);
	assert_int_equal(store_email_token_use(f->store, STORE_TOKEN_RESET,
	    D_1, NOW + 1, HASH_B, &outcome, &id), STORE_OK);
	assert_int_equal(outcome, EMAIL_CONFIRMED);
	assert_int_equal(id, f->alice.id);
	assert_int_equal(session(f, SID_1, "count(*)"), 0);
	assert_int_equal(store_user_by_email(f->store, "alice@example.com", &u),
	    STORE_OK);
	assert_string_equal(u.password, HASH_B);
	assert_int_equal(store_user_confirmed(f->store, f->alice.id, &at),
	    STORE_OK);
	assert_int_equal(at, NOW + 1);
	assert_int_equal(store_email_token_use(f->store, STORE_TOKEN_RESET,
	    D_1, NOW + 2, HASH_A, &outcome, &id), STORE_NOTFOUND);
	/* Locked: the token is used up, and nothing else changes. */
	t.digest = D_3;
	assert_int_equal(store_email_token_insert(f->store, &t), STORE_OK);
	assert_int_equal(store_user_lock(f->store, "alice@example.com", 1,
	    NOW + 3, &u), STORE_OK);
	assert_int_equal(store_email_token_use(f->store, STORE_TOKEN_RESET,
	    D_3, NOW + 4, HASH_A, &outcome, &id), STORE_OK);
	assert_int_equal(outcome, EMAIL_LOCKED);
	assert_int_equal(store_user_by_email(f->store, "alice@example.com", &u),
	    STORE_OK);
	assert_string_equal(u.password, HASH_B);
}

/*
 * A change token makes its address the user's, confirmed; one for an
 * address taken since changes nothing and stays (rolled back).
 */
static void
email_token_changes_address(void **state)
{
	struct fixture		*f = *state;
	struct email_token	 t = { D_1, 0, STORE_TOKEN_CHANGE,
	    "alice2@example.com", NOW, NOW + 60 };
	struct user		 u;
	enum email_outcome	 outcome = -1;
	int64_t			 id = 0, at = -1;

	with_alice(f);
	t.user_id = f->alice.id;
	assert_int_equal(store_email_token_insert(f->store, &t), STORE_OK);
	add_user(f, "ALICE2@example.com");
	assert_int_equal(store_email_token_use(f->store, STORE_TOKEN_CHANGE,
	    D_1, NOW + 1, NULL, &outcome, &id), STORE_OK);
	assert_int_equal(outcome, EMAIL_TAKEN);
	assert_int_equal(store_user_delete(f->store, "alice2@example.com"),
	    STORE_OK);
	assert_int_equal(store_email_token_use(f->store, STORE_TOKEN_CHANGE,
	    D_1, NOW + 2, NULL, &outcome, &id), STORE_OK);
	assert_int_equal(outcome, EMAIL_CONFIRMED);
	assert_int_equal(store_user_by_email(f->store, "alice2@example.com", &u),
	    STORE_OK);
	assert_int_equal(u.id, f->alice.id);
	assert_int_equal(store_user_confirmed(f->store, f->alice.id, &at),
	    STORE_OK);
	assert_int_equal(at, NOW + 2);
	assert_int_equal(store_email_token_use(f->store, STORE_TOKEN_CHANGE,
	    D_1, NOW + 3, NULL, &outcome, &id), STORE_NOTFOUND);
}

/* Is row want among the rows of table t? */
static int
copied_has(const struct copied *c, enum copy_table t, const char *want)
{
	int	 i;

	for (i = 0; i < c->rows[t]; i++)
		if (strcmp(c->buf[t][i], want) == 0)
			return 1;
	return 0;
}

static void
copy_out_gives_new_columns(void **state)
{
	struct fixture			*f = *state;
	struct session_refreshed	 r;
	struct copied			*c;
	struct user			 u;
	char				 want[256];
	int				 i;

	alice_logs_in(f);
	add_user(f, "bob@example.com");
	assert_int_equal(store_user_lock(f->store, "bob@example.com", 1,
	    NOW + 1, &u), STORE_OK);
	mail_token(f, u.id, D_4, "bob@example.com", NOW, NOW + 60);
	confirmed(f, D_4, NOW + 2, EMAIL_CONFIRMED, u.id);
	assert_int_equal(refresh(f, SID_1, D_1, D_2, NOW + 10, TTL, &r),
	    STORE_OK);
	/* Live, without a refresh token. */
	start(f, SID_2, f->alice.id, NOW, NOW + TTL, NOW + LIFE, "", NULL);
	/*
	 * Dead from idleness at the copy's now (NOW + 100), not yet ended:
	 * its row is still there, and left out with its retired token.
	 */
	start(f, SID_3, f->alice.id, NOW, NOW + 50, NOW + LIFE, "", D_3);
	assert_int_equal(refresh(f, SID_3, D_3, D_4, NOW + 5, 45, &r),
	    STORE_OK);
	assert_int_equal(r.expires_at, NOW + 50);
	event(f, NOW, "login-failed", 0, "unknown e-mail", 0);
	event(f, NOW + 1, "user-locked", u.id, "by the operator", 0);

	assert_non_null(c = calloc(1, sizeof(*c)));
	assert_int_equal(litestore_copy_out(f->path, NOW + 100, copy_row, c),
	    0);
	assert_int_equal(session(f, SID_3, "count(*)"), 1);
	assert_int_equal(c->rows[COPY_USERS], 2);
	/* 2FA off: no secret, never on, no step used (issue 15). */
	assert_int_equal(c->columns[COPY_USERS], 10);
	snprintf(want, sizeof(want), "%lld|alice@example.com|Alice|" HASH_A
	    "|%lld|~|~|~|~|0", (long long)f->alice.id, (long long)NOW);
	assert_true(copied_has(c, COPY_USERS, want));
	snprintf(want, sizeof(want), "%lld|bob@example.com|Someone|" HASH_A
	    "|%lld|%lld|%lld|~|~|0", (long long)u.id, (long long)NOW,
	    (long long)(NOW + 1), (long long)(NOW + 2));
	assert_true(copied_has(c, COPY_USERS, want));

	/* With the current refresh token's digest, or NULL. */
	assert_int_equal(c->rows[COPY_SESSIONS], 2);
	assert_int_equal(c->columns[COPY_SESSIONS], 9);
	snprintf(want, sizeof(want), SID_1 "|%lld|%lld|%lld|%lld|%lld|curl/8.0|"
	    D_2 "|0", (long long)f->alice.id, (long long)NOW,
	    (long long)(NOW + 10 + TTL), (long long)(NOW + LIFE),
	    (long long)(NOW + 10));
	assert_true(copied_has(c, COPY_SESSIONS, want));
	snprintf(want, sizeof(want), SID_2 "|%lld|%lld|%lld|%lld|%lld||~|0",
	    (long long)f->alice.id, (long long)NOW, (long long)(NOW + TTL),
	    (long long)(NOW + LIFE), (long long)NOW);
	assert_true(copied_has(c, COPY_SESSIONS, want));

	/* The retired token too (reuse detection), of live sessions only. */
	assert_int_equal(c->rows[COPY_RETIRED], 1);
	assert_int_equal(c->columns[COPY_RETIRED], 3);
	snprintf(want, sizeof(want), SID_1 "|" D_1 "|%lld",
	    (long long)(NOW + 10));
	assert_true(copied_has(c, COPY_RETIRED, want));

	assert_int_equal(c->rows[COPY_AUDIT], 2);
	assert_int_equal(c->columns[COPY_AUDIT], 6);
	snprintf(want, sizeof(want), "1|%lld|login-failed|~|admin|"
	    "unknown e-mail", (long long)NOW);
	assert_true(copied_has(c, COPY_AUDIT, want));
	snprintf(want, sizeof(want), "2|%lld|user-locked|%lld|192.0.2.1|"
	    "by the operator", (long long)(NOW + 1), (long long)u.id);
	assert_true(copied_has(c, COPY_AUDIT, want));

	/*
	 * The audit table has no AUTOINCREMENT (so no sqlite_sequence row):
	 * its ids reach PostgreSQL's sequence through the rows themselves.
	 */
	snprintf(want, sizeof(want), "users|%lld", (long long)u.id);
	assert_true(copied_has(c, COPY_SEQUENCE, want));
	for (i = 0; i < c->rows[COPY_SEQUENCE]; i++)
		assert_true(strncmp(c->buf[COPY_SEQUENCE][i], "audit|",
		    6) != 0);

	/*
	 * Later: D_1 has long passed what was its own lifetime, but a
	 * retired token lives as long as its session, and is still copied.
	 */
	memset(c, 0, sizeof(*c));
	assert_int_equal(litestore_copy_out(f->path, NOW + TTL + 5, copy_row,
	    c), 0);
	assert_int_equal(c->rows[COPY_SESSIONS], 1);
	assert_int_equal(c->rows[COPY_RETIRED], 1);
	snprintf(want, sizeof(want), SID_1 "|" D_1 "|%lld",
	    (long long)(NOW + 10));
	assert_true(copied_has(c, COPY_RETIRED, want));
	/* Once the session has expired, neither it nor its tokens. */
	memset(c, 0, sizeof(*c));
	assert_int_equal(litestore_copy_out(f->path, NOW + 10 + TTL, copy_row,
	    c), 0);
	assert_int_equal(c->rows[COPY_SESSIONS], 0);
	assert_int_equal(c->rows[COPY_RETIRED], 0);
	assert_int_equal(c->rows[COPY_USERS], 2);
	free(c);
}

int
main(void)
{
	const struct CMUnitTest lite[] = {
		T(insert_without_refresh_token),
		T(insert_with_refresh_token),
		T(insert_session_id_taken_is_error),
		T(insert_same_digest_in_two_sessions),
		T(insert_prunes_ended_sessions_only),
		T(insert_prune_takes_retired_tokens_with_sessions),
		T(insert_cap_ends_least_recently_used),
		T(insert_cap_ties_and_never_the_new_one),
		T(insert_cap_lowered_and_none),
		T(insert_cap_undone_with_failed_insert),
		T(insert_cap_parallel_holds),
		T(refresh_rotates),
		T(refresh_never_past_ends_at),
		T(refresh_within_grace_writes_nothing),
		T(refresh_reuse_ends_session),
		T(refresh_unknown_session),
		T(refresh_forged_digest_keeps_session),
		T(refresh_of_session_without_token),
		T(refresh_retired_token_lives_with_session),
		T(refresh_expired_session),
		T(refresh_ended_session),
		T(refresh_locked_user),
		T(refresh_of_session_added_after_lock),
		T(refresh_of_deleted_user),
		T(refresh_records_audit_with_rotation),
		T(refresh_audit_failure_keeps_rotation),
		T(refresh_parallel_rotates_once),
		T(session_list_newest_first_live_only),
		T(session_list_same_time_by_id),
		T(session_list_newest_up_to_limit),
		T(session_list_callback_failure_is_error),
		T(session_delete_by_id),
		T(session_delete_user_keeps_one),
		T(session_delete_user_all_keeping_one),
		T(change_password_keeps_this_session),
		T(change_password_of_missing_user),
		T(user_by_email_gives_times),
		T(user_lock_ends_sessions_and_unlock),
		T(user_lock_unknown),
		T(user_list_with_session_counts),
		T(user_list_empty),
		T(user_cost_max_of_stored_hashes),
		T(email_tokens_confirm_once),
		T(email_token_resets_password),
		T(email_token_changes_address),
		T(throttle_list_by_key),
		T(audit_list_all_oldest_first),
		T(audit_list_filters),
		T(audit_list_callback_failure_is_error),
		T(audit_insert_prunes_a_batch),
		T(refresh_audit_prunes_old_events),
		T(backup_copies_every_row),
		T(backup_refuses_existing_file),
		T(backup_of_missing_database_leaves_nothing),
		T(backup_of_corrupt_database_fails),
		T(backup_during_writes),
		T(backup_of_postgresql_refused),
		T(migration_keeps_sessions_live),
		T(migration_sizes_existing_posts),
		T(copy_out_gives_new_columns),
	};
#ifdef HAVE_POSTGRESQL
	const struct CMUnitTest pg[] = {
		P(insert_without_refresh_token),
		P(insert_with_refresh_token),
		P(insert_session_id_taken_is_error),
		P(insert_same_digest_in_two_sessions),
		P(insert_prunes_ended_sessions_only),
		P(insert_prune_takes_retired_tokens_with_sessions),
		P(insert_cap_ends_least_recently_used),
		P(insert_cap_ties_and_never_the_new_one),
		P(insert_cap_lowered_and_none),
		P(insert_cap_undone_with_failed_insert),
		P(insert_cap_parallel_holds),
		P(refresh_rotates),
		P(refresh_never_past_ends_at),
		P(refresh_within_grace_writes_nothing),
		P(refresh_reuse_ends_session),
		P(refresh_unknown_session),
		P(refresh_forged_digest_keeps_session),
		P(refresh_of_session_without_token),
		P(refresh_retired_token_lives_with_session),
		P(refresh_expired_session),
		P(refresh_ended_session),
		P(refresh_locked_user),
		P(refresh_of_session_added_after_lock),
		P(refresh_of_deleted_user),
		P(refresh_records_audit_with_rotation),
		P(refresh_audit_failure_keeps_rotation),
		P(refresh_parallel_rotates_once),
		P(session_list_newest_first_live_only),
		P(session_list_same_time_by_id),
		P(session_list_newest_up_to_limit),
		P(session_list_callback_failure_is_error),
		P(session_delete_by_id),
		P(session_delete_user_keeps_one),
		P(session_delete_user_all_keeping_one),
		P(change_password_keeps_this_session),
		P(change_password_of_missing_user),
		P(user_by_email_gives_times),
		P(user_lock_ends_sessions_and_unlock),
		P(user_lock_unknown),
		P(user_list_with_session_counts),
		P(user_list_empty),
		P(user_cost_max_of_stored_hashes),
		P(email_tokens_confirm_once),
		P(email_token_resets_password),
		P(email_token_changes_address),
		P(throttle_list_by_key),
		P(audit_list_all_oldest_first),
		P(audit_list_filters),
		P(audit_list_callback_failure_is_error),
		P(audit_insert_prunes_a_batch),
		P(refresh_audit_prunes_old_events),
		P(backup_of_postgresql_refused),
	};
#endif

	log_init("test-store-sessions");
#ifdef HAVE_POSTGRESQL
	return fixture_run("store-sessions", lite, NITEMS(lite), pg,
	    NITEMS(pg));
#else
	return fixture_run("store-sessions", lite, NITEMS(lite), NULL, 0);
#endif
}

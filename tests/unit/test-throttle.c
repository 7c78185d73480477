/*
 * Unit tests for common/throttle.c and the store_throttle_* functions of
 * common/store.c: the pure counting rule (limits, doubling blocks, caps,
 * forgetting), the counters in a real SQLite file (one row per key, pruning,
 * no lost counts between two connections), and the request-level checks
 * that answer 429 with Retry-After.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/types.h>
#include <sys/wait.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>
#include <sqlite3.h>

#include "app.h"
#include "http.h"
#include "log.h"
#include "schema.h"
#include "store.h"
#include "throttle.h"
#include "throttle-key.h"

#define NOW	INT64_C(1700000000)

/*
 * Copies of the policy table at the top of common/throttle.c (documented in
 * throttle.h), for the pure tests of throttle_count().
 */
static const struct throttle_policy pair_policy = { 60, 15 * 60, 0, 0 };
static const struct throttle_policy account_policy = { 15 * 60, 15 * 60, 1, 0 };
static const struct throttle_policy address_policy = { 60, 60 * 60, 0, 0 };
static const struct throttle_policy register_policy = { 15 * 60, 60 * 60, 0, 0 };
static const struct throttle_policy posts_policy = { 0, 0, 0, 60 };

/* --- throttle_count(): pure */

static void
count_up_to_limit_without_block(void **state)
{
	struct throttle_row	 row = { 0 };
	int			 i;

	(void)state;
	for (i = 1; i < 5; i++) {
		throttle_count(&pair_policy, 5, &row, NOW + i);
		assert_int_equal(row.count, i);
		assert_int_equal(row.level, 0);
		assert_int_equal(row.blocked_until, 0);
		assert_int_equal(row.last_at, NOW + i);
	}
}

static void
count_blocks_at_exactly_limit(void **state)
{
	struct throttle_row	 row = { 0 };
	int			 i;

	(void)state;
	for (i = 0; i < 4; i++)
		throttle_count(&pair_policy, 5, &row, NOW);
	assert_int_equal(row.blocked_until, 0);
	throttle_count(&pair_policy, 5, &row, NOW);
	assert_int_equal(row.count, 5);
	assert_int_equal(row.level, 1);
	assert_int_equal(row.blocked_until, NOW + 60);
	assert_int_equal(row.last_at, NOW);
}

/*
 * issue 18: a clock set back (or another node's running ahead) never
 * makes a block last longer than its rule sets, nor for good: a block
 * ending past that from now is over, and the next failure blocks again.
 */
static void
count_clock_set_back_ends_blocks_too_long(void **state)
{
	struct throttle_row	 row = { 0 };
	int			 i;

	(void)state;
	/* Blocked for 60 s by a clock a day ahead. */
	for (i = 0; i < 5; i++)
		throttle_count(&pair_policy, 5, &row, NOW + 86400);
	assert_int_equal(row.blocked_until, NOW + 86400 + 60);
	/* Seen at the right time: let through once, as after any block. */
	assert_int_equal(throttle_admit(&pair_policy, 5, &row, NOW), 0);
	assert_int_equal(row.pending, 1);
	assert_int_equal(row.last_at, NOW);
	/* Its failure blocks again, for the next level's 120 s from now. */
	row.pending = 0;
	assert_int_equal(throttle_count(&pair_policy, 5, &row, NOW), 120);
	assert_int_equal(row.blocked_until, NOW + 120);
	/* A block within its length stands, an hour back or not. */
	assert_int_equal(throttle_admit(&pair_policy, 5, &row, NOW + 1), 119);
	/* A rate's block: to its window's end at most. */
	memset(&row, 0, sizeof(row));
	for (i = 0; i < 30; i++)
		throttle_count(&posts_policy, 30, &row, NOW + 3600);
	assert_true(row.blocked_until > NOW + 3600);
	assert_int_equal(throttle_admit(&posts_policy, 30, &row, NOW), 0);
}

/* issue 20: the block an event begins is reported once, for the log. */
static void
count_returns_the_block_it_begins(void **state)
{
	struct throttle_row	 row = { 0 };
	int			 i;

	(void)state;
	for (i = 0; i < 4; i++)
		assert_int_equal(throttle_count(&pair_policy, 5, &row, NOW), 0);
	assert_int_equal(throttle_count(&pair_policy, 5, &row, NOW), 60);
	/* Counted while it lasts (no refusal came first): no new block. */
	assert_int_equal(throttle_count(&pair_policy, 5, &row, NOW + 1), 0);
	/* After it, the next failure begins one, twice as long... */
	assert_int_equal(throttle_count(&pair_policy, 5, &row,
	    row.blocked_until), 240);
	/* ...and an account's at its limit again. */
	memset(&row, 0, sizeof(row));
	for (i = 0; i < 9; i++)
		assert_int_equal(throttle_count(&account_policy, 10, &row, NOW),
		    0);
	assert_int_equal(throttle_count(&account_policy, 10, &row, NOW), 900);
}

static void
count_limit_of_one_blocks_at_once(void **state)
{
	struct throttle_row	 row = { 0 };

	(void)state;
	throttle_count(&address_policy, 1, &row, NOW);
	assert_int_equal(row.count, 1);
	assert_int_equal(row.level, 1);
	assert_int_equal(row.blocked_until, NOW + 60);
}

/* Each event past the limit blocks again, twice as long, up to the policy's max. */
static void
count_pair_blocks_double_up_to_15_minutes(void **state)
{
	static const int64_t	 blocks[] = { 60, 120, 240, 480, 900, 900, 900 };
	struct throttle_row	 row = { 0 };
	int64_t			 t = NOW;
	size_t			 i;

	(void)state;
	for (i = 0; i < 4; i++)
		throttle_count(&pair_policy, 5, &row, t);
	for (i = 0; i < sizeof(blocks) / sizeof(blocks[0]); i++) {
		/* The next failure comes when the last block has ended. */
		t = row.blocked_until > t ? row.blocked_until : t;
		throttle_count(&pair_policy, 5, &row, t);
		assert_int_equal(row.blocked_until - t, blocks[i]);
		assert_int_equal(row.level, (int64_t)i + 1);
		assert_int_equal(row.count, 5 + (int64_t)i);
		assert_int_equal(row.last_at, t);
	}
}

static void
count_address_blocks_double_up_to_an_hour(void **state)
{
	static const int64_t	 blocks[] = { 60, 120, 240, 480, 960, 1920,
	    3600, 3600 };
	struct throttle_row	 row = { 0 };
	int64_t			 t = NOW;
	size_t			 i;

	(void)state;
	for (i = 0; i < 29; i++)
		throttle_count(&address_policy, 30, &row, t);
	assert_int_equal(row.blocked_until, 0);
	for (i = 0; i < sizeof(blocks) / sizeof(blocks[0]); i++) {
		t = row.blocked_until > t ? row.blocked_until : t;
		throttle_count(&address_policy, 30, &row, t);
		assert_int_equal(row.blocked_until - t, blocks[i]);
	}
}

static void
count_register_blocks_double_up_to_an_hour(void **state)
{
	static const int64_t	 blocks[] = { 900, 1800, 3600, 3600 };
	struct throttle_row	 row = { 0 };
	int64_t			 t = NOW;
	size_t			 i;

	(void)state;
	for (i = 0; i < 9; i++)
		throttle_count(&register_policy, 10, &row, t);
	assert_int_equal(row.blocked_until, 0);
	for (i = 0; i < sizeof(blocks) / sizeof(blocks[0]); i++) {
		t = row.blocked_until > t ? row.blocked_until : t;
		throttle_count(&register_policy, 10, &row, t);
		assert_int_equal(row.blocked_until - t, blocks[i]);
	}
}

/* A huge level neither overflows the shift nor escapes the cap. */
static void
count_huge_level_is_capped(void **state)
{
	static const int64_t	 levels[] = { 20, 21, 62, 63, 64, 1000,
	    INT64_C(1) << 40, INT32_MAX };
	static const struct throttle_policy	 unbounded = { 1, INT64_MAX, 0, 0 };
	struct throttle_row	 row;
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof(levels) / sizeof(levels[0]); i++) {
		memset(&row, 0, sizeof(row));
		row.count = 4;
		row.level = levels[i];
		row.last_at = NOW;
		throttle_count(&pair_policy, 5, &row, NOW);
		assert_int_equal(row.blocked_until, NOW + 900);
		assert_int_equal(row.level, levels[i] + 1);

		memset(&row, 0, sizeof(row));
		row.count = 29;
		row.level = levels[i];
		row.last_at = NOW;
		throttle_count(&address_policy, 30, &row, NOW);
		assert_int_equal(row.blocked_until, NOW + 3600);

		/* Even without a useful max, the block stays positive and finite. */
		memset(&row, 0, sizeof(row));
		row.level = levels[i];
		row.last_at = NOW;
		throttle_count(&unbounded, 1, &row, NOW);
		assert_true(row.blocked_until > NOW);
		assert_true(row.blocked_until - NOW <= INT64_C(1) << 32);
	}
}

/* The account rule counts again from 0 after a block: 10 more are needed. */
static void
count_account_resets_after_block(void **state)
{
	struct throttle_row	 row = { 0 };
	int64_t			 t = NOW;
	int			 i;

	(void)state;
	for (i = 0; i < 9; i++)
		throttle_count(&account_policy, 10, &row, t);
	assert_int_equal(row.count, 9);
	assert_int_equal(row.blocked_until, 0);
	throttle_count(&account_policy, 10, &row, t);
	assert_int_equal(row.count, 0);
	assert_int_equal(row.level, 1);
	assert_int_equal(row.blocked_until, NOW + 900);
	assert_int_equal(row.last_at, NOW);

	/* After the block, nine more failures do not block again ... */
	t = row.blocked_until;
	for (i = 0; i < 9; i++) {
		throttle_count(&account_policy, 10, &row, t + i);
		assert_int_equal(row.count, i + 1);
		assert_int_equal(row.blocked_until, NOW + 900);
	}
	/* ... the tenth does, again for 15 minutes (base == max). */
	throttle_count(&account_policy, 10, &row, t + 9);
	assert_int_equal(row.count, 0);
	assert_int_equal(row.level, 2);
	assert_int_equal(row.blocked_until, t + 9 + 900);
}

/* The pair rule does not reset: one more failure after a block blocks again. */
static void
count_pair_does_not_reset(void **state)
{
	struct throttle_row	 row = { 0 };
	int			 i;

	(void)state;
	for (i = 0; i < 5; i++)
		throttle_count(&pair_policy, 5, &row, NOW);
	assert_int_equal(row.count, 5);
	throttle_count(&pair_policy, 5, &row, NOW + 60);
	assert_int_equal(row.count, 6);
	assert_int_equal(row.blocked_until, NOW + 60 + 120);
}

static void
count_forgets_after_an_hour_of_quiet(void **state)
{
	struct throttle_row	 row;

	(void)state;
	row.count = 4;
	row.level = 3;
	row.last_at = NOW - THROTTLE_FORGET - 1;
	row.blocked_until = NOW - THROTTLE_FORGET - 1;
	throttle_count(&pair_policy, 5, &row, NOW);
	assert_int_equal(row.count, 1);
	assert_int_equal(row.level, 0);
	assert_int_equal(row.blocked_until, 0);
	assert_int_equal(row.last_at, NOW);
}

static void
count_remembers_exactly_an_hour(void **state)
{
	struct throttle_row	 row;

	(void)state;
	row.count = 4;
	row.level = 1;
	row.last_at = NOW - THROTTLE_FORGET;
	row.blocked_until = NOW - THROTTLE_FORGET + 60;
	throttle_count(&pair_policy, 5, &row, NOW);
	/* Still counting: the fifth failure blocks, at level 1: 120 s. */
	assert_int_equal(row.count, 5);
	assert_int_equal(row.level, 2);
	assert_int_equal(row.blocked_until, NOW + 120);
}

static void
count_does_not_forget_while_blocked(void **state)
{
	struct throttle_row	 row;

	(void)state;
	row.count = 7;
	row.level = 2;
	row.last_at = NOW - 2 * THROTTLE_FORGET;
	row.blocked_until = NOW + 10;
	throttle_count(&pair_policy, 5, &row, NOW);
	assert_int_equal(row.count, 8);
	assert_int_equal(row.level, 3);
	assert_int_equal(row.blocked_until, NOW + 240);
	assert_int_equal(row.last_at, NOW);
}

/* A block that ends exactly now no longer holds the counter. */
static void
count_forgets_when_block_ends_now(void **state)
{
	struct throttle_row	 row;

	(void)state;
	row.count = 7;
	row.level = 2;
	row.last_at = NOW - 2 * THROTTLE_FORGET;
	row.blocked_until = NOW;
	throttle_count(&pair_policy, 5, &row, NOW);
	assert_int_equal(row.count, 1);
	assert_int_equal(row.level, 0);
	assert_int_equal(row.blocked_until, 0);
}

static void
count_updates_last_at_even_when_blocked(void **state)
{
	struct throttle_row	 row = { 0 };
	int			 i;

	(void)state;
	for (i = 0; i < 5; i++)
		throttle_count(&pair_policy, 5, &row, NOW);
	throttle_count(&pair_policy, 5, &row, NOW + 7);
	assert_int_equal(row.last_at, NOW + 7);
}

/* --- throttle_admit(): pure */

static void
admit_counts_pending_up_to_the_limit(void **state)
{
	struct throttle_row	 row = { 0 };
	int			 i;

	(void)state;
	for (i = 1; i <= 5; i++) {
		assert_int_equal(throttle_admit(&pair_policy, 5, &row, NOW), 0);
		assert_int_equal(row.pending, i);
		assert_int_equal(row.last_at, NOW);
	}
	assert_int_equal(throttle_admit(&pair_policy, 5, &row, NOW), 1);
	assert_int_equal(row.pending, 5);
}

static void
admit_refuses_while_blocked(void **state)
{
	struct throttle_row	 row = { 5, 1, NOW, NOW + 60, 0 };

	(void)state;
	assert_int_equal(throttle_admit(&pair_policy, 5, &row, NOW + 10), 50);
	assert_int_equal(row.pending, 0);
	/* Block over: one at a time past the limit. */
	assert_int_equal(throttle_admit(&pair_policy, 5, &row, NOW + 60), 0);
	assert_int_equal(throttle_admit(&pair_policy, 5, &row, NOW + 60), 1);
}

static void
admit_drops_pending_of_dead_processes(void **state)
{
	struct throttle_row	 row = { 2, 0, NOW, 0, 3 };

	(void)state;
	assert_int_equal(throttle_admit(&pair_policy, 5, &row, NOW + 1), 1);
	assert_int_equal(throttle_admit(&pair_policy, 5, &row,
	    NOW + THROTTLE_PENDING_MAX + 1), 0);
	assert_int_equal(row.pending, 1);
	assert_int_equal(row.count, 2);
}

/* --- a store in a fresh directory */

struct fixture {
	char			 dir[256];
	char			 path[320];
	struct app		 app;
	struct http_req		*req;
	struct http_reply	 rep;
	char			*env[8];
	char			 method[32];
	char			 uri[64];
	char			 addr[96];
	struct http_io		 io;
};

static int
setup(void **state)
{
	struct fixture	*f;
	const char	*tmp = getenv("TMPDIR");

	if ((f = calloc(1, sizeof(*f))) == NULL)
		return -1;
	if ((f->req = calloc(1, sizeof(*f->req))) == NULL) {
		free(f);
		return -1;
	}
	snprintf(f->dir, sizeof(f->dir), "%s/test-throttle.XXXXXX",
	    tmp != NULL && *tmp != '\0' && strlen(tmp) < 200 ? tmp : "/tmp");
	if (mkdtemp(f->dir) == NULL) {
		free(f->req);
		free(f);
		return -1;
	}
	snprintf(f->path, sizeof(f->path), "%s/auth.sqlite", f->dir);
	f->app.name = "test-throttle";
	/* The defaults of config.c. */
	f->app.cfg.throttle.per_pair = 5;
	f->app.cfg.throttle.per_account = 10;
	f->app.cfg.throttle.per_address = 30;
	f->app.cfg.throttle.register_per_address = 10;
	f->app.cfg.throttle.network_factor = 4;
	http_req_clear(f->req);
	http_reply_init(&f->rep);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture	*f = *state;
	char		 p[400];

	http_req_clear(f->req);
	http_reply_clear(&f->rep);
	store_free(f->app.store);
	unlink(f->path);
	snprintf(p, sizeof(p), "%s-wal", f->path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", f->path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-journal", f->path);
	unlink(p);
	rmdir(f->dir);
	free(f->req);
	free(f);
	return 0;
}

/* Migrate, then open a store that is ready to use. */
static void
ready(struct fixture *f)
{
	assert_int_equal(store_migrate(f->path), schema_version);
	assert_non_null(f->app.store = store_new(f->path));
	assert_int_equal(store_ready(f->app.store), STORE_OK);
}

/* Run a query returning one integer on a connection of our own. */
static int64_t
sql_int(const char *path, const char *sql)
{
	sqlite3		*db;
	sqlite3_stmt	*st;
	int64_t		 n = -1;

	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY,
	    NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return n;
}

static void
assert_row(const struct throttle_row *row, int64_t count, int64_t level,
    int64_t last_at, int64_t blocked_until)
{
	assert_int_equal(row->count, count);
	assert_int_equal(row->level, level);
	assert_int_equal(row->last_at, last_at);
	assert_int_equal(row->blocked_until, blocked_until);
}

/* --- throttle-key.c: the words of a key */

static void
key_digest_is_sha256_of_the_lower_cased_email(void **state)
{
	char	 d[THROTTLE_DIGEST_LEN + 1], e[THROTTLE_DIGEST_LEN + 1];
	char	 upper[1001], lower[1001];
	size_t	 i;

	(void)state;
	assert_int_equal(throttle_key_digest("Alice@Example.COM", d), 0);
	assert_string_equal(d, "ff8d9819fc0e12bf0d24892e45987e249a28dce836a85"
	    "cad60e28eaaa8c6d976");
	assert_int_equal(throttle_key_digest("", d), 0);
	assert_string_equal(d, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b9"
	    "34ca495991b7852b855");
	/* Only ASCII letters change case: "\xc3\x89" (E acute) stays. */
	assert_int_equal(throttle_key_digest("\xc3\x89@x.org", d), 0);
	assert_int_equal(throttle_key_digest("\xc3\xa9@x.org", e), 0);
	assert_string_not_equal(d, e);
	/* Past the piece it lower-cases at a time, and of any length. */
	for (i = 0; i < 1000; i++) {
		upper[i] = (char)('A' + i % 26);
		lower[i] = (char)('a' + i % 26);
	}
	upper[1000] = lower[1000] = '\0';
	assert_int_equal(throttle_key_digest(upper, d), 0);
	assert_int_equal(throttle_key_digest(lower, e), 0);
	assert_string_equal(d, e);
	assert_int_equal(strlen(d), THROTTLE_DIGEST_LEN);
}

/* Expect client to be counted as want, and its site as want_net. */
static void
assert_client(const char *client, const char *want, const char *want_net)
{
	char	 addr[THROTTLE_ADDR_MAX], net[THROTTLE_ADDR_MAX];

	throttle_key_client(client, addr, net);
	assert_string_equal(addr, want);
	assert_string_equal(net, want_net);
}

static void
key_client_counts_ipv6_by_its_64_and_48(void **state)
{
	(void)state;
	assert_client("192.0.2.1", "192.0.2.1", "");
	assert_client("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64",
	    "2001:db8:1::/48");
	assert_client("2001:db8:1:2::", "2001:db8:1:2::/64", "2001:db8:1::/48");
	assert_client("2001:db8:1:ff00::1", "2001:db8:1:ff00::/64",
	    "2001:db8:1::/48");
	assert_client("::1", "::/64", "::/48");
	/* issue 20: a mapped IPv4 address is that IPv4 address. */
	assert_client("::ffff:192.0.2.1", "192.0.2.1", "");
	assert_client("::FFFF:c000:0201", "192.0.2.1", "");
	/* Not an address: as it is. */
	assert_client("unix:/run/x.sock", "unix:/run/x.sock", "");
}

/* --- issue 20: a rate, counted per window of the clock (post writes) */

/* NOW is 20 s into a minute of the clock: its window ends at NOW + 40. */
static void
rate_blocks_at_the_limit_until_the_window_ends(void **state)
{
	struct throttle_row	 row = { 0 };

	(void)state;
	assert_int_equal(NOW % 60, 20);
	assert_int_equal(throttle_count(&posts_policy, 3, &row, NOW), 0);
	assert_int_equal(throttle_count(&posts_policy, 3, &row, NOW + 1), 0);
	assert_int_equal(row.blocked_until, 0);
	assert_int_equal(throttle_count(&posts_policy, 3, &row, NOW + 2), 38);
	assert_row(&row, 3, 1, NOW + 2, NOW + 40);
}

static void
rate_counts_again_in_the_next_window(void **state)
{
	struct throttle_row	 row = { 0 };
	int			 i;

	(void)state;
	/* Two below the limit at the end of one minute, two at the start of the next. */
	throttle_count(&posts_policy, 3, &row, NOW + 38);
	throttle_count(&posts_policy, 3, &row, NOW + 39);
	assert_int_equal(row.count, 2);
	throttle_count(&posts_policy, 3, &row, NOW + 40);
	assert_row(&row, 1, 0, NOW + 40, 0);
	throttle_count(&posts_policy, 3, &row, NOW + 41);
	assert_int_equal(row.blocked_until, 0);
	/* NOW + 100 starts a minute: a block at once lasts all of it. */
	for (i = 0; i < 3; i++)
		throttle_count(&posts_policy, 3, &row, NOW + 100);
	assert_int_equal(row.blocked_until, NOW + 160);
	assert_int_equal(throttle_count(&posts_policy, 3, &row, NOW + 159), 0);
	/* The block is over when its window is: counting starts again. */
	assert_int_equal(throttle_count(&posts_policy, 3, &row, NOW + 160), 0);
	assert_row(&row, 1, 2, NOW + 160, NOW + 160);
}

static void
rate_admit_refuses_until_the_window_ends(void **state)
{
	struct throttle_row	 row = { 0 };
	int			 i;

	(void)state;
	for (i = 0; i < 3; i++)
		throttle_count(&posts_policy, 3, &row, NOW);
	assert_int_equal(throttle_admit(&posts_policy, 3, &row, NOW + 10), 30);
	assert_int_equal(throttle_admit(&posts_policy, 3, &row, NOW + 40), 0);
	assert_int_equal(row.count, 0);
	assert_int_equal(row.pending, 1);
}

/* --- store_throttle_*() */

/* A store_throttle_fn that records each call and sets the row it is given. */
struct calls {
	int			 n;
	size_t			 i[8];
	struct throttle_row	 seen[8];
	struct throttle_row	 set[8];	/* what row i becomes */
	int			 add;		/* instead: count += add, last_at = NOW */
};

static int
record(void *arg, size_t i, struct throttle_row *row)
{
	struct calls	*c = arg;

	assert_true(c->n < 8);
	assert_true(i < 8);
	c->i[c->n] = i;
	c->seen[c->n] = *row;
	c->n++;
	if (c->add != 0) {
		row->count += c->add;
		/* Recent, so that the prune of the next update keeps it. */
		row->last_at = NOW;
	} else
		*row = c->set[i];
	return 0;
}

static void
get_missing_key_is_zeros(void **state)
{
	struct fixture		*f = *state;
	struct throttle_row	 row;

	ready(f);
	memset(&row, 0x5a, sizeof(row));
	assert_int_equal(store_throttle_get(f->app.store, "login-pair 1 x", &row),
	    STORE_OK);
	assert_row(&row, 0, 0, 0, 0);
	assert_int_equal(sql_int(f->path, "SELECT count(*) FROM throttle"), 0);
}

static void
update_calls_fn_once_per_key_and_stores(void **state)
{
	struct fixture		*f = *state;
	const char *const	 keys[] = { "alpha" };
	struct calls		 c = { 0 };
	struct throttle_row	 row;

	ready(f);
	c.set[0] = (struct throttle_row){ 3, 2, NOW, NOW + 60, 0 };
	assert_int_equal(store_throttle_update(f->app.store, keys, 1, NOW - 3600,
	    record, &c), STORE_OK);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.i[0], 0);
	assert_row(&c.seen[0], 0, 0, 0, 0);
	assert_int_equal(store_throttle_get(f->app.store, "alpha", &row),
	    STORE_OK);
	assert_row(&row, 3, 2, NOW, NOW + 60);

	/* The next update is given the stored row. */
	memset(&c, 0, sizeof(c));
	c.set[0] = (struct throttle_row){ 4, 3, NOW + 1, NOW + 120, 0 };
	assert_int_equal(store_throttle_update(f->app.store, keys, 1, NOW - 3600,
	    record, &c), STORE_OK);
	assert_int_equal(c.n, 1);
	assert_row(&c.seen[0], 3, 2, NOW, NOW + 60);
	assert_int_equal(store_throttle_get(f->app.store, "alpha", &row),
	    STORE_OK);
	assert_row(&row, 4, 3, NOW + 1, NOW + 120);
	assert_int_equal(sql_int(f->path, "SELECT count(*) FROM throttle"), 1);
}

static void
update_several_keys_at_once(void **state)
{
	struct fixture		*f = *state;
	const char *const	 keys[] = { "k0", "k1", "k2" };
	struct calls		 c = { 0 };
	struct throttle_row	 row;
	size_t			 i;

	ready(f);
	for (i = 0; i < 3; i++)
		c.set[i] = (struct throttle_row){ (int64_t)i + 1, (int64_t)i,
		    NOW + (int64_t)i, 0, 0 };
	assert_int_equal(store_throttle_update(f->app.store, keys, 3, NOW - 3600,
	    record, &c), STORE_OK);
	assert_int_equal(c.n, 3);
	for (i = 0; i < 3; i++) {
		assert_int_equal(c.i[i], i);
		assert_row(&c.seen[i], 0, 0, 0, 0);
		assert_int_equal(store_throttle_get(f->app.store, keys[i], &row),
		    STORE_OK);
		assert_row(&row, (int64_t)i + 1, (int64_t)i, NOW + (int64_t)i, 0);
	}
	/* Each key is its own row: a second update sees each one's own. */
	memset(&c, 0, sizeof(c));
	c.add = 10;
	assert_int_equal(store_throttle_update(f->app.store, keys, 3, NOW - 3600,
	    record, &c), STORE_OK);
	for (i = 0; i < 3; i++) {
		assert_int_equal(c.seen[i].count, (int64_t)i + 1);
		assert_int_equal(store_throttle_get(f->app.store, keys[i], &row),
		    STORE_OK);
		assert_int_equal(row.count, (int64_t)i + 11);
	}
	assert_int_equal(sql_int(f->path, "SELECT count(*) FROM throttle"), 3);
}

static void
keys_are_exact_strings(void **state)
{
	struct fixture		*f = *state;
	const char *const	 keys[] = { "login-account a@example.com" };
	struct calls		 c = { .add = 1 };
	struct throttle_row	 row;

	ready(f);
	assert_int_equal(store_throttle_update(f->app.store, keys, 1, NOW - 3600,
	    record, &c), STORE_OK);
	/* The store does no folding or matching of its own. */
	assert_int_equal(store_throttle_get(f->app.store,
	    "login-account A@example.com", &row), STORE_OK);
	assert_int_equal(row.count, 0);
	assert_int_equal(store_throttle_get(f->app.store,
	    "login-account a@example.co", &row), STORE_OK);
	assert_int_equal(row.count, 0);
	assert_int_equal(store_throttle_get(f->app.store, keys[0], &row),
	    STORE_OK);
	assert_int_equal(row.count, 1);
}

static void
delete_removes_only_named_keys(void **state)
{
	struct fixture		*f = *state;
	const char *const	 keys[] = { "a", "b", "c", "d" };
	const char *const	 gone[] = { "a", "c", "never-there" };
	struct calls		 c = { .add = 1 };
	struct throttle_row	 row;

	ready(f);
	assert_int_equal(store_throttle_update(f->app.store, keys, 4, NOW - 3600,
	    record, &c), STORE_OK);
	assert_int_equal(store_throttle_delete(f->app.store, gone, 3), STORE_OK);
	assert_int_equal(sql_int(f->path, "SELECT count(*) FROM throttle"), 2);
	assert_int_equal(store_throttle_get(f->app.store, "a", &row), STORE_OK);
	assert_row(&row, 0, 0, 0, 0);
	assert_int_equal(store_throttle_get(f->app.store, "b", &row), STORE_OK);
	assert_int_equal(row.count, 1);
	assert_int_equal(store_throttle_get(f->app.store, "c", &row), STORE_OK);
	assert_int_equal(row.count, 0);
	assert_int_equal(store_throttle_get(f->app.store, "d", &row), STORE_OK);
	assert_int_equal(row.count, 1);
	/* Deleting nothing, or what is gone, is fine. */
	assert_int_equal(store_throttle_delete(f->app.store, gone, 0), STORE_OK);
	assert_int_equal(store_throttle_delete(f->app.store, gone, 3), STORE_OK);
	assert_int_equal(sql_int(f->path, "SELECT count(*) FROM throttle"), 2);
}

/* Put one row as it is, through the store. */
static void
put(struct fixture *f, const char *key, int64_t last_at, int64_t blocked_until)
{
	const char *const	 keys[] = { key };
	struct calls		 c = { 0 };

	c.set[0] = (struct throttle_row){ 1, 1, last_at, blocked_until, 0 };
	/* forget_before 0: nothing is pruned while we set up. */
	assert_int_equal(store_throttle_update(f->app.store, keys, 1, 0, record,
	    &c), STORE_OK);
}

static int64_t
present(struct fixture *f, const char *key)
{
	char	 sql[256];

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM throttle WHERE key = '%s'",
	    key);
	return sql_int(f->path, sql);
}

/*
 * An update deletes the rows untouched since forget_before that are not
 * blocking then: store.c's rule is last_at < forget_before AND
 * blocked_until < forget_before.
 */
static void
update_prunes_quiet_rows(void **state)
{
	struct fixture		*f = *state;
	const char *const	 keys[] = { "fresh" };
	struct calls		 c = { .add = 1 };
	const int64_t		 fb = NOW - THROTTLE_FORGET;

	ready(f);
	put(f, "old", fb - 100, 0);
	put(f, "old-block-ended", fb - 100, fb - 1);
	put(f, "old-block-ends-at-edge", fb - 100, fb);
	put(f, "old-still-blocked", fb - 100, NOW + 60);
	put(f, "touched-at-edge", fb, 0);
	put(f, "recent", NOW - 10, 0);
	assert_int_equal(sql_int(f->path, "SELECT count(*) FROM throttle"), 6);

	assert_int_equal(store_throttle_update(f->app.store, keys, 1, fb,
	    record, &c), STORE_OK);
	assert_int_equal(present(f, "old"), 0);
	assert_int_equal(present(f, "old-block-ended"), 0);
	assert_int_equal(present(f, "old-block-ends-at-edge"), 1);
	assert_int_equal(present(f, "old-still-blocked"), 1);
	assert_int_equal(present(f, "touched-at-edge"), 1);
	assert_int_equal(present(f, "recent"), 1);
	assert_int_equal(present(f, "fresh"), 1);
	assert_int_equal(sql_int(f->path, "SELECT count(*) FROM throttle"), 5);
}

/* The key being updated is pruned first when quiet: fn is given zeros. */
static void
update_of_pruned_key_starts_from_zeros(void **state)
{
	struct fixture		*f = *state;
	const char *const	 keys[] = { "old" };
	struct calls		 c = { .add = 1 };
	struct throttle_row	 row;

	ready(f);
	put(f, "old", NOW - 2 * THROTTLE_FORGET, NOW - 2 * THROTTLE_FORGET);
	assert_int_equal(store_throttle_update(f->app.store, keys, 1,
	    NOW - THROTTLE_FORGET, record, &c), STORE_OK);
	assert_int_equal(c.n, 1);
	assert_row(&c.seen[0], 0, 0, 0, 0);
	assert_int_equal(store_throttle_get(f->app.store, "old", &row), STORE_OK);
	assert_int_equal(row.count, 1);
}

/* Neither get nor delete prunes. */
static void
get_and_delete_do_not_prune(void **state)
{
	struct fixture		*f = *state;
	const char *const	 other[] = { "other" };
	struct throttle_row	 row;

	ready(f);
	put(f, "old", 1, 1);
	assert_int_equal(store_throttle_get(f->app.store, "other", &row),
	    STORE_OK);
	assert_int_equal(store_throttle_delete(f->app.store, other, 1), STORE_OK);
	assert_int_equal(present(f, "old"), 1);
	assert_int_equal(store_throttle_get(f->app.store, "old", &row), STORE_OK);
	assert_row(&row, 1, 1, 1, 1);
}

#define INCREMENTS	150

/* Alternate increments of one key between two connections to one file. */
static void
two_handles_interleaved_lose_no_count(void **state)
{
	struct fixture		*f = *state;
	const char *const	 keys[] = { "shared" };
	struct calls		 c = { .add = 1 };
	struct store		*other;
	struct throttle_row	 row;
	int			 i;

	ready(f);
	assert_non_null(other = store_new(f->path));
	assert_int_equal(store_ready(other), STORE_OK);
	for (i = 0; i < INCREMENTS; i++) {
		c.n = 0;
		assert_int_equal(store_throttle_update(f->app.store, keys, 1,
		    NOW - 3600, record, &c), STORE_OK);
		c.n = 0;
		assert_int_equal(store_throttle_update(other, keys, 1,
		    NOW - 3600, record, &c), STORE_OK);
	}
	assert_int_equal(store_throttle_get(other, "shared", &row), STORE_OK);
	assert_int_equal(row.count, 2 * INCREMENTS);
	assert_int_equal(store_throttle_get(f->app.store, "shared", &row),
	    STORE_OK);
	assert_int_equal(row.count, 2 * INCREMENTS);
	store_free(other);
}

/* A store_throttle_fn for the child process: no cmocka there. */
static int
bump(void *arg, size_t i, struct throttle_row *row)
{
	(void)arg;
	(void)i;
	row->count++;
	row->last_at = NOW;
	return 0;
}

/* In a child: open a store of its own and increment key n times. */
static int
increment(const char *path, int n)
{
	const char *const	 keys[] = { "shared", "shared-too" };
	struct store		*s;
	int			 i, failed = 0;

	if ((s = store_new(path)) == NULL || store_ready(s) != STORE_OK)
		return 2;
	for (i = 0; i < n; i++)
		if (store_throttle_update(s, keys, 2, NOW - 3600, bump,
		    NULL) != STORE_OK)
			failed++;
	store_free(s);
	return failed == 0 ? 0 : 1;
}

/* Two processes increment the same keys at once: every count arrives. */
static void
two_processes_at_once_lose_no_count(void **state)
{
	struct fixture		*f = *state;
	struct throttle_row	 row;
	pid_t			 pid[2];
	int			 i, status;

	ready(f);
	/* The parent's connection is not used across fork. */
	store_free(f->app.store);
	f->app.store = NULL;
	fflush(NULL);
	for (i = 0; i < 2; i++) {
		pid[i] = fork();
		assert_true(pid[i] != -1);
		if (pid[i] == 0)
			_exit(increment(f->path, INCREMENTS));
	}
	for (i = 0; i < 2; i++) {
		assert_int_equal(waitpid(pid[i], &status, 0), pid[i]);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
	}
	assert_non_null(f->app.store = store_new(f->path));
	assert_int_equal(store_ready(f->app.store), STORE_OK);
	assert_int_equal(store_throttle_get(f->app.store, "shared", &row),
	    STORE_OK);
	assert_int_equal(row.count, 2 * INCREMENTS);
	assert_int_equal(store_throttle_get(f->app.store, "shared-too", &row),
	    STORE_OK);
	assert_int_equal(row.count, 2 * INCREMENTS);
}

/* --- throttle_login_*() and throttle_register() */

/* Parse a log-in request from client address addr. */
static void
from(struct fixture *f, const char *addr)
{
	http_req_clear(f->req);
	snprintf(f->addr, sizeof(f->addr), "REMOTE_ADDR=%s", addr);
	snprintf(f->method, sizeof(f->method), "REQUEST_METHOD=POST");
	snprintf(f->uri, sizeof(f->uri), "REQUEST_URI=/authentication/log-in");
	f->env[0] = f->method;
	f->env[1] = f->uri;
	f->env[2] = f->addr;
	f->env[3] = NULL;
	f->io.envp = f->env;
	assert_int_equal(http_req_parse(f->req, &f->io, &f->rep), 0);
	assert_string_equal(f->req->client, addr);
}

/* A ready store and a request from 192.0.2.1. */
static void
serving(struct fixture *f)
{
	ready(f);
	from(f, "192.0.2.1");
}

static void
failures(struct fixture *f, const char *email, int times)
{
	int	 i;

	for (i = 0; i < times; i++)
		throttle_login_failed(&f->app, f->req, email);
}

/* Expect throttle_login_check() to let email through. */
static void
check_ok(struct fixture *f, const char *email)
{
	http_reply_clear(&f->rep);
	assert_int_equal(throttle_login_check(&f->app, f->req, email, &f->rep), 0);
	assert_int_equal(f->rep.status, 200);
	assert_null(f->rep.body);
	assert_int_equal(f->rep.headers_len, 0);
}

/*
 * Expect rep to be a 429 for a wait of about secs ("what" in the message):
 * a second may tick between counting and checking, so the wait is read
 * from Retry-After, checked to be close, and must be the message's.
 */
static void
assert_429(struct fixture *f, const char *what, int64_t secs)
{
	const char	*ra, *body;
	char		 expect[256];
	long long	 wait;

	assert_int_equal(f->rep.status, 429);
	assert_non_null(ra = strstr(f->rep.headers, "Retry-After: "));
	assert_true(ra == f->rep.headers || ra[-1] == '\n');
	assert_int_equal(sscanf(ra, "Retry-After: %lld\r\n", &wait), 1);
	assert_non_null(strstr(ra, "\r\n"));
	assert_true(wait <= secs);
	assert_true(wait >= secs - 5);
	snprintf(expect, sizeof(expect), "Retry-After: %lld\r\n", wait);
	assert_string_equal(f->rep.headers, expect);
	snprintf(expect, sizeof(expect), "{\"statusCode\":429,\"message\":"
	    "\"Too many %s: try again in %lld seconds\","
	    "\"error\":\"Too Many Requests\"}", what, wait);
	assert_non_null(f->rep.body);
	body = json_object_to_json_string_ext(f->rep.body,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	assert_string_equal(body, expect);
}

/* Expect throttle_login_check() to refuse email with a 429 of about secs. */
static void
check_blocked(struct fixture *f, const char *email, int64_t secs)
{
	http_reply_clear(&f->rep);
	assert_int_equal(throttle_login_check(&f->app, f->req, email, &f->rep),
	    -1);
	assert_429(f, "failed log-ins", secs);
}

static void
login_check_passes_at_first(void **state)
{
	struct fixture	*f = *state;

	serving(f);
	check_ok(f, "alice@example.com");
	/* Checking lets the attempt through as pending; it fails nothing yet. */
	assert_int_equal(sql_int(f->path, "SELECT count(*) FROM throttle "
	    "WHERE pending = 1 AND count = 0"), 3);
	throttle_login_failed(&f->app, f->req, "alice@example.com");
	assert_int_equal(sql_int(f->path, "SELECT count(*) FROM throttle "
	    "WHERE pending = 0 AND count = 1"), 3);
}

/*
 * Parallel guesses: attempts let through and not yet judged count towards
 * the limit, so no more than the limit can ever fail before a block.
 */
static void
login_pending_attempts_cannot_pass_the_limit(void **state)
{
	struct fixture	*f = *state;
	int		 i;

	serving(f);
	for (i = 0; i < 5; i++)
		check_ok(f, "alice@example.com");
	check_blocked(f, "alice@example.com", 1);
	/* All five fail: the pair blocks as if they had come one by one. */
	failures(f, "alice@example.com", 5);
	check_blocked(f, "alice@example.com", 60);
}

/* Near the limit, one attempt at a time: its failure would block. */
static void
login_near_the_limit_one_at_a_time(void **state)
{
	struct fixture	*f = *state;

	serving(f);
	failures(f, "alice@example.com", 4);
	check_ok(f, "alice@example.com");
	check_blocked(f, "alice@example.com", 1);
	throttle_login_succeeded(&f->app, f->req, "alice@example.com");
	/* Given back and cleared: the pair starts again. */
	check_ok(f, "alice@example.com");
	check_ok(f, "alice@example.com");
}

/*
 * An attempt the store could not judge (503) is given back at once: nothing
 * is counted, nothing stays pending, so the next attempt is not held up.
 */
static void
login_abandoned_counts_nothing(void **state)
{
	struct fixture	*f = *state;

	serving(f);
	failures(f, "alice@example.com", 4);
	check_ok(f, "alice@example.com");
	check_blocked(f, "alice@example.com", 1);
	throttle_login_abandoned(&f->app, f->req, "alice@example.com");
	assert_int_equal(sql_int(f->path,
	    "SELECT sum(pending) FROM throttle"), 0);
	assert_int_equal(sql_int(f->path, "SELECT count FROM throttle "
	    "WHERE key = 'login-address 192.0.2.1'"), 4);
	/* Not cleared either: the fifth failure still blocks the pair. */
	failures(f, "alice@example.com", 1);
	check_blocked(f, "alice@example.com", 60);
}

/* A refusal by one rule undoes the pending counts the others took. */
static void
login_refusal_counts_nothing(void **state)
{
	struct fixture	*f = *state;

	serving(f);
	failures(f, "alice@example.com", 5);
	check_blocked(f, "alice@example.com", 60);
	assert_int_equal(sql_int(f->path,
	    "SELECT sum(pending) FROM throttle"), 0);
	assert_int_equal(sql_int(f->path, "SELECT count FROM throttle "
	    "WHERE key = 'login-address 192.0.2.1'"), 5);
}

/* An IPv6 client is one client across its /64. */
static void
login_ipv6_counts_by_64(void **state)
{
	struct fixture	*f = *state;

	ready(f);
	from(f, "2001:db8:1:2::1");
	failures(f, "alice@example.com", 3);
	from(f, "2001:db8:1:2:ffff::9");
	failures(f, "alice@example.com", 2);
	check_blocked(f, "alice@example.com", 60);
	assert_int_equal(sql_int(f->path, "SELECT count FROM throttle "
	    "WHERE key = 'login-address 2001:db8:1:2::/64'"), 5);
	/* The next /64 is someone else. */
	from(f, "2001:db8:1:3::1");
	check_ok(f, "alice@example.com");
}

/*
 * issue 20: an IPv6 site is counted whole too, its /48 at the network
 * factor times an address's limit, so hopping /64s buys no more.
 */
static void
login_ipv6_48_is_counted_at_the_factor(void **state)
{
	struct fixture	*f = *state;
	char		 addr[64], email[64];
	int		 i;

	f->app.cfg.throttle.per_address = 3;
	f->app.cfg.throttle.network_factor = 2;
	ready(f);
	for (i = 0; i < 5; i++) {
		snprintf(addr, sizeof(addr), "2001:db8:1:%x::1", i);
		snprintf(email, sizeof(email), "user%d@example.com", i);
		from(f, addr);
		failures(f, email, 1);
	}
	from(f, "2001:db8:1:ff::1");
	check_ok(f, "alice@example.com");
	failures(f, "alice@example.com", 1);
	assert_int_equal(sql_int(f->path, "SELECT count FROM throttle "
	    "WHERE key = 'login-address 2001:db8:1::/48'"), 6);
	from(f, "2001:db8:1:abcd::1");
	check_blocked(f, "bob@example.com", 60);
	/* The next /48 is someone else; an IPv4 client has no /48. */
	from(f, "2001:db8:2::1");
	check_ok(f, "bob@example.com");
	from(f, "192.0.2.9");
	check_ok(f, "bob@example.com");
	throttle_login_abandoned(&f->app, f->req, "bob@example.com");
	assert_int_equal(sql_int(f->path, "SELECT count(*) FROM throttle "
	    "WHERE key LIKE '%/48' AND key NOT LIKE '%2001:db8:%'"), 0);
}

static void
login_network_factor_0_counts_no_48(void **state)
{
	struct fixture	*f = *state;

	f->app.cfg.throttle.network_factor = 0;
	ready(f);
	from(f, "2001:db8:1:2::1");
	failures(f, "alice@example.com", 1);
	assert_int_equal(sql_int(f->path, "SELECT count(*) FROM throttle "
	    "WHERE key LIKE '%/48'"), 0);
	assert_int_equal(sql_int(f->path, "SELECT count(*) FROM throttle"), 3);
}

/*
 * issue 20: a key names an e-mail by the SHA-256 of it (ASCII letters in
 * lower case), so it has one length and is ASCII whatever was typed.
 */
static void
login_keys_name_the_email_by_digest(void **state)
{
	struct fixture	*f = *state;

	serving(f);
	failures(f, "Alice@Example.COM", 1);
	assert_int_equal(sql_int(f->path, "SELECT count FROM throttle WHERE "
	    "key = 'login-account ff8d9819fc0e12bf0d24892e45987e249a28dce836"
	    "a85cad60e28eaaa8c6d976'"), 1);
	assert_int_equal(sql_int(f->path, "SELECT count FROM throttle WHERE "
	    "key = 'login-pair 192.0.2.1 ff8d9819fc0e12bf0d24892e45987e249a28"
	    "dce836a85cad60e28eaaa8c6d976'"), 1);
	assert_int_equal(sql_int(f->path, "SELECT count(*) FROM throttle "
	    "WHERE key LIKE '%@%'"), 0);
}

static void
login_pair_blocks_after_5_failures(void **state)
{
	struct fixture	*f = *state;

	serving(f);
	failures(f, "alice@example.com", 4);
	check_ok(f, "alice@example.com");
	failures(f, "alice@example.com", 1);
	check_blocked(f, "alice@example.com", 60);
	/* Asking again changes nothing. */
	check_blocked(f, "alice@example.com", 60);
}

static void
login_pair_block_is_per_address_and_email(void **state)
{
	struct fixture	*f = *state;

	serving(f);
	failures(f, "alice@example.com", 5);
	check_blocked(f, "alice@example.com", 60);
	/* Another e-mail from this address: its own pair, and 5 < 30. */
	check_ok(f, "bob@example.com");
	/* The same e-mail from another address: its own pair, and 5 < 10. */
	from(f, "192.0.2.2");
	check_ok(f, "alice@example.com");
	from(f, "2001:db8::1");
	check_ok(f, "alice@example.com");
}

static void
login_pair_ignores_email_case(void **state)
{
	struct fixture	*f = *state;

	serving(f);
	failures(f, "Alice@Example.COM", 2);
	failures(f, "ALICE@EXAMPLE.COM", 2);
	failures(f, "alice@example.com", 1);
	check_blocked(f, "aLiCe@eXaMpLe.CoM", 60);
}

static void
login_account_blocks_after_10_failures_from_anywhere(void **state)
{
	struct fixture	*f = *state;
	char		 addr[32];
	int		 i;

	serving(f);
	/* One failure from each of ten addresses: no pair comes near its limit. */
	for (i = 1; i <= 9; i++) {
		snprintf(addr, sizeof(addr), "198.51.100.%d", i);
		from(f, addr);
		failures(f, "alice@example.com", 1);
	}
	from(f, "198.51.100.200");
	check_ok(f, "alice@example.com");
	from(f, "198.51.100.10");
	failures(f, "alice@example.com", 1);
	/* Blocked for 15 minutes wherever the next attempt comes from ... */
	from(f, "203.0.113.1");
	check_blocked(f, "alice@example.com", 900);
	check_blocked(f, "ALICE@example.com", 900);
	/* ... but only for this account. */
	check_ok(f, "bob@example.com");
}

static void
login_address_blocks_after_30_failures(void **state)
{
	struct fixture	*f = *state;
	char		 email[64];
	int		 i;

	serving(f);
	/* Thirty e-mails, one failure each: neither pair nor account blocks. */
	for (i = 0; i < 29; i++) {
		snprintf(email, sizeof(email), "user%d@example.com", i);
		failures(f, email, 1);
	}
	check_ok(f, "someone@example.com");
	failures(f, "user29@example.com", 1);
	check_blocked(f, "someone@example.com", 60);
	check_blocked(f, "user0@example.com", 60);
	/* Another address is not blocked, for the same e-mails. */
	from(f, "192.0.2.2");
	check_ok(f, "someone@example.com");
	check_ok(f, "user0@example.com");
}

/* When several rules block, the longest wait is the one announced. */
static void
login_longest_wait_wins(void **state)
{
	struct fixture	*f = *state;

	f->app.cfg.throttle.per_account = 5;
	serving(f);
	/* The fifth failure blocks the pair (60 s) and the account (900 s). */
	failures(f, "alice@example.com", 5);
	check_blocked(f, "alice@example.com", 900);
}

static void
login_succeeded_clears_pair_and_account(void **state)
{
	struct fixture	*f = *state;

	serving(f);
	failures(f, "alice@example.com", 4);
	throttle_login_succeeded(&f->app, f->req, "alice@example.com");
	/* Four more would have been the pair's eighth: it starts again. */
	failures(f, "alice@example.com", 4);
	check_ok(f, "alice@example.com");
	failures(f, "alice@example.com", 1);
	check_blocked(f, "alice@example.com", 60);
}

static void
login_succeeded_lifts_a_block(void **state)
{
	struct fixture	*f = *state;

	f->app.cfg.throttle.per_account = 5;
	serving(f);
	failures(f, "alice@example.com", 5);
	check_blocked(f, "alice@example.com", 900);
	throttle_login_succeeded(&f->app, f->req, "ALICE@example.com");
	check_ok(f, "alice@example.com");
}

static void
login_succeeded_keeps_address_count(void **state)
{
	struct fixture	*f = *state;

	f->app.cfg.throttle.per_address = 6;
	serving(f);
	failures(f, "alice@example.com", 4);
	throttle_login_succeeded(&f->app, f->req, "alice@example.com");
	/* Two more failures, for other e-mails, make the address's sixth. */
	failures(f, "bob@example.com", 1);
	check_ok(f, "carol@example.com");
	failures(f, "carol@example.com", 1);
	check_blocked(f, "dave@example.com", 60);
	check_blocked(f, "alice@example.com", 60);
}

static void
login_succeeded_keeps_other_counters(void **state)
{
	struct fixture	*f = *state;

	serving(f);
	failures(f, "bob@example.com", 4);
	from(f, "192.0.2.2");
	failures(f, "alice@example.com", 4);
	/* Alice's success from 192.0.2.1 clears her account and that pair only. */
	from(f, "192.0.2.1");
	throttle_login_succeeded(&f->app, f->req, "alice@example.com");
	failures(f, "bob@example.com", 1);
	check_blocked(f, "bob@example.com", 60);
	from(f, "192.0.2.2");
	failures(f, "alice@example.com", 1);
	check_blocked(f, "alice@example.com", 60);
}

static void
login_limit_0_turns_pair_off(void **state)
{
	struct fixture	*f = *state;

	f->app.cfg.throttle.per_pair = 0;
	serving(f);
	failures(f, "alice@example.com", 9);
	check_ok(f, "alice@example.com");
	failures(f, "alice@example.com", 1);
	/* The account's limit is what blocks now. */
	check_blocked(f, "alice@example.com", 900);
}

static void
login_limit_0_turns_account_off(void **state)
{
	struct fixture	*f = *state;
	char		 addr[32];
	int		 i;

	f->app.cfg.throttle.per_account = 0;
	serving(f);
	for (i = 1; i <= 20; i++) {
		snprintf(addr, sizeof(addr), "198.51.100.%d", i);
		from(f, addr);
		failures(f, "alice@example.com", 1);
	}
	from(f, "203.0.113.1");
	check_ok(f, "alice@example.com");
}

static void
login_limit_0_turns_address_off(void **state)
{
	struct fixture	*f = *state;
	char		 email[64];
	int		 i;

	f->app.cfg.throttle.per_address = 0;
	serving(f);
	for (i = 0; i < 40; i++) {
		snprintf(email, sizeof(email), "user%d@example.com", i);
		failures(f, email, 1);
	}
	check_ok(f, "someone@example.com");
	/* The success path still works with the address rule off. */
	failures(f, "alice@example.com", 4);
	throttle_login_succeeded(&f->app, f->req, "alice@example.com");
	failures(f, "alice@example.com", 4);
	check_ok(f, "alice@example.com");
}

static void
login_all_limits_0_count_nothing(void **state)
{
	struct fixture	*f = *state;

	f->app.cfg.throttle.per_pair = 0;
	f->app.cfg.throttle.per_account = 0;
	f->app.cfg.throttle.per_address = 0;
	serving(f);
	failures(f, "alice@example.com", 50);
	check_ok(f, "alice@example.com");
	throttle_login_succeeded(&f->app, f->req, "alice@example.com");
	assert_int_equal(sql_int(f->path, "SELECT count(*) FROM throttle"), 0);
}

/* An attempt that cannot be counted is refused (503), never let through. */
static void
login_check_fails_closed(void **state)
{
	struct fixture	*f = *state;
	sqlite3		*other;

	serving(f);
	assert_int_equal(sqlite3_open(f->path, &other), SQLITE_OK);
	assert_int_equal(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL,
	    NULL), SQLITE_OK);
	http_reply_clear(&f->rep);
	assert_int_equal(throttle_login_check(&f->app, f->req,
	    "bob@example.com", &f->rep), -1);
	assert_int_equal(f->rep.status, 503);
	assert_int_equal(sqlite3_exec(other, "COMMIT", NULL, NULL, NULL),
	    SQLITE_OK);
	sqlite3_close(other);
	check_ok(f, "bob@example.com");
}

/*
 * issue 20: successful log-ins are a rate per account and per address;
 * failures do not count towards it, and a refusal comes before any hash.
 */
static void
login_successes_are_limited_per_account(void **state)
{
	struct fixture	*f = *state;
	const char	*body;
	int		 i;

	f->app.cfg.throttle.success_per_account = 2;
	serving(f);
	/* Failures are not successes. */
	for (i = 0; i < 3; i++) {
		check_ok(f, "alice@example.com");
		throttle_login_failed(&f->app, f->req, "alice@example.com");
	}
	for (i = 0; i < 2; i++) {
		check_ok(f, "alice@example.com");
		throttle_login_succeeded(&f->app, f->req, "alice@example.com");
	}
	http_reply_clear(&f->rep);
	assert_int_equal(throttle_login_check(&f->app, f->req,
	    "ALICE@example.com", &f->rep), -1);
	assert_int_equal(f->rep.status, 429);
	body = json_object_to_json_string_ext(f->rep.body,
	    JSON_C_TO_STRING_PLAIN);
	assert_non_null(strstr(body, "\"Too many log-ins: try again in "));
	assert_int_equal(sql_int(f->path, "SELECT count FROM throttle WHERE "
	    "key LIKE 'login-success-account %'"), 2);
	/* Another account logs in. */
	check_ok(f, "bob@example.com");
}

static void
login_successes_pending_cannot_pass_the_limit(void **state)
{
	struct fixture	*f = *state;

	f->app.cfg.throttle.success_per_address = 2;
	serving(f);
	check_ok(f, "alice@example.com");
	check_ok(f, "bob@example.com");
	/* If both succeed, the address is at its limit: wait for them. */
	http_reply_clear(&f->rep);
	assert_int_equal(throttle_login_check(&f->app, f->req,
	    "carol@example.com", &f->rep), -1);
	assert_string_equal(f->rep.headers, "Retry-After: 1\r\n");
	throttle_login_failed(&f->app, f->req, "bob@example.com");
	check_ok(f, "carol@example.com");
}

/* Expect throttle_register() to let one registration through. */
static void
register_ok(struct fixture *f)
{
	http_reply_clear(&f->rep);
	assert_int_equal(throttle_register(&f->app, f->req, &f->rep), 0);
	assert_int_equal(f->rep.status, 200);
	assert_null(f->rep.body);
	assert_int_equal(f->rep.headers_len, 0);
}

static void
register_blocks_after_10(void **state)
{
	struct fixture		*f = *state;
	struct throttle_row	 row;
	int			 i;

	serving(f);
	for (i = 0; i < 10; i++)
		register_ok(f);
	http_reply_clear(&f->rep);
	assert_int_equal(throttle_register(&f->app, f->req, &f->rep), -1);
	assert_429(f, "registrations from this address", 900);
	/* A refused registration is not counted (schema/003-throttle.sql key). */
	assert_int_equal(store_throttle_get(f->app.store,
	    "register-address 192.0.2.1", &row), STORE_OK);
	assert_int_equal(row.count, 10);
	assert_int_equal(row.level, 1);
	/* Another address registers. */
	from(f, "192.0.2.2");
	register_ok(f);
}

static void
register_and_login_count_apart(void **state)
{
	struct fixture	*f = *state;
	int		 i;

	f->app.cfg.throttle.register_per_address = 3;
	f->app.cfg.throttle.per_address = 3;
	serving(f);
	for (i = 0; i < 2; i++)
		register_ok(f);
	failures(f, "a@example.com", 1);
	failures(f, "b@example.com", 1);
	register_ok(f);
	check_ok(f, "c@example.com");
	failures(f, "c@example.com", 1);
	check_blocked(f, "d@example.com", 60);
}

static void
register_limit_0_turns_it_off(void **state)
{
	struct fixture	*f = *state;
	int		 i;

	f->app.cfg.throttle.register_per_address = 0;
	serving(f);
	for (i = 0; i < 30; i++)
		register_ok(f);
	assert_int_equal(sql_int(f->path, "SELECT count(*) FROM throttle"), 0);
}

/* A registration that cannot be counted is refused with 503, not let through. */
static void
register_while_locked_is_503(void **state)
{
	struct fixture	*f = *state;
	sqlite3		*other;
	int		 rc;

	serving(f);
	assert_int_equal(sqlite3_open(f->path, &other), SQLITE_OK);
	assert_int_equal(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL,
	    NULL), SQLITE_OK);
	/* Waits out the busy timeout (STORE_BUSY_TIMEOUT_MS). */
	rc = throttle_register(&f->app, f->req, &f->rep);
	assert_int_equal(sqlite3_exec(other, "COMMIT", NULL, NULL, NULL),
	    SQLITE_OK);
	sqlite3_close(other);
	assert_int_equal(rc, -1);
	assert_int_equal(f->rep.status, 503);
	assert_string_equal(f->rep.headers, "Retry-After: 1\r\n");
	assert_int_equal(sql_int(f->path, "SELECT count(*) FROM throttle"), 0);
	/* Once the lock is gone, it counts. */
	register_ok(f);
	assert_int_equal(sql_int(f->path, "SELECT count(*) FROM throttle"), 1);
}

static void
register_ipv6_48_is_counted_at_the_factor(void **state)
{
	struct fixture	*f = *state;
	char		 addr[64];
	int		 i;

	f->app.cfg.throttle.register_per_address = 2;
	f->app.cfg.throttle.network_factor = 2;
	ready(f);
	for (i = 0; i < 4; i++) {
		snprintf(addr, sizeof(addr), "2001:db8:1:%x::1", i);
		from(f, addr);
		register_ok(f);
	}
	from(f, "2001:db8:1:ff::1");
	http_reply_clear(&f->rep);
	assert_int_equal(throttle_register(&f->app, f->req, &f->rep), -1);
	assert_429(f, "registrations from this address", 900);
}

#define T(f)	cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(count_up_to_limit_without_block),
		cmocka_unit_test(count_blocks_at_exactly_limit),
		cmocka_unit_test(count_clock_set_back_ends_blocks_too_long),
		cmocka_unit_test(count_limit_of_one_blocks_at_once),
		cmocka_unit_test(count_returns_the_block_it_begins),
		cmocka_unit_test(count_pair_blocks_double_up_to_15_minutes),
		cmocka_unit_test(count_address_blocks_double_up_to_an_hour),
		cmocka_unit_test(count_register_blocks_double_up_to_an_hour),
		cmocka_unit_test(count_huge_level_is_capped),
		cmocka_unit_test(count_account_resets_after_block),
		cmocka_unit_test(count_pair_does_not_reset),
		cmocka_unit_test(count_forgets_after_an_hour_of_quiet),
		cmocka_unit_test(count_remembers_exactly_an_hour),
		cmocka_unit_test(count_does_not_forget_while_blocked),
		cmocka_unit_test(count_forgets_when_block_ends_now),
		cmocka_unit_test(count_updates_last_at_even_when_blocked),
		cmocka_unit_test(rate_blocks_at_the_limit_until_the_window_ends),
		cmocka_unit_test(rate_counts_again_in_the_next_window),
		cmocka_unit_test(rate_admit_refuses_until_the_window_ends),
		cmocka_unit_test(admit_counts_pending_up_to_the_limit),
		cmocka_unit_test(admit_refuses_while_blocked),
		cmocka_unit_test(admit_drops_pending_of_dead_processes),
		cmocka_unit_test(key_digest_is_sha256_of_the_lower_cased_email),
		cmocka_unit_test(key_client_counts_ipv6_by_its_64_and_48),
		T(get_missing_key_is_zeros),
		T(update_calls_fn_once_per_key_and_stores),
		T(update_several_keys_at_once),
		T(keys_are_exact_strings),
		T(delete_removes_only_named_keys),
		T(update_prunes_quiet_rows),
		T(update_of_pruned_key_starts_from_zeros),
		T(get_and_delete_do_not_prune),
		T(two_handles_interleaved_lose_no_count),
		T(two_processes_at_once_lose_no_count),
		T(login_check_passes_at_first),
		T(login_keys_name_the_email_by_digest),
		T(login_pair_blocks_after_5_failures),
		T(login_pair_block_is_per_address_and_email),
		T(login_pair_ignores_email_case),
		T(login_account_blocks_after_10_failures_from_anywhere),
		T(login_address_blocks_after_30_failures),
		T(login_longest_wait_wins),
		T(login_succeeded_clears_pair_and_account),
		T(login_succeeded_lifts_a_block),
		T(login_succeeded_keeps_address_count),
		T(login_succeeded_keeps_other_counters),
		T(login_limit_0_turns_pair_off),
		T(login_limit_0_turns_account_off),
		T(login_limit_0_turns_address_off),
		T(login_all_limits_0_count_nothing),
		T(login_check_fails_closed),
		T(login_pending_attempts_cannot_pass_the_limit),
		T(login_near_the_limit_one_at_a_time),
		T(login_abandoned_counts_nothing),
		T(login_refusal_counts_nothing),
		T(login_ipv6_counts_by_64),
		T(login_ipv6_48_is_counted_at_the_factor),
		T(login_network_factor_0_counts_no_48),
		T(login_successes_are_limited_per_account),
		T(login_successes_pending_cannot_pass_the_limit),
		T(register_blocks_after_10),
		T(register_and_login_count_apart),
		T(register_limit_0_turns_it_off),
		T(register_while_locked_is_503),
		T(register_ipv6_48_is_counted_at_the_factor),
	};

	log_init("test-throttle");
	return cmocka_run_group_tests_name("throttle", tests, NULL, NULL);
}

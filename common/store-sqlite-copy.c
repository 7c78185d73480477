/*
 * store-sqlite-copy: copies of an SQLite database: a backup while the
 * programs serve (store_backup()), and its rows for store_copy().
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "log.h"
#include "schema.h"
#include "store-sqlite.h"

/* Pages one backup step copies: each step holds the source only briefly. */
#define BACKUP_PAGES		256
/* Restarts (the source written meanwhile) before the rest goes in one step. */
#define BACKUP_RESTARTS		3
/* Waits of BACKUP_WAIT_MS for a lock before the backup gives up. */
#define BACKUP_WAIT_MS		100
#define BACKUP_WAITS		(STORE_BUSY_TIMEOUT_MS / BACKUP_WAIT_MS)

/*
 * Copy all of src into dst with the online backup API, in steps of
 * BACKUP_PAGES.  A write to src by another connection between two steps
 * starts the copy over; so that a busy database is still copied, after
 * BACKUP_RESTARTS of those the rest goes in one step, one read transaction
 * (in WAL mode that blocks no writer, only checkpoints).  Returns an
 * SQLite result code; SQLITE_DONE when the copy is complete.
 */
static int
litestore_backup_copy(sqlite3 *src, sqlite3 *dst)
{
	sqlite3_backup	*b;
	int		 rc, pages = BACKUP_PAGES, waits = 0, restarts = 0;
	int		 left = -1;

	if ((b = sqlite3_backup_init(dst, "main", src, "main")) == NULL)
		return sqlite3_errcode(dst);
	for (;;) {
		rc = sqlite3_backup_step(b, pages);
		if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED) {
			if (++waits > BACKUP_WAITS)
				break;
			sqlite3_sleep(BACKUP_WAIT_MS);
			continue;
		}
		if (rc != SQLITE_OK)
			break;
		/* A step leaves less to copy, unless the copy restarted. */
		if (left != -1 && sqlite3_backup_remaining(b) >= left &&
		    ++restarts >= BACKUP_RESTARTS)
			pages = -1;
		left = sqlite3_backup_remaining(b);
	}
	sqlite3_backup_finish(b);
	return rc;
}

/* Is db sound by PRAGMA integrity_check?  1 if so, else 0 and why. */
static int
litestore_sound(sqlite3 *db, char *why, size_t whysz)
{
	sqlite3_stmt	*st;
	const char	*v;
	int		 ok = 0;

	if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st,
	    NULL) != SQLITE_OK) {
		snprintf(why, whysz, "%s", sqlite3_errmsg(db));
		return 0;
	}
	/* One row "ok", or a row per problem. */
	if (sqlite3_step(st) == SQLITE_ROW &&
	    (v = (const char *)sqlite3_column_text(st, 0)) != NULL) {
		ok = strcmp(v, "ok") == 0;
		snprintf(why, whysz, "integrity check: %s", v);
	} else
		snprintf(why, whysz, "integrity check: %s", sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return ok;
}

int
litestore_backup(const char *path, const char *dest)
{
	sqlite3		*src = NULL, *dst = NULL;
	char		 why[512];
	int		 fd, rc, version, ok = 0;

	/*
	 * Never over an existing file nor through a symlink, and never
	 * readable by others: the copy holds every password hash.  The
	 * descriptor is closed before SQLite opens the file, as closing any
	 * descriptor of a file drops all of the process's POSIX locks on it.
	 */
	fd = open(dest, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (fd == -1) {
		log_msg(NULL, "backup %s: %s", dest, strerror(errno));
		return -1;
	}
	close(fd);
	/* Read-only, and not through a symlink (the tool may run as root). */
	rc = sqlite3_open_v2(path, &src, SQLITE_OPEN_READONLY |
	    SQLITE_OPEN_NOFOLLOW | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		snprintf(why, sizeof(why), "database %s: %s", path,
		    src != NULL ? sqlite3_errmsg(src) : sqlite3_errstr(rc));
		goto fail;
	}
	sqlite3_busy_timeout(src, STORE_BUSY_TIMEOUT_MS);
	if ((version = litestore_user_version(src)) < 1) {
		snprintf(why, sizeof(why), "%s is not a migrated database "
		    "(schema version %d)", path, version);
		goto fail;
	}
	rc = sqlite3_open_v2(dest, &dst, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_NOFOLLOW | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		snprintf(why, sizeof(why), "%s",
		    dst != NULL ? sqlite3_errmsg(dst) : sqlite3_errstr(rc));
		goto fail;
	}
	if ((rc = litestore_backup_copy(src, dst)) != SQLITE_DONE) {
		snprintf(why, sizeof(why), "copying %s: %s", path,
		    sqlite3_errstr(rc));
		goto fail;
	}
	/*
	 * The copy came in WAL mode, like the source: make it one file on
	 * its own, which even a reader who may not write next to it can open
	 * (the programs switch a restored copy back to WAL).
	 */
	if (sqlite3_exec(dst, "PRAGMA journal_mode = DELETE", NULL, NULL,
	    NULL) != SQLITE_OK) {
		snprintf(why, sizeof(why), "%s", sqlite3_errmsg(dst));
		goto fail;
	}
	if (!litestore_sound(dst, why, sizeof(why)))
		goto fail;
	ok = 1;
fail:
	sqlite3_close(src);
	if (sqlite3_close(dst) != SQLITE_OK) {
		snprintf(why, sizeof(why), "closing: %s", sqlite3_errmsg(dst));
		ok = 0;
	}
	if (ok)
		return 0;
	log_msg(NULL, "backup %s: %s", dest, why);
	/* Nothing half-made is left to be mistaken for a backup. */
	if (unlink(dest) == -1)
		log_msg(NULL, "backup %s: cannot remove it: %s", dest,
		    strerror(errno));
	return -1;
}

/*
 * store_copy(): what each table gives, in the order of enum copy_table and
 * with its columns (store-backend.h).  ?1, where there is one, is now.
 */
static const char *const copy_sql[COPY__MAX] = {
	[COPY_USERS] =
	    "SELECT id, email, name, password, created_at, locked_at, "
	    "email_confirmed_at, totp_secret, totp_enabled_at, totp_last_step "
	    "FROM users ORDER BY id",
	[COPY_POSTS] =
	    "SELECT id, author_id, title, content, created_at, updated_at "
	    "FROM posts ORDER BY id",
	/* A dead session is worth nothing on the new store. */
	[COPY_SESSIONS] =
	    "SELECT id, user_id, created_at, expires_at, ends_at, last_used_at, "
	    "user_agent, refresh_digest, first_factor_only FROM sessions "
	    "WHERE expires_at > ?1",
	/* Or reuse of a stolen refresh token goes unnoticed there. */
	[COPY_RETIRED] =
	    "SELECT rt.session_id, rt.digest, rt.retired_at "
	    "FROM retired_refresh_tokens AS rt "
	    "JOIN sessions AS s ON s.id = rt.session_id WHERE s.expires_at > ?1",
	/* Or 2FA would be lost by the move (issue 15). */
	[COPY_RECOVERY] = "SELECT user_id, digest FROM recovery_codes",
	/* An address blocked here stays blocked there. */
	[COPY_THROTTLE] =
	    "SELECT key, count, level, last_at, blocked_until, pending "
	    "FROM throttle",
	[COPY_AUDIT] =
	    "SELECT id, at, event, user_id, client, detail FROM audit "
	    "ORDER BY id",
	[COPY_SEQUENCE] =
	    "SELECT name, seq FROM sqlite_sequence "
	    "WHERE name IN ('users', 'posts', 'audit')",
};

/* Hand every row of one copy_sql query to fn; 0, or -1 with err set. */
static int
litestore_copy_table(sqlite3 *db, enum copy_table t, int64_t now,
    copy_row_fn fn, void *arg, char *err, size_t errsz)
{
	sqlite3_stmt	*st;
	const char	*values[COPY_COLUMNS_MAX];
	int		 step, n, i, rc = -1;

	if (sqlite3_prepare_v2(db, copy_sql[t], -1, &st, NULL) != SQLITE_OK) {
		snprintf(err, errsz, "%s", sqlite3_errmsg(db));
		return -1;
	}
	if (sqlite3_bind_parameter_count(st) == 1)
		sqlite3_bind_int64(st, 1, now);
	if ((n = sqlite3_column_count(st)) > COPY_COLUMNS_MAX) {
		snprintf(err, errsz, "table %d has too many columns", (int)t);
		goto done;
	}
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		for (i = 0; i < n; i++) {
			if (sqlite3_column_type(st, i) == SQLITE_NULL)
				values[i] = NULL;
			else if ((values[i] = (const char *)
			    sqlite3_column_text(st, i)) == NULL) {
				snprintf(err, errsz, "out of memory");
				goto done;
			}
		}
		if (fn(arg, t, values, n) == -1) {
			snprintf(err, errsz, "the copy was abandoned");
			goto done;
		}
	}
	if (step == SQLITE_DONE)
		rc = 0;
	else
		snprintf(err, errsz, "%s", sqlite3_errmsg(db));
done:
	sqlite3_finalize(st);
	return rc;
}

int
litestore_copy_out(const char *path, int64_t now, copy_row_fn fn, void *arg)
{
	sqlite3	*db;
	char	 err[512];
	int	 version, t, rc = -1;

	if (litestore_connect(path, SQLITE_OPEN_READWRITE, 0, &db, err,
	    sizeof(err)) != SQLITE_OK) {
		log_msg(NULL, "%s", err);
		return -1;
	}
	if ((version = litestore_user_version(db)) < schema_version) {
		log_msg(NULL, "database %s has schema version %d, need %d: "
		    "migrate it before copying", path, version, schema_version);
		goto done;
	}
	/* One read transaction: every table from the same snapshot. */
	if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
		snprintf(err, sizeof(err), "%s", sqlite3_errmsg(db));
		goto fail;
	}
	for (t = 0; t < COPY__MAX; t++)
		if (litestore_copy_table(db, t, now, fn, arg, err,
		    sizeof(err)) == -1)
			goto fail;
	rc = 0;
	goto done;
fail:
	log_msg(NULL, "database %s: copy failed: %s", path, err);
done:
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close(db);
	return rc;
}

/*
 * store-sqlite-users: the users table on SQLite: a user's row, created,
 * found by e-mail, given a new password hash, deleted.
 */
#include <string.h>

#include <sqlite3.h>

#include "log.h"
#include "store-sqlite.h"
#include "util.h"

const struct litestore_sql litestore_users_sql[] = {
	{ STMT_USER_INSERT,
	  "INSERT INTO users (email, name, password, created_at) "
	  "VALUES (?1, ?2, ?3, ?4)" },
	/* AUTOINCREMENT's counter: the next user's id is past it. */
	{ STMT_USER_SKIP_ID,
	  "UPDATE sqlite_sequence SET seq = seq + 1 WHERE name = 'users'" },
	/* The column's NOCASE collation applies. */
	{ STMT_USER_BY_EMAIL,
	  "SELECT id, email, name, password, created_at, "
	  "coalesce(locked_at, 0), totp_enabled_at IS NOT NULL "
	  "FROM users WHERE email = ?1" },
	{ STMT_USER_SET_PASSWORD,
	  "UPDATE users SET password = ?2 WHERE id = ?1" },
	/* Sessions and their refresh tokens go too: ON DELETE CASCADE. */
	{ STMT_USER_DELETE, "DELETE FROM users WHERE email = ?1" },
	{ STMT__MAX, NULL }
};

/* Copy id, email, name from columns 0-2 of a user row (no hash, no times). */
int
litestore_user_row(sqlite3_stmt *st, struct user *out)
{
	out->id = sqlite3_column_int64(st, 0);
	out->password[0] = '\0';
	out->two_factor = out->first_factor_only = 0;
	if (litestore_text(st, 1, out->email, sizeof(out->email)) == -1 ||
	    litestore_text(st, 2, out->name, sizeof(out->name)) == -1)
		return -1;
	return 0;
}

enum store_rc
litestore_user_insert(void *h, const char *email, const char *name,
    const char *hash, int64_t now, struct user *out)
{
	struct litestore	*s = h;
	sqlite3_stmt		*st = s->stmt[STMT_USER_INSERT];
	enum store_rc		 rc;

	if ((rc = litestore_exec(s, STMT_BEGIN)) != STORE_OK)
		return rc;
	sqlite3_bind_text(st, 1, email, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, hash, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, now);
	rc = litestore_exec(s, STMT_USER_INSERT);
	/*
	 * A taken e-mail uses up an id, as it does on PostgreSQL (whose
	 * sequences ignore a rollback): otherwise the id of one's next
	 * registration would tell whether an e-mail tried in between was
	 * taken, even with REGISTER_HIDE_EXISTING.  The failed INSERT undid
	 * only itself; the transaction goes on.
	 */
	if (rc == STORE_EXISTS) {
		rc = litestore_end(s, litestore_exec(s, STMT_USER_SKIP_ID));
		return rc == STORE_OK ? STORE_EXISTS : rc;
	}
	if (rc == STORE_OK) {
		out->id = sqlite3_last_insert_rowid(s->db);
		out->password[0] = '\0';
		out->created_at = now;
		out->locked_at = 0;
		if (strlen(email) >= sizeof(out->email) ||
		    strlen(name) >= sizeof(out->name)) {
			log_msg(NULL, "database: refusing a user whose e-mail or name "
			    "exceeds the store's limits");
			rc = STORE_ERR;
		}
		else {
			strcpy(out->email, email);
			strcpy(out->name, name);
		}
	}
	return litestore_end(s, rc);
}

enum store_rc
litestore_user_by_email(void *h, const char *email, struct user *out)
{
	struct litestore	*s = h;
	sqlite3_stmt		*st = s->stmt[STMT_USER_BY_EMAIL];
	enum store_rc		 rc;

	sqlite3_bind_text(st, 1, email, -1, SQLITE_STATIC);
	if ((rc = litestore_row(s, STMT_USER_BY_EMAIL)) != STORE_OK)
		return rc;
	if (litestore_user_row(st, out) == -1 ||
	    litestore_text(st, 3, out->password, sizeof(out->password)) == -1) {
		log_msg(NULL, "database: user row %lld has an over-long field",
		    (long long)out->id);
		rc = STORE_ERR;
	}
	out->created_at = sqlite3_column_int64(st, 4);
	out->locked_at = sqlite3_column_int64(st, 5);
	out->two_factor = sqlite3_column_int(st, 6) != 0;
	litestore_done(s, STMT_USER_BY_EMAIL);
	return rc;
}

enum store_rc
litestore_set_hash(struct litestore *s, int64_t id, const char *hash)
{
	sqlite3_stmt	*st = s->stmt[STMT_USER_SET_PASSWORD];
	enum store_rc	 rc;

	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, hash, -1, SQLITE_STATIC);
	rc = litestore_exec(s, STMT_USER_SET_PASSWORD);
	if (rc == STORE_OK && sqlite3_changes(s->db) == 0)
		rc = STORE_NOTFOUND;
	return rc;
}

enum store_rc
litestore_user_set_password(void *h, int64_t id, const char *hash)
{
	struct litestore	*s = h;
	enum store_rc		 rc;

	if ((rc = litestore_exec(s, STMT_BEGIN)) != STORE_OK)
		return rc;
	return litestore_end(s, litestore_set_hash(s, id, hash));
}

enum store_rc
litestore_user_delete(void *h, const char *email)
{
	struct litestore	*s = h;
	enum store_rc		 rc;

	if ((rc = litestore_exec(s, STMT_BEGIN)) != STORE_OK)
		return rc;
	sqlite3_bind_text(s->stmt[STMT_USER_DELETE], 1, email, -1, SQLITE_STATIC);
	rc = litestore_exec(s, STMT_USER_DELETE);
	if (rc == STORE_OK && sqlite3_changes(s->db) == 0)
		rc = STORE_NOTFOUND;
	return litestore_end(s, rc);
}

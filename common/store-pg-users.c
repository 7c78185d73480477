/*
 * store-pg-users: the users table on PostgreSQL: a user's row, created,
 * found by e-mail, given a new password hash, deleted.
 */
#include <string.h>

#include <libpq-fe.h>

#include "log.h"
#include "pq.h"
#include "store-pg.h"
#include "util.h"

const struct pgstmt pgstore_users_stmts[] = {
	{ STMT_USER_INSERT, "user_insert", 4,
	  "INSERT INTO users (email, name, password, created_at) "
	  "VALUES ($1, $2, $3, $4) RETURNING id" },
	/*
	 * lower() with the "C" collation folds ASCII only, whatever the
	 * database's locale (Turkish would fold I to a dotless i); written
	 * exactly as the unique index is, so that it serves the lookup.
	 */
	{ STMT_USER_BY_EMAIL, "user_by_email", 1,
	  "SELECT id, email, name, password, created_at, locked_at, "
	  "(totp_enabled_at IS NOT NULL)::int FROM users "
	  "WHERE lower(email COLLATE \"C\") = lower($1::text COLLATE \"C\")" },
	{ STMT_USER_SET_PASSWORD, "user_set_password", 2,
	  "UPDATE users SET password = $2 WHERE id = $1" },
	/*
	 * Sessions (with their refresh tokens) and posts go with the user
	 * (ON DELETE CASCADE).
	 */
	{ STMT_USER_DELETE, "user_delete", 1,
	  "DELETE FROM users "
	  "WHERE lower(email COLLATE \"C\") = lower($1::text COLLATE \"C\")" },
	{ STMT__MAX, NULL, 0, NULL }
};

/*
 * Copy id, email, name (and with_hash, the password hash) from columns 0-3
 * of row r of a user row; STORE_ERR (logged) if one is missing or does not
 * fit.  The times are the caller's to read: they are left 0.
 */
enum store_rc
pgstore_user_row(const PGresult *res, int r, struct user *out, int with_hash)
{
	int	 ncols = with_hash ? 4 : 3, col;

	out->id = 0;
	out->password[0] = '\0';
	out->created_at = 0;
	out->locked_at = 0;
	out->two_factor = out->first_factor_only = 0;
	if (pgstore_int(res, r, 0, &out->id) == -1) {
		log_msg(NULL, "database: user row without a valid id");
		return STORE_ERR;
	}
	for (col = 1; col < ncols; col++)
		if (pq.PQgetisnull(res, r, col)) {
			log_msg(NULL, "database: user row %lld has a NULL in "
			    "column %d", (long long)out->id, col);
			return STORE_ERR;
		}
	if (pgstore_text(res, r, 1, out->email, sizeof(out->email)) == -1 ||
	    pgstore_text(res, r, 2, out->name, sizeof(out->name)) == -1 ||
	    (with_hash && pgstore_text(res, r, 3, out->password,
	    sizeof(out->password)) == -1)) {
		log_msg(NULL, "database: user row %lld has an over-long field",
		    (long long)out->id);
		return STORE_ERR;
	}
	return STORE_OK;
}

enum store_rc
pgstore_user_insert(void *h, const char *email, const char *name,
    const char *hash, int64_t now, struct user *out)
{
	struct pgstore	*s = h;
	struct pgparams	 p;
	PGresult	*res;
	enum store_rc	 rc;

	if ((rc = pgstore_begin(s)) != STORE_OK)
		return rc;
	p.v[0] = email;
	p.v[1] = name;
	p.v[2] = hash;
	pgparam_int(&p, 3, now);
	if ((rc = pgstore_row(s, STMT_USER_INSERT, p.v, &res)) != STORE_OK)
		return pgstore_end(s, rc == STORE_NOTFOUND ? STORE_ERR : rc);
	out->password[0] = '\0';
	if (pgstore_int(res, 0, 0, &out->id) == -1 ||
	    strlen(email) >= sizeof(out->email) ||
	    strlen(name) >= sizeof(out->name)) {
		log_msg(NULL, "database: refusing a user whose e-mail or name "
		    "exceeds the store's limits");
		rc = STORE_ERR;
	} else {
		strcpy(out->email, email);
		strcpy(out->name, name);
	}
	pq.PQclear(res);
	return pgstore_end(s, rc);
}

enum store_rc
pgstore_user_by_email(void *h, const char *email, struct user *out)
{
	struct pgstore	*s = h;
	PGresult	*res;
	enum store_rc	 rc;
	int64_t		 on = 0;

	if ((rc = pgstore_row(s, STMT_USER_BY_EMAIL, &email, &res)) != STORE_OK)
		return rc;
	if ((rc = pgstore_user_row(res, 0, out, 1)) == STORE_OK &&
	    (pgstore_int(res, 0, 4, &out->created_at) == -1 ||
	    pgstore_int_or_0(res, 0, 5, &out->locked_at) == -1 ||
	    pgstore_int(res, 0, 6, &on) == -1)) {
		log_msg(NULL, "database: user row %lld has malformed times",
		    (long long)out->id);
		rc = STORE_ERR;
	}
	out->two_factor = on != 0;
	pq.PQclear(res);
	return rc;
}

enum store_rc
pgstore_user_set_password(void *h, int64_t id, const char *hash)
{
	struct pgstore	*s = h;
	struct pgparams	 p;
	enum store_rc	 rc;

	if ((rc = pgstore_begin(s)) != STORE_OK)
		return rc;
	pgparam_int(&p, 0, id);
	p.v[1] = hash;
	return pgstore_end(s, pgstore_change(s, STMT_USER_SET_PASSWORD, p.v));
}

enum store_rc
pgstore_user_delete(void *h, const char *email)
{
	struct pgstore	*s = h;
	enum store_rc	 rc;

	if ((rc = pgstore_begin(s)) != STORE_OK)
		return rc;
	return pgstore_end(s, pgstore_change(s, STMT_USER_DELETE, &email));
}

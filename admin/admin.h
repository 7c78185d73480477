/*
 * admin: what the files of fcgi-auth-admin share: the command's state
 * (settings, options, store), the command table's shape, and the helpers
 * every command prints and reads through (times, tables, JSON, listings,
 * the store's failures).
 */
#ifndef ADMIN_H
#define ADMIN_H

#include <stdint.h>
#include <stdio.h>

#include "app.h"
#include "store.h"
#include "util.h"

struct json_object;

/* The options a command may take beyond -d (bits of admin.given). */
#define OPT_JSON	0x01	/* --json */
#define OPT_LOCKED	0x02	/* --locked */
#define OPT_USER	0x04	/* --user EMAIL|ID */
#define OPT_SINCE	0x08	/* --since TIME */
#define OPT_EVENT	0x10	/* --event NAME */
#define OPT_LIMIT	0x20	/* --limit N */
#define OPT_ALL		0x40	/* --all */

/* Exit statuses: done; failed (not found, store down ...); misused. */
#define ADMIN_OK	0
#define ADMIN_FAIL	1
#define ADMIN_USAGE	2

/* One run of the tool. */
struct admin {
	struct app	 app;		/* settings, and the store once opened */
	const char	*dflag;		/* -d, or NULL */
	const char	*target;	/* the database: -d, else the settings' */
	const char	*cmd;		/* "user lock", for messages */
	const char	*usage;		/* its usage: "user", "audit" ... */
	unsigned	 given;		/* the OPT_ bits given */
	const char	*user;		/* --user */
	const char	*since;		/* --since */
	const char	*event;		/* --event */
	const char	*limit;		/* --limit */
	int64_t		 now;
};

/* A command: its group ("user" ...) or NULL, name, arguments and options. */
struct admin_cmd {
	const char	*group;
	const char	*name;
	int		 min, max;
	unsigned	 opts;
	int		(*run)(struct admin *, char **, int);
};

/* The client of the audit events the tool writes (an address for the API's). */
#define ADMIN_CLIENT	"admin"

/*
 * Open the store (store_new() and store_ready()) into a->app.store.
 * Returns 0, or -1 with the reason on stderr.
 */
int	admin_open(struct admin *a);

/* Say on stderr why a store call failed (not for STORE_NOTFOUND); returns 1. */
int	admin_store_error(const struct admin *a, enum store_rc rc);

/*
 * The same for a store call on the user with e-mail email, where
 * STORE_NOTFOUND means "no user with e-mail EMAIL"; returns 1.
 */
int	admin_user_error(const struct admin *a, const char *email,
	    enum store_rc rc);

/* Say "fcgi-auth-admin: CMD: message" on stderr. */
void	admin_warnx(const struct admin *a, const char *fmt, ...)
	    PRINTF_LIKE(2, 3);

/* Print the usage of group (NULL: the whole tool) on fp and exit with status. */
void	admin_usage(const char *group, FILE *fp, int status)
	    __attribute__((__noreturn__));

/* A misused command: say why, print its usage (a->usage) on stderr, exit 2. */
void	admin_misused(const struct admin *a, const char *fmt, ...)
	    PRINTF_LIKE(2, 3) __attribute__((__noreturn__));

/*
 * Who runs the tool, for an audit event's detail: "root", "uid 1000",
 * "root (sudo from alice)".
 */
const char	*admin_who(void);

/* Record an admin action in the audit log (common/audit.h). */
void	admin_audit(struct admin *a, const char *event, int64_t user_id,
	    const char *fmt, ...) PRINTF_LIKE(4, 5);

/* ISO 8601 UTC, "2026-12-04T10:00:00Z"; "-" for 0. */
#define ADMIN_TIME_LEN	20
const char	*admin_time(int64_t t, char out[ADMIN_TIME_LEN + 1]);

/* The same as a JSON string, or JSON null for 0. */
struct json_object	*admin_json_time(int64_t t);

/*
 * Parse TIME for --since: Unix seconds, an ISO 8601 UTC date or date and
 * time (2026-12-04, 2026-12-04T10:00:00Z, 2026-12-04 10:00), or an age
 * before now: 30s, 30m, 24h, 7d, 2w.  Returns 0 and sets *out, or -1.
 */
int	admin_parse_time(const char *s, int64_t now, int64_t *out);

/*
 * Resolve a user given as an e-mail or (digits) as an id: *id, and *user
 * when found by e-mail (email[0] == '\0' for an id).  Returns 0, or 1
 * with the reason on stderr (no such user, store failure).
 */
int	admin_find_user(struct admin *a, const char *arg, int allow_id,
	    int64_t *id, struct user *user);

/* Print obj as one line of JSON and free it; returns 0, or 1 (ENOMEM). */
int	admin_json_print(struct admin *a, struct json_object *obj);

/*
 * A table for the terminal: a header and rows of text cells, printed in
 * columns as wide as their widest cell (the last one unpadded).  Control
 * characters in cells (a user's name may hold anything) become '?', so
 * nothing reaches the terminal as an escape sequence.
 */
struct admin_table {
	size_t	 ncols;
	size_t	 nrows;	/* the header included */
	size_t	 cap;
	char	**cells;	/* nrows * ncols */
};

int	admin_table_init(struct admin_table *t, size_t ncols,
	    const char *const *header);
/* Add a row of ncols cells; 0, or -1 on ENOMEM. */
int	admin_table_add(struct admin_table *t, const char *const *cells);
void	admin_table_print(const struct admin_table *t, FILE *fp);
void	admin_table_free(struct admin_table *t);

/* Copy s into out as one line of printable text (see admin_table). */
void	admin_clean(const char *s, char *out, size_t outsz);

/*
 * What a listing command (user list, sessions list, throttle list, audit)
 * builds from one store call: with --json a JSON array, else a table
 * (admin_table) under header, or with no header nothing (its rows are
 * printed as they come).  A store callback adds each row with
 * admin_listing_json() or admin_listing_row(); a row that does not fit in
 * memory is noted, and returns -1 to end the store call.
 */
struct admin_listing {
	struct admin		*a;
	int			 json;	/* --json */
	struct json_object	*list;	/* with json: the array */
	struct admin_table	 table;	/* else: the table, if a header */
	int			 oom;	/* a row did not fit */
};

/*
 * Start a listing (header: ncols names, or NULL).  Returns 0, or -1 having
 * said "out of memory", with nothing to free; after 0, admin_listing_free().
 */
int	admin_listing_init(struct admin_listing *l, struct admin *a,
	    size_t ncols, const char *const *header);
/* Add o (NULL: out of memory) to the array, which takes it; 0 or -1. */
int	admin_listing_json(struct admin_listing *l, struct json_object *o);
/* Add a row of ncols cells to the table; 0 or -1. */
int	admin_listing_row(struct admin_listing *l, const char *const *cells);
/*
 * End the listing after its store call returned rc: say why it failed
 * (out of memory, admin_store_error()), else print the JSON array, or the
 * table, or when it has no row the line none (NULL: nothing).  Returns the
 * exit status.
 */
int	admin_listing_finish(struct admin_listing *l, enum store_rc rc,
	    const char *none);
void	admin_listing_free(struct admin_listing *l);

/* The command groups, each in its own file. */
int	admin_user_list(struct admin *, char **, int);
int	admin_user_show(struct admin *, char **, int);
int	admin_user_lock(struct admin *, char **, int);
int	admin_user_unlock(struct admin *, char **, int);
int	admin_user_delete(struct admin *, char **, int);
int	admin_user_set_password(struct admin *, char **, int);
int	admin_user_reset_2fa(struct admin *, char **, int);
int	admin_sessions_list(struct admin *, char **, int);
int	admin_sessions_revoke(struct admin *, char **, int);
int	admin_throttle_list(struct admin *, char **, int);
int	admin_throttle_clear(struct admin *, char **, int);
int	admin_audit_list(struct admin *, char **, int);
int	admin_backup(struct admin *, char **, int);

#endif

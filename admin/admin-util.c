/*
 * admin-util: what every command of fcgi-auth-admin prints and reads
 * through: the store and its failures, times, tables for the terminal,
 * JSON for scripts, the listings made of either, the audit trail of the
 * administrator's actions.
 */
#include <ctype.h>
#include <errno.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "admin.h"
#include "audit.h"
#include "text.h"

void
admin_warnx(const struct admin *a, const char *fmt, ...)
{
	va_list	 ap;

	(void)a;
	fflush(stdout);
	fputs("fcgi-auth-admin: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void
admin_misused(const struct admin *a, const char *fmt, ...)
{
	va_list	 ap;

	fflush(stdout);
	fprintf(stderr, "fcgi-auth-admin: %s: ", a->cmd != NULL ? a->cmd : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	admin_usage(a->usage, stderr, ADMIN_USAGE);
}

int
admin_store_error(const struct admin *a, enum store_rc rc)
{
	char	 shown[4096];

	util_redact_url(a->target, shown, sizeof(shown));
	switch (rc) {
	case STORE_BUSY:
		admin_warnx(a, "database %s is busy (another process holds its "
		    "lock): try again", shown);
		break;
	case STORE_FULL:
		admin_warnx(a, "database %s: the disk is full: free space and "
		    "try again", shown);
		break;
	case STORE_DOWN:
		/* The store has said why, in the line above. */
		admin_warnx(a, "database %s is unavailable", shown);
		break;
	default:
		admin_warnx(a, "database %s: the command failed (see above)",
		    shown);
		break;
	}
	return ADMIN_FAIL;
}

int
admin_user_error(const struct admin *a, const char *email, enum store_rc rc)
{
	if (rc != STORE_NOTFOUND)
		return admin_store_error(a, rc);
	admin_warnx(a, "no user with e-mail %s", email);
	return ADMIN_FAIL;
}

int
admin_open(struct admin *a)
{
	enum store_rc	 rc;

	if ((a->app.store = store_new(a->target)) == NULL) {
		admin_warnx(a, "out of memory");
		return -1;
	}
	if ((rc = store_ready(a->app.store)) != STORE_OK) {
		admin_store_error(a, rc);
		return -1;
	}
	return 0;
}

const char *
admin_who(void)
{
	static char	 who[128];
	struct passwd	*pw;
	const char	*sudo = getenv("SUDO_USER");
	char		 name[48];
	uid_t		 uid = getuid();

	if ((pw = getpwuid(uid)) != NULL)
		snprintf(name, sizeof(name), "%.40s", pw->pw_name);
	else
		snprintf(name, sizeof(name), "uid %lu", (unsigned long)uid);
	/* Informative only: anyone can set it, but sudo does. */
	if (uid == 0 && sudo != NULL && *sudo != '\0')
		snprintf(who, sizeof(who), "%s (sudo from %.40s)", name, sudo);
	else
		snprintf(who, sizeof(who), "%s", name);
	return who;
}

void
admin_audit(struct admin *a, const char *event, int64_t user_id,
    const char *fmt, ...)
{
	char	 what[AUDIT_DETAIL_MAX + 1];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	audit(&a->app, ADMIN_CLIENT, event, user_id, "%s by %s", what,
	    admin_who());
}

const char *
admin_time(int64_t t, char out[ADMIN_TIME_LEN + 1])
{
	struct tm	 tm;
	time_t		 tt = (time_t)t;

	if (t == 0) {
		strcpy(out, "-");
		return out;
	}
	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(out, ADMIN_TIME_LEN + 1, "%Y-%m-%dT%H:%M:%SZ", &tm) !=
	    ADMIN_TIME_LEN)
		snprintf(out, ADMIN_TIME_LEN + 1, "%lld", (long long)t);
	return out;
}

struct json_object *
admin_json_time(int64_t t)
{
	char	 buf[ADMIN_TIME_LEN + 1];

	if (t == 0)
		return NULL;	/* json-c writes a NULL member as null */
	return json_object_new_string(admin_time(t, buf));
}

/* n decimal digits at s into *out; 0 or -1. */
static int
admin_digits(const char *s, size_t n, int *out)
{
	size_t	 i;

	*out = 0;
	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		*out = *out * 10 + (s[i] - '0');
	}
	return 0;
}

/* YYYY-MM-DD[(T| )HH:MM[:SS]][Z], UTC; 0 or -1. */
static int
admin_parse_iso(const char *s, int64_t *out)
{
	struct tm	 tm, check;
	time_t		 t;
	int		 y, mo, d, h = 0, mi = 0, sec = 0;
	size_t		 len = strlen(s);

	if (len < 10 || s[4] != '-' || s[7] != '-' ||
	    admin_digits(s, 4, &y) == -1 || admin_digits(s + 5, 2, &mo) == -1 ||
	    admin_digits(s + 8, 2, &d) == -1)
		return -1;
	s += 10;
	if (*s == 'T' || *s == 't' || *s == ' ') {
		if (strlen(s) < 6 || s[3] != ':' ||
		    admin_digits(s + 1, 2, &h) == -1 ||
		    admin_digits(s + 4, 2, &mi) == -1)
			return -1;
		s += 6;
		if (*s == ':') {
			if (admin_digits(s + 1, 2, &sec) == -1)
				return -1;
			s += 3;
		}
	}
	if (*s == 'Z' || *s == 'z')
		s++;
	if (*s != '\0' || y < 1970)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	if ((t = timegm(&tm)) == (time_t)-1 || gmtime_r(&t, &check) == NULL)
		return -1;
	/* timegm() takes 2026-02-30 for March 2nd: refuse what moved. */
	if (check.tm_year != y - 1900 || check.tm_mon != mo - 1 ||
	    check.tm_mday != d || check.tm_hour != h || check.tm_min != mi ||
	    check.tm_sec != sec)
		return -1;
	*out = (int64_t)t;
	return 0;
}

int
admin_parse_time(const char *s, int64_t now, int64_t *out)
{
	static const struct {
		char	 unit;
		int64_t	 seconds;
	} units[] = {
		{ 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 },
		{ 'w', 7 * 86400 },
	};
	const char	*errstr;
	char		 num[32];
	size_t		 len = strlen(s), i;
	int64_t		 n;

	if (util_parse_int(s, 0, INT64_MAX / 2, out, &errstr) == 0)
		return 0;
	if (admin_parse_iso(s, out) == 0)
		return 0;
	if (len < 2 || len >= sizeof(num))
		return -1;
	for (i = 0; i < NITEMS(units); i++) {
		if (s[len - 1] != units[i].unit)
			continue;
		memcpy(num, s, len - 1);
		num[len - 1] = '\0';
		/* A thousand years is far enough back. */
		if (util_parse_int(num, 0, (int64_t)1000 * 366 * 86400 /
		    units[i].seconds, &n, &errstr) == -1)
			return -1;
		*out = now - n * units[i].seconds;
		if (*out < 0)
			*out = 0;
		return 0;
	}
	return -1;
}

int
admin_find_user(struct admin *a, const char *arg, int allow_id, int64_t *id,
    struct user *user)
{
	const char	*errstr;
	enum store_rc	 rc;

	memset(user, 0, sizeof(*user));
	/* 12@example.com is an e-mail: only digits make an id. */
	if (allow_id && *arg != '\0' &&
	    arg[strspn(arg, "0123456789")] == '\0') {
		if (util_parse_int(arg, 1, INT64_MAX, id, &errstr) == -1)
			admin_misused(a, "%s is not a user id or an e-mail",
			    arg);
		return 0;
	}
	rc = store_user_by_email(a->app.store, arg, user);
	util_wipe(user->password, sizeof(user->password));
	if (rc != STORE_OK)
		return admin_user_error(a, arg, rc);
	*id = user->id;
	return 0;
}

int
admin_json_print(struct admin *a, struct json_object *obj)
{
	const char	*s = NULL;

	if (obj != NULL)
		s = json_object_to_json_string_ext(obj,
		    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	if (s == NULL) {
		json_object_put(obj);
		admin_warnx(a, "out of memory");
		return ADMIN_FAIL;
	}
	printf("%s\n", s);
	json_object_put(obj);
	return ADMIN_OK;
}

/*
 * Could this character change what the terminal shows beyond itself:
 * C0 and C1 controls, DEL, line and paragraph separators, and the
 * bidirectional overrides that reorder text around them.
 */
static int
admin_unsafe(int32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) ||
	    cp == 0x2028 || cp == 0x2029 || (cp >= 0x200e && cp <= 0x200f) ||
	    (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

void
admin_clean(const char *s, char *out, size_t outsz)
{
	size_t		 n = strlen(s), i = 0, at, len, o = 0;
	int32_t		 cp;

	while (i < n) {
		at = i;
		if ((cp = text_utf8_next(s, n, &i)) < 0 || admin_unsafe(cp)) {
			/* A byte that is not UTF-8 is one '?'. */
			if (cp < 0)
				i = at + 1;
			if (o + 1 >= outsz)
				break;
			out[o++] = '?';
		} else {
			len = i - at;
			if (o + len >= outsz)
				break;
			memcpy(out + o, s + at, len);
			o += len;
		}
	}
	out[o] = '\0';
}

/* Columns a cleaned cell takes: its characters (wide ones count as one). */
static size_t
admin_width(const char *s)
{
	size_t	 w = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
	return w;
}

int
admin_table_init(struct admin_table *t, size_t ncols,
    const char *const *header)
{
	memset(t, 0, sizeof(*t));
	t->ncols = ncols;
	return admin_table_add(t, header);
}

int
admin_table_add(struct admin_table *t, const char *const *cells)
{
	char	**grown;
	size_t	 i, sz;

	if (t->nrows == t->cap) {
		t->cap = t->cap == 0 ? 16 : t->cap * 2;
		if ((grown = reallocarray(t->cells, t->cap * t->ncols,
		    sizeof(*grown))) == NULL)
			return -1;
		t->cells = grown;
	}
	for (i = 0; i < t->ncols; i++) {
		sz = strlen(cells[i]) + 1;	/* cleaning never lengthens */
		if ((t->cells[t->nrows * t->ncols + i] = malloc(sz)) == NULL) {
			while (i-- > 0)
				free(t->cells[t->nrows * t->ncols + i]);
			return -1;
		}
		admin_clean(cells[i], t->cells[t->nrows * t->ncols + i], sz);
	}
	t->nrows++;
	return 0;
}

void
admin_table_print(const struct admin_table *t, FILE *fp)
{
	size_t	*width, r, c, w;

	if ((width = calloc(t->ncols, sizeof(*width))) == NULL)
		return;
	for (r = 0; r < t->nrows; r++)
		for (c = 0; c < t->ncols; c++)
			if ((w = admin_width(t->cells[r * t->ncols + c])) >
			    width[c])
				width[c] = w;
	for (r = 0; r < t->nrows; r++) {
		for (c = 0; c < t->ncols; c++) {
			const char *cell = t->cells[r * t->ncols + c];

			fputs(cell, fp);
			if (c + 1 == t->ncols)
				break;
			for (w = admin_width(cell); w < width[c] + 2; w++)
				fputc(' ', fp);
		}
		fputc('\n', fp);
	}
	free(width);
}

void
admin_table_free(struct admin_table *t)
{
	size_t	 i;

	for (i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	memset(t, 0, sizeof(*t));
}

int
admin_listing_init(struct admin_listing *l, struct admin *a, size_t ncols,
    const char *const *header)
{
	memset(l, 0, sizeof(*l));
	l->a = a;
	l->json = (a->given & OPT_JSON) != 0;
	if (l->json ? (l->list = json_object_new_array()) == NULL :
	    header != NULL &&
	    admin_table_init(&l->table, ncols, header) == -1) {
		admin_listing_free(l);
		admin_warnx(a, "out of memory");
		return -1;
	}
	return 0;
}

int
admin_listing_json(struct admin_listing *l, struct json_object *o)
{
	if (o == NULL || json_object_array_add(l->list, o) == -1) {
		json_object_put(o);
		l->oom = 1;
		return -1;
	}
	return 0;
}

int
admin_listing_row(struct admin_listing *l, const char *const *cells)
{
	if (admin_table_add(&l->table, cells) == -1) {
		l->oom = 1;
		return -1;
	}
	return 0;
}

int
admin_listing_finish(struct admin_listing *l, enum store_rc rc,
    const char *none)
{
	int	 status;

	if (l->oom) {
		admin_warnx(l->a, "out of memory");
		return ADMIN_FAIL;
	}
	if (rc != STORE_OK)
		return admin_store_error(l->a, rc);
	if (l->json) {
		status = admin_json_print(l->a, l->list);
		l->list = NULL;		/* admin_json_print() freed it */
		return status;
	}
	if (l->table.nrows > 1)		/* more than the header */
		admin_table_print(&l->table, stdout);
	else if (none != NULL)
		printf("%s\n", none);
	return ADMIN_OK;
}

void
admin_listing_free(struct admin_listing *l)
{
	json_object_put(l->list);
	admin_table_free(&l->table);
	l->list = NULL;
}

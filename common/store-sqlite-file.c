/*
 * store-sqlite-file: the SQLite backend's watch on its database file: a
 * file deleted or replaced under the running programs (a backup restored),
 * and one they may not write (its owner or mode changed).
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "store-sqlite.h"
#include "util.h"

int
litestore_unwritable(const char *path)
{
	static const char *const sfx[] = { "", "-wal", "-shm" };
	char	 name[PATH_MAX];
	size_t	 i;
	char	*slash;

	if (access(path, F_OK) == -1)
		return 0;
	for (i = 0; i < NITEMS(sfx); i++) {
		if ((size_t)snprintf(name, sizeof(name), "%s%s", path,
		    sfx[i]) >= sizeof(name))
			return 0;
		if (faccessat(AT_FDCWD, name, W_OK, AT_EACCESS) == -1 &&
		    errno != ENOENT)
			return 1;
	}
	snprintf(name, sizeof(name), "%s", path);
	if ((slash = strrchr(name, '/')) == NULL)
		snprintf(name, sizeof(name), ".");
	else if (slash == name)
		name[1] = '\0';
	else
		*slash = '\0';
	return faccessat(AT_FDCWD, name, W_OK, AT_EACCESS) == -1;
}

void
litestore_abandon(struct litestore *s)
{
	if (s->db != NULL)
		sqlite3_db_config(s->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1,
		    NULL);
	litestore_disconnect(s);
}

enum store_rc
litestore_same_file(struct litestore *s)
{
	struct stat	 st;

	if (s->db == NULL)
		return STORE_OK;
	if (stat(s->path, &st) == 0) {
		if (st.st_dev == s->dev && st.st_ino == s->ino)
			return STORE_OK;
		log_msg(NULL, "database %s was replaced by another file: "
		    "reopening it", s->path);
		litestore_abandon(s);
		return STORE_OK;
	}
	/* Another error (EACCES ...): the next open will say. */
	if (errno == ENOENT && s->down != DOWN_OPEN)
		log_msg(NULL, "database %s is gone (deleted, or being "
		    "replaced): 503 until a database is back at that path",
		    s->path);
	if (errno == ENOENT)
		s->down = DOWN_OPEN;
	litestore_abandon(s);
	return STORE_DOWN;
}

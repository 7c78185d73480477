# helpers.bash (tests/faults): the API suites' helpers (a real lighttpd
# serving the real programs) and what the fault suites add: small
# filesystems to fill, the database on them, a load to run meanwhile.
# Under tests/faults/pg/ (links to the same files) the store is PostgreSQL.
load "$abs_top_srcdir/tests/api/helpers"

# The API helpers' teardown_file, run after this file's own clean-up.
eval "api_$(declare -f teardown_file)"

# need_root WHAT: skip (the whole file, from setup_file) unless root,
# which mounting a filesystem needs; CI runs the suites as root.
need_root() {
	[ "$(id -u)" -eq 0 ] || skip "needs root to $1 (CI runs the suites as root)"
}

# tmpfs_mount DIR SIZE: a tmpfs of SIZE (mount's size=, e.g. 4m) at DIR,
# unmounted by teardown_file; skips the file if it cannot be mounted (a
# container without the capability).
tmpfs_mount() {
	mkdir -p "$1"
	mount -t tmpfs -o "size=$2,mode=0755" fcgi-auth-faults "$1" 2>"$BATS_FILE_TMPDIR/mount.err" ||
	    skip "cannot mount a tmpfs: $(cat "$BATS_FILE_TMPDIR/mount.err")"
	printf '%s\n' "$1" >>"$BATS_FILE_TMPDIR/mounts"
}

# fill DIR: take every free block of DIR's filesystem with DIR/filler.
fill() {
	dd if=/dev/zero of="$1/filler" bs=4k 2>/dev/null || true
	[ "$(df --output=avail -k "$1" | tail -n 1 | tr -d ' ')" -eq 0 ] ||
	    fail "$1 still has room after filling: $(df -k "$1")"
}

# unfill DIR: give the space back.
unfill() {
	rm -f "$1/filler"
}

# pg_tablespace DIR: a tablespace on DIR (made the cluster's user's), for
# pg_create_database_in; dropped by teardown_file after the databases.
pg_tablespace() {
	local owner name
	owner=$(stat -c %U "$(pg_admin 'SHOW data_directory')") || return 1
	chown "$owner" "$1"
	name=fa_ts_$$_${RANDOM}
	pg_admin "CREATE TABLESPACE $name LOCATION '$1'" >&2 || return 1
	printf '%s\n' "$name" >>"$BATS_FILE_TMPDIR/tablespaces"
	TABLESPACE=$name
}

# pg_database_in TABLESPACE: make this file's database (see database) a
# new one in TABLESPACE.
pg_database_in() {
	local name
	name=fa_$(basename "$BATS_TEST_FILENAME" .bats | tr -c 'a-z0-9\n' _)_$$_${RANDOM}
	pg_admin "CREATE DATABASE $name TABLESPACE $1" >&2 || return 1
	printf '%s\n' "$name" >>"$BATS_FILE_TMPDIR/databases"
	pg_url "$name" >"$BATS_FILE_TMPDIR/database"
}

teardown_file() {
	local f name
	for f in "$BATS_FILE_TMPDIR"/*.pid; do
		[ -f "$f" ] && server_stop "$(basename "$f" .pid)"
	done
	pg_drop_databases
	if [ -f "$BATS_FILE_TMPDIR/tablespaces" ]; then
		while read -r name; do
			pg_admin "DROP TABLESPACE IF EXISTS $name" ||
			    echo "# could not drop the tablespace $name" >&3
		done <"$BATS_FILE_TMPDIR/tablespaces"
	fi
	if [ -f "$BATS_FILE_TMPDIR/mounts" ]; then
		while read -r f; do
			umount "$f" || umount -l "$f" || echo "# could not unmount $f" >&3
		done <"$BATS_FILE_TMPDIR/mounts"
	fi
	api_teardown_file
}

# fsql QUERY: sql on this file's database, wherever it lives (DB_FILE: an
# SQLite file elsewhere than the state directory).
fsql() {
	if [ "$STORE" = sqlite ] && [ -n "${DB_FILE:-}" ]; then
		sqlite3 "$DB_FILE" "$@"
	else
		sql "$@"
	fi
}

# log_count TEXT: how many lines of the programs' log hold TEXT.
log_count() {
	grep -cF -- "$1" "$ERROR_LOG" || true
}

# assert_503 MESSAGE RETRY: the last reply is the programs' 503 with MESSAGE
# and Retry-After: RETRY.
assert_503() {
	assert_reply 503 "{\"statusCode\":503,\"message\":\"$1\",\"error\":\"Service Unavailable\"}"
	assert_equal "$(header Retry-After)" "$2"
}

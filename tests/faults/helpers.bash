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

# pg_cluster: a PostgreSQL cluster of this file's own (scripts/start-
# postgresql) in the state directory, to stop and start: exports PG_DIR,
# PG_PORT and CLUSTER_URL (its database fa_faults).  teardown_file stops it.
pg_cluster() {
	local port
	export PG_DIR=$(state_dir)/postgresql
	for _ in 1 2 3 4 5; do
		port=$((20000 + RANDOM % 40000))
		(exec 5<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || break
	done
	export PG_PORT=$port
	printf '%s\n' "$PG_DIR" >>"$BATS_FILE_TMPDIR/clusters"
	CLUSTER_URL=$(pg_ctl_cluster start) || return 1
	export CLUSTER_URL
}

# pg_ctl_cluster start|stop: start or stop (fast: connections are closed)
# the cluster pg_cluster made.
pg_ctl_cluster() {
	POSTGRESQL_DIR=$PG_DIR PGPORT=$PG_PORT PGDATABASE=fa_faults \
	    "$abs_top_srcdir/scripts/start-postgresql" "$1" 2>>"$BATS_FILE_TMPDIR/postgresql.out"
}

teardown_file() {
	local f name
	for f in "$BATS_FILE_TMPDIR"/*.pid; do
		[ -f "$f" ] && server_stop "$(basename "$f" .pid)"
	done
	if [ -f "$BATS_FILE_TMPDIR/clusters" ]; then
		while read -r f; do
			POSTGRESQL_DIR=$f "$abs_top_srcdir/scripts/start-postgresql" stop 2>/dev/null ||
			    echo "# could not stop the cluster in $f" >&3
		done <"$BATS_FILE_TMPDIR/clusters"
	fi
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

# load_start N PATH JSON: N clients each sending POST PATH with JSON (its
# "@i" replaced by "CLIENT-SEQ", unique) as $TOKEN, one request after
# another, until load_stop; each reply is a line "CLIENT-SEQ<TAB>STATUS<TAB>
# SECONDS<TAB>RETRY-AFTER<TAB>BODY" in $BATS_TEST_TMPDIR/load.
load_start() {
	local n=$1 path=$2 json=$3 c
	rm -f "$BATS_TEST_TMPDIR/load" "$BATS_TEST_TMPDIR/load.stop"
	LOAD_PIDS=()
	for c in $(seq "$n"); do
		(
			i=0
			while [ ! -e "$BATS_TEST_TMPDIR/load.stop" ]; do
				i=$((i + 1))
				body=${json//@i/$c-$i}
				curl -s -m 60 -X POST -H 'Content-Type: application/json' \
				    -b "Authentication=$TOKEN" --data-binary "$body" \
				    -w "\n$c-$i\t%{http_code}\t%{time_total}\t%header{retry-after}\t" \
				    "$URL$path" | awk 'NR == 1 { b = $0; next } { printf "%s%s\n", $0, b }'
			done >>"$BATS_TEST_TMPDIR/load.$c"
		) 3>&- &
		LOAD_PIDS+=($!)
	done
}

# A load a failed test left running stops with it.
teardown() {
	if [ -n "${LOAD_PIDS[*]-}" ]; then
		touch "$BATS_TEST_TMPDIR/load.stop"
		wait "${LOAD_PIDS[@]}" || true
	fi
}

# load_stop: stop the clients, wait for their last replies, and gather
# them into $BATS_TEST_TMPDIR/load.
load_stop() {
	touch "$BATS_TEST_TMPDIR/load.stop"
	wait "${LOAD_PIDS[@]}"
	LOAD_PIDS=()
	cat "$BATS_TEST_TMPDIR"/load.[0-9]* >"$BATS_TEST_TMPDIR/load"
}

# load_summary: "N x STATUS, ..." and the slowest reply's seconds.
load_summary() {
	awk -F '\t' '{ n[$2]++; if ($3 > max) max = $3 } END {
		for (s in n) printf "%s x %s, ", n[s], s; printf "slowest %.2f s\n", max }' \
	    "$BATS_TEST_TMPDIR/load"
}

# served_again: a post by $TOKEN gets its 201 within 10 s (tried every
# 0.1 s), and the load goes on half a second more, past the fault.
served_again() {
	for _ in $(seq 100); do
		post_json /posts '{"title":"after","content":"the fault"}' -b "Authentication=$TOKEN"
		[ "$STATUS" = 201 ] && break
		sleep 0.1
	done
	assert_equal "$STATUS" 201
	sleep 0.5
}

# load_count STATUS: how many load replies had STATUS.
load_count() {
	awk -F '\t' -v s="$1" '$2 == s { n++ } END { print n + 0 }' "$BATS_TEST_TMPDIR/load"
}

# program_pids [NAME]: the FastCGI processes of this file's lighttpd NAME
# (default main).
program_pids() {
	pgrep -P "$(cat "$BATS_FILE_TMPDIR/${1:-main}.pid")" | sort -n | tr '\n' ' '
}

# dsql QUERY: on the database the programs use here (DB_FILE: an SQLite
# file of a test's own).
dsql() {
	if [ "$STORE" = postgresql ] && [ -n "${DB_URL:-}" ]; then
		"$PSQL" -X -A -t -q -v ON_ERROR_STOP=1 -d "$DB_URL" -c "$1"
	else
		fsql "$1"
	fi
}

# assert_acked_kept: every post a load acknowledged (201) is stored, with
# its title.
assert_acked_kept() {
	local acked stored missing
	acked=$(awk -F '\t' '$2 == 201 { sub(/^\{"id":/, "", $5); sub(/,.*/, "", $5); print $5 "|" $1 }' \
	    "$BATS_TEST_TMPDIR/load" | sort)
	stored=$(dsql "SELECT id || '|' || substr(title, 6) FROM posts WHERE title LIKE 'load %'" | sort)
	missing=$(comm -23 <(printf '%s\n' "$acked") <(printf '%s\n' "$stored"))
	[ -z "$missing" ] || fail "acknowledged and lost: $missing"
}

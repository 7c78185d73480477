#!/usr/bin/env bats
# reload: the web server's graceful restart with requests in flight
# (lighttpd: SIGUSR1; Apache with mod_fcgid, tests/faults/apache/: its
# graceful restart, SIGUSR1 too, what apachectl graceful sends), during a
# steady load of posts.  No request fails or is answered twice, every
# acknowledged post is stored once, and the restarted server serves with
# new program processes and no stale sockets left behind.  Behind Apache
# (whose programs run as www-data) also a database directory made
# read-only, met by the processes the restart starts.

load helpers

setup_file() {
	server_start main PROCS=2
}

@test "graceful restart under load: every post answered once, none lost, none twice" {
	local pid before dupes sockets
	pid=$(cat "$BATS_FILE_TMPDIR/main.pid")
	register reload@example.com
	login reload@example.com
	[ "$SERVER" != lighttpd ] || before=$(program_pids)
	load_start 2 /posts '{"title":"load @i","content":"through a graceful restart"}'
	sleep 0.5
	kill -USR1 "$pid"
	served_again
	load_stop
	echo "# $SERVER: $(load_summary)" >&3
	# The server itself went on: the same process.
	kill -0 "$pid"
	# Every reply a 201 (a request in flight finishes; new ones wait for
	# the restarted server, or get the programs' 503 while they start).
	bad=$(awk -F '\t' '$2 != 201 && !($2 == 503 && $4 == "1") { print }' "$BATS_TEST_TMPDIR/load")
	[ -z "$bad" ] || fail "replies other than 201: $(head -n 5 <<<"$bad")"
	[ "$(load_count 201)" -gt 0 ]
	# Every 201 stored, and no post stored twice (a request run again).
	assert_acked_kept
	dupes=$(fsql "SELECT title FROM posts GROUP BY title HAVING count(*) > 1")
	[ -z "$dupes" ] || fail "stored twice: $dupes"
	# Nothing stored that was not acknowledged.
	assert_equal "$(fsql "SELECT count(*) FROM posts WHERE title LIKE 'load %'")" "$(load_count 201)"
	if [ "$SERVER" = lighttpd ]; then
		# New processes, and a socket for each and no other.
		[ "$(program_pids)" != "$before" ] || fail "the programs were not restarted"
		sockets=$(find "$(dirname "$ERROR_LOG")/sockets" -type s | wc -l)
		assert_equal "$sockets" "$(pgrep -P "$pid" | wc -l)"
	fi
}

@test "the database's directory made read-only, then a graceful restart: the new processes answer 503 and say why; fixed, served with no restart" {
	[ "$SERVER" = apache ] && [ "$STORE" = sqlite ] ||
	    skip "behind Apache on SQLite only: the programs run as root under this lighttpd, and root may write anything"
	need_root "give the database away from the programs' user"
	local pid db dir user=www-data f
	pid=$(cat "$BATS_FILE_TMPDIR/main.pid")
	db=$(database)
	dir=$(dirname "$db")
	register readonly@example.com
	login readonly@example.com
	# The operator's mistake: the directory and the files given to root.
	for f in "$dir" "$db" "$db-wal" "$db-shm"; do
		[ ! -e "$f" ] || chown root: "$f"
	done
	# Processes that have the files open write on (open files stay
	# writable); those the restart starts cannot open them for writing.
	kill -USR1 "$pid"
	for _ in $(seq 100); do
		post_json /posts '{"title":"ro","content":"x"}' -b "Authentication=$TOKEN"
		[ "$STATUS" = 503 ] && break
		sleep 0.1
	done
	assert_503 'Database is unavailable' 1
	[ "$(log_count "is read-only for this process (uid $(id -u "$user"))")" -ge 1 ] ||
	    fail "the log does not say why: $(grep -F 'database' "$ERROR_LOG" | tail -n 3)"
	# Fixed: served at once, no restart.
	for f in "$dir" "$db" "$db-wal" "$db-shm"; do
		[ ! -e "$f" ] || chown "$user:" "$f"
	done
	post_json /posts '{"title":"rw","content":"y"}' -b "Authentication=$TOKEN"
	assert_equal "$STATUS" 201
	grep -F -e 'read-only' -e 'writable again' "$ERROR_LOG" | sed 's/^/# log: /' >&3
}

#!/usr/bin/env bats
# reload: the web server's graceful restart with requests in flight
# (lighttpd: SIGUSR1; Apache with mod_fcgid, tests/faults/apache/: its
# graceful restart, SIGUSR1 too, what apachectl graceful sends), during a
# steady load of posts.  No request fails or is answered twice, every
# acknowledged post is stored once, and the restarted server serves with
# new program processes and no stale sockets left behind.

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

#!/usr/bin/env bats
# db-away: the database goes away under the running programs and comes
# back.  PostgreSQL (tests/faults/pg/): a cluster of this file's own,
# stopped and started during a steady load of posts.  SQLite: the file
# deleted and a backup restored in its place, as an operator would.
# Meanwhile every reply is the programs' 201 or their 503 with Retry-After,
# none waits past the documented deadline, no program is restarted,
# service resumes by itself, and every acknowledged write is there.

load helpers

UNAVAILABLE='Database is unavailable'

setup_file() {
	if [ "$STORE" = postgresql ]; then
		pg_cluster
		server_start main PROCS=2 "DATABASE_URL=$CLUSTER_URL"
	else
		server_start main PROCS=2
	fi
	export DB_URL=${CLUSTER_URL:-}
}

# assert_load_replies: every load reply was a 201, or the programs' 503
# "Database is unavailable" with Retry-After: 1; none took longer than
# SECONDS ($1).
assert_load_replies() {
	local bad
	bad=$(awk -F '\t' -v max="$1" -v e503="{\"statusCode\":503,\"message\":\"$UNAVAILABLE\",\"error\":\"Service Unavailable\"}" '
	    $2 == 201 && $5 ~ /^\{"id":[0-9]+,/ && $3 < max { next }
	    $2 == 503 && $5 == e503 && $4 == "1" && $3 < max { next }
	    { print }' "$BATS_TEST_TMPDIR/load")
	[ -z "$bad" ] || fail "unexpected replies: $(head -n 5 <<<"$bad")"
}

@test "PostgreSQL stopped and started under load: 503 meanwhile, reconnected by itself, nothing acknowledged lost" {
	postgresql_only "the cluster stops and starts"
	local before after t0 t1
	register away@example.com
	login away@example.com
	before=$(program_pids)
	load_start 2 /posts '{"title":"load @i","content":"under a restart"}'
	sleep 0.5
	t0=$(date +%s.%N)
	pg_ctl_cluster stop
	sleep 1
	pg_ctl_cluster start >/dev/null
	t1=$(date +%s.%N)
	served_again
	load_stop
	echo "# outage $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s; load: $(load_summary)" >&3
	# The deadline: a statement's answer within 12 s (README), a connect 5 s.
	assert_load_replies 12
	[ "$(load_count 503)" -gt 0 ] || fail "no request met the outage"
	[ "$(load_count 201)" -gt 0 ]
	assert_acked_kept
	after=$(program_pids)
	assert_equal "$after" "$before"
	# The loss is logged, once per process, not per request.
	[ "$(log_count 'connection lost')" -le 6 ] || fail "$(grep -F 'connection lost' "$ERROR_LOG")"
	grep -F -e 'connection lost' -e 'serving' "$ERROR_LOG" | sed 's/^/# log: /' >&3
}

@test "SQLite file deleted, then a backup put in its place: 503 meanwhile, then the backup's data, never a write into the deleted file" {
	[ "$STORE" = sqlite ] || skip "SQLite only: the file is replaced"
	local db backup before
	db=$(database)
	backup=$(state_dir)/backup.sqlite
	register restore@example.com
	login restore@example.com
	post_json /posts '{"title":"kept","content":"in the backup"}' -b "Authentication=$TOKEN"
	assert_equal "$STATUS" 201
	"$ADMIN" -d "$db" backup "$backup"
	post_json /posts '{"title":"after the backup","content":"lost with the file"}' -b "Authentication=$TOKEN"
	assert_equal "$STATUS" 201
	before=$(program_pids)

	# Deleted with its -wal and -shm (README: restoring a backup).
	rm -f "$db" "$db-wal" "$db-shm"
	post_json /posts '{"title":"into the void","content":"x"}' -b "Authentication=$TOKEN"
	assert_503 "$UNAVAILABLE" 1
	req GET /posts
	assert_503 "$UNAVAILABLE" 1
	req GET /authentication -b "Authentication=$TOKEN"
	assert_503 "$UNAVAILABLE" 1
	# No program made a new, empty database there.
	[ ! -e "$db" ]

	# The backup, moved in whole (a rename: never a half-copied file).
	cp "$backup" "$db.new"
	mv "$db.new" "$db"
	req GET /posts
	assert_equal "$STATUS" 200
	assert_equal "$(jq -c '[.[].title]' <<<"$BODY")" '["kept"]'
	post_json /posts '{"title":"restored","content":"y"}' -b "Authentication=$TOKEN"
	assert_equal "$STATUS" 201
	assert_equal "$(sql "SELECT group_concat(title, ',') FROM (SELECT title FROM posts ORDER BY id)")" "kept,restored"
	assert_equal "$(sql 'PRAGMA integrity_check')" ok
	assert_equal "$(program_pids)" "$before"
	[ "$(log_count "database $db is gone")" -ge 1 ]
	# At most once per process (two log-in, me, posts ... processes).
	[ "$(log_count "database $db is gone")" -le 8 ]

	# Replaced while present: the next request reads the new file.
	"$ADMIN" -d "$db" backup "$backup.2"
	sqlite3 "$backup.2" "UPDATE posts SET title = 'swapped' WHERE title = 'kept'"
	# README's order: the old file's -wal and -shm go first (the new one
	# must not find them), then the new file is renamed in.
	rm -f "$db-wal" "$db-shm"
	mv "$backup.2" "$db"
	req GET /posts
	assert_equal "$(jq -c '[.[].title]' <<<"$BODY")" '["swapped","restored"]'
	[ "$(log_count "database $db was replaced by another file")" -ge 1 ]
	assert_equal "$(sql 'PRAGMA integrity_check')" ok
	grep -F -e "is gone" -e 'replaced' -e 'serving' "$ERROR_LOG" | sed 's/^/# log: /' >&3
}

#!/usr/bin/env bats
# disk-full: the database's disk fills up under the programs (SQLite: the
# file on a small tmpfs; PostgreSQL, tests/faults/pg/: its database in a
# tablespace on one).  Writes answer 503 "The server's storage is full"
# with Retry-After, the log says so once per process a minute, reads go
# on, the throttle does not fail open; once space is freed writes work
# again with no restart, and every acknowledged write is there.

load helpers

FULL="The server's storage is full"

setup_file() {
	local mnt
	need_root "mount a small filesystem to fill"
	mnt=$(state_dir)/disk
	export MNT=$mnt
	if [ "$STORE" = sqlite ]; then
		tmpfs_mount "$mnt" 4m
		export DB_FILE=$mnt/fcgi-auth.sqlite
		set -- "DATABASE_PATH=$DB_FILE"
	else
		# An empty database takes some 8 MB of its tablespace.
		tmpfs_mount "$mnt" 24m
		pg_tablespace "$mnt"
		pg_database_in "$TABLESPACE"
		set --
	fi
	# One process per program, so "once per process" is a count; the
	# log-in throttle on, to see that it does not fail open.
	server_start main PROCS=1 THROTTLE_LOGIN_PER_PAIR=5 \
	    THROTTLE_LOGIN_PER_ACCOUNT=10 THROTTLE_LOGIN_PER_ADDRESS=30 "$@"
}

# post TITLE: a post of 8 KB by $TOKEN that does not compress (PostgreSQL
# would fit a long run of one letter into a few bytes).
post() {
	[ -n "${CONTENT-}" ] || CONTENT=$(head -c 6000 /dev/urandom | base64 -w0)
	post_json /posts "{\"title\":\"$1\",\"content\":\"$CONTENT\"}" \
	    -b "Authentication=$TOKEN"
}

@test "a full disk: writes 503, reads go on, nothing acknowledged is lost, writes resume once space is freed" {
	local i acked=() id n late= logged_out=
	register full@example.com
	login full@example.com
	for i in 1 2 3; do
		post "before$i"
		assert_equal "$STATUS" 201
		acked+=("$(jq -r .id <<<"$BODY")")
	done

	fill "$MNT"
	# What room the database keeps (free pages, a log that starts over)
	# takes a few more writes; then every write is refused.
	for i in $(seq 400); do
		post "p$i"
		case $STATUS in
		201) acked+=("$(jq -r .id <<<"$BODY")") ;;
		503) break ;;
		*) fail "post $i: $STATUS $BODY" ;;
		esac
	done
	assert_503 "$FULL" 30
	echo "# $((${#acked[@]} - 3)) posts acknowledged after filling the disk, then 503" >&3
	for i in $(seq 5); do
		post "again$i"
		assert_503 "$FULL" 30
	done

	# Reads need no room.
	req GET '/posts?limit=2'
	assert_equal "$STATUS" 200
	assert_equal "$(jq -c '[.[].id]' <<<"$BODY")" "[${acked[0]},${acked[1]}]"
	req GET "/posts/${acked[0]}"
	assert_equal "$STATUS" 200
	req GET /authentication -b "Authentication=$TOKEN"
	assert_equal "$STATUS" 200
	# A log-in is counted by the throttle before its password is checked:
	# one that cannot be counted is refused, never let through uncounted.
	# (PostgreSQL may still find room for a row in a table's last page:
	# then the failure is counted, and answered as such.)
	post_json /authentication/log-in '{"email":"full@example.com","password":"wrong-password"}'
	if [ "$STORE" = postgresql ] && [ "$STATUS" = 400 ]; then
		[ "$(fsql 'SELECT count(*) FROM throttle')" -gt 0 ]
	else
		assert_503 "$FULL" 30
	fi
	# So does a sign-up.
	post_json /authentication/register \
	    '{"email":"late@example.com","name":"Late","password":"password123"}'
	if [ "$STORE" = sqlite ] || [ "$STATUS" != 201 ]; then
		assert_503 "$FULL" 30
		late=1
	fi

	# A log-out ends its session where there is room for that, else
	# says the storage is full: never a 500.
	req POST /authentication/log-out -b "Authentication=$TOKEN" -H 'Content-Length: 0'
	if [ "$STATUS" = 200 ]; then
		logged_out=1
	else
		assert_503 "$FULL" 30
	fi
	echo "# log-out on the full disk: $STATUS" >&3

	# Once per process: the posts program refused six writes.
	n=$(grep -F 'the disk is full' "$ERROR_LOG" | grep -c ' posts\[') || true
	assert_equal "$n" 1
	grep -F 'the disk is full' "$ERROR_LOG" | sed 's/^/# log: /' >&3

	unfill "$MNT"
	[ -z "$logged_out" ] || login full@example.com
	post after
	assert_equal "$STATUS" 201
	acked+=("$(jq -r .id <<<"$BODY")")
	login full@example.com
	[ -z "$late" ] || register late@example.com

	# Every acknowledged post is there, and nothing else.
	n=$(fsql "SELECT count(*) FROM posts WHERE author_id = $(fsql "SELECT id FROM users WHERE email = 'full@example.com'")")
	assert_equal "$n" "${#acked[@]}"
	for id in "${acked[@]}"; do
		assert_equal "$(fsql "SELECT count(*) FROM posts WHERE id = $id")" 1
	done
	if [ "$STORE" = sqlite ]; then
		assert_equal "$(fsql 'PRAGMA integrity_check')" ok
		assert_equal "$(fsql 'PRAGMA foreign_key_check')" ""
	fi
}

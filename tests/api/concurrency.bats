#!/usr/bin/env bats
# concurrency: many clients at once against the real server processes:
# one e-mail registered by 20 at once, 30 distinct sign-ups, 20 log-ins.

load helpers

# burst N PATH JSON-TEMPLATE: send N POSTs at once; in JSON-TEMPLATE, @I@
# becomes the request's number.  Request i leaves status.i, body.i and
# headers.i in $BATS_TEST_TMPDIR.
burst() {
	local n=$1 path=$2 template=$3 i pids=()
	for i in $(seq "$n"); do
		curl -sS -o "$BATS_TEST_TMPDIR/body.$i" -D "$BATS_TEST_TMPDIR/headers.$i" \
		    -w '%{http_code}' -H 'Content-Type: application/json' \
		    --data-binary "${template//@I@/$i}" "$URL$path" \
		    >"$BATS_TEST_TMPDIR/status.$i" 2>"$BATS_TEST_TMPDIR/curl.$i" 3>&- &
		pids+=($!)
	done
	for i in "${pids[@]}"; do
		wait "$i" || fail "curl $i failed: $(cat "$BATS_TEST_TMPDIR"/curl.*)"
	done
}

# count STATUS: how many of the burst's replies had that status.
count() {
	for f in "$BATS_TEST_TMPDIR"/status.*; do cat "$f"; echo; done | grep -c "^$1\$" || true
}

statuses() {
	for f in "$BATS_TEST_TMPDIR"/status.*; do cat "$f"; echo; done | sort | uniq -c
}

@test "concurrency-1.1: 20 registrations of one e-mail at once: exactly one 201" {
	burst 20 /authentication/register '{"email":"race@example.com","name":"Racer @I@","password":"password123"}'
	echo "statuses: $(statuses)" >&2
	assert_equal "$(count 201)" 1
	assert_equal "$(count 400)" 19
	refute grep -q '^5' "$BATS_TEST_TMPDIR"/status.*
	id=$(user_id race@example.com)
	for i in $(seq 20); do
		body=$(cat "$BATS_TEST_TMPDIR/body.$i")
		if [ "$(cat "$BATS_TEST_TMPDIR/status.$i")" = 201 ]; then
			assert_equal "$body" "{\"id\":$id,\"email\":\"race@example.com\",\"name\":\"$(sql "SELECT name FROM users WHERE id = $id")\"}"
		else
			assert_equal "$body" '{"statusCode":400,"message":"User with that email already exists"}'
		fi
	done
	assert_equal "$(sql "SELECT count(*) FROM users WHERE lower(email) = 'race@example.com'")" 1
}

@test "concurrency-1.2: 30 registrations of distinct e-mails at once: 30 x 201, 30 rows" {
	burst 30 /authentication/register '{"email":"crowd@I@@example.com","name":"Crowd @I@","password":"password123"}'
	echo "statuses: $(statuses)" >&2
	assert_equal "$(count 201)" 30
	assert_equal "$(sql "SELECT count(*) FROM users WHERE lower(email) LIKE 'crowd%@example.com'")" 30
	for i in $(seq 30); do
		id=$(user_id "crowd$i@example.com")
		[ -n "$id" ]
		assert_equal "$(cat "$BATS_TEST_TMPDIR/body.$i")" "{\"id\":$id,\"email\":\"crowd$i@example.com\",\"name\":\"Crowd $i\"}"
	done
	# Ids are all different.
	assert_equal "$(sql "SELECT count(DISTINCT id) FROM users WHERE lower(email) LIKE 'crowd%@example.com'")" 30
}

@test "concurrency-1.3: 20 log-ins of one user at once: 20 x 200, 20 distinct sessions" {
	register many@example.com Many
	id=$(printf '%s' "$BODY" | jq .id)
	burst 20 /authentication/log-in '{"email":"many@example.com","password":"password123"}'
	echo "statuses: $(statuses)" >&2
	assert_equal "$(count 200)" 20
	for i in $(seq 20); do
		assert_equal "$(cat "$BATS_TEST_TMPDIR/body.$i")" "{\"id\":$id,\"email\":\"many@example.com\",\"name\":\"Many\"}"
		tr -d '\r' <"$BATS_TEST_TMPDIR/headers.$i" |
		    sed -n 's/^[Ss]et-[Cc]ookie: Authentication=\([^;]*\);.*/\1/p'
	done >"$BATS_TEST_TMPDIR/tokens"
	assert_equal "$(grep -c . "$BATS_TEST_TMPDIR/tokens")" 20
	assert_equal "$(sort -u "$BATS_TEST_TMPDIR/tokens" | wc -l)" 20
	assert_equal "$(sql "SELECT count(*) FROM sessions WHERE user_id = $id")" 20
	# Every one of them is a working session.
	while read -r t; do
		req GET /authentication -b "Authentication=$t"
		assert_equal "$STATUS" 200
	done <"$BATS_TEST_TMPDIR/tokens"
}

@test "concurrency-2.1: with the throttle on, 20 wrong passwords at once: exactly 5 hashed (400), 15 x 429" {
	local main=$URL
	# Its own instance (same database): the main one runs with the throttle off.
	server_start throttled THROTTLE_LOGIN_PER_PAIR=5 THROTTLE_LOGIN_PER_ACCOUNT=10 \
	    THROTTLE_LOGIN_PER_ADDRESS=30
	register guessed@example.com
	# Checking and counting are one transaction, whichever process (or,
	# under CGI, however many processes) answer at once.
	burst 20 /authentication/log-in '{"email":"guessed@example.com","password":"wrong @I@"}'
	assert_equal "$(count 400) $(count 429)" "5 15"
	assert_equal "$(sql "SELECT count || ' ' || pending FROM throttle WHERE key LIKE 'login-pair %'")" "5 0"
	server_stop throttled
	URL=$main
}

#!/usr/bin/env bats
# multinode: two web nodes on one PostgreSQL database, as behind a load
# balancer: two lighttpd instances (node1, node2) on ports of their own,
# with state directories of their own, sharing nothing but DATABASE_URL and
# the JWT secret.  Whatever one node writes (users, sessions, revocations,
# throttle counters, posts) the other sees at once.  PostgreSQL only: under
# STORE=sqlite every test skips.

load helpers

# The tests share the nodes' throttle (per pair: 5) and count rows by
# e-mail: one after another.
BATS_NO_PARALLELIZE_WITHIN_FILE=true

WRONG='{"statusCode":400,"message":"Wrong credentials provided"}'
DUPLICATE='{"statusCode":400,"message":"User with that email already exists"}'
UNAUTHORIZED='{"statusCode":401,"message":"Unauthorized"}'

setup_file() {
	[ "$STORE" = postgresql ] || return 0
	# node2's own state directory: no file of node1's can help it.
	mkdir -p "$(state_dir)/node2"
	server_start node1 THROTTLE_LOGIN_PER_PAIR=5
	server_start node2 THROTTLE_LOGIN_PER_PAIR=5 STATE_DIR="$(state_dir)/node2"
}

setup() {
	postgresql_only "two web nodes share one PostgreSQL database (run with STORE=postgresql)"
}

# No program of either node logged a busy database, a database error or a
# lost connection.
teardown() {
	[ "$STORE" = postgresql ] || return 0
	local logs
	logs=$(find "$(state_dir)" -name fcgi-auth.log)
	[ -n "$logs" ]
	# shellcheck disable=SC2086
	if grep -i -e 'busy' -e 'database error' -e 'connection lost' $logs; then
		fail "a node logged a busy database, a database error or a lost connection"
	fi
}

# on NODE: send the next requests to node1 or node2.
on() {
	local var=URL_$1
	URL=${!var}
	[ -n "$URL" ]
}

# me_body ID EMAIL NAME: the JSON a user is answered with.
me_body() {
	printf '{"id":%s,"email":"%s","name":"%s"}' "$@"
}

# assert_429: the last reply is the throttle's 429 for failed log-ins, with
# a Retry-After equal to the seconds it names, and no cookie.
assert_429() {
	local re='^\{"statusCode":429,"message":"Too many failed log-ins: try again in ([1-9][0-9]*) seconds","error":"Too Many Requests"\}$'
	assert_equal "$STATUS" 429
	[[ $BODY =~ $re ]] || fail "not the 429 of failed log-ins: $BODY"
	assert_equal "$(header Retry-After)" "${BASH_REMATCH[1]}"
	refute grep -qi '^Set-Cookie:' "$HEADERS"
}

# burst_nodes DIR: one POST /authentication/register per JSON body on stdin
# (one a line), all at once through one curl in parallel mode, the odd
# ones (1st, 3rd, ...) to node1, the even ones to node2.  Request i is
# named ri: "ri STATUS" lines go to DIR/statuses, its body to DIR/ri.body.
burst_nodes() {
	local dir=$1 i=0 json
	mkdir -p "$dir"
	: >"$dir/spec.node1"
	: >"$dir/spec.node2"
	while IFS= read -r json; do
		i=$((i + 1))
		printf 'r%s\tPOST\t/authentication/register\t%s\t\n' "$i" "$json" \
		    >>"$dir/spec.node$((2 - i % 2))"
	done
	{
		URL=$URL_node1 parallel_config "$dir" <"$dir/spec.node1"
		echo next
		URL=$URL_node2 parallel_config "$dir" <"$dir/spec.node2"
	} >"$dir/config"
	curl -sS --no-progress-meter --parallel --parallel-max 40 \
	    --parallel-immediate -K "$dir/config" >"$dir/statuses" 2>"$dir/errors" ||
	    fail "curl: $(cat "$dir/errors")"
	assert_equal "$(wc -l <"$dir/statuses")" "$i"
	echo "statuses: $(cut -d' ' -f2 "$dir/statuses" | sort | uniq -c | tr '\n' ' ')" >&2
}

# count DIR STATUS: how many of the burst's requests got STATUS.
count() {
	awk -v s="$2" '$2 == s { n++ } END { print n + 0 }' "$1/statuses"
}

@test "multinode-1.1: a user registered on node 1 logs in on node 2" {
	on node1
	register mn-reg@example.com "Node One"
	id=$(user_id mn-reg@example.com)
	assert_reply 201 "$(me_body "$id" mn-reg@example.com "Node One")"
	on node2
	login mn-reg@example.com
	assert_reply 200 "$(me_body "$id" mn-reg@example.com "Node One")"
	# Neither node has a database file: the store is the shared one.
	assert_equal "$(find "$(state_dir)" -name '*.sqlite*' | wc -l)" 0
}

@test "multinode-1.2: a token issued by node 1 is accepted by node 2" {
	on node1
	register mn-token@example.com Token
	id=$(user_id mn-token@example.com)
	login mn-token@example.com
	on node2
	req GET /authentication -b "Authentication=$TOKEN"
	assert_reply 200 "$(me_body "$id" mn-token@example.com Token)"
	on node1
	req GET /authentication -b "Authentication=$TOKEN"
	assert_reply 200 "$(me_body "$id" mn-token@example.com Token)"
}

@test "multinode-1.3: log-out on node 2 revokes node 1's token on node 1 too" {
	on node1
	register mn-out@example.com Out
	id=$(user_id mn-out@example.com)
	login mn-out@example.com
	jti=$(claim "$TOKEN" jti | jq -r .)
	req GET /authentication -b "Authentication=$TOKEN"
	assert_reply 200 "$(me_body "$id" mn-out@example.com Out)"
	on node2
	req POST /authentication/log-out -H 'Content-Length: 0' -b "Authentication=$TOKEN"
	assert_equal "$STATUS" 200
	assert_equal "$(sql "SELECT count(*) FROM sessions WHERE id = '$jti'")" 0
	on node1
	req GET /authentication -b "Authentication=$TOKEN"
	assert_reply 401 "$UNAUTHORIZED"
	on node2
	req GET /authentication -b "Authentication=$TOKEN"
	assert_reply 401 "$UNAUTHORIZED"
}

@test "multinode-2.1: failed log-ins on both nodes add up to one throttle: 5 x 400, then 429 on both" {
	on node1
	register mn-guess@example.com
	# Alternating nodes: 1 2 1 2 1 are the pair's 5 failures.
	for i in 1 2 3 4 5; do
		on node$((2 - i % 2))
		post_json /authentication/log-in "{\"email\":\"mn-guess@example.com\",\"password\":\"wrong $i\"}"
		assert_reply 400 "$WRONG"
	done
	assert_equal "$(sql "SELECT count FROM throttle WHERE key = 'login-pair 127.0.0.1 $(digest mn-guess@example.com)'")" 5
	# The 6th, on either node, and with the right password too, is refused.
	for node in node2 node1; do
		on "$node"
		post_json /authentication/log-in '{"email":"mn-guess@example.com","password":"wrong 6"}'
		assert_429
		post_json /authentication/log-in '{"email":"mn-guess@example.com","password":"password123"}'
		assert_429
	done
	assert_equal "$(sql "SELECT count || '|' || level FROM throttle WHERE key = 'login-pair 127.0.0.1 $(digest mn-guess@example.com)'")" "5|1"
}

@test "multinode-2.2: 20 registrations of one e-mail on each node at once: exactly one 201, one row" {
	d=$BATS_TEST_TMPDIR/burst
	for i in $(seq 40); do
		printf '{"email":"mn-race@example.com","name":"Racer %s","password":"password123"}\n' "$i"
	done | burst_nodes "$d"
	assert_equal "$(count "$d" 201) $(count "$d" 400)" "1 39"
	id=$(user_id mn-race@example.com)
	name=$(sql "SELECT name FROM users WHERE id = $id")
	while read -r r status; do
		if [ "$status" = 201 ]; then
			assert_equal "$(cat "$d/$r.body")" "$(me_body "$id" mn-race@example.com "$name")"
			assert_equal "$name" "Racer ${r#r}"
		else
			assert_equal "$(cat "$d/$r.body")" "$DUPLICATE"
		fi
	done <"$d/statuses"
	assert_equal "$(sql "SELECT count(*) FROM users WHERE lower(email) = 'mn-race@example.com'")" 1
}

@test "multinode-2.3: 40 letter-case variants of one e-mail on both nodes at once: exactly one 201, one row" {
	d=$BATS_TEST_TMPDIR/burst
	e=mn-case@example.com
	# Variant i upper-cases the letters at the positions k whose bit k % 6
	# is set in i: 40 different spellings, none all lower-case.
	for i in $(seq 40); do
		v=
		for ((k = 0; k < ${#e}; k++)); do
			c=${e:k:1}
			if (( (i >> (k % 6)) & 1 )); then v+=${c^^}; else v+=$c; fi
		done
		printf '{"email":"%s","name":"Case %s","password":"password123"}\n' "$v" "$i"
	done | burst_nodes "$d"
	assert_equal "$(count "$d" 201) $(count "$d" 400)" "1 39"
	assert_equal "$(sql "SELECT count(*) FROM users WHERE lower(email) = 'mn-case@example.com'")" 1
	while read -r r status; do
		if [ "$status" = 201 ]; then
			id=$(user_id mn-case@example.com)
			assert_equal "$(cat "$d/$r.body")" "$(me_body "$id" "$(sql "SELECT email FROM users WHERE id = $id")" "Case ${r#r}")"
		else
			assert_equal "$(cat "$d/$r.body")" "$DUPLICATE"
		fi
	done <"$d/statuses"
}

@test "multinode-3.1: a post created on node 1 is read, edited and deleted on node 2" {
	on node1
	register mn-post@example.com Poster
	id=$(user_id mn-post@example.com)
	login mn-post@example.com
	post_json /posts '{"title":"From one","content":"written on node 1"}' -b "Authentication=$TOKEN"
	assert_equal "$STATUS" 201
	pid=$(printf '%s' "$BODY" | jq .id)
	created='{"id":'$pid',"title":"From one","content":"written on node 1","author":{"id":'$id',"name":"Poster"}}'
	assert_equal "$BODY" "$created"
	on node2
	req GET "/posts/$pid"
	assert_reply 200 "$created"
	req PATCH "/posts/$pid" -H 'Content-Type: application/json' \
	    --data-binary '{"title":"Edited on two"}' -b "Authentication=$TOKEN"
	edited='{"id":'$pid',"title":"Edited on two","content":"written on node 1","author":{"id":'$id',"name":"Poster"}}'
	assert_reply 200 "$edited"
	on node1
	req GET "/posts/$pid"
	assert_reply 200 "$edited"
	on node2
	req DELETE "/posts/$pid" -H 'Content-Length: 0' -b "Authentication=$TOKEN"
	assert_equal "$STATUS" 200
	on node1
	req GET "/posts/$pid"
	assert_reply 404 "{\"statusCode\":404,\"message\":\"Post with id $pid not found\",\"error\":\"Not Found\"}"
}

@test "multinode-3.2: an e-mail registered on node 1 is refused on node 2 in another letter case" {
	on node1
	register mn-case2@example.com First
	on node2
	post_json /authentication/register '{"email":"MN-Case2@Example.COM","name":"Second","password":"password123"}'
	assert_reply 400 "$DUPLICATE"
	assert_equal "$(sql "SELECT count(*) || '|' || min(name) FROM users WHERE lower(email) = 'mn-case2@example.com'")" "1|First"
	# And the first user logs in on node 2 with either case.
	login MN-CASE2@example.com
}

@test "multinode-4.1: one refresh token sent 20 times at once to both nodes: one rotation, one live successor" {
	on node1
	register mn-refresh@example.com Refresher
	login mn-refresh@example.com
	refresh=$(grep -i '^Set-Cookie: Refresh=' "$HEADERS" | sed 's/^[^=]*=\([0-9a-f]*\);.*/\1/')
	[ ${#refresh} -eq 96 ]
	jti=$(claim "$TOKEN" jti | jq -r .)
	assert_equal "${refresh:0:32}" "$jti"
	d=$BATS_TEST_TMPDIR/burst
	mkdir -p "$d"
	for i in $(seq 20); do
		[ "$i" -eq 1 ] || echo next
		node=$((2 - i % 2))
		var=URL_node$node
		printf 'url = "%s/authentication/refresh"\n' "${!var}"
		printf 'cookie = "Refresh=%s"\n' "$refresh"
		printf 'output = "%s/r%s.body"\ndump-header = "%s/r%s.headers"\n' "$d" "$i" "$d" "$i"
		printf 'write-out = "r%s %%{http_code}\\n"\n' "$i"
	done >"$d/config"
	curl -sS --no-progress-meter --parallel --parallel-max 20 \
	    --parallel-immediate -K "$d/config" >"$d/statuses" 2>"$d/errors" ||
	    fail "curl: $(cat "$d/errors")"
	# Inside the reuse interval (10 s) every one is served ...
	assert_equal "$(count "$d" 200)" 20
	# ... but only one rotated: one new refresh token, and it is the
	# session's only current one, on the shared database.
	successors=$(cat "$d"/r*.headers | sed -n 's/^Set-Cookie: Refresh=\([0-9a-f]*\);.*/\1/p' | sort -u)
	assert_equal "$(printf '%s\n' "$successors" | grep -c .)" 1
	assert_equal "$(sql "SELECT refresh_digest FROM sessions WHERE id = '$jti'")" \
	    "$(printf '%s' "$successors" | sha256sum | cut -d' ' -f1)"
	assert_equal "$(sql "SELECT digest FROM retired_refresh_tokens WHERE session_id = '$jti'")" \
	    "$(printf '%s' "$refresh" | sha256sum | cut -d' ' -f1)"
	# The successor works on either node, and rotates again.
	on node2
	req GET /authentication/refresh -b "Refresh=$successors"
	assert_equal "$STATUS" 200
	grep -qi "^Set-Cookie: Refresh=$jti[0-9a-f]\\{64\\};" "$HEADERS"
}

@test "multinode-4.2: a session ended on node 2 stops node 1's refresh token and access token" {
	on node1
	register mn-end@example.com Ender
	login mn-end@example.com
	refresh=$(grep -i '^Set-Cookie: Refresh=' "$HEADERS" | sed 's/^[^=]*=\([0-9a-f]*\);.*/\1/')
	on node2
	req POST /authentication/log-out-all -H 'Content-Length: 0' -b "Authentication=$TOKEN"
	assert_equal "$STATUS" 200
	on node1
	req GET /authentication/refresh -b "Refresh=$refresh"
	assert_reply 401 "$UNAUTHORIZED"
	req GET /authentication -b "Authentication=$TOKEN"
	assert_reply 401 "$UNAUTHORIZED"
}

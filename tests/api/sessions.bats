#!/usr/bin/env bats
# sessions: the sessions a user can see and end (ASVS V7.5.2, V7.4.3):
# GET /authentication/sessions lists the caller's live sessions, newest
# first, the caller's marked current, with ISO 8601 UTC times and a
# sanitised, cut user agent, never a token or digest;
# DELETE /authentication/sessions/:id ends one (404 alike for an unknown id
# and another user's); POST /authentication/log-out-all ends all of them,
# or (?others=1, {"others":true}) all but the caller's.  All need a valid
# access cookie; the writes obey the CSRF rule.

load helpers

UNAUTHORIZED='{"statusCode":401,"message":"Unauthorized"}'
REFUSED='{"statusCode":403,"message":"Cross-site request refused: origin not allowed","error":"Forbidden"}'
NOT_FOUND='{"statusCode":404,"message":"Session not found","error":"Not Found"}'
EVIL=https://evil.example
CLEAR_ACCESS="Authentication=; HttpOnly; Path=/; Max-Age=0; SameSite=Strict"
CLEAR_REFRESH="Refresh=; HttpOnly; Path=/authentication; Max-Age=0; SameSite=Strict"

# No clock leeway: an ended session's access token fails at once.  A
# second instance on the same database has no refresh tokens, a third
# keeps 3 sessions per user (started here: a server started in a test is
# slow to reap at the end).
setup_file() {
	server_start off TOKEN_LEEWAY=0 JWT_REFRESH_TOKEN_EXPIRATION_TIME=0
	server_start capped TOKEN_LEEWAY=0 SESSIONS_PER_USER_MAX=3
	server_start main TOKEN_LEEWAY=0
	export MAIN_URL=$URL
}

# Each test has its own user: EMAIL, USER_ID, ME (the user JSON).
setup() {
	EMAIL="sessions$BATS_TEST_NUMBER@example.com"
	register "$EMAIL" "Sessions $BATS_TEST_NUMBER"
	USER_ID=$(printf '%s' "$BODY" | jq .id)
	ME="{\"id\":$USER_ID,\"email\":\"$EMAIL\",\"name\":\"Sessions $BATS_TEST_NUMBER\"}"
	SECRETS=()
}

# No reply body ever holds a password, a hash, a token or a digest.
teardown() {
	refute_leaks password123 "${SECRETS[@]}"
}

# signin [EMAIL [CURL-ARGS...]]: log in (default: the test's user); sets
# TOKEN, RT and JTI (the session id), and remembers the secrets.
signin() {
	local email=${1:-$EMAIL}
	[ $# -eq 0 ] || shift
	post_json /authentication/log-in "{\"email\":\"$email\",\"password\":\"password123\"}" "$@"
	assert_equal "$STATUS" 200
	TOKEN=$(cookie_value Authentication)
	RT=$(cookie_value Refresh)
	[ -n "$TOKEN" ] && [ -n "$RT" ] || fail "log-in set no cookies: $(cat "$HEADERS")"
	JTI=$(claim "$TOKEN" jti | jq -r .)
	SECRETS+=("$TOKEN" "$RT" "$(printf '%s' "$RT" | sha256sum | cut -d' ' -f1)")
}

# list TOKEN [CURL-ARGS...]: GET /authentication/sessions with that access cookie.
list() {
	local t=$1
	shift
	req GET /authentication/sessions -b "Authentication=$t" "$@"
}

# end_session TOKEN ID [CURL-ARGS...]: DELETE /authentication/sessions/ID.
end_session() {
	local t=$1 id=$2
	shift 2
	req DELETE "/authentication/sessions/$id" -H 'Content-Length: 0' -b "Authentication=$t" "$@"
}

# logout_all COOKIE-HEADER [QUERY [CURL-ARGS...]]: POST /authentication/log-out-all.
logout_all() {
	local c=$1 q=${2-}
	shift
	[ $# -eq 0 ] || shift
	req POST "/authentication/log-out-all$q" -H 'Content-Length: 0' -H "Cookie: $c" "$@"
}

# iso TIME: Unix seconds as the list shows them.
iso() {
	date -u -d "@$1" +%Y-%m-%dT%H:%M:%S.000Z
}

# field I NAME: a field of session I of the last list.
field() {
	printf '%s' "$BODY" | jq -r ".[$1].$2"
}

# --- listing ---------------------------------------------------------------------

@test "sessions-1.1: two log-ins are two entries, newest first, exactly one current, with times and user agents" {
	signin "$EMAIL" -H 'User-Agent: Browser A/1.0'
	a=$JTI a_token=$TOKEN a_rt=$RT
	# A clock second between them, so that newest-first has a meaning.
	sleep 1.1
	signin "$EMAIL" -H 'User-Agent: Browser B/2.0'
	b=$JTI b_token=$TOKEN
	# A's refresh moves its lastUsedAt.
	req GET /authentication/refresh -b "Refresh=$a_rt"
	assert_equal "$STATUS" 200
	SECRETS+=("$(cookie_value Refresh)" "$(cookie_value Authentication)")
	list "$a_token"
	assert_equal "$STATUS" 200
	assert_equal "$(header Content-Type)" "application/json; charset=utf-8"
	assert_equal "$(header Cache-Control)" "no-store"
	assert_equal "$(printf '%s' "$BODY" | jq -c 'map(keys_unsorted)')" \
	    '[["id","createdAt","lastUsedAt","userAgent","current"],["id","createdAt","lastUsedAt","userAgent","current"]]'
	assert_equal "$(printf '%s' "$BODY" | jq -c 'map(.id)')" "[\"$b\",\"$a\"]"
	assert_equal "$(printf '%s' "$BODY" | jq -c 'map(.current)')" '[false,true]'
	assert_equal "$(field 0 userAgent)" "Browser B/2.0"
	assert_equal "$(field 1 userAgent)" "Browser A/1.0"
	# ISO 8601 UTC, as the store has them.
	for i in 0 1; do
		id=$(field "$i" id)
		row=$(sql "SELECT created_at || ' ' || last_used_at FROM sessions WHERE id = '$id'")
		assert_equal "$(field "$i" createdAt)" "$(iso "${row% *}")"
		assert_equal "$(field "$i" lastUsedAt)" "$(iso "${row#* }")"
		[[ $(field "$i" createdAt) =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z$ ]]
	done
	assert_equal "$(field 0 lastUsedAt)" "$(field 0 createdAt)"
	[[ $(field 1 lastUsedAt) > $(field 1 createdAt) ]] || fail "A's refresh did not move its lastUsedAt: $BODY"
	[[ $(field 0 createdAt) > $(field 1 createdAt) ]]
	# Listed by B, B is the current one.
	list "$b_token"
	assert_equal "$STATUS" 200
	assert_equal "$(printf '%s' "$BODY" | jq -c 'map([.id, .current])')" "[[\"$b\",true],[\"$a\",false]]"
}

@test "sessions-1.2: a refreshed access token marks the same session current" {
	signin
	req GET /authentication/refresh -b "Refresh=$RT"
	assert_equal "$STATUS" 200
	t=$(cookie_value Authentication)
	SECRETS+=("$t" "$(cookie_value Refresh)")
	list "$t"
	assert_equal "$STATUS" 200
	assert_equal "$(printf '%s' "$BODY" | jq -c 'map([.id, .current])')" "[[\"$JTI\",true]]"
}

@test "sessions-1.3: ended and expired sessions are not listed" {
	signin
	a=$JTI a_token=$TOKEN
	signin
	b_token=$TOKEN
	signin
	c=$JTI
	req POST /authentication/log-out -H 'Content-Length: 0' -b "Authentication=$b_token"
	assert_equal "$STATUS" 200
	sql "UPDATE sessions SET expires_at = $(($(date +%s) - 1)) WHERE id = '$c'"
	list "$a_token"
	assert_equal "$STATUS" 200
	assert_equal "$(printf '%s' "$BODY" | jq -c 'map(.id)')" "[\"$a\"]"
}

@test "sessions-1.4: another user's sessions are never listed" {
	register "other$BATS_TEST_NUMBER@example.com"
	signin "other$BATS_TEST_NUMBER@example.com"
	o1=$JTI o_token=$TOKEN
	signin "other$BATS_TEST_NUMBER@example.com"
	o2=$JTI
	signin
	mine=$JTI my_token=$TOKEN
	list "$my_token"
	assert_equal "$STATUS" 200
	assert_equal "$(printf '%s' "$BODY" | jq -c 'map(.id)')" "[\"$mine\"]"
	list "$o_token"
	assert_equal "$STATUS" 200
	assert_equal "$(printf '%s' "$BODY" | jq -c 'map(.id) | sort')" "$(printf '["%s","%s"]' "$o1" "$o2" | jq -c sort)"
}

@test "sessions-1.5: a list shows the newest 100 sessions at most" {
	signin
	now=$(date +%s)
	# 120 older sessions, written straight into the store (120 log-ins
	# would only cost bcrypt time), one a second before this one.
	values=
	for i in $(seq 120); do
		values+="${values:+,}('$(printf '%032x' "$i")', $USER_ID, $((now - 1000 + i)), $((now + 3600)), $((now + 3600)), $((now - 1000 + i)), 'old $i')"
	done
	sql "INSERT INTO sessions (id, user_id, created_at, expires_at, ends_at, last_used_at, user_agent) VALUES $values" >/dev/null
	list "$TOKEN"
	assert_equal "$STATUS" 200
	assert_equal "$(printf '%s' "$BODY" | jq length)" 100
	# Newest first: this log-in, then old 120 down to old 22.
	assert_equal "$(field 0 current)" true
	assert_equal "$(field 1 userAgent)" "old 120"
	assert_equal "$(field 99 userAgent)" "old 22"
}

@test "sessions-2.1: the user agent is cut to 200 bytes" {
	ua="Mozilla/5.0 $(printf 'abcdefghij%.0s' $(seq 30))"
	signin "$EMAIL" -H "User-Agent: $ua"
	list "$TOKEN"
	assert_equal "$STATUS" 200
	assert_equal "$(field 0 userAgent)" "${ua:0:200}"
	assert_equal "$(sql "SELECT length(user_agent) FROM sessions WHERE id = '$JTI'")" 200
}

@test "sessions-2.2: quotes and backslashes come back exactly, JSON-escaped; no User-Agent is \"\"" {
	ua='Agent "quoted" \ back/slash {x}'
	signin "$EMAIL" -H "User-Agent: $ua"
	q=$TOKEN
	signin "$EMAIL" -H 'User-Agent:'
	list "$q"
	assert_equal "$STATUS" 200
	assert_equal "$(printf '%s' "$BODY" | jq -r 'map(select(.current)) | .[0].userAgent')" "$ua"
	assert_equal "$(printf '%s' "$BODY" | jq -c 'map(select(.current | not)) | map(.userAgent)')" '[""]'
}

@test "sessions-2.3: control characters and non-ASCII bytes in the user agent are never echoed raw" {
	ua=$'Agent\tOne \xc3\x9cber \xe2\x9c\x93 \xff end'
	signin "$EMAIL" -H "User-Agent: $ua"
	list "$TOKEN"
	assert_equal "$STATUS" 200
	got=$(field 0 userAgent)
	[[ $got == Agent* ]] || fail "userAgent: '$got'"
	[[ $got == *end ]] || fail "userAgent: '$got'"
	LC_ALL=C
	[[ $got =~ ^[\ -~]*$ ]] || fail "userAgent has bytes outside printable ASCII: $(printf '%s' "$got" | od -c | head -n 3)"
	# Nor in the raw body, escaped or not.
	if LC_ALL=C grep -q '[^ -~]' "$BATS_TEST_TMPDIR/body"; then
		fail "the body has bytes outside printable ASCII"
	fi
	[[ $BODY != *'\t'* && $BODY != *'\u00'* ]] || fail "a control character is echoed escaped: $BODY"
	assert_equal "$(sql "SELECT count(*) FROM sessions WHERE id = '$JTI' AND user_agent LIKE 'Agent%end'")" 1
}

# --- ending one session ----------------------------------------------------------

@test "sessions-3.1: DELETE /authentication/sessions/:id ends another session of the user: 200 empty, its tokens dead at once" {
	signin
	a_token=$TOKEN a_rt=$RT
	signin
	b=$JTI b_token=$TOKEN b_rt=$RT
	alive "$b_token" "$b_rt"
	b_rt=$RT_NOW
	end_session "$a_token" "$b"
	assert_reply 200 ''
	assert_equal "$(header Content-Length)" 0
	assert_equal "$(cookies)" 0
	dead "$b_token" "$b_rt"
	alive "$a_token" "$a_rt"
	list "$a_token"
	assert_equal "$(printf '%s' "$BODY" | jq -c 'map(.id)')" "[\"$(claim "$a_token" jti | jq -r .)\"]"
	# Its refresh tokens went with it: the current one in its row, and the
	# one alive rotated away.
	assert_equal "$(sql "SELECT count(*) FROM sessions WHERE id = '$b'")" 0
	assert_equal "$(sql "SELECT count(*) FROM retired_refresh_tokens WHERE session_id = '$b'")" 0
	assert_equal "$(sql "SELECT count(*) FROM audit WHERE event = 'session-ended' AND user_id = $USER_ID")" 1
}

@test "sessions-3.2: another user's session id and an unknown id are the same 404, and nothing ends" {
	register "other$BATS_TEST_NUMBER@example.com"
	signin "other$BATS_TEST_NUMBER@example.com"
	theirs=$JTI their_token=$TOKEN their_rt=$RT
	signin
	end_session "$TOKEN" "$theirs"
	assert_reply 404 "$NOT_FOUND"
	assert_equal "$(header Content-Type)" "application/json; charset=utf-8"
	assert_equal "$(cookies)" 0
	theirs_headers=$(headers_sans_date)
	end_session "$TOKEN" "$(openssl rand -hex 16)"
	assert_reply 404 "$NOT_FOUND"
	assert_equal "$(headers_sans_date)" "$theirs_headers"
	end_session "$TOKEN" not-a-session
	assert_reply 404 "$NOT_FOUND"
	end_session "$TOKEN" "$(openssl rand -hex 40)"
	assert_reply 404 "$NOT_FOUND"
	# Theirs and ours live on.
	assert_equal "$(sql "SELECT count(*) FROM sessions WHERE id = '$theirs'")" 1
	req GET /authentication -b "Authentication=$their_token"
	assert_equal "$STATUS" 200
	req GET /authentication -b "Authentication=$TOKEN"
	assert_reply 200 "$ME"
}

@test "sessions-3.3: ending the current session clears both cookies and ends it" {
	signin
	a=$JTI a_token=$TOKEN a_rt=$RT
	signin
	b_token=$TOKEN b_rt=$RT
	end_session "$a_token" "$a"
	assert_reply 200 ''
	assert_equal "$(cookies)" 2
	assert_equal "$(set_cookie Authentication)" "$CLEAR_ACCESS"
	assert_equal "$(set_cookie Refresh)" "$CLEAR_REFRESH"
	dead "$a_token" "$a_rt"
	alive "$b_token" "$b_rt"
}

@test "sessions-3.4: a session already ended is 404 the second time" {
	signin
	a_token=$TOKEN
	signin
	b=$JTI
	end_session "$a_token" "$b"
	assert_reply 200 ''
	end_session "$a_token" "$b"
	assert_reply 404 "$NOT_FOUND"
}

# --- ending them all ---------------------------------------------------------------

@test "sessions-4.1: log-out-all from browser A ends browser B's session and A's own, and clears the cookies" {
	register "other$BATS_TEST_NUMBER@example.com"
	signin "other$BATS_TEST_NUMBER@example.com"
	o_token=$TOKEN o_rt=$RT
	signin
	b_token=$TOKEN b_rt=$RT
	signin
	a_token=$TOKEN a_rt=$RT
	logout_all "Authentication=$a_token; Refresh=$a_rt"
	assert_reply 200 ''
	assert_equal "$(cookies)" 2
	assert_equal "$(set_cookie Authentication)" "$CLEAR_ACCESS"
	assert_equal "$(set_cookie Refresh)" "$CLEAR_REFRESH"
	dead "$b_token" "$b_rt"
	dead "$a_token" "$a_rt"
	assert_equal "$(session_count)" 0
	# Another user's session is not touched.
	ME=$(printf '%s' "$ME" | jq -c ".id = $(user_id "other$BATS_TEST_NUMBER@example.com") | .email = \"other$BATS_TEST_NUMBER@example.com\" | .name = \"Test User\"")
	alive "$o_token" "$o_rt"
	assert_equal "$(sql "SELECT count(*) FROM audit WHERE event = 'sessions-ended' AND user_id = $USER_ID")" 1
}

@test "sessions-4.2: log-out-all?others=1 ends the other sessions and keeps this one, clearing no cookie" {
	signin
	b_token=$TOKEN b_rt=$RT
	signin
	c_token=$TOKEN c_rt=$RT
	signin
	a=$JTI a_token=$TOKEN a_rt=$RT
	logout_all "Authentication=$a_token; Refresh=$a_rt" '?others=1'
	assert_reply 200 ''
	assert_equal "$(cookies)" 0
	dead "$b_token" "$b_rt"
	dead "$c_token" "$c_rt"
	alive "$a_token" "$a_rt"
	list "$a_token"
	assert_equal "$(printf '%s' "$BODY" | jq -c 'map([.id, .current])')" "[[\"$a\",true]]"
}

@test "sessions-4.3: the body {\"others\":true} keeps this one too; {\"others\":false} ends all" {
	signin
	b_token=$TOKEN b_rt=$RT
	signin
	a_token=$TOKEN a_rt=$RT
	post_json /authentication/log-out-all '{"others":true}' -b "Authentication=$a_token"
	assert_reply 200 ''
	assert_equal "$(cookies)" 0
	dead "$b_token" "$b_rt"
	alive "$a_token" "$a_rt"
	a_rt=$RT_NOW
	signin
	b_token=$TOKEN b_rt=$RT
	post_json /authentication/log-out-all '{"others":false}' -b "Authentication=$a_token"
	assert_reply 200 ''
	assert_equal "$(cookies)" 2
	dead "$a_token" "$a_rt"
	dead "$b_token" "$b_rt"
	assert_equal "$(session_count)" 0
}

@test "sessions-4.4: ?others=true keeps this one, ?others=0 ends all; an others that means neither, in the query or the body, is 400 and ends nothing" {
	signin
	b_token=$TOKEN b_rt=$RT
	signin
	a_token=$TOKEN a_rt=$RT
	for q in '?others=2' '?others=yes' '?others='; do
		logout_all "Authentication=$a_token" "$q"
		assert_equal "$STATUS" 400
		assert_equal "$(cookies)" 0
	done
	for body in '{"others":"yes"}' '{"others":1}' '{"other":true}' '[true]' 'others'; do
		post_json /authentication/log-out-all "$body" -b "Authentication=$a_token"
		assert_equal "$STATUS" 400
		assert_equal "$(cookies)" 0
	done
	assert_equal "$(session_count)" 2
	logout_all "Authentication=$a_token" '?others=true'
	assert_reply 200 ''
	assert_equal "$(cookies)" 0
	dead "$b_token" "$b_rt"
	alive "$a_token" "$a_rt"
	a_rt=$RT_NOW
	logout_all "Authentication=$a_token; Refresh=$a_rt" '?others=0'
	assert_reply 200 ''
	assert_equal "$(cookies)" 2
	dead "$a_token" "$a_rt"
}

# --- who may -------------------------------------------------------------------------

@test "sessions-5.1: without a valid access cookie every route is 401 and ends nothing" {
	signin
	ended_token=$TOKEN
	req POST /authentication/log-out -H 'Content-Length: 0' -b "Authentication=$ended_token"
	assert_equal "$STATUS" 200
	signin
	a=$JTI a_token=$TOKEN a_rt=$RT
	for c in '' 'Authentication=garbage' "Authentication=$ended_token"; do
		req GET /authentication/sessions -H "Cookie: $c"
		assert_reply 401 "$UNAUTHORIZED"
		req DELETE "/authentication/sessions/$a" -H 'Content-Length: 0' -H "Cookie: $c"
		assert_reply 401 "$UNAUTHORIZED"
		assert_equal "$(cookies)" 0
		logout_all "$c"
		assert_reply 401 "$UNAUTHORIZED"
		assert_equal "$(cookies)" 0
		logout_all "$c" '?others=1'
		assert_reply 401 "$UNAUTHORIZED"
	done
	alive "$a_token" "$a_rt"
}

@test "sessions-5.2: cross-site DELETE and log-out-all are 403 and end nothing; the list is a read" {
	signin
	b=$JTI b_token=$TOKEN b_rt=$RT
	signin
	a_token=$TOKEN a_rt=$RT
	end_session "$a_token" "$b" -H "Origin: $EVIL"
	assert_reply 403 "$REFUSED"
	logout_all "Authentication=$a_token" '' -H "Origin: $EVIL"
	assert_reply 403 "$REFUSED"
	logout_all "Authentication=$a_token" '?others=1' -H 'Sec-Fetch-Site: cross-site'
	assert_reply 403 "$REFUSED"
	assert_equal "$(cookies)" 0
	post_json /authentication/log-out-all '{"others":true}' -b "Authentication=$a_token" -H "Referer: $EVIL/x"
	assert_reply 403 "$REFUSED"
	assert_equal "$(session_count)" 2
	alive "$b_token" "$b_rt"
	alive "$a_token" "$a_rt"
	list "$a_token" -H "Origin: $EVIL"
	assert_equal "$STATUS" 200
	assert_equal "$(printf '%s' "$BODY" | jq length)" 2
	# From our own origin the writes work.
	end_session "$a_token" "$b" -H "Origin: $URL"
	assert_reply 200 ''
}

@test "sessions-6.1: without refresh tokens (JWT_REFRESH_TOKEN_EXPIRATION_TIME=0) the routes work and clear the one cookie" {
	URL=$URL_off
	post_json /authentication/log-in "{\"email\":\"$EMAIL\",\"password\":\"password123\"}"
	b_token=$(cookie_value Authentication)
	b=$(claim "$b_token" jti | jq -r .)
	post_json /authentication/log-in "{\"email\":\"$EMAIL\",\"password\":\"password123\"}"
	assert_equal "$(cookies)" 1
	a_token=$(cookie_value Authentication)
	list "$a_token"
	assert_equal "$STATUS" 200
	assert_equal "$(printf '%s' "$BODY" | jq -c 'map(.current) | sort')" '[false,true]'
	end_session "$a_token" "$b"
	assert_reply 200 ''
	assert_equal "$(cookies)" 0
	req GET /authentication -b "Authentication=$b_token"
	assert_reply 401 "$UNAUTHORIZED"
	logout_all "Authentication=$a_token"
	assert_reply 200 ''
	assert_equal "$(cookies)" 1
	assert_equal "$(header Set-Cookie)" "$CLEAR_ACCESS"
	req GET /authentication -b "Authentication=$a_token"
	assert_reply 401 "$UNAUTHORIZED"
}

# --- the cap on sessions per user (issue 20) ---------------------------------------

# flood N [CURL-ARGS...]: N log-ins of the test's user at $URL, up to 8 at
# once, each asserted 200.
flood() {
	local n=$1 dir=$BATS_TEST_TMPDIR/flood i
	shift
	mkdir -p "$dir"
	for i in $(seq "$n"); do
		printf 'login%d\tPOST\t/authentication/log-in\t{"email":"%s","password":"password123"}\t\n' "$i" "$EMAIL"
	done | parallel_config "$dir" >"$dir/config"
	curl -sS --no-progress-meter --parallel --parallel-max 8 -K "$dir/config" "$@" \
	    >"$dir/statuses" 2>"$dir/errors" || fail "curl: $(cat "$dir/errors")"
	assert_equal "$(awk '$2 != 200' "$dir/statuses")" ""
	assert_equal "$(wc -l <"$dir/statuses")" "$n"
}

@test "sessions-7.1: a flood of log-ins leaves the newest 100 sessions (SESSIONS_PER_USER_MAX), each log-in working" {
	register "other$BATS_TEST_NUMBER@example.com"
	other=$(printf '%s' "$BODY" | jq .id)
	signin "other$BATS_TEST_NUMBER@example.com"
	signin "other$BATS_TEST_NUMBER@example.com"
	signin
	first_token=$TOKEN first_rt=$RT
	# Sessions of one second tie on last use and go in random (id) order:
	# the flood's begin a second later, so the first is the oldest.
	sleep 1
	flood 120
	assert_equal "$(session_count)" 100
	# The first session was the least recently used: it ended, its tokens
	# with it; the last log-in works.
	dead "$first_token" "$first_rt"
	signin
	alive "$TOKEN" "$RT"
	assert_equal "$(session_count)" 100
	list "$TOKEN"
	assert_equal "$STATUS" 200
	assert_equal "$(printf '%s' "$BODY" | jq length)" 100
	# Each log-in past the cap ended one, and said so in the audit log.
	assert_equal "$(sql "SELECT count(*) FROM audit WHERE event = 'sessions-ended' AND user_id = $USER_ID")" 22
	assert_equal "$(sql "SELECT DISTINCT detail FROM audit WHERE event = 'sessions-ended' AND user_id = $USER_ID")" \
	    "1 session(s), the least recently used, over the cap of 100"
	# Ended sessions took their refresh tokens with them: left is the
	# one the last alive retired.
	assert_equal "$(sql "SELECT count(*) FROM retired_refresh_tokens r JOIN sessions s ON s.id = r.session_id WHERE s.user_id = $USER_ID")" 1
	# Another user's sessions are not touched.
	assert_equal "$(sql "SELECT count(*) FROM sessions WHERE user_id = $other")" 2
}

@test "sessions-7.2: past the cap the least recently used session ends, with its refresh tokens, in the log-in's transaction" {
	URL=$URL_capped
	signin
	a=$JTI a_token=$TOKEN a_rt=$RT
	signin
	b=$JTI b_token=$TOKEN b_rt=$RT
	# B refreshed: its old token retired beside it.
	req GET /authentication/refresh -b "Refresh=$b_rt"
	assert_equal "$STATUS" 200
	b_rt=$(cookie_value Refresh)
	SECRETS+=("$b_rt" "$(cookie_value Authentication)")
	signin
	c=$JTI c_token=$TOKEN c_rt=$RT
	# Used last: A a minute ago, B two, C one; B is the least recent.
	now=$(date +%s)
	sql "UPDATE sessions SET last_used_at = $((now - 60)) WHERE id = '$a'"
	sql "UPDATE sessions SET last_used_at = $((now - 120)) WHERE id = '$b'"
	sql "UPDATE sessions SET last_used_at = $((now - 30)) WHERE id = '$c'"
	assert_equal "$(sql "SELECT count(*) FROM retired_refresh_tokens WHERE session_id = '$b'")" 1
	signin
	d_token=$TOKEN d_rt=$RT
	assert_equal "$(session_count)" 3
	assert_equal "$(sql "SELECT count(*) FROM sessions WHERE id = '$b'")" 0
	assert_equal "$(sql "SELECT count(*) FROM retired_refresh_tokens WHERE session_id = '$b'")" 0
	dead "$b_token" "$b_rt"
	alive "$a_token" "$a_rt"
	alive "$c_token" "$c_rt"
	alive "$d_token" "$d_rt"
	assert_equal "$(sql "SELECT detail FROM audit WHERE event = 'sessions-ended' AND user_id = $USER_ID")" \
	    "1 session(s), the least recently used, over the cap of 3"
	# The other instances share the database, not the cap: each log-in
	# enforces its own server's.
	URL=$MAIN_URL
	signin
	assert_equal "$(session_count)" 4
}

@test "sessions-7.3: the new session is never the one ended, even among sessions of the same second" {
	URL=$URL_capped
	now=$(date +%s)
	# Three sessions used in the future, as a clock step back would leave
	# them: newer than any log-in.
	values=
	for i in 1 2 3; do
		values+="${values:+,}('$(printf 'a%031x' "$i")', $USER_ID, $now, $((now + 3600)), $((now + 3600)), $((now + 100 + i)), 'ahead $i')"
	done
	sql "INSERT INTO sessions (id, user_id, created_at, expires_at, ends_at, last_used_at, user_agent) VALUES $values" >/dev/null
	signin
	alive "$TOKEN" "$RT"
	assert_equal "$(session_count)" 3
	assert_equal "$(sql "SELECT user_agent FROM sessions WHERE user_id = $USER_ID AND user_agent LIKE 'ahead %' ORDER BY user_agent")" \
	    "$(printf 'ahead 2\nahead 3')"
}

@test "sessions-7.4: log-ins of one user at once still leave exactly the cap" {
	URL=$URL_capped
	flood 24
	assert_equal "$(session_count)" 3
	flood 24
	assert_equal "$(session_count)" 3
}

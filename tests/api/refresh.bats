#!/usr/bin/env bats
# refresh: the refresh cookie of the series' part 13, done right underneath
# (README.md, SECURITY.md): log-in sets Authentication and Refresh (exact
# names and attributes at the root, under a base and with COOKIE_SECURE=1);
# GET or POST /authentication/refresh answers the user and rotates the
# refresh token (its session's id and 256 random bits, 96 hex digits); a
# retired one within the grace window still gets a new access token, after
# it the whole session ends (reuse detection), while one the session never
# had ends nothing; many refreshes of one token at once never leave two
# live descendants; idle and absolute ends; log-out by either cookie; and with
# JWT_REFRESH_TOKEN_EXPIRATION_TIME=0 the part-3 behaviour exactly.

load helpers

UNAUTHORIZED='{"statusCode":401,"message":"Unauthorized"}'
REFUSED='{"statusCode":403,"message":"Cross-site request refused: origin not allowed","error":"Forbidden"}'
EVIL=https://evil.example
# The defaults: a refresh token's (idle) lifetime, and the absolute one.
REFRESH_TTL=1209600
LIFETIME=2592000
BASE=/~tester/api

# The main instance has the defaults (grace window 10 s) but no clock
# leeway, so that an ended session's access token fails at once.  The
# others share its database and secret; each differs in what its name
# says.  All start here, not in the tests that use them: a server started
# in a test outlives the test's shell, and is slow to reap at the end.
setup_file() {
	server_start main TOKEN_LEEWAY=0
	export MAIN_URL=$URL
	local i
	for i in "secure COOKIE_SECURE=1" \
	    "base BASE_PATH=$BASE" \
	    "basesecure BASE_PATH=$BASE COOKIE_SECURE=1" \
	    "nograce REFRESH_TOKEN_REUSE_INTERVAL=0" \
	    "node2" \
	    "short JWT_REFRESH_TOKEN_EXPIRATION_TIME=2" \
	    "capped SESSION_MAX_LIFETIME=60" \
	    "access JWT_ACCESS_TOKEN_EXPIRATION_TIME=120" \
	    "legacy JWT_EXPIRATION_TIME=900" \
	    "off JWT_REFRESH_TOKEN_EXPIRATION_TIME=0"; do
		# shellcheck disable=SC2086
		server_start $i TOKEN_LEEWAY=0 || return 1
	done
	export URL=$MAIN_URL
}

# Each test has its own user: EMAIL, USER_ID, ME (the user JSON).
setup() {
	EMAIL="refresh$BATS_TEST_NUMBER@example.com"
	register "$EMAIL" "Refresh $BATS_TEST_NUMBER"
	USER_ID=$(printf '%s' "$BODY" | jq .id)
	ME="{\"id\":$USER_ID,\"email\":\"$EMAIL\",\"name\":\"Refresh $BATS_TEST_NUMBER\"}"
}

# No reply body ever holds a password, a hash, or a refresh token.
teardown() {
	refute_leaks password123 ${ALL_RTS-}
}

# instance NAME: point URL at instance NAME (see setup_file).
instance() {
	local v=URL_$1
	URL=${!v}
	[ -n "$URL" ] || fail "no instance $1"
}

# max_age NAME: the Max-Age the last reply gave cookie NAME.
max_age() {
	set_cookie "$1" | sed -n 's/.*; Max-Age=\([0-9]*\);.*/\1/p'
}

# digest TOKEN: what the store keeps of a refresh token (hex SHA-256).
digest() {
	printf '%s' "$1" | sha256sum | cut -d' ' -f1
}

# signin [ACCESS-NAME REFRESH-NAME]: log the test's user in on URL; sets
# TOKEN, RT (the refresh token) and JTI (the session id) from the cookies
# of those names (default Authentication and Refresh).
signin() {
	post_json /authentication/log-in "{\"email\":\"$EMAIL\",\"password\":\"password123\"}"
	assert_equal "$STATUS" 200
	assert_equal "$BODY" "$ME"
	TOKEN=$(cookie_value "${1:-Authentication}")
	RT=$(cookie_value "${2:-Refresh}")
	[ -n "$TOKEN" ] || fail "no ${1:-Authentication} cookie: $(cat "$HEADERS")"
	[[ $RT =~ ^[0-9a-f]{96}$ ]] || fail "no ${2:-Refresh} cookie of 96 hex digits: $(cat "$HEADERS")"
	JTI=$(claim "$TOKEN" jti | jq -r .)
	ALL_RTS="${ALL_RTS-} $RT"
	of_session "$RT"
}

# of_session RT: RT is a refresh token of the session JTI: 96 lower-case
# hex digits, the session's id (the access token's jti) then 64 random ones.
of_session() {
	[[ $1 =~ ^[0-9a-f]{96}$ ]] || fail "not 96 lower-case hex digits: '$1'"
	assert_equal "${1:0:32}" "$JTI"
}

# refresh RT [CURL-ARGS...]: GET /authentication/refresh with that Refresh cookie.
refresh() {
	local rt=$1
	shift
	req GET /authentication/refresh -b "Refresh=$rt" "$@"
}

# refresh_post RT [CURL-ARGS...]: the same as a POST, as a browser sends it.
refresh_post() {
	local rt=$1
	shift
	req POST /authentication/refresh -H 'Content-Length: 0' -b "Refresh=$rt" "$@"
}

# refreshed: the last reply is a successful refresh with a new access cookie
# (the user JSON, no-store); sets NEW_TOKEN, and NEW_RT to the new refresh
# token ("" if the reply set none).
refreshed() {
	assert_reply 200 "$ME"
	assert_equal "$(header Content-Type)" "application/json; charset=utf-8"
	assert_equal "$(header Cache-Control)" "no-store"
	NEW_TOKEN=$(cookie_value "${1:-Authentication}")
	NEW_RT=$(cookie_value "${2:-Refresh}")
	[ -n "$NEW_TOKEN" ] || fail "no new access cookie: $(cat "$HEADERS")"
	ALL_RTS="${ALL_RTS-} $NEW_RT"
}

# refused_401: the last reply is the 401, JSON, setting no cookie.
refused_401() {
	assert_reply 401 "$UNAUTHORIZED"
	assert_equal "$(header Content-Type)" "application/json; charset=utf-8"
	assert_equal "$(cookies)" 0
}

# me TOKEN: GET /authentication with that access cookie.
me() {
	req GET /authentication -b "Authentication=$1"
}

# logout COOKIE-HEADER [CURL-ARGS...]: POST /authentication/log-out with that Cookie header.
logout() {
	local c=$1
	shift
	req POST /authentication/log-out -H 'Content-Length: 0' -H "Cookie: $c" "$@"
}

# current_tokens JTI: how many refresh tokens of that session are current
# (its row holds the digest of one, or none).
current_tokens() {
	sql "SELECT count(*) FROM sessions WHERE id = '$1' AND refresh_digest IS NOT NULL"
}

# current_digest JTI: the digest of that session's current refresh token
# ("" if none, or no such session).
current_digest() {
	sql "SELECT refresh_digest FROM sessions WHERE id = '$1'"
}

# retired_tokens JTI [RT]: how many refresh tokens of that session are
# retired (or whether RT is).
retired_tokens() {
	sql "SELECT count(*) FROM retired_refresh_tokens WHERE session_id = '$1'${2:+ AND digest = '$(digest "$2")'}"
}

# burst N RT [URL...]: N GET /authentication/refresh with the Refresh cookie
# RT at once (one curl in parallel mode), to URL, or in turn to each URL
# given (nodes on one database).  For reply I: ST[I] its status, BD[I]
# its body, NC[I] how many cookies it set, AC[I] and RC[I] the values of
# its Authentication and Refresh cookies ("" if none); SECS how long the
# burst took.  One awk each for the bodies and the headers: the shell
# spends milliseconds on every command.
burst() {
	local n=$1 rt=$2 i name v c start=$SECONDS urls
	shift 2
	urls=("${@:-$URL}")
	B=$BATS_TEST_TMPDIR/burst.$((++BURSTS))
	mkdir -p "$B"
	for i in $(seq "$n"); do
		[ "$i" = 1 ] || echo next
		printf 'url = "%s/authentication/refresh"\ncookie = "Refresh=%s"\n' \
		    "${urls[i % ${#urls[@]}]}" "$rt"
		printf 'output = "%s/%s.body"\ndump-header = "%s/%s.headers"\n' "$B" "$i" "$B" "$i"
		printf 'write-out = "%s %%{http_code}\\n"\n' "$i"
	done >"$B/config"
	curl -sS --parallel --parallel-max "$n" --parallel-immediate -K "$B/config" \
	    >"$B/statuses" 2>"$B/errors" || fail "curl: $(cat "$B/errors")"
	SECS=$((SECONDS - start))
	declare -gA ST=() BD=() NC=() AC=() RC=()
	while read -r name v; do
		ST[$name]=$v NC[$name]=0 AC[$name]= RC[$name]= BD[$name]=
	done <"$B/statuses"
	assert_equal "${#ST[@]}" "$n"
	while IFS=$'\t' read -r name v; do
		BD[$name]=$v
	done < <(awk '{ name = FILENAME; sub(/.*\//, "", name); sub(/\.body$/, "", name)
	    print name "\t" $0 }' "$B"/*.body)
	while read -r name c v; do
		NC[$name]=$((NC[$name] + 1))
		case $c in
		Authentication) AC[$name]=$v ;;
		Refresh) RC[$name]=$v ;;
		esac
	done < <(awk '
	    FNR == 1 { name = FILENAME; sub(/.*\//, "", name); sub(/\.headers$/, "", name) }
	    { sub(/\r$/, "") }
	    tolower(substr($0, 1, 11)) == "set-cookie:" {
		v = substr($0, 12); sub(/^ */, "", v); sub(/;.*/, "", v)
		eq = index(v, "=")
		print name, substr(v, 1, eq - 1), substr(v, eq + 1)
	    }' "$B"/*.headers)
}

# --- log-in sets both cookies -------------------------------------------------

@test "refresh-1.1: log-in sets Authentication and Refresh, HttpOnly, SameSite=Strict, with their Paths and Max-Ages" {
	signin
	assert_equal "$(cookies)" 2
	assert_equal "$(set_cookie Authentication)" \
	    "Authentication=$TOKEN; HttpOnly; Path=/; Max-Age=$TEST_TTL; SameSite=Strict"
	assert_equal "$(set_cookie Refresh)" \
	    "Refresh=$RT; HttpOnly; Path=/authentication; Max-Age=$REFRESH_TTL; SameSite=Strict"
	refute grep -qi '^Set-Cookie:.*\(Secure\|Domain\|Expires\)' "$HEADERS"
	# The refresh token is no JWT, and not the access token.
	[[ $RT != *.* ]]
	[ "$RT" != "$TOKEN" ]
}

@test "refresh-1.2: the store keeps the refresh token's SHA-256 only, current, tied to the session" {
	signin
	# Neither the token nor its random part (as long as a digest) is kept.
	assert_equal "$(sql "SELECT count(*) FROM sessions WHERE refresh_digest IN ('$RT', '${RT:32}')")" 0
	assert_equal "$(sql "SELECT count(*) FROM retired_refresh_tokens WHERE digest IN ('$RT', '${RT:32}')")" 0
	# The whole token's digest is the current one of its session's row.
	d=$(digest "$RT")
	assert_equal "$(sql "SELECT id FROM sessions WHERE refresh_digest = '$d'")" "$JTI"
	assert_equal "$(retired_tokens "$JTI")" 0
	assert_equal "$(sql "SELECT user_id FROM sessions WHERE id = '$JTI'")" "$USER_ID"
	# Idle end: the refresh lifetime; absolute end: SESSION_MAX_LIFETIME.
	assert_equal "$(sql "SELECT (expires_at - created_at) || '|' || (ends_at - created_at) FROM sessions WHERE id = '$JTI'")" \
	    "$REFRESH_TTL|$LIFETIME"
	# The token has no expiry of its own: it lives to its session's idle end.
	assert_equal "$(max_age Refresh)" "$REFRESH_TTL"
	# Two log-ins: two sessions, two different refresh tokens.
	first=$RT
	signin
	[ "$RT" != "$first" ]
	assert_equal "$(session_count)" 2
}

@test "refresh-1.3: with COOKIE_SECURE=1 at the root: __Host-Refresh, Path=/, Secure; only that name is read" {
	instance secure
	signin __Host-Authentication __Host-Refresh
	assert_equal "$(cookies)" 2
	assert_equal "$(set_cookie __Host-Authentication)" \
	    "__Host-Authentication=$TOKEN; HttpOnly; Path=/; Max-Age=$TEST_TTL; SameSite=Strict; Secure"
	assert_equal "$(set_cookie __Host-Refresh)" \
	    "__Host-Refresh=$RT; HttpOnly; Path=/; Max-Age=$REFRESH_TTL; SameSite=Strict; Secure"
	refute grep -qi '^Set-Cookie: Refresh=' "$HEADERS"
	refute grep -qi '^Set-Cookie:.*Domain' "$HEADERS"
	# The plain name is no refresh token there (and using it spends nothing).
	refresh "$RT"
	refused_401
	req GET /authentication/refresh -b "__Host-Refresh=$RT"
	refreshed __Host-Authentication __Host-Refresh
	of_session "$NEW_RT"
	assert_equal "$(set_cookie __Host-Refresh)" \
	    "__Host-Refresh=$NEW_RT; HttpOnly; Path=/; Max-Age=$REFRESH_TTL; SameSite=Strict; Secure"
	assert_equal "$(set_cookie __Host-Authentication)" \
	    "__Host-Authentication=$NEW_TOKEN; HttpOnly; Path=/; Max-Age=$TEST_TTL; SameSite=Strict; Secure"
	req GET /authentication -b "__Host-Authentication=$NEW_TOKEN"
	assert_reply 200 "$ME"
	# Log-out clears both, with the same attributes.
	logout "__Host-Authentication=$NEW_TOKEN; __Host-Refresh=$NEW_RT"
	assert_reply 200 ''
	assert_equal "$(cookies)" 2
	assert_equal "$(set_cookie __Host-Authentication)" \
	    "__Host-Authentication=; HttpOnly; Path=/; Max-Age=0; SameSite=Strict; Secure"
	assert_equal "$(set_cookie __Host-Refresh)" \
	    "__Host-Refresh=; HttpOnly; Path=/; Max-Age=0; SameSite=Strict; Secure"
}

@test "refresh-1.4: under a base the Refresh cookie's Path is BASE/authentication, and refresh and log-out work there" {
	instance base
	URL=$URL$BASE
	signin
	assert_equal "$(set_cookie Authentication)" \
	    "Authentication=$TOKEN; HttpOnly; Path=$BASE; Max-Age=$TEST_TTL; SameSite=Strict"
	assert_equal "$(set_cookie Refresh)" \
	    "Refresh=$RT; HttpOnly; Path=$BASE/authentication; Max-Age=$REFRESH_TTL; SameSite=Strict"
	refresh "$RT"
	refreshed
	assert_equal "$(set_cookie Refresh)" \
	    "Refresh=$NEW_RT; HttpOnly; Path=$BASE/authentication; Max-Age=$REFRESH_TTL; SameSite=Strict"
	assert_equal "$(set_cookie Authentication)" \
	    "Authentication=$NEW_TOKEN; HttpOnly; Path=$BASE; Max-Age=$TEST_TTL; SameSite=Strict"
	logout "Authentication=$NEW_TOKEN; Refresh=$NEW_RT"
	assert_reply 200 ''
	assert_equal "$(cookies)" 2
	assert_equal "$(set_cookie Authentication)" "Authentication=; HttpOnly; Path=$BASE; Max-Age=0; SameSite=Strict"
	assert_equal "$(set_cookie Refresh)" "Refresh=; HttpOnly; Path=$BASE/authentication; Max-Age=0; SameSite=Strict"
	refresh "$NEW_RT"
	refused_401
}

@test "refresh-1.5: under a base with COOKIE_SECURE=1 it is __Secure-Refresh, Path=BASE/authentication, Secure" {
	instance basesecure
	URL=$URL$BASE
	signin __Secure-Authentication __Secure-Refresh
	assert_equal "$(cookies)" 2
	assert_equal "$(set_cookie __Secure-Refresh)" \
	    "__Secure-Refresh=$RT; HttpOnly; Path=$BASE/authentication; Max-Age=$REFRESH_TTL; SameSite=Strict; Secure"
	refresh "$RT"
	refused_401
	req GET /authentication/refresh -b "__Host-Refresh=$RT"
	refused_401
	req GET /authentication/refresh -b "__Secure-Refresh=$RT"
	refreshed __Secure-Authentication __Secure-Refresh
	of_session "$NEW_RT"
}

# --- refreshing ---------------------------------------------------------------

@test "refresh-2.1: GET refresh is 200 with exactly the user JSON, a new access cookie and a new refresh cookie" {
	signin
	before=$(date +%s)
	refresh "$RT"
	refreshed
	after=$(date +%s)
	assert_equal "$(printf '%s' "$BODY" | jq -c 'keys_unsorted')" '["id","email","name"]'
	assert_equal "$(cookies)" 2
	of_session "$NEW_RT"
	[ "$NEW_RT" != "$RT" ]
	assert_equal "$(set_cookie Authentication)" \
	    "Authentication=$NEW_TOKEN; HttpOnly; Path=/; Max-Age=$TEST_TTL; SameSite=Strict"
	assert_equal "$(set_cookie Refresh)" \
	    "Refresh=$NEW_RT; HttpOnly; Path=/authentication; Max-Age=$REFRESH_TTL; SameSite=Strict"
	# The new access token is of the same session and user.
	assert_equal "$(claim "$NEW_TOKEN" jti | jq -r .)" "$JTI"
	assert_equal "$(claim "$NEW_TOKEN" userId)" "$USER_ID"
	iat=$(claim "$NEW_TOKEN" iat) exp=$(claim "$NEW_TOKEN" exp)
	assert_equal "$((exp - iat))" "$TEST_TTL"
	me "$NEW_TOKEN"
	assert_reply 200 "$ME"
	# Still one session, whose current token is the new one.
	assert_equal "$(session_count)" 1
	assert_equal "$(current_tokens "$JTI")" 1
	assert_equal "$(current_digest "$JTI")" "$(digest "$NEW_RT")"
	# The old one is retired, as of the refresh, and is the only one.
	assert_equal "$(retired_tokens "$JTI" "$RT")" 1
	assert_equal "$(retired_tokens "$JTI")" 1
	at=$(sql "SELECT retired_at FROM retired_refresh_tokens WHERE session_id = '$JTI'")
	[ "$at" -ge "$before" ] && [ "$at" -le "$after" ] || fail "retired at $at, not in [$before, $after]"
}

@test "refresh-2.2: each refresh rotates: a chain of refreshes gives a new token every time" {
	signin
	rt=$RT seen=" $RT "
	for i in 1 2 3 4; do
		refresh "$rt"
		refreshed
		[[ $seen != *" $NEW_RT "* ]] || fail "refresh $i gave a token seen before"
		seen+="$NEW_RT "
		rt=$NEW_RT
		me "$NEW_TOKEN"
		assert_reply 200 "$ME"
	done
	assert_equal "$(session_count)" 1
	assert_equal "$(current_tokens "$JTI")" 1
	# Five tokens in all: the last one current, the four before it retired.
	assert_equal "$(current_digest "$JTI")" "$(digest "$rt")"
	assert_equal "$(retired_tokens "$JTI")" 4
	for t in $seen; do
		[ "$t" = "$rt" ] || assert_equal "$(retired_tokens "$JTI" "$t")" 1
	done
}

@test "refresh-2.3: POST refresh works the same" {
	signin
	refresh_post "$RT"
	refreshed
	assert_equal "$(cookies)" 2
	of_session "$NEW_RT"
	me "$NEW_TOKEN"
	assert_reply 200 "$ME"
	# From our own origin too.
	refresh_post "$NEW_RT" -H "Origin: $URL"
	refreshed
	of_session "$NEW_RT"
}

@test "refresh-2.4: a cross-site POST refresh is 403 and spends nothing" {
	signin
	refresh_post "$RT" -H "Origin: $EVIL"
	assert_reply 403 "$REFUSED"
	assert_equal "$(cookies)" 0
	refresh_post "$RT" -H 'Sec-Fetch-Site: cross-site'
	assert_reply 403 "$REFUSED"
	refresh_post "$RT" -H "Referer: $EVIL/page"
	assert_reply 403 "$REFUSED"
	# The token is still the session's current one.
	assert_equal "$(current_digest "$JTI")" "$(digest "$RT")"
	assert_equal "$(retired_tokens "$JTI")" 0
	refresh "$RT"
	refreshed
	of_session "$NEW_RT"
}

@test "refresh-2.5: the refreshed body is what GET /authentication answers, for a name that needs escaping" {
	post_json /authentication/register \
	    '{"email":"refresh-esc@example.com","name":"Zoë \"Q\" \\ <b>","password":"password123"}'
	assert_equal "$STATUS" 201
	EMAIL=refresh-esc@example.com
	ME=$BODY
	signin
	me "$TOKEN"
	assert_reply 200 "$ME"
	refresh "$RT"
	refreshed
	assert_equal "$(printf '%s' "$BODY" | jq -r .name)" 'Zoë "Q" \ <b>'
}

@test "refresh-2.6: the earlier access token of the session still works: refresh does not end the session" {
	signin
	refresh "$RT"
	refreshed
	me "$TOKEN"
	assert_reply 200 "$ME"
	me "$NEW_TOKEN"
	assert_reply 200 "$ME"
}

@test "refresh-2.7: a refresh is audited, without the token or its digest" {
	signin
	refresh "$RT"
	refreshed
	assert_equal "$(sql "SELECT count(*) FROM audit WHERE event = 'refresh' AND user_id = $USER_ID")" 1
	run sql "SELECT event || ' ' || client || ' ' || detail FROM audit WHERE user_id = $USER_ID"
	refute_output --partial "$RT"
	refute_output --partial "$NEW_RT"
	refute_output --partial "$(digest "$RT")"
	refute_output --partial "$(digest "$NEW_RT")"
	refute_output --partial "$TOKEN"
	# Nor the random part of either (the session id they begin with may be).
	refute_output --partial "${RT:32}"
	refute_output --partial "${NEW_RT:32}"
}

# --- rotation and reuse ------------------------------------------------------------

@test "refresh-3.1: the old token after the grace window is 401, then the new one is dead too, and the session's access tokens" {
	instance nograce
	signin
	refresh "$RT"
	refreshed
	rt2=$NEW_RT token2=$NEW_TOKEN
	me "$token2"
	assert_reply 200 "$ME"
	# The grace window (0 s) is over once the clock has moved a second.
	sleep 1.1
	refresh "$RT"
	refused_401
	# Reuse ended the whole session: every token descended from the log-in.
	refresh "$rt2"
	refused_401
	me "$TOKEN"
	refused_401
	me "$token2"
	refused_401
	assert_equal "$(sql "SELECT count(*) FROM sessions WHERE id = '$JTI'")" 0
	# Its retired token went with it.
	assert_equal "$(retired_tokens "$JTI")" 0
	assert_equal "$(sql "SELECT count(*) FROM audit WHERE event = 'refresh-reused' AND user_id = $USER_ID")" 1
}

@test "refresh-3.2: reuse ends only that session: the user's other session goes on" {
	instance nograce
	signin
	other_token=$TOKEN other_rt=$RT
	signin
	refresh "$RT"
	refreshed
	sleep 1.1
	refresh "$RT"
	refused_401
	me "$NEW_TOKEN"
	refused_401
	me "$other_token"
	assert_reply 200 "$ME"
	refresh "$other_rt"
	refreshed
	assert_equal "$(session_count)" 1
}

@test "refresh-3.3: within the grace window the just-retired token gets a new access cookie and no Refresh cookie" {
	signin
	refresh "$RT"
	refreshed
	rt2=$NEW_RT
	row=$(sql "SELECT expires_at || '|' || last_used_at || '|' || refresh_digest FROM sessions WHERE id = '$JTI'")
	# A clock second later (well inside the 10 s window), so a write would show.
	sleep 1.1
	refresh "$RT"
	refreshed
	assert_equal "$(cookies)" 1
	assert_equal "$NEW_RT" ""
	assert_equal "$(claim "$NEW_TOKEN" jti | jq -r .)" "$JTI"
	me "$NEW_TOKEN"
	assert_reply 200 "$ME"
	# Nothing was written: the successor is still the one current token,
	# the session's times stand, and only the rotation was audited.
	assert_equal "$(current_tokens "$JTI")" 1
	assert_equal "$(current_digest "$JTI")" "$(digest "$rt2")"
	assert_equal "$(retired_tokens "$JTI")" 1
	assert_equal "$(sql "SELECT expires_at || '|' || last_used_at || '|' || refresh_digest FROM sessions WHERE id = '$JTI'")" "$row"
	assert_equal "$(sql "SELECT count(*) FROM audit WHERE event = 'refresh' AND user_id = $USER_ID")" 1
	refresh "$rt2"
	refreshed
	of_session "$NEW_RT"
	assert_equal "$(session_count)" 1
}

@test "refresh-3.4: two refreshes at once inside the grace window both succeed, one new Refresh cookie, the session lives" {
	signin
	burst 2 "$RT"
	assert_equal "${ST[1]} ${ST[2]}" "200 200"
	rts=()
	for i in 1 2; do
		assert_equal "${BD[$i]}" "$ME"
		[ -n "${AC[$i]}" ] || fail "reply $i set no access cookie"
		[ -z "${RC[$i]}" ] || rts+=("${RC[$i]}")
	done
	assert_equal "${#rts[@]}" 1
	ALL_RTS+=" ${rts[0]}"
	for i in 1 2; do
		me "${AC[$i]}"
		assert_reply 200 "$ME"
	done
	assert_equal "$(current_tokens "$JTI")" 1
	refresh "${rts[0]}"
	refreshed
	of_session "$NEW_RT"
}

# many_at_once [URL...]: 50 refreshes of RT at once on URL (or spread over
# the URLs given); then each reply is 200
# (the user, a new access cookie) or 401; the session either lives with
# exactly one working refresh token among those handed out, or has ended;
# never two.  Sets ALIVE (1 or 0) and HANDED (how many Refresh cookies).
many_at_once() {
	local i v cur rotated=0 rts=()
	burst 50 "$RT" "$@"
	echo "statuses: $(printf '%s\n' "${ST[@]}" | sort | uniq -c | tr '\n' ' ') in ${SECS}s" >&2
	for i in $(seq 50); do
		case ${ST[$i]} in
		200)
			[ "${BD[$i]}" = "$ME" ] || fail "reply $i: 200 ${BD[$i]}"
			[ -n "${AC[$i]}" ] || fail "reply $i: 200 without an access cookie"
			;;
		401)
			[ "${BD[$i]}" = "$UNAUTHORIZED" ] || fail "reply $i: 401 ${BD[$i]}"
			[ "${NC[$i]}" = 0 ] || fail "reply $i: 401 with a cookie"
			;;
		*) fail "reply $i: ${ST[$i]} ${BD[$i]}" ;;
		esac
		[ -z "${RC[$i]}" ] || rts+=("${RC[$i]}")
	done
	HANDED=${#rts[@]}
	ALL_RTS+=" ${rts[*]}"
	# The store never holds two current tokens for the session: if it
	# lives, its one current token is the one handed out (or still RT,
	# if none was), and every token it replaced is retired.
	[ "$(current_tokens "$JTI")" -le 1 ]
	cur=$(current_digest "$JTI")
	if [ -n "$cur" ]; then
		if [ "$HANDED" = 0 ]; then
			assert_equal "$cur" "$(digest "$RT")"
		else
			for v in "${rts[@]}"; do
				[ "$cur" != "$(digest "$v")" ] || break
			done
			assert_equal "$cur" "$(digest "$v")"
		fi
		assert_equal "$(retired_tokens "$JTI")" "$HANDED"
	fi
	# Try every token handed out: at most one still rotates.
	for v in "${rts[@]}"; do
		refresh "$v"
		case $STATUS in
		200) [ -z "$(cookie_value Refresh)" ] || rotated=$((rotated + 1)) ;;
		401) ;;
		*) fail "a handed-out token got $STATUS $BODY" ;;
		esac
	done
	[ "$rotated" -le 1 ] || fail "$rotated of the $HANDED refresh tokens handed out worked"
	me "$TOKEN"
	if [ "$STATUS" = 200 ]; then
		ALIVE=1
		assert_equal "$rotated" 1
		assert_equal "$(current_tokens "$JTI")" 1
	else
		ALIVE=0
		refused_401
		assert_equal "$rotated" 0
		assert_equal "$(sql "SELECT count(*) FROM sessions WHERE id = '$JTI'")" 0
		refresh "$RT"
		refused_401
	fi
}

@test "refresh-4.1: 50 refreshes of one token at once: 200 or 401 each, never two working refresh tokens" {
	signin
	many_at_once
	# All within the 10 s grace window: every one succeeds, one rotates.
	if [ "$SECS" -lt 8 ]; then
		assert_equal "$ALIVE" 1
		assert_equal "$HANDED" 1
		for i in $(seq 50); do
			assert_equal "${ST[$i]}" 200
		done
	fi
}

@test "refresh-4.2: the same with no grace window: the session survives or is ended, never forked" {
	instance nograce
	signin
	many_at_once
	[ "$HANDED" -le 1 ]
}

@test "refresh-4.3: 50 refreshes of one token at once over two nodes on one database: never two working refresh tokens" {
	instance node2
	node2=$URL
	URL=$MAIN_URL
	signin
	many_at_once "$MAIN_URL" "$node2"
}

# --- idle and absolute ends ----------------------------------------------------------

@test "refresh-5.1: a refresh token past JWT_REFRESH_TOKEN_EXPIRATION_TIME is 401, and its session is over" {
	instance short
	signin
	assert_equal "$(max_age Refresh)" 2
	# The access token never outlives the session's idle end.
	[ "$(max_age Authentication)" -le 2 ]
	# Stored as current, in a session: only the clock will end it.
	assert_equal "$(current_tokens "$JTI")" 1
	assert_equal "$(sql "SELECT expires_at - created_at FROM sessions WHERE id = '$JTI'")" 2
	sleep 3
	refresh "$RT"
	refused_401
	me "$TOKEN"
	refused_401
	req GET /authentication/sessions -b "Authentication=$TOKEN"
	assert_equal "$STATUS" 401
}

@test "refresh-5.2: a refresh moves the idle end: the new token has the whole refresh lifetime" {
	signin
	now=$(date +%s)
	# As if the session had been idle until shortly before its end.
	# (A token has no end of its own: it lives to its session's idle end.)
	sql "UPDATE sessions SET expires_at = $((now + 10)) WHERE id = '$JTI'"
	refresh "$RT"
	refreshed
	assert_equal "$(max_age Refresh)" "$REFRESH_TTL"
	assert_equal "$(max_age Authentication)" "$TEST_TTL"
	end=$(sql "SELECT expires_at FROM sessions WHERE id = '$JTI'")
	[ "$end" -ge $((now + REFRESH_TTL)) ] || fail "idle end $end, not moved to now + $REFRESH_TTL"
	assert_equal "$(sql "SELECT ends_at - created_at FROM sessions WHERE id = '$JTI'")" "$LIFETIME"
}

@test "refresh-5.3: SESSION_MAX_LIFETIME caps the cookies and the session; refreshing never extends it" {
	instance capped
	signin
	assert_equal "$(max_age Refresh)" 60
	assert_equal "$(max_age Authentication)" 60
	assert_equal "$(sql "SELECT (ends_at - created_at) || '|' || (expires_at - created_at) FROM sessions WHERE id = '$JTI'")" "60|60"
	created=$(sql "SELECT created_at FROM sessions WHERE id = '$JTI'")
	refresh "$RT"
	refreshed
	a=$(max_age Refresh)
	[ "$a" -le 60 ] && [ "$a" -ge 50 ] || fail "refreshed Refresh Max-Age $a"
	a=$(max_age Authentication)
	[ "$a" -le 60 ] && [ "$a" -ge 50 ] || fail "refreshed Authentication Max-Age $a"
	[ "$(claim "$NEW_TOKEN" exp)" -le $((created + 60)) ]
	assert_equal "$(sql "SELECT ends_at - created_at FROM sessions WHERE id = '$JTI'")" 60
	# Shortly before the absolute end, a refresh gets what is left at most...
	now=$(date +%s)
	sql "UPDATE sessions SET ends_at = $((now + 5)), expires_at = $((now + 5)) WHERE id = '$JTI'"
	refresh "$NEW_RT"
	refreshed
	[ "$(max_age Refresh)" -le 5 ] || fail "Refresh Max-Age $(max_age Refresh) past the session's end"
	[ "$(max_age Authentication)" -le 5 ] || fail "Authentication Max-Age $(max_age Authentication) past the session's end"
	[ "$(claim "$NEW_TOKEN" exp)" -le $((now + 5)) ]
	[ "$(sql "SELECT expires_at FROM sessions WHERE refresh_digest = '$(digest "$NEW_RT")'")" -le $((now + 5)) ]
	[ "$(sql "SELECT expires_at FROM sessions WHERE id = '$JTI'")" -le $((now + 5)) ]
	# ...and after it (as the clock would have it), nothing works.
	sql "UPDATE sessions SET ends_at = $((now - 1)), expires_at = $((now - 1)) WHERE id = '$JTI'"
	refresh "$NEW_RT"
	refused_401
	me "$NEW_TOKEN"
	refused_401
}

@test "refresh-5.4: JWT_ACCESS_TOKEN_EXPIRATION_TIME sets the access cookie's Max-Age, over JWT_EXPIRATION_TIME" {
	# The helpers start every instance with JWT_EXPIRATION_TIME=3600 too.
	instance access
	signin
	assert_equal "$(max_age Authentication)" 120
	assert_equal "$(( $(claim "$TOKEN" exp) - $(claim "$TOKEN" iat) ))" 120
	assert_equal "$(max_age Refresh)" "$REFRESH_TTL"
	refresh "$RT"
	refreshed
	assert_equal "$(max_age Authentication)" 120
	assert_equal "$(( $(claim "$NEW_TOKEN" exp) - $(claim "$NEW_TOKEN" iat) ))" 120
}

@test "refresh-5.5: JWT_EXPIRATION_TIME alone is still the access lifetime" {
	instance legacy
	signin
	assert_equal "$(max_age Authentication)" 900
	assert_equal "$(( $(claim "$TOKEN" exp) - $(claim "$TOKEN" iat) ))" 900
	assert_equal "$(max_age Refresh)" "$REFRESH_TTL"
	refresh "$RT"
	refreshed
	assert_equal "$(max_age Authentication)" 900
}

@test "refresh-5.6: a session dead idle counts nowhere; a log-in deletes it, with its retired tokens, once past its absolute end" {
	signin
	refresh "$RT"
	refreshed
	a=$JTI a_token=$NEW_TOKEN a_rt=$NEW_RT
	now=$(date +%s)
	# Past its idle end, not its absolute one.
	sql "UPDATE sessions SET expires_at = $((now - 1)) WHERE id = '$a'"
	refresh "$a_rt"
	refused_401
	me "$a_token"
	refused_401
	# A log-in keeps its row (and retired token), but lists it nowhere.
	signin
	assert_equal "$(sql "SELECT count(*) FROM sessions WHERE id = '$a'")" 1
	assert_equal "$(retired_tokens "$a")" 1
	req GET /authentication/sessions -b "Authentication=$TOKEN"
	assert_equal "$STATUS" 200
	assert_equal "$(printf '%s' "$BODY" | jq -c 'map(.id)')" "[\"$JTI\"]"
	# At its absolute end, the next log-in deletes it and what it held.
	sql "UPDATE sessions SET ends_at = $((now - 1)) WHERE id = '$a'"
	signin
	assert_equal "$(sql "SELECT count(*) FROM sessions WHERE id = '$a'")" 0
	assert_equal "$(retired_tokens "$a")" 0
	assert_equal "$(sql "SELECT count(*) FROM sessions WHERE refresh_digest = '$(digest "$a_rt")'")" 0
	assert_equal "$(session_count)" 2
}

# --- tokens that are no good ---------------------------------------------------------

@test "refresh-6.1: no Refresh cookie is 401, even with a valid access cookie" {
	signin
	req GET /authentication/refresh
	refused_401
	req GET /authentication/refresh -b "Authentication=$TOKEN"
	refused_401
	req POST /authentication/refresh -H 'Content-Length: 0'
	refused_401
	req GET /authentication/refresh -b "Refresh="
	refused_401
}

@test "refresh-6.2: malformed Refresh cookies are 401 and spend nothing" {
	signin
	# Wrong lengths (the old 64 digits: the random part alone), junk, and
	# upper case, whole or in either part: lower-case hex only.
	for bad in garbage "${RT%?}" "${RT}0" "$TOKEN" "${RT:0:32} ${RT:32}" \
	    "$(printf 'g%.0s' $(seq 96))" "$RT$RT" "%$RT" "${RT:32}" "$JTI" \
	    "${RT^^}" "${JTI^^}${RT:32}" "$JTI$(printf '%s' "${RT:32}" | tr a-f A-F)"; do
		[ "$bad" != "$RT" ] || fail "no change made to $RT"
		req GET /authentication/refresh -H "Cookie: Refresh=$bad"
		refused_401
	done
	assert_equal "$(current_digest "$JTI")" "$(digest "$RT")"
	assert_equal "$(retired_tokens "$JTI")" 0
	refresh "$RT"
	refreshed
	of_session "$NEW_RT"
}

@test "refresh-6.3: an unknown token, or the stored digest itself, is 401" {
	signin
	refresh "$(openssl rand -hex 48)"
	refused_401
	# What a copy of the database holds is no refresh token: the digest,
	# alone or after the session's id.
	refresh "$(digest "$RT")"
	refused_401
	refresh "$JTI$(digest "$RT")"
	refused_401
	assert_equal "$(current_tokens "$JTI")" 1
	assert_equal "$(current_digest "$JTI")" "$(digest "$RT")"
	refresh "$RT"
	refreshed
}

@test "refresh-6.4: a logged-out session's refresh token is 401" {
	signin
	logout "Authentication=$TOKEN"
	assert_reply 200 ''
	refresh "$RT"
	refused_401
}

@test "refresh-6.5: a locked user's refresh token is 401" {
	signin
	sql "UPDATE users SET locked_at = $(date +%s) WHERE id = $USER_ID"
	refresh "$RT"
	refused_401
}

@test "refresh-6.6: a forged token naming a live session (its id, other random digits) is 401 and does not end it" {
	signin
	forged=$JTI$(openssl rand -hex 32)
	refresh "$forged"
	refused_401
	# Neither current nor retired: no reuse, nothing written.
	assert_equal "$(sql "SELECT count(*) FROM sessions WHERE id = '$JTI'")" 1
	assert_equal "$(current_digest "$JTI")" "$(digest "$RT")"
	assert_equal "$(retired_tokens "$JTI")" 0
	me "$TOKEN"
	assert_reply 200 "$ME"
	refresh "$RT"
	refreshed
	of_session "$NEW_RT"
	# Nor once the session has a retired token and no grace window is
	# left: a forgery is no retired token come back.
	instance nograce
	signin
	refresh "$RT"
	refreshed
	rt2=$NEW_RT
	sleep 1.1
	refresh "$JTI$(openssl rand -hex 32)"
	refused_401
	assert_equal "$(sql "SELECT count(*) FROM sessions WHERE id = '$JTI'")" 1
	assert_equal "$(current_digest "$JTI")" "$(digest "$rt2")"
	assert_equal "$(retired_tokens "$JTI")" 1
	me "$TOKEN"
	assert_reply 200 "$ME"
	refresh "$rt2"
	refreshed
	of_session "$NEW_RT"
	assert_equal "$(session_count)" 2
	assert_equal "$(sql "SELECT count(*) FROM audit WHERE event = 'refresh-reused' AND user_id = $USER_ID")" 0
}

# --- log-out --------------------------------------------------------------------------

@test "refresh-7.1: log-out clears both cookies and neither token works afterwards" {
	signin
	logout "Authentication=$TOKEN; Refresh=$RT"
	assert_reply 200 ''
	assert_equal "$(cookies)" 2
	assert_equal "$(set_cookie Authentication)" "Authentication=; HttpOnly; Path=/; Max-Age=0; SameSite=Strict"
	assert_equal "$(set_cookie Refresh)" "Refresh=; HttpOnly; Path=/authentication; Max-Age=0; SameSite=Strict"
	assert_equal "$(sql "SELECT count(*) FROM sessions WHERE id = '$JTI'")" 0
	assert_equal "$(sql "SELECT count(*) FROM sessions WHERE refresh_digest = '$(digest "$RT")'")" 0
	assert_equal "$(retired_tokens "$JTI")" 0
	me "$TOKEN"
	refused_401
	refresh "$RT"
	refused_401
}

@test "refresh-7.2: log-out with only the Refresh cookie ends its session" {
	signin
	logout "Refresh=$RT"
	assert_reply 200 ''
	assert_equal "$(cookies)" 2
	assert_equal "$(set_cookie Authentication)" "Authentication=; HttpOnly; Path=/; Max-Age=0; SameSite=Strict"
	assert_equal "$(set_cookie Refresh)" "Refresh=; HttpOnly; Path=/authentication; Max-Age=0; SameSite=Strict"
	me "$TOKEN"
	refused_401
	refresh "$RT"
	refused_401
	assert_equal "$(session_count)" 0
}

@test "refresh-7.3: log-out with a bad or expired access cookie falls back to the Refresh cookie" {
	signin
	logout "Authentication=garbage; Refresh=$RT"
	assert_reply 200 ''
	me "$TOKEN"
	refused_401
	# An expired access token (a real session's, re-signed) and the refresh token.
	signin
	now=$(date +%s)
	expired=$(forge '{"alg":"HS256","typ":"JWT"}' \
	    "$(token_part "$TOKEN" 2 | jq -c ".iat = $((now - 7200)) | .exp = $((now - 3600))")")
	me "$expired"
	refused_401
	logout "Authentication=$expired; Refresh=$RT"
	assert_reply 200 ''
	assert_equal "$(cookies)" 2
	me "$TOKEN"
	refused_401
	refresh "$RT"
	refused_401
}

@test "refresh-7.4: log-out with neither cookie working is 401 and clears nothing" {
	signin
	logout "Refresh=$(openssl rand -hex 48)"
	refused_401
	# A forgery naming the session is no way to end it.
	logout "Refresh=$JTI$(openssl rand -hex 32)"
	refused_401
	logout "Refresh=$(openssl rand -hex 32)"
	refused_401
	logout "Authentication=garbage; Refresh=garbage"
	refused_401
	req POST /authentication/log-out -H 'Content-Length: 0'
	refused_401
	me "$TOKEN"
	assert_reply 200 "$ME"
	assert_equal "$(current_digest "$JTI")" "$(digest "$RT")"
}

@test "refresh-7.5: log-out ends only its session: the other one still refreshes" {
	signin
	other_token=$TOKEN other_rt=$RT
	signin
	logout "Authentication=$TOKEN; Refresh=$RT"
	assert_reply 200 ''
	refresh "$other_rt"
	refreshed
	me "$other_token"
	assert_reply 200 "$ME"
}

@test "refresh-7.6: a cross-site log-out carrying only the Refresh cookie is 403 and the session lives" {
	signin
	logout "Refresh=$RT" -H "Origin: $EVIL"
	assert_reply 403 "$REFUSED"
	assert_equal "$(cookies)" 0
	assert_equal "$(session_count)" 1
	me "$TOKEN"
	assert_reply 200 "$ME"
}

# --- refresh tokens off: part 3 exactly -------------------------------------------------

@test "refresh-8.1: with JWT_REFRESH_TOKEN_EXPIRATION_TIME=0 log-in sets one cookie and refresh is the 404 of any unknown route" {
	instance off
	post_json /authentication/log-in "{\"email\":\"$EMAIL\",\"password\":\"password123\"}"
	assert_reply 200 "$ME"
	assert_equal "$(cookies)" 1
	TOKEN=$(cookie_value Authentication)
	assert_equal "$(header Set-Cookie)" \
	    "Authentication=$TOKEN; HttpOnly; Path=/; Max-Age=$TEST_TTL; SameSite=Strict"
	jti=$(claim "$TOKEN" jti | jq -r .)
	# The session is its access token, as in part 3.
	assert_equal "$(sql "SELECT (expires_at - created_at) || '|' || (ends_at - created_at) FROM sessions WHERE id = '$jti'")" \
	    "$TEST_TTL|$TEST_TTL"
	# No refresh token: none current in its row, none retired.
	assert_equal "$(sql "SELECT count(*) FROM sessions WHERE id = '$jti' AND refresh_digest IS NULL")" 1
	assert_equal "$(retired_tokens "$jti")" 0
	req GET /authentication/refresh -b "Authentication=$TOKEN"
	assert_reply 404 '{"statusCode":404,"message":"Cannot GET /authentication/refresh","error":"Not Found"}'
	assert_equal "$(header Content-Type)" "application/json; charset=utf-8"
	req POST /authentication/refresh -H 'Content-Length: 0'
	assert_reply 404 '{"statusCode":404,"message":"Cannot POST /authentication/refresh","error":"Not Found"}'
	# A Refresh cookie from elsewhere (the same database) buys nothing here.
	off_token=$TOKEN
	URL=$MAIN_URL
	signin
	instance off
	refresh "$RT"
	assert_reply 404 '{"statusCode":404,"message":"Cannot GET /authentication/refresh","error":"Not Found"}'
	logout "Refresh=$RT"
	refused_401
	# Log-out clears the one cookie, as in part 3.
	logout "Authentication=$off_token"
	assert_reply 200 ''
	assert_equal "$(cookies)" 1
	assert_equal "$(header Set-Cookie)" "Authentication=; HttpOnly; Path=/; Max-Age=0; SameSite=Strict"
	me "$off_token"
	refused_401
	# The main instance never saw any of this: its refresh token still works.
	URL=$MAIN_URL
	refresh "$RT"
	refreshed
}

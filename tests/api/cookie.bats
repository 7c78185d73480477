#!/usr/bin/env bats
# cookie: the session cookie's name and attributes.  By default it is
# "Authentication" without Secure, so plain HTTP on 127.0.0.1 works for
# development; with COOKIE_SECURE=1 it is "__Host-Authentication" with
# Secure, Path=/ and no Domain, and only that name is read.  Set and
# cleared with the same attributes (common/auth.c).

load helpers

UNAUTHORIZED='{"statusCode":401,"message":"Unauthorized"}'
REFUSED='{"statusCode":403,"message":"Cross-site request refused: origin not allowed","error":"Forbidden"}'

# Two instances on one database and secret: "secure" with COOKIE_SECURE=1,
# and the default one, whose URL is URL.
setup_file() {
	server_start secure COOKIE_SECURE=1
	server_start main
}

# Each test has its own user: EMAIL, USER_ID, ME (the body of GET /authentication).
setup() {
	EMAIL="cookie$BATS_TEST_NUMBER@example.com"
	register "$EMAIL" "Cookie $BATS_TEST_NUMBER"
	USER_ID=$(printf '%s' "$BODY" | jq .id)
	ME="{\"id\":$USER_ID,\"email\":\"$EMAIL\",\"name\":\"Cookie $BATS_TEST_NUMBER\"}"
}

teardown() {
	refute_leaks password123
}

# secure_login: log the user in on the secure instance; sets COOKIE (the
# Set-Cookie value) and TOKEN.
secure_login() {
	URL=$URL_secure post_json /authentication/log-in "{\"email\":\"$EMAIL\",\"password\":\"password123\"}"
	assert_equal "$STATUS" 200
	assert_equal "$(grep -ci '^Set-Cookie:' "$HEADERS")" 2
	COOKIE=$(header Set-Cookie)
	TOKEN=$(printf '%s' "$COOKIE" | sed -n 's/^__Host-Authentication=\([^;]*\);.*/\1/p')
	[ -n "$TOKEN" ]
}

# me URL COOKIE: GET /authentication on that instance with that Cookie header.
me() {
	URL=$1 req GET /authentication -H "Cookie: $2"
}

# logout URL COOKIE: POST /authentication/log-out, as a browser sends it.
logout() {
	URL=$1 req POST /authentication/log-out -H 'Content-Length: 0' -H "Cookie: $2"
}

@test "cookie-1.1: by default the cookie is Authentication, HttpOnly, Path=/, Max-Age, SameSite=Strict, not Secure" {
	login "$EMAIL"
	assert_equal "$(grep -ci '^Set-Cookie:' "$HEADERS")" 2
	assert_equal "$(header Set-Cookie)" \
	    "Authentication=$TOKEN; HttpOnly; Path=/; Max-Age=$TEST_TTL; SameSite=Strict"
	refute grep -qi '^Set-Cookie:.*\(Secure\|Domain\|Expires\)' "$HEADERS"
	grep -q '^Set-Cookie: Refresh=[0-9a-f]\{96\}; HttpOnly; Path=/authentication; Max-Age=1209600; SameSite=Strict'$'\r''$' "$HEADERS"
}

@test "cookie-1.2: with COOKIE_SECURE=1 it is __Host-Authentication with Secure, Path=/ and no Domain" {
	secure_login
	assert_equal "$COOKIE" \
	    "__Host-Authentication=$TOKEN; HttpOnly; Path=/; Max-Age=$TEST_TTL; SameSite=Strict; Secure"
	# What a browser requires of a __Host- cookie, one by one.
	[[ "; $COOKIE;" == *"; Secure;"* ]]
	[[ "; $COOKIE;" == *"; Path=/;"* ]]
	[[ ${COOKIE,,} != *domain* ]]
	refute grep -qi '^Set-Cookie: Authentication=' "$HEADERS"
	# The refresh cookie too: __Host- needs Path=/, which wins over a
	# narrower path (common/auth.h).
	grep -q '^Set-Cookie: __Host-Refresh=[0-9a-f]\{96\}; HttpOnly; Path=/; Max-Age=1209600; SameSite=Strict; Secure'$'\r''$' "$HEADERS"
	assert_equal "$(claim "$TOKEN" userId)" "$USER_ID"
}

@test "cookie-2.1: the secure instance reads __Host-Authentication and not Authentication" {
	secure_login
	me "$URL_secure" "__Host-Authentication=$TOKEN"
	assert_reply 200 "$ME"
	me "$URL_secure" "Authentication=$TOKEN"
	assert_reply 401 "$UNAUTHORIZED"
	# Found among others, whatever the plain one holds.
	me "$URL_secure" "Authentication=junk; __Host-Authentication=$TOKEN; other=1"
	assert_reply 200 "$ME"
}

@test "cookie-2.2: the default instance reads Authentication and not __Host-Authentication" {
	login "$EMAIL"
	me "$URL_main" "Authentication=$TOKEN"
	assert_reply 200 "$ME"
	me "$URL_main" "__Host-Authentication=$TOKEN"
	assert_reply 401 "$UNAUTHORIZED"
	me "$URL_main" "__Host-Authentication=junk; Authentication=$TOKEN"
	assert_reply 200 "$ME"
}

@test "cookie-3.1: log-out on the secure instance clears __Host-Authentication with the same attributes" {
	secure_login
	jti=$(claim "$TOKEN" jti | jq -r .)
	logout "$URL_secure" "__Host-Authentication=$TOKEN"
	assert_reply 200 ''
	assert_equal "$(grep -ci '^Set-Cookie:' "$HEADERS")" 2
	assert_equal "$(header Set-Cookie)" \
	    "__Host-Authentication=; HttpOnly; Path=/; Max-Age=0; SameSite=Strict; Secure"
	grep -q '^Set-Cookie: __Host-Refresh=; HttpOnly; Path=/; Max-Age=0; SameSite=Strict; Secure'$'\r''$' "$HEADERS"
	assert_equal "$(sql "SELECT count(*) FROM sessions WHERE id = '$jti'")" 0
	me "$URL_secure" "__Host-Authentication=$TOKEN"
	assert_reply 401 "$UNAUTHORIZED"
}

@test "cookie-3.2: the secure instance does not log out a plain Authentication cookie" {
	secure_login
	jti=$(claim "$TOKEN" jti | jq -r .)
	logout "$URL_secure" "Authentication=$TOKEN"
	assert_reply 401 "$UNAUTHORIZED"
	refute grep -qi '^Set-Cookie:' "$HEADERS"
	assert_equal "$(sql "SELECT count(*) FROM sessions WHERE id = '$jti'")" 1
}

@test "cookie-3.3: log-out on the default instance clears Authentication with the same attributes" {
	login "$EMAIL"
	logout "$URL_main" "Authentication=$TOKEN"
	assert_reply 200 ''
	assert_equal "$(grep -ci '^Set-Cookie:' "$HEADERS")" 2
	assert_equal "$(header Set-Cookie)" "Authentication=; HttpOnly; Path=/; Max-Age=0; SameSite=Strict"
}

@test "cookie-4.1: over plain HTTP on 127.0.0.1 a cookie jar does the default round trip" {
	jar=$BATS_TEST_TMPDIR/jar
	req POST /authentication/log-in -c "$jar" -H 'Content-Type: application/json' \
	    --data-binary "{\"email\":\"$EMAIL\",\"password\":\"password123\"}"
	assert_reply 200 "$ME"
	grep -q "	Authentication	" "$jar"
	token=$(awk '$6 == "Authentication" { print $7 }' "$jar")
	req GET /authentication -b "$jar"
	assert_reply 200 "$ME"
	post_json /posts '{"title":"Jar","content":"From a cookie jar"}' -b "$jar"
	assert_equal "$STATUS" 201
	req POST /authentication/log-out -H 'Content-Length: 0' -b "$jar" -c "$jar"
	assert_reply 200 ''
	# Both cookies cleared (curl 7.88 keeps one of two cookies cleared in
	# one reply in its jar, so the jar is not the test); the old token is
	# dead anyway.
	grep -q '^Set-Cookie: Authentication=; HttpOnly; Path=/; Max-Age=0;' "$HEADERS"
	grep -q '^Set-Cookie: Refresh=; HttpOnly; Path=/authentication; Max-Age=0;' "$HEADERS"
	req GET /authentication -b "$jar"
	assert_reply 401 "$UNAUTHORIZED"
	req GET /authentication -b "Authentication=$token"
	assert_reply 401 "$UNAUTHORIZED"
}

@test "cookie-4.2: the cross-site check looks for the instance's own cookie name" {
	secure_login
	URL=$URL_secure post_json /posts '{"title":"X","content":"Y"}' \
	    -H "Cookie: __Host-Authentication=$TOKEN" -H 'Origin: https://evil.example'
	assert_reply 403 "$REFUSED"
	# The plain name is no session there: the write fails for want of one.
	URL=$URL_secure post_json /posts '{"title":"X","content":"Y"}' \
	    -H "Cookie: Authentication=$TOKEN" -H 'Origin: https://evil.example'
	assert_reply 401 "$UNAUTHORIZED"
	assert_equal "$(sql "SELECT count(*) FROM posts WHERE author_id = $USER_ID")" 0
}

#!/usr/bin/env bats
# basepath: the API served under a path (/~tester/api) rather than at the
# root, through the shipped configurations (BASE_PATH of the start
# scripts): the routes answer there, the cookie's Path and the Link header
# follow, anything else there is the API's JSON 404, and nothing of the API
# answers outside it.  (basepath-cgi.bats checks the programs' own rules.)

load helpers

BASE=/~tester/api

setup_file() {
	server_start main BASE_PATH="$BASE"
	export ROOT_URL=$URL URL=$URL$BASE
}

@test "basepath-1.1: a whole session under the base: cookie Path and Link follow it" {
	register base@example.com
	post_json /authentication/log-in '{"email":"base@example.com","password":"password123"}'
	assert_equal "$STATUS" 200
	[[ $(header Set-Cookie) == "Authentication="*"; HttpOnly; Path=$BASE; Max-Age=$TEST_TTL; SameSite=Strict" ]] ||
	    fail "Set-Cookie: $(header Set-Cookie)"
	TOKEN=$(header Set-Cookie | sed -n 's/^Authentication=\([^;]*\);.*/\1/p')
	req GET /authentication -b "Authentication=$TOKEN"
	assert_equal "$STATUS" 200
	assert_equal "$(printf '%s' "$BODY" | jq -r .email)" base@example.com
	for t in one two; do
		post_json /posts "{\"title\":\"$t\",\"content\":\"$t\"}" -b "Authentication=$TOKEN"
		assert_equal "$STATUS" 201
	done
	req GET '/posts?limit=1'
	assert_equal "$STATUS" 200
	assert_equal "$(header Link)" "<$BASE/posts?limit=1&after=$(printf '%s' "$BODY" | jq -r '.[0].id')>; rel=\"next\""
	req POST /authentication/log-out -b "Authentication=$TOKEN" -H 'Content-Length: 0'
	assert_equal "$STATUS" 200
	assert_equal "$(header Set-Cookie)" "Authentication=; HttpOnly; Path=$BASE; Max-Age=0; SameSite=Strict"
	req GET /authentication -b "Authentication=$TOKEN"
	assert_equal "$STATUS" 401
}

@test "basepath-1.2: an unknown path under the base is the JSON 404 naming the whole path" {
	# (The base itself, without a slash, Apache answers for a directory
	# as it always does: a redirect to the base with one.)
	for path in /nope /authentication/x /posts/1/2 /; do
		req GET "$path"
		assert_reply 404 "{\"statusCode\":404,\"message\":\"Cannot GET $BASE$path\",\"error\":\"Not Found\"}"
	done
}

@test "basepath-1.3: outside the base nothing answers as the API" {
	local url=$URL
	URL=$ROOT_URL
	for path in /authentication /posts /authentication/log-in /~tester /~tester/apix/authentication; do
		req GET "$path"
		case $STATUS in
		301|403|404) ;;
		*) fail "$path: $STATUS $BODY" ;;
		esac
		[[ $BODY != *Unauthorized* && $BODY != "["* ]] || fail "$path: the API answered: $BODY"
	done
	URL=$url
}

@test "basepath-1.4: with COOKIE_SECURE=1 under a base the cookie is __Secure-Authentication, Path=the base" {
	local url=$URL
	server_start secure BASE_PATH="$BASE" COOKIE_SECURE=1
	URL=$URL$BASE
	register secure@example.com
	post_json /authentication/log-in '{"email":"secure@example.com","password":"password123"}'
	assert_equal "$STATUS" 200
	[[ $(header Set-Cookie) == "__Secure-Authentication="*"; HttpOnly; Path=$BASE; Max-Age=$TEST_TTL; SameSite=Strict; Secure" ]] ||
	    fail "Set-Cookie: $(header Set-Cookie)"
	TOKEN=$(header Set-Cookie | sed -n 's/^__Secure-Authentication=\([^;]*\);.*/\1/p')
	req GET /authentication -b "__Secure-Authentication=$TOKEN"
	assert_equal "$STATUS" 200
	req GET /authentication -b "__Host-Authentication=$TOKEN"
	assert_equal "$STATUS" 401
	server_stop secure
	URL=$url
}

@test "basepath-1.5: the web server's own errors under the base are JSON" {
	# (lighttpd's test server names its error files server-wide; on a shared
	# lighttpd, 50-fcgi-auth.conf can only do so under the base: README.)
	req POST /authentication/register
	assert_reply 411 '{"statusCode":411,"message":"A request with a body needs a Content-Length header","error":"Length Required"}'
	assert_equal "$(header Content-Type)" "application/json; charset=utf-8"
}

@test "basepath-1.6: the API's description is served under the base only" {
	req GET /openapi.yaml
	assert_equal "$STATUS" 200
	assert_equal "$(header Content-Type)" "application/yaml; charset=utf-8"
	cmp "$BATS_TEST_TMPDIR/body" "$abs_top_srcdir/doc/openapi.yaml"
	URL=$ROOT_URL req GET /openapi.yaml
	[ "$STATUS" != 200 ] || fail "served outside the base too"
}

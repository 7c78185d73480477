#!/usr/bin/env bats
# csrf: a write carrying the session cookie is refused (403) when a browser
# says another site's page sent it: by Origin, else Sec-Fetch-Site, else
# Referer (common/csrf.h).  Our own origin and ALLOWED_ORIGINS pass, as do
# reads, requests without the cookie and clients that send none of the three.

load helpers

REFUSED='{"statusCode":403,"message":"Cross-site request refused: origin not allowed","error":"Forbidden"}'
UNAUTHORIZED='{"statusCode":401,"message":"Unauthorized"}'
EVIL=https://evil.example

# A second instance (same database and secret) that also trusts two
# front-end origins; URL is the main one's.
setup_file() {
	server_start allowed ALLOWED_ORIGINS=https://app.example.com,https://admin.example.com
	server_start main
	export MAIN_LOG=$ERROR_LOG
}

# Each test has its own logged-in user: EMAIL, USER_ID, TOKEN.
setup() {
	EMAIL="csrf$BATS_TEST_NUMBER@example.com"
	register "$EMAIL" "Csrf $BATS_TEST_NUMBER"
	USER_ID=$(printf '%s' "$BODY" | jq .id)
	login "$EMAIL"
}

teardown() {
	refute_leaks password123
}

# create [CURL-ARGS...]: POST /posts with the cookie.
create() {
	post_json /posts '{"title":"Csrf","content":"A post"}' -b "Authentication=$TOKEN" "$@"
}

# mine: how many posts the test's user has.
mine() {
	sql "SELECT count(*) FROM posts WHERE author_id = $USER_ID"
}

# refused [CURL-ARGS...]: create is refused with the 403 and stores nothing.
refused() {
	local before
	before=$(mine)
	create "$@"
	assert_reply 403 "$REFUSED"
	assert_equal "$(header Content-Type)" "application/json; charset=utf-8"
	assert_equal "$(mine)" "$before"
}

# created [CURL-ARGS...]: create succeeds and stores one post.
created() {
	local before
	before=$(mine)
	create "$@"
	assert_equal "$STATUS" 201
	assert_equal "$(mine)" $((before + 1))
}

@test "csrf-1.1: a cookie-carrying POST /posts with another site's Origin is 403 and stores nothing" {
	refused -H "Origin: $EVIL"
	assert_equal "$(mine)" 0
}

@test "csrf-1.2: with the service's own Origin the POST is created" {
	created -H "Origin: $URL"
	assert_equal "$(mine)" 1
}

@test "csrf-1.3: another port, host name or scheme of the same machine is another origin" {
	port=${URL##*:}
	refused -H "Origin: http://127.0.0.1:$((port + 1))"
	refused -H "Origin: http://localhost:$port"
	refused -H "Origin: https://127.0.0.1:$port"
	refused -H "Origin: http://127.0.0.1"
	refused -H "Origin: $URL.evil.example"
	assert_equal "$(mine)" 0
}

@test "csrf-1.4: Origin null (sandboxed frames, file: pages) is refused" {
	refused -H "Origin: null"
}

@test "csrf-1.5: the Origin decides even when Sec-Fetch-Site or Referer says otherwise" {
	refused -H "Origin: $EVIL" -H "Sec-Fetch-Site: same-origin"
	refused -H "Origin: $EVIL" -H "Referer: $URL/"
	created -H "Origin: $URL" -H "Referer: $EVIL/"
}

@test "csrf-2.1: without Origin, Sec-Fetch-Site cross-site or same-site is refused" {
	refused -H "Sec-Fetch-Site: cross-site"
	refused -H "Sec-Fetch-Site: same-site"
	assert_equal "$(mine)" 0
}

@test "csrf-2.2: without Origin, Sec-Fetch-Site same-origin or none is let through" {
	created -H "Sec-Fetch-Site: same-origin"
	created -H "Sec-Fetch-Site: none"
	assert_equal "$(mine)" 2
}

@test "csrf-2.3: Sec-Fetch-Site decides before the Referer" {
	refused -H "Sec-Fetch-Site: cross-site" -H "Referer: $URL/"
}

@test "csrf-3.1: with only a Referer, another site's is refused" {
	refused -H "Referer: $EVIL/page"
	refused -H "Referer: $URL.evil.example/page"
	refused -H "Referer: https://evil.example/$URL/"
	refused -H "Referer: not a url"
	assert_equal "$(mine)" 0
}

@test "csrf-3.2: with only a Referer, our own is let through" {
	created -H "Referer: $URL/some/page?x=1#top"
	created -H "Referer: $URL"
}

@test "csrf-3.3: none of the three headers (curl, scripts): let through" {
	created
	created -H "User-Agent: script/1.0" -H "Accept: */*"
}

@test "csrf-4.1: ALLOWED_ORIGINS lets exactly those origins through" {
	URL=$URL_allowed
	created -H "Origin: https://app.example.com"
	created -H "Origin: https://admin.example.com"
	created -H "Referer: https://app.example.com/page"
	created -H "Origin: $URL"
	refused -H "Origin: https://app.example.com.evil.com"
	refused -H "Origin: https://evil.com"
	refused -H "Origin: http://app.example.com"
	refused -H "Origin: https://app.example.com:8443"
	refused -H "Origin: https://example.com"
	refused -H "Origin: https://app.example.com,https://admin.example.com"
	assert_equal "$(mine)" 4
}

@test "csrf-4.2: without ALLOWED_ORIGINS the same front-end origin is refused" {
	refused -H "Origin: https://app.example.com"
}

@test "csrf-5.1: PATCH and DELETE /posts/:id from another site are refused and change nothing" {
	created
	id=$(printf '%s' "$BODY" | jq .id)
	req PATCH "/posts/$id" -H 'Content-Type: application/json' \
	    --data-binary '{"title":"Defaced"}' -b "Authentication=$TOKEN" -H "Origin: $EVIL"
	assert_reply 403 "$REFUSED"
	req DELETE "/posts/$id" -H 'Content-Length: 0' -b "Authentication=$TOKEN" \
	    -H "Sec-Fetch-Site: cross-site"
	assert_reply 403 "$REFUSED"
	assert_equal "$(sql "SELECT title FROM posts WHERE id = $id")" Csrf
	# From our own origin both work.
	req PATCH "/posts/$id" -H 'Content-Type: application/json' \
	    --data-binary '{"title":"Edited"}' -b "Authentication=$TOKEN" -H "Origin: $URL"
	assert_equal "$STATUS" 200
	assert_equal "$(sql "SELECT title FROM posts WHERE id = $id")" Edited
	req DELETE "/posts/$id" -H 'Content-Length: 0' -b "Authentication=$TOKEN" -H "Origin: $URL"
	assert_reply 200 ''
	assert_equal "$(sql "SELECT count(*) FROM posts WHERE id = $id")" 0
}

@test "csrf-5.2: a log-out from another site is refused and the session lives on" {
	jti=$(claim "$TOKEN" jti | jq -r .)
	req POST /authentication/log-out -H 'Content-Length: 0' -b "Authentication=$TOKEN" \
	    -H "Origin: $EVIL"
	assert_reply 403 "$REFUSED"
	refute grep -qi '^Set-Cookie:' "$HEADERS"
	assert_equal "$(sql "SELECT count(*) FROM sessions WHERE id = '$jti'")" 1
	req GET /authentication -b "Authentication=$TOKEN"
	assert_equal "$STATUS" 200
	req POST /authentication/log-out -H 'Content-Length: 0' -b "Authentication=$TOKEN" \
	    -H "Origin: $URL"
	assert_reply 200 ''
	assert_equal "$(sql "SELECT count(*) FROM sessions WHERE id = '$jti'")" 0
}

@test "csrf-6.1: reads with another site's Origin are answered" {
	req GET /authentication -b "Authentication=$TOKEN" -H "Origin: $EVIL" \
	    -H "Sec-Fetch-Site: cross-site"
	assert_reply 200 "{\"id\":$USER_ID,\"email\":\"$EMAIL\",\"name\":\"Csrf $BATS_TEST_NUMBER\"}"
	req GET /posts -b "Authentication=$TOKEN" -H "Origin: $EVIL"
	assert_equal "$STATUS" 200
}

@test "csrf-6.2: without the cookie another site's writes are not refused by this check" {
	post_json /authentication/register \
	    '{"email":"csrf-nocookie@example.com","name":"No Cookie","password":"password123"}' \
	    -H "Origin: $EVIL" -H "Sec-Fetch-Site: cross-site"
	assert_equal "$STATUS" 201
	post_json /authentication/log-in '{"email":"csrf-nocookie@example.com","password":"password123"}' \
	    -H "Origin: $EVIL" -H "Sec-Fetch-Site: cross-site"
	assert_equal "$STATUS" 200
	# A write that needs the cookie fails for want of it, not as cross-site.
	post_json /posts '{"title":"Csrf","content":"A post"}' -H "Origin: $EVIL"
	assert_reply 401 "$UNAUTHORIZED"
}

@test "csrf-6.3: with the cookie, a log-in from another site is refused like any other write" {
	post_json /authentication/log-in "{\"email\":\"$EMAIL\",\"password\":\"password123\"}" \
	    -b "Authentication=$TOKEN" -H "Origin: $EVIL"
	assert_reply 403 "$REFUSED"
	refute grep -qi '^Set-Cookie:' "$HEADERS"
}

@test "csrf-7.1: each refusal is logged with the method, path and what it came from" {
	refused -H "Origin: $EVIL"
	refused -H "Sec-Fetch-Site: cross-site"
	refused -H "Referer: $EVIL/from/here"
	run cat "$MAIN_LOG"
	assert_line --regexp '^.*posts\[[0-9]+\] 127\.0\.0\.1: refused a cross-site POST /posts from https://evil\.example$'
	assert_line --regexp '^.*posts\[[0-9]+\] 127\.0\.0\.1: refused a cross-site POST /posts from cross-site$'
	# A Referer only by its origin (issue 20): see csrf-7.2.
	assert_line --regexp '^.*posts\[[0-9]+\] 127\.0\.0\.1: refused a cross-site POST /posts from https://evil\.example \(Referer\)$'
	# The cookie is not logged.
	refute_output --partial "$TOKEN"
}

@test "csrf-7.2: a refused Referer is logged by its origin only, never its path, query or user (issue 20)" {
	refused -H "Referer: https://user:pw-4711@evil.example:8443/reset?token=Secret-4712#frag"
	refused -H "Referer: evil-without-a-scheme/Secret-4713"
	run cat "$MAIN_LOG"
	assert_line --regexp '^.*posts\[[0-9]+\] 127\.0\.0\.1: refused a cross-site POST /posts from https://evil\.example:8443 \(Referer\)$'
	assert_line --regexp '^.*posts\[[0-9]+\] 127\.0\.0\.1: refused a cross-site POST /posts from a Referer without an origin$'
	refute_output --partial Secret-47
	refute_output --partial pw-4711
	refute_output --partial /reset
}

@test "csrf-7.3: what is logged of an Origin is escaped and cut, never a whole header (issue 20)" {
	long=https://$(printf 'x%.0s' $(seq 400)).example
	refused -H "Origin: $long"
	# U+202E (right-to-left override) in an origin.
	refused -H "$(printf 'Origin: https://evil\xe2\x80\xaeelpmaxe.com')"
	run cat "$MAIN_LOG"
	assert_line --regexp "^.*posts\\[[0-9]+\\] 127\\.0\\.0\\.1: refused a cross-site POST /posts from ${long:0:100}\\.\\.\\.\$"
	refute_output --partial "${long:0:101}"
	assert_line --partial 'from https://evil\xe2\x80\xaeelpmaxe.com'
}

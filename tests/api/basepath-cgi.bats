#!/usr/bin/env bats
# basepath-cgi: the API mounted under a prefix (issue 19).  The web server
# maps <base><route> to each program and passes REQUEST_URI unchanged; the
# programs take the base from it: the cookie's Path and name, the posts'
# Link header.  The programs run here as plain CGI, no server in front, on
# an SQLite file of the test's own, with no settings file (FCGI_AUTH_CONFIG
# is /dev/null, whatever this machine has in /etc).

load helpers
bats_require_minimum_version 1.5.0

setup_file() { :; }
teardown_file() { :; }

setup() {
	DB=$BATS_TEST_TMPDIR/auth.sqlite
	"$ADMIN" -d "$DB" migrate >/dev/null 2>&1
}

# cgi_request PROGRAM METHOD URI [VAR=value...]: run PROGRAM as plain CGI
# (cgi, helpers.bash) for one request on this test's database (the body,
# if any, in $BATS_TEST_TMPDIR/body.json, then gone).
cgi_request() {
	local prog=$1 method=$2 uri=$3 len=0 body=$BATS_TEST_TMPDIR/body.json
	shift 3
	[ -f "$body" ] && len=$(wc -c <"$body")
	[ -f "$body" ] || body=/dev/null
	cgi "$prog" REQUEST_METHOD="$method" REQUEST_URI="$uri" \
	    CONTENT_TYPE=application/json CONTENT_LENGTH="$len" \
	    DATABASE_PATH="$DB" JWT_SECRET="$TEST_SECRET" BCRYPT_COST=4 "$@" \
	    <"$body"
	rm -f "$BATS_TEST_TMPDIR/body.json"
}

# body JSON: the next cgi request's body.
body() {
	printf '%s' "$1" >"$BATS_TEST_TMPDIR/body.json"
}

# user BASE EMAIL [VAR=value...]: register EMAIL and log in under BASE;
# sets COOKIE to the Set-Cookie header and TOKEN to its value.
user() {
	local base=$1 email=$2
	shift 2
	body "{\"email\":\"$email\",\"name\":\"Base\",\"password\":\"password123\"}"
	cgi_request register POST "$base/authentication/register" "$@"
	assert_equal "$CGI_STATUS" "Status: 201 Created"
	body "{\"email\":\"$email\",\"password\":\"password123\"}"
	cgi_request login POST "$base/authentication/log-in" "$@"
	assert_equal "$CGI_STATUS" "Status: 200 OK"
	COOKIE=$(cgi_header Set-Cookie)
	TOKEN=$(printf '%s\n' "$COOKIE" | sed -n 's/^[^=]*=\([^;]*\);.*/\1/p')
	[ -n "$TOKEN" ]
}

@test "basepath-1.1: log-in under /api sets the cookie with Path=/api; at the root Path=/ as before" {
	user /api a@example.com JWT_EXPIRATION_TIME=60
	assert_equal "$COOKIE" "Authentication=$TOKEN; HttpOnly; Path=/api; Max-Age=60; SameSite=Strict"
	user "" b@example.com JWT_EXPIRATION_TIME=60
	assert_equal "$COOKIE" "Authentication=$TOKEN; HttpOnly; Path=/; Max-Age=60; SameSite=Strict"
}

@test "basepath-1.2: with COOKIE_SECURE=1 the cookie is __Secure- under a base, __Host- at the root" {
	user /api a@example.com COOKIE_SECURE=1 JWT_EXPIRATION_TIME=60
	assert_equal "$COOKIE" "__Secure-Authentication=$TOKEN; HttpOnly; Path=/api; Max-Age=60; SameSite=Strict; Secure"
	user "" b@example.com COOKIE_SECURE=1 JWT_EXPIRATION_TIME=60
	assert_equal "$COOKIE" "__Host-Authentication=$TOKEN; HttpOnly; Path=/; Max-Age=60; SameSite=Strict; Secure"
}

@test "basepath-1.3: me under the base accepts the base's cookie, by its name" {
	user /api a@example.com
	id=$(sqlite3 "$DB" "SELECT id FROM users WHERE email = 'a@example.com'")
	cgi_request me GET /api/authentication HTTP_COOKIE="Authentication=$TOKEN"
	assert_equal "$CGI_STATUS" "Status: 200 OK"
	assert_equal "$CGI_BODY" "{\"id\":$id,\"email\":\"a@example.com\",\"name\":\"Base\"}"
	cgi_request me GET /api/authentication
	assert_equal "$CGI_STATUS" "Status: 401 Unauthorized"
	user /api s@example.com COOKIE_SECURE=1
	cgi_request me GET /api/authentication COOKIE_SECURE=1 HTTPS=on \
	    HTTP_COOKIE="__Secure-Authentication=$TOKEN"
	assert_equal "$CGI_STATUS" "Status: 200 OK"
	# Under the base the root's name is not the session cookie.
	cgi_request me GET /api/authentication COOKIE_SECURE=1 HTTPS=on \
	    HTTP_COOKIE="__Host-Authentication=$TOKEN"
	assert_equal "$CGI_STATUS" "Status: 401 Unauthorized"
}

@test "basepath-1.4: a base with a tilde, as under a user's directory, works end to end" {
	user /~alice/api a@example.com
	assert_equal "${COOKIE#*; HttpOnly; }" "Path=/~alice/api; Max-Age=3600; SameSite=Strict"
	cgi_request me GET /~alice/api/authentication HTTP_COOKIE="Authentication=$TOKEN"
	assert_equal "$CGI_STATUS" "Status: 200 OK"
}

@test "basepath-1.5: log-out under the base clears the cookie of the same name and Path" {
	user /api a@example.com COOKIE_SECURE=1
	cgi_request logout POST /api/authentication/log-out COOKIE_SECURE=1 HTTPS=on \
	    HTTP_COOKIE="__Secure-Authentication=$TOKEN"
	assert_equal "$CGI_STATUS" "Status: 200 OK"
	assert_equal "$(cgi_header Set-Cookie)" "__Secure-Authentication=; HttpOnly; Path=/api; Max-Age=0; SameSite=Strict; Secure"
	user /api b@example.com
	cgi_request logout POST /api/authentication/log-out HTTP_COOKIE="Authentication=$TOKEN"
	assert_equal "$(cgi_header Set-Cookie)" "Authentication=; HttpOnly; Path=/api; Max-Age=0; SameSite=Strict"
	cgi_request me GET /api/authentication HTTP_COOKIE="Authentication=$TOKEN"
	assert_equal "$CGI_STATUS" "Status: 401 Unauthorized"
}

@test "basepath-2.1: the posts' Link header points under the base" {
	user /api a@example.com
	for t in one two three; do
		body "{\"title\":\"$t\",\"content\":\"c\"}"
		cgi_request posts POST /api/posts HTTP_COOKIE="Authentication=$TOKEN"
		assert_equal "$CGI_STATUS" "Status: 201 Created"
	done
	first=$(sqlite3 "$DB" 'SELECT min(id) FROM posts')
	cgi_request posts GET '/api/posts?limit=1'
	assert_equal "$CGI_STATUS" "Status: 200 OK"
	assert_equal "$(cgi_header Link)" "</api/posts?limit=1&after=$first>; rel=\"next\""
	cgi_request posts GET '/~alice/api/posts?limit=2'
	assert_equal "$(cgi_header Link)" "</~alice/api/posts?limit=2&after=$((first + 1))>; rel=\"next\""
	cgi_request posts GET '/posts?limit=1'
	assert_equal "$(cgi_header Link)" "</posts?limit=1&after=$first>; rel=\"next\""
	cgi_request posts GET "/api/posts/$first"
	assert_equal "$CGI_STATUS" "Status: 200 OK"
	assert_equal "$(printf '%s' "$CGI_BODY" | jq -r .title)" one
}

@test "basepath-2.2: of several bases the shortest wins: /posts/posts is post \"posts\", a 400" {
	for path in /posts/posts /api/posts/posts; do
		cgi_request posts GET "$path"
		assert_equal "$CGI_STATUS" "Status: 400 Bad Request"
		assert_equal "$CGI_BODY" '{"statusCode":400,"message":["id must be a number string"],"error":"Bad Request"}'
	done
}

@test "basepath-3.1: a base that is not a clean path is a 404 naming the whole path" {
	long=/$(head -c 200 /dev/zero | tr '\0' a)
	for path in '/a;b/authentication' '/a/../authentication' '//authentication' \
	    '/a/./authentication' '/a//authentication' '/a,b/authentication' \
	    '/a%zz/authentication' '/a%2/authentication' '/%2e%2e/authentication' \
	    '/a"b/authentication' '/a<b>/authentication' '/a\b/authentication' \
	    "/caf$(printf '\303\251')/authentication" "$long/authentication"; do
		cgi_request me GET "$path"
		assert_equal "$CGI_STATUS" "Status: 404 Not Found"
		shown=$(printf '%s' "${path:0:200}" | LC_ALL=C tr -c ' -~' '?' | sed 's/[\\"]/\\&/g')
		assert_equal "$CGI_BODY" "{\"statusCode\":404,\"message\":\"Cannot GET $shown\",\"error\":\"Not Found\"}"
	done
	# 200 bytes of base are still fine.
	cgi_request me GET "${long:0:200}/authentication"
	assert_equal "$CGI_STATUS" "Status: 401 Unauthorized"
}

@test "basepath-3.2: a bad base is a 404 for a write too, before the body or the store" {
	body '{"email":"a@example.com","password":"password123"}'
	cgi_request login POST '/a;b/authentication/log-in'
	assert_equal "$CGI_STATUS" "Status: 404 Not Found"
	assert_equal "$CGI_BODY" '{"statusCode":404,"message":"Cannot POST /a;b/authentication/log-in","error":"Not Found"}'
	assert_equal "$(cgi_header Set-Cookie)" ""
}

@test "basepath-3.3: the 404 program names the whole path, base and all" {
	cgi_request notfound GET /api/nope
	assert_equal "$CGI_STATUS" "Status: 404 Not Found"
	assert_equal "$CGI_BODY" '{"statusCode":404,"message":"Cannot GET /api/nope","error":"Not Found"}'
}

#!/usr/bin/env bats
# cors: front ends on another origin (issue 21).  An origin on the one list
# (ALLOWED_ORIGINS plus FRONTEND_URL, which the CSRF check uses too) gets
# its preflight answered 204 on every route, and every reply, errors
# included, with Access-Control-Allow-Origin (that exact origin) and
# -Credentials; any other origin, null, a look-alike, gets no
# Access-Control-* header at all and today's answers.

load helpers

FRONT=http://localhost:3000
APP=https://app.example.com
NO_OPTIONS='{"statusCode":405,"message":"Method OPTIONS is not allowed here; use POST","error":"Method Not Allowed"}'

# main: FRONTEND_URL (the series' name) and ALLOWED_ORIGINS, merged;
# plain: neither, as before issue 21.
setup_file() {
	server_start plain
	server_start main FRONTEND_URL=$FRONT/ ALLOWED_ORIGINS="https://admin.example.com, $APP"
}

# preflight PATH ORIGIN [METHOD [CURL-ARGS...]]: what a browser sends before
# a cross-origin request with a JSON body.
preflight() {
	local path=$1 origin=$2 method=${3:-POST}
	shift 3 2>/dev/null || shift $#
	req OPTIONS "$path" -H "Origin: $origin" \
	    -H "Access-Control-Request-Method: $method" \
	    -H 'Access-Control-Request-Headers: content-type' "$@"
}

# cors_headers: the last reply's Access-Control-* and Vary lines, sorted,
# CR removed.
cors_headers() {
	tr -d '\r' <"$HEADERS" | grep -i -e '^access-control-' -e '^vary:' | sort
}

# refute_cors: the last reply has no Access-Control-* header.
refute_cors() {
	if grep -qi '^access-control-' "$HEADERS"; then
		fail "unexpected CORS headers: $(grep -i '^access-control-' "$HEADERS")"
	fi
}

# assert_cors ORIGIN: the last reply lets ORIGIN read it, with credentials.
assert_cors() {
	assert_equal "$(cors_headers)" "Access-Control-Allow-Credentials: true
Access-Control-Allow-Origin: $1
Access-Control-Expose-Headers: Link, Retry-After
Vary: Origin"
}

@test "cors-1.1: a preflight from FRONTEND_URL gets 204 with the route's methods" {
	preflight /authentication/log-in $FRONT
	assert_reply 204 ''
	assert_equal "$(cors_headers)" "Access-Control-Allow-Credentials: true
Access-Control-Allow-Headers: Content-Type
Access-Control-Allow-Methods: POST
Access-Control-Allow-Origin: $FRONT
Access-Control-Max-Age: 7200
Vary: Origin"
	# RFC 9110 6.4.1: no body, and no Content-Length on a 204.
	assert_equal "$(header Content-Length)" ""
	assert_equal "$(header Content-Type)" ""
	assert_equal "$(header Cache-Control)" "no-store"
}

@test "cors-1.2: every known route answers its preflight with its own methods" {
	local path methods
	while IFS='|' read -r path methods; do
		preflight "$path" $APP GET
		assert_equal "$path $STATUS" "$path 204"
		assert_equal "$path $(header Access-Control-Allow-Methods)" "$path $methods"
		assert_equal "$(header Access-Control-Allow-Origin)" $APP
	done <<'ROUTES'
/authentication/register|POST
/authentication/log-in|POST
/authentication/log-out|POST
/authentication|GET, HEAD, DELETE
/authentication/refresh|GET, HEAD, POST
/authentication/sessions|GET, HEAD
/authentication/sessions/7|DELETE
/authentication/log-out-all|POST
/authentication/password|PATCH
/posts|GET, HEAD, POST
/posts/1|GET, HEAD, PATCH, DELETE
ROUTES
}

@test "cors-1.3: a preflight from any other origin gets today's 405, no Access-Control-*" {
	local origin
	for origin in https://evil.example null "$FRONT.evil.example" \
	    http://localhost:3001 https://localhost:3000 http://localhost \
	    http://app.example.com https://app.example.com.evil.example \
	    "$FRONT/x" "http://user@localhost:3000"; do
		preflight /authentication/log-in "$origin"
		assert_equal "$origin $STATUS" "$origin 405"
		assert_equal "$BODY" "$NO_OPTIONS"
		assert_equal "$(header Allow)" POST
		refute_cors
		assert_equal "$(header Vary)" Origin
	done
}

@test "cors-1.4: OPTIONS without Origin or the method to ask for keeps today's answer" {
	req OPTIONS /authentication/log-in
	assert_reply 405 "$NO_OPTIONS"
	refute_cors
	# An allowed origin that asks for nothing is no preflight: a 405 it may read.
	req OPTIONS /authentication/log-in -H "Origin: $FRONT"
	assert_reply 405 "$NO_OPTIONS"
	assert_cors $FRONT
	# An unknown path is a 404 either way (a browser's preflight fails).
	preflight /nowhere $FRONT
	assert_reply 404 '{"statusCode":404,"message":"Cannot OPTIONS /nowhere","error":"Not Found"}'
	assert_cors $FRONT
}

@test "cors-1.5: a preflight changes nothing and reads no body" {
	preflight /authentication/register $FRONT POST \
	    -H 'Content-Type: application/json' \
	    --data-binary '{"email":"preflight@example.com","name":"P","password":"password123"}'
	assert_reply 204 ''
	assert_equal "$(sql "SELECT count(*) FROM users WHERE email = 'preflight@example.com'")" 0
}

@test "cors-2.1: log in, who am I and the posts from an allowed origin, with credentials" {
	post_json /authentication/register \
	    '{"email":"front@example.com","name":"Front","password":"password123"}' \
	    -H "Origin: $FRONT"
	assert_equal "$STATUS" 201
	assert_cors $FRONT
	post_json /authentication/log-in '{"email":"front@example.com","password":"password123"}' \
	    -H "Origin: $FRONT"
	assert_equal "$STATUS" 200
	assert_cors $FRONT
	TOKEN=$(header Set-Cookie | sed -n 's/^Authentication=\([^;]*\);.*/\1/p')
	req GET /authentication -b "Authentication=$TOKEN" -H "Origin: $FRONT"
	assert_equal "$STATUS" 200
	assert_equal "$(printf '%s' "$BODY" | jq -r .email)" front@example.com
	assert_cors $FRONT
	# A cookie-carrying write from a listed origin passes the CSRF check.
	for _ in 1 2; do
		post_json /posts '{"title":"From the front","content":"Hi"}' \
		    -b "Authentication=$TOKEN" -H "Origin: $APP"
		assert_equal "$STATUS" 201
		assert_cors $APP
	done
	req GET '/posts?limit=1' -H "Origin: $APP"
	assert_equal "$STATUS" 200
	assert_cors $APP
	assert [ -n "$(header Link)" ]
}

@test "cors-2.2: errors carry the headers, so a front end can read their message" {
	post_json /authentication/log-in '{"email":"nobody@example.com","password":"password123"}' \
	    -H "Origin: $FRONT"
	assert_reply 400 '{"statusCode":400,"message":"Wrong credentials provided"}'
	assert_cors $FRONT
	req GET /authentication -H "Origin: $FRONT"
	assert_reply 401 '{"statusCode":401,"message":"Unauthorized"}'
	assert_cors $FRONT
	req POST /authentication/log-in -H "Origin: $FRONT" -H 'Content-Type: text/plain' --data-binary x
	assert_equal "$STATUS" 415
	assert_cors $FRONT
	req GET /nowhere -H "Origin: $APP"
	assert_equal "$STATUS" 404
	assert_cors $APP
}

@test "cors-2.3: other origins read nothing, and their cookie-carrying writes get 403" {
	local origin
	register other@example.com
	login other@example.com
	for origin in https://evil.example null "$FRONT.evil.example" \
	    http://localhost:3001 https://localhost:3000 http://app.example.com; do
		req GET /authentication -b "Authentication=$TOKEN" -H "Origin: $origin"
		assert_equal "$origin $STATUS" "$origin 200"
		refute_cors
		post_json /posts '{"title":"Forged","content":"x"}' \
		    -b "Authentication=$TOKEN" -H "Origin: $origin"
		assert_equal "$origin $STATUS" "$origin 403"
		refute_cors
	done
	assert_equal "$(sql "SELECT count(*) FROM posts WHERE title = 'Forged'")" 0
}

@test "cors-2.4: without Origin no Access-Control-*; Vary: Origin once a list is set" {
	req GET /authentication
	assert_equal "$STATUS" 401
	refute_cors
	assert_equal "$(header Vary)" Origin
}

@test "cors-3.1: with no list, nothing changes: 405 to the preflight, no Vary" {
	URL=$URL_plain
	preflight /authentication/log-in $FRONT
	assert_reply 405 "$NO_OPTIONS"
	refute_cors
	assert_equal "$(header Vary)" ""
	req GET /authentication -H "Origin: $FRONT"
	assert_equal "$STATUS" 401
	refute_cors
	assert_equal "$(header Vary)" ""
}

@test "cors-3.2: a list entry that is no origin stops the programs at start-up" {
	local setting
	for setting in 'ALLOWED_ORIGINS=*' ALLOWED_ORIGINS=null \
	    ALLOWED_ORIGINS=app.example.com 'ALLOWED_ORIGINS=https://app.example.com/login' \
	    'ALLOWED_ORIGINS=https://app.example.com:443' 'ALLOWED_ORIGINS=http://a.example,ftp://b.example' \
	    'FRONTEND_URL=http://localhost:3000,http://localhost:3001' \
	    'FRONTEND_URL=http://user:pw@localhost:3000' 'FRONTEND_URL=http://localhost:99999'; do
		cgi me REQUEST_METHOD=GET REQUEST_URI=/authentication \
		    JWT_SECRET=$TEST_SECRET DATABASE_PATH=$(database) "$setting"
		assert_equal "$setting $CGI_RC" "$setting 1"
		assert_equal "$CGI_BODY" ""
		[[ $CGI_ERR == *"refusing to start: ${setting%%=*}"* ]] ||
		    fail "$setting: $CGI_ERR"
	done
	# A trailing slash is tolerated, as the CSRF check always did.
	cgi me REQUEST_METHOD=GET REQUEST_URI=/authentication \
	    JWT_SECRET=$TEST_SECRET DATABASE_PATH=$(database) \
	    FRONTEND_URL=http://localhost:3000/ 'ALLOWED_ORIGINS=https://[::1]:8443, http://127.0.0.1:8080/'
	assert_equal "$CGI_RC" 0
	assert_equal "$CGI_STATUS" "Status: 401 Unauthorized"
}

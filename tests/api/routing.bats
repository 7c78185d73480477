#!/usr/bin/env bats
# routing: what every route shares: unknown routes, wrong methods, the
# security headers, and the body rules (JSON only, 64 KiB, strict parsing).

load helpers

@test "routing-1.1: an unknown route is a JSON 404 naming method and path" {
	req GET /nope
	assert_reply 404 '{"statusCode":404,"message":"Cannot GET /nope","error":"Not Found"}'
	assert_equal "$(header Content-Type)" "application/json; charset=utf-8"
}

@test "routing-1.2: a path that only starts like a route is a 404" {
	req POST /authentication/registerx -H 'Content-Type: application/json' -d '{}'
	assert_reply 404 '{"statusCode":404,"message":"Cannot POST /authentication/registerx","error":"Not Found"}'
	req GET /authentication/
	assert_reply 404 '{"statusCode":404,"message":"Cannot GET /authentication/","error":"Not Found"}'
}

@test "routing-1.3: the query string is not part of the path" {
	req GET '/nope?x=1'
	assert_reply 404 '{"statusCode":404,"message":"Cannot GET /nope","error":"Not Found"}'
}

@test "routing-1.4: bytes outside printable ASCII in a path come back encoded" {
	req GET "/caf$(printf '\303\251')"
	assert_reply 404 '{"statusCode":404,"message":"Cannot GET /caf%c3%a9","error":"Not Found"}'
}

@test "routing-1.5: an encoded slash or NUL in a path is a 4xx with a JSON body" {
	# lighttpd passes %2F to the program (400: not an id) and refuses %00
	# itself; Apache refuses both with 404 (its ErrorDocument, as JSON).
	# The shared-hosting .htaccess cannot reach these (README, limits).
	[ "$SERVER" != cgi ] || skip "Apache answers before reading .htaccess"
	for path in /posts/1%2F2 /posts/1%00; do
		req GET "$path"
		[[ $STATUS == 4?? ]] || fail "$path: $STATUS"
		assert_equal "$(header Content-Type)" "application/json; charset=utf-8"
		assert_equal "$(printf '%s' "$BODY" | jq -r .statusCode)" "$STATUS"
	done
}

@test "routing-2.1: a known route with the wrong method is a 405 with Allow" {
	req GET /authentication/log-in
	assert_reply 405 '{"statusCode":405,"message":"Method GET is not allowed here; use POST","error":"Method Not Allowed"}'
	assert_equal "$(header Allow)" "POST"
}

@test "routing-2.2: GET routes allow HEAD, and HEAD has no body" {
	req DELETE /authentication/sessions
	assert_equal "$STATUS" 405
	assert_equal "$(header Allow)" "GET, HEAD"
	# Raw HTTP, so a body sent after the headers would be seen.
	exec 5<>"/dev/tcp/127.0.0.1/${URL##*:}"
	printf 'HEAD /authentication HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' >&5
	run cat <&5
	exec 5<&-
	assert_line --index 0 --partial 'HTTP/1.1 401 Unauthorized'
	assert_line --partial 'Content-Length: 43'
	refute_output --partial statusCode
}

@test "routing-2.3: other methods lighttpd knows get a 405 on a known route" {
	for m in PUT PATCH DELETE OPTIONS; do
		req "$m" /authentication/register
		assert_equal "$STATUS" 405
		assert_equal "$(header Allow)" "POST"
	done
}

@test "routing-2.4: a method nobody here knows is a 501, as JSON" {
	req FOO /authentication/register
	assert_reply 501 '{"statusCode":501,"message":"Not Implemented","error":"Not Implemented"}'
}

@test "routing-3.1: every reply carries the security headers" {
	for path in /nope /authentication /authentication/log-in; do
		req GET "$path"
		assert_equal "$(header X-Content-Type-Options)" "nosniff"
		assert_equal "$(header Cache-Control)" "no-store"
		assert_equal "$(header Content-Security-Policy)" "default-src 'none'; frame-ancestors 'none'"
		assert_equal "$(header Content-Length)" "${#BODY}"
	done
}

@test "routing-3.2: a Range header never cuts a JSON reply into a 206" {
	local full
	req GET /posts
	assert_equal "$STATUS" 200
	full=$BODY
	for range in bytes=0-0 bytes=1- bytes=-1 bytes=0-0,1-1; do
		req GET /posts -H "Range: $range"
		assert_reply 200 "$full"
		assert_equal "$(header Content-Range)" ""
		req GET /authentication -H "Range: $range"
		assert_reply 401 '{"statusCode":401,"message":"Unauthorized"}'
	done
}

@test "routing-3.3: Apache's own errors carry the security headers too" {
	# A POST without a length (411), and one that says it is 20 MB (413),
	# are refused by the web server itself, not a program.  lighttpd adds
	# no headers to the error replies it makes (README, limits).
	[ "$SERVER" != lighttpd ] || skip "lighttpd's own errors (README, limits)"
	for status in 411 413; do
		if [ $status = 411 ]; then
			req POST /posts -H 'Content-Type: application/json'
		else
			req POST /posts -H 'Content-Type: application/json' \
			    -H 'Content-Length: 20000000' --data-binary x
		fi
		assert_equal "$STATUS" $status
		assert_equal "$(printf '%s' "$BODY" | jq -r .statusCode)" $status
		assert_equal "$(header X-Content-Type-Options)" "nosniff"
		assert_equal "$(header Cache-Control)" "no-store"
		assert_equal "$(header Content-Security-Policy)" "default-src 'none'; frame-ancestors 'none'"
		assert_equal "$(header Referrer-Policy)" "no-referrer"
	done
}

@test "routing-4.1: a form-encoded body is refused with 415" {
	req POST /authentication/register -d 'email=a%40b.com&name=A&password=password123'
	assert_reply 415 '{"statusCode":415,"message":"Content-Type must be application/json","error":"Unsupported Media Type"}'
	assert_equal "$(sql 'SELECT count(*) FROM users')" 0
}

@test "routing-4.2: text/plain and a non-UTF-8 charset are refused with 415" {
	req POST /authentication/register -H 'Content-Type: text/plain' -d '{}'
	assert_equal "$STATUS" 415
	req POST /authentication/register -H 'Content-Type: application/json; charset=iso-8859-1' -d '{}'
	assert_equal "$STATUS" 415
}

@test "routing-4.3: application/json with charset=utf-8 is accepted" {
	req POST /authentication/register -H 'Content-Type: Application/JSON; charset="UTF-8"' -d '{}'
	assert_equal "$STATUS" 400
	assert_equal "$(printf '%s' "$BODY" | jq -r '.message[0]')" "email must be an email"
}

@test "routing-4.4: a body over 64 KiB is a JSON 413, and nothing is stored" {
	head -c 70000 /dev/zero | tr '\0' 'a' | sed 's/^/{"email":"big@example.com","name":"/; s/$/","password":"password123"}/' >"$BATS_TEST_TMPDIR/big.json"
	req POST /authentication/register -H 'Content-Type: application/json' --data-binary "@$BATS_TEST_TMPDIR/big.json"
	assert_reply 413 '{"statusCode":413,"message":"Request body is larger than 65536 bytes","error":"Payload Too Large"}'
	assert_equal "$(sql 'SELECT count(*) FROM users')" 0
}

@test "routing-4.5: a body of exactly 64 KiB is read and validated" {
	local prefix='{"email":"big@example.com","password":"password123","name":"'
	{ printf '%s' "$prefix"; head -c $((65536 - ${#prefix} - 2)) /dev/zero | tr '\0' 'a'; printf '"}'; } >"$BATS_TEST_TMPDIR/edge.json"
	assert_equal "$(stat -c %s "$BATS_TEST_TMPDIR/edge.json")" 65536
	req POST /authentication/register -H 'Content-Type: application/json' --data-binary "@$BATS_TEST_TMPDIR/edge.json"
	assert_reply 400 '{"statusCode":400,"message":["name must be shorter than or equal to 100 characters"],"error":"Bad Request"}'
}

@test "routing-4.6: a 10 MB body gets a JSON 413 and the service stays up" {
	head -c 10000000 /dev/zero | tr '\0' 'a' >"$BATS_TEST_TMPDIR/huge"
	req POST /authentication/register -H 'Content-Type: application/json' --data-binary "@$BATS_TEST_TMPDIR/huge"
	assert_equal "$STATUS" 413
	assert_equal "$(printf '%s' "$BODY" | jq -r .statusCode)" 413
	req GET /nope
	assert_equal "$STATUS" 404
}

@test "routing-4.7: a POST without Content-Length is a 411, as JSON" {
	req POST /authentication/register
	assert_reply 411 '{"statusCode":411,"message":"A request with a body needs a Content-Length header","error":"Length Required"}'
	assert_equal "$(header Content-Type)" "application/json; charset=utf-8"
}

@test "routing-5.1: malformed JSON is a 400 that says where" {
	post_json /authentication/register 'this is not json'
	assert_reply 400 '{"statusCode":400,"message":"Invalid JSON at position 1: boolean expected","error":"Bad Request"}'
	post_json /authentication/register '{"email":"a@b.co","name":"A","password":'"'x'"'}'
	assert_reply 400 '{"statusCode":400,"message":"Invalid JSON at position 40: unexpected character","error":"Bad Request"}'
}

@test "routing-5.2: trailing bytes after the JSON value are refused" {
	post_json /authentication/register '{"email":"a@b.co"} {}'
	assert_reply 400 '{"statusCode":400,"message":"Invalid JSON at position 19: unexpected character","error":"Bad Request"}'
	post_json /authentication/register '{"email":"a@b.co"}  '
	assert_equal "$STATUS" 400
	assert_equal "$(printf '%s' "$BODY" | jq -r '.message | type')" "array"
}

@test "routing-5.3: truncated JSON is refused" {
	post_json /authentication/register '{"email":"a@b.co",'
	assert_reply 400 '{"statusCode":400,"message":"Unexpected end of JSON input","error":"Bad Request"}'
}

@test "routing-5.4: a JSON value that is not an object is refused" {
	for body in '[]' '"x"' '42' 'null' ' true '; do
		post_json /authentication/register "$body"
		assert_reply 400 '{"statusCode":400,"message":"Request body must be a JSON object","error":"Bad Request"}'
	done
}

@test "routing-5.5: deep nesting is refused before it costs anything" {
	post_json /authentication/register '{"email":[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]}'
	assert_equal "$STATUS" 400
	assert_equal "$(printf '%s' "$BODY" | jq -r .message)" "Invalid JSON at position 16: nesting too deep"
}

@test "routing-5.6: a raw NUL byte ends the JSON early and is refused" {
	printf '{"email":"a@b.co"}\000{}' >"$BATS_TEST_TMPDIR/nul.json"
	req POST /authentication/register -H 'Content-Type: application/json' --data-binary "@$BATS_TEST_TMPDIR/nul.json"
	assert_reply 400 '{"statusCode":400,"message":"Unexpected data after JSON at position 18","error":"Bad Request"}'
}

@test "routing-5.7: invalid UTF-8 in the body is refused" {
	printf '{"email":"a@b.co","name":"\xff","password":"password123"}' >"$BATS_TEST_TMPDIR/bad.json"
	req POST /authentication/register -H 'Content-Type: application/json' --data-binary "@$BATS_TEST_TMPDIR/bad.json"
	assert_equal "$STATUS" 400
	assert_equal "$(printf '%s' "$BODY" | jq -r .message)" "Invalid JSON at position 26: invalid utf-8 string"
}

@test "routing-5.8: the API's description is served at /openapi.yaml, as it is" {
	req GET /openapi.yaml
	assert_equal "$STATUS" 200
	assert_equal "$(header Content-Type)" "application/yaml; charset=utf-8"
	cmp "$BATS_TEST_TMPDIR/body" "$abs_top_srcdir/doc/openapi.yaml"
	# Only that name: a neighbour of it is the API's 404.
	req GET /openapi.yml
	assert_reply 404 '{"statusCode":404,"message":"Cannot GET /openapi.yml","error":"Not Found"}'
}

@test "routing-6.1: with settings it cannot use, a FastCGI program answers 503 and the server stays up" {
	# A key too short to use: every program refuses it.  lighttpd gives up
	# starting when a program it spawns exits at once, so they stay up and
	# answer 503; plain CGI exits, and Apache answers 500.
	local url=$URL
	server_start broken JWT_SECRET=too-short
	for path in /authentication /posts /nope; do
		req GET "$path"
		if [ "$SERVER" = cgi ]; then
			assert_equal "$STATUS" 500
		else
			assert_reply 503 '{"statusCode":503,"message":"Service is unavailable","error":"Service Unavailable"}'
			assert_equal "$(header Retry-After)" 1
		fi
		assert_equal "$(printf '%s' "$BODY" | jq -r .statusCode)" "$STATUS"
	done
	grep -q 'refusing to start: .* is 9 bytes: at least 32' "$ERROR_LOG" ||
	    fail "no reason logged: $(cat "$ERROR_LOG")"
	server_stop broken
	URL=$url
}

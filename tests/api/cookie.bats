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
	server_stop tls
	server_stop proxied
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

# --- issue 20, finding 6: a request that arrived over HTTPS gets Secure and
# the prefixed names even with COOKIE_SECURE=0, and is read under them.

# tls_start: start instance "tls" (COOKIE_SECURE unset) with a second
# socket that speaks TLS, a self-signed certificate made here; exports
# TLS_URL (https://127.0.0.1:PORT) beside URL_tls.  lighttpd only: it
# sets HTTPS=on for that socket as a real deployment's would.
tls_start() {
	local dir=$BATS_FILE_TMPDIR/tls port
	[ "$SERVER" = lighttpd ] || skip "the TLS socket is set up for lighttpd; plain CGI below sets HTTPS=on as Apache's mod_ssl does"
	[ -f /usr/lib/lighttpd/mod_openssl.so ] ||
	    fail "lighttpd's TLS module is missing: apt-get install lighttpd-mod-openssl (scripts/common.sh lists it)"
	mkdir -p "$dir"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
	    -nodes -days 2 -subj /CN=127.0.0.1 -keyout "$dir/key.pem" \
	    -out "$dir/cert.pem" 2>/dev/null
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		port=$((20000 + RANDOM % 40000))
		(exec 5<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || break
	done
	cat >"$dir/extra.conf" <<-CONF
	server.modules += ( "mod_openssl" )
	\$SERVER["socket"] == "127.0.0.1:$port" {
		ssl.engine = "enable"
		ssl.pemfile = "$dir/cert.pem"
		ssl.privkey = "$dir/key.pem"
	}
	CONF
	server_start tls EXTRA_CONF="$dir/extra.conf"
	export TLS_URL=https://127.0.0.1:$port
}

# tls_req METHOD PATH [CURL-ARGS...]: req over the TLS socket (-k: the
# certificate is our own).
tls_req() {
	local method=$1 path=$2
	shift 2
	URL=$TLS_URL req "$method" "$path" -k "$@"
}

@test "cookie-5.1: over a real TLS socket, COOKIE_SECURE unset, log-in sets __Host- cookies with Secure" {
	tls_start
	tls_req POST /authentication/log-in -H 'Content-Type: application/json' \
	    --data-binary "{\"email\":\"$EMAIL\",\"password\":\"password123\"}"
	assert_reply 200 "$ME"
	assert_equal "$(cookies)" 2
	TOKEN=$(cookie_value __Host-Authentication)
	[ -n "$TOKEN" ]
	assert_equal "$(set_cookie __Host-Authentication)" \
	    "__Host-Authentication=$TOKEN; HttpOnly; Path=/; Max-Age=$TEST_TTL; SameSite=Strict; Secure"
	rt=$(cookie_value __Host-Refresh)
	assert_equal "$(set_cookie __Host-Refresh)" \
	    "__Host-Refresh=$rt; HttpOnly; Path=/; Max-Age=1209600; SameSite=Strict; Secure"
	refute grep -qi '^Set-Cookie: \(Authentication\|Refresh\)=' "$HEADERS"
	# Read under the names it set, and only those, over TLS.
	tls_req GET /authentication -H "Cookie: __Host-Authentication=$TOKEN"
	assert_reply 200 "$ME"
	tls_req GET /authentication -H "Cookie: Authentication=$TOKEN"
	assert_reply 401 "$UNAUTHORIZED"
	tls_req GET /authentication/refresh -H "Cookie: __Host-Refresh=$rt"
	assert_reply 200 "$ME"
	rt=$(cookie_value __Host-Refresh)
	[[ $(set_cookie __Host-Refresh) == *"; Path=/; "*"; Secure" ]]
	[[ $(set_cookie __Host-Authentication) == *"; Path=/; "*"; Secure" ]]
	# The same instance over plain HTTP keeps the default.
	URL=$URL_tls login "$EMAIL"
	assert_equal "$(header Set-Cookie)" \
	    "Authentication=$TOKEN; HttpOnly; Path=/; Max-Age=$TEST_TTL; SameSite=Strict"
	refute grep -qi '^Set-Cookie:.*Secure' "$HEADERS"
}

@test "cookie-5.2: over TLS a cookie jar does the round trip, and log-out clears the __Host- names it set" {
	tls_start
	jar=$BATS_TEST_TMPDIR/jar
	tls_req POST /authentication/log-in -c "$jar" -H 'Content-Type: application/json' \
	    --data-binary "{\"email\":\"$EMAIL\",\"password\":\"password123\"}"
	assert_reply 200 "$ME"
	token=$(awk '$6 == "__Host-Authentication" { print $7 }' "$jar")
	[ -n "$token" ]
	# curl keeps the Secure flag: TRUE in the jar's fourth column.
	assert_equal "$(awk '$6 == "__Host-Authentication" { print $4 }' "$jar")" TRUE
	tls_req GET /authentication -b "$jar"
	assert_reply 200 "$ME"
	tls_req POST /posts -b "$jar" -H 'Content-Type: application/json' \
	    --data-binary '{"title":"TLS","content":"Over TLS"}'
	assert_equal "$STATUS" 201
	# A cross-site write over TLS is refused: the check knows the name.
	tls_req POST /posts -b "$jar" -H 'Content-Type: application/json' \
	    -H 'Origin: https://evil.example' --data-binary '{"title":"X","content":"Y"}'
	assert_reply 403 "$REFUSED"
	tls_req POST /authentication/log-out -b "$jar" -c "$jar" -H 'Content-Length: 0'
	assert_reply 200 ''
	assert_equal "$(cookies)" 2
	assert_equal "$(set_cookie __Host-Authentication)" \
	    "__Host-Authentication=; HttpOnly; Path=/; Max-Age=0; SameSite=Strict; Secure"
	assert_equal "$(set_cookie __Host-Refresh)" \
	    "__Host-Refresh=; HttpOnly; Path=/; Max-Age=0; SameSite=Strict; Secure"
	tls_req GET /authentication -H "Cookie: __Host-Authentication=$token"
	assert_reply 401 "$UNAUTHORIZED"
}

# login_cgi VAR=value...: POST /authentication/log-in (the user's) as plain
# CGI with the given request parameters besides the usual ones.
login_cgi() {
	printf '{"email":"%s","password":"password123"}' "$EMAIL" >"$BATS_TEST_TMPDIR/body.json"
	cgi login REQUEST_METHOD=POST CONTENT_TYPE=application/json \
	    CONTENT_LENGTH="$(wc -c <"$BATS_TEST_TMPDIR/body.json")" \
	    "$(store_setting)" JWT_SECRET="$TEST_SECRET" BCRYPT_COST=4 \
	    THROTTLE_LOGIN_PER_PAIR=0 THROTTLE_LOGIN_PER_ACCOUNT=0 \
	    THROTTLE_LOGIN_PER_ADDRESS=0 "$@" <"$BATS_TEST_TMPDIR/body.json"
	assert_equal "$CGI_STATUS" "Status: 200 OK"
}

@test "cookie-5.3: as plain CGI, HTTPS=on (Apache's mod_ssl) or REQUEST_SCHEME=https alone gets the prefixed names" {
	for https in HTTPS=on REQUEST_SCHEME=https; do
		login_cgi REQUEST_URI=/authentication/log-in "$https"
		printf '%s\n' "$CGI_HEADERS" | grep -q '^Set-Cookie: __Host-Authentication=[^;]*; HttpOnly; Path=/; Max-Age=3600; SameSite=Strict; Secure$' ||
		    fail "$https: $CGI_HEADERS"
		printf '%s\n' "$CGI_HEADERS" | grep -q '^Set-Cookie: __Host-Refresh=[0-9a-f]*; HttpOnly; Path=/; Max-Age=1209600; SameSite=Strict; Secure$' ||
		    fail "$https: $CGI_HEADERS"
		# Under a base, __Host- cannot be had (it needs Path=/).
		login_cgi REQUEST_URI=/api/authentication/log-in "$https"
		printf '%s\n' "$CGI_HEADERS" | grep -q '^Set-Cookie: __Secure-Authentication=[^;]*; HttpOnly; Path=/api; Max-Age=3600; SameSite=Strict; Secure$' ||
		    fail "$https: $CGI_HEADERS"
		printf '%s\n' "$CGI_HEADERS" | grep -q '^Set-Cookie: __Secure-Refresh=[0-9a-f]*; HttpOnly; Path=/api/authentication; Max-Age=1209600; SameSite=Strict; Secure$' ||
		    fail "$https: $CGI_HEADERS"
	done
	# Neither, or HTTPS=off (as some servers say it): the default.
	for plain in HTTPS=off REQUEST_SCHEME=http; do
		login_cgi REQUEST_URI=/authentication/log-in "$plain"
		printf '%s\n' "$CGI_HEADERS" | grep -q '^Set-Cookie: Authentication=[^;]*; HttpOnly; Path=/; Max-Age=3600; SameSite=Strict$' ||
		    fail "$plain: $CGI_HEADERS"
	done
}

@test "cookie-5.4: X-Forwarded-Proto: https counts only from TRUSTED_PROXY" {
	server_start proxied TRUSTED_PROXY=127.0.0.1
	URL=$URL_proxied post_json /authentication/log-in \
	    "{\"email\":\"$EMAIL\",\"password\":\"password123\"}" -H 'X-Forwarded-Proto: https'
	assert_reply 200 "$ME"
	TOKEN=$(cookie_value __Host-Authentication)
	[[ $(set_cookie __Host-Authentication) == "__Host-Authentication=$TOKEN; HttpOnly; Path=/; Max-Age=$TEST_TTL; SameSite=Strict; Secure" ]]
	URL=$URL_proxied req GET /authentication -H "Cookie: __Host-Authentication=$TOKEN" \
	    -H 'X-Forwarded-Proto: https'
	assert_reply 200 "$ME"
	# The service's own origin is then https://Host, for the cross-site check.
	host=${URL_proxied#http://}
	URL=$URL_proxied post_json /posts '{"title":"Proxied","content":"Via TLS"}' \
	    -H "Cookie: __Host-Authentication=$TOKEN" -H 'X-Forwarded-Proto: https' \
	    -H "Origin: https://$host"
	assert_equal "$STATUS" 201
	URL=$URL_proxied post_json /posts '{"title":"Proxied","content":"Via TLS"}' \
	    -H "Cookie: __Host-Authentication=$TOKEN" -H 'X-Forwarded-Proto: https' \
	    -H "Origin: http://$host"
	assert_reply 403 "$REFUSED"
	# The proxy's own entry is the last one.
	URL=$URL_proxied post_json /authentication/log-in \
	    "{\"email\":\"$EMAIL\",\"password\":\"password123\"}" -H 'X-Forwarded-Proto: https, http'
	assert_equal "$(cookie_value __Host-Authentication)" ""
	[ -n "$(cookie_value Authentication)" ]
	# The same header from anyone else is the client's word only.
	URL=$URL_main post_json /authentication/log-in "{\"email\":\"$EMAIL\",\"password\":\"password123\"}" \
	    -H 'X-Forwarded-Proto: https'
	assert_equal "$(cookie_value __Host-Authentication)" ""
	[ -n "$(cookie_value Authentication)" ]
	server_stop proxied
}

@test "cookie-5.5: with COOKIE_SECURE off each FastCGI process warns once at start-up; with it on, none does" {
	[ "$SERVER" != cgi ] || skip "plain CGI starts a process per request: it does not warn"
	login "$EMAIL"
	req GET /authentication -b "Authentication=$TOKEN"
	log=$(grep -a 'COOKIE_SECURE is off' "$ERROR_LOG" || true)
	[ -n "$log" ] || fail "no warning in $ERROR_LOG"
	# One line per process: no program[pid] says it twice.
	dups=$(printf '%s\n' "$log" | grep -o '[a-z-]*\[[0-9]*\]' | sort | uniq -d)
	[ -z "$dups" ] || fail "said more than once by $dups"
	[[ $log == *"COOKIE_SECURE is off: "*"set COOKIE_SECURE=1"* ]] || fail "$log"
	# The secure instance is silent about it.
	secure_log=${ERROR_LOG/-${URL_main##*:}\//-${URL_secure##*:}/}
	[ "$secure_log" != "$ERROR_LOG" ] && [ -f "$secure_log" ]
	URL=$URL_secure req GET /authentication
	run grep -a 'COOKIE_SECURE' "$secure_log"
	assert_output ''
}

#!/usr/bin/env bats
# logout: POST /authentication/log-out: an empty 200 that clears the cookie
# and deletes the session on the server, so the old cookie is worthless.

load helpers

UNAUTHORIZED='{"statusCode":401,"message":"Unauthorized"}'

# logout TOKEN: POST /authentication/log-out with the cookie and no body, as a
# browser sends it (Content-Length: 0; lighttpd answers 411 without one).
logout() {
	req POST /authentication/log-out -H 'Content-Length: 0' -b "Authentication=$1"
}

@test "logout-1.1: a valid cookie gives an empty 200 that clears both cookies" {
	register out-alice@example.com Alice
	login out-alice@example.com
	logout "$TOKEN"
	assert_reply 200 ''
	assert_equal "$(header Content-Length)" 0
	refute grep -qi '^Content-Type:' "$HEADERS"
	assert_equal "$(grep -ci '^Set-Cookie:' "$HEADERS")" 2
	assert_equal "$(header Set-Cookie)" "Authentication=; HttpOnly; Path=/; Max-Age=0; SameSite=Strict"
	grep -q '^Set-Cookie: Refresh=; HttpOnly; Path=/authentication; Max-Age=0; SameSite=Strict'$'\r''$' "$HEADERS"
	assert_equal "$(header Cache-Control)" "no-store"
}

@test "logout-1.2: the session row is deleted" {
	register out-row@example.com
	login out-row@example.com
	jti=$(claim "$TOKEN" jti | jq -r .)
	assert_equal "$(sql "SELECT count(*) FROM sessions WHERE id = '$jti'")" 1
	logout "$TOKEN"
	assert_equal "$STATUS" 200
	assert_equal "$(sql "SELECT count(*) FROM sessions WHERE id = '$jti'")" 0
}

@test "logout-1.3: an empty form-typed body is no body, and is accepted" {
	register out-form@example.com
	login out-form@example.com
	req POST /authentication/log-out -d '' -b "Authentication=$TOKEN"
	assert_reply 200 ''
	assert_equal "$(header Set-Cookie)" "Authentication=; HttpOnly; Path=/; Max-Age=0; SameSite=Strict"
}

@test "logout-2.1: the cookie replayed after log-out is 401 everywhere" {
	register out-replay@example.com
	login out-replay@example.com
	req GET /authentication -b "Authentication=$TOKEN"
	assert_equal "$STATUS" 200
	logout "$TOKEN"
	assert_equal "$STATUS" 200
	req GET /authentication -b "Authentication=$TOKEN"
	assert_reply 401 "$UNAUTHORIZED"
	logout "$TOKEN"
	assert_reply 401 "$UNAUTHORIZED"
	refute grep -qi '^Set-Cookie:' "$HEADERS"
}

@test "logout-2.2: the user's other session stays valid" {
	register out-two@example.com Two
	id=$(printf '%s' "$BODY" | jq .id)
	login out-two@example.com
	first=$TOKEN
	login out-two@example.com
	second=$TOKEN
	logout "$first"
	assert_equal "$STATUS" 200
	req GET /authentication -b "Authentication=$first"
	assert_reply 401 "$UNAUTHORIZED"
	req GET /authentication -b "Authentication=$second"
	assert_reply 200 "{\"id\":$id,\"email\":\"out-two@example.com\",\"name\":\"Two\"}"
	assert_equal "$(sql "SELECT count(*) FROM sessions WHERE user_id = $id")" 1
	logout "$second"
	assert_equal "$STATUS" 200
	assert_equal "$(sql "SELECT count(*) FROM sessions WHERE user_id = $id")" 0
}

@test "logout-2.3: another user's log-out does not touch this session" {
	register out-mine@example.com Mine
	id=$(printf '%s' "$BODY" | jq .id)
	login out-mine@example.com
	mine=$TOKEN
	register out-theirs@example.com
	login out-theirs@example.com
	logout "$TOKEN"
	assert_equal "$STATUS" 200
	req GET /authentication -b "Authentication=$mine"
	assert_reply 200 "{\"id\":$id,\"email\":\"out-mine@example.com\",\"name\":\"Mine\"}"
}

@test "logout-3.1: no cookie is 401 Unauthorized, and nothing is cleared" {
	req POST /authentication/log-out -H 'Content-Length: 0'
	assert_reply 401 "$UNAUTHORIZED"
	assert_equal "$(header Content-Type)" "application/json; charset=utf-8"
	refute grep -qi '^Set-Cookie:' "$HEADERS"
}

@test "logout-3.2: a cookie that is not a valid token is 401" {
	req POST /authentication/log-out -H 'Content-Length: 0' -b 'Authentication=garbage'
	assert_reply 401 "$UNAUTHORIZED"
	refute grep -qi '^Set-Cookie:' "$HEADERS"
}

#!/usr/bin/env bats
# me: GET /authentication: the user of the session cookie, and 401 for a
# missing or unusable cookie, a bearer header, or a deleted user.

load helpers

UNAUTHORIZED='{"statusCode":401,"message":"Unauthorized"}'

teardown() {
	refute_leaks password123
}

@test "me-1.1: a valid cookie gives 200 and the user" {
	register me-alice@example.com Alice
	id=$(printf '%s' "$BODY" | jq .id)
	login me-alice@example.com
	req GET /authentication -b "Authentication=$TOKEN"
	assert_reply 200 "{\"id\":$id,\"email\":\"me-alice@example.com\",\"name\":\"Alice\"}"
	assert_equal "$(header Content-Type)" "application/json; charset=utf-8"
	assert_equal "$(header Content-Length)" "${#BODY}"
	refute grep -qi '^Set-Cookie:' "$HEADERS"
}

@test "me-1.2: the cookie is found among other cookies" {
	register me-crowd@example.com Crowd
	id=$(printf '%s' "$BODY" | jq .id)
	login me-crowd@example.com
	for cookies in "a=1; Authentication=$TOKEN; b=2" "a=1;Authentication=$TOKEN" \
	    "Authentication=$TOKEN; b=2" "XAuthentication=junk; Authentication=$TOKEN"; do
		req GET /authentication -H "Cookie: $cookies"
		assert_reply 200 "{\"id\":$id,\"email\":\"me-crowd@example.com\",\"name\":\"Crowd\"}"
	done
}

@test "me-2.1: no cookie is 401 Unauthorized" {
	req GET /authentication
	assert_reply 401 "$UNAUTHORIZED"
	assert_equal "$(header Content-Type)" "application/json; charset=utf-8"
	req GET /authentication -b 'a=1; b=2'
	assert_reply 401 "$UNAUTHORIZED"
}

@test "me-2.2: a cookie that is not a token is 401" {
	for value in garbage '' 'a.b.c' '...' 'eyJhbGciOiJIUzI1NiJ9.e30.'; do
		req GET /authentication -H "Cookie: Authentication=$value"
		assert_reply 401 "$UNAUTHORIZED"
	done
}

@test "me-2.3: the token in an Authorization: Bearer header is ignored" {
	register me-bearer@example.com
	login me-bearer@example.com
	req GET /authentication -H "Authorization: Bearer $TOKEN"
	assert_reply 401 "$UNAUTHORIZED"
	# The same token as the cookie works, so only its place was wrong.
	req GET /authentication -b "Authentication=$TOKEN"
	assert_equal "$STATUS" 200
}

@test "me-2.4: a cookie of another name holding the token is ignored" {
	register me-name@example.com
	login me-name@example.com
	req GET /authentication -b "authentication=$TOKEN"
	assert_reply 401 "$UNAUTHORIZED"
	req GET /authentication -b "Authentication2=$TOKEN"
	assert_reply 401 "$UNAUTHORIZED"
}

@test "me-2.5: a user deleted by the admin program is 401 (the tutorial says 404)" {
	register me-gone@example.com
	id=$(printf '%s' "$BODY" | jq .id)
	login me-gone@example.com
	req GET /authentication -b "Authentication=$TOKEN"
	assert_equal "$STATUS" 200
	run "$ADMIN" -d "$(database)" delete-user me-gone@example.com
	assert_success
	assert_output 'deleted user me-gone@example.com, their sessions and posts'
	assert_equal "$(sql "SELECT count(*) FROM sessions WHERE user_id = $id")" 0
	req GET /authentication -b "Authentication=$TOKEN"
	assert_reply 401 "$UNAUTHORIZED"
}

@test "me-2.6: a re-registered e-mail does not revive the deleted user's cookie" {
	register me-again@example.com Old
	login me-again@example.com
	old=$TOKEN
	run "$ADMIN" -d "$(database)" delete-user me-again@example.com
	assert_success
	register me-again@example.com New
	new_id=$(printf '%s' "$BODY" | jq .id)
	[ "$new_id" -gt "$(claim "$old" userId)" ]
	req GET /authentication -b "Authentication=$old"
	assert_reply 401 "$UNAUTHORIZED"
}

@test "me-3.1: rejected tokens are logged with a reason, the token never" {
	register me-log@example.com
	login me-log@example.com
	good=$TOKEN
	req GET /authentication -b 'Authentication=garbage-token-value'
	assert_equal "$STATUS" 401
	tampered="${good%?}A"
	[ "$tampered" != "$good" ] || tampered="${good%?}B"
	req GET /authentication -b "Authentication=$tampered"
	assert_equal "$STATUS" 401
	run "$ADMIN" -d "$(database)" delete-user me-log@example.com
	assert_success
	req GET /authentication -b "Authentication=$good"
	assert_equal "$STATUS" 401
	run cat "$ERROR_LOG"
	assert_line --regexp 'me\[[0-9]+\] 127\.0\.0\.1: rejected token: malformed token$'
	assert_line --regexp 'me\[[0-9]+\] 127\.0\.0\.1: rejected token: bad signature or encoding$'
	assert_line --regexp "me\\[[0-9]+\\] 127\\.0\\.0\\.1: rejected token for user $(claim "$good" userId): session ended, expired or user deleted\$"
	refute_output --partial garbage-token-value
	refute_output --partial "$good"
	refute_output --partial "$tampered"
	refute_output --partial "$(printf '%s' "$good" | cut -d. -f3)"
	refute_output --partial "$(printf '%s' "$good" | cut -d. -f2)"
}

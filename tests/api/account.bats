#!/usr/bin/env bats
# account: what a user does to their own account (ASVS V6.2.2, V6.2.3,
# V7.4.3, V7.5.1).  PATCH /authentication/password {"currentPassword",
# "newPassword"} changes the password under the registration rules, ends
# every other session and keeps this one; DELETE /authentication
# {"password"} deletes the user with their sessions and posts and clears
# the cookies.  A wrong password is the log-in's 400 and counts in the
# log-in throttle; both need a session and obey the CSRF rule.

load helpers

UNAUTHORIZED='{"statusCode":401,"message":"Unauthorized"}'
REFUSED='{"statusCode":403,"message":"Cross-site request refused: origin not allowed","error":"Forbidden"}'
WRONG='{"statusCode":400,"message":"Wrong credentials provided"}'
EVIL=https://evil.example
CLEAR_ACCESS="Authentication=; HttpOnly; Path=/; Max-Age=0; SameSite=Strict"
CLEAR_REFRESH="Refresh=; HttpOnly; Path=/authentication; Max-Age=0; SameSite=Strict"
NEW_PASSWORD=new-Passw0rd-4711

# No clock leeway: an ended session's access token fails at once.  A
# second instance on the same database has the log-in throttle on (5
# failures of one e-mail from one address block it); started here, as a
# server started in a test is slow to reap at the end.
setup_file() {
	server_start throttled TOKEN_LEEWAY=0 THROTTLE_LOGIN_PER_PAIR=5 \
	    THROTTLE_LOGIN_PER_ACCOUNT=10
	server_start main TOKEN_LEEWAY=0
}

# Each test has its own user: EMAIL, USER_ID, ME (the user JSON).
setup() {
	EMAIL="account$BATS_TEST_NUMBER@example.com"
	register "$EMAIL" "Account $BATS_TEST_NUMBER"
	USER_ID=$(printf '%s' "$BODY" | jq .id)
	ME="{\"id\":$USER_ID,\"email\":\"$EMAIL\",\"name\":\"Account $BATS_TEST_NUMBER\"}"
}

teardown() {
	refute_leaks password123 "$NEW_PASSWORD" wrong-password
}

# throttled: point URL at the instance with the log-in throttle on.
throttled() {
	URL=$URL_throttled
}

# attempt [PASSWORD [EMAIL]]: one log-in (default: the test's user, password123).
attempt() {
	post_json /authentication/log-in "{\"email\":\"${2:-$EMAIL}\",\"password\":\"${1:-password123}\"}"
}

# signin [PASSWORD [EMAIL]]: a log-in that works; sets TOKEN, RT and JTI.
signin() {
	attempt "$@"
	assert_equal "$STATUS" 200
	TOKEN=$(cookie_value Authentication)
	RT=$(cookie_value Refresh)
	[ -n "$TOKEN" ] && [ -n "$RT" ] || fail "log-in set no cookies: $(cat "$HEADERS")"
	JTI=$(claim "$TOKEN" jti | jq -r .)
}

# change TOKEN JSON [CURL-ARGS...]: PATCH /authentication/password with that access cookie.
change() {
	local t=$1 json=$2
	shift 2
	req PATCH /authentication/password -H 'Content-Type: application/json' \
	    --data-binary "$json" -b "Authentication=$t" "$@"
}

# change_to TOKEN NEW [CURRENT]: change from CURRENT (default password123) to NEW.
change_to() {
	change "$1" "{\"currentPassword\":\"${3:-password123}\",\"newPassword\":\"$2\"}"
}

# delete_account TOKEN JSON [CURL-ARGS...]: DELETE /authentication with that body.
delete_account() {
	local t=$1 json=$2
	shift 2
	req DELETE /authentication -H 'Content-Type: application/json' \
	    --data-binary "$json" -b "Authentication=$t" "$@"
}

# list_400 MESSAGES: the validation error body for a JSON array of messages.
list_400() {
	printf '{"statusCode":400,"message":%s,"error":"Bad Request"}' "$1"
}

# assert_throttled: the last reply is the log-in throttle's 429.
assert_throttled() {
	local re='^\{"statusCode":429,"message":"Too many failed log-ins: try again in ([1-9][0-9]*) seconds","error":"Too Many Requests"\}$'
	assert_equal "$STATUS" 429
	[[ $BODY =~ $re ]] || fail "not the log-in throttle's 429: $BODY"
	assert_equal "$(header Retry-After)" "${BASH_REMATCH[1]}"
	assert_equal "$(cookies)" 0
}

# stored_hash: the user's stored password hash.
stored_hash() {
	sql "SELECT password FROM users WHERE id = $USER_ID"
}

# --- changing the password -----------------------------------------------------------

@test "account-1.1: PATCH /authentication/password is 200 empty; the old password no longer logs in, the new one does" {
	signin
	before=$(stored_hash)
	change_to "$TOKEN" "$NEW_PASSWORD"
	assert_reply 200 ''
	assert_equal "$(header Content-Length)" 0
	[ "$(stored_hash)" != "$before" ]
	attempt password123
	assert_reply 400 "$WRONG"
	signin "$NEW_PASSWORD"
	assert_equal "$BODY" "$ME"
	assert_equal "$(sql "SELECT count(*) FROM audit WHERE event = 'password-changed' AND user_id = $USER_ID")" 1
	run sql "SELECT detail FROM audit WHERE user_id = $USER_ID"
	refute_output --partial "$NEW_PASSWORD"
	refute_output --partial password123
}

@test "account-1.2: the change ends every other session of the user and keeps this one" {
	register "other$BATS_TEST_NUMBER@example.com"
	signin password123 "other$BATS_TEST_NUMBER@example.com"
	o_token=$TOKEN
	signin
	b_token=$TOKEN b_rt=$RT
	signin
	c_token=$TOKEN c_rt=$RT
	signin
	a=$JTI a_token=$TOKEN a_rt=$RT
	change_to "$a_token" "$NEW_PASSWORD"
	assert_reply 200 ''
	dead "$b_token" "$b_rt"
	dead "$c_token" "$c_rt"
	alive "$a_token" "$a_rt"
	assert_equal "$(session_count)" 1
	assert_equal "$(sql "SELECT id FROM sessions WHERE user_id = $USER_ID")" "$a"
	req GET /authentication/sessions -b "Authentication=$a_token"
	assert_equal "$(printf '%s' "$BODY" | jq -c 'map([.id, .current])')" "[[\"$a\",true]]"
	# Another user's session is not touched.
	req GET /authentication -b "Authentication=$o_token"
	assert_equal "$STATUS" 200
}

@test "account-1.3: a wrong currentPassword is the log-in's 400 and changes nothing" {
	signin
	b_token=$TOKEN b_rt=$RT
	signin
	before=$(stored_hash)
	change_to "$TOKEN" "$NEW_PASSWORD" wrong-password
	assert_reply 400 "$WRONG"
	assert_equal "$(header Content-Type)" "application/json; charset=utf-8"
	assert_equal "$(cookies)" 0
	assert_equal "$(stored_hash)" "$before"
	alive "$b_token" "$b_rt"
	attempt "$NEW_PASSWORD"
	assert_reply 400 "$WRONG"
	signin
}

@test "account-1.4: wrong currentPasswords count as failed log-ins: the 6th attempt is 429, and so is the log-in" {
	signin
	throttled
	before=$(stored_hash)
	for i in 1 2 3 4 5; do
		change_to "$TOKEN" "$NEW_PASSWORD" wrong-password
		assert_reply 400 "$WRONG"
	done
	assert_equal "$(sql "SELECT count FROM throttle WHERE key = 'login-pair 127.0.0.1 $(digest "$EMAIL")'")" 5
	# Blocked before the password is looked at: the right one fares no better.
	change_to "$TOKEN" "$NEW_PASSWORD"
	assert_throttled
	assert_equal "$(stored_hash)" "$before"
	# One throttle: the log-in with the right password is blocked too.
	attempt password123
	assert_throttled
	# The session itself is not ended by the guesses.
	req GET /authentication -b "Authentication=$TOKEN"
	assert_reply 200 "$ME"
}

@test "account-1.5: newPassword follows the registration rules, with its own name in the messages" {
	signin
	before=$(stored_hash)
	change_to "$TOKEN" short12
	assert_reply 400 "$(list_400 '["newPassword must be longer than or equal to 8 characters"]')"
	change_to "$TOKEN" ééééééé
	assert_reply 400 "$(list_400 '["newPassword must be longer than or equal to 8 characters"]')"
	change_to "$TOKEN" "$(printf 'k%.0s' $(seq 73))"
	assert_reply 400 "$(list_400 '["newPassword must be shorter than or equal to 72 bytes in UTF-8"]')"
	change_to "$TOKEN" '        '
	assert_reply 400 "$(list_400 '["newPassword should not be empty"]')"
	change "$TOKEN" '{"currentPassword":"password123"}'
	assert_reply 400 "$(list_400 '["newPassword must be longer than or equal to 8 characters","newPassword should not be empty","newPassword must be a string"]')"
	change "$TOKEN" '{"currentPassword":"password123","newPassword":null}'
	assert_reply 400 "$(list_400 '["newPassword must be longer than or equal to 8 characters","newPassword should not be empty","newPassword must be a string"]')"
	change "$TOKEN" '{"currentPassword":"password123","newPassword":12345678}'
	assert_reply 400 "$(list_400 '["newPassword must be longer than or equal to 8 characters","newPassword must be a string"]')"
	assert_equal "$(stored_hash)" "$before"
	# The edges that pass: 72 bytes, 8 two-byte characters.
	pw=$(printf 'k%.0s' $(seq 72))
	change_to "$TOKEN" "$pw"
	assert_reply 200 ''
	signin "$pw"
	change_to "$TOKEN" éééééééé "$pw"
	assert_reply 200 ''
	signin éééééééé
	refute_leaks "$pw" éééééééé
}

@test "account-1.6: missing fields, wrong types and bodies that are no object are 400 and change nothing" {
	signin
	before=$(stored_hash)
	for body in '{}' '{"newPassword":"new-password-1"}' '{"currentPassword":null,"newPassword":"new-password-1"}' \
	    '{"currentPassword":12345678,"newPassword":"new-password-1"}' \
	    '{"currentPassword":["password123"],"newPassword":"new-password-1"}'; do
		change "$TOKEN" "$body"
		assert_equal "$STATUS" 400
		printf '%s' "$BODY" | jq -e '.statusCode == 400 and .error == "Bad Request" and
		    (.message | type == "array" and any(.[]; startswith("currentPassword ")))' >/dev/null ||
		    fail "$body: $BODY"
	done
	change "$TOKEN" '{"currentPassword":"password123","newPassword":"new-password-1","email":"x@example.com"}'
	assert_equal "$STATUS" 400
	[[ $BODY == *'property email should not exist'* ]] || fail "$BODY"
	for body in '' '[]' '"password123"' 'nope'; do
		change "$TOKEN" "$body"
		assert_equal "$STATUS" 400
	done
	assert_equal "$(stored_hash)" "$before"
	signin
}

@test "account-1.7: no session is 401, a cross-site change is 403, and nothing changes" {
	signin
	ended=$TOKEN
	req POST /authentication/log-out -H 'Content-Length: 0' -b "Authentication=$ended"
	assert_equal "$STATUS" 200
	signin
	before=$(stored_hash)
	json="{\"currentPassword\":\"password123\",\"newPassword\":\"$NEW_PASSWORD\"}"
	req PATCH /authentication/password -H 'Content-Type: application/json' --data-binary "$json"
	assert_reply 401 "$UNAUTHORIZED"
	for t in garbage "$ended"; do
		change "$t" "$json"
		assert_reply 401 "$UNAUTHORIZED"
	done
	change "$TOKEN" "$json" -H "Origin: $EVIL"
	assert_reply 403 "$REFUSED"
	change "$TOKEN" "$json" -H 'Sec-Fetch-Site: cross-site'
	assert_reply 403 "$REFUSED"
	assert_equal "$(stored_hash)" "$before"
	# From our own origin it works.
	change "$TOKEN" "$json" -H "Origin: $URL"
	assert_reply 200 ''
}

@test "account-1.8: a newPassword of Unicode spaces or invisible characters alone is empty (issue 20)" {
	signin
	before=$(stored_hash)
	for pw in '\u3000\u3000\u3000\u3000\u3000\u3000\u3000\u3000' \
	    '\u200b\u200b\u200b\u200b\u200b\u200b\u200b\u200b' '\u00a0 \u00a0 \u2800\u3164\ufeff\u2028'; do
		change_to "$TOKEN" "$pw"
		assert_reply 400 "$(list_400 '["newPassword should not be empty"]')"
	done
	assert_equal "$(stored_hash)" "$before"
}

# --- deleting the account --------------------------------------------------------------

@test "account-2.1: DELETE /authentication is 200 empty, clears both cookies; the user, sessions and posts are gone" {
	register "other$BATS_TEST_NUMBER@example.com"
	signin password123 "other$BATS_TEST_NUMBER@example.com"
	post_json /posts '{"title":"Theirs","content":"Stays"}' -b "Authentication=$TOKEN"
	assert_equal "$STATUS" 201
	theirs=$(printf '%s' "$BODY" | jq .id)
	signin
	# A refresh: the session has a retired refresh token as well.
	req GET /authentication/refresh -b "Refresh=$RT"
	assert_equal "$STATUS" 200
	RT=$(cookie_value Refresh)
	assert_equal "$(sql "SELECT count(*) FROM retired_refresh_tokens WHERE session_id = '$JTI'")" 1
	posts=()
	for t in one two; do
		post_json /posts "{\"title\":\"$t\",\"content\":\"$t\"}" -b "Authentication=$TOKEN"
		assert_equal "$STATUS" 201
		posts+=("$(printf '%s' "$BODY" | jq .id)")
	done
	delete_account "$TOKEN" '{"password":"password123"}'
	assert_reply 200 ''
	assert_equal "$(header Content-Length)" 0
	assert_equal "$(cookies)" 2
	assert_equal "$(set_cookie Authentication)" "$CLEAR_ACCESS"
	assert_equal "$(set_cookie Refresh)" "$CLEAR_REFRESH"
	dead "$TOKEN" "$RT"
	attempt password123
	assert_reply 400 "$WRONG"
	assert_equal "$(sql "SELECT count(*) FROM users WHERE id = $USER_ID")" 0
	assert_equal "$(session_count)" 0
	assert_equal "$(sql "SELECT count(*) FROM retired_refresh_tokens WHERE session_id = '$JTI'")" 0
	assert_equal "$(sql "SELECT count(*) FROM posts WHERE author_id = $USER_ID")" 0
	for id in "${posts[@]}"; do
		req GET "/posts/$id"
		assert_reply 404 "{\"statusCode\":404,\"message\":\"Post with id $id not found\",\"error\":\"Not Found\"}"
	done
	req GET "/posts/$theirs"
	assert_equal "$STATUS" 200
	assert_equal "$(sql_orphans)" ""
	assert_equal "$(sql "SELECT count(*) FROM audit WHERE event = 'account-deleted' AND user_id = $USER_ID")" 1
}

@test "account-2.2: the deleted user's other sessions die too, and stay dead when the e-mail registers again" {
	signin
	b_token=$TOKEN b_rt=$RT
	signin
	a_token=$TOKEN a_rt=$RT
	delete_account "$a_token" '{"password":"password123"}'
	assert_reply 200 ''
	dead "$b_token" "$b_rt"
	dead "$a_token" "$a_rt"
	# The e-mail is free again; the new account has nothing of the old one.
	post_json /authentication/register "{\"email\":\"$EMAIL\",\"name\":\"Again\",\"password\":\"$NEW_PASSWORD\"}"
	assert_equal "$STATUS" 201
	new_id=$(printf '%s' "$BODY" | jq .id)
	dead "$b_token" "$b_rt"
	dead "$a_token" "$a_rt"
	signin "$NEW_PASSWORD"
	assert_equal "$BODY" "{\"id\":$new_id,\"email\":\"$EMAIL\",\"name\":\"Again\"}"
	req GET /authentication/sessions -b "Authentication=$TOKEN"
	assert_equal "$STATUS" 200
	assert_equal "$(printf '%s' "$BODY" | jq -c 'map(.id)')" "[\"$JTI\"]"
	attempt password123
	assert_reply 400 "$WRONG"
}

@test "account-2.3: a wrong password is the log-in's 400 and deletes nothing" {
	signin
	delete_account "$TOKEN" '{"password":"wrong-password"}'
	assert_reply 400 "$WRONG"
	assert_equal "$(cookies)" 0
	assert_equal "$(sql "SELECT count(*) FROM users WHERE id = $USER_ID")" 1
	alive "$TOKEN" "$RT"
	signin
}

@test "account-2.4: wrong passwords for a deletion are throttled like log-ins" {
	signin
	throttled
	for i in 1 2 3 4 5; do
		delete_account "$TOKEN" '{"password":"wrong-password"}'
		assert_reply 400 "$WRONG"
	done
	delete_account "$TOKEN" '{"password":"password123"}'
	assert_throttled
	assert_equal "$(sql "SELECT count(*) FROM users WHERE id = $USER_ID")" 1
	attempt password123
	assert_throttled
	req GET /authentication -b "Authentication=$TOKEN"
	assert_reply 200 "$ME"
}

@test "account-2.5: no session is 401, a cross-site deletion is 403, a missing password is 400: the user stays" {
	signin
	ended=$TOKEN
	req POST /authentication/log-out -H 'Content-Length: 0' -b "Authentication=$ended"
	assert_equal "$STATUS" 200
	signin
	req DELETE /authentication -H 'Content-Type: application/json' --data-binary '{"password":"password123"}'
	assert_reply 401 "$UNAUTHORIZED"
	for t in garbage "$ended"; do
		delete_account "$t" '{"password":"password123"}'
		assert_reply 401 "$UNAUTHORIZED"
	done
	delete_account "$TOKEN" '{"password":"password123"}' -H "Origin: $EVIL"
	assert_reply 403 "$REFUSED"
	delete_account "$TOKEN" '{"password":"password123"}' -H 'Sec-Fetch-Site: cross-site'
	assert_reply 403 "$REFUSED"
	for body in '{}' '{"password":null}' '{"password":""}' '{"password":12345678}' '[]'; do
		delete_account "$TOKEN" "$body"
		assert_equal "$STATUS" 400
	done
	req DELETE /authentication -H 'Content-Length: 0' -b "Authentication=$TOKEN"
	assert_equal "$STATUS" 400
	assert_equal "$(sql "SELECT count(*) FROM users WHERE id = $USER_ID")" 1
	alive "$TOKEN" "$RT"
}

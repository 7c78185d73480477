#!/usr/bin/env bats
# two-factor: TOTP two-factor authentication, the series' part 31 on the
# wire without its bypasses (issue 15).  Codes come from an independent
# implementation (oath-toolkit's oathtool), the QR code is read back with
# zbarimg; other time steps are computed with oathtool's --now, never
# waited for.

load helpers

UNAUTHORIZED='{"statusCode":401,"message":"Unauthorized"}'
WRONG='{"statusCode":401,"message":"Wrong authentication code","error":"Unauthorized"}'

# Each test has its own user: EMAIL; SECRETS collects what no reply may hold.
setup() {
	EMAIL="tfa$BATS_TEST_NUMBER@example.com"
	register "$EMAIL" "Two Factor $BATS_TEST_NUMBER"
	USER_ID=$(printf '%s' "$BODY" | jq .id)
	ME="{\"id\":$USER_ID,\"email\":\"$EMAIL\",\"name\":\"Two Factor $BATS_TEST_NUMBER\"}"
	SECRETS=()
}

# Neither the secret nor its hex ever reaches a reply (but the enrolment).
teardown() {
	refute_leaks password123 "${SECRETS[@]}"
}

# signin [EMAIL]: log in; sets TOKEN (the access cookie) and RT (refresh, or "").
signin() {
	post_json /authentication/log-in "{\"email\":\"${1:-$EMAIL}\",\"password\":\"password123\"}"
	assert_equal "$STATUS" 200
	TOKEN=$(cookie_value Authentication)
	RT=$(cookie_value Refresh)
	[ -n "$TOKEN" ] || fail "log-in set no access cookie"
}

# post2 PATH TOKEN [JSON [CURL-ARGS...]]: POST a 2FA route with that access cookie.
post2() {
	local path=$1 token=$2 json=${3:-}
	shift 2
	[ $# -eq 0 ] || shift
	post_json "$path" "$json" -b "Authentication=$token" "$@"
}

# code [OFFSET]: the code oathtool computes for SECRET, OFFSET seconds from now.
code() {
	oathtool --totp -b "$SECRET" -N "@$(( $(date +%s) + ${1:-0} ))"
}

# body_code CODE: the request body that carries it.
body_code() {
	printf '{"twoFactorAuthenticationCode":"%s"}' "$1"
}

# fresh_step: the test computes a code now and the server checks it a
# moment later; so that both fall in one 30-second step, wait (at most 3 s)
# while the step is about to end.
fresh_step() {
	local left=$(( 30 - $(date +%s) % 30 ))
	[ "$left" -gt 3 ] || sleep "$left"
}

# enrol: generate (JSON), read the secret into SECRET; asserts 201.
enrol() {
	post2 /2fa/generate "$TOKEN" '' -H 'Accept: application/json'
	assert_equal "$STATUS" 201
	URL_OTP=$(printf '%s' "$BODY" | jq -r .otpauthUrl)
	SECRET=$(printf '%s' "$URL_OTP" | sed -n 's/.*[?&]secret=\([A-Z2-7]*\).*/\1/p')
	[ ${#SECRET} -eq 32 ] || fail "no 160-bit secret in $URL_OTP"
	# The one reply that may hold it: no other may (teardown).
	sed -i '$d' "$BATS_TEST_TMPDIR/replies"
}

# turn_on [OFFSET]: turn-on with the code of now + OFFSET (default: the
# previous step's, so that the current and next steps are still unused);
# sets RECOVERY (the codes, one a line).
turn_on() {
	fresh_step
	post2 /2fa/turn-on "$TOKEN" "$(body_code "$(code "${1:--30}")")"
	assert_equal "$STATUS" 200
	RECOVERY=$(printf '%s' "$BODY" | jq -r '.recoveryCodes[]')
	# The secret and its bytes in hex must never be in a later reply.
	SECRETS+=("$SECRET" "$(printf '%s' "$SECRET" | base32 -d | od -An -tx1 | tr -d ' \n')")
}

# with_2fa: a user with 2FA on and a full session (TOKEN) of theirs.
with_2fa() {
	signin
	enrol
	turn_on
}

@test "2fa-1.1: generate answers 201 with a PNG QR code of the otpauth URL, read back by zbarimg" {
	signin
	STATUS=$(curl -sS -o "$BATS_TEST_TMPDIR/qr.png" -D "$BATS_TEST_TMPDIR/h" -w '%{http_code}' \
	    -X POST -H 'Content-Length: 0' -b "Authentication=$TOKEN" "$URL/2fa/generate")
	assert_equal "$STATUS" 201
	grep -qi '^Content-Type: image/png' "$BATS_TEST_TMPDIR/h"
	otp=$(zbarimg --raw -q "$BATS_TEST_TMPDIR/qr.png")
	[[ $otp =~ ^otpauth://totp/127\.0\.0\.1:tfa1@example\.com\?secret=([A-Z2-7]{32})\&issuer=127\.0\.0\.1$ ]] ||
	    fail "unexpected URL: $otp"
	SECRET=${BASH_REMATCH[1]}
	# That secret is the one turn-on checks: oathtool's code is right.
	fresh_step
	post2 /2fa/turn-on "$TOKEN" "$(body_code "$(code)")"
	assert_equal "$STATUS" 200
	assert_equal "$(printf '%s' "$BODY" | jq '.recoveryCodes | length')" 10
}

@test "2fa-1.2: with Accept: application/json, {otpauthUrl}; each generate a new secret" {
	signin
	enrol
	first=$SECRET
	enrol
	[ "$first" != "$SECRET" ]
	assert_equal "$(printf '%s' "$BODY" | jq -c 'keys')" '["otpauthUrl"]'
}

@test "2fa-1.3: the issuer is TWO_FACTOR_AUTHENTICATION_APP_NAME when set" {
	server_start named TWO_FACTOR_AUTHENTICATION_APP_NAME='My App'
	signin
	enrol
	[[ $URL_OTP == "otpauth://totp/My%20App:tfa3@example.com?secret=$SECRET&issuer=My%20App" ]] ||
	    fail "unexpected URL: $URL_OTP"
	server_stop named
}

@test "2fa-2.1: turn-on: a wrong code is 401, before generate 400; on, generate is 403" {
	signin
	post2 /2fa/turn-on "$TOKEN" "$(body_code 123456)"
	assert_reply 400 '{"statusCode":400,"message":"Generate a secret first: POST /2fa/generate","error":"Bad Request"}'
	enrol
	fresh_step
	wrong=$(printf '%06d' $(( (10#$(code) + 1) % 1000000 )))
	post2 /2fa/turn-on "$TOKEN" "$(body_code "$wrong")"
	assert_reply 401 "$WRONG"
	post2 /2fa/turn-on "$TOKEN" '{}'
	assert_equal "$STATUS" 400
	turn_on
	# Ten distinct codes, four groups of eight hex digits.
	assert_equal "$(printf '%s\n' "$RECOVERY" | grep -cE '^[0-9a-f]{8}(-[0-9a-f]{8}){3}$')" 10
	assert_equal "$(printf '%s\n' "$RECOVERY" | sort -u | wc -l)" 10
	post2 /2fa/generate "$TOKEN" ''
	assert_reply 403 '{"statusCode":403,"message":"Two-factor authentication is on: turn it off first","error":"Forbidden"}'
	post2 /2fa/turn-on "$TOKEN" "$(body_code "$(code)")"
	assert_equal "$STATUS" 403
	# The session that turned it on goes on.
	req GET /authentication -b "Authentication=$TOKEN"
	assert_reply 200 "$ME"
}

@test "2fa-2.2: turning 2FA on ends the user's other sessions, which had the password alone" {
	signin
	other=$TOKEN
	signin
	with_2fa_token=$TOKEN
	enrol
	turn_on
	req GET /authentication -b "Authentication=$other"
	assert_reply 401 "$UNAUTHORIZED"
	req GET /authentication -b "Authentication=$with_2fa_token"
	assert_equal "$STATUS" 200
}

@test "2fa-3.1: log-in of a 2FA user: 200, empty body, a half session refused on every other route" {
	with_2fa
	signin
	assert_equal "$BODY" ""
	assert_equal "$RT" ""
	half=$TOKEN
	req GET /authentication -b "Authentication=$half"
	assert_reply 401 "$UNAUTHORIZED"
	req DELETE /authentication -b "Authentication=$half" -H 'Content-Type: application/json' -d '{"password":"password123"}'
	assert_reply 401 "$UNAUTHORIZED"
	req PATCH /authentication/password -b "Authentication=$half" -H 'Content-Type: application/json' \
	    -d '{"currentPassword":"password123","newPassword":"password456"}'
	assert_reply 401 "$UNAUTHORIZED"
	post_json /posts '{"title":"t","content":"c"}' -b "Authentication=$half"
	assert_reply 401 "$UNAUTHORIZED"
	req GET /authentication/sessions -b "Authentication=$half"
	assert_reply 401 "$UNAUTHORIZED"
	req POST /authentication/log-out-all -H 'Content-Length: 0' -b "Authentication=$half"
	assert_reply 401 "$UNAUTHORIZED"
	req POST /authentication/refresh -H 'Content-Length: 0' -b "Authentication=$half"
	assert_equal "$STATUS" 401
	for r in generate turn-on turn-off; do
		post2 /2fa/$r "$half" "$(body_code "$(code)")"
		assert_reply 401 "$UNAUTHORIZED"
	done
	# Nothing of it changed: the password is the same.
	signin
	# Log-out works with it.
	req POST /authentication/log-out -H 'Content-Length: 0' -b "Authentication=$TOKEN"
	assert_equal "$STATUS" 200
	req POST /2fa/authenticate -b "Authentication=$TOKEN" -H 'Content-Type: application/json' -d "$(body_code "$(code)")"
	assert_reply 401 "$UNAUTHORIZED"
}

@test "2fa-3.2: authenticate: the user, a new session of both factors; the half one ends; refresh keeps it" {
	with_2fa
	signin
	half=$TOKEN
	fresh_step
	post2 /2fa/authenticate "$half" "$(body_code "$(code 30)")"
	assert_reply 200 "$ME"
	full=$(cookie_value Authentication)
	rt=$(cookie_value Refresh)
	[ -n "$full" ] && [ "$full" != "$half" ] && [ -n "$rt" ]
	req GET /authentication -b "Authentication=$full"
	assert_reply 200 "$ME"
	req GET /authentication -b "Authentication=$half"
	assert_reply 401 "$UNAUTHORIZED"
	post2 /2fa/authenticate "$half" "$(body_code "$(code)")"
	assert_reply 401 "$UNAUTHORIZED"
	# A refresh keeps the session's second factor: its new token works.
	req POST /authentication/refresh -H 'Content-Length: 0' -b "Refresh=$rt"
	assert_reply 200 "$ME"
	req GET /authentication -b "Authentication=$(cookie_value Authentication)"
	assert_reply 200 "$ME"
	req GET /authentication/sessions -b "Authentication=$full"
	assert_equal "$STATUS" 200
}

@test "2fa-3.3: log-ins with the password alone never push the user's real sessions out of the cap" {
	server_start capped SESSIONS_PER_USER_MAX=2
	with_2fa
	real=$TOKEN
	for i in 1 2 3; do
		signin
	done
	req GET /authentication -b "Authentication=$real"
	assert_reply 200 "$ME"
	# Passing the second factor adds a real session: the halves go first.
	fresh_step
	post2 /2fa/authenticate "$TOKEN" "$(body_code "$(code)")"
	assert_reply 200 "$ME"
	req GET /authentication -b "Authentication=$real"
	assert_reply 200 "$ME"
	server_stop capped
}

@test "2fa-4.1: a code works once; one step either way is accepted, two are not" {
	# Turned on with the previous step's code (one step of drift).
	with_2fa
	signin
	half=$TOKEN
	fresh_step
	for off in -60 60 90 -90; do
		post2 /2fa/authenticate "$half" "$(body_code "$(code $off)")"
		assert_reply 401 "$WRONG"
	done
	post2 /2fa/authenticate "$half" "$(body_code "$(code)")"
	assert_reply 200 "$ME"
	# The same code again, within its 30 s: refused.
	signin
	post2 /2fa/authenticate "$TOKEN" "$(body_code "$(code)")"
	assert_reply 401 "$WRONG"
	# The next step's: accepted; then the current one is older than the
	# last used, and refused too.
	post2 /2fa/authenticate "$TOKEN" "$(body_code "$(code 30)")"
	assert_reply 200 "$ME"
	signin
	post2 /2fa/authenticate "$TOKEN" "$(body_code "$(code -30)")"
	assert_reply 401 "$WRONG"
	sql "SELECT event, detail FROM audit WHERE user_id = $USER_ID AND event LIKE '2fa-%' ORDER BY id" >"$BATS_TEST_TMPDIR/audit"
	grep -q '^2fa-failed|code used already$' "$BATS_TEST_TMPDIR/audit"
	grep -q '^2fa-passed|' "$BATS_TEST_TMPDIR/audit"
}

@test "2fa-4.2: the turn-on code cannot be replayed to pass the second factor" {
	signin
	enrol
	fresh_step
	c=$(code 30)
	post2 /2fa/turn-on "$TOKEN" "$(body_code "$c")"
	assert_equal "$STATUS" 200
	SECRETS+=("$SECRET")
	signin
	post2 /2fa/authenticate "$TOKEN" "$(body_code "$c")"
	assert_reply 401 "$WRONG"
}

@test "2fa-5.1: 5 wrong codes, then 429 with Retry-After, a right code too" {
	with_2fa
	signin
	fresh_step
	for i in 1 2 3 4 5; do
		post2 /2fa/authenticate "$TOKEN" "$(body_code 000000)"
		[ "$(code)" != 000000 ] || skip "the code is 000000 this step"
		assert_reply 401 "$WRONG"
	done
	post2 /2fa/authenticate "$TOKEN" "$(body_code "$(code)")"
	assert_equal "$STATUS" 429
	retry=$(header Retry-After)
	[ "$retry" -ge 50 ] && [ "$retry" -le 60 ]
	assert_equal "$(printf '%s' "$BODY" | jq -r .message)" "Too many wrong authentication codes: try again in $retry seconds"
	# Counted in the store, for the account (any process, any session).
	assert_equal "$(sql "SELECT count FROM throttle WHERE key = '2fa-account $USER_ID'")" 5
}

@test "2fa-6.1: a recovery code passes the second factor once; turn-off takes one too" {
	with_2fa
	one=$(printf '%s\n' "$RECOVERY" | sed -n 1p)
	two=$(printf '%s\n' "$RECOVERY" | sed -n 2p)
	signin
	post2 /2fa/authenticate "$TOKEN" "$(body_code "$one")"
	assert_reply 200 "$ME"
	signin
	post2 /2fa/authenticate "$TOKEN" "$(body_code "$one")"
	assert_reply 401 "$WRONG"
	# Upper case and without dashes: the same code.
	post2 /2fa/authenticate "$TOKEN" "$(body_code "$(printf '%s' "$two" | tr -d - | tr a-f A-F)")"
	assert_reply 200 "$ME"
	assert_equal "$(sql "SELECT count(*) FROM recovery_codes WHERE user_id = $USER_ID")" 8
	# Only digests are kept.
	[ -z "$(sql "SELECT digest FROM recovery_codes WHERE digest LIKE '%$(printf '%s' "$one" | cut -c1-8)%'")" ]
}

@test "2fa-7.1: turn-off needs both factors and a code; then log-in gives the user again" {
	with_2fa
	signin
	post2 /2fa/turn-off "$TOKEN" "$(body_code "$(code)")"
	assert_reply 401 "$UNAUTHORIZED"
	fresh_step
	post2 /2fa/authenticate "$TOKEN" "$(body_code "$(code)")"
	assert_equal "$STATUS" 200
	full=$(cookie_value Authentication)
	post2 /2fa/turn-off "$full" "$(body_code 12345)"
	assert_reply 401 "$WRONG"
	post2 /2fa/turn-off "$full" "$(body_code "$(code)")"
	assert_reply 401 "$WRONG"
	post2 /2fa/turn-off "$full" "$(body_code "$(code 30)")"
	assert_reply 200 ""
	post2 /2fa/turn-off "$full" "$(body_code "$(printf '%s\n' "$RECOVERY" | head -n 1)")"
	assert_reply 400 '{"statusCode":400,"message":"Two-factor authentication is off","error":"Bad Request"}'
	signin
	assert_reply 200 "$ME"
	assert_equal "$(sql "SELECT coalesce(totp_secret, 'none') FROM users WHERE id = $USER_ID")" none
	assert_equal "$(sql "SELECT count(*) FROM recovery_codes WHERE user_id = $USER_ID")" 0
	# And it can be enrolled again.
	enrol
}

@test "2fa-8.1: the database holds the secret only encrypted" {
	with_2fa
	stored=$(sql "SELECT totp_secret FROM users WHERE id = $USER_ID")
	[[ $stored == g1:* ]] || fail "not sealed: $stored"
	hex=$(printf '%s' "$SECRET" | base32 -d | od -An -tx1 | tr -d ' \n')
	[[ ${stored,,} != *"$hex"* ]] && [[ $stored != *"$SECRET"* ]]
	# Copied to another user's row, it does not open: bound to its user.
	register "other8@example.com"
	other=$(printf '%s' "$BODY" | jq .id)
	sql "UPDATE users SET totp_secret = '$stored', totp_enabled_at = 1 WHERE id = $other"
	signin other8@example.com
	fresh_step
	post2 /2fa/authenticate "$TOKEN" "$(body_code "$(code)")"
	assert_equal "$STATUS" 500
}

@test "2fa-9.1: a password change by the admin leaves 2FA on; reset-2fa turns it off, audited" {
	with_2fa
	printf 'password123\n' | "$ADMIN" -d "$(database)" user set-password "$EMAIL" >/dev/null
	signin
	assert_equal "$BODY" ""
	run "$ADMIN" -d "$(database)" user reset-2fa "$EMAIL"
	assert_success
	assert_output "$EMAIL: two-factor authentication turned off"
	[[ $(sql "SELECT client || '|' || detail FROM audit WHERE user_id = $USER_ID AND event = '2fa-reset'") == \
	    "admin|two-factor authentication turned off"* ]]
	signin
	assert_reply 200 "$ME"
}

@test "2fa-10.1: a wrong TOTP_ENCRYPTION_KEY_FILE is a clear start-up error" {
	key=$(state_dir)/bad-totp-key
	printf 'not a key\n' >"$key"
	chmod 600 "$key"
	server_start badkey TOTP_ENCRYPTION_KEY_FILE="$key"
	signin_status=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Length: 0' "$URL/2fa/generate")
	[ "$signin_status" = 503 ] || [ "$signin_status" = 500 ]
	server_stop badkey
	grep -q "TOTP_ENCRYPTION_KEY_FILE $key must hold 64 hex digits" "$ERROR_LOG"
}

#!/usr/bin/env bats
# reset: forgotten passwords (issue 14; no part of the series has them).
# POST /authentication/password-reset {"email"} answers 202, empty, alike
# for an address with an account and one without, and mails the first a
# link PASSWORD_RESET_URL?token=...; POST .../password-reset/confirm
# {"token","password"} sets the password (registration's rules), ends
# every session, confirms the address and uses the token up.  Locked
# accounts cannot be reset.  Mail goes through msmtp to a real SMTP server
# and is read back with a real MIME parser.

load helpers

RESET=https://app.example/reset-password
FROM='fcgi-auth <noreply@example.org>'
BAD='{"statusCode":400,"message":"Bad password reset token","error":"Bad Request"}'
EXPIRED='{"statusCode":400,"message":"Password reset token expired","error":"Bad Request"}'
NEW_PASSWORD=a-new-Passw0rd

# main: reset on.  short: tokens live a second; two mails an address an
# hour.  off: no PASSWORD_RESET_URL.  slow: a mail command that hangs until
# MAIL_TIMEOUT (5 s) kills it.  One database.
setup_file() {
	mail_sink_start
	server_start main MAIL_FROM="$FROM" PASSWORD_RESET_URL="$RESET" \
	    EMAIL_CONFIRMATION_URL=https://app.example/confirm
	server_start short MAIL_FROM="$FROM" PASSWORD_RESET_URL="$RESET" \
	    PASSWORD_RESET_TOKEN_EXPIRATION_TIME=1 THROTTLE_MAIL_PER_EMAIL=2
	server_start off MAIL_FROM="$FROM"
	server_start slow MAIL_FROM="$FROM" PASSWORD_RESET_URL="$RESET" \
	    MAIL_COMMAND="/bin/sleep 60" MAIL_TIMEOUT=5
	export LOG_slow=$ERROR_LOG
	export URL=$URL_main
}

on() {
	eval "URL=\$URL_$1"
}

# ask EMAIL: POST it to /authentication/password-reset.
ask() {
	post_json /authentication/password-reset "{\"email\":\"$1\"}"
}

# reset TOKEN [PASSWORD]: POST both to .../password-reset/confirm.
reset() {
	post_json /authentication/password-reset/confirm \
	    "{\"token\":\"$1\",\"password\":\"${2:-$NEW_PASSWORD}\"}"
}

# reset_mail EMAIL: wait (briefly: it is sent after the reply) for the
# newest reset mail to EMAIL, into MAIL.
reset_mail() {
	for _ in $(seq 1 50); do
		mail_last "$1" 2>/dev/null &&
		    [ "$(mail_field subject)" = 'Password reset' ] && return 0
		sleep 0.1
	done
	echo "no reset mail for $1" >&2
	return 1
}

@test "reset-1.1: a known and an unknown address get the same 202; only the known one gets a link" {
	register reset11@example.com 'Reset Me'
	ask reset11@example.com
	assert_reply 202 ''
	known_headers=$(headers_sans_date)
	ask nobody11@example.com
	assert_reply 202 ''
	assert_equal "$(headers_sans_date)" "$known_headers"
	reset_mail reset11@example.com
	assert_equal "$(mail_field from)" "$FROM"
	assert_equal "$(mail_field to_name)" 'Reset Me'
	assert_equal "$(mail_field to_address)" reset11@example.com
	[[ $(mail_field link) =~ ^$RESET\?token=[0-9a-f]{64}$ ]]
	sleep 0.5
	assert_equal "$(mail_count nobody11@example.com)" 0
}

@test "reset-1.2: the token sets the password once, ends every session and confirms the address" {
	register reset12@example.com
	login reset12@example.com
	old=$TOKEN
	ask reset12@example.com
	reset_mail reset12@example.com
	token=$(mail_field token)
	reset "$token" short
	assert_equal "$STATUS" 400
	assert_equal "$(printf %s "$BODY" | jq -c .message)" '["password must be longer than or equal to 8 characters"]'
	reset "$token"
	assert_reply 200 ''
	reset "$token" another-password-1
	assert_reply 400 "$BAD"
	req GET /authentication -b "Authentication=$old"
	assert_equal "$STATUS" 401
	post_json /authentication/log-in '{"email":"reset12@example.com","password":"password123"}'
	assert_equal "$STATUS" 400
	login reset12@example.com "$NEW_PASSWORD"
	assert_equal "$(sql "SELECT CASE WHEN email_confirmed_at IS NULL THEN 0 ELSE 1 END FROM users WHERE email = 'reset12@example.com'")" 1
}

@test "reset-1.2a: a reset leaves two-factor authentication on (issue 15)" {
	register reset12a@example.com
	# 2FA on, as turn-on leaves it (two-factor.bats drives the routes).
	sql "UPDATE users SET totp_secret = 'g1:00', totp_enabled_at = 1 WHERE email = 'reset12a@example.com'"
	ask reset12a@example.com
	reset_mail reset12a@example.com
	reset "$(mail_field token)"
	assert_reply 200 ''
	# The new password opens a session of the first factor only: 200, empty.
	post_json /authentication/log-in "{\"email\":\"reset12a@example.com\",\"password\":\"$NEW_PASSWORD\"}"
	assert_reply 200 ''
	assert_equal "$(sql "SELECT totp_secret || '|' || totp_enabled_at FROM users WHERE email = 'reset12a@example.com'")" 'g1:00|1'
}

@test "reset-1.3: a later request retires the earlier link; tokens expire" {
	register reset13@example.com
	ask reset13@example.com
	reset_mail reset13@example.com
	first=$(mail_field token)
	ask reset13@example.com
	for _ in $(seq 1 50); do
		reset_mail reset13@example.com
		[ "$(mail_field token)" != "$first" ] && break
		sleep 0.1
	done
	second=$(mail_field token)
	[ "$second" != "$first" ]
	reset "$first"
	assert_reply 400 "$BAD"
	reset "$second"
	assert_reply 200 ''
	on short
	register reset13b@example.com
	ask reset13b@example.com
	reset_mail reset13b@example.com
	sleep 2
	reset "$(mail_field token)"
	assert_reply 400 "$EXPIRED"
}

@test "reset-1.4: a locked account gets no link, and its link stops working" {
	register reset14@example.com
	ask reset14@example.com
	reset_mail reset14@example.com
	token=$(mail_field token)
	run "$ADMIN" -d "$(database)" user lock reset14@example.com
	assert_success
	reset "$token"
	assert_reply 400 "$BAD"
	ask reset14@example.com
	assert_reply 202 ''
	sleep 0.5
	# The registration's confirmation link and the first reset link only.
	assert_equal "$(mail_count reset14@example.com)" 2
}

@test "reset-1.5: reset mails are throttled per address, known or not" {
	on short
	register reset15@example.com
	until_429 2 2 ask reset15@example.com
	[[ $(printf %s "$BODY" | jq -r .message) == 'Too many mails to this address: try again in '* ]]
	[ -n "$(header Retry-After)" ]
	# One mail per request let through, none for those refused.
	for _ in $(seq 1 20); do
		[ "$(mail_count reset15@example.com)" = "$PASSED" ] && break
		sleep 0.1
	done
	assert_equal "$(mail_count reset15@example.com)" "$PASSED"
	until_429 2 2 ask nobody15@example.com
}

@test "reset-1.6: bad requests, and off without PASSWORD_RESET_URL" {
	post_json /authentication/password-reset '{"email":"not an address"}'
	assert_reply 400 '{"statusCode":400,"message":["email must be an email"],"error":"Bad Request"}'
	reset x
	assert_reply 400 "$BAD"
	reset "$(printf '0%.0s' {1..64})"
	assert_reply 400 "$BAD"
	on off
	ask reset16@example.com
	assert_reply 404 '{"statusCode":404,"message":"Cannot POST /authentication/password-reset","error":"Not Found"}'
}

@test "reset-1.7: the mail goes out after the reply: a hanging mail command does not hold the 202" {
	on slow
	register reset17@example.com
	start=$(date +%s%N)
	ask reset17@example.com
	assert_reply 202 ''
	# Well inside MAIL_TIMEOUT: the reply did not wait for the command.
	[ $(( ($(date +%s%N) - start) / 1000000 )) -lt 4000 ]
	for _ in $(seq 1 100); do
		grep -q 'password reset mail for user [0-9]* not sent: /bin/sleep took longer than 5000 ms' "$LOG_slow" && break
		sleep 0.1
	done
	grep -q 'password reset mail for user [0-9]* not sent: /bin/sleep took longer than 5000 ms' "$LOG_slow"
}

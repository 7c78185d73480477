#!/usr/bin/env bats
# email: e-mail confirmation, the series' part 40 on the wire (issue 14).
# Registration mails a link EMAIL_CONFIRMATION_URL?token=...; POST
# /email-confirmation/confirm {"token"} answers 201 and confirms the
# address; POST /email-confirmation/resend-confirmation-link (logged in)
# mails a new one.  The differences from part 40: a token of 256 random
# bits kept as a digest, used once, retired by a resend, bound to the user
# and the address, expiring; resends and attempts throttled.  Every
# message goes through msmtp to a real SMTP server and is read back with
# a real MIME parser (helpers.bash: mail_sink_start, mail_last).

load helpers

LINK=https://app.example/confirm-email
FROM='fcgi-auth <noreply@example.org>'
BAD='{"statusCode":400,"message":"Bad confirmation token","error":"Bad Request"}'
EXPIRED='{"statusCode":400,"message":"Email confirmation token expired","error":"Bad Request"}'
ALREADY='{"statusCode":400,"message":"Email already confirmed","error":"Bad Request"}'
UNCONFIRMED='{"statusCode":401,"message":"Confirm your email first","error":"Unauthorized"}'
UNAUTHORIZED='{"statusCode":401,"message":"Unauthorized"}'

# main: confirmation on and required for writes.  limited: tokens live a
# second, two mails an address an hour, three attempts a minute.
# failing, hanging: mail commands that exit 1 and never finish.
# nofrom: no MAIL_FROM.  off: no EMAIL_CONFIRMATION_URL.  One database.
setup_file() {
	mail_sink_start
	server_start main MAIL_FROM="$FROM" EMAIL_CONFIRMATION_URL="$LINK" \
	    REQUIRE_CONFIRMED_EMAIL=1
	server_start limited MAIL_FROM="$FROM" EMAIL_CONFIRMATION_URL="$LINK" \
	    EMAIL_CONFIRMATION_TOKEN_EXPIRATION_TIME=1 THROTTLE_MAIL_PER_EMAIL=2 \
	    THROTTLE_CONFIRM_PER_ADDRESS=3
	server_start failing MAIL_FROM="$FROM" EMAIL_CONFIRMATION_URL="$LINK" \
	    MAIL_COMMAND=/bin/false
	export LOG_failing=$ERROR_LOG
	# A length of its own, so that email-1.9 finds only this file's sleeps
	# (make check -j runs the same file for other servers at once).
	export HANG=$((1000 + RANDOM % 9000))
	server_start hanging MAIL_FROM="$FROM" EMAIL_CONFIRMATION_URL="$LINK" \
	    MAIL_COMMAND="/bin/sleep $HANG" MAIL_TIMEOUT=1
	export LOG_hanging=$ERROR_LOG
	server_start nofrom EMAIL_CONFIRMATION_URL="$LINK"
	export LOG_nofrom=$ERROR_LOG
	server_start off MAIL_FROM="$FROM"
	export URL=$URL_main
}

# on NAME: send the next requests to that instance.
on() {
	eval "URL=\$URL_$1"
}

# confirm TOKEN: POST it to /email-confirmation/confirm.
confirm() {
	post_json /email-confirmation/confirm "{\"token\":\"$1\"}"
}

# resend: ask for a new link with the session in TOKEN.
resend() {
	req POST /email-confirmation/resend-confirmation-link \
	    -b "Authentication=$TOKEN" -H 'Content-Length: 0'
}

@test "email-1.1: registration mails a confirmation link, headers and body as a mail client reads them" {
	register mail11@example.com 'Zoë Mail'
	assert_equal "$(mail_count mail11@example.com)" 1
	mail_last mail11@example.com
	assert_equal "$(mail_field from)" "$FROM"
	assert_equal "$(mail_field to_name)" 'Zoë Mail'
	assert_equal "$(mail_field to_address)" mail11@example.com
	assert_equal "$(mail_field to_count)" 1
	assert_equal "$(mail_field subject)" 'Email confirmation'
	assert_equal "$(mail_field mime_version)" 1.0
	assert_equal "$(mail_field content_type)" text/plain
	assert_equal "$(mail_field charset)" utf-8
	assert_equal "$(mail_field transfer_encoding)" 7bit
	[[ $(mail_field date) =~ ^[A-Z][a-z][a-z],\ [0-9][0-9]\ [A-Z][a-z][a-z]\ 20[0-9][0-9]\ [0-9:]{8}\ \+0000$ ]]
	[[ $(mail_field message_id) =~ ^\<[0-9a-f]{32}@example\.org\>$ ]]
	# The name never stands raw in a header: RFC 2047 only.
	[[ $(mail_field raw_headers) == *'To: =?UTF-8?B?'* ]]
	[[ $(mail_field raw_headers) != *'Zo'* ]]
	[[ $(mail_field body) == "Welcome to the application. To confirm the email address, click here: $LINK?token="* ]]
	[[ $(mail_field link) =~ ^$LINK\?token=[0-9a-f]{64}$ ]]
}

@test "email-1.2: the link's token confirms once (201, empty); writes wait for it with REQUIRE_CONFIRMED_EMAIL=1" {
	register mail12@example.com
	login mail12@example.com
	post_json /posts '{"title":"t","content":"c"}' -b "Authentication=$TOKEN"
	assert_reply 401 "$UNCONFIRMED"
	mail_last mail12@example.com
	confirm "$(mail_field token)"
	assert_reply 201 ''
	confirm "$(mail_field token)"
	assert_reply 400 "$BAD"
	post_json /posts '{"title":"t","content":"c"}' -b "Authentication=$TOKEN"
	assert_equal "$STATUS" 201
	# Only the token's digest is kept, and no longer once it is used.
	assert_equal "$(sql "SELECT count(*) FROM email_tokens e JOIN users u ON u.id = e.user_id WHERE u.email = 'mail12@example.com'")" 0
}

@test "email-1.3: a resend mails a new link and retires the old one; confirmed, it is 400" {
	register mail13@example.com
	mail_last mail13@example.com
	old=$(mail_field token)
	login mail13@example.com
	resend
	assert_reply 201 ''
	assert_equal "$(mail_count mail13@example.com)" 2
	mail_last mail13@example.com
	new=$(mail_field token)
	[ "$new" != "$old" ]
	assert_equal "$(sql "SELECT count(*) FROM email_tokens WHERE digest = '$(printf %s "$new" | sha256sum | cut -c1-64)'")" 1
	confirm "$old"
	assert_reply 400 "$BAD"
	confirm "$new"
	assert_reply 201 ''
	resend
	assert_reply 400 "$ALREADY"
	confirm "$new"
	assert_reply 400 "$BAD"
}

@test "email-1.4: bad requests: no session, no token, junk, and isEmailConfirmed nobody may send" {
	req POST /email-confirmation/resend-confirmation-link -H 'Content-Length: 0'
	assert_reply 401 "$UNAUTHORIZED"
	post_json /email-confirmation/confirm '{}'
	assert_equal "$STATUS" 400
	assert_equal "$(printf %s "$BODY" | jq -c .message)" '["token should not be empty","token must be a string"]'
	post_json /email-confirmation/confirm '{"token":42}'
	assert_equal "$STATUS" 400
	for junk in x "$(printf 'a%.0s' {1..64})" "$(printf 'A%.0s' {1..64})" "$(printf '0%.0s' {1..64})"; do
		confirm "$junk"
		assert_reply 400 "$BAD"
	done
	post_json /authentication/register '{"email":"mail14@example.com","name":"N","password":"password123","isEmailConfirmed":true}'
	assert_equal "$STATUS" 400
	assert_equal "$(printf %s "$BODY" | jq -c .message)" '["property isEmailConfirmed should not exist"]'
	assert_equal "$(mail_count mail14@example.com)" 0
	req GET /email-confirmation/confirm
	assert_equal "$STATUS" 405
}

@test "email-1.5: header injection through name and email reaches no header and no other recipient" {
	register mail15@example.com 'Eve <evil@example.com>, victim@example.com'
	mail_last mail15@example.com
	assert_equal "$(mail_field to_address)" mail15@example.com
	assert_equal "$(mail_field to_name)" 'Eve <evil@example.com>, victim@example.com'
	assert_equal "$(mail_field to_count)" 1
	register mail15b@example.com '=?UTF-8?B?QmNjOiBldmlsQGV4YW1wbGUuY29t?='
	mail_last mail15b@example.com
	assert_equal "$(mail_field to_address)" mail15b@example.com
	assert_equal "$(printf %s "$MAIL" | jq '.header_names | map(ascii_downcase) | index("bcc")')" null
	for name in 'Eve\r\nBcc: evil@example.com' 'Eve\nBcc: evil@example.com' 'Eve\u2028Bcc: evil@example.com' 'Eve\u0085'; do
		post_json /authentication/register "{\"email\":\"mail15c@example.com\",\"name\":\"$name\",\"password\":\"password123\"}"
		assert_equal "$STATUS" 400
	done
	for email in 'mail15d@example.com\r\nBcc: evil@example.com' 'mail15d@example.com, evil@example.com' 'mail15d@example.com>'; do
		post_json /authentication/register "{\"email\":\"$email\",\"name\":\"N\",\"password\":\"password123\"}"
		assert_reply 400 '{"statusCode":400,"message":["email must be an email"],"error":"Bad Request"}'
	done
	assert_equal "$(mail_count evil@example.com)" 0
	assert_equal "$(mail_count victim@example.com)" 0
}

@test "email-1.6: a token expires (EMAIL_CONFIRMATION_TOKEN_EXPIRATION_TIME) and works for its address only" {
	on limited
	register mail16@example.com
	mail_last mail16@example.com
	sleep 2
	confirm "$(mail_field token)"
	assert_reply 400 "$EXPIRED"
	on main
	register mail16b@example.com
	mail_last mail16b@example.com
	# The address changed since the link went out: the link is for the old one.
	sql "UPDATE users SET email = 'mail16c@example.com' WHERE email = 'mail16b@example.com'"
	confirm "$(mail_field token)"
	assert_reply 400 "$BAD"
	assert_equal "$(sql "SELECT CASE WHEN email_confirmed_at IS NULL THEN 0 ELSE 1 END FROM users WHERE email = 'mail16c@example.com'")" 0
}

@test "email-1.7: resends are throttled per address (THROTTLE_MAIL_PER_EMAIL), attempts per client" {
	on limited
	register mail17@example.com
	login mail17@example.com
	until_429 2 2 resend
	[[ $(printf %s "$BODY" | jq -r .message) =~ ^Too\ many\ mails\ to\ this\ address:\ try\ again\ in\ [0-9]+\ seconds$ ]]
	[ -n "$(header Retry-After)" ]
	# The registration's, and one per resend let through: none refused.
	assert_equal "$(mail_count mail17@example.com)" $((1 + PASSED))
	# email-1.6 made one attempt from this address already.
	until_429 3 2 confirm "$(printf '0%.0s' {1..64})"
	[[ $(printf %s "$BODY" | jq -r .message) == 'Too many confirmation attempts: try again in '* ]]
}

@test "email-1.8: a mail command that fails: registration still 201, a resend 503, both logged" {
	on failing
	register mail18@example.com
	assert_equal "$(mail_count mail18@example.com)" 0
	login mail18@example.com
	resend
	assert_equal "$STATUS" 503
	assert_equal "$(printf %s "$BODY" | jq -r .message)" 'Mail cannot be sent now: try again later'
	run grep -c 'confirmation mail for user [0-9]* not sent: /bin/false exited with status 1' "$LOG_failing"
	assert_output 2
}

@test "email-1.9: a mail command that hangs is killed after MAIL_TIMEOUT" {
	on hanging
	start=$(date +%s)
	register mail19@example.com
	login mail19@example.com
	resend
	assert_equal "$STATUS" 503
	[ $(( $(date +%s) - start )) -lt 8 ]
	run grep -c '/bin/sleep took longer than 1000 ms: killed' "$LOG_hanging"
	assert_output 2
	# Reaped: no sleep of ours is left behind.
	run pgrep -f "^/bin/sleep $HANG\$"
	assert_failure
}

@test "email-1.10: without MAIL_FROM no mail goes out, a resend is 503, and the log says why once" {
	on nofrom
	register mail110@example.com
	login mail110@example.com
	resend
	assert_equal "$STATUS" 503
	assert_equal "$(printf %s "$BODY" | jq -r .message)" 'Mail cannot be sent: the service has no sender address'
	assert_equal "$(mail_count mail110@example.com)" 0
	grep -q 'MAIL_FROM is not set: no mail is sent' "$LOG_nofrom"
}

@test "email-1.11: without EMAIL_CONFIRMATION_URL confirmation is off: no mail, 404, writes allowed" {
	on off
	register mail111@example.com
	assert_equal "$(mail_count mail111@example.com)" 0
	confirm "$(printf '0%.0s' {1..64})"
	assert_reply 404 '{"statusCode":404,"message":"Cannot POST /email-confirmation/confirm","error":"Not Found"}'
	login mail111@example.com
	post_json /posts '{"title":"t","content":"c"}' -b "Authentication=$TOKEN"
	assert_equal "$STATUS" 201
}

# change PASSWORD EMAIL: ask to change the address of TOKEN's user.
change() {
	req PATCH /authentication/email -b "Authentication=$TOKEN" \
	    -H 'Content-Type: application/json' \
	    --data-binary "{\"password\":\"$1\",\"email\":\"$2\"}"
}

@test "email-2.1: PATCH /authentication/email changes nothing until the new address confirms; the old one hears of it" {
	register mail21@example.com 'Old Address'
	mail_last mail21@example.com
	first=$(mail_field token)
	register mail21-taken@example.com
	login mail21@example.com
	change wrong-password mail21-new@example.com
	assert_reply 400 '{"statusCode":400,"message":"Wrong credentials provided"}'
	for taken in mail21-taken@example.com MAIL21-TAKEN@example.com Mail21@Example.com; do
		change password123 "$taken"
		assert_reply 400 '{"statusCode":400,"message":"User with that email already exists"}'
	done
	change password123 mail21-new@example.com
	assert_reply 202 ''
	req GET /authentication -b "Authentication=$TOKEN"
	assert_equal "$(printf %s "$BODY" | jq -r .email)" mail21@example.com
	mail_last mail21@example.com
	assert_equal "$(mail_field subject)" 'Email address change'
	[[ $(mail_field body) == *'to mail21-new@example.com.'* ]]
	mail_last mail21-new@example.com
	assert_equal "$(mail_field to_name)" 'Old Address'
	[[ $(mail_field link) =~ ^$LINK\?token=[0-9a-f]{64}$ ]]
	confirm "$(mail_field token)"
	assert_reply 201 ''
	req GET /authentication -b "Authentication=$TOKEN"
	assert_equal "$(printf %s "$BODY" | jq -r .email)" mail21-new@example.com
	login mail21-new@example.com
	# The link mailed to the old address at registration no longer works.
	confirm "$first"
	assert_reply 400 "$BAD"
	confirm "$(mail_field token)"
	assert_reply 400 "$BAD"
}

@test "email-2.2: a change confirmed after its address was taken is 400; no session is 401; off is 404" {
	register mail22@example.com
	login mail22@example.com
	change password123 mail22-new@example.com
	assert_reply 202 ''
	mail_last mail22-new@example.com
	register MAIL22-NEW@example.com
	confirm "$(mail_field token)"
	assert_reply 400 '{"statusCode":400,"message":"User with that email already exists"}'
	req PATCH /authentication/email -H 'Content-Type: application/json' \
	    --data-binary '{"password":"password123","email":"x22@example.com"}'
	assert_reply 401 "$UNAUTHORIZED"
	on off
	register mail22b@example.com
	login mail22b@example.com
	change password123 mail22c@example.com
	assert_equal "$STATUS" 404
}

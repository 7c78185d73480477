#!/usr/bin/env bats
# register: POST /authentication/register: the created user, every validation
# rule (e-mail, name, password bytes and characters), and no mass assignment.

load helpers

# Two instances on one database: "alike" with REGISTER_HIDE_EXISTING=1, and
# the default one, whose URL is URL.
setup_file() {
	server_start alike REGISTER_HIDE_EXISTING=1
	server_start main
}

# Whatever a test sent, no reply may carry a password field, a hash, or the
# password every helper registers with.
teardown() {
	server_stop costly
	refute_leaks password123
}

# The validation error body for the given JSON array of messages.
list_400() {
	printf '{"statusCode":400,"message":%s,"error":"Bad Request"}' "$1"
}

@test "register-1.1: a valid user is 201 with {id,email,name} and no cookie" {
	post_json /authentication/register '{"email":"reg-alice@example.com","name":"Alice","password":"password123"}'
	id=$(user_id reg-alice@example.com)
	[ -n "$id" ]
	assert_reply 201 "{\"id\":$id,\"email\":\"reg-alice@example.com\",\"name\":\"Alice\"}"
	assert_equal "$(header Content-Type)" "application/json; charset=utf-8"
	assert_equal "$(header Content-Length)" "${#BODY}"
	assert_equal "$(header Set-Cookie)" ""
	refute grep -qi '^Set-Cookie:' "$HEADERS"
}

@test "register-1.2: ids are new for every user, and the e-mail is kept as typed" {
	register reg-first@example.com
	first=$(printf '%s' "$BODY" | jq .id)
	post_json /authentication/register '{"email":"Reg.Mixed@Example.COM","name":"Mixed","password":"password123"}'
	second=$(user_id reg.mixed@example.com)
	assert_reply 201 "{\"id\":$second,\"email\":\"Reg.Mixed@Example.COM\",\"name\":\"Mixed\"}"
	[ "$second" -gt "$first" ]
	assert_equal "$(sql "SELECT email FROM users WHERE id = $second")" "Reg.Mixed@Example.COM"
}

@test "register-2.1: the same e-mail again is a 400 and no second row" {
	register reg-dup@example.com
	post_json /authentication/register '{"email":"reg-dup@example.com","name":"Other","password":"otherpass1"}'
	assert_reply 400 '{"statusCode":400,"message":"User with that email already exists"}'
	assert_equal "$(header Content-Type)" "application/json; charset=utf-8"
	assert_equal "$(sql "SELECT count(*) FROM users WHERE lower(email) = 'reg-dup@example.com'")" 1
	assert_equal "$(sql "SELECT name FROM users WHERE lower(email) = 'reg-dup@example.com'")" "Test User"
}

@test "register-2.2: the same e-mail in other letter case is taken too" {
	register reg-case@example.com
	post_json /authentication/register '{"email":"REG-Case@EXAMPLE.com","name":"Other","password":"otherpass1"}'
	assert_reply 400 '{"statusCode":400,"message":"User with that email already exists"}'
	assert_equal "$(sql "SELECT count(*) FROM users WHERE lower(email) = 'reg-case@example.com'")" 1
}

@test "register-3.1: {} and an empty body list every missing field" {
	all='["email must be an email","name should not be empty","name must be a string","password must be longer than or equal to 8 characters","password should not be empty","password must be a string"]'
	before=$(sql 'SELECT count(*) FROM users')
	post_json /authentication/register '{}'
	assert_reply 400 "$(list_400 "$all")"
	assert_equal "$(header Content-Type)" "application/json; charset=utf-8"
	post_json /authentication/register ''
	assert_reply 400 "$(list_400 "$all")"
	assert_equal "$(sql 'SELECT count(*) FROM users')" "$before"
}

@test "register-3.2: a missing password lists the password rules only" {
	post_json /authentication/register '{"email":"reg-nopw@example.com","name":"NoPw"}'
	assert_reply 400 "$(list_400 '["password must be longer than or equal to 8 characters","password should not be empty","password must be a string"]')"
	assert_equal "$(user_id reg-nopw@example.com)" ""
}

@test "register-3.3: a missing e-mail or name is named alone" {
	post_json /authentication/register '{"name":"NoMail","password":"password123"}'
	assert_reply 400 "$(list_400 '["email must be an email"]')"
	post_json /authentication/register '{"email":"reg-noname@example.com","password":"password123"}'
	assert_reply 400 "$(list_400 '["name should not be empty","name must be a string"]')"
	assert_equal "$(user_id reg-noname@example.com)" ""
}

@test "register-3.4: null values are missing values" {
	post_json /authentication/register '{"email":null,"name":null,"password":null}'
	assert_reply 400 "$(list_400 '["email must be an email","name should not be empty","name must be a string","password must be longer than or equal to 8 characters","password should not be empty","password must be a string"]')"
}

@test "register-3.5: empty strings are refused field by field" {
	post_json /authentication/register '{"email":"","name":"","password":""}'
	assert_reply 400 "$(list_400 '["email must be an email","name should not be empty","password must be longer than or equal to 8 characters","password should not be empty"]')"
}

@test "register-4.1: addresses that are not e-mails are refused" {
	before=$(sql 'SELECT count(*) FROM users')
	for email in not-an-email ' spaced@example.com ' 'a@b' 'two@at@example.com' \
	    '@example.com' 'dot.@example.com' 'x@example.com.' 'x@-example.com' 'x@example.c0m'; do
		post_json /authentication/register "{\"email\":\"$email\",\"name\":\"Bad\",\"password\":\"password123\"}"
		assert_reply 400 "$(list_400 '["email must be an email"]')"
	done
	assert_equal "$(sql 'SELECT count(*) FROM users')" "$before"
}

@test "register-4.2: ordinary addresses with plus, dots and subdomains are e-mails" {
	register 'reg.first+tag@mail.example.co.uk'
	assert_equal "$(printf '%s' "$BODY" | jq -r .email)" 'reg.first+tag@mail.example.co.uk'
}

@test "register-5.1: a 7-character password is refused, 8 characters are enough" {
	post_json /authentication/register '{"email":"reg-pw7@example.com","name":"Seven","password":"abcdefg"}'
	assert_reply 400 "$(list_400 '["password must be longer than or equal to 8 characters"]')"
	assert_equal "$(user_id reg-pw7@example.com)" ""
	post_json /authentication/register '{"email":"reg-pw7@example.com","name":"Seven","password":"abcdefgh"}'
	id=$(user_id reg-pw7@example.com)
	assert_reply 201 "{\"id\":$id,\"email\":\"reg-pw7@example.com\",\"name\":\"Seven\"}"
	login reg-pw7@example.com abcdefgh
}

@test "register-5.2: a 72-byte ASCII password is accepted and logs in" {
	pw=$(printf 'k%.0s' $(seq 72))
	assert_equal "${#pw}" 72
	post_json /authentication/register "{\"email\":\"reg-pw72@example.com\",\"name\":\"Long\",\"password\":\"$pw\"}"
	assert_equal "$STATUS" 201
	login reg-pw72@example.com "$pw"
	assert_equal "$(printf '%s' "$BODY" | jq -r .email)" reg-pw72@example.com
	# Every byte counts: one byte less is a different password.
	post_json /authentication/log-in "{\"email\":\"reg-pw72@example.com\",\"password\":\"${pw%k}\"}"
	assert_reply 400 '{"statusCode":400,"message":"Wrong credentials provided"}'
	refute_leaks "$pw"
}

@test "register-5.3: a 73-byte password is refused, not silently truncated" {
	pw=$(printf 'k%.0s' $(seq 73))
	post_json /authentication/register "{\"email\":\"reg-pw73@example.com\",\"name\":\"Long\",\"password\":\"$pw\"}"
	assert_reply 400 "$(list_400 '["password must be shorter than or equal to 72 bytes in UTF-8"]')"
	assert_equal "$(user_id reg-pw73@example.com)" ""
}

@test "register-5.4: 8 two-byte characters (16 bytes) are a valid password" {
	pw=éééééééé
	post_json /authentication/register "{\"email\":\"reg-pwutf8@example.com\",\"name\":\"Utf\",\"password\":\"$pw\"}"
	id=$(user_id reg-pwutf8@example.com)
	assert_reply 201 "{\"id\":$id,\"email\":\"reg-pwutf8@example.com\",\"name\":\"Utf\"}"
	login reg-pwutf8@example.com "$pw"
	# The same characters written as JSON escapes are the same password.
	post_json /authentication/log-in '{"email":"reg-pwutf8@example.com","password":"\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9"}'
	assert_equal "$STATUS" 200
	refute_leaks "$pw"
}

@test "register-5.5: characters are counted, not bytes: 7 two-byte characters are too few" {
	post_json /authentication/register '{"email":"reg-pwutf7@example.com","name":"Utf","password":"ééééééé"}'
	assert_reply 400 "$(list_400 '["password must be longer than or equal to 8 characters"]')"
}

@test "register-5.6: 19 four-byte emoji (76 bytes) break the byte rule; 18 (72 bytes) do not" {
	e=$(printf '\360\237\230\200')	# U+1F600
	pw19=$(for i in $(seq 19); do printf '%s' "$e"; done)
	post_json /authentication/register "{\"email\":\"reg-emoji@example.com\",\"name\":\"Emoji\",\"password\":\"$pw19\"}"
	assert_reply 400 "$(list_400 '["password must be shorter than or equal to 72 bytes in UTF-8"]')"
	pw18=$(for i in $(seq 18); do printf '%s' "$e"; done)
	post_json /authentication/register "{\"email\":\"reg-emoji@example.com\",\"name\":\"Emoji\",\"password\":\"$pw18\"}"
	assert_equal "$STATUS" 201
	login reg-emoji@example.com "$pw18"
}

@test "register-5.7: a password containing \\u0000 is refused" {
	post_json /authentication/register '{"email":"reg-pwnul@example.com","name":"Nul","password":"abcd\u0000efgh"}'
	assert_reply 400 "$(list_400 '["password must not contain NUL characters"]')"
	assert_equal "$(user_id reg-pwnul@example.com)" ""
}

@test "register-5.8: a password of only spaces is refused" {
	post_json /authentication/register '{"email":"reg-pwspace@example.com","name":"Space","password":"        "}'
	assert_reply 400 "$(list_400 '["password should not be empty"]')"
}

@test "register-5.9: a password of Unicode spaces or invisible characters alone is empty; among others they count (issue 20)" {
	for pw in '\u3000\u3000\u3000\u3000\u3000\u3000\u3000\u3000' \
	    '\u00a0\u00a0\u00a0\u00a0\u00a0\u00a0\u00a0\u00a0' \
	    '\u200b\u200b\u200b\u200b\u200b\u200b\u200b\u200b' \
	    '\u3000 \u200b\u00a0\u2028\t\u3164\u2800'; do
		post_json /authentication/register "{\"email\":\"reg-pwblank@example.com\",\"name\":\"Blank\",\"password\":\"$pw\"}"
		assert_reply 400 "$(list_400 '["password should not be empty"]')"
	done
	assert_equal "$(user_id reg-pwblank@example.com)" ""
	# A password keeps every character but NUL: spaces, format characters
	# and controls are part of it, and log-in needs them all.
	pw='\u3000pass\u200bword\t\u202e'
	post_json /authentication/register "{\"email\":\"reg-pwinvisible@example.com\",\"name\":\"Invisible\",\"password\":\"$pw\"}"
	assert_equal "$STATUS" 201
	post_json /authentication/log-in "{\"email\":\"reg-pwinvisible@example.com\",\"password\":\"$pw\"}"
	assert_equal "$STATUS" 200
	post_json /authentication/log-in '{"email":"reg-pwinvisible@example.com","password":"\u3000password\t\u202e"}'
	assert_reply 400 '{"statusCode":400,"message":"Wrong credentials provided"}'
}

@test "register-6.1: a whitespace-only name is refused" {
	post_json /authentication/register '{"email":"reg-blank@example.com","name":"   ","password":"password123"}'
	assert_reply 400 "$(list_400 '["name should not be empty"]')"
	post_json /authentication/register '{"email":"reg-blank@example.com","name":" \t\r\n ","password":"password123"}'
	assert_reply 400 "$(list_400 '["name should not be empty"]')"
	assert_equal "$(user_id reg-blank@example.com)" ""
}

@test "register-6.2: a name of 100 characters is kept whole, 101 are refused" {
	n100=$(printf 'n%.0s' $(seq 100))
	post_json /authentication/register "{\"email\":\"reg-name100@example.com\",\"name\":\"$n100\",\"password\":\"password123\"}"
	id=$(user_id reg-name100@example.com)
	assert_reply 201 "{\"id\":$id,\"email\":\"reg-name100@example.com\",\"name\":\"$n100\"}"
	assert_equal "$(sql "SELECT name FROM users WHERE id = $id")" "$n100"
	post_json /authentication/register "{\"email\":\"reg-name101@example.com\",\"name\":\"${n100}n\",\"password\":\"password123\"}"
	assert_reply 400 "$(list_400 '["name must be shorter than or equal to 100 characters"]')"
	assert_equal "$(user_id reg-name101@example.com)" ""
}

@test "register-6.3: the name limit counts characters: 100 two-byte characters are fine" {
	n100=$(printf 'é%.0s' $(seq 100))
	post_json /authentication/register "{\"email\":\"reg-name-utf8@example.com\",\"name\":\"$n100\",\"password\":\"password123\"}"
	assert_equal "$STATUS" 201
	assert_equal "$(printf '%s' "$BODY" | jq -r .name)" "$n100"
	assert_equal "$(sql "SELECT name FROM users WHERE lower(email) = 'reg-name-utf8@example.com'")" "$n100"
}

@test "register-6.4: a name of Unicode spaces or invisible characters is empty (issue 20)" {
	for name in '\u200b' '\u3000' '\u00a0\u00a0' '\u3164' '\u2800' '\ufeff' \
	    '\u200b \u3000\t' '\u202e' '\u2028' '\u00ad\u2060\u200d'; do
		post_json /authentication/register "{\"email\":\"reg-invisible@example.com\",\"name\":\"$name\",\"password\":\"password123\"}"
		assert_reply 400 "$(list_400 '["name should not be empty"]')"
	done
	assert_equal "$(user_id reg-invisible@example.com)" ""
}

@test "register-6.5: a name with control, format or line-separator characters is refused (issue 20)" {
	for name in 'Bob\u001b[31mRed' 'Bob\u001b[31m\u202eRed' 'A\tB' 'A\nB' 'A\rB' \
	    'Al\u200bice' '\u202eevil' 'x\u2066y\u2069' 'A\u200eB' 'A\u0085B' 'A\u007fB' \
	    'A\u2028B' 'A\u00adB' '\ufeffAlice' '\u200dAlice' 'Alice\u200c' 'Al \u200dice'; do
		post_json /authentication/register "{\"email\":\"reg-control@example.com\",\"name\":\"$name\",\"password\":\"password123\"}"
		assert_reply 400 "$(list_400 '["name must not contain control or format characters"]')"
	done
	assert_equal "$(user_id reg-control@example.com)" ""
}

@test "register-6.6: joiners inside words are kept: Persian, Sinhala, emoji (issue 20)" {
	n=0
	for name in '\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645' '\u0dc1\u0dca\u200d\u0dbb\u0dd3' \
	    '\ud83d\udc68\u200d\ud83d\udc69\u200d\ud83d\udc67' 'Z\u00fcrich \u2764\ufe0f' 'Jos\u00e9\u00a0Mar\u00eda'; do
		n=$((n + 1))
		post_json /authentication/register "{\"email\":\"reg-joiner$n@example.com\",\"name\":\"$name\",\"password\":\"password123\"}"
		assert_equal "$STATUS" 201
		assert_equal "$(printf '%s' "$BODY" | jq -r .name)" "$(jq -rn "\"$name\"")"
		assert_equal "$(sql "SELECT name FROM users WHERE lower(email) = 'reg-joiner$n@example.com'")" "$(jq -rn "\"$name\"")"
	done
}

@test "register-7.1: wrong types are listed per field" {
	post_json /authentication/register '{"email":42,"name":["x"],"password":1234567}'
	assert_reply 400 "$(list_400 '["email must be an email","name must be a string","password must be longer than or equal to 8 characters","password must be a string"]')"
}

@test "register-7.2: unknown properties are refused, each by name" {
	before=$(sql 'SELECT count(*) FROM users')
	post_json /authentication/register '{"email":"reg-carol@example.com","name":"Carol","password":"password123","isAdmin":true,"foo":"bar"}'
	assert_reply 400 "$(list_400 '["property isAdmin should not exist","property foo should not exist"]')"
	assert_equal "$(sql 'SELECT count(*) FROM users')" "$before"
}

@test "register-7.3: unknown properties come first, then the field rules" {
	post_json /authentication/register '{"foo":1,"email":"x"}'
	assert_reply 400 "$(list_400 '["property foo should not exist","email must be an email","name should not be empty","name must be a string","password must be longer than or equal to 8 characters","password should not be empty","password must be a string"]')"
}

@test "register-7.4: an id in the body cannot take over an existing user" {
	register reg-victim@example.com Alice alicepass1
	alice=$(printf '%s' "$BODY" | jq .id)
	row=$(sql "SELECT id, email, name, password, created_at FROM users WHERE id = $alice")
	post_json /authentication/register "{\"id\":$alice,\"email\":\"mallory@example.com\",\"name\":\"Mallory\",\"password\":\"mallorypw1\"}"
	assert_reply 400 "$(list_400 '["property id should not exist"]')"
	assert_equal "$(sql "SELECT id, email, name, password, created_at FROM users WHERE id = $alice")" "$row"
	assert_equal "$(sql "SELECT count(*) FROM users WHERE lower(email) = 'mallory@example.com'")" 0
	login reg-victim@example.com alicepass1
	assert_reply 200 "{\"id\":$alice,\"email\":\"reg-victim@example.com\",\"name\":\"Alice\"}"
	post_json /authentication/log-in '{"email":"mallory@example.com","password":"mallorypw1"}'
	assert_reply 400 '{"statusCode":400,"message":"Wrong credentials provided"}'
	refute_leaks alicepass1 mallorypw1
}

@test "register-7.5: an id of no existing user is refused the same way" {
	post_json /authentication/register '{"id":4242,"email":"reg-dave@example.com","name":"Dave","password":"password123"}'
	assert_reply 400 "$(list_400 '["property id should not exist"]')"
	assert_equal "$(sql 'SELECT count(*) FROM users WHERE id = 4242')" 0
	assert_equal "$(user_id reg-dave@example.com)" ""
}

@test "register-7.6: an address object is refused" {
	post_json /authentication/register '{"email":"reg-erin@example.com","name":"Erin","password":"password123","address":{"street":"Main","city":"X","country":"Y"}}'
	assert_reply 400 "$(list_400 '["property address should not exist"]')"
	assert_equal "$(user_id reg-erin@example.com)" ""
}

@test "register-8.1: the password is stored as a cost-4 bcrypt hash, never as given" {
	register reg-hash@example.com Hash 'plain-Pa55word'
	stored=$(sql "SELECT password FROM users WHERE lower(email) = 'reg-hash@example.com'")
	assert_equal "${stored:0:7}" '$2b$04$'
	assert_equal "${#stored}" 60
	[[ $stored != *plain-Pa55word* ]]
	refute_leaks 'plain-Pa55word' "$stored"
}

@test "register-8.2: two users with one password get different salts" {
	register reg-salt1@example.com Salt samepassword
	register reg-salt2@example.com Salt samepassword
	h1=$(sql "SELECT password FROM users WHERE lower(email) = 'reg-salt1@example.com'")
	h2=$(sql "SELECT password FROM users WHERE lower(email) = 'reg-salt2@example.com'")
	[ "$h1" != "$h2" ]
	[ "${h1:7:22}" != "${h2:7:22}" ]
}

# --- issue 20, finding 7: REGISTER_HIDE_EXISTING=1 answers every
# registration alike, so that it no longer tells which e-mails have accounts.

ALIKE='{"statusCode":202,"message":"Registration received: if the e-mail address had no account, you can now log in with it"}'

# alike EMAIL NAME PASSWORD: register on the alike instance.
alike() {
	URL=$URL_alike post_json /authentication/register \
	    "{\"email\":\"$1\",\"name\":\"$2\",\"password\":\"$3\"}"
}

# row EMAIL: the stored user as one line: id, name, hash, creation time.
row() {
	sql "SELECT id, name, password, created_at FROM users WHERE lower(email) = lower('$1')"
}

@test "register-9.1: alike, a new e-mail is 202 with a neutral message, no id, no cookie; the account works" {
	alike reg-alike-new@example.com 'Alike New' password123
	assert_reply 202 "$ALIKE"
	assert_equal "$(header Content-Type)" "application/json; charset=utf-8"
	assert_equal "$(header Content-Length)" "${#BODY}"
	refute grep -qi '^Set-Cookie:' "$HEADERS"
	id=$(user_id reg-alike-new@example.com)
	[ -n "$id" ]
	login reg-alike-new@example.com
	assert_reply 200 "{\"id\":$id,\"email\":\"reg-alike-new@example.com\",\"name\":\"Alike New\"}"
}

@test "register-9.2: alike, a taken e-mail in any case gets the same reply, byte for byte, and nothing is written" {
	register reg-alike-taken@example.com 'First Owner'
	before=$(row reg-alike-taken@example.com)
	users=$(sql 'SELECT count(*) FROM users')
	alike reg-alike-fresh@example.com Other otherpass1
	assert_reply 202 "$ALIKE"
	fresh=$(headers_sans_date)
	users=$((users + 1))
	for email in reg-alike-taken@example.com REG-Alike-Taken@EXAMPLE.com; do
		alike "$email" Other otherpass1
		assert_reply 202 "$ALIKE"
		assert_equal "$(headers_sans_date)" "$fresh"
	done
	assert_equal "$(sql 'SELECT count(*) FROM users')" "$users"
	assert_equal "$(row reg-alike-taken@example.com)" "$before"
	# The owner's password still works, the one sent again does not.
	login reg-alike-taken@example.com
	post_json /authentication/log-in '{"email":"reg-alike-taken@example.com","password":"otherpass1"}'
	assert_reply 400 '{"statusCode":400,"message":"Wrong credentials provided"}'
	refute_leaks otherpass1
}

@test "register-9.3: alike, a taken e-mail uses up an id as a new one does, on both stores" {
	# Ids are public (log-in, posts' authors): a gap left only by a new
	# e-mail would tell between two registrations of one's own whether
	# the one in between was taken.  The tests of a file run one by one.
	register reg-alike-held@example.com
	alike reg-alike-a@example.com A password123
	assert_reply 202 "$ALIKE"
	a=$(user_id reg-alike-a@example.com)
	alike reg-alike-held@example.com Other otherpass1
	assert_reply 202 "$ALIKE"
	alike reg-alike-b@example.com B password123
	assert_reply 202 "$ALIKE"
	b=$(user_id reg-alike-b@example.com)
	assert_equal "$b" "$((a + 2))"
	# The same with a free e-mail in between.
	alike reg-alike-c@example.com C password123
	c=$(user_id reg-alike-c@example.com)
	alike reg-alike-between@example.com Between password123
	alike reg-alike-d@example.com D password123
	assert_equal "$(user_id reg-alike-d@example.com)" "$((c + 2))"
}

@test "register-9.4: alike, a taken e-mail still pays one bcrypt at the configured cost" {
	# Cost 13 takes about half a second; without the hash a taken e-mail
	# would answer in milliseconds.  Only a floor, which load cannot break.
	register reg-alike-cost@example.com
	server_start costly REGISTER_HIDE_EXISTING=1 BCRYPT_COST=13
	URL=$URL_costly
	read -r status t < <(curl -sS -o /dev/null -w '%{http_code} %{time_total}\n' \
	    -H 'Content-Type: application/json' \
	    --data-binary '{"email":"reg-alike-cost@example.com","name":"Other","password":"otherpass1"}' \
	    "$URL/authentication/register")
	assert_equal "$status" 202
	awk -v t="$t" 'BEGIN { exit !(t >= 0.1) }' || fail "a taken e-mail answered in $t s"
	assert_equal "$(sql "SELECT count(*) FROM users WHERE lower(email) = 'reg-alike-cost@example.com'")" 1
}

@test "register-9.5: alike, validation errors are still listed: they say nothing about who has an account" {
	alike not-an-email Someone password123
	assert_reply 400 "$(list_400 '["email must be an email"]')"
	alike reg-alike-short@example.com Someone short
	assert_reply 400 "$(list_400 '["password must be longer than or equal to 8 characters"]')"
	assert_equal "$(user_id reg-alike-short@example.com)" ""
}

@test "register-9.6: by default a taken e-mail is still the tutorial's 400" {
	register reg-alike-default@example.com
	post_json /authentication/register '{"email":"reg-alike-default@example.com","name":"Other","password":"otherpass1"}'
	assert_reply 400 '{"statusCode":400,"message":"User with that email already exists"}'
}

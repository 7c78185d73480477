#!/usr/bin/env bats
# login: POST /authentication/log-in: the cookie and its JWT, one answer for
# every wrong credential, the 401/400 cases, the error log, and re-hashing.

load helpers

WRONG='{"statusCode":400,"message":"Wrong credentials provided"}'
UNAUTHORIZED='{"statusCode":401,"message":"Unauthorized"}'

teardown() {
	server_stop second
	server_stop third
	refute_leaks password123
}

@test "login-1.1: a valid log-in is 200 with the user, an access cookie and a refresh cookie" {
	register login-alice@example.com Alice
	id=$(printf '%s' "$BODY" | jq .id)
	post_json /authentication/log-in '{"email":"login-alice@example.com","password":"password123"}'
	assert_reply 200 "{\"id\":$id,\"email\":\"login-alice@example.com\",\"name\":\"Alice\"}"
	assert_equal "$(header Content-Type)" "application/json; charset=utf-8"
	assert_equal "$(header Content-Length)" "${#BODY}"
	assert_equal "$(grep -ci '^Set-Cookie:' "$HEADERS")" 2
	cookie=$(header Set-Cookie)
	token=${cookie#Authentication=}
	token=${token%%;*}
	[[ $token =~ ^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$ ]]
	assert_equal "$cookie" "Authentication=$token; HttpOnly; Path=/; Max-Age=3600; SameSite=Strict"
	# Part 13's second cookie: the session's id (the jti) and 256 random
	# bits, 96 hex digits, 14 days, only for /authentication.
	refresh=$(grep -i '^Set-Cookie: Refresh=' "$HEADERS" | tr -d '\r')
	[[ $refresh =~ ^Set-Cookie:\ Refresh=[0-9a-f]{96}\;\ HttpOnly\;\ Path=/authentication\;\ Max-Age=1209600\;\ SameSite=Strict$ ]]
	refresh=${refresh#Set-Cookie: Refresh=}
	assert_equal "${refresh:0:32}" "$(claim "$token" jti | jq -r .)"
}

@test "login-1.2: the token is an HS256 JWT with userId, iat, exp and a jti" {
	register login-jwt@example.com Jwt
	id=$(printf '%s' "$BODY" | jq .id)
	before=$(date +%s)
	login login-jwt@example.com
	after=$(date +%s)
	head=$(token_part "$TOKEN" 1)
	assert_equal "$(printf '%s' "$head" | jq -r .alg)" HS256
	assert_equal "$(printf '%s' "$head" | jq -r .typ)" JWT
	assert_equal "$(printf '%s' "$head" | jq -c 'keys')" '["alg","typ"]'
	payload=$(token_part "$TOKEN" 2)
	assert_equal "$(printf '%s' "$payload" | jq -c 'keys')" '["exp","iat","jti","userId"]'
	# Integers as JSON integers, not strings or floats.
	[[ $payload =~ \"userId\":$id[,}] ]]
	[[ $payload =~ \"iat\":[0-9]+[,}] ]]
	[[ $payload =~ \"exp\":[0-9]+[,}] ]]
	iat=$(printf '%s' "$payload" | jq .iat)
	exp=$(printf '%s' "$payload" | jq .exp)
	jti=$(printf '%s' "$payload" | jq -r .jti)
	assert_equal $((exp - iat)) 3600
	[ "$iat" -ge "$before" ]
	[ "$iat" -le "$after" ]
	[[ $jti =~ ^[0-9a-f]{32}$ ]]
	# The session is recorded on the server under the jti: idle end with
	# the refresh token (14 days), absolute end 30 days on.
	assert_equal "$(sql "SELECT user_id, expires_at - created_at, ends_at - created_at, created_at FROM sessions WHERE id = '$jti'")" \
	    "$id|1209600|2592000|$iat"
	# And the signature is HMAC-SHA256 of the first two parts with the secret.
	assert_equal "$(forge "$head" "$payload")" "$TOKEN"
}

@test "login-1.3: the e-mail in other letter case logs into the same user" {
	register login-case@example.com Casey
	id=$(printf '%s' "$BODY" | jq .id)
	login LOGIN-Case@Example.COM
	assert_reply 200 "{\"id\":$id,\"email\":\"login-case@example.com\",\"name\":\"Casey\"}"
	assert_equal "$(claim "$TOKEN" userId)" "$id"
}

@test "login-2.1: a wrong password is 400 Wrong credentials provided, without a cookie" {
	register login-wrong@example.com
	post_json /authentication/log-in '{"email":"login-wrong@example.com","password":"password124"}'
	assert_reply 400 "$WRONG"
	assert_equal "$(header Content-Type)" "application/json; charset=utf-8"
	refute grep -qi '^Set-Cookie:' "$HEADERS"
}

@test "login-2.2: an unknown e-mail gets the very same reply as a wrong password" {
	register login-same@example.com
	post_json /authentication/log-in '{"email":"login-same@example.com","password":"not-the-password"}'
	assert_reply 400 "$WRONG"
	wrong_pw=$(headers_sans_date)
	post_json /authentication/log-in '{"email":"login-nobody@example.com","password":"not-the-password"}'
	assert_reply 400 "$WRONG"
	assert_equal "$(headers_sans_date)" "$wrong_pw"
	# A string that is not even an address just matches nobody.
	post_json /authentication/log-in '{"email":"not-an-email","password":"not-the-password"}'
	assert_reply 400 "$WRONG"
	assert_equal "$(headers_sans_date)" "$wrong_pw"
}

@test "login-3.1: missing credentials are 401 Unauthorized" {
	register login-missing@example.com
	for body in '{}' '{"email":"login-missing@example.com"}' '{"password":"password123"}' ''; do
		post_json /authentication/log-in "$body"
		assert_reply 401 "$UNAUTHORIZED"
		assert_equal "$(header Content-Type)" "application/json; charset=utf-8"
		refute grep -qi '^Set-Cookie:' "$HEADERS"
	done
}

@test "login-3.2: empty credentials are 401 Unauthorized, like missing ones" {
	register login-empty@example.com
	for body in '{"email":"","password":""}' '{"email":"login-empty@example.com","password":""}' \
	    '{"email":"","password":"password123"}'; do
		post_json /authentication/log-in "$body"
		assert_reply 401 "$UNAUTHORIZED"
		refute grep -qi '^Set-Cookie:' "$HEADERS"
	done
}

@test "login-3.3: credentials of the wrong type are a 400 list" {
	post_json /authentication/log-in '{"email":42,"password":"password123"}'
	assert_reply 400 '{"statusCode":400,"message":["email must be a string"],"error":"Bad Request"}'
	post_json /authentication/log-in '{"email":["login-alice@example.com"],"password":12345678}'
	assert_reply 400 '{"statusCode":400,"message":["email must be a string","password must be a string"],"error":"Bad Request"}'
}

@test "login-3.4: an unknown property is a 400 list" {
	register login-extra@example.com
	post_json /authentication/log-in '{"email":"login-extra@example.com","password":"password123","remember":true}'
	assert_reply 400 '{"statusCode":400,"message":["property remember should not exist"],"error":"Bad Request"}'
	refute grep -qi '^Set-Cookie:' "$HEADERS"
}

@test "login-3.5: a password over 72 bytes is simply wrong, even if its first 72 bytes match" {
	pw=$(printf 'q%.0s' $(seq 72))
	register login-long@example.com Long "$pw"
	post_json /authentication/log-in "{\"email\":\"login-long@example.com\",\"password\":\"${pw}XXXXXXXX\"}"
	assert_reply 400 "$WRONG"
	post_json /authentication/log-in "{\"email\":\"login-long@example.com\",\"password\":\"${pw}q\"}"
	assert_reply 400 "$WRONG"
	login login-long@example.com "$pw"
}

@test "login-4.1: two log-ins give two different tokens, and both work" {
	register login-twice@example.com Twice
	id=$(printf '%s' "$BODY" | jq .id)
	login login-twice@example.com
	first=$TOKEN
	login login-twice@example.com
	second=$TOKEN
	[ "$first" != "$second" ]
	[ "$(claim "$first" jti)" != "$(claim "$second" jti)" ]
	for t in "$first" "$second"; do
		req GET /authentication -b "Authentication=$t"
		assert_reply 200 "{\"id\":$id,\"email\":\"login-twice@example.com\",\"name\":\"Twice\"}"
	done
	assert_equal "$(sql "SELECT count(*) FROM sessions WHERE user_id = $id")" 2
}

@test "login-5.1: failed log-ins are logged with the e-mail, never the password" {
	register login-log@example.com
	post_json /authentication/log-in '{"email":"login-log@example.com","password":"Wrong-Secret-4711"}'
	assert_equal "$STATUS" 400
	post_json /authentication/log-in '{"email":"login-ghost@example.com","password":"Ghost-Secret-4712"}'
	assert_equal "$STATUS" 400
	long=$(printf 'Z%.0s' $(seq 80))
	post_json /authentication/log-in "{\"email\":\"login-log@example.com\",\"password\":\"$long\"}"
	assert_equal "$STATUS" 400
	run cat "$ERROR_LOG"
	assert_line --regexp 'login\[[0-9]+\] 127\.0\.0\.1: failed log-in for login-log@example\.com: wrong password$'
	assert_line --regexp 'login\[[0-9]+\] 127\.0\.0\.1: failed log-in for login-ghost@example\.com: no such user$'
	assert_line --regexp 'login\[[0-9]+\] 127\.0\.0\.1: failed log-in for login-log@example\.com: password over 72 bytes$'
	refute_output --partial Wrong-Secret-4711
	refute_output --partial Ghost-Secret-4712
	refute_output --partial "$long"
	refute_output --partial password123
}

@test "login-5.2: an e-mail with control characters is no address: logged as a digest, on one line" {
	post_json /authentication/log-in '{"email":"login-evil@example.com\nFAKE line: admin logged in","password":"whatever1"}'
	assert_reply 400 "$WRONG"
	run cat "$ERROR_LOG"
	assert_line --regexp 'failed log-in for #[0-9a-f]{12}: no such user$'
	refute_output --partial 'FAKE line'
}

@test "login-5.3: what is no address is logged and audited as a short keyed digest, never as typed (issue 20)" {
	start=$(wc -l <"$ERROR_LOG")
	for i in 1 2; do
		post_json /authentication/log-in '{"email":"Hunter2-Typed-Here","password":"whatever1"}'
		assert_reply 400 "$WRONG"
	done
	post_json /authentication/log-in '{"email":"j\u00e9r\u00f4me@example.com","password":"whatever1"}'
	assert_reply 400 "$WRONG"
	run cat "$ERROR_LOG"
	refute_output --partial Hunter2
	refute_output --partial 'rÃ´me@'
	# The same input, the same digest: repeats stand out.
	digests=$(tail -n +$((start + 1)) "$ERROR_LOG" |
	    grep -o 'failed log-in for #[0-9a-f]*: no such user' | sort | uniq -c | sort -rn)
	[[ $(head -n 1 <<<"$digests") =~ ^\ +2\ failed ]] || fail "no repeat: $digests"
	assert_equal "$(wc -l <<<"$digests")" 2
	# Not SHA-256 alone, which anyone could look a guess up in.
	refute_output --partial "$(printf %s Hunter2-Typed-Here | sha256sum | cut -c1-12)"
	assert_equal "$(sql "SELECT count(*) FROM audit WHERE detail LIKE '%Hunter2%' OR detail LIKE '%rÃ´me@%'")" 0
	assert_equal "$(sql "SELECT count(*) FROM audit WHERE event = 'login-failed' AND detail LIKE '#%: no such user'")" \
	    "$(grep -c 'failed log-in for #' "$ERROR_LOG")"
}

@test "login-5.4: a long address is logged and audited cut to 64 bytes (issue 20)" {
	addr=login-$(printf 'a%.0s' $(seq 58))@$(printf 'b%.0s' $(seq 60)).example.com
	post_json /authentication/log-in "{\"email\":\"$addr\",\"password\":\"whatever1\"}"
	assert_reply 400 "$WRONG"
	run cat "$ERROR_LOG"
	assert_line --regexp "failed log-in for ${addr:0:64}\\.\\.\\.: no such user\$"
	refute_output --partial "${addr:0:65}"
	assert_equal "$(sql "SELECT detail FROM audit WHERE event = 'login-failed' AND detail LIKE 'login-aaa%'")" \
	    "${addr:0:64}...: no such user"
}

@test "login-6.1: a hash below the configured cost is raised at the next log-in" {
	register login-rehash@example.com Rehash rehash-pass
	id=$(printf '%s' "$BODY" | jq .id)
	old=$(sql "SELECT password FROM users WHERE id = $id")
	assert_equal "${old:0:7}" '$2b$04$'
	server_start second BCRYPT_COST=5
	URL=$URL_second
	[ "$URL_second" != "$URL_main" ]
	login login-rehash@example.com rehash-pass
	assert_reply 200 "{\"id\":$id,\"email\":\"login-rehash@example.com\",\"name\":\"Rehash\"}"
	new=$(sql "SELECT password FROM users WHERE id = $id")
	assert_equal "${new:0:7}" '$2b$05$'
	[ "$new" != "$old" ]
	login login-rehash@example.com rehash-pass
	# A wrong password still fails against the new hash.
	post_json /authentication/log-in '{"email":"login-rehash@example.com","password":"rehash-pasS"}'
	assert_reply 400 "$WRONG"
	assert_equal "$(sql "SELECT password FROM users WHERE id = $id")" "$new"
	refute_leaks rehash-pass
}

# Issue 20: a hash left at a cost no longer configured is a timing oracle
# (below), so it moves to the configured cost either way.
@test "login-6.2: a hash above the configured cost is lowered at the next log-in, never at a failed one" {
	server_start second BCRYPT_COST=6
	URL=$URL_second
	register login-lower@example.com Lower lower-pass
	id=$(printf '%s' "$BODY" | jq .id)
	old=$(sql "SELECT password FROM users WHERE id = $id")
	assert_equal "${old:0:7}" '$2b$06$'
	server_stop second
	URL=$URL_main
	post_json /authentication/log-in '{"email":"login-lower@example.com","password":"lower-pasS"}'
	assert_reply 400 "$WRONG"
	assert_equal "$(sql "SELECT password FROM users WHERE id = $id")" "$old"
	login login-lower@example.com lower-pass
	assert_reply 200 "{\"id\":$id,\"email\":\"login-lower@example.com\",\"name\":\"Lower\"}"
	new=$(sql "SELECT password FROM users WHERE id = $id")
	assert_equal "${new:0:7}" '$2b$04$'
	login login-lower@example.com lower-pass
	assert_equal "$(sql "SELECT password FROM users WHERE id = $id")" "$new"
	refute_leaks lower-pass
}

@test "login-6.3: a bcrypt hash of another prefix (\$2y\$) is rewritten as \$2b\$ at the configured cost" {
	register login-2y@example.com TwoY twoy-pass
	id=$(printf '%s' "$BODY" | jq .id)
	# $2y$ is $2b$ under another name (PHP's): the same digest.
	sql "UPDATE users SET password = '\$2y\$04' || substr(password, 7) WHERE id = $id"
	assert_equal "$(sql "SELECT substr(password, 1, 7) FROM users WHERE id = $id")" '$2y$04$'
	login login-2y@example.com twoy-pass
	new=$(sql "SELECT password FROM users WHERE id = $id")
	assert_equal "${new:0:7}" '$2b$04$'
	refute_leaks twoy-pass
}

# --- timing across a cost change (issue 20) ---------------------------------

# failed_us EMAIL PASSWORD: one log-in at $URL, asserted to fail with the
# usual 400; prints how long it took in microseconds (curl's own clock:
# the request, not curl's start-up).
failed_us() {
	local out
	out=$(curl -sS -o /dev/null -w '%{http_code} %{time_total}' \
	    -H 'Content-Type: application/json' \
	    --data-binary "{\"email\":\"$1\",\"password\":\"$2\"}" \
	    "$URL/authentication/log-in") || return 1
	[ "${out%% *}" = 400 ] || { echo "log-in of $1 answered ${out%% *}" >&2; return 1; }
	awk -v t="${out#* }" 'BEGIN { printf "%d\n", t * 1000000 }'
}

# median FILE: the median of the numbers in FILE, one a line.
median() {
	sort -n "$1" | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

# timed_alike PREFIX: 9 rounds of three failed log-ins, in an order that
# turns each round: an unknown e-mail, PREFIX-dormant@example.com with a
# wrong password and PREFIX-locked@example.com (locked) with its right
# one.  Each round's times of the two accounts are divided by the unknown
# e-mail's (moments apart, so under the same load), and the median of
# those ratios must lie between 1/2 and 2: an oracle is a factor of 10 or
# more (a bcrypt cost step doubles the time), a busy machine's noise is
# not.
timed_alike() {
	local i k ratios d l
	for i in 0 1 2 3 4 5 6 7 8; do
		for k in $((i % 3)) $(((i + 1) % 3)) $(((i + 2) % 3)); do
			case $k in
			0) failed_us "$1-nobody$i@example.com" password123 >>"$BATS_TEST_TMPDIR/unknown" ;;
			1) failed_us "$1-dormant@example.com" password124 >>"$BATS_TEST_TMPDIR/dormant" ;;
			2) failed_us "$1-locked@example.com" password123 >>"$BATS_TEST_TMPDIR/locked" ;;
			esac || return 1
		done
	done
	echo "# medians: unknown $(median "$BATS_TEST_TMPDIR/unknown") us," \
	    "dormant $(median "$BATS_TEST_TMPDIR/dormant") us," \
	    "locked $(median "$BATS_TEST_TMPDIR/locked") us" >&3
	ratios=$BATS_TEST_TMPDIR/ratios
	paste "$BATS_TEST_TMPDIR/unknown" "$BATS_TEST_TMPDIR/dormant" \
	    "$BATS_TEST_TMPDIR/locked" | awk '{ printf "%.3f %.3f\n", $2 / $1, $3 / $1 }' >"$ratios"
	d=$(cut -d' ' -f1 "$ratios" | sort -n | sed -n 5p)
	l=$(cut -d' ' -f2 "$ratios" | sort -n | sed -n 5p)
	echo "# median ratios to an unknown e-mail: dormant $d, locked $l" >&3
	awk -v d="$d" -v l="$l" 'BEGIN { exit !(d >= 0.5 && d <= 2 && l >= 0.5 && l <= 2) }' ||
	    fail "failed log-ins of an account against an unknown e-mail's: dormant $d, locked $l times as long"
}

# accounts PREFIX: register PREFIX-dormant and PREFIX-locked at $URL, and
# lock the second.
accounts() {
	register "$1-dormant@example.com"
	register "$1-locked@example.com"
	sql "UPDATE users SET locked_at = $(date +%s) WHERE email = '$1-locked@example.com'"
}

@test "login-7.1: after BCRYPT_COST is raised (4 to 10), a failed log-in takes as long for an old hash as for an unknown e-mail" {
	accounts login-up
	assert_equal "$(sql "SELECT DISTINCT substr(password, 1, 7) FROM users WHERE email LIKE 'login-up-%'")" '$2b$04$'
	server_start second BCRYPT_COST=10
	URL=$URL_second
	timed_alike login-up
	# Failures rehash nothing: the old hashes wait for a right password.
	assert_equal "$(sql "SELECT DISTINCT substr(password, 1, 7) FROM users WHERE email LIKE 'login-up-%'")" '$2b$04$'
}

@test "login-7.2: after BCRYPT_COST is lowered (10 to 4), a failed log-in takes as long for an unknown e-mail as for an old hash" {
	server_start second BCRYPT_COST=10
	URL=$URL_second
	accounts login-down
	assert_equal "$(sql "SELECT DISTINCT substr(password, 1, 7) FROM users WHERE email LIKE 'login-down-%'")" '$2b$10$'
	server_stop second
	# The change takes a restart: a new instance at the new cost.
	server_start third BCRYPT_COST=4
	URL=$URL_third
	timed_alike login-down
	assert_equal "$(sql "SELECT DISTINCT substr(password, 1, 7) FROM users WHERE email LIKE 'login-down-%'")" '$2b$10$'
}

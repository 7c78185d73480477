#!/usr/bin/env bats
# tokens: hand-forged JWTs against GET /authentication.  Each reuses a real
# session (its userId and jti), so only the property under test can fail it.

load helpers

UNAUTHORIZED='{"statusCode":401,"message":"Unauthorized"}'
HS256='{"alg":"HS256","typ":"JWT"}'

# No clock leeway here, so that the edges are exact; section 9 tests the
# default leeway on a second instance.
setup_file() {
	server_start main TOKEN_LEEWAY=0
}

# Each test gets its own user and a fresh real session: EMAIL, ID, TOKEN, PAYLOAD.
setup() {
	EMAIL="tok$BATS_TEST_NUMBER@example.com"
	register "$EMAIL" "Token $BATS_TEST_NUMBER"
	ID=$(printf '%s' "$BODY" | jq .id)
	login "$EMAIL"
	PAYLOAD=$(token_part "$TOKEN" 2)
	NOW=$(date +%s)
}

# me TOKEN: GET /authentication with TOKEN as the cookie.
me() {
	req GET /authentication -b "Authentication=$1"
}

# with JQ-FILTER: the real payload changed by a jq filter (compact).  Call
# it as an assignment (p=$(with ...)) so that a failing filter fails the test.
with() {
	printf '%s' "$PAYLOAD" | jq -ce "$1"
}

# forge_with JQ-FILTER: T is the real payload changed by JQ-FILTER, signed
# HS256 with the server's secret.
forge_with() {
	local p
	p=$(with "$1")
	T=$(forge "$HS256" "$p")
}

# sign_as HEADER PAYLOAD DIGEST [SECRET]: HMAC-sign any header (forge() only
# signs the HS algorithms it is told about).
sign_as() {
	local h p
	h=$(printf '%s' "$1" | b64url)
	p=$(printf '%s' "$2" | b64url)
	printf '%s.%s.%s' "$h" "$p" "$(printf '%s' "$h.$p" |
	    openssl dgst "-$3" -hmac "${4:-$TEST_SECRET}" -binary | b64url)"
}

assert_me_ok() {
	assert_reply 200 "{\"id\":$ID,\"email\":\"$EMAIL\",\"name\":\"Token $BATS_TEST_NUMBER\"}"
}

@test "tokens-1.1: re-signing the real payload unchanged works (the forging is sound)" {
	t=$(forge "$HS256" "$PAYLOAD")
	sig=${t##*.}
	assert_equal "${#sig}" 43
	me "$t"
	assert_me_ok
	# And through jq, as the other tests change it.
	forge_with .
	me "$T"
	assert_me_ok
}

@test "tokens-1.2: nbf in the past is accepted" {
	forge_with ".nbf = $((NOW - 60))"
	me "$T"
	assert_me_ok
}

@test "tokens-2.1: alg none, unsigned, is 401" {
	t=$(forge '{"alg":"none","typ":"JWT"}' "$PAYLOAD")
	[[ $t == *. ]]
	me "$t"
	assert_reply 401 "$UNAUTHORIZED"
}

@test "tokens-2.2: alg None is 401" {
	t=$(forge '{"alg":"None","typ":"JWT"}' "$PAYLOAD")
	assert_equal "$(token_part "$t" 2)" "$PAYLOAD"
	me "$t"
	assert_reply 401 "$UNAUTHORIZED"
}

@test "tokens-2.3: alg NONE is 401" {
	t=$(forge '{"alg":"NONE","typ":"JWT"}' "$PAYLOAD")
	assert_equal "$(token_part "$t" 2)" "$PAYLOAD"
	me "$t"
	assert_reply 401 "$UNAUTHORIZED"
}

@test "tokens-2.4: alg none with an HMAC signature attached is 401" {
	t=$(sign_as '{"alg":"none","typ":"JWT"}' "$PAYLOAD" sha256)
	sig=${t##*.}
	assert_equal "${#sig}" 43
	me "$t"
	assert_reply 401 "$UNAUTHORIZED"
}

@test "tokens-2.5: HS384 with the right secret is 401" {
	t=$(forge '{"alg":"HS384","typ":"JWT"}' "$PAYLOAD")
	sig=${t##*.}
	assert_equal "${#sig}" 64
	me "$t"
	assert_reply 401 "$UNAUTHORIZED"
}

@test "tokens-2.6: HS512 with the right secret is 401" {
	t=$(forge '{"alg":"HS512","typ":"JWT"}' "$PAYLOAD")
	sig=${t##*.}
	assert_equal "${#sig}" 86
	me "$t"
	assert_reply 401 "$UNAUTHORIZED"
}

@test "tokens-2.7: an RS256 header signed with the HMAC secret is 401" {
	t=$(sign_as '{"alg":"RS256","typ":"JWT"}' "$PAYLOAD" sha256)
	sig=${t##*.}
	assert_equal "${#sig}" 43
	me "$t"
	assert_reply 401 "$UNAUTHORIZED"
}

@test "tokens-3.1: the real header and payload signed with a wrong secret is 401" {
	t=$(forge "$(token_part "$TOKEN" 1)" "$PAYLOAD" wrong-secret-0123456789abcdef0123456789abcdef)
	assert_equal "${t%.*}" "${TOKEN%.*}"
	sig=${t##*.}
	assert_equal "${#sig}" 43
	me "$t"
	assert_reply 401 "$UNAUTHORIZED"
}

@test "tokens-3.2: one character of the signature changed is 401" {
	sig=${TOKEN##*.}
	c=${sig:10:1}
	[ "$c" = A ] && n=B || n=A
	me "${TOKEN%.*}.${sig:0:10}$n${sig:11}"
	assert_reply 401 "$UNAUTHORIZED"
}

@test "tokens-3.3: the payload changed (userId) without re-signing is 401" {
	register "tok-other$BATS_TEST_NUMBER@example.com"
	other=$(printf '%s' "$BODY" | jq .id)
	h=$(printf '%s' "$TOKEN" | cut -d. -f1)
	p=$(with ".userId = $other")
	p=$(printf '%s' "$p" | b64url)
	me "$h.$p.${TOKEN##*.}"
	assert_reply 401 "$UNAUTHORIZED"
}

@test "tokens-4.1: exp an hour ago, signed correctly, is 401" {
	forge_with ".exp = $((NOW - 3600))"
	me "$T"
	assert_reply 401 "$UNAUTHORIZED"
}

@test "tokens-4.2: exp one second ago is 401" {
	forge_with ".exp = $((NOW - 1))"
	me "$T"
	assert_reply 401 "$UNAUTHORIZED"
}

@test "tokens-4.3: exp equal to now is already expired" {
	forge_with ".exp = $NOW"
	me "$T"
	assert_reply 401 "$UNAUTHORIZED"
}

@test "tokens-4.4: no exp at all is 401 (the tutorial accepts it)" {
	forge_with 'del(.exp)'
	me "$T"
	assert_reply 401 "$UNAUTHORIZED"
}

@test "tokens-4.5: exp as a string is 401" {
	forge_with '.exp = "9999999999"'
	me "$T"
	assert_reply 401 "$UNAUTHORIZED"
}

@test "tokens-4.6: exp as a float is 401" {
	p=$(with ".exp = $((NOW + 3600)).5")
	[[ $p == *"\"exp\":$((NOW + 3600)).5"* ]]
	t=$(forge "$HS256" "$p")
	me "$t"
	assert_reply 401 "$UNAUTHORIZED"
}

@test "tokens-4.7: nbf in the future is 401" {
	forge_with ".nbf = $((NOW + 600))"
	me "$T"
	assert_reply 401 "$UNAUTHORIZED"
}

@test "tokens-4.8: nbf that is not an integer is 401" {
	forge_with ".nbf = \"$((NOW - 60))\""
	me "$T"
	assert_reply 401 "$UNAUTHORIZED"
}

@test "tokens-5.1: another real user's userId with this session's jti is 401" {
	register "tok-other$BATS_TEST_NUMBER@example.com"
	other=$(printf '%s' "$BODY" | jq .id)
	login "tok-other$BATS_TEST_NUMBER@example.com"
	forge_with ".userId = $other"
	me "$T"
	assert_reply 401 "$UNAUTHORIZED"
	# The other user's own session is fine.
	me "$TOKEN"
	assert_equal "$STATUS" 200
}

@test "tokens-5.2: userId as a string is 401" {
	forge_with '.userId |= tostring'
	me "$T"
	assert_reply 401 "$UNAUTHORIZED"
}

@test "tokens-5.3: no userId is 401" {
	forge_with 'del(.userId)'
	me "$T"
	assert_reply 401 "$UNAUTHORIZED"
}

@test "tokens-5.4: userId as a float is 401" {
	forge_with ".userId = $ID.5"
	me "$T"
	assert_reply 401 "$UNAUTHORIZED"
}

@test "tokens-5.5: no jti is 401" {
	forge_with 'del(.jti)'
	me "$T"
	assert_reply 401 "$UNAUTHORIZED"
}

@test "tokens-5.6: the jti of a logged-out session is 401" {
	login "$EMAIL"
	gone=$TOKEN
	req POST /authentication/log-out -H 'Content-Length: 0' -b "Authentication=$gone"
	assert_equal "$STATUS" 200
	forge_with ".jti = $(claim "$gone" jti)"
	me "$T"
	assert_reply 401 "$UNAUTHORIZED"
}

@test "tokens-5.7: an unknown jti of the right shape is 401" {
	forge_with '.jti = "0123456789abcdef0123456789abcdef"'
	me "$T"
	assert_reply 401 "$UNAUTHORIZED"
}

@test "tokens-6.1: a token over 1024 bytes is 401; a padded one of 1024 or less is fine" {
	h=$(printf '%s' "$HS256" | b64url)
	base=$(with '.pad = ""')
	base=${#base}	# ASCII only, so characters are bytes
	# Payload bytes n encode to ceil(4n/3) characters; the token adds the
	# header, two dots and 43 signature characters.
	fixed=$(( ${#h} + 2 + 43 ))
	n=$base
	while [ $(( fixed + (4 * (n + 1) + 2) / 3 )) -le 1024 ]; do n=$((n + 1)); done
	pad=$(head -c $((n - base)) /dev/zero | tr '\0' x)
	forge_with ".pad = \"$pad\""
	t=$T
	[ "${#t}" -le 1024 ]
	[ "${#t}" -ge 1022 ]
	me "$t"
	assert_me_ok
	forge_with ".pad = \"${pad}xx\""
	t=$T
	[ "${#t}" -gt 1024 ]
	me "$t"
	assert_reply 401 "$UNAUTHORIZED"
}

@test "tokens-6.2: a token with a fourth part is 401" {
	t=$(forge "$HS256" "$PAYLOAD")
	me "$t"
	assert_me_ok
	me "$t.${t##*.}"
	assert_reply 401 "$UNAUTHORIZED"
	me "$t."
	assert_reply 401 "$UNAUTHORIZED"
}

@test "tokens-9.1: the default leeway (30 s) accepts exp 10 s ago, not 40 s ago" {
	server_start leeway
	URL=$URL_leeway
	# Now, not at setup: starting a server on a loaded machine takes seconds.
	NOW=$(date +%s)
	forge_with ".exp = $((NOW - 10))"
	me "$T"
	assert_me_ok
	forge_with ".exp = $((NOW - 40))"
	me "$T"
	assert_reply 401 "$UNAUTHORIZED"
	server_stop leeway
}

@test "tokens-9.2: the default leeway accepts nbf 10 s ahead, not 40 s ahead" {
	server_start leeway
	URL=$URL_leeway
	# Now, not at setup: starting a server on a loaded machine takes seconds.
	NOW=$(date +%s)
	forge_with ".nbf = $((NOW + 10))"
	me "$T"
	assert_me_ok
	forge_with ".nbf = $((NOW + 40))"
	me "$T"
	assert_reply 401 "$UNAUTHORIZED"
	server_stop leeway
}

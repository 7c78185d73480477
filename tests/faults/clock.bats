#!/usr/bin/env bats
# clock: the programs' clock jumps, under libfaketime: three instances on
# one database, one at the right time, one an hour behind and one a day
# ahead, so that what one writes the others read as a clock that jumped
# would.  Tokens' exp and nbf follow TOKEN_LEEWAY (30 s), sessions and
# refresh tokens end by the clock reading them, and throttle blocks never
# last longer than their rule sets, however far the writer's clock was off:
# Retry-After always within the rule's bounds.

load helpers

FAKETIME_LIB=/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1
UNAUTHORIZED='{"statusCode":401,"message":"Unauthorized"}'

setup_file() {
	[ -f "$FAKETIME_LIB" ] || skip "install faketime (libfaketime)"
	local common=(JWT_REFRESH_TOKEN_EXPIRATION_TIME=3600 THROTTLE_LOGIN_PER_PAIR=5)
	server_start main "${common[@]}"
	server_start back "${common[@]}" LD_PRELOAD="$FAKETIME_LIB" FAKETIME=-1h
	server_start fwd "${common[@]}" LD_PRELOAD="$FAKETIME_LIB" FAKETIME=+1d
}

# on NAME COMMAND...: run a request command against instance NAME.
on() {
	local name=URL_$1
	shift
	URL=${!name} "$@"
}

# assert_retry_after MAX: the last reply is a 429 whose Retry-After is a
# number from 1 to MAX.
assert_retry_after() {
	local ra
	assert_equal "$STATUS" 429
	ra=$(header Retry-After)
	[[ $ra =~ ^[0-9]+$ ]] && [ "$ra" -ge 1 ] && [ "$ra" -le "$1" ] ||
	    fail "Retry-After '$ra' is not from 1 to $1 ($BODY)"
}

@test "tokens and sessions under a clock an hour back and a day ahead: exp by the reader's clock, with the leeway" {
	local t_main t_back rt now iat
	on main register clock@example.com
	on main login clock@example.com
	t_main=$TOKEN
	rt=$(cookie_value Refresh)
	# An hour behind: a token from the right time is not yet expired, and
	# has no nbf to refuse it.
	on back req GET /authentication -b "Authentication=$t_main"
	assert_equal "$STATUS" 200
	# Issued an hour behind: iat and exp of that clock.
	on back login clock@example.com
	t_back=$TOKEN
	now=$(date +%s)
	iat=$(claim "$t_back" iat)
	[ $((now - 3600 - iat)) -ge -5 ] && [ $((now - 3600 - iat)) -le 5 ] ||
	    fail "iat $iat is not an hour before $now"
	assert_equal "$(( $(claim "$t_back" exp) - iat ))" "$TEST_TTL"
	# Read at the right time its exp is now: within TOKEN_LEEWAY, still good.
	on main req GET /authentication -b "Authentication=$t_back"
	assert_equal "$STATUS" 200
	# A day ahead, both have expired, and so has the session's refresh
	# token (an hour's lifetime here).
	on fwd req GET /authentication -b "Authentication=$t_main"
	assert_reply 401 "$UNAUTHORIZED"
	on fwd req GET /authentication -b "Authentication=$t_back"
	assert_reply 401 "$UNAUTHORIZED"
	on fwd req GET /authentication/refresh -b "Refresh=$rt"
	assert_reply 401 "$UNAUTHORIZED"
	# The day-ahead reader ended nothing: the refresh works at the right time.
	on main req GET /authentication/refresh -b "Refresh=$rt"
	assert_equal "$STATUS" 200
	# A token forged with an nbf a minute ahead: refused, past the leeway.
	on main req GET /authentication -b "Authentication=$(forge '{"alg":"HS256","typ":"JWT"}' \
	    "{\"userId\":$(user_id clock@example.com),\"jti\":\"$(claim "$t_main" jti | tr -d '"')\",\"iat\":$now,\"nbf\":$((now + 60)),\"exp\":$((now + 600))}")"
	assert_reply 401 "$UNAUTHORIZED"
	# Ten seconds ahead: within it.
	on main req GET /authentication -b "Authentication=$(forge '{"alg":"HS256","typ":"JWT"}' \
	    "{\"userId\":$(user_id clock@example.com),\"jti\":\"$(claim "$t_main" jti | tr -d '"')\",\"iat\":$now,\"nbf\":$((now + 10)),\"exp\":$((now + 600))}")"
	assert_equal "$STATUS" 200
}

@test "throttle blocks set by a clock a day ahead or an hour behind: never a day long, never negative" {
	local wrong='{"email":"guess@example.com","password":"wrong-password"}' i
	on main register guess@example.com
	# Blocked by the clock a day ahead: 60 s of its time.
	for i in 1 2 3 4 5; do
		on fwd post_json /authentication/log-in "$wrong"
		assert_equal "$STATUS" 400
	done
	on fwd post_json /authentication/log-in "$wrong"
	assert_retry_after 60
	# At the right time that block would end tomorrow: it is over, and
	# the next failure blocks again, for the next level's 120 s.
	on main post_json /authentication/log-in "$wrong"
	assert_equal "$STATUS" 400
	on main post_json /authentication/log-in "$wrong"
	assert_retry_after 120
	# An hour behind, that block would last an hour and two minutes.
	on back post_json /authentication/log-in "$wrong"
	assert_equal "$STATUS" 400
	on back post_json /authentication/log-in "$wrong"
	assert_retry_after 240
	grep -F 'blocked login-pair' "$ERROR_LOG" | sed 's/^/# log: /' >&3 || true
}

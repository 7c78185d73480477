#!/usr/bin/env bats
# throttle: the limits on failed log-ins and on registrations
# (common/throttle.h) through the real server: each rule blocks at exactly
# its count with a 429 and Retry-After, before any password is checked, in
# the same words for every e-mail; blocks end and double; the counters live
# in the throttle table under the documented keys and quiet ones are pruned.
# The main instance trusts 127.0.0.1 as its proxy, so each test plays
# clients of its own addresses through X-Forwarded-For.

load helpers

# The counters are shared by every test of the file: one after another.
BATS_NO_PARALLELIZE_WITHIN_FILE=true

WRONG='{"statusCode":400,"message":"Wrong credentials provided"}'
LIMITS=(THROTTLE_LOGIN_PER_PAIR=5 THROTTLE_LOGIN_PER_ACCOUNT=10
    THROTTLE_LOGIN_PER_ADDRESS=30 THROTTLE_REGISTER_PER_ADDRESS=10
    THROTTLE_IPV6_NETWORK_FACTOR=4)

setup_file() {
	server_start main "${LIMITS[@]}" TRUSTED_PROXY=127.0.0.1
	export MAIN_LOG=$ERROR_LOG
}

# Every test starts with no counters at all.
setup() {
	sql 'DELETE FROM throttle'
}

teardown() {
	server_stop second
	refute_leaks password123 wrong-password
}

# attempt EMAIL PASSWORD [ADDRESS]: one log-in, from ADDRESS as the trusted
# proxy forwards it (else from 127.0.0.1 itself).
attempt() {
	local args=()
	[ -z "${3:-}" ] || args=(-H "X-Forwarded-For: $3")
	post_json /authentication/log-in "{\"email\":\"$1\",\"password\":\"$2\"}" "${args[@]}"
}

# fails EMAIL ADDRESS [N]: N (default 1) log-ins with a wrong password,
# each of them the ordinary 400.
fails() {
	local i
	for ((i = 1; i <= ${3:-1}; i++)); do
		attempt "$1" wrong-password "$2"
		assert_reply 400 "$WRONG"
	done
}

# fails_each: for each line "EMAIL ADDRESS" on stdin, a log-in with a
# wrong password from ADDRESS, one after another in one curl (a hundred
# curls and asserts took a good part of this suite's time); each must be
# the ordinary 400.
fails_each() {
	local dir=$BATS_TEST_TMPDIR/fails
	mkdir -p "$dir"
	awk -v dir="$dir" -v url="$URL" '
	    NR > 1 { print "next" }
	    {
		print "url = \"" url "/authentication/log-in\""
		print "header = \"Content-Type: application/json\""
		print "header = \"X-Forwarded-For: " $2 "\""
		print "data-binary = \"{\\\"email\\\":\\\"" $1 "\\\",\\\"password\\\":\\\"wrong-password\\\"}\""
		print "output = \"" dir "/" NR ".body\""
		print "write-out = \"%{http_code}\\n\""
	    }' >"$dir/config"
	run curl -sS -K "$dir/config"
	assert_success
	assert_equal "${#lines[@]}" "$(grep -c '^url' "$dir/config")"
	[ "$(sort -u <<<"$output")" = 400 ] || fail "not all 400: $(sort <<<"$output" | uniq -c)"
	local f
	for f in "$dir"/*.body; do
		[ "$(<"$f")" = "$WRONG" ] || fail "not the ordinary 400: $(<"$f")"
	done
}

# reg EMAIL [ADDRESS]: one registration, from ADDRESS if given.
reg() {
	local args=()
	[ -z "${2:-}" ] || args=(-H "X-Forwarded-For: $2")
	post_json /authentication/register \
	    "{\"email\":\"$1\",\"name\":\"Throttled\",\"password\":\"password123\"}" "${args[@]}"
}

# assert_throttled WHAT MAX: the last reply is the 429 for WHAT ("failed
# log-ins", ...), JSON, without a cookie, with Retry-After the same whole
# number of seconds N as its message, 1 <= N <= MAX.  Sets WAIT to N.
assert_throttled() {
	local re="^\\{\"statusCode\":429,\"message\":\"Too many $1: try again in ([1-9][0-9]*) seconds\",\"error\":\"Too Many Requests\"\\}\$"
	assert_equal "$STATUS" 429
	[[ $BODY =~ $re ]] || fail "not the 429 for $1: $BODY"
	WAIT=${BASH_REMATCH[1]}
	assert_equal "$(header Retry-After)" "$WAIT"
	[ "$WAIT" -le "$2" ] || fail "Retry-After $WAIT is over $2"
	assert_equal "$(header Content-Type)" "application/json; charset=utf-8"
	refute grep -qi '^Set-Cookie:' "$HEADERS"
}

# row KEY: count|level|last_at|blocked_until of a counter ("" if none, or
# if cleared: all zero but its time).
row() {
	sql "SELECT count, level, last_at, blocked_until FROM throttle WHERE key = '$1'
	    AND (count > 0 OR level > 0 OR blocked_until > 0)"
}

# block KEY: the length of the key's present block, blocked_until - last_at.
block() {
	sql "SELECT blocked_until - last_at FROM throttle WHERE key = '$1'"
}

# expire KEY: end the key's block now, as time would.
expire() {
	sql "UPDATE throttle SET blocked_until = $(($(date +%s) - 1)) WHERE key = '$1'"
}


@test "throttle-1.1: the 6th log-in after 5 failures of one e-mail from one address is 429, right password or not" {
	register pair@example.com
	fails pair@example.com 10.1.1.1 5
	assert_equal "$(row "login-pair 10.1.1.1 $(digest pair@example.com)" | cut -d'|' -f1,2)" "5|1"
	assert_equal "$(block "login-pair 10.1.1.1 $(digest pair@example.com)")" 60
	# Blocked before the password is looked at: the right one fares no better.
	attempt pair@example.com password123 10.1.1.1
	assert_throttled "failed log-ins" 60
	attempt pair@example.com wrong-password 10.1.1.1
	assert_throttled "failed log-ins" 60
	# Blocked attempts are not counted, nor hashed, nor logged as failures.
	assert_equal "$(row "login-pair 10.1.1.1 $(digest pair@example.com)" | cut -d'|' -f1,2)" "5|1"
	assert_equal "$(grep -c 'failed log-in for pair@example.com' "$MAIN_LOG")" 5
	# Only the pair: the e-mail from another address, and another e-mail
	# from this address, still get in.
	login pair@example.com
	attempt other-pair@example.com wrong-password 10.1.1.1
	assert_reply 400 "$WRONG"
	register pair2@example.com
	attempt pair2@example.com password123 10.1.1.1
	assert_equal "$STATUS" 200
}

@test "throttle-1.2: 4 failures of a pair are not blocked: the limit is exactly 5" {
	register four@example.com
	fails four@example.com 10.1.2.1 4
	assert_equal "$(row "login-pair 10.1.2.1 $(digest four@example.com)" | cut -d'|' -f1,2,4)" "4|0|0"
	attempt four@example.com password123 10.1.2.1
	assert_equal "$STATUS" 200
}

@test "throttle-1.3: the 429 is the same for an e-mail with an account and one without" {
	register known@example.com
	fails known@example.com 10.1.3.1 5
	fails unknown@example.com 10.1.3.1 5
	attempt known@example.com password123 10.1.3.1
	assert_throttled "failed log-ins" 60
	known_body=${BODY//[0-9]/N}
	known_headers=$(headers_sans_date | sed -E 's/^(Retry-After: )[0-9]+$/\1N/I')
	attempt unknown@example.com password123 10.1.3.1
	assert_throttled "failed log-ins" 60
	assert_equal "${BODY//[0-9]/N}" "$known_body"
	assert_equal "$(headers_sans_date | sed -E 's/^(Retry-After: )[0-9]+$/\1N/I')" "$known_headers"
	# The unknown e-mail's counters exist just as the known one's do.
	assert_equal "$(block "login-pair 10.1.3.1 $(digest unknown@example.com)")" 60
}

@test "throttle-1.4: a successful log-in clears the pair and account counters, not the address's" {
	register reset@example.com
	fails reset@example.com 10.1.4.1 4
	attempt reset@example.com password123 10.1.4.1
	assert_equal "$STATUS" 200
	assert_equal "$(row "login-pair 10.1.4.1 $(digest reset@example.com)")" ""
	assert_equal "$(row "login-account $(digest reset@example.com)")" ""
	assert_equal "$(row 'login-address 10.1.4.1' | cut -d'|' -f1)" 4
	# Counting starts again: 4 more are still not blocked, the 5th blocks.
	fails reset@example.com 10.1.4.1 4
	attempt reset@example.com password123 10.1.4.1
	assert_equal "$STATUS" 200
	fails reset@example.com 10.1.4.1 5
	attempt reset@example.com password123 10.1.4.1
	assert_throttled "failed log-ins" 60
}

@test "throttle-1.5: the letter case of the e-mail does not make a new pair or account" {
	register case@example.com
	for e in CASE@example.com case@EXAMPLE.com Case@Example.Com case@example.com CASE@EXAMPLE.COM; do
		fails "$e" 10.1.5.1
	done
	attempt case@example.com password123 10.1.5.1
	assert_throttled "failed log-ins" 60
	attempt cAsE@eXaMpLe.CoM password123 10.1.5.1
	assert_throttled "failed log-ins" 60
	assert_equal "$(sql "SELECT key || ' ' || count FROM throttle WHERE key LIKE 'login-%' ORDER BY key")" \
"login-account $(digest case@example.com) 5
login-address 10.1.5.1 5
login-pair 10.1.5.1 $(digest case@example.com) 5"
}

@test "throttle-1.6: the block is logged with the e-mail and the client, never the password" {
	register logged@example.com
	fails logged@example.com 10.1.6.1 5
	attempt logged@example.com Right-Secret-4711 10.1.6.1
	assert_throttled "failed log-ins" 60
	run cat "$MAIN_LOG"
	assert_line --regexp '^.*login\[[0-9]+\] 10\.1\.6\.1: blocked login-pair 10\.1\.6\.1 logged@example\.com for 60 s after 5 failed log-ins$'
	refute_output --partial Right-Secret-4711
	refute_output --partial wrong-password
	refute_leaks Right-Secret-4711
}

@test "throttle-2.1: 10 failures of one account from several addresses block it for every address" {
	register account@example.com
	register account2@example.com
	# 4 + 4 + 1 + 1: no pair reaches its 5, and 9 do not block the account.
	fails account@example.com 10.2.1.1 4
	fails account@example.com 10.2.1.2 4
	fails account@example.com 10.2.1.3 1
	assert_equal "$(row "login-account $(digest account@example.com)" | cut -d'|' -f1,2,4)" "9|0|0"
	fails account@example.com 10.2.1.4 1
	# The 10th did: 15 minutes, and the count starts again for the next block.
	assert_equal "$(row "login-account $(digest account@example.com)" | cut -d'|' -f1,2)" "0|1"
	assert_equal "$(block "login-account $(digest account@example.com)")" 900
	for a in 10.2.1.1 10.2.1.4 10.2.1.99 192.0.2.1; do
		attempt account@example.com password123 "$a"
		assert_throttled "failed log-ins" 900
		[ "$WAIT" -gt 840 ]
	done
	attempt ACCOUNT@Example.com password123
	assert_throttled "failed log-ins" 900
	# Another account from the same addresses is not touched.
	attempt account2@example.com password123 10.2.1.4
	assert_equal "$STATUS" 200
}

@test "throttle-2.2: 30 failures from one address over many e-mails block the address" {
	register victim@example.com
	fails_each < <(for i in $(seq 29); do echo "spray$i@example.com 10.2.2.1"; done)
	# A success does not clear the address's counter.
	attempt victim@example.com password123 10.2.2.1
	assert_equal "$STATUS" 200
	assert_equal "$(row 'login-address 10.2.2.1' | cut -d'|' -f1,4)" "29|0"
	fails spray30@example.com 10.2.2.1
	assert_equal "$(block 'login-address 10.2.2.1')" 60
	attempt victim@example.com password123 10.2.2.1
	assert_throttled "failed log-ins" 60
	attempt spray31@example.com wrong-password 10.2.2.1
	assert_throttled "failed log-ins" 60
	# The same user from another address gets in.
	attempt victim@example.com password123 10.2.2.2
	assert_equal "$STATUS" 200
}

@test "throttle-3.1: without TRUSTED_PROXY, X-Forwarded-For is ignored: the client cannot dodge" {
	server_start second "${LIMITS[@]}"
	URL=$URL_second
	register fwd@example.com
	for i in 1 2 3 4 5; do
		fails fwd@example.com "10.3.1.$i"
	done
	attempt fwd@example.com password123 10.3.1.6
	assert_throttled "failed log-ins" 60
	assert_equal "$(row "login-pair 127.0.0.1 $(digest fwd@example.com)" | cut -d'|' -f1,2)" "5|1"
	assert_equal "$(sql "SELECT count(*) FROM throttle WHERE key LIKE '%10.3.1.%'")" 0
}

@test "throttle-3.2: X-Forwarded-For is ignored from any address but the trusted proxy" {
	server_start second "${LIMITS[@]}" TRUSTED_PROXY=127.0.0.2
	URL=$URL_second
	register fwd2@example.com
	for i in 1 2 3 4 5; do
		fails fwd2@example.com "10.3.2.$i"
	done
	attempt fwd2@example.com password123 10.3.2.6
	assert_throttled "failed log-ins" 60
	assert_equal "$(row "login-pair 127.0.0.1 $(digest fwd2@example.com)" | cut -d'|' -f1,2)" "5|1"
	assert_equal "$(sql "SELECT count(*) FROM throttle WHERE key LIKE '%10.3.2.%'")" 0
}

@test "throttle-3.3: from the trusted proxy only the last X-Forwarded-For entry is the client" {
	register last@example.com
	# The entries before the proxy's own say whatever the client likes.
	for i in 1 2 3 4 5; do
		fails last@example.com "10.3.3.$i, 10.3.3.100"
	done
	attempt last@example.com password123 "198.51.100.7,10.3.3.100"
	assert_throttled "failed log-ins" 60
	assert_equal "$(row "login-pair 10.3.3.100 $(digest last@example.com)" | cut -d'|' -f1,2)" "5|1"
	assert_equal "$(sql "SELECT count(*) FROM throttle WHERE key LIKE '%10.3.3.1 %' OR key LIKE '%198.51.%'")" 0
	# Another last entry is another client.
	attempt last@example.com password123 "10.3.3.100, 10.3.3.101"
	assert_equal "$STATUS" 200
	# A last entry that is no IP address is not taken: the proxy's own is.
	fails last@example.com "10.3.3.100, not-an-address"
	assert_equal "$(row 'login-address 127.0.0.1' | cut -d'|' -f1)" 1
	assert_equal "$(sql "SELECT count(*) FROM throttle WHERE key LIKE '%not-an-address%'")" 0
}

@test "throttle-4.1: the 11th registration from one address is 429; another address still registers" {
	for i in $(seq 10); do
		reg "signup$i@example.com" 10.4.1.1
		assert_equal "$STATUS" 201
	done
	assert_equal "$(row 'register-address 10.4.1.1' | cut -d'|' -f1,2)" "10|1"
	assert_equal "$(block 'register-address 10.4.1.1')" 900
	reg signup11@example.com 10.4.1.1
	assert_throttled "registrations from this address" 900
	[ "$WAIT" -gt 840 ]
	assert_equal "$(user_id signup11@example.com)" ""
	reg signup12@example.com 10.4.1.2
	assert_equal "$STATUS" 201
	[ -n "$(user_id signup12@example.com)" ]
	run cat "$MAIN_LOG"
	assert_line --regexp '^.*register\[[0-9]+\] 10\.4\.1\.1: blocked register-address 10\.4\.1\.1 for 900 s after 10 registrations$'
}

@test "throttle-5.1: a block ends by itself, and each new one of the pair is twice as long" {
	register double@example.com
	key="login-pair 10.5.1.1 $(digest double@example.com)"
	fails double@example.com 10.5.1.1 5
	assert_equal "$(block "$key")" 60
	attempt double@example.com password123 10.5.1.1
	assert_throttled "failed log-ins" 60
	# Its time over, the next attempt reaches the password check...
	expire "$key"
	fails double@example.com 10.5.1.1
	# ...and one more failure blocks again, for twice as long.
	assert_equal "$(row "$key" | cut -d'|' -f1,2)" "6|2"
	assert_equal "$(block "$key")" 120
	attempt double@example.com password123 10.5.1.1
	assert_throttled "failed log-ins" 120
	[ "$WAIT" -gt 60 ]
	expire "$key"
	fails double@example.com 10.5.1.1
	assert_equal "$(block "$key")" 240
	# The doubling stops at 15 minutes.
	sql "UPDATE throttle SET level = 12 WHERE key = '$key'"
	expire "$key"
	fails double@example.com 10.5.1.1
	assert_equal "$(block "$key")" 900
	# After the block, the right password gets in and clears the counters.
	expire "$key"
	attempt double@example.com password123 10.5.1.1
	assert_equal "$STATUS" 200
	assert_equal "$(row "$key")" ""
}

@test "throttle-5.2: after an account's block ends, 10 more failures are needed for the next" {
	register again@example.com
	key="login-account $(digest again@example.com)"
	for i in 1 2 3 4 5; do
		fails again@example.com "10.5.2.$i" 2
	done
	assert_equal "$(block "$key")" 900
	attempt again@example.com password123 10.5.2.9
	assert_throttled "failed log-ins" 900
	expire "$key"
	for i in 1 2 3 4 5 6 7 8 9; do
		fails again@example.com "10.5.3.$i"
	done
	assert_equal "$(row "$key" | cut -d'|' -f1,2)" "9|1"
	fails again@example.com 10.5.3.10
	# The second block of an account is no longer than the first.
	assert_equal "$(row "$key" | cut -d'|' -f1,2)" "0|2"
	assert_equal "$(block "$key")" 900
	attempt again@example.com password123 10.5.3.11
	assert_throttled "failed log-ins" 900
}

@test "throttle-5.3: the address's blocks double as well" {
	key='login-address 10.5.4.1'
	fails_each < <(for i in $(seq 30); do echo "addr$i@example.com 10.5.4.1"; done)
	assert_equal "$(block "$key")" 60
	expire "$key"
	fails addr31@example.com 10.5.4.1
	assert_equal "$(row "$key" | cut -d'|' -f1,2)" "31|2"
	assert_equal "$(block "$key")" 120
	attempt addr32@example.com password123 10.5.4.1
	assert_throttled "failed log-ins" 120
	[ "$WAIT" -gt 60 ]
}

@test "throttle-6.1: the counters are stored under the documented keys" {
	fails Keys@Example.com 10.6.1.1
	reg keys-new@example.com 10.6.1.1
	assert_equal "$STATUS" 201
	now=$(date +%s)
	assert_equal "$(sql "SELECT key || '|' || count || '|' || level || '|' || blocked_until FROM throttle ORDER BY key")" \
"login-account $(digest keys@example.com)|1|0|0
login-address 10.6.1.1|1|0|0
login-pair 10.6.1.1 $(digest keys@example.com)|1|0|0
register-address 10.6.1.1|1|0|0"
	assert_equal "$(sql "SELECT count(*) FROM throttle WHERE last_at BETWEEN $((now - 60)) AND $now")" 4
}

@test "throttle-6.2: counters quiet for over an hour are pruned; blocks ended under an hour ago are not" {
	now=$(date +%s)
	sql "INSERT INTO throttle (key, count, level, last_at, blocked_until) VALUES
	    ('login-pair 10.6.2.9 $(digest old@example.com)', 4, 0, $((now - 7200)), 0),
	    ('login-address 10.6.2.9', 29, 0, $((now - 3700)), 0),
	    ('login-account $(digest old@example.com)', 0, 1, $((now - 7200)), $((now - 6300))),
	    ('register-address 10.6.2.8', 10, 1, $((now - 4000)), $((now - 3100))),
	    ('login-address 10.6.2.7', 5, 0, $((now - 1800)), 0)"
	# Any counted event prunes.
	fails someone@example.com 10.6.2.1
	assert_equal "$(sql "SELECT key FROM throttle WHERE key LIKE '%10.6.2.9%' OR key LIKE '%$(digest old@example.com)%'")" ""
	assert_equal "$(sql "SELECT key FROM throttle WHERE key IN ('register-address 10.6.2.8', 'login-address 10.6.2.7') ORDER BY key")" \
"login-address 10.6.2.7
register-address 10.6.2.8"
	# A pruned counter starts again from nothing: 4 old failures do not add up.
	sql "INSERT INTO throttle (key, count, level, last_at, blocked_until) VALUES ('login-pair 10.6.2.9 $(digest old@example.com)', 4, 0, $((now - 7200)), 0)"
	register old@example.com
	fails old@example.com 10.6.2.9
	assert_equal "$(row "login-pair 10.6.2.9 $(digest old@example.com)" | cut -d'|' -f1)" 1
	attempt old@example.com password123 10.6.2.9
	assert_equal "$STATUS" 200
}


# --- issue 20: keys of a fixed length, whatever the e-mail (finding 5)

@test "throttle-7.1: a long multi-byte e-mail is an ordinary wrong log-in, counted under a digest (issue 20)" {
	# 240 three-byte characters: 732 bytes, 252 characters, under the
	# field's 254.  A key cut at a byte count would end inside one.
	long=$(printf '\xe2\x82\xac%.0s' $(seq 240))@example.com
	attempt "$long" wrong-password 10.7.1.1
	assert_reply 400 "$WRONG"
	assert_equal "$(row "login-account $(digest "$long")" | cut -d'|' -f1)" 1
	assert_equal "$(row "login-pair 10.7.1.1 $(digest "$long")" | cut -d'|' -f1)" 1
	assert_equal "$(row 'login-address 10.7.1.1' | cut -d'|' -f1)" 1
	# Every key is short ASCII, whatever the e-mail was.
	assert_equal "$(sql "SELECT count(*) FROM throttle WHERE length(key) > 120")" 0
	# Counted like any other: the 5th failure blocks the pair.
	fails "$long" 10.7.1.1 4
	attempt "$long" wrong-password 10.7.1.1
	assert_throttled "failed log-ins" 60
}

# --- issue 20: one client, one count, whatever the address looks like (finding 6)

@test "throttle-8.1: an IPv4-mapped IPv6 address is counted as the IPv4 address (issue 20)" {
	register mapped@example.com
	fails mapped@example.com ::ffff:10.8.1.1 3
	fails mapped@example.com 10.8.1.1 2
	attempt mapped@example.com password123 ::ffff:10.8.1.1
	assert_throttled "failed log-ins" 60
	attempt mapped@example.com password123 10.8.1.1
	assert_throttled "failed log-ins" 60
	assert_equal "$(row "login-pair 10.8.1.1 $(digest mapped@example.com)" | cut -d'|' -f1,2)" "5|1"
	assert_equal "$(sql "SELECT count(*) FROM throttle WHERE key LIKE '%ffff%'")" 0
}

@test "throttle-8.2: an IPv6 /48 is counted whole as well, at 4 times an address's limit (issue 20)" {
	register net@example.com
	# 119 failures, each from another /64 of 2001:db8:8::/48 and for
	# another e-mail: no /64, pair or account comes near its limit.
	fails_each < <(for i in $(seq 119); do
		printf 'net%d@example.com 2001:db8:8:%x::1\n' "$i" "$i"
	done)
	attempt net@example.com password123 2001:db8:8:ffff::1
	assert_equal "$STATUS" 200
	# The 120th blocks the /48, as the 30th would block one address.
	fails net120@example.com 2001:db8:8:ff00::1
	assert_equal "$(row 'login-address 2001:db8:8::/48' | cut -d'|' -f1,2)" "120|1"
	assert_equal "$(block 'login-address 2001:db8:8::/48')" 60
	attempt net@example.com password123 2001:db8:8:ffff::2
	assert_throttled "failed log-ins" 60
	# The next /48 is someone else.
	attempt net@example.com password123 2001:db8:9::1
	assert_equal "$STATUS" 200
}

# --- issue 20: a block is logged when it starts, not per refusal (finding 4)

# log_bytes: the size of the programs' log.
log_bytes() {
	stat -c %s "$MAIN_LOG"
}

@test "throttle-9.1: a block is logged and audited once, when it starts; refused attempts write nothing (issue 20)" {
	# A long, well-formed address: shown cut, once.
	long=quiet-$(printf 'q%.0s' $(seq 58))@$(printf 'e%.0s' $(seq 60)).example.com
	fails "$long" 10.9.1.1 5
	run cat "$MAIN_LOG"
	assert_line --regexp "^.*login\\[[0-9]+\\] 10\\.9\\.1\\.1: blocked login-pair 10\\.9\\.1\\.1 ${long:0:64}\\.\\.\\. for 60 s after 5 failed log-ins\$"
	assert_equal "$(sql "SELECT detail FROM audit WHERE event = 'login-throttled' AND client = '10.9.1.1'")" \
	    "login-pair 10.9.1.1 ${long:0:64}... for 60 s after 5 failed log-ins"
	bytes=$(log_bytes)
	events=$(sql "SELECT count(*) FROM audit")
	for i in $(seq 20); do
		attempt "$long" wrong-password 10.9.1.1
		assert_throttled "failed log-ins" 60
	done
	# 0 bytes per refused request, and no audit row.
	assert_equal "$(( $(log_bytes) - bytes ))" 0
	assert_equal "$(sql "SELECT count(*) FROM audit")" "$events"
	assert_equal "$(grep -c 'blocked login-pair 10.9.1.1' "$MAIN_LOG")" 1
}

@test "throttle-9.2: each rule's block is logged when it starts: pair, account, address, registration (issue 20)" {
	for i in 1 2 3 4 5; do
		fails blocks@example.com "10.9.2.$i" 2
	done
	run cat "$MAIN_LOG"
	assert_line --regexp "^.*login\\[[0-9]+\\] 10\\.9\\.2\\.5: blocked login-account blocks@example\\.com for 900 s after 10 failed log-ins\$"
	for i in $(seq 30); do
		fails "spray$i@example.com" 2001:db8:9:2::1
	done
	run cat "$MAIN_LOG"
	assert_line --regexp "^.*login\\[[0-9]+\\] 2001:db8:9:2::1: blocked login-address 2001:db8:9:2::/64 for 60 s after 30 failed log-ins\$"
	for i in $(seq 10); do
		reg "blocks$i@example.com" 10.9.2.9
		assert_equal "$STATUS" 201
	done
	reg blocks11@example.com 10.9.2.9
	assert_throttled "registrations from this address" 900
	run cat "$MAIN_LOG"
	assert_line --regexp "^.*register\\[[0-9]+\\] 10\\.9\\.2\\.9: blocked register-address 10\\.9\\.2\\.9 for 900 s after 10 registrations\$"
	refute_output --partial 'throttled registration'
}

# --- issue 20: a rate limit on writing posts (finding 1)

# minute_room: wait (20 s at most) until 20 s or more of the clock's minute
# are left, so that a burst of requests falls within one window (the rate
# limits count per minute of the clock).
minute_room() {
	while [ $(( $(date +%s) % 60 )) -gt 40 ]; do
		sleep 1
	done
}

# write_post [ARGS...]: POST /posts as the user whose token is TOKEN, from
# the address given by X-Forwarded-For in ARGS, if any.
write_post() {
	post_json /posts '{"title":"Rate","content":"A post"}' -b "Authentication=$TOKEN" "$@"
}

# edit_post ID [ARGS...]: PATCH /posts/ID likewise.
edit_post() {
	local id=$1
	shift
	req PATCH "/posts/$id" -H 'Content-Type: application/json' \
	    --data-binary '{"title":"Edited"}' -b "Authentication=$TOKEN" "$@"
}

# assert_window_end: Retry-After runs to the end of the clock's minute.
assert_window_end() {
	local left=$(( 60 - $(date +%s) % 60 ))
	[ "$WAIT" -ge $((left - 2)) ] && [ "$WAIT" -le $((left + 2)) ] ||
	    fail "Retry-After $WAIT, but the minute ends in $left s"
}

@test "throttle-10.1: a user's 4th post write in a minute (limit 3) is 429 until the minute ends; others still write (issue 20)" {
	server_start second "${LIMITS[@]}" TRUSTED_PROXY=127.0.0.1 \
	    THROTTLE_POSTS_PER_USER=3 THROTTLE_POSTS_PER_ADDRESS=5
	URL=$URL_second
	register writer@example.com
	login writer@example.com
	id=$(user_id writer@example.com)
	minute_room
	write_post -H 'X-Forwarded-For: 10.10.1.1'
	assert_equal "$STATUS" 201
	first=$(jq .id <<<"$BODY")
	write_post -H 'X-Forwarded-For: 10.10.1.1'
	assert_equal "$STATUS" 201
	# An edit is a write too.
	edit_post "$first" -H 'X-Forwarded-For: 10.10.1.2'
	assert_equal "$STATUS" 200
	write_post -H 'X-Forwarded-For: 10.10.1.3'
	assert_throttled "posts and edits" 60
	assert_window_end
	edit_post "$first" -H 'X-Forwarded-For: 10.10.1.3'
	assert_throttled "posts and edits" 60
	assert_equal "$(sql "SELECT count(*) FROM posts WHERE author_id = $id")" 2
	assert_equal "$(sql "SELECT title FROM posts WHERE id = $first")" Edited
	assert_equal "$(row "posts-user $id" | cut -d'|' -f1,2)" "3|1"
	# Another user, from another address, still writes.
	register writer2@example.com
	login writer2@example.com
	write_post -H 'X-Forwarded-For: 10.10.1.4'
	assert_equal "$STATUS" 201
}

@test "throttle-10.2: an address's post writes are limited across its users (limit 5) (issue 20)" {
	server_start second "${LIMITS[@]}" TRUSTED_PROXY=127.0.0.1 \
	    THROTTLE_POSTS_PER_USER=3 THROTTLE_POSTS_PER_ADDRESS=5
	URL=$URL_second
	register shared1@example.com
	register shared2@example.com
	minute_room
	login shared1@example.com
	for i in 1 2 3; do
		write_post -H 'X-Forwarded-For: 10.10.2.1'
		assert_equal "$STATUS" 201
	done
	login shared2@example.com
	for i in 1 2; do
		write_post -H 'X-Forwarded-For: 10.10.2.1'
		assert_equal "$STATUS" 201
	done
	write_post -H 'X-Forwarded-For: 10.10.2.1'
	assert_throttled "posts and edits" 60
	assert_window_end
	assert_equal "$(row 'posts-address 10.10.2.1' | cut -d'|' -f1,2)" "5|1"
	# The same user from elsewhere: 2 of 3.
	write_post -H 'X-Forwarded-For: 10.10.2.2'
	assert_equal "$STATUS" 201
	run cat "$ERROR_LOG"
	assert_line --regexp "^.*posts\\[[0-9]+\\] 10\\.10\\.2\\.1: blocked posts-address 10\\.10\\.2\\.1 for [0-9]+ s after 5 post writes\$"
}

@test "throttle-10.3: post writes are not counted when the limits are 0, nor reads, nor by anyone logged out (issue 20)" {
	server_start second "${LIMITS[@]}" TRUSTED_PROXY=127.0.0.1 \
	    THROTTLE_POSTS_PER_USER=0 THROTTLE_POSTS_PER_ADDRESS=0
	URL=$URL_second
	register free@example.com
	login free@example.com
	for i in 1 2 3 4 5 6; do
		write_post -H 'X-Forwarded-For: 10.10.3.1'
		assert_equal "$STATUS" 201
	done
	req GET /posts
	assert_equal "$STATUS" 200
	post_json /posts '{"title":"Rate","content":"A post"}'
	assert_equal "$STATUS" 401
	assert_equal "$(sql "SELECT count(*) FROM throttle WHERE key LIKE 'posts-%'")" 0
}

# --- issue 20: a generous rate limit on successful log-ins (finding 3)

@test "throttle-11.1: an account's 4th successful log-in in a minute (limit 3) is 429 until the minute ends, right password or not (issue 20)" {
	server_start second "${LIMITS[@]}" TRUSTED_PROXY=127.0.0.1 \
	    THROTTLE_LOGIN_SUCCESS_PER_ACCOUNT=3 THROTTLE_LOGIN_SUCCESS_PER_ADDRESS=5
	URL=$URL_second
	register busy@example.com
	register calm@example.com
	minute_room
	for i in 1 2 3; do
		attempt busy@example.com password123 "10.11.1.$i"
		assert_equal "$STATUS" 200
	done
	attempt busy@example.com password123 10.11.1.4
	assert_throttled "log-ins" 60
	assert_window_end
	# Refused before any hash: a wrong password is not counted as failed.
	attempt busy@example.com wrong-password 10.11.1.4
	assert_throttled "log-ins" 60
	assert_equal "$(row "login-success-account $(digest busy@example.com)" | cut -d'|' -f1,2)" "3|1"
	assert_equal "$(row "login-account $(digest busy@example.com)")" ""
	# Another account, from the same address, logs in.
	attempt calm@example.com password123 10.11.1.4
	assert_equal "$STATUS" 200
	run cat "$ERROR_LOG"
	assert_line --regexp "^.*login\\[[0-9]+\\] 10\\.11\\.1\\.3: blocked login-success-account busy@example\\.com for [0-9]+ s after 3 successful log-ins\$"
	assert_equal "$(sql "SELECT count(*) FROM audit WHERE event = 'login-throttled' AND detail LIKE 'login-success-account busy@example.com for %'")" 1
}

@test "throttle-11.2: an address's successful log-ins are limited across accounts (limit 5) (issue 20)" {
	server_start second "${LIMITS[@]}" TRUSTED_PROXY=127.0.0.1 \
	    THROTTLE_LOGIN_SUCCESS_PER_ACCOUNT=3 THROTTLE_LOGIN_SUCCESS_PER_ADDRESS=5
	URL=$URL_second
	for i in 1 2 3; do
		register "office$i@example.com"
	done
	minute_room
	for e in office1 office1 office2 office2 office3; do
		attempt "$e@example.com" password123 10.11.2.1
		assert_equal "$STATUS" 200
	done
	attempt office3@example.com password123 10.11.2.1
	assert_throttled "log-ins" 60
	assert_equal "$(row 'login-success-address 10.11.2.1' | cut -d'|' -f1,2)" "5|1"
	# The same account from another address: its 2nd of 3.
	attempt office3@example.com password123 10.11.2.2
	assert_equal "$STATUS" 200
}

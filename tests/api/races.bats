#!/usr/bin/env bats
# races: larger bursts than concurrency.bats, sent by one curl in parallel
# mode: one e-mail registered by 50 at once, 200 sign-ups, 100 log-ins,
# 200 posts, the throttle's counters under 100 failed log-ins and 40
# sign-ups at once, and a mixed load of every route.  No burst may get a
# 5xx, and no program may ever log a busy or locked database.

load helpers

# The tests count rows by prefix and share the database with the throttled
# instances they start: one after another.
BATS_NO_PARALLELIZE_WITHIN_FILE=true

DUPLICATE='{"statusCode":400,"message":"User with that email already exists"}'
WRONG='{"statusCode":400,"message":"Wrong credentials provided"}'

# No program of any instance of this file logged a busy or locked database
# (SQLITE_BUSY; PostgreSQL's lock or serialization failures) or any other
# database error.
teardown() {
	local logs
	logs=$(readlink "$BATS_FILE_TMPDIR/state")
	if grep -i -e 'database is locked' -e 'busy' -e 'database error' "$logs"/lighttpd-*/fcgi-auth.log; then
		fail "a program logged a busy or locked database, or a database error"
	fi
}

# --- batches ----------------------------------------------------------------
# batch: start a new batch of requests in $B.  add puts a request in it,
# send sends them all at once: one curl in parallel mode, 50 connections.
# Request NAME leaves its body in $B/NAME.body and its headers in
# $B/NAME.headers; send fills ST (NAME -> status) and BD (NAME -> body).
# The shell spends milliseconds on each command here, so the config and the
# replies are made by one awk each, not by a command per request.
batch() {
	B=$BATS_TEST_TMPDIR/batch.$((++BATCHES))
	mkdir "$B"
	SPEC=
}

# add NAME METHOD PATH [JSON [TOKEN]]: a request with the JSON body (none if
# empty) and the session cookie TOKEN (none if empty).
add() {
	SPEC+="$1"$'\t'"$2"$'\t'"$3"$'\t'"${4-}"$'\t'"${5-}"$'\n'
}

# send: send the batch; every request must get an HTTP reply.
send() {
	local name status body
	printf '%s' "$SPEC" | parallel_config "$B" >"$B/config"
	curl -sS --no-progress-meter --parallel --parallel-max 50 \
	    --parallel-immediate -K "$B/config" >"$B/statuses" 2>"$B/errors" ||
	    fail "curl: $(cat "$B/errors")"
	declare -gA ST=()
	while read -r name status; do
		ST[$name]=$status
	done <"$B/statuses"
	# The bodies (one line of JSON each, or none) in one pass.
	declare -gA BD=()
	while IFS=$'\t' read -r name body; do
		BD[$name]=$body
	done < <(awk '{ name = FILENAME; sub(/.*\//, "", name); sub(/\.body$/, "", name)
	    print name "\t" $0 }' "$B"/*.body)
	echo "statuses: $(summary)" >&2
}

# got NAME: S and R, the status and the body request NAME got.
got() {
	S=${ST[$1]-none}
	R=${BD[$1]-}
}

# count STATUS [PREFIX]: how many requests (named PREFIX...) got STATUS.
count() {
	local name n=0
	for name in "${!ST[@]}"; do
		[[ $name == "${2-}"* && ${ST[$name]} == "$1" ]] && n=$((n + 1))
	done
	echo "$n"
}

# summary: "N x STATUS" per status seen.
summary() {
	local name s
	local -A n=()
	for name in "${!ST[@]}"; do
		s=${ST[$name]}
		n[$s]=$(( ${n[$s]-0} + 1 ))
	done
	for s in "${!n[@]}"; do printf '%s x %s, ' "${n[$s]}" "$s"; done
}

# refute_5xx: no request of the batch got a 5xx.
refute_5xx() {
	local name
	for name in "${!ST[@]}"; do
		[[ ${ST[$name]} != 5* ]] || fail "$name got ${ST[$name]}: $(summary)"
	done
}

# header_values HEADER: fill HV (NAME -> value) with the value of HEADER (lower
# case) in the reply to each request of the batch; for set-cookie, the
# Authentication cookie's value.  One awk for the whole batch.
header_values() {
	local name value
	declare -gA HV=()
	while read -r name value; do
		HV[$name]=$value
	done < <(awk -v want="$1" '
	    FNR == 1 { name = FILENAME; sub(/.*\//, "", name); sub(/\.headers$/, "", name) }
	    { sub(/\r$/, "") }
	    tolower(substr($0, 1, length(want) + 1)) == want ":" {
		v = substr($0, length(want) + 2); sub(/^ */, "", v)
		if (want == "set-cookie") {
			if (v !~ /^Authentication=/) next
			sub(/^Authentication=/, "", v); sub(/;.*/, "", v)
		}
		print name, v
	    }' "$B"/*.headers)
}

# users PREFIX N: register PREFIX1..PREFIXN@example.com at once, named
# "User 1".., and log each in once; sets TOKENS and IDS (indexed 1..N).
users() {
	local prefix=$1 n=$2 i
	batch
	for i in $(seq "$n"); do
		add "r$i" POST /authentication/register \
		    "{\"email\":\"$prefix$i@example.com\",\"name\":\"User $i\",\"password\":\"password123\"}"
	done
	send
	assert_equal "$(count 201)" "$n"
	TOKENS=() IDS=()
	for i in $(seq "$n"); do
		got "r$i"
		[[ $R =~ ^\{\"id\":([0-9]+), ]]
		IDS[i]=${BASH_REMATCH[1]}
	done
	batch
	for i in $(seq "$n"); do
		add "l$i" POST /authentication/log-in \
		    "{\"email\":\"$prefix$i@example.com\",\"password\":\"password123\"}"
	done
	send
	assert_equal "$(count 200)" "$n"
	header_values set-cookie
	for i in $(seq "$n"); do
		TOKENS[i]=${HV[l$i]}
		[ -n "${TOKENS[i]}" ]
	done
}

# procs PROGRAM [NAME]: the pids of PROGRAM's processes under instance NAME
# (default main).
procs() {
	pgrep -P "$(cat "$BATS_FILE_TMPDIR/${2:-main}.pid")" -f "^$PROGRAM_DIR/$1\$"
}

# --- registrations ----------------------------------------------------------

@test "races-1.1: 50 registrations of one e-mail at once: one 201, 49 duplicates, one row" {
	batch
	for i in $(seq 50); do
		add "r$i" POST /authentication/register \
		    "{\"email\":\"race1@example.com\",\"name\":\"Racer $i\",\"password\":\"password123\"}"
	done
	send
	assert_equal "$(count 201)" 1
	assert_equal "$(count 400)" 49
	row=$(sql "SELECT id || '|' || name FROM users WHERE lower(email) = 'race1@example.com'")
	# One row, and the name in it is the winner's.
	[[ $row =~ ^([0-9]+)\|Racer\ ([0-9]+)$ ]]
	id=${BASH_REMATCH[1]} winner=${BASH_REMATCH[2]}
	for i in $(seq 50); do
		got "r$i"
		if [ "$i" = "$winner" ]; then
			assert_equal "$S $R" "201 {\"id\":$id,\"email\":\"race1@example.com\",\"name\":\"Racer $i\"}"
		else
			assert_equal "$S $R" "400 $DUPLICATE"
		fi
	done
	# And the stored password is the one given.
	post_json /authentication/log-in '{"email":"race1@example.com","password":"password123"}'
	assert_equal "$STATUS" 200
}

@test "races-1.2: 200 registrations of distinct e-mails at once: 200 x 201, 200 rows" {
	batch
	for i in $(seq 200); do
		add "r$i" POST /authentication/register \
		    "{\"email\":\"race2-$i@example.com\",\"name\":\"Crowd $i\",\"password\":\"password123\"}"
	done
	send
	assert_equal "$(count 201)" 200
	# Each reply's id is a different one, and its row is that user.
	rows=()
	for i in $(seq 200); do
		got "r$i"
		[[ $S$R =~ ^201\{\"id\":([0-9]+),\"email\":\"race2-$i@example\.com\",\"name\":\"Crowd\ $i\"\}$ ]] ||
		    fail "r$i: $S $R"
		id=${BASH_REMATCH[1]}
		[ -z "${rows[id]-}" ]
		rows[id]="$id|race2-$i@example.com|Crowd $i"
	done
	assert_equal "$(sql "SELECT id || '|' || email || '|' || name FROM users
	    WHERE lower(email) LIKE 'race2-%@example.com' ORDER BY id")" "$(printf '%s\n' "${rows[@]}")"
}

# --- log-ins ----------------------------------------------------------------

@test "races-2.1: 100 log-ins of 10 users at once: 100 x 200, 100 working sessions" {
	users race3- 10
	batch
	for i in $(seq 100); do
		u=$(( (i - 1) % 10 + 1 ))
		add "l$i" POST /authentication/log-in \
		    "{\"email\":\"race3-$u@example.com\",\"password\":\"password123\"}"
	done
	send
	assert_equal "$(count 200)" 100
	header_values set-cookie
	declare -A seen=()
	tokens=()
	for i in $(seq 100); do
		u=$(( (i - 1) % 10 + 1 ))
		got "l$i"
		assert_equal "$R" "{\"id\":${IDS[u]},\"email\":\"race3-$u@example.com\",\"name\":\"User $u\"}"
		t=${HV[l$i]}
		[ -n "$t" ]
		[ -z "${seen[$t]-}" ]
		seen[$t]=$i
		tokens[i]=$t
	done
	# 10 sessions per user from the burst, 1 from users.
	assert_equal "$(sql "SELECT count(*) FROM sessions WHERE user_id IN ($(IFS=,; echo "${IDS[*]}"))
	    GROUP BY user_id HAVING count(*) = 11" | wc -l)" 10
	# Every session works, again all at once.
	batch
	for i in $(seq 100); do
		add "m$i" GET /authentication '' "${tokens[i]}"
	done
	send
	assert_equal "$(count 200)" 100
	for i in $(seq 100); do
		u=$(( (i - 1) % 10 + 1 ))
		got "m$i"
		assert_equal "$R" "{\"id\":${IDS[u]},\"email\":\"race3-$u@example.com\",\"name\":\"User $u\"}"
	done
}

# --- posts ------------------------------------------------------------------

@test "races-3.1: 200 posts by 4 users at once: 200 x 201, 200 rows, each id the right post" {
	users race4- 4
	batch
	for i in $(seq 200); do
		u=$(( (i - 1) % 4 + 1 ))
		add "p$i" POST /posts "{\"title\":\"race4 post $i\",\"content\":\"by $u\"}" "${TOKENS[u]}"
	done
	send
	assert_equal "$(count 201)" 200
	rows=()
	for i in $(seq 200); do
		u=$(( (i - 1) % 4 + 1 ))
		got "p$i"
		[[ $R =~ ^\{\"id\":([0-9]+), ]]
		id=${BASH_REMATCH[1]}
		assert_equal "$R" "{\"id\":$id,\"title\":\"race4 post $i\",\"content\":\"by $u\",\"author\":{\"id\":${IDS[u]},\"name\":\"User $u\"}}"
		[ -z "${rows[id]-}" ]
		rows[id]="$id|${IDS[u]}|race4 post $i|by $u"
	done
	assert_equal "$(sql "SELECT id || '|' || author_id || '|' || title || '|' || content
	    FROM posts WHERE title LIKE 'race4 post %' ORDER BY id")" "$(printf '%s\n' "${rows[@]}")"
}

# --- the throttle's counters -------------------------------------------------
# The check comes before the password is hashed and the count after it, in
# its own BEGIN IMMEDIATE transaction, so a burst lets through exactly the
# failures counted until one of them reaches the limit, plus those that had
# passed the check by then: at most one per other log-in process, as each
# process answers one request at a time.  No count is lost: the pair's count
# is exactly the number of failures answered.  (A failed log-in is a 400
# "Wrong credentials provided", as in the contract; 401 is for missing ones.)

@test "races-4.1: 100 failed log-ins of one account at once: 400 or 429 only, every failure counted" {
	register race5@example.com Throttled
	sql "DELETE FROM throttle"
	server_start logins THROTTLE_LOGIN_PER_PAIR=5 THROTTLE_LOGIN_PER_ACCOUNT=10 \
	    THROTTLE_LOGIN_PER_ADDRESS=30
	nprocs=$(procs login logins | wc -l)
	assert_equal "$nprocs" 2
	batch
	for i in $(seq 100); do
		add "l$i" POST /authentication/log-in '{"email":"race5@example.com","password":"wrong-password"}'
	done
	send
	n400=$(count 400)
	n429=$(count 429)
	assert_equal $((n400 + n429)) 100
	[ "$n400" -ge 5 ]
	[ "$n400" -le $((5 + nprocs - 1)) ]
	header_values retry-after
	for i in $(seq 100); do
		got "l$i"
		if [ "$S" = 400 ]; then
			assert_equal "$R" "$WRONG"
		else
			[[ $R =~ ^\{\"statusCode\":429,\"message\":\"Too\ many\ failed\ log-ins:\ try\ again\ in\ ([0-9]+)\ seconds\",\"error\":\"Too\ Many\ Requests\"\}$ ]] ||
			    fail "l$i: $S $R"
			secs=${BASH_REMATCH[1]}
			[ "$secs" -ge 1 ]
			[ "$secs" -le 120 ]
			assert_equal "${HV[l$i]}" "$secs"
		fi
	done
	# The pair: every failure counted, a block from the 5th on, each one
	# doubling the last (60 s, then 120 s).
	IFS='|' read -r c level last until <<<"$(sql "SELECT count, level, last_at, blocked_until
	    FROM throttle WHERE key = 'login-pair 127.0.0.1 $(digest race5@example.com)'")"
	assert_equal "$c" "$n400"
	assert_equal "$level" $((n400 - 4))
	assert_equal $((until - last)) $((60 << (level - 1)))
	# The account (10) and the address (30) are counted, and not reached.
	assert_equal "$(sql "SELECT key || '|' || count || '|' || level || '|' || blocked_until
	    FROM throttle WHERE key NOT LIKE 'login-pair %' ORDER BY key")" \
	    "login-account $(digest race5@example.com)|$n400|0|0
login-address 127.0.0.1|$n400|0|0"
	# The log has one line per failure and one per block begun, none per
	# refusal (issue 20).
	assert_equal "$(grep -c 'failed log-in for race5@example.com: wrong password' "$ERROR_LOG")" "$n400"
	assert_equal "$(grep -c 'blocked login-pair 127.0.0.1 race5@example.com' "$ERROR_LOG")" "$level"
	# The right password is refused too while the pair is blocked.
	post_json /authentication/log-in '{"email":"race5@example.com","password":"password123"}'
	assert_equal "$STATUS" 429
	server_stop logins
}

@test "races-4.2: 40 registrations from one address at once: 201 or 429 only, every one counted" {
	sql "DELETE FROM throttle"
	server_start signups THROTTLE_REGISTER_PER_ADDRESS=10
	nprocs=$(procs register signups | wc -l)
	assert_equal "$nprocs" 2
	batch
	for i in $(seq 40); do
		add "r$i" POST /authentication/register \
		    "{\"email\":\"race6-$i@example.com\",\"name\":\"Signup $i\",\"password\":\"password123\"}"
	done
	send
	n201=$(count 201)
	n429=$(count 429)
	assert_equal $((n201 + n429)) 40
	[ "$n201" -ge 10 ]
	[ "$n201" -le $((10 + nprocs - 1)) ]
	# Exactly the users that got a 201 exist.
	rows=()
	for i in $(seq 40); do
		got "r$i"
		if [ "$S" = 201 ]; then
			[[ $R =~ ^\{\"id\":([0-9]+),\"email\":\"race6-$i@example\.com\",\"name\":\"Signup\ $i\"\}$ ]] ||
			    fail "r$i: $S $R"
			rows[BASH_REMATCH[1]]="${BASH_REMATCH[1]}|race6-$i@example.com"
		else
			[[ $R =~ ^\{\"statusCode\":429,\"message\":\"Too\ many\ registrations\ from\ this\ address:\ try\ again\ in\ [0-9]+\ seconds\",\"error\":\"Too\ Many\ Requests\"\}$ ]] ||
			    fail "r$i: $S $R"
		fi
	done
	assert_equal "$(sql "SELECT id || '|' || email FROM users WHERE lower(email) LIKE 'race6-%' ORDER BY id")" \
	    "$(printf '%s\n' "${rows[@]}")"
	# Every registration let through is counted; a block from the 10th on,
	# 15 minutes, doubling.
	IFS='|' read -r c level last until <<<"$(sql "SELECT count, level, last_at, blocked_until
	    FROM throttle WHERE key = 'register-address 127.0.0.1'")"
	assert_equal "$c" "$n201"
	assert_equal "$level" $((n201 - 9))
	assert_equal $((until - last)) $((900 << (level - 1)))
	server_stop signups
}

# --- everything at once -------------------------------------------------------

@test "races-5.1: 200 requests to every route at once: each its usual answer, never a 5xx" {
	users race7- 10
	# 20 more sessions, to be logged out during the burst.
	batch
	for i in $(seq 20); do
		u=$(( (i - 1) % 10 + 1 ))
		add "o$i" POST /authentication/log-in "{\"email\":\"race7-$u@example.com\",\"password\":\"password123\"}"
	done
	send
	assert_equal "$(count 200)" 20
	header_values set-cookie
	outs=()
	for i in $(seq 20); do
		outs[i]=${HV[o$i]}
		[ -n "${outs[i]}" ]
	done
	before=$(sql "SELECT count(*) FROM posts")
	batch
	for i in $(seq 40); do
		u=$(( (i - 1) % 10 + 1 ))
		add "reg$i" POST /authentication/register \
		    "{\"email\":\"race7-new$i@example.com\",\"name\":\"New $i\",\"password\":\"password123\"}"
		add "in$i" POST /authentication/log-in "{\"email\":\"race7-$u@example.com\",\"password\":\"password123\"}"
		add "me$i" GET /authentication '' "${TOKENS[u]}"
		add "post$i" POST /posts "{\"title\":\"race7 post $i\",\"content\":\"x\"}" "${TOKENS[u]}"
		if [ "$i" -le 20 ]; then
			add "list$i" GET "/posts?limit=5"
			add "out$i" POST /authentication/log-out '' "${outs[i]}"
		fi
	done
	send
	refute_5xx
	assert_equal "$(count 201 reg)" 40
	assert_equal "$(count 200 in)" 40
	assert_equal "$(count 200 me)" 40
	assert_equal "$(count 201 post)" 40
	assert_equal "$(count 200 list)" 20
	assert_equal "$(count 200 out)" 20
	for i in $(seq 40); do
		u=$(( (i - 1) % 10 + 1 ))
		got "me$i"
		assert_equal "$R" "{\"id\":${IDS[u]},\"email\":\"race7-$u@example.com\",\"name\":\"User $u\"}"
	done
	assert_equal "$(sql "SELECT count(*) FROM posts")" $((before + 40))
	assert_equal "$(sql "SELECT count(*) FROM posts WHERE title LIKE 'race7 post %'")" 40
	assert_equal "$(sql "SELECT count(*) FROM users WHERE lower(email) LIKE 'race7-new%'")" 40
	# The logged-out sessions are gone; the others (10 + 40 new) are not.
	assert_equal "$(sql "SELECT count(*) FROM sessions WHERE user_id IN ($(IFS=,; echo "${IDS[*]}"))")" 50
	batch
	for i in $(seq 20); do
		add "gone$i" GET /authentication '' "${outs[i]}"
	done
	send
	assert_equal "$(count 401)" 20
}

#!/usr/bin/env bats
# crash: kill -9 of the programs, idle and in the middle of a write load
# (sign-ups, log-ins, new posts).  lighttpd starts new processes and serves
# again; every reply was the program's own or lighttpd's error for a killed
# backend; every 201 or 200 is in the database, and nothing else is but what
# a killed request may have committed; the database passes its integrity
# and foreign key checks.

load helpers

# The tests kill this file's processes and count rows by prefix: one after
# another.
BATS_NO_PARALLELIZE_WITHIN_FILE=true

# lighttpd's own bodies (scripts/error-pages) for a backend that died under
# the request (500: "response not received"), and for a route whose every
# process is down until lighttpd has started new ones (502, 503).  The
# programs' own 500 and 503 read differently.
E500='{"statusCode":500,"message":"Internal server error","error":"Internal Server Error"}'
E502='{"statusCode":502,"message":"Service temporarily unavailable","error":"Bad Gateway"}'
E503='{"statusCode":503,"message":"Service temporarily unavailable","error":"Service Unavailable"}'
WRONG='{"statusCode":400,"message":"Wrong credentials provided"}'

teardown() {
	local logs
	# A load a failed test left running.
	if [ -n "${LOAD-}" ]; then
		touch "$D/stop"
		wait "$LOAD" || true
	fi
	logs=$(readlink "$BATS_FILE_TMPDIR/state")
	if grep -i -e 'database is locked' -e 'busy' "$logs"/lighttpd-*/fcgi-auth.log; then
		fail "a program logged a busy or locked database"
	fi
}

# --- requests in bulk -----------------------------------------------------------
# Requests are spec lines "NAME<TAB>METHOD<TAB>PATH<TAB>JSON<TAB>TOKEN"
# (JSON and TOKEN may be empty), sent by one curl in parallel mode; their
# replies become lines "NAME<TAB>STATUS<TAB>COOKIE<TAB>BODY" in a file
# (COOKIE: the Authentication cookie set, if any).  Hundreds of requests go
# through awk: the shell takes milliseconds per command here.

# collect DIR: DIR/replies from DIR/statuses and the bodies and headers.
collect() {
	awk '
	    FILENAME ~ /\/statuses$/ { status[$1] = $2; order[++n] = $1; next }
	    FNR == 1 { name = FILENAME; sub(/.*\//, "", name); sub(/\.[a-z]*$/, "", name) }
	    FILENAME ~ /\.body$/ { body[name] = $0; next }
	    { sub(/\r$/, "") }
	    tolower($0) ~ /^set-cookie: authentication=/ {
		v = $0; sub(/^[^=]*=/, "", v); sub(/;.*/, "", v); cookie[name] = v
	    }
	    END {
		for (i = 1; i <= n; i++)
			print order[i] "\t" status[order[i]] "\t" cookie[order[i]] "\t" body[order[i]]
	    }' "$1/statuses" "$1"/*.headers "$1"/*.body >"$1/replies"
	REPLIES=$1/replies
}

# burst NAME SPEC: send the spec lines in SPEC at once (50 connections) from
# directory $BATS_TEST_TMPDIR/NAME; sets REPLIES.
burst() {
	local dir=$BATS_TEST_TMPDIR/$1
	mkdir "$dir"
	printf '%s' "$2" | parallel_config "$dir" >"$dir/config"
	curl -sS --no-progress-meter --parallel --parallel-max 50 -K "$dir/config" \
	    >"$dir/statuses" 2>"$dir/errors" || fail "curl: $(cat "$dir/errors")"
	collect "$dir"
}

# count STATUS: how many of REPLIES have STATUS.
count() {
	awk -F '\t' -v s="$1" '$2 == s { n++ } END { print n + 0 }' "$REPLIES"
}

# summary: "N x STATUS" per status in REPLIES.
summary() {
	cut -f2 "$REPLIES" | sort | uniq -c | awk '{ printf "%s x %s, ", $1, $2 }'
}

# field NAME N: field N of the reply to NAME.
field() {
	awk -F '\t' -v name="$1" -v n="$2" '$1 == name { print $n }' "$REPLIES"
}

# users PREFIX N: register PREFIX1..PREFIXN@example.com at once, named
# "User 1".., and log each in; sets IDS and TOKENS (indexed 1..N).
users() {
	local prefix=$1 n=$2 i spec=
	for i in $(seq "$n"); do
		spec+="r$i"$'\tPOST\t/authentication/register\t'"{\"email\":\"$prefix$i@example.com\",\"name\":\"User $i\",\"password\":\"password123\"}"$'\t\n'
	done
	burst "users-$prefix" "$spec"
	assert_equal "$(count 201)" "$n"
	IDS=() TOKENS=()
	for i in $(seq "$n"); do
		[[ $(field "r$i" 4) =~ ^\{\"id\":([0-9]+), ]]
		IDS[i]=${BASH_REMATCH[1]}
	done
	spec=
	for i in $(seq "$n"); do
		spec+="l$i"$'\tPOST\t/authentication/log-in\t'"{\"email\":\"$prefix$i@example.com\",\"password\":\"password123\"}"$'\t\n'
	done
	burst "logins-$prefix" "$spec"
	assert_equal "$(count 200)" "$n"
	for i in $(seq "$n"); do
		TOKENS[i]=$(field "l$i" 3)
		[ -n "${TOKENS[i]}" ]
	done
}

# --- processes --------------------------------------------------------------------

# lighttpd: the pid of this file's lighttpd, the parent of its programs (so
# that only this instance's processes are ever killed).
lighttpd() {
	cat "$BATS_FILE_TMPDIR/main.pid"
}

# fresh PROGRAM: sets PIDS, the live processes of PROGRAM under this
# instance's lighttpd, leaving out the killed ones (until lighttpd has
# reaped them they are still listed).
fresh() {
	local pid k
	PIDS=()
	for pid in $(pgrep -P "$(lighttpd)" -f "^$PROGRAM_DIR/$1\$"); do
		for k in "${KILLED[@]}"; do
			[ "$pid" != "$k" ] || continue 2
		done
		PIDS+=("$pid")
	done
}

# respawned PROGRAM N [PATH]: wait (at most 20 s) until PROGRAM has N
# processes that were not killed; with PATH, send a GET there each time, so
# that lighttpd notices a dead backend even when no load does.
respawned() {
	local i
	for i in $(seq 200); do
		fresh "$1"
		[ "${#PIDS[@]}" -lt "$2" ] || return 0
		[ -z "${3-}" ] || curl -s -o /dev/null "$URL$3" || true
		sleep 0.1
	done
	fail "$1: ${#PIDS[@]} processes of $2 after 20 s"
}

# until_not_503 COMMAND...: run a request command (req, post_json ...) until
# its STATUS is not 503, at most 50 times: right after a kill lighttpd may
# still count a route's backends as down.
until_not_503() {
	local i
	for i in $(seq 50); do
		"$@"
		[ "$STATUS" = 503 ] || return 0
		sleep 0.1
	done
}

# same_bodies FIRST SECOND: the names in both reply files whose bodies
# differ, then the number of names in both.
same_bodies() {
	LC_ALL=C join -t $'\t' -o 1.1,1.4,2.4 <(LC_ALL=C sort -t $'\t' -k1,1 "$1") \
	    <(LC_ALL=C sort -t $'\t' -k1,1 "$2") |
	    awk -F '\t' '$2 != $3 { print "differs: " $0 } END { print NR }'
}

# assert_whole: the database passes its checks (PostgreSQL has no
# integrity_check: the rows that point nowhere, and e-mails twice).
assert_whole() {
	if [ "$STORE" = sqlite ]; then
		assert_equal "$(sql 'PRAGMA integrity_check')" ok
	fi
	assert_equal "$(sql_orphans)" ""
	assert_equal "$(sql 'SELECT lower(email) FROM users GROUP BY lower(email) HAVING count(*) > 1')" ""
}

# --- a load, and kills under it ---------------------------------------------------

# start_load KIND: in the background until $D/stop exists, waves of 24
# requests made by spec_KIND WAVE, PARALLEL at a time (one curl a wave).
PARALLEL=8
start_load() {
	D=$BATS_TEST_TMPDIR/load
	mkdir "$D"
	(
		wave=0
		while [ ! -e "$D/stop" ]; do
			wave=$((wave + 1))
			"spec_$1" "$wave" | parallel_config "$D" >"$D/config.$wave"
			curl -sS --no-progress-meter --parallel --parallel-max "$PARALLEL" \
			    -K "$D/config.$wave" >>"$D/statuses" 2>>"$D/errors" || true
		done
	) 3>&- &
	LOAD=$!
}

# stop_load: end the load and collect its replies (sets REPLIES).
stop_load() {
	touch "$D/stop"
	wait "$LOAD"
	LOAD=
	collect "$D"
}

# busy: from PIDS, the first process seen inside a request, in at most 1000
# looks at the system call each is in: an idle one waits in accept(2) on
# its socket (IDLE, the call's number).  Sets VICTIM, and CAUGHT to what it
# was doing (a system call number, or "running"), or to "idle" if none was
# seen busy.
busy() {
	local i pid sc
	for i in $(seq 1000); do
		for pid in "${PIDS[@]}"; do
			read -r sc _ 2>/dev/null </proc/"$pid"/syscall || continue
			if [ "$sc" != "$IDLE" ]; then
				VICTIM=$pid CAUGHT=$sc
				return 0
			fi
		done
	done
	VICTIM=${PIDS[0]} CAUGHT=idle
}

# kill_under_load KIND PROGRAM ROUNDS: start a load of KIND; ROUNDS times,
# once PROGRAM has all its processes again, kill -9 one caught inside a
# request; in the last round all of them at once.  Once they are all back,
# stop the load.  Sets KILLED (the pids), CAUGHTS (what each round's
# victim was doing), ROUNDS and REPLIES.
kill_under_load() {
	local program=$2 rounds=$3 n r
	KILLED=() CAUGHTS=() ROUNDS=$rounds
	fresh "$program"
	n=${#PIDS[@]}
	[ "$n" -ge 1 ]
	# Nothing runs yet: what an idle process waits in.
	read -r IDLE _ </proc/"${PIDS[0]}"/syscall
	[[ $IDLE =~ ^[0-9]+$ ]]
	start_load "$1"
	for r in $(seq "$rounds"); do
		respawned "$program" "$n"
		busy
		CAUGHTS+=("$CAUGHT")
		[ "$r" = "$rounds" ] || PIDS=("$VICTIM")
		kill -9 "${PIDS[@]}"
		KILLED+=("${PIDS[@]}")
	done
	# The load goes on until lighttpd has started them again.
	respawned "$program" "$n"
	stop_load
	echo "# $program: $(wc -l <"$REPLIES") requests, ${#KILLED[@]} processes killed (caught in: ${CAUGHTS[*]}): $(summary)" >&3
	# At least one kill hit a request (the load keeps them busy).
	for r in "${CAUGHTS[@]}"; do
		[ "$r" = idle ] || return 0
	done
	fail "no process was caught in a request: ${CAUGHTS[*]}"
}

# assert_replies OK: every reply of the load is OK (a status), or one of
# lighttpd's own for a killed backend, with lighttpd's body.  A request the
# killed process had taken (or that waited on its socket) can only be
# answered by the server in front of it: lighttpd's 500, at most PARALLEL
# per kill, as no more are ever in flight.  A request that finds every
# process of the route down gets lighttpd's 503 (or 502): that happens only
# in the moment after a kill, until lighttpd has started new processes, and
# in practice only after the last round's (lighttpd sends a request that
# finds one process down to another).  These are the server's answers for a
# killed backend, acceptable only in that window.  Any other status, a
# program's own 5xx, or no reply at all (status 000, a curl error) fails.
assert_replies() {
	[ ! -s "$D/errors" ] || fail "curl: $(cat "$D/errors")"
	[ "$(count 500)" -le $((PARALLEL * ROUNDS)) ]
	run awk -F '\t' -v ok="$1" -v e500="$E500" -v e502="$E502" -v e503="$E503" '
	    $2 == ok { next }
	    $2 == 500 && $4 == e500 { next }
	    $2 == 502 && $4 == e502 { next }
	    $2 == 503 && $4 == e503 { next }
	    { print }' "$REPLIES"
	assert_output ""
}

# --- kills ------------------------------------------------------------------------

@test "crash-1.1: every program killed while idle is started again, and answers as before" {
	register crash-idle@example.com Idle
	login crash-idle@example.com
	KILLED=()
	declare -A n=()
	for program in register login logout me sessions password posts notfound; do
		fresh "$program"
		[ "${#PIDS[@]}" -ge 1 ]
		n[$program]=${#PIDS[@]}
		KILLED+=("${PIDS[@]}")
	done
	kill -9 "${KILLED[@]}"
	# Each route, until lighttpd has started its program again (lighttpd
	# answers 503 meanwhile).
	respawned register "${n[register]}" /authentication/register
	respawned login "${n[login]}" /authentication/log-in
	respawned logout "${n[logout]}" /authentication/log-out
	respawned me "${n[me]}" /authentication
	respawned sessions "${n[sessions]}" /authentication/sessions
	respawned password "${n[password]}" /authentication/password
	respawned posts "${n[posts]}" /posts
	respawned notfound "${n[notfound]}" /nope
	kill -0 "$(lighttpd)"
	# The same answers as before the kills, from the new processes.
	until_not_503 req GET /nope
	assert_reply 404 '{"statusCode":404,"message":"Cannot GET /nope","error":"Not Found"}'
	until_not_503 req GET /authentication -b "Authentication=$TOKEN"
	assert_equal "$STATUS" 200
	until_not_503 post_json /authentication/register '{"email":"crash-idle2@example.com","name":"Idle","password":"password123"}'
	assert_equal "$STATUS" 201
	until_not_503 post_json /authentication/log-in '{"email":"crash-idle2@example.com","password":"password123"}'
	assert_equal "$STATUS" 200
	login crash-idle2@example.com
	until_not_503 post_json /posts '{"title":"after","content":"the kills"}' -b "Authentication=$TOKEN"
	assert_equal "$STATUS" 201
	until_not_503 req POST /authentication/log-out -H 'Content-Length: 0' -b "Authentication=$TOKEN"
	assert_equal "$STATUS" 200
	assert_whole
}

# spec_register WAVE: 24 sign-ups of new e-mails, crash-wWAVE-I@example.com.
spec_register() {
	local i
	for i in $(seq 24); do
		printf 'w%s-%s\tPOST\t/authentication/register\t{"email":"crash-w%s-%s@example.com","name":"Wave %s","password":"password123"}\t\n' \
		    "$1" "$i" "$1" "$i" "$1"
	done
}

@test "crash-2.1: register killed under a load of sign-ups: every 201 is a user who can log in" {
	kill_under_load register register 4
	assert_replies 201
	# New processes serve.
	until_not_503 post_json /authentication/register '{"email":"crash-after@example.com","name":"After","password":"password123"}'
	assert_equal "$STATUS" 201
	for i in $(seq 5); do
		register "crash-after$i@example.com"
	done
	# The users: every 201 is one, with the id it was answered; a 500 may
	# be one too (killed after its commit); none was made from nothing.
	sql "SELECT id, email FROM users WHERE lower(email) LIKE 'crash-w%'" >"$D/rows"
	run awk -F '\t' -v counts="$D/counts" '
	    FNR == NR { split($0, r, "|"); id[r[2]] = r[1]; next }
	    {
		email = "crash-" $1 "@example.com"
		wave = $1; sub(/^w/, "", wave); sub(/-.*/, "", wave)
		sent[email] = 1
		if ($2 == 201) {
			n201++
			if (!(email in id))
				print "201 but not stored: " email
			else if ($4 != "{\"id\":" id[email] ",\"email\":\"" email "\",\"name\":\"Wave " wave "\"}")
				print "201 with a wrong body: " $0
		} else if (email in id)
			orphans++
	    }
	    END {
		for (e in id)
			if (!(e in sent))
				print "stored but never sent: " e
		print n201 + 0, orphans + 0 >counts
	    }' "$D/rows" "$REPLIES"
	assert_output ""
	read -r n201 orphans <"$D/counts"
	assert_equal "$(wc -l <"$D/rows")" $((n201 + orphans))
	# Every stored user, 201 or not, is whole: each logs in.
	spec=$(awk -F '|' '{ printf "%s\tPOST\t/authentication/log-in\t{\"email\":\"%s\",\"password\":\"password123\"}\t\n", $2, $2 }' "$D/rows")
	until_not_503 post_json /authentication/log-in '{"email":"crash-after@example.com","password":"password123"}'
	assert_equal "$STATUS" 200
	burst check "$spec"$'\n'
	assert_equal "$(count 200)" $((n201 + orphans))
	echo "# register: $n201 users with a 201 and $orphans stored without one: all $((n201 + orphans)) logged in" >&3
	assert_whole
}

# spec_login WAVE: 24 log-ins of the users crash-login1..8.
spec_login() {
	local i
	for i in $(seq 24); do
		printf 'w%s-%s\tPOST\t/authentication/log-in\t{"email":"crash-login%s@example.com","password":"password123"}\t\n' \
		    "$1" "$i" $(( (i - 1) % 8 + 1 ))
	done
}

@test "crash-3.1: log-in killed under a load of log-ins: every 200 is a working session" {
	users crash-login 8
	in=$(IFS=,; echo "${IDS[*]}")
	before=$(sql "SELECT count(*) FROM sessions WHERE user_id IN ($in)")
	kill_under_load login login 4
	assert_replies 200
	# Each 200 is its user's, with a cookie; the cookies are checked next.
	run awk -F '\t' -v ids="${IDS[*]}" -v spec="$D/spec" '
	    BEGIN { split(ids, id, " ") }
	    $2 != 200 { next }
	    {
		n200++
		i = $1; sub(/.*-/, "", i); u = (i - 1) % 8 + 1
		if ($4 != "{\"id\":" id[u] ",\"email\":\"crash-login" u "@example.com\",\"name\":\"User " u "\"}")
			print "200 with a wrong body: " $0
		if ($3 == "")
			print "200 without a cookie: " $0
		printf "%s\tGET\t/authentication\t\t%s\n", $1, $3 >spec
	    }' "$REPLIES"
	assert_output ""
	n200=$(count 200)
	# One session per 200, and perhaps one for a log-in killed after its
	# insert.
	sessions=$(( $(sql "SELECT count(*) FROM sessions WHERE user_id IN ($in)") - before ))
	[ "$sessions" -ge "$n200" ]
	[ "$sessions" -le "$(wc -l <"$REPLIES")" ]
	until_not_503 post_json /authentication/log-in '{"email":"crash-login1@example.com","password":"password123"}'
	assert_equal "$STATUS" 200
	# Every session of a 200 works, and is its user's.
	loaded=$REPLIES
	burst check "$(cat "$D/spec")"$'\n'
	assert_equal "$(count 200)" "$n200"
	run same_bodies "$loaded" "$REPLIES"
	assert_output "$n200"
	echo "# log-in: $n200 sessions of a 200 checked; $((sessions - n200)) stored without one" >&3
	assert_whole
}

# spec_posts WAVE: 24 posts "crash post wWAVE-I" by the users crash-post1..4
# (POSTERS, their tokens).
spec_posts() {
	local i
	for i in $(seq 24); do
		printf 'w%s-%s\tPOST\t/posts\t{"title":"crash post w%s-%s","content":"wave %s"}\t%s\n' \
		    "$1" "$i" "$1" "$i" "$1" "${POSTERS[(i - 1) % 4]}"
	done
}

@test "crash-4.1: posts killed under a load of new posts: every 201 is its post" {
	users crash-post 4
	POSTERS=("${TOKENS[@]:1:4}")
	[ "${#POSTERS[@]}" = 4 ]
	kill_under_load posts posts 4
	assert_replies 201
	# Every 201 is stored as answered, by its author; a 500 may be stored
	# too (killed after its commit); no post was made from nothing; no id
	# was given twice.
	sql "SELECT id, author_id, title, content FROM posts WHERE title LIKE 'crash post %'" >"$D/rows"
	run awk -F '\t' -v ids="${IDS[*]}" -v counts="$D/counts" -v spec="$D/spec" '
	    BEGIN { split(ids, uid, " ") }
	    FNR == NR {
		split($0, r, "|"); name = r[3]; sub(/^crash post /, "", name)
		if (name in row)
			print "stored twice: " name
		row[name] = $0; id[name] = r[1]; next
	    }
	    {
		i = $1; sub(/.*-/, "", i); u = (i - 1) % 4 + 1
		wave = $1; sub(/^w/, "", wave); sub(/-.*/, "", wave)
		sent[$1] = 1
		if ($2 == 201) {
			n201++
			if (!($1 in row)) {
				print "201 but not stored: " $1
				next
			}
			if (row[$1] != id[$1] "|" uid[u] "|crash post " $1 "|wave " wave)
				print "stored wrong: " row[$1]
			if ($4 != "{\"id\":" id[$1] ",\"title\":\"crash post " $1 "\",\"content\":\"wave " wave "\",\"author\":{\"id\":" uid[u] ",\"name\":\"User " u "\"}}")
				print "201 with a wrong body: " $0
			printf "%s\tGET\t/posts/%s\t\t\n", $1, id[$1] >spec
		} else if ($1 in row)
			orphans++
	    }
	    END {
		for (name in row)
			if (!(name in sent))
				print "stored but never sent: " name
		print n201 + 0, orphans + 0 >counts
	    }' "$D/rows" "$REPLIES"
	assert_output ""
	read -r n201 orphans <"$D/counts"
	assert_equal "$(wc -l <"$D/rows")" $((n201 + orphans))
	assert_equal "$(cut -d'|' -f1 "$D/rows" | sort -u | wc -l)" $((n201 + orphans))
	# Each 201 reads back as it was answered.
	loaded=$REPLIES
	burst check "$(cat "$D/spec")"$'\n'
	assert_equal "$(count 200)" "$n201"
	run same_bodies "$loaded" "$REPLIES"
	assert_output "$n201"
	# And new processes serve.
	until_not_503 post_json /posts '{"title":"after","content":"the kills"}' -b "Authentication=${TOKENS[1]}"
	assert_equal "$STATUS" 201
	echo "# posts: $n201 posts with a 201 checked; $orphans stored without one" >&3
	assert_whole
}

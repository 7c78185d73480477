#!/usr/bin/env bats
# badinput: a sweep of bad input over every route (register, log-in,
# log-out, "who am I", the /posts routes and an unknown path): wrong
# methods and media types, bodies that are empty, huge, truncated, nested,
# duplicated or of the wrong type, bytes that are not UTF-8, overlong
# fields, SQL and shell metacharacters, garbage cookies and tokens, bad ids,
# query strings and headers.  Each must get its exact 4xx JSON error (or,
# where the web server answers first, some 4xx JSON error), never a 5xx or
# silence, and the service must stay up: every test ends by registering and
# logging in a new user, and its teardown checks the logs for crashes.
# routing.bats has the one-route versions of the body rules; this file is
# the sweep over all routes.
#
# Loops collect their mismatches and report them all at the end of the
# test (note, report), so one failure lists every route that broke; they
# run in subshells without bats's per-command trap (quick), for speed.

load helpers

JSON='Content-Type: application/json'
UNAUTHORIZED='{"statusCode":401,"message":"Unauthorized"}'
NOT_JSON='{"statusCode":415,"message":"Content-Type must be application/json","error":"Unsupported Media Type"}'
TOO_LARGE='{"statusCode":413,"message":"Request body is larger than 65536 bytes","error":"Payload Too Large"}'
BAD_ID='{"statusCode":400,"message":["id must be a number string"],"error":"Bad Request"}'

# Each test gets a user with one post: OWNER (e-mail), TOKEN (a live
# session), POST (the post's id), and BODY_ROUTES, the routes that read a
# JSON body ("METHOD PATH"; the /posts ones need the cookie).  The logs'
# sizes are noted so the teardown reads only what this test added.
setup() {
	OWNER="bad$BATS_TEST_NUMBER@example.com"
	# shellcheck disable=SC2046
	stat -c '%s %n' $(server_logs) >"$BATS_TEST_TMPDIR/logmarks"
	hit POST /authentication/register -H "$JSON" \
	    --data-binary "{\"email\":\"$OWNER\",\"name\":\"Owner\",\"password\":\"password123\"}"
	assert_equal "$STATUS" 201
	hit POST /authentication/log-in -H "$JSON" \
	    --data-binary "{\"email\":\"$OWNER\",\"password\":\"password123\"}"
	assert_equal "$STATUS" 200
	TOKEN=$(cookie_token)
	[ -n "$TOKEN" ]
	hit POST /posts -b "Authentication=$TOKEN" -H "$JSON" \
	    --data-binary '{"title":"Original","content":"Untouched"}'
	assert_equal "$STATUS" 201
	[[ $BODY =~ ^\{\"id\":([0-9]+), ]]
	POST=${BASH_REMATCH[1]}
	BODY_ROUTES=("POST /authentication/register" "POST /authentication/log-in"
	    "POST /posts" "PATCH /posts/$POST")
}

# After every test, whatever it did: no reply was a 5xx or missing (a hang,
# a reset), every reply was valid UTF-8, and no program crashed.
teardown() {
	local bad size f ok='^[1-4][0-9][0-9] '
	[ -z "${ALLOW_501:-}" ] || ok='^([1-4][0-9][0-9]|501) '
	if [ -f "$BATS_TEST_TMPDIR/statuses" ] &&
	    bad=$(grep -Ev "$ok" "$BATS_TEST_TMPDIR/statuses"); then
		fail "replies that are 5xx or none at all (000: hang or reset):
$bad"
		return 1
	fi
	if [ -f "$BATS_TEST_TMPDIR/replies" ] &&
	    ! iconv -f UTF-8 -t UTF-8 "$BATS_TEST_TMPDIR/replies" >/dev/null 2>&1; then
		fail "a reply body is not valid UTF-8:
$(LC_ALL=C.UTF-8 grep -naxv '.*' "$BATS_TEST_TMPDIR/replies" | head -c 600)"
		return 1
	fi
	while read -r size f; do
		if bad=$(tail -c +"$((size + 1))" "$f" | grep -Ei \
		    'signal|abort|segfault|sanitizer|core dump|crash|died|child exited|end-of-file'); then
			fail "$f shows a crash:
$bad"
			return 1
		fi
	done <"$BATS_TEST_TMPDIR/logmarks"
}

# server_logs: the programs' log and, under lighttpd, the server's own
# (where it notes a FastCGI child that died).
server_logs() {
	local own=${ERROR_LOG%/*}/error.log
	: >>"$ERROR_LOG"
	printf '%s\n' "$ERROR_LOG"
	if [ "$own" != "$ERROR_LOG" ] && [ -f "$own" ]; then
		printf '%s\n' "$own"
	fi
}

# hit METHOD PATH [CURL-ARGS...]: like req, but with a time limit, HEAD as
# curl -I, and STATUS 000 when no reply came; every status is listed for
# the teardown.
hit() {
	local method=$1 path=$2 how=(-X "$1")
	shift 2
	[ "$method" != HEAD ] || how=(-I)
	HEADERS=$BATS_TEST_TMPDIR/headers
	: >"$HEADERS"
	: >"$BATS_TEST_TMPDIR/body"
	STATUS=$(curl -sS --max-time 20 "${how[@]}" -o "$BATS_TEST_TMPDIR/body" \
	    -D "$HEADERS" -w '%{http_code}' "$@" "$URL$path" \
	    2>>"$BATS_TEST_TMPDIR/curl.err") || STATUS=000
	IFS= read -r -d '' BODY <"$BATS_TEST_TMPDIR/body" || true
	printf '%s %s %.120s\n' "$STATUS" "$method" "$path" >>"$BATS_TEST_TMPDIR/statuses"
	printf '%s\n' "$BODY" >>"$BATS_TEST_TMPDIR/replies"
}

# cookie_token: the Authentication cookie the last reply set (without a
# fork: this runs for every test).
cookie_token() {
	local line
	while IFS= read -r line; do
		line=${line%$'\r'}
		case ${line,,} in
		set-cookie:\ authentication=*)
			line=${line#*=}
			printf '%s' "${line%%;*}"
			;;
		esac
	done <"$HEADERS"
}

# json_type: the last reply is served as JSON.
json_type() {
	local line
	while IFS= read -r line; do
		case ${line,,} in
		content-type:\ application/json*) return 0 ;;
		esac
	done <"$HEADERS"
	return 1
}

# send "METHOD PATH" FILE [CURL-ARGS...]: FILE as a JSON body, with the
# owner's cookie (the /posts routes need it; the others ignore it).
send() {
	local route=$1 file=$2
	shift 2
	hit ${route% *} "${route#* }" -b "Authentication=$TOKEN" -H "$JSON" \
	    --data-binary "@$file" "$@"
}

# send_text "METHOD PATH" TEXT [CURL-ARGS...]: send TEXT as the body;
# @NUL@ in it becomes a NUL byte.
send_text() {
	local route=$1 f=$BATS_TEST_TMPDIR/req.json
	case $2 in
	*@NUL@*) printf '%s' "$2" | sed 's/@NUL@/\x00/g' >"$f" ;;
	*) printf '%s' "$2" >"$f" ;;
	esac
	shift 2
	send "$route" "$f" "$@"
}

# quick: in a subshell that runs a loop of requests, drop bats's DEBUG
# trap, which otherwise runs before every command (a millisecond each on a
# loaded machine).  Mismatches go to a file (note), so the subshell can
# keep them; report fails the test with all of them.
quick() {
	trap - DEBUG
}

# note TEXT: a mismatch, reported by report at the end of the test.
note() {
	printf '%s\n' "$*" >>"$BATS_TEST_TMPDIR/fails"
}

report() {
	if [ -s "$BATS_TEST_TMPDIR/fails" ]; then
		fail "$(cat "$BATS_TEST_TMPDIR/fails")"
	fi
}

# expect WHAT STATUS BODY: the last reply was exactly this.
expect() {
	if [ "$STATUS" != "$2" ] || [ "$BODY" != "$3" ]; then
		note "$1: got $STATUS ${BODY:0:300} -- want $2 $3"
	fi
	return 0
}

# expect_list WHAT 'MESSAGE|MESSAGE...': the 400 validation list of exactly these.
expect_list() {
	expect "$1" 400 "{\"statusCode\":400,\"message\":[\"${2//|/\",\"}\"],\"error\":\"Bad Request\"}"
}

# json_message: MSG is the message of the last reply (a list joined by
# "|") if it is a JSON error of its own status, in the shapes NestJS uses
# and served as JSON; else fails.  (A regex: jq per reply is too slow.)
json_message() {
	local re='^\{"statusCode":([0-9]+),"message":("(([^"\\]|\\.)*)"|\[(.*)\])(,"error":"[^"]*")?\}$'
	json_type || return 1
	[[ $BODY =~ $re ]] && [ "${BASH_REMATCH[1]}" = "$STATUS" ] || return 1
	if [[ ${BASH_REMATCH[2]} == \"* ]]; then
		MSG=${BASH_REMATCH[3]}
	else
		MSG=${BASH_REMATCH[5]#\"}
		MSG=${MSG%\"}
		MSG=${MSG//\",\"/|}
	fi
}

# expect_error WHAT STATUS REGEX: a JSON error of STATUS whose message
# matches REGEX (extended, any letter case).
expect_error() {
	if [ "$STATUS" != "$2" ]; then
		note "$1: got $STATUS ${BODY:0:300} -- want $2 /$3/"
	elif ! json_message; then
		note "$1: the $STATUS reply is not a JSON error: ${BODY:0:300}"
	else
		shopt -s nocasematch
		[[ $MSG =~ $3 ]] || note "$1: message '${MSG:0:300}' does not match /$3/"
		shopt -u nocasematch
	fi
	return 0
}

# expect_4xx WHAT: some 4xx JSON error, for what the web server may answer
# itself (its error pages are JSON too: scripts/error-pages).  Under plain
# CGI behind the .htaccess, Apache refuses some requests (headers or a path
# past its limits, an encoded NUL or slash) before it reads the .htaccess,
# so no ErrorDocument of ours applies: there only the status is checked.
expect_4xx() {
	case $STATUS in
	4??) json_message || [ "$SERVER" = cgi ] ||
	    note "$1: the $STATUS reply is not a JSON error: ${BODY:0:300}" ;;
	*) note "$1: got $STATUS ${BODY:0:300} -- want a 4xx JSON error" ;;
	esac
	return 0
}

# still_up: the service still works after the abuse: a new user can
# register and log in, the session works, and the owner's post is as it was.
still_up() {
	local email="up$BATS_TEST_NUMBER-$RANDOM@example.com"
	hit POST /authentication/register -H "$JSON" \
	    --data-binary "{\"email\":\"$email\",\"name\":\"Up\",\"password\":\"password123\"}"
	assert_equal "$STATUS" 201
	hit POST /authentication/log-in -H "$JSON" \
	    --data-binary "{\"email\":\"$email\",\"password\":\"password123\"}"
	assert_equal "$STATUS" 200
	hit GET /authentication -b "Authentication=$(cookie_token)"
	assert_equal "$STATUS" 200
	[[ $BODY == *"\"email\":\"$email\""* ]]
	hit GET "/posts/$POST"
	assert_equal "$STATUS ${BODY%%,\"author\"*}" "200 {\"id\":$POST,\"title\":\"Original\",\"content\":\"Untouched\""
}

# -- 1. methods --------------------------------------------------------------

@test "badinput-1.1: every wrong method on every route is a 405 with the route's Allow" {
	(
		quick
		local path m allow
		declare -A ALLOW=(
			[/authentication/register]="POST"
			[/authentication/log-in]="POST"
			[/authentication/log-out]="POST"
			[/authentication]="GET, HEAD, DELETE"
			[/authentication/refresh]="GET, HEAD, POST"
			[/authentication/sessions]="GET, HEAD"
			[/authentication/sessions/0123456789abcdef0123456789abcdef]="DELETE"
			[/authentication/log-out-all]="POST"
			[/authentication/password]="PATCH"
			[/posts]="GET, HEAD, POST"
			[/posts/$POST]="GET, HEAD, PATCH, DELETE"
		)
		for path in "${!ALLOW[@]}"; do
			allow=${ALLOW[$path]}
			for m in GET HEAD POST PUT PATCH DELETE OPTIONS; do
				[[ ", $allow," == *", $m,"* ]] && continue
				if [ "$m" = HEAD ]; then
					# No body to a HEAD, but the status and Allow.
					hit HEAD "$path"
					[ "$STATUS" = 405 ] || note "HEAD $path: got $STATUS -- want 405"
				else
					# A body only where one belongs (lighttpd refuses a GET with one).
					case $m in
					POST | PUT | PATCH) hit "$m" "$path" -H "$JSON" --data-binary '{}' ;;
					*) hit "$m" "$path" ;;
					esac
					expect "$m $path" 405 "{\"statusCode\":405,\"message\":\"Method $m is not allowed here; use $allow\",\"error\":\"Method Not Allowed\"}"
				fi
				[ "$(header Allow)" = "$allow" ] ||
				    note "$m $path: Allow is '$(header Allow)', want '$allow'"
			done
		done
	)
	report
	still_up
}

@test "badinput-1.2: on an unknown path every method is the JSON 404 naming it" {
	(
		quick
		local m
		for m in GET POST PUT PATCH DELETE OPTIONS; do
			case $m in
			POST | PUT | PATCH) hit "$m" /nope -H "$JSON" --data-binary '{}' ;;
			*) hit "$m" /nope ;;
			esac
			expect "$m /nope" 404 "{\"statusCode\":404,\"message\":\"Cannot $m /nope\",\"error\":\"Not Found\"}"
		done
	)
	report
	still_up
}

@test "badinput-1.3: a method nobody knows is a JSON 501 on every route, known or not" {
	ALLOW_501=1	# for the teardown: here a 501 is the right answer
	(
		quick
		local path m
		for path in /authentication/register /authentication/log-in /authentication/log-out \
		    /authentication /posts "/posts/$POST" /nope; do
			# Method names are case-sensitive: "get" is not GET.
			for m in FOO get "$(head -c 300 /dev/zero | tr '\0' X)"; do
				hit "$m" "$path" -b "Authentication=$TOKEN"
				expect "${m:0:10} $path" 501 '{"statusCode":501,"message":"Not Implemented","error":"Not Implemented"}'
			done
		done
	)
	report
	still_up
}

# -- 2. bodies -----------------------------------------------------------------

@test "badinput-2.1: a missing or wrong Content-Type is a 415 on every route with a body" {
	(
		quick
		local route type
		for route in "${BODY_ROUTES[@]}" "POST /authentication/log-out"; do
			for type in '' text/plain 'multipart/form-data; boundary=x' application/jsonx \
			    'application/json; charset=utf-8; charset=latin1' \
			    "application/$(head -c 5000 /dev/zero | tr '\0' j)"; do
				hit ${route% *} "${route#* }" -H "Content-Type: $type" --data-binary '{}'
				expect "$route with type '${type:0:40}'" 415 "$NOT_JSON"
			done
			# curl -H 'Content-Type:' sends none at all.
			hit ${route% *} "${route#* }" -H 'Content-Type:' --data-binary '{}'
			expect "$route without a type" 415 "$NOT_JSON"
		done
	)
	report
	still_up
}

@test "badinput-2.2: an empty JSON body gets each route's own answer" {
	(
		quick
		local f
		f=$BATS_TEST_TMPDIR/empty
		: >"$f"
		send "POST /authentication/register" "$f"
		expect_list register 'email must be an email|name should not be empty|name must be a string|password must be longer than or equal to 8 characters|password should not be empty|password must be a string'
		send "POST /authentication/log-in" "$f"
		expect log-in 401 "$UNAUTHORIZED"
		send "POST /posts" "$f"
		expect_list "POST /posts" 'title should not be empty|title must be a string|content should not be empty|content must be a string'
		send "PATCH /posts/$POST" "$f"
		expect_list PATCH 'at least one of title, content must be given'
		hit POST /authentication/log-out -H "$JSON" --data-binary ''
		expect log-out 401 "$UNAUTHORIZED"
	)
	report
	still_up
}

@test "badinput-2.3: a 10 MB body is a JSON 413 on every route that reads one, a 4xx elsewhere" {
	(
		quick
		local route f=$BATS_TEST_TMPDIR/huge
		head -c 10000000 /dev/zero | tr '\0' '[' >"$f"
		for route in "${BODY_ROUTES[@]}"; do
			send "$route" "$f"
			expect "$route" 413 "$TOO_LARGE"
		done
		# Log-out reads (and refuses) the body before it looks at the cookie.
		hit POST /authentication/log-out -H "$JSON" --data-binary "@$f"
		expect log-out 413 "$TOO_LARGE"
		# Routes that take no body: whatever the server or program answers, a
		# 4xx (no cookie, so DELETE cannot delete).
		for route in "GET /authentication" "GET /posts" "GET /posts/$POST" \
		    "DELETE /posts/$POST" "POST /nope" "PUT /posts"; do
			hit ${route% *} "${route#* }" -H "$JSON" --data-binary "@$f"
			expect_4xx "$route"
		done
	)
	report
	still_up
}

@test "badinput-2.4: truncated JSON is 'Unexpected end of JSON input' everywhere" {
	(
		quick
		local route text
		for route in "${BODY_ROUTES[@]}"; do
			for text in '{' '{"title":"x' '{"title":"x","content":' '{"a":[1,2' ' '; do
				send_text "$route" "$text"
				expect "$route $text" 400 '{"statusCode":400,"message":"Unexpected end of JSON input","error":"Bad Request"}'
			done
		done
	)
	report
	still_up
}

@test "badinput-2.5: trailing garbage and other malformed JSON are a 400 that says where" {
	(
		quick
		local route text
		for route in "${BODY_ROUTES[@]}"; do
			for text in '{"title":"x"} x' '{}{}' '{"title":"x"}@NUL@{}' "{'title':'x'}" \
			    '{"title":"x",}' '{"a" "b"}' '{"title":NaN}' '{"title":0x10}' '{"title":01}' \
			    '{"title":"\u12"}' '{"title":"a"/*c*/}' $'\xef\xbb\xbf{}'; do
				send_text "$route" "$text"
				expect_error "$route $text" 400 \
				    '^(Invalid JSON at position [0-9]+: .+|Unexpected data after JSON at position [0-9]+)$'
			done
			# Well-formed, but not an object.
			for text in '"x"' 'null' '[{"title":"x"}]'; do
				send_text "$route" "$text"
				expect "$route $text" 400 '{"statusCode":400,"message":"Request body must be a JSON object","error":"Bad Request"}'
			done
		done
	)
	report
	still_up
}

@test "badinput-2.6: 10000 levels of nesting are refused as too deep, at once" {
	(
		quick
		local route f=$BATS_TEST_TMPDIR/deep
		for route in "${BODY_ROUTES[@]}"; do
			for shape in open balanced objects; do
				case $shape in
				open) head -c 10000 /dev/zero | tr '\0' '[' >"$f" ;;
				balanced) { printf '{"title":'; head -c 10000 /dev/zero | tr '\0' '[';
				    head -c 10000 /dev/zero | tr '\0' ']'; printf '}'; } >"$f" ;;
				objects) { for _ in $(seq 1 2000); do printf '{"a":'; done; printf '1';
				    for _ in $(seq 1 2000); do printf '}'; done; } >"$f" ;;
				esac
				send "$route" "$f"
				expect_error "$route $shape" 400 '^Invalid JSON at position [0-9]+: nesting too deep$'
			done
		done
	)
	report
	still_up
}

@test "badinput-2.7: a duplicate key is refused with a 400 that says duplicate, and nothing happens" {
	(
		quick
		local route text
		local users posts
		users=$(sql 'SELECT count(*) FROM users')
		posts=$(sql 'SELECT count(*) FROM posts')
		for text in \
		    '{"email":"a@b.c","email":"x@y.z","name":"Dup","password":"password123"}' \
		    '{"email":"dup1@example.com","name":"Dup","password":"password123","password":"password456"}' \
		    '{"email":"dup2@example.com","em\u0061il":"dup3@example.com","name":"Dup","password":"password123"}'; do
			send_text "POST /authentication/register" "$text"
			expect_error "register $text" 400 duplicate
		done
		for text in \
		    "{\"email\":\"nobody@example.com\",\"email\":\"$OWNER\",\"password\":\"password123\"}" \
		    "{\"email\":\"$OWNER\",\"password\":\"wrong-one\",\"password\":\"password123\"}"; do
			send_text "POST /authentication/log-in" "$text"
			expect_error "log-in $text" 400 duplicate
			grep -qi '^Set-Cookie:' "$HEADERS" && note "log-in $text: set a cookie"
		done
		for route in "POST /posts" "PATCH /posts/$POST"; do
			for text in '{"title":"a","title":"b","content":"c"}' \
			    '{"title":"a","content":"b","content":"c"}' '{"title":"a","titl\u0065":"b"}'; do
				send_text "$route" "$text"
				expect_error "$route $text" 400 duplicate
			done
		done
		[ "$(sql 'SELECT count(*) FROM users')" = "$users" ] || note "a user was stored"
		[ "$(sql 'SELECT count(*) FROM posts')" = "$posts" ] || note "a post was stored"
	)
	report
	still_up
}

# -- 3. field values -------------------------------------------------------------

# The string fields: "ROUTE|FIELD" (the PATCH path is filled in per test).
FIELDS=("POST /authentication/register|email" "POST /authentication/register|name"
    "POST /authentication/register|password" "POST /authentication/log-in|email"
    "POST /authentication/log-in|password" "POST /posts|title" "POST /posts|content"
    "PATCH|title" "PATCH|content")

# with_field ROUTE FIELD VALUE: FIELD_BODY is a body for ROUTE, valid but
# for FIELD, which is VALUE (raw JSON text).  A PATCH body has FIELD alone.
with_field() {
	local route=$1 field=$2 value=$3 k v out='' sep=''
	case $route in
	*register) set -- email '"field@example.com"' name '"Field"' password '"password123"' ;;
	*log-in) set -- email "\"$OWNER\"" password '"password123"' ;;
	"POST /posts") set -- title '"t"' content '"c"' ;;
	*) set -- "$field" x ;;
	esac
	while [ $# -gt 0 ]; do
		k=$1 v=$2
		shift 2
		[ "$k" = "$field" ] && v=$value
		out="$out$sep\"$k\":$v"
		sep=,
	done
	FIELD_BODY="{$out}"
}

# each_field VALUE CHECK: send VALUE in every string field, then run
# CHECK "ROUTE FIELD" ROUTE FIELD on the reply.
each_field() {
	local value=$1 check=$2 entry route field
	for entry in "${FIELDS[@]}"; do
		route=${entry%|*} field=${entry#*|}
		[ "$route" = PATCH ] && route="PATCH /posts/$POST"
		with_field "$route" "$field" "$value"
		send_text "$route" "$FIELD_BODY"
		"$check" "$route $field <${value:0:30}>" "$route" "$field"
	done
}

@test "badinput-3.1: numbers, arrays, objects and booleans in any string field are a 400 list" {
	(
		quick
		local value
		wrong_type() {
			case $2:$3 in
			*register:email) expect_list "$1" 'email must be an email' ;;
			*register:password) expect_list "$1" 'password must be longer than or equal to 8 characters|password must be a string' ;;
			*) expect_list "$1" "$3 must be a string" ;;
			esac
		}
		for value in 42 1e999999 '["x"]' '{"a":"b"}' false; do
			each_field "$value" wrong_type
		done
	)
	report
	still_up
}

@test "badinput-3.2: null in a string field is absence: each route's missing-field answer" {
	(
		quick
		is_null() {
			case $2:$3 in
			*register:email) expect_list "$1" 'email must be an email' ;;
			*register:password) expect_list "$1" 'password must be longer than or equal to 8 characters|password should not be empty|password must be a string' ;;
			*register:name | "POST /posts":*) expect_list "$1" "$3 should not be empty|$3 must be a string" ;;
			*log-in:*) expect "$1" 401 "$UNAUTHORIZED" ;;
			PATCH*) expect_list "$1" 'at least one of title, content must be given' ;;
			esac
		}
		each_field null is_null
	)
	report
	still_up
}

@test "badinput-3.3: NUL, as an escape or as a raw byte, is refused in every string field" {
	(
		quick
		has_nul() {
			expect_list "$1" "$3 must not contain NUL characters"
		}
		raw_nul() {
			expect_error "$1" 400 'JSON'
		}
		each_field '"pass\u0000word123"' has_nul
		each_field '"pass@NUL@word123"' raw_nul
	)
	report
	still_up
}

@test "badinput-3.4: bytes that are not UTF-8, and lone surrogate escapes, are refused in every field" {
	(
		quick
		invalid_json() {
			expect_error "$1" 400 '^Invalid JSON at position [0-9]+: invalid utf-8 string$'
		}
		unpaired() {
			expect_error "$1" 400 '^Invalid JSON at position [0-9]+: unpaired surrogate$'
		}
		not_utf8() {
			expect_list "$1" "$3 must be valid UTF-8"
		}
		each_field $'"pass\xffword123"' invalid_json
		each_field $'"pass\xe2\x82"' invalid_json
		each_field '"pass\ud800word123"' unpaired
		# Overlong NUL, an encoded surrogate (CESU-8), past U+10FFFF: json-c lets
		# them through; the field check does not.
		each_field $'"pass\xc0\x80word123"' not_utf8
		each_field $'"pass\xed\xa0\x80word123"' not_utf8
		each_field $'"pass\xf4\x90\x80\x80word123"' not_utf8
	)
	report
	still_up
}

@test "badinput-3.5: overlong fields are refused with their limits, and nothing is stored" {
	(
		quick
		local a10k users posts
		a10k=$(head -c 10000 /dev/zero | tr '\0' a)
		users=$(sql 'SELECT count(*) FROM users')
		posts=$(sql 'SELECT count(*) FROM posts')
		with_field register email "\"${a10k:0:9994}@b.com\""
		send_text "POST /authentication/register" "$FIELD_BODY"
		expect_list "register e-mail of 10000" 'email must be an email|email must be shorter than or equal to 254 characters'
		with_field register email "\"a@${a10k:0:9994}.com\""
		send_text "POST /authentication/register" "$FIELD_BODY"
		expect_list "register e-mail domain of 10000" 'email must be an email|email must be shorter than or equal to 254 characters'
		with_field log-in email "\"${a10k:0:9994}@b.com\""
		send_text "POST /authentication/log-in" "$FIELD_BODY"
		expect_list "log-in e-mail of 10000" 'email must be shorter than or equal to 254 characters'
		with_field register name "\"${a10k:0:101}\""
		send_text "POST /authentication/register" "$FIELD_BODY"
		expect_list "name of 101" 'name must be shorter than or equal to 100 characters'
		with_field register name "\"$a10k\""
		send_text "POST /authentication/register" "$FIELD_BODY"
		expect_list "name of 10000" 'name must be shorter than or equal to 100 characters'
		with_field register password "\"${a10k:0:73}\""
		send_text "POST /authentication/register" "$FIELD_BODY"
		expect_list "password of 73 bytes" 'password must be shorter than or equal to 72 bytes in UTF-8'
		with_field register password "\"$a10k\""
		send_text "POST /authentication/register" "$FIELD_BODY"
		expect_list "password of 10000" 'password must be shorter than or equal to 72 bytes in UTF-8'
		# Log-in: no such password can exist, so it is simply wrong.
		with_field log-in password "\"$a10k\""
		send_text "POST /authentication/log-in" "$FIELD_BODY"
		expect "log-in password of 10000" 400 '{"statusCode":400,"message":"Wrong credentials provided"}'
		for route in "POST /posts" "PATCH /posts/$POST"; do
			with_field "$route" title "\"${a10k:0:201}\""
			send_text "$route" "$FIELD_BODY"
			expect_list "$route title of 201" 'title must be shorter than or equal to 200 characters'
			with_field "$route" title "\"$a10k\""
			send_text "$route" "$FIELD_BODY"
			expect_list "$route title of 10000" 'title must be shorter than or equal to 200 characters|title must be shorter than or equal to 400 bytes in UTF-8'
			with_field "$route" content "\"${a10k}a\""
			send_text "$route" "$FIELD_BODY"
			expect_list "$route content of 10001" 'content must be shorter than or equal to 10000 characters'
			with_field "$route" content "\"$a10k$a10k$a10k\""
			send_text "$route" "$FIELD_BODY"
			expect_list "$route content of 30000" 'content must be shorter than or equal to 10000 characters|content must be shorter than or equal to 20000 bytes in UTF-8'
		done
		[ "$(sql 'SELECT count(*) FROM users')" = "$users" ] || note "a user was stored"
		[ "$(sql 'SELECT count(*) FROM posts')" = "$posts" ] || note "a post was stored"
	)
	report
	still_up
}

@test "badinput-3.6: a long unknown property name is refused in a whole, valid UTF-8 message" {
	(
		quick
		local route key msg
		# 300 three-byte characters: a message cut at a byte count splits one.
		key=$(printf '€%.0s' $(seq 1 300))
		for route in "${BODY_ROUTES[@]}"; do
			send_text "$route" "{\"$key\":1}"
			if [ "$STATUS" != 400 ]; then
				note "$route: got $STATUS ${BODY:0:200} -- want 400"
				continue
			fi
			printf '%s' "$BODY" | iconv -f UTF-8 -t UTF-8 >/dev/null 2>&1 ||
			    note "$route: the reply is not valid UTF-8"
			msg=$(printf '%s' "$BODY" | jq -r '.message[0]')
			[[ $msg == "property €"* && $msg == *" should not exist" ]] ||
			    note "$route: first message is '$(printf '%s' "$msg" | tail -c 60)', want 'property €€€... should not exist'"
		done
	)
	report
	still_up
}

@test "badinput-3.7: a NUL escape in a property name does not make it a known property" {
	(
		quick
		local users posts
		users=$(sql 'SELECT count(*) FROM users')
		posts=$(sql 'SELECT count(*) FROM posts')
		send_text "POST /authentication/log-in" "{\"email\":\"$OWNER\",\"password\\u0000x\":\"password123\"}"
		expect_error "log-in with \"password\\u0000x\"" 400 '.'
		grep -qi '^Set-Cookie:' "$HEADERS" && note "log-in with \"password\\u0000x\": logged in"
		send_text "POST /authentication/register" '{"email":"nulkey@example.com","name":"N","password\u0000":"password123"}'
		expect_error "register with \"password\\u0000\"" 400 '.'
		send_text "POST /posts" '{"title\u0000x":"t","content":"c"}'
		expect_error "POST /posts with \"title\\u0000x\"" 400 '.'
		send_text "PATCH /posts/$POST" '{"title\u0000":"Changed"}'
		expect_error "PATCH with \"title\\u0000\"" 400 '.'
		[ "$(sql 'SELECT count(*) FROM users')" = "$users" ] || note "a user was stored"
		[ "$(sql 'SELECT count(*) FROM posts')" = "$posts" ] || note "a post was stored"
	)
	report
	still_up
}

# -- 4. metacharacters ---------------------------------------------------------

@test "badinput-4.1: SQL, shell and format metacharacters in a user come back verbatim" {
	local name email password f id
	name="Robert'); DROP TABLE users;-- \$(id) \`id\` %s%n%x \"q\" \\ <b>&amp; | ; * ?"
	email="o'hara\$x\`id\`|{y}~*+=?^&#%!/@example.com"
	password="'; DROP TABLE users;--\$(id)"
	f=$BATS_TEST_TMPDIR/user.json
	jq -nc --arg e "$email" --arg n "$name" --arg p "$password" \
	    '{email:$e,name:$n,password:$p}' >"$f"
	send "POST /authentication/register" "$f"
	assert_equal "$STATUS" 201
	assert_equal "$(printf '%s' "$BODY" | jq -r .name)" "$name"
	assert_equal "$(printf '%s' "$BODY" | jq -r .email)" "$email"
	id=$(printf '%s' "$BODY" | jq .id)
	jq -nc --arg e "$email" --arg p "$password" '{email:$e,password:$p}' >"$f"
	hit POST /authentication/log-in -H "$JSON" --data-binary "@$f"
	assert_equal "$STATUS" 200
	hit GET /authentication -b "Authentication=$(cookie_token)"
	assert_equal "$STATUS" 200
	assert_equal "$(printf '%s' "$BODY" | jq -r .name)" "$name"
	assert_equal "$(printf '%s' "$BODY" | jq -r .email)" "$email"
	# Stored as sent, and the tables are all still there.
	assert_equal "$(sql "SELECT name FROM users WHERE id = $id")" "$name"
	assert_equal "$(sql_tables | grep -xE 'users|sessions|posts' | paste -sd ' ')" "posts sessions users"
	still_up
}

@test "badinput-4.2: SQL and shell metacharacters in a post are kept verbatim everywhere" {
	local title content f id
	title="\$(touch $BATS_TEST_TMPDIR/pwned) \`touch $BATS_TEST_TMPDIR/pwned\` '; DROP TABLE posts;--"
	content="x'); DELETE FROM posts; SELECT ('%s%n%x \${PATH} \\\" <script>alert(1)</script> & | ; \\n $(printf '\t')tab"
	f=$BATS_TEST_TMPDIR/post.json
	jq -nc --arg t "$title" --arg c "$content" '{title:$t,content:$c}' >"$f"
	send "POST /posts" "$f"
	assert_equal "$STATUS" 201
	id=$(printf '%s' "$BODY" | jq .id)
	assert_equal "$(printf '%s' "$BODY" | jq -r .title)" "$title"
	assert_equal "$(printf '%s' "$BODY" | jq -r .content)" "$content"
	hit GET "/posts/$id"
	assert_equal "$(printf '%s' "$BODY" | jq -r .title)" "$title"
	assert_equal "$(printf '%s' "$BODY" | jq -r .content)" "$content"
	hit GET "/posts?after=$((id - 1))&limit=1"
	assert_equal "$(printf '%s' "$BODY" | jq -r '.[0].title')" "$title"
	assert_equal "$(printf '%s' "$BODY" | jq -r '.[0].content')" "$content"
	# A PATCH with the shell's quoting turned inside out.
	title="\`id\`\$(id)\"'\"'--"
	jq -nc --arg t "$title" '{title:$t}' >"$f"
	send "PATCH /posts/$id" "$f"
	assert_equal "$STATUS" 200
	assert_equal "$(printf '%s' "$BODY" | jq -r .title)" "$title"
	assert_equal "$(printf '%s' "$BODY" | jq -r .content)" "$content"
	[ ! -e "$BATS_TEST_TMPDIR/pwned" ]
	assert_equal "$(sql "SELECT count(*) FROM posts WHERE id IN ($POST, $id)")" 2
	still_up
}

@test "badinput-4.3: SQL in log-in credentials matches nobody" {
	(
		quick
		local text
		for text in \
		    "{\"email\":\"' OR '1'='1\",\"password\":\"' OR '1'='1\"}" \
		    "{\"email\":\"$OWNER' --\",\"password\":\"x' OR 1=1 --\"}" \
		    "{\"email\":\"$OWNER\\\"; --\",\"password\":\"password123\"}" \
		    '{"email":"%","password":"password123"}' \
		    '{"email":"%@example.com","password":"password123"}' \
		    "{\"email\":\"${OWNER/bad/ba_}\",\"password\":\"password123\"}" \
		    '{"email":"*","password":"*"}'; do
			send_text "POST /authentication/log-in" "$text"
			expect "$text" 400 '{"statusCode":400,"message":"Wrong credentials provided"}'
		done
	)
	report
	still_up
}

@test "badinput-4.4: metacharacters in paths and query strings are a plain 400 or 404" {
	(
		quick
		local path
		for path in "/posts/1'%20OR%20'1'='1" "/posts/1;DROP%20TABLE%20posts" '/posts/$(id)' \
		    '/posts/%60id%60' "/posts/$POST%20OR%201=1"; do
			hit GET "$path" --path-as-is
			expect "GET $path" 400 "$BAD_ID"
		done
		hit GET "/posts?after=0%20OR%201=1"
		expect "after=0 OR 1=1" 400 '{"statusCode":400,"message":"after must be a whole number, 0 or more","error":"Bad Request"}'
		hit GET "/posts?limit=1;DROP%20TABLE%20posts"
		expect "limit=1;DROP..." 400 '{"statusCode":400,"message":"limit must be a whole number from 1 to 100","error":"Bad Request"}'
		hit GET "/nope';DROP%20TABLE%20users;--" --path-as-is
		expect "GET /nope';DROP..." 404 "{\"statusCode\":404,\"message\":\"Cannot GET /nope';DROP%20TABLE%20users;--\",\"error\":\"Not Found\"}"
	)
	report
	assert_equal "$(sql_tables | grep -cxE 'users|posts')" 2
	still_up
}

# -- 5. cookies and tokens ------------------------------------------------------

# cookie_routes VALUE: the Authentication cookie VALUE on every route that
# reads it, each with a body it would accept; expects the exact 401 each time.
cookie_routes() {
	local route what=$2
	for route in "GET /authentication" "POST /authentication/log-out" "POST /posts" \
	    "PATCH /posts/$POST" "DELETE /posts/$POST"; do
		case $route in
		GET* | DELETE*) hit ${route% *} "${route#* }" -H "Cookie: Authentication=$1" ;;
		*) hit ${route% *} "${route#* }" -H "Cookie: Authentication=$1" -H "$JSON" \
		    --data-binary '{"title":"Hijacked","content":"Hijacked"}' ;;
		esac
		expect "$route, token $what" 401 "$UNAUTHORIZED"
	done
}

@test "badinput-5.1: garbage tokens are a 401 on every route that needs a session" {
	(
		quick
		local h p sig
		h=$(printf '{"alg":"none","typ":"JWT"}' | b64url)
		p=$(token_part "$TOKEN" 2 | b64url)
		sig=${TOKEN##*.}
		cookie_routes '' 'empty'
		cookie_routes 'garbage' 'one part'
		cookie_routes 'a.b' 'two parts'
		cookie_routes 'a.b.c.d' 'four parts'
		cookie_routes "$TOKEN.x" 'a valid one with a fourth part'
		cookie_routes '!!!.@@@.###' 'not base64url'
		cookie_routes "${TOKEN%%.*}=.$p=.$sig=" 'padded base64'
		cookie_routes "$(printf 'not json' | b64url).$(printf 'not json' | b64url).$(printf 'sig' | b64url)" 'base64 of non-JSON'
		cookie_routes "$h.$p." 'alg none'
		cookie_routes "$h.$p.$sig" 'alg none with a real signature'
		cookie_routes "$(forge '{"alg":"HS512","typ":"JWT"}' "$(token_part "$TOKEN" 2)")" 'HS512 with the right key'
		cookie_routes "$(forge '{"alg":"HS256","typ":"JWT"}' '[]')" 'signed array payload'
		cookie_routes "$(forge '{"alg":"HS256","typ":"JWT"}' "$(token_part "$TOKEN" 2)" wrong-secret-0123456789abcdef0123456789ab)" 'wrong key'
		cookie_routes "${TOKEN%.*}.$(printf '%s' "$sig" | rev)" 'reversed signature'
		cookie_routes "$(head -c 5000 /dev/zero | tr '\0' A).$p.$sig" 'of 5000 bytes'
	)
	report
	assert_equal "$(sql "SELECT count(*) FROM sessions WHERE user_id = (SELECT id FROM users WHERE lower(email) = '$OWNER')")" 1
	still_up
}

@test "badinput-5.2: an overlong cookie is a 401 from the program, or a 4xx from the server" {
	(
		quick
		local route args
		for route in "GET /authentication" "POST /authentication/log-out" "POST /posts" \
		    "PATCH /posts/$POST" "DELETE /posts/$POST"; do
			case $route in
			GET* | DELETE*) args=() ;;
			*) args=(-H "$JSON" --data-binary '{"title":"Hijacked"}') ;;
			esac
			# Over the token's 1024 bytes, well under any server's header limit.
			hit ${route% *} "${route#* }" -H "Cookie: Authentication=$(head -c 2000 /dev/zero | tr '\0' a)" "${args[@]}"
			expect "$route, 2000-byte cookie" 401 "$UNAUTHORIZED"
			# 8 KB: past lighttpd's and Apache's header limits.
			hit ${route% *} "${route#* }" -H "Cookie: Authentication=$(head -c 8192 /dev/zero | tr '\0' a)" "${args[@]}"
			expect_4xx "$route, 8 KB cookie"
		done
	)
	report
	still_up
}

@test "badinput-5.3: of two Authentication cookies the first counts, as with cookie-parser" {
	(
		quick
		hit GET /authentication -H "Cookie: Authentication=$TOKEN; Authentication=garbage"
		expect "valid, then garbage" 200 "{\"id\":$(user_id "$OWNER"),\"email\":\"$OWNER\",\"name\":\"Owner\"}"
		hit GET /authentication -H "Cookie: Authentication=garbage; Authentication=$TOKEN"
		expect "garbage, then valid" 401 "$UNAUTHORIZED"
		hit GET /authentication -H "Cookie: Authentication=; Authentication=$TOKEN"
		expect "empty, then valid" 401 "$UNAUTHORIZED"
		hit DELETE "/posts/$POST" -H "Cookie: Authentication=garbage; Authentication=$TOKEN"
		expect "DELETE with garbage, then valid" 401 "$UNAUTHORIZED"
	)
	report
	still_up
}

@test "badinput-5.4: the session cookie is found among many, and only under its exact name" {
	(
		quick
		local many
		many=$(for i in $(seq 1 300); do printf 'c%d=v%d; ' "$i" "$i"; done)
		hit GET /authentication -H "Cookie: ${many}Authentication=$TOKEN"
		expect "after 300 other cookies" 200 "{\"id\":$(user_id "$OWNER"),\"email\":\"$OWNER\",\"name\":\"Owner\"}"
		hit GET /authentication -H "Cookie: XAuthentication=garbage; Authentication=$TOKEN; Authentication2=x"
		expect "beside look-alike names" 200 "{\"id\":$(user_id "$OWNER"),\"email\":\"$OWNER\",\"name\":\"Owner\"}"
		for c in "Authentication2=$TOKEN" "XAuthentication=$TOKEN" "authentication=$TOKEN" \
		    "AUTHENTICATION=$TOKEN" "Authentication" ";;;;" "=$TOKEN"; do
			hit GET /authentication -H "Cookie: $c"
			expect "cookie '${c:0:20}'" 401 "$UNAUTHORIZED"
		done
	)
	report
	still_up
}

# -- 6. paths and query strings --------------------------------------------------

# patch_body METHOD: PATCH_BODY is the curl arguments of a valid body for a
# PATCH, else none.
patch_body() {
	PATCH_BODY=()
	if [ "$1" = PATCH ]; then
		PATCH_BODY=(-H "$JSON" --data-binary '{"title":"Changed"}')
	fi
}

@test "badinput-6.1: post ids that are not positive whole numbers are a 400 on GET, PATCH and DELETE" {
	(
		quick
		local id m
		for id in abc -1 0 007 1.5 +1 %20 "$POST%00" "$POST%2F1" \
		    99999999999999999999999 9223372036854775808 "$(head -c 5000 /dev/zero | tr '\0' 9)"; do
			for m in GET PATCH DELETE; do
				patch_body "$m"
				hit "$m" "/posts/$id" --path-as-is -b "Authentication=$TOKEN" "${PATCH_BODY[@]}"
				# The server may refuse an encoded NUL or slash itself, and
				# under plain CGI a path past PATH_MAX (see expect_4xx).
				if [[ $id == *%00 || $id == *%2F1 ]] ||
				    { [ "$SERVER" = cgi ] && [ ${#id} -gt 4000 ]; }; then
					expect_4xx "$m /posts/${id:0:30}"
				else
					expect "$m /posts/${id:0:30}" 400 "$BAD_ID"
				fi
			done
		done
		# The largest id there can be is a number, just not a post.
		for m in GET PATCH DELETE; do
			patch_body "$m"
			hit "$m" /posts/9223372036854775807 -b "Authentication=$TOKEN" "${PATCH_BODY[@]}"
			expect "$m /posts/INT64_MAX" 404 '{"statusCode":404,"message":"Post with id 9223372036854775807 not found","error":"Not Found"}'
		done
	)
	report
	still_up
}

@test "badinput-6.2: overlong paths are a 404 with the path cut short, or a 4xx from the server" {
	(
		quick
		local long path
		long=$(head -c 5000 /dev/zero | tr '\0' a)
		# Under plain CGI, Apache itself refuses (403) a path past PATH_MAX,
		# or a segment past NAME_MAX where it looks for a file: there the
		# long part is 39 segments of 100 bytes, still far past the cut.
		if [ "$SERVER" = cgi ]; then
			long=$(for _ in $(seq 1 39); do printf '%s/' "${long:0:99}"; done)
		fi
		for path in "/nope$long" "/authentication/$long" "/posts/1/$long" "/$long/posts"; do
			hit GET "$path"
			expect "GET ${path:0:20}..." 404 "{\"statusCode\":404,\"message\":\"Cannot GET ${path:0:200}\",\"error\":\"Not Found\"}"
		done
		hit POST "/authentication/register/$long" -H "$JSON" --data-binary '{}'
		expect "POST /authentication/register/..." 404 "{\"statusCode\":404,\"message\":\"Cannot POST /authentication/register/${long:0:175}\",\"error\":\"Not Found\"}"
		long=$(head -c 5000 /dev/zero | tr '\0' a)
		long=$long$long$long$long
		for path in "/nope$long" "/posts/$long" "/authentication$long"; do
			hit GET "$path"
			expect_4xx "GET ${path:0:20}... of 20000"
		done
	)
	report
	still_up
}

@test "badinput-6.3: bad query strings on GET /posts are a 400 naming the parameter" {
	(
		quick
		local q limit_msg after_msg
		limit_msg='{"statusCode":400,"message":"limit must be a whole number from 1 to 100","error":"Bad Request"}'
		after_msg='{"statusCode":400,"message":"after must be a whole number, 0 or more","error":"Bad Request"}'
		for q in limit=-1 limit=0 limit=101 limit=1000000 limit=abc limit=1.5 limit=1e2 limit=0x10 \
		    limit=%zz limit=% limit=%2 limit= limit limit=+1 'limit=1+' limit=%2B1 \
		    "limit=$(head -c 5000 /dev/zero | tr '\0' 9)" 'limit=abc&after=abc'; do
			hit GET "/posts?$q" --path-as-is
			expect "?${q:0:30}" 400 "$limit_msg"
		done
		for q in after=abc after=-1 after=1.5 after=99999999999999999999999 after= after \
		    after=%zz 'after=%' after=1e3; do
			hit GET "/posts?$q" --path-as-is
			expect "?$q" 400 "$after_msg"
		done
		hit GET '/posts?offset=1'
		expect "?offset=1" 400 '{"statusCode":400,"message":"offset is not supported: follow the Link header (after=)","error":"Bad Request"}'
		# Noise that names no parameter of ours is ignored.
		for q in '%zz=1' '&&&' '=' "x=$(head -c 5000 /dev/zero | tr '\0' x)" 'limit%3D1=x'; do
			hit GET "/posts?$q" --path-as-is
			[ "$STATUS" = 200 ] || note "?${q:0:30}: got $STATUS ${BODY:0:200} -- want 200"
		done
	)
	report
	still_up
}

@test "badinput-6.4: a repeated limit never lets a page grow past either value" {
	(
		quick
		local i q
		for i in 1 2 3 4 5 6; do
			send_text "POST /posts" "{\"title\":\"p$i\",\"content\":\"c\"}"
		done
		# Which one counts is the server's choice (here: the first), but a
		# limit=500 must not slip past the 1..100 check, nor 5 be exceeded.
		for q in 'limit=5&limit=500' 'limit=500&limit=5' 'limit=5&limit=-1' 'limit=x&limit=5'; do
			hit GET "/posts?$q"
			case $STATUS in
			200) [ "$(printf '%s' "$BODY" | jq length)" -le 5 ] ||
			    note "?$q: a page of $(printf '%s' "$BODY" | jq length)" ;;
			400) expect_error "?$q" 400 '^limit must be a whole number from 1 to 100$' ;;
			*) note "?$q: got $STATUS ${BODY:0:200} -- want 200 or 400" ;;
			esac
		done
	)
	report
	still_up
}

# -- 7. headers ----------------------------------------------------------------

@test "badinput-7.1: a 70 KB header is a 4xx JSON error on every route" {
	(
		quick
		local route big
		big=$(head -c 70000 /dev/zero | tr '\0' h)
		for route in "${BODY_ROUTES[@]}" "POST /authentication/log-out" "GET /authentication" \
		    "GET /posts" "GET /posts/$POST" "DELETE /posts/$POST" "GET /nope"; do
			case $route in
			GET* | DELETE*) hit ${route% *} "${route#* }" -b "Authentication=$TOKEN" -H "X-Long: $big" ;;
			*) hit ${route% *} "${route#* }" -b "Authentication=$TOKEN" -H "X-Long: $big" \
			    -H "$JSON" --data-binary '{"title":"Changed"}' ;;
			esac
			expect_4xx "$route"
		done
	)
	report
	still_up
}

@test "badinput-7.2: many headers, and malformed Content-Length or Host, are a 4xx" {
	(
		quick
		local many=() i cl
		for i in $(seq 1 300); do many+=(-H "X-H$i: v"); done
		hit GET /authentication "${many[@]}"
		expect_4xx "300 headers"
		hit POST /authentication/register "${many[@]}" -H "$JSON" --data-binary '{}'
		expect_4xx "300 headers on register"
		for cl in abc -1 1e3 99999999999999999999999 '2, 2' ' '; do
			hit POST /authentication/register -H "$JSON" -H "Content-Length: $cl" --data-binary '{}'
			expect_4xx "Content-Length: '$cl'"
		done
		for h in 'a b' '[::1' "$(head -c 3000 /dev/zero | tr '\0' a)" 'x/y' 'x@y'; do
			hit GET /authentication -H "Host: $h"
			expect_4xx "Host: '${h:0:20}'"
		done
	)
	report
	still_up
}

@test "badinput-7.3: a cross-site write with an odd Origin or Referer is the exact 403" {
	(
		quick
		local o csrf
		csrf='{"statusCode":403,"message":"Cross-site request refused: origin not allowed","error":"Forbidden"}'
		for o in null "http://evil.example" "$(head -c 3000 /dev/zero | tr '\0' o)" \
		    "http://127.0.0.1.evil.example" "${URL}.evil.example" "${URL}@evil.example" '*'; do
			send_text "POST /posts" '{"title":"t","content":"c"}' -H "Origin: $o"
			expect "Origin '${o:0:30}'" 403 "$csrf"
			send_text "PATCH /posts/$POST" '{"title":"Changed"}' -H "Origin: $o"
			expect "PATCH, Origin '${o:0:30}'" 403 "$csrf"
		done
		for o in "http://evil.example/" "garbage" "${URL}.evil.example/x" "//${URL#http://}/"; do
			hit DELETE "/posts/$POST" -b "Authentication=$TOKEN" -H "Referer: $o"
			expect "DELETE, Referer '$o'" 403 "$csrf"
		done
	)
	report
	still_up
}

# helpers.bash: for every .bats file, a real lighttpd serving the real
# programs on a free port of 127.0.0.1 with a fresh SQLite database, and
# small curl wrappers that record status, headers and body.
load /usr/lib/bats/bats-support/load
load /usr/lib/bats/bats-assert/load

# Known to the tests so they can forge tokens; never used outside them.
TEST_SECRET=test-secret-0123456789abcdef0123456789abcdef0123456789abcdef
TEST_TTL=3600

: "${abs_top_srcdir:?run through make check}"
: "${abs_top_builddir:?run through make check}"
PROGRAM_DIR=$abs_top_builddir/cgi-bin
ADMIN=$abs_top_builddir/admin/fcgi-auth-admin

# The front end under test: lighttpd (FastCGI), apache (mod_fcgid) or cgi
# (Apache, the shared-hosting .htaccess, plain CGI).  run-bats sets it.
SERVER=${SERVER:-lighttpd}

# state_dir: this file's state directory.  It lives under /tmp, reachable by
# the user Apache serves as when the tests run as root;
# $BATS_FILE_TMPDIR/state points at it so tests can name paths in it.
state_dir() {
	local link=$BATS_FILE_TMPDIR/state dir
	if [ ! -L "$link" ]; then
		dir=$(mktemp -d "${TMPDIR:-/tmp}/fcgi-auth-test.XXXXXX")
		chmod 755 "$dir"
		ln -s "$dir" "$link"
	fi
	readlink "$link"
}

# server_start [NAME [VAR=value ...]]: start an instance (default name "main")
# of $SERVER in the background, wait until it answers, and export its URL as
# URL (and URL_<NAME>) and its programs' log as ERROR_LOG.  Extra VAR=value
# pairs go to its environment.  The database is
# $BATS_FILE_TMPDIR/state/fcgi-auth.sqlite unless DATABASE_PATH is given.
server_start() {
	local name=${1:-main} port attempt url pid state start log
	[ $# -gt 0 ] && shift
	state=$(state_dir)
	case $SERVER in
	lighttpd) start="$abs_top_srcdir/scripts/start-lighttpd" ;;
	apache) start="$abs_top_srcdir/scripts/start-apache fcgid" ;;
	cgi) start="$abs_top_srcdir/scripts/start-apache cgi" ;;
	*) echo "unknown SERVER $SERVER" >&2; return 1 ;;
	esac
	for attempt in 1 2 3 4 5 6 7 8 9 10; do
		port=$((20000 + RANDOM % 40000))
		# Something already listening there?  Pick another.
		if (exec 5<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
			continue
		fi
		# The throttle is off but where a test turns it on (throttle.bats):
		# the suites register and fail log-ins from one address by design.
		env PORT="$port" STATE_DIR="$state" \
		    JWT_SECRET="$TEST_SECRET" JWT_EXPIRATION_TIME="$TEST_TTL" \
		    BCRYPT_COST=4 PROGRAM_DIR="$PROGRAM_DIR" ADMIN="$ADMIN" \
		    THROTTLE_LOGIN_PER_PAIR=0 THROTTLE_LOGIN_PER_ACCOUNT=0 \
		    THROTTLE_LOGIN_PER_ADDRESS=0 THROTTLE_REGISTER_PER_ADDRESS=0 \
		    LIGHTTPD="$LIGHTTPD" "$@" $start \
		    >>"$BATS_FILE_TMPDIR/$name.out" 2>&1 3>&- &
		pid=$!
		url=http://127.0.0.1:$port
		# A loaded machine (make -j, three servers) can take a while.
		for _ in $(seq 1 300); do
			if ! kill -0 "$pid" 2>/dev/null; then
				break	# port taken after all, or a start-up error
			fi
			if curl -s -o /dev/null "$url/" 2>/dev/null; then
				echo "$pid" >"$BATS_FILE_TMPDIR/$name.pid"
				case $SERVER in
				lighttpd) log=$state/lighttpd-$port/fcgi-auth.log ;;
				apache) log=$state/apache-fcgid-$port/error.log ;;
				cgi) log=$state/apache-cgi-$port/error.log ;;
				esac
				export URL="$url"
				export "URL_$name=$url"
				export ERROR_LOG="$log"
				return 0
			fi
			sleep 0.1
		done
		echo "(attempt $attempt on port $port gave up)" >>"$BATS_FILE_TMPDIR/$name.out"
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	# fd 3 reaches the TAP stream even from setup_file.
	{ echo "could not start $SERVER:"; cat "$BATS_FILE_TMPDIR/$name.out"; } |
	    sed 's/^/# /' >&3
	return 1
}

# server_stop [NAME]: stop an instance started by server_start.
server_stop() {
	local f=$BATS_FILE_TMPDIR/${1:-main}.pid
	[ -f "$f" ] || return 0
	kill "$(cat "$f")" 2>/dev/null
	# The server stops its FastCGI children as it exits.
	for _ in $(seq 1 100); do
		kill -0 "$(cat "$f")" 2>/dev/null || break
		sleep 0.1
	done
	rm -f "$f"
}

setup_file() {
	server_start main
}

teardown_file() {
	local f
	# Every instance this file started, also those a failed test left.
	for f in "$BATS_FILE_TMPDIR"/*.pid; do
		[ -f "$f" ] && server_stop "$(basename "$f" .pid)"
	done
	if [ -L "$BATS_FILE_TMPDIR/state" ]; then
		rm -rf "$(readlink "$BATS_FILE_TMPDIR/state")"
	fi
}

# req METHOD PATH [CURL-ARGS...]: send one request to $URL; sets STATUS,
# BODY, and HEADERS (a file) for the assertions below.
req() {
	local method=$1 path=$2
	shift 2
	HEADERS=$BATS_TEST_TMPDIR/headers
	STATUS=$(curl -sS -X "$method" -o "$BATS_TEST_TMPDIR/body" \
	    -D "$HEADERS" -w '%{http_code}' "$@" "$URL$path")
	BODY=$(<"$BATS_TEST_TMPDIR/body")
	# Every body a test received, one per line, for checks over all of them.
	printf '%s\n' "$BODY" >>"$BATS_TEST_TMPDIR/replies"
}

# post_json PATH JSON [CURL-ARGS...]
post_json() {
	local path=$1 json=$2
	shift 2
	req POST "$path" -H 'Content-Type: application/json' --data-binary "$json" "$@"
}

# header NAME: the value of a response header of the last req (CR removed).
header() {
	local line name want=${1,,}
	while IFS= read -r line; do
		line=${line%$'\r'}
		name=${line%%:*}
		if [ "$name" != "$line" ] && [ "${name,,}" = "$want" ]; then
			line=${line#*:}
			printf '%s\n' "${line# }"
			return 0
		fi
	done <"$HEADERS"
}

# assert_reply STATUS BODY: both exactly as given.
assert_reply() {
	assert_equal "$STATUS" "$1"
	assert_equal "$BODY" "$2"
}

# register EMAIL [NAME [PASSWORD]]: create a user, asserting 201.
register() {
	post_json /authentication/register \
	    "{\"email\":\"$1\",\"name\":\"${2:-Test User}\",\"password\":\"${3:-password123}\"}"
	assert_equal "$STATUS" 201
}

# login EMAIL [PASSWORD]: log in, asserting 200; sets TOKEN from the cookie.
login() {
	post_json /authentication/log-in \
	    "{\"email\":\"$1\",\"password\":\"${2:-password123}\"}"
	assert_equal "$STATUS" 200
	TOKEN=$(header Set-Cookie | sed -n 's/^Authentication=\([^;]*\);.*/\1/p')
	[ -n "$TOKEN" ]
}

# b64url: base64url without padding, of stdin.
b64url() {
	basenc --base64url -w0 | tr -d '='
}

# b64url_decode: the inverse, of stdin.
b64url_decode() {
	local s
	s=$(cat)
	while [ $(( ${#s} % 4 )) -ne 0 ]; do s="$s="; done
	printf '%s' "$s" | basenc -d --base64url
}

# token_part TOKEN N: the decoded JSON of part N (1 header, 2 payload).
token_part() {
	printf '%s' "$1" | cut -d. -f"$2" | b64url_decode
}

# forge HEADER_JSON PAYLOAD_JSON [SECRET]: an HS256/384/512 token signed with
# SECRET (default: the server's), or unsigned if HEADER_JSON says "none".
forge() {
	local h p alg sig secret=${3:-$TEST_SECRET}
	h=$(printf '%s' "$1" | b64url)
	p=$(printf '%s' "$2" | b64url)
	alg=$(printf '%s' "$1" | sed -n 's/.*"alg":"\([^"]*\)".*/\1/p')
	case $alg in
	HS256) sig=$(printf '%s' "$h.$p" | openssl dgst -sha256 -hmac "$secret" -binary | b64url) ;;
	HS384) sig=$(printf '%s' "$h.$p" | openssl dgst -sha384 -hmac "$secret" -binary | b64url) ;;
	HS512) sig=$(printf '%s' "$h.$p" | openssl dgst -sha512 -hmac "$secret" -binary | b64url) ;;
	*) sig= ;;
	esac
	printf '%s.%s.%s' "$h" "$p" "$sig"
}

# sql QUERY: run a query on the instance's database.
sql() {
	sqlite3 "$BATS_FILE_TMPDIR/state/fcgi-auth.sqlite" "$@"
}

# headers_sans_date: the last reply's header lines, CR removed, without the
# Date line (the only one expected to differ between two identical replies).
headers_sans_date() {
	tr -d '\r' <"$HEADERS" | grep -iv '^date:'
}

# claim TOKEN NAME: a payload claim of TOKEN as compact JSON ("null" if absent).
claim() {
	token_part "$1" 2 | jq -c ".$2"
}

# refute_leaks SECRET...: no body received in this test (see req) contains
# a password field, a bcrypt hash, or any of the given strings.
refute_leaks() {
	local f=$BATS_TEST_TMPDIR/replies s
	[ -f "$f" ] || return 0
	if grep -qF -e '"password"' -e '$2b$' -e '$2a$' -e '$2y$' "$f"; then
		fail "a reply body contains a password field or a hash: $(grep -F -e '"password"' -e '$2' "$f")"
		return 1
	fi
	for s in "$@"; do
		if grep -qF -- "$s" "$f"; then
			fail "a reply body contains '$s'"
			return 1
		fi
	done
}

# user_id EMAIL: the id of the stored user with that e-mail (any case).
user_id() {
	sql "SELECT id FROM users WHERE email = '$1'"
}

# parallel_config DIR: a curl config (for one `curl --parallel -K`) for the
# spec lines "NAME<TAB>METHOD<TAB>PATH<TAB>JSON<TAB>TOKEN" on stdin (JSON and
# TOKEN may be empty; PATH is under $URL).  Request NAME leaves its body in
# DIR/NAME.body, its headers in DIR/NAME.headers and "NAME STATUS" on curl's
# output.  One awk for hundreds of requests: the shell takes milliseconds
# per command.
parallel_config() {
	awk -F '\t' -v dir="$1" -v url="$URL" '
	    function q(s) { gsub(/\\/, "\\\\", s); gsub(/"/, "\\\"", s); return "\"" s "\"" }
	    NR > 1 { print "next" }
	    {
		print "url = " q(url $3)
		print "request = " $2
		if ($4 != "") {
			print "header = \"Content-Type: application/json\""
			print "data-binary = " q($4)
		} else if ($2 != "GET")
			print "header = \"Content-Length: 0\""
		if ($5 != "")
			print "cookie = " q("Authentication=" $5)
		print "output = " q(dir "/" $1 ".body")
		print "dump-header = " q(dir "/" $1 ".headers")
		print "write-out = " q($1 " %{http_code}\\n")
	    }'
}

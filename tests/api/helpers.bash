# helpers.bash: for every .bats file, a real lighttpd serving the real
# programs on a free port of 127.0.0.1 with a fresh database, and small curl
# wrappers that record status, headers and body.
#
# The store, STORE: sqlite (default; a file in the state directory) or
# postgresql: each .bats file then gets a database of its own on the
# cluster TEST_DATABASE_URL names (postgresql://USER:PASSWORD@HOST:PORT/DB,
# a user who may create databases; scripts/start-postgresql prints one),
# created on first use and dropped in teardown_file.
# bats-support and bats-assert, file by file: their load.bash runs dirname
# once a file, fifteen processes that cost every test about 0.15 s.
for f in /usr/lib/bats/bats-support/src/*.bash /usr/lib/bats/bats-assert/src/*.bash; do
	source "$f"
done
unset f

# Known to the tests so they can forge tokens; never used outside them.
TEST_SECRET=test-secret-0123456789abcdef0123456789abcdef0123456789abcdef
TEST_TTL=3600

: "${abs_top_srcdir:?run through make check}"
: "${abs_top_builddir:?run through make check}"
PROGRAM_DIR=$abs_top_builddir/cgi-bin
ADMIN=$abs_top_builddir/admin/fcgi-auth-admin
# No installed settings file reaches the programs or the admin tool here.
export FCGI_AUTH_CONFIG=/dev/null

# The front end under test: lighttpd (FastCGI), apache (mod_fcgid), cgi
# (Apache, the shared-hosting .htaccess, plain CGI) or systemd (Apache's
# mod_proxy_fcgi, the processes as the systemd units run them).  run-bats
# sets it.
SERVER=${SERVER:-lighttpd}

STORE=${STORE:-sqlite}
case $STORE in
sqlite) ;;
postgresql)
	: "${TEST_DATABASE_URL:?STORE=postgresql needs TEST_DATABASE_URL (scripts/start-postgresql prints one)}" ;;
*) echo "STORE must be sqlite or postgresql, not '$STORE'" >&2; exit 1 ;;
esac
# PSQL: the psql binary itself: Debian's /usr/bin/psql is a Perl wrapper
# that costs some 80 ms a call, and the suites make hundreds.
if [ -z "${PSQL:-}" ]; then
	PSQL=$(ls -d /usr/lib/postgresql/*/bin/psql 2>/dev/null | sort -V | tail -n 1)
	PSQL=${PSQL:-psql}
fi

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

# pg_url DATABASE: TEST_DATABASE_URL naming DATABASE instead of its own.
pg_url() {
	local base=${TEST_DATABASE_URL%%\?*} query=
	[ "$base" = "$TEST_DATABASE_URL" ] || query=?${TEST_DATABASE_URL#*\?}
	case ${base#*://} in
	*/*) base=${base%/*} ;;
	esac
	printf '%s/%s%s\n' "$base" "$1" "$query"
}

# pg_admin SQL: run SQL on the cluster as TEST_DATABASE_URL's user.
pg_admin() {
	"$PSQL" -X -q -A -t -v ON_ERROR_STOP=1 -d "$TEST_DATABASE_URL" -c "$1"
}

# pg_create_database: a new, empty database with a name unique to this
# file (and process); prints its name.
pg_create_database() {
	local name
	name=fa_$(basename "$BATS_TEST_FILENAME" .bats | tr -c 'a-z0-9\n' _)_$$_${RANDOM}${RANDOM}
	pg_admin "CREATE DATABASE $name" >&2 || return 1
	# Dropped with the file's state (teardown_file), even if a test fails.
	printf '%s\n' "$name" >>"$BATS_FILE_TMPDIR/databases"
	printf '%s\n' "$name"
}

# database: this file's database, as the admin program's -d and the
# programs' DATABASE_PATH or DATABASE_URL take it: the SQLite file in
# the state directory, or (STORE=postgresql) the URL of a database
# created for this file on first use, empty (the server migrates it).
database() {
	local f=$BATS_FILE_TMPDIR/database name
	if [ "$STORE" = sqlite ]; then
		# The real path, not through $BATS_FILE_TMPDIR/state: Apache's
		# user must reach the database's directory (see state_dir).
		printf '%s/fcgi-auth.sqlite\n' "$(state_dir)"
		return 0
	fi
	if [ ! -s "$f" ]; then
		name=$(pg_create_database) || return 1
		pg_url "$name" >"$f"
	fi
	cat "$f"
}

# store_setting [DATABASE]: the programs' store setting for DATABASE
# (default: this file's), as one VAR=value word.
store_setting() {
	local db=${1:-$(database)}
	case $STORE in
	sqlite) printf 'DATABASE_PATH=%s\n' "$db" ;;
	postgresql) printf 'DATABASE_URL=%s\n' "$db" ;;
	esac
}

# server_start [NAME [VAR=value ...]]: start an instance (default name "main")
# of $SERVER in the background, wait until it answers, and export its URL as
# URL (and URL_<NAME>) and its programs' log as ERROR_LOG.  Extra VAR=value
# pairs go to its environment.  The database is this file's (see database),
# shared by every instance the file starts, unless DATABASE_PATH or
# DATABASE_URL is given.
server_start() {
	local name=${1:-main} port attempt url pid state start log store
	[ $# -gt 0 ] && shift
	state=$(state_dir)
	store=$(store_setting) || return 1
	case $SERVER in
	lighttpd) start="$abs_top_srcdir/scripts/start-lighttpd" ;;
	apache) start="$abs_top_srcdir/scripts/start-apache fcgid" ;;
	cgi) start="$abs_top_srcdir/scripts/start-apache cgi" ;;
	systemd) start="$abs_top_srcdir/scripts/start-apache systemd" ;;
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
		    THROTTLE_POSTS_PER_USER=0 THROTTLE_POSTS_PER_ADDRESS=0 \
		    THROTTLE_LOGIN_SUCCESS_PER_ACCOUNT=0 THROTTLE_LOGIN_SUCCESS_PER_ADDRESS=0 \
		    THROTTLE_MAIL_PER_EMAIL=0 THROTTLE_MAIL_PER_ADDRESS=0 \
		    THROTTLE_CONFIRM_PER_ADDRESS=0 \
		    LIGHTTPD="$LIGHTTPD" "$store" "$@" $start \
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
				# The programs' own log (the journal's stand-in).
				systemd) log=$state/apache-systemd-$port/fcgi-auth.log ;;
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
	pg_drop_databases
}

# pg_drop_databases: drop the databases pg_create_database made (for the
# file, or in a test); connections still open to them are ended.
pg_drop_databases() {
	local f=$BATS_FILE_TMPDIR/databases name
	[ -f "$f" ] || return 0
	while read -r name; do
		pg_admin "DROP DATABASE IF EXISTS $name WITH (FORCE)" ||
		    echo "# could not drop the database $name" >&3
	done <"$f"
	rm -f "$f" "$BATS_FILE_TMPDIR/database"
}

# req METHOD PATH [CURL-ARGS...]: send one request to $URL; sets STATUS,
# BODY, and HEADERS (a file) for the assertions below.
req() {
	local method=$1 path=$2
	shift 2
	HEADERS=$BATS_TEST_TMPDIR/headers
	# curl writes no file for a reply without a body: not the last one's.
	: >"$BATS_TEST_TMPDIR/body"
	STATUS=$(curl -sS -X "$method" -o "$BATS_TEST_TMPDIR/body" \
	    -D "$HEADERS" -w '%{http_code}' "$@" "$URL$path")
	BODY=$(<"$BATS_TEST_TMPDIR/body")
	# Every body a test received, one per line, for checks over all of them.
	printf '%s\n' "$BODY" >>"$BATS_TEST_TMPDIR/replies"
	# And every exchange, for tests/docs/openapi-replies.py (run-bats sets
	# FA_RECORD_FILE): a line "METHOD STATUS and the byte lengths of the
	# path, the headers and the body", then those three; builtins only,
	# since a suite makes thousands of requests.
	if [ -n "${FA_RECORD_FILE:-}" ] && [ "${STATUS:-000}" != 000 ]; then
		local LC_ALL=C headers
		headers=$(<"$HEADERS")
		printf '%s %s %s %s %s\n%s%s%s\n' "$method" "$STATUS" "${#path}" \
		    "${#headers}" "${#BODY}" "$path" "$headers" "$BODY" >>"$FA_RECORD_FILE"
	fi
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

# sql QUERY: run a query on the file's database and print the rows as the
# sqlite3 shell does: columns separated by "|", no header, NULL as nothing.
# Queries must suit both stores (see sql_tables for the catalogue).  Booleans
# differ (1 in SQLite, t in PostgreSQL): select CASE WHEN ... THEN 1 ELSE 0 END.
sql() {
	case $STORE in
	sqlite) sqlite3 "$BATS_FILE_TMPDIR/state/fcgi-auth.sqlite" "$@" ;;
	postgresql) "$PSQL" -X -A -t -q -v ON_ERROR_STOP=1 -d "$(database)" -c "$1" ;;
	esac
}

# sql_tables: the names of the tables in the file's database, one a line,
# sorted (the migrations' bookkeeping left out).
sql_tables() {
	case $STORE in
	sqlite) sql "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\' ORDER BY name" ;;
	postgresql) sql "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name" ;;
	esac
}

# sql_orphans: the rows whose user is gone ("" when there are none): SQLite's
# foreign_key_check (its foreign keys hold only where a connection enabled
# them), or the same question asked of PostgreSQL.
sql_orphans() {
	case $STORE in
	sqlite) sql 'PRAGMA foreign_key_check' ;;
	postgresql) sql "SELECT 'sessions|' || s.id FROM sessions s WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.id = s.user_id)
	    UNION ALL SELECT 'posts|' || p.id FROM posts p WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.id = p.author_id)" ;;
	esac
}

# postgresql_only WHY: skip this test under another store.
postgresql_only() {
	[ "$STORE" = postgresql ] || skip "PostgreSQL only: $1"
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

# digest EMAIL: how a throttle counter's key names an e-mail: the SHA-256
# of it, ASCII letters in lower case, in hex (common/throttle-key.h).
digest() {
	printf '%s' "$1" | LC_ALL=C tr A-Z a-z | sha256sum | cut -d' ' -f1
}

# user_id EMAIL: the id of the stored user with that e-mail (any case).
user_id() {
	sql "SELECT id FROM users WHERE lower(email) = lower('$1')"
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

# cgi PROGRAM VAR=value...: run PROGRAM as plain CGI with only the given
# environment (plus REMOTE_ADDR, and FCGI_AUTH_CONFIG=/dev/null unless
# given); stdin is the caller's.  Sets CGI_RC, CGI_STATUS (first line),
# CGI_HEADERS, CGI_BODY and CGI_ERR (stderr).  A program that hangs is
# ended after 60 s (CGI_RC 124): a failure, not a stuck run.
cgi() {
	local prog=$1 out=$BATS_TEST_TMPDIR/cgi.out
	shift
	CGI_RC=0
	timeout 60 env -i REMOTE_ADDR=127.0.0.1 FCGI_AUTH_CONFIG=/dev/null "$@" \
	    "$PROGRAM_DIR/$prog" >"$out" 2>"$BATS_TEST_TMPDIR/cgi.err" 3>&- ||
	    CGI_RC=$?
	CGI_STATUS=$(head -n 1 "$out" | tr -d '\r')
	CGI_HEADERS=$(sed '/^\r$/q' "$out" | tr -d '\r')
	CGI_BODY=$(sed '1,/^\r$/d' "$out")
	CGI_ERR=$(cat "$BATS_TEST_TMPDIR/cgi.err")
}

# cgi_header NAME: a header of the last cgi reply.
cgi_header() {
	printf '%s\n' "$CGI_HEADERS" | grep -i "^$1:" | head -n 1 | cut -d: -f2- | sed 's/^ //'
}

# --- session cookies (refresh.bats, sessions.bats, account.bats) ------------------

# set_cookie NAME: the whole value of the last reply's Set-Cookie header
# that sets NAME ("" if none).
set_cookie() {
	tr -d '\r' <"$HEADERS" | sed -n "s/^[Ss][Ee][Tt]-[Cc][Oo][Oo][Kk][Ii][Ee]: \($1=.*\)\$/\1/p"
}

# cookie_value NAME: the value the last reply set NAME to ("" if none).
cookie_value() {
	set_cookie "$1" | sed 's/;.*//; s/^[^=]*=//'
}

# cookies: how many Set-Cookie headers the last reply had.
cookies() {
	grep -ci '^Set-Cookie:' "$HEADERS" || true
}

# alive TOKEN RT: both tokens of a session still work, for the user whose
# GET /authentication body is $ME (the refresh rotates: RT_NOW is its
# successor).
alive() {
	req GET /authentication -b "Authentication=$1"
	assert_reply 200 "$ME"
	req GET /authentication/refresh -b "Refresh=$2"
	assert_reply 200 "$ME"
	RT_NOW=$(cookie_value Refresh)
}

# dead TOKEN RT: neither token of a session works any more.
dead() {
	req GET /authentication -b "Authentication=$1"
	assert_reply 401 '{"statusCode":401,"message":"Unauthorized"}'
	req GET /authentication/refresh -b "Refresh=$2"
	assert_reply 401 '{"statusCode":401,"message":"Unauthorized"}'
}

# session_count: how many session rows the user $USER_ID has.
session_count() {
	sql "SELECT count(*) FROM sessions WHERE user_id = $USER_ID"
}

# mail_sink_start: a real SMTP server (tests/api/smtp-sink, aiosmtpd) on a
# free port of 127.0.0.1 keeping what it receives in MAIL_DIR, and a
# MAIL_COMMAND that hands a message to it through msmtp's sendmail mode
# (no msmtprc: everything on the command line; the envelope sender from
# the message's From).  Both exported, so the servers started next get
# MAIL_COMMAND; teardown_file stops the sink (its .pid file).
mail_sink_start() {
	local pid
	MAIL_DIR=$BATS_FILE_TMPDIR/mail
	mkdir -p "$MAIL_DIR"
	"$abs_top_srcdir/tests/api/smtp-sink" "$MAIL_DIR" \
	    >>"$BATS_FILE_TMPDIR/smtp-sink.out" 2>&1 3>&- &
	pid=$!
	for _ in $(seq 1 100); do
		[ -s "$MAIL_DIR/port" ] && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if [ ! -s "$MAIL_DIR/port" ]; then
		{ echo "the SMTP sink did not start:"
		  cat "$BATS_FILE_TMPDIR/smtp-sink.out"; } | sed 's/^/# /' >&3
		return 1
	fi
	echo "$pid" >"$BATS_FILE_TMPDIR/smtp-sink.pid"
	MAIL_COMMAND="/usr/bin/msmtp -C /dev/null --host=127.0.0.1 --port=$(cat "$MAIL_DIR/port") --auth=off --tls=off --read-envelope-from -t -i"
	export MAIL_DIR MAIL_COMMAND
}

# mail_last ADDRESS: the newest message the sink has for ADDRESS, parsed
# by Python's email package (tests/api/mail-read says what it holds), as
# JSON in MAIL; fails when there is none.
mail_last() {
	MAIL=$("$abs_top_srcdir/tests/api/mail-read" "$MAIL_DIR" "$1") || {
		echo "no mail for $1" >&2
		return 1
	}
}

# mail_count ADDRESS: how many messages the sink has for ADDRESS.
mail_count() {
	"$abs_top_srcdir/tests/api/mail-read" -c "$MAIL_DIR" "$1"
}

# mail_field NAME: a field of MAIL (jq's -r).
mail_field() {
	printf '%s' "$MAIL" | jq -r ".$1"
}

# until_429 LIMIT LEAST COMMAND...: run COMMAND until it is answered 429,
# at most twice LIMIT + 1 times (a rate's window may turn in between,
# letting LIMIT more through); asserts the 429 came after LEAST passes at
# least, and leaves the count of passes in PASSED.
until_429() {
	local limit=$1 least=$2
	shift 2
	PASSED=0
	while [ "$PASSED" -le $((2 * limit)) ]; do
		"$@"
		[ "$STATUS" = 429 ] && break
		PASSED=$((PASSED + 1))
	done
	assert_equal "$STATUS" 429
	[ "$PASSED" -ge "$least" ]
}

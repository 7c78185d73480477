#!/usr/bin/env bats
# admin: fcgi-auth-admin (migrate, status, delete-user), the programs as
# plain CGI, their 503 for a missing or old database, and start-up refusals.

load helpers
bats_require_minimum_version 1.5.0

# No web server here: the programs and the admin tool are run directly.
setup_file() { :; }
teardown_file() { :; }

# VERSION: the schema version these programs need, as the admin program
# records it on a fresh file (migrations are numbered 1, 2, ...).
setup() {
	DB=$BATS_TEST_TMPDIR/auth.sqlite
	"$ADMIN" -d "$BATS_TEST_TMPDIR/reference.sqlite" migrate >/dev/null 2>&1
	VERSION=$(sqlite3 "$BATS_TEST_TMPDIR/reference.sqlite" 'PRAGMA user_version')
	[ "$VERSION" -ge 1 ]
}

# cgi PROGRAM VAR=value...: run PROGRAM as plain CGI with only the given
# environment (plus REMOTE_ADDR); stdin is the caller's.  Sets CGI_RC,
# CGI_STATUS (first line), CGI_HEADERS, CGI_BODY and CGI_ERR (stderr).
cgi() {
	local prog=$1 out=$BATS_TEST_TMPDIR/cgi.out
	shift
	CGI_RC=0
	env -i REMOTE_ADDR=127.0.0.1 "$@" "$PROGRAM_DIR/$prog" \
	    >"$out" 2>"$BATS_TEST_TMPDIR/cgi.err" 3>&- || CGI_RC=$?
	CGI_STATUS=$(head -n 1 "$out" | tr -d '\r')
	CGI_HEADERS=$(sed '/^\r$/q' "$out" | tr -d '\r')
	CGI_BODY=$(sed '1,/^\r$/d' "$out")
	CGI_ERR=$(cat "$BATS_TEST_TMPDIR/cgi.err")
}

# cgi_header NAME: a header of the last cgi reply.
cgi_header() {
	printf '%s\n' "$CGI_HEADERS" | grep -i "^$1:" | head -n 1 | cut -d: -f2- | sed 's/^ //'
}

# me_cgi DB [VAR=value...]: GET /authentication as CGI on database DB.
me_cgi() {
	local db=$1
	shift
	cgi me REQUEST_METHOD=GET REQUEST_URI=/authentication DATABASE_PATH="$db" \
	    JWT_SECRET="$TEST_SECRET" "$@" </dev/null
}

# register_cgi DB EMAIL: POST /authentication/register as CGI, body on stdin.
register_cgi() {
	local json="{\"email\":\"$2\",\"name\":\"Cgi\",\"password\":\"password123\"}"
	printf '%s' "$json" >"$BATS_TEST_TMPDIR/body.json"
	cgi register REQUEST_METHOD=POST REQUEST_URI=/authentication/register \
	    CONTENT_TYPE=application/json CONTENT_LENGTH=${#json} \
	    DATABASE_PATH="$1" JWT_SECRET="$TEST_SECRET" BCRYPT_COST=4 \
	    <"$BATS_TEST_TMPDIR/body.json"
}

# migrations N: "N migration(s)".
migrations() {
	[ "$1" -eq 1 ] && echo "1 migration" || echo "$1 migrations"
}

@test "admin-1.1: migrate creates a database, and a second migrate applies nothing" {
	run --separate-stderr "$ADMIN" -d "$DB" migrate
	assert_success
	assert_output "$DB: schema version $VERSION ($(migrations "$VERSION") applied)"
	assert_equal "$(printf '%s\n' "$stderr" | grep -c 'applied 001-users-and-sessions.sql')" 1
	assert_equal "$(sqlite3 "$DB" 'PRAGMA user_version')" "$VERSION"
	assert_equal "$(sqlite3 "$DB" "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ('users', 'sessions')")" 2
	run --separate-stderr "$ADMIN" -d "$DB" migrate
	assert_success
	assert_output "$DB: schema version $VERSION (0 migrations applied)"
	assert_equal "$stderr" ""
	assert_equal "$(sqlite3 "$DB" 'PRAGMA user_version')" "$VERSION"
}

@test "admin-1.2: the database is WAL and keeps its data across migrates" {
	"$ADMIN" -d "$DB" migrate >/dev/null 2>&1
	assert_equal "$(sqlite3 "$DB" 'PRAGMA journal_mode')" wal
	register_cgi "$DB" keep@example.com
	assert_equal "$CGI_STATUS" "Status: 201 Created"
	"$ADMIN" -d "$DB" migrate >/dev/null 2>&1
	assert_equal "$(sqlite3 "$DB" "SELECT email FROM users")" keep@example.com
}

@test "admin-2.1: status of an up-to-date database exits 0" {
	"$ADMIN" -d "$DB" migrate >/dev/null 2>&1
	run "$ADMIN" -d "$DB" status
	assert_success
	assert_output "$DB: schema version $VERSION of $VERSION: up to date"
}

@test "admin-2.2: status of a missing file exits 1 and does not create it" {
	run "$ADMIN" -d "$DB" status
	assert_failure 1
	assert_output "$DB: does not exist (run migrate)"
	[ ! -e "$DB" ]
}

@test "admin-2.3: status of a database that is behind exits 1" {
	sqlite3 "$DB" 'PRAGMA user_version=0; CREATE TABLE t(x)'
	run "$ADMIN" -d "$DB" status
	assert_failure 1
	assert_output "$DB: schema version 0 of $VERSION: behind (run migrate)"
}

@test "admin-3.1: delete-user of an unknown e-mail exits 1 and says so" {
	"$ADMIN" -d "$DB" migrate >/dev/null 2>&1
	run --separate-stderr "$ADMIN" -d "$DB" delete-user nobody@example.com
	assert_failure 1
	assert_output ""
	assert_equal "$stderr" "fcgi-auth-admin: no user with e-mail nobody@example.com"
}

@test "admin-3.2: delete-user removes the user in any letter case, and their sessions" {
	"$ADMIN" -d "$DB" migrate >/dev/null 2>&1
	register_cgi "$DB" del@example.com
	assert_equal "$CGI_STATUS" "Status: 201 Created"
	id=$(sqlite3 "$DB" "SELECT id FROM users WHERE email = 'del@example.com'")
	sqlite3 "$DB" "INSERT INTO sessions VALUES ('0123456789abcdef0123456789abcdef', $id, 0, 9999999999)"
	run "$ADMIN" -d "$DB" delete-user DEL@Example.com
	assert_success
	assert_output "deleted user DEL@Example.com, their sessions and posts"
	assert_equal "$(sqlite3 "$DB" 'SELECT count(*) FROM users')" 0
	assert_equal "$(sqlite3 "$DB" 'SELECT count(*) FROM sessions')" 0
}

@test "admin-3.3: no or unknown command prints the usage and exits 2" {
	run "$ADMIN" -d "$DB"
	assert_failure 2
	assert_line --index 0 --partial 'usage: fcgi-auth-admin'
	run "$ADMIN" -d "$DB" frobnicate
	assert_failure 2
	[ ! -e "$DB" ]
}

@test "admin-4.1: as plain CGI, me answers one request: 401 without a cookie" {
	"$ADMIN" -d "$DB" migrate >/dev/null 2>&1
	me_cgi "$DB"
	assert_equal "$CGI_RC" 0
	assert_equal "$CGI_STATUS" "Status: 401 Unauthorized"
	assert_equal "$CGI_BODY" '{"statusCode":401,"message":"Unauthorized"}'
	assert_equal "$(cgi_header Content-Type)" "application/json; charset=utf-8"
	assert_equal "$(cgi_header Content-Length)" "${#CGI_BODY}"
	assert_equal "$CGI_ERR" ""
}

@test "admin-4.2: as plain CGI, register, log-in and me work end to end" {
	"$ADMIN" -d "$DB" migrate >/dev/null 2>&1
	register_cgi "$DB" cgi@example.com
	assert_equal "$CGI_RC" 0
	assert_equal "$CGI_STATUS" "Status: 201 Created"
	id=$(sqlite3 "$DB" "SELECT id FROM users WHERE email = 'cgi@example.com'")
	assert_equal "$CGI_BODY" "{\"id\":$id,\"email\":\"cgi@example.com\",\"name\":\"Cgi\"}"
	json='{"email":"cgi@example.com","password":"password123"}'
	printf '%s' "$json" >"$BATS_TEST_TMPDIR/login.json"
	cgi login REQUEST_METHOD=POST REQUEST_URI=/authentication/log-in \
	    CONTENT_TYPE=application/json CONTENT_LENGTH=${#json} \
	    DATABASE_PATH="$DB" JWT_SECRET="$TEST_SECRET" JWT_EXPIRATION_TIME=60 \
	    <"$BATS_TEST_TMPDIR/login.json"
	assert_equal "$CGI_STATUS" "Status: 200 OK"
	cookie=$(cgi_header Set-Cookie)
	[[ $cookie =~ ^Authentication=([^;]+)\;\ HttpOnly\;\ Path=/\;\ Max-Age=60\;\ SameSite=Strict$ ]]
	token=${BASH_REMATCH[1]}
	me_cgi "$DB" HTTP_COOKIE="Authentication=$token"
	assert_equal "$CGI_STATUS" "Status: 200 OK"
	assert_equal "$CGI_BODY" "{\"id\":$id,\"email\":\"cgi@example.com\",\"name\":\"Cgi\"}"
}

@test "admin-5.1: a database whose schema is behind gets 503, one log line, until migrated" {
	sqlite3 "$DB" 'PRAGMA user_version=0; CREATE TABLE t(x)'
	me_cgi "$DB"
	assert_equal "$CGI_STATUS" "Status: 503 Service Unavailable"
	assert_equal "$CGI_BODY" '{"statusCode":503,"message":"Database is unavailable","error":"Service Unavailable"}'
	assert_equal "$(cgi_header Content-Type)" "application/json; charset=utf-8"
	assert_equal "$(cgi_header Retry-After)" 1
	assert_equal "$(printf '%s\n' "$CGI_ERR" | wc -l)" 1
	[[ $CGI_ERR =~ ^[^\ ]+\ me\[[0-9]+\]\  ]]
	[[ $CGI_ERR == *"database $DB has schema version 0, need $VERSION: run the admin program's migrate command" ]]
	register_cgi "$DB" early@example.com
	assert_equal "$CGI_STATUS" "Status: 503 Service Unavailable"
	assert_equal "$(sqlite3 "$DB" "SELECT count(*) FROM sqlite_master WHERE name = 'users'")" 0
	run "$ADMIN" -d "$DB" migrate
	assert_success
	me_cgi "$DB"
	assert_equal "$CGI_STATUS" "Status: 401 Unauthorized"
	assert_equal "$CGI_ERR" ""
	register_cgi "$DB" late@example.com
	assert_equal "$CGI_STATUS" "Status: 201 Created"
	# The migration kept what was there.
	assert_equal "$(sqlite3 "$DB" "SELECT count(*) FROM sqlite_master WHERE name = 't'")" 1
}

@test "admin-5.2: a missing database gets 503 and is not created" {
	me_cgi "$DB"
	assert_equal "$CGI_STATUS" "Status: 503 Service Unavailable"
	assert_equal "$CGI_BODY" '{"statusCode":503,"message":"Database is unavailable","error":"Service Unavailable"}'
	assert_equal "$(cgi_header Retry-After)" 1
	assert_equal "$(printf '%s\n' "$CGI_ERR" | wc -l)" 1
	[[ $CGI_ERR == *"$DB"* ]]
	register_cgi "$DB" nodb@example.com
	assert_equal "$CGI_STATUS" "Status: 503 Service Unavailable"
	[ ! -e "$DB" ]
	[ ! -e "$DB-wal" ]
	[ ! -e "$DB-journal" ]
}

@test "admin-6.1: no JWT_SECRET: the program refuses to start and says why" {
	"$ADMIN" -d "$DB" migrate >/dev/null 2>&1
	for secret in '' 'JWT_SECRET='; do
		cgi me REQUEST_METHOD=GET REQUEST_URI=/authentication DATABASE_PATH="$DB" $secret </dev/null
		[ "$CGI_RC" -ne 0 ]
		assert_equal "$(printf '%s\n' "$CGI_ERR" | wc -l)" 1
		[[ $CGI_ERR == *"refusing to start: JWT_SECRET"* ]]
		refute [ -s "$BATS_TEST_TMPDIR/cgi.out" ]
	done
}

@test "admin-6.2: a 31-byte secret is refused without being printed; 32 bytes are enough" {
	"$ADMIN" -d "$DB" migrate >/dev/null 2>&1
	s31=Zq8vN3xKpL2mW7rT5yB9cH4jF6dG1sA
	assert_equal "${#s31}" 31
	cgi me REQUEST_METHOD=GET REQUEST_URI=/authentication DATABASE_PATH="$DB" JWT_SECRET="$s31" </dev/null
	[ "$CGI_RC" -ne 0 ]
	[[ $CGI_ERR == *"JWT_SECRET is 31 bytes"* ]]
	[[ $CGI_ERR != *"$s31"* ]]
	[[ $CGI_ERR != *Zq8vN3* ]]
	refute [ -s "$BATS_TEST_TMPDIR/cgi.out" ]
	cgi me REQUEST_METHOD=GET REQUEST_URI=/authentication DATABASE_PATH="$DB" JWT_SECRET="${s31}E" </dev/null
	assert_equal "$CGI_RC" 0
	assert_equal "$CGI_STATUS" "Status: 401 Unauthorized"
}

@test "admin-6.3: an over-long secret is refused without being printed" {
	"$ADMIN" -d "$DB" migrate >/dev/null 2>&1
	long=$(printf 'Qx7%.0s' $(seq 200))
	cgi me REQUEST_METHOD=GET REQUEST_URI=/authentication DATABASE_PATH="$DB" JWT_SECRET="$long" </dev/null
	[ "$CGI_RC" -ne 0 ]
	[[ $CGI_ERR == *JWT_SECRET* ]]
	[[ $CGI_ERR != *Qx7Qx7* ]]
}

@test "admin-6.4: BCRYPT_COST=0 (which libxcrypt would turn into 5) is refused" {
	"$ADMIN" -d "$DB" migrate >/dev/null 2>&1
	for cost in 0 3 32 abc 010; do
		cgi me REQUEST_METHOD=GET REQUEST_URI=/authentication DATABASE_PATH="$DB" \
		    JWT_SECRET="$TEST_SECRET" BCRYPT_COST=$cost </dev/null
		[ "$CGI_RC" -ne 0 ]
		assert_equal "$(printf '%s\n' "$CGI_ERR" | wc -l)" 1
		[[ $CGI_ERR == *"refusing to start: BCRYPT_COST is "* ]]
		[[ $CGI_ERR != *"$TEST_SECRET"* ]]
	done
	cgi me REQUEST_METHOD=GET REQUEST_URI=/authentication DATABASE_PATH="$DB" \
	    JWT_SECRET="$TEST_SECRET" BCRYPT_COST=4 </dev/null
	assert_equal "$CGI_STATUS" "Status: 401 Unauthorized"
}

#!/usr/bin/env bats
# admin: fcgi-auth-admin (migrate, status, delete-user, copy, init-secret,
# user, sessions, throttle, audit, backup, its options and settings), the
# programs as plain CGI, their 503 for a missing, old or read-only
# database, and start-up refusals.  Under
# STORE=postgresql the same tests run on a database of their own (DB is its
# URL), created empty for each test.

load helpers
bats_require_minimum_version 1.5.0

# No web server here: the programs and the admin tool are run directly.
# (backup's write load starts one of its own.)
setup_file() { :; }
teardown_file() {
	if [ -L "$BATS_FILE_TMPDIR/state" ]; then
		rm -rf "$(readlink "$BATS_FILE_TMPDIR/state")"
	fi
	pg_drop_databases
}

# VERSION: the schema version these programs need, as the admin program
# records it on a fresh SQLite file (migrations are numbered 1, 2, ...; the
# PostgreSQL ones carry the same numbers).  DB: this test's database, not
# migrated: an SQLite file that does not exist yet, or the URL of an empty
# PostgreSQL database.  SHOWN: DB as the admin program and the logs show it
# (without a password).  DB_VAR: the programs' setting that names it.
setup() {
	"$ADMIN" -d "$BATS_TEST_TMPDIR/reference.sqlite" migrate >/dev/null 2>&1
	VERSION=$(sqlite3 "$BATS_TEST_TMPDIR/reference.sqlite" 'PRAGMA user_version')
	[ "$VERSION" -ge 1 ]
	if [ "$STORE" = postgresql ]; then
		DB=$(pg_url "$(pg_create_database)")
		DB_VAR=DATABASE_URL
	else
		DB=$BATS_TEST_TMPDIR/auth.sqlite
		DB_VAR=DATABASE_PATH
	fi
	SHOWN=$(shown "$DB")
	# No settings file but the tests' own: this machine may have a real
	# one where the programs and the admin tool look by default.
	export FCGI_AUTH_CONFIG=/dev/null
	# The audit names who ran the tool; under sudo, that too.
	unset SUDO_USER
}

teardown() {
	local d
	server_stop load
	[ -z "${LOAD_PID:-}" ] || kill "$LOAD_PID" 2>/dev/null || :
	pg_drop_databases
	for d in "${SHARED_DIRS[@]}"; do
		chmod -R u+w "$d" 2>/dev/null
		rm -rf "$d"
	done
}

# shown TARGET: TARGET with a URL's password as ***.
shown() {
	printf '%s\n' "$1" | sed 's|^\(postgres[a-z]*://[^:/@]*:\)[^@/]*@|\1***@|'
}

# missing_db: a database that does not exist (and is not created here).
missing_db() {
	if [ "$STORE" = postgresql ]; then
		pg_url "fa_missing_$$_$RANDOM"
	else
		printf '%s\n' "$BATS_TEST_TMPDIR/missing.sqlite"
	fi
}

# db_exists TARGET: whether the database TARGET names exists.
db_exists() {
	if [ "$STORE" = postgresql ]; then
		[ "$(pg_admin "SELECT count(*) FROM pg_database WHERE datname = '${1##*/}'")" = 1 ]
	else
		[ -e "$1" ]
	fi
}

# dbsql QUERY: run QUERY on DB (output as the sql helper's).
dbsql() {
	if [ "$STORE" = postgresql ]; then
		"$PSQL" -X -A -t -q -v ON_ERROR_STOP=1 -d "$DB" -c "$1"
	else
		sqlite3 "$DB" "$1"
	fi
}

# db_version: DB's schema version as recorded there (0 before any).
db_version() {
	if [ "$STORE" = postgresql ]; then
		dbsql "SELECT CASE WHEN to_regclass('schema_version') IS NULL THEN 0 ELSE (SELECT max(version) FROM schema_version) END"
	else
		dbsql 'PRAGMA user_version'
	fi
}

# db_tables NAME...: how many of the named tables DB has.
db_tables() {
	local in
	in=$(printf "'%s'," "$@")
	if [ "$STORE" = postgresql ]; then
		dbsql "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name IN (${in%,})"
	else
		dbsql "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN (${in%,})"
	fi
}

# behind: make DB a database at schema version 0 that holds a table t.
behind() {
	if [ "$STORE" = postgresql ]; then
		dbsql 'CREATE TABLE t(x integer)'
	else
		dbsql 'PRAGMA user_version=0; CREATE TABLE t(x)'
	fi
}

# me_cgi DB [VAR=value...]: GET /authentication as CGI on database DB.
me_cgi() {
	local db=$1
	shift
	cgi me REQUEST_METHOD=GET REQUEST_URI=/authentication "$DB_VAR=$db" \
	    JWT_SECRET="$TEST_SECRET" "$@" </dev/null
}

# register_cgi DB EMAIL: POST /authentication/register as CGI, body on stdin.
register_cgi() {
	local json="{\"email\":\"$2\",\"name\":\"Cgi\",\"password\":\"password123\"}"
	printf '%s' "$json" >"$BATS_TEST_TMPDIR/body.json"
	cgi register REQUEST_METHOD=POST REQUEST_URI=/authentication/register \
	    CONTENT_TYPE=application/json CONTENT_LENGTH=${#json} \
	    "$DB_VAR=$1" JWT_SECRET="$TEST_SECRET" BCRYPT_COST=4 \
	    <"$BATS_TEST_TMPDIR/body.json"
}

# migrations N: "N migration(s)".
migrations() {
	[ "$1" -eq 1 ] && echo "1 migration" || echo "$1 migrations"
}

@test "admin-1.1: migrate creates a database, and a second migrate applies nothing" {
	run --separate-stderr "$ADMIN" -d "$DB" migrate
	assert_success
	assert_output "$SHOWN: schema version $VERSION ($(migrations "$VERSION") applied)"
	assert_equal "$(printf '%s\n' "$stderr" | grep -c 'applied 001-users-and-sessions.sql')" 1
	assert_equal "$(db_version)" "$VERSION"
	assert_equal "$(db_tables users sessions posts throttle)" 4
	run --separate-stderr "$ADMIN" -d "$DB" migrate
	assert_success
	assert_output "$SHOWN: schema version $VERSION (0 migrations applied)"
	assert_equal "$stderr" ""
	assert_equal "$(db_version)" "$VERSION"
}

@test "admin-1.2: the database (SQLite: in WAL mode) keeps its data across migrates" {
	"$ADMIN" -d "$DB" migrate >/dev/null 2>&1
	if [ "$STORE" = sqlite ]; then
		assert_equal "$(dbsql 'PRAGMA journal_mode')" wal
	fi
	register_cgi "$DB" keep@example.com
	assert_equal "$CGI_STATUS" "Status: 201 Created"
	"$ADMIN" -d "$DB" migrate >/dev/null 2>&1
	assert_equal "$(dbsql "SELECT email FROM users")" keep@example.com
}

@test "admin-2.1: status of an up-to-date database exits 0" {
	"$ADMIN" -d "$DB" migrate >/dev/null 2>&1
	run "$ADMIN" -d "$DB" status
	assert_success
	assert_output "$SHOWN: schema version $VERSION of $VERSION: up to date"
}

@test "admin-2.2: status of a missing database exits 1 and does not create it" {
	db=$(missing_db)
	run --separate-stderr "$ADMIN" -d "$db" status
	assert_failure 1
	if [ "$STORE" = postgresql ]; then
		# Nothing to look for but a connection: libpq's reason, once.
		assert_output ""
		assert_equal "$(printf '%s\n' "$stderr" | wc -l)" 1
		[[ $stderr == *"database $(shown "$db"): "*"does not exist"* ]]
		[[ $stderr != *"$db"* ]] || fail "the password is in the error: $stderr"
	else
		assert_output "$db: does not exist (run migrate)"
	fi
	! db_exists "$db"
}

@test "admin-2.3: status of a database that is behind exits 1" {
	behind
	run "$ADMIN" -d "$DB" status
	assert_failure 1
	assert_output "$SHOWN: schema version 0 of $VERSION: behind (run migrate)"
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
	id=$(dbsql "SELECT id FROM users WHERE email = 'del@example.com'")
	dbsql "INSERT INTO sessions (id, user_id, created_at, expires_at) VALUES ('0123456789abcdef0123456789abcdef', $id, 0, 9999999999)"
	dbsql "INSERT INTO posts (author_id, title, content, created_at, updated_at) VALUES ($id, 'T', 'C', 0, 0)"
	run "$ADMIN" -d "$DB" delete-user DEL@Example.com
	assert_success
	assert_output "deleted user DEL@Example.com, their sessions and posts"
	assert_equal "$(dbsql 'SELECT count(*) FROM users')" 0
	assert_equal "$(dbsql 'SELECT count(*) FROM sessions')" 0
	assert_equal "$(dbsql 'SELECT count(*) FROM posts')" 0
}

@test "admin-3.3: no or unknown command prints the usage and exits 2" {
	run "$ADMIN" -d "$DB"
	assert_failure 2
	assert_line --index 0 --partial 'usage: fcgi-auth-admin'
	run "$ADMIN" -d "$DB" frobnicate
	assert_failure 2
	if [ "$STORE" = postgresql ]; then
		assert_equal "$(db_tables schema_version users)" 0
	else
		[ ! -e "$DB" ]
	fi
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
	id=$(dbsql "SELECT id FROM users WHERE email = 'cgi@example.com'")
	assert_equal "$CGI_BODY" "{\"id\":$id,\"email\":\"cgi@example.com\",\"name\":\"Cgi\"}"
	json='{"email":"cgi@example.com","password":"password123"}'
	printf '%s' "$json" >"$BATS_TEST_TMPDIR/login.json"
	cgi login REQUEST_METHOD=POST REQUEST_URI=/authentication/log-in \
	    CONTENT_TYPE=application/json CONTENT_LENGTH=${#json} \
	    "$DB_VAR=$DB" JWT_SECRET="$TEST_SECRET" JWT_EXPIRATION_TIME=60 \
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
	behind
	me_cgi "$DB"
	assert_equal "$CGI_STATUS" "Status: 503 Service Unavailable"
	assert_equal "$CGI_BODY" '{"statusCode":503,"message":"Database is unavailable","error":"Service Unavailable"}'
	assert_equal "$(cgi_header Content-Type)" "application/json; charset=utf-8"
	assert_equal "$(cgi_header Retry-After)" 1
	assert_equal "$(printf '%s\n' "$CGI_ERR" | wc -l)" 1
	[[ $CGI_ERR =~ ^[^\ ]+\ me\[[0-9]+\]\  ]]
	[[ $CGI_ERR == *"database $SHOWN has schema version 0, need $VERSION: run the admin program's migrate command" ]]
	register_cgi "$DB" early@example.com
	assert_equal "$CGI_STATUS" "Status: 503 Service Unavailable"
	assert_equal "$(db_tables users)" 0
	run "$ADMIN" -d "$DB" migrate
	assert_success
	me_cgi "$DB"
	assert_equal "$CGI_STATUS" "Status: 401 Unauthorized"
	assert_equal "$CGI_ERR" ""
	register_cgi "$DB" late@example.com
	assert_equal "$CGI_STATUS" "Status: 201 Created"
	# The migration kept what was there.
	assert_equal "$(db_tables t)" 1
}

@test "admin-5.2: a missing database gets 503 and is not created" {
	db=$(missing_db)
	me_cgi "$db"
	assert_equal "$CGI_STATUS" "Status: 503 Service Unavailable"
	assert_equal "$CGI_BODY" '{"statusCode":503,"message":"Database is unavailable","error":"Service Unavailable"}'
	assert_equal "$(cgi_header Retry-After)" 1
	assert_equal "$(printf '%s\n' "$CGI_ERR" | wc -l)" 1
	[[ $CGI_ERR == *"$(shown "$db")"* ]]
	[[ $CGI_ERR != *"$db"* ]] || [ "$STORE" = sqlite ] ||
	    fail "the password is in the log: $CGI_ERR"
	register_cgi "$db" nodb@example.com
	assert_equal "$CGI_STATUS" "Status: 503 Service Unavailable"
	! db_exists "$db"
	[ ! -e "$db-wal" ]
	[ ! -e "$db-journal" ]
}

@test "admin-6.1: no JWT_SECRET: the program refuses to start and says why" {
	# Nor a key in the default key file (issue 19), which the usage names.
	key=$("$ADMIN" --help | sed -n 's/^JWT_SECRET_FILE, else \(.*\);$/\1/p')
	[ -n "$key" ]
	[ ! -e "$key" ] || skip "this machine has the default key file $key"
	"$ADMIN" -d "$DB" migrate >/dev/null 2>&1
	for secret in '' 'JWT_SECRET='; do
		cgi me REQUEST_METHOD=GET REQUEST_URI=/authentication "$DB_VAR=$DB" $secret </dev/null
		[ "$CGI_RC" -ne 0 ]
		assert_equal "$(printf '%s\n' "$CGI_ERR" | wc -l)" 1
		[[ $CGI_ERR == *"refusing to start: JWT_SECRET"* ]]
		[[ $CGI_ERR == *"the default key file $key cannot be read: No such file or directory (create it with: fcgi-auth-admin init-secret)" ]] ||
		    fail "unexpected log: $CGI_ERR"
		refute [ -s "$BATS_TEST_TMPDIR/cgi.out" ]
	done
}

@test "admin-6.2: a 31-byte secret is refused without being printed; 32 bytes are enough" {
	"$ADMIN" -d "$DB" migrate >/dev/null 2>&1
	s31=Zq8vN3xKpL2mW7rT5yB9cH4jF6dG1sA
	assert_equal "${#s31}" 31
	cgi me REQUEST_METHOD=GET REQUEST_URI=/authentication "$DB_VAR=$DB" JWT_SECRET="$s31" </dev/null
	[ "$CGI_RC" -ne 0 ]
	[[ $CGI_ERR == *"JWT_SECRET is 31 bytes"* ]]
	[[ $CGI_ERR != *"$s31"* ]]
	[[ $CGI_ERR != *Zq8vN3* ]]
	refute [ -s "$BATS_TEST_TMPDIR/cgi.out" ]
	cgi me REQUEST_METHOD=GET REQUEST_URI=/authentication "$DB_VAR=$DB" JWT_SECRET="${s31}E" </dev/null
	assert_equal "$CGI_RC" 0
	assert_equal "$CGI_STATUS" "Status: 401 Unauthorized"
}

@test "admin-6.3: an over-long secret is refused without being printed" {
	"$ADMIN" -d "$DB" migrate >/dev/null 2>&1
	long=$(printf 'Qx7%.0s' $(seq 200))
	cgi me REQUEST_METHOD=GET REQUEST_URI=/authentication "$DB_VAR=$DB" JWT_SECRET="$long" </dev/null
	[ "$CGI_RC" -ne 0 ]
	[[ $CGI_ERR == *JWT_SECRET* ]]
	[[ $CGI_ERR != *Qx7Qx7* ]]
}

@test "admin-6.4: BCRYPT_COST=0 (which libxcrypt would turn into 5) is refused" {
	"$ADMIN" -d "$DB" migrate >/dev/null 2>&1
	for cost in 0 3 32 abc 010; do
		cgi me REQUEST_METHOD=GET REQUEST_URI=/authentication "$DB_VAR=$DB" \
		    JWT_SECRET="$TEST_SECRET" BCRYPT_COST=$cost </dev/null
		[ "$CGI_RC" -ne 0 ]
		assert_equal "$(printf '%s\n' "$CGI_ERR" | wc -l)" 1
		[[ $CGI_ERR == *"refusing to start: BCRYPT_COST is "* ]]
		[[ $CGI_ERR != *"$TEST_SECRET"* ]]
	done
	cgi me REQUEST_METHOD=GET REQUEST_URI=/authentication "$DB_VAR=$DB" \
	    JWT_SECRET="$TEST_SECRET" BCRYPT_COST=4 </dev/null
	assert_equal "$CGI_STATUS" "Status: 401 Unauthorized"
}

# copy_source: an SQLite database (printed) with two users, a post each, a
# live session (its current refresh token's digest in its row) and an
# expired one, each with a retired refresh token, and a throttle counter.
copy_source() {
	local src=$BATS_TEST_TMPDIR/source.sqlite now
	now=$(date +%s)
	"$ADMIN" -d "$src" migrate >/dev/null 2>&1
	DB_VAR=DATABASE_PATH register_cgi "$src" copy-a@example.com
	DB_VAR=DATABASE_PATH register_cgi "$src" Copy-B@Example.com
	sqlite3 "$src" "DELETE FROM users WHERE email = 'copy-a@example.com';
	    INSERT INTO users (email, name, password, created_at)
	        SELECT 'copy-c@example.com', 'C', password, created_at FROM users;
	    INSERT INTO posts (author_id, title, content, created_at, updated_at)
	        SELECT id, 'by ' || name, 'content', 1, 2 FROM users;
	    INSERT INTO sessions (id, user_id, created_at, expires_at, refresh_digest) VALUES ('00000000000000000000000000000001', (SELECT min(id) FROM users), $now, $((now + 600)), '$(printf 'c%.0s' $(seq 64))');
	    INSERT INTO sessions (id, user_id, created_at, expires_at) VALUES ('00000000000000000000000000000002', (SELECT min(id) FROM users), 0, 1);
	    INSERT INTO retired_refresh_tokens (session_id, digest, retired_at) VALUES ('00000000000000000000000000000001', '$(printf 'a%.0s' $(seq 64))', $now), ('00000000000000000000000000000002', '$(printf 'b%.0s' $(seq 64))', 0);
	    INSERT INTO throttle (key, count, level, last_at, blocked_until) VALUES ('login-pair 10.0.0.1 x@example.com', 3, 1, $now, 0)"
	printf '%s\n' "$src"
}

@test "admin-7.1: copy moves SQLite's users, posts, live sessions and counters into PostgreSQL, ids kept" {
	postgresql_only "copy writes into a PostgreSQL database"
	src=$(copy_source)
	"$ADMIN" -d "$DB" migrate >/dev/null 2>&1
	run --separate-stderr "$ADMIN" copy "$src" "$DB"
	assert_success
	# Counters: the one written here and register's own for 127.0.0.1.
	assert_equal "$(sqlite3 "$src" 'SELECT count(*) FROM throttle')" 2
	audit=$(sqlite3 "$src" 'SELECT count(*) FROM audit')
	assert_output "copied $src into $SHOWN: 2 users, 2 posts, 1 live sessions, 1 retired refresh tokens, 2 throttle counters, $audit audit events"
	assert_equal "$(dbsql 'SELECT count(*) FROM audit')" "$audit"
	for q in "SELECT id || '|' || email || '|' || name || '|' || password || '|' || created_at FROM users ORDER BY id" \
	    "SELECT id || '|' || author_id || '|' || title || '|' || content || '|' || created_at || '|' || updated_at FROM posts ORDER BY id" \
	    "SELECT id || '|' || user_id || '|' || created_at || '|' || expires_at || '|' || refresh_digest FROM sessions WHERE expires_at > 1 ORDER BY id" \
	    "SELECT session_id || '|' || digest || '|' || retired_at FROM retired_refresh_tokens WHERE session_id = '00000000000000000000000000000001'" \
	    "SELECT key || '|' || count || '|' || level || '|' || last_at || '|' || blocked_until FROM throttle ORDER BY key"; do
		assert_equal "$(dbsql "$q")" "$(sqlite3 "$src" "$q")"
	done
	assert_equal "$(dbsql 'SELECT count(*) FROM sessions')" 1
	# The live session's retired refresh token came along, the dead one's did not.
	assert_equal "$(dbsql 'SELECT count(*) FROM retired_refresh_tokens')" 1
	assert_equal "$(dbsql 'SELECT refresh_digest FROM sessions')" "$(printf 'c%.0s' $(seq 64))"
	# The copied hash logs in; a new user gets an id past every one SQLite
	# gave (3, of the deleted copy-a, included); case-variants stay refused.
	json='{"email":"copy-b@example.com","password":"password123"}'
	printf '%s' "$json" >"$BATS_TEST_TMPDIR/login.json"
	cgi login REQUEST_METHOD=POST REQUEST_URI=/authentication/log-in \
	    CONTENT_TYPE=application/json CONTENT_LENGTH=${#json} \
	    "$DB_VAR=$DB" JWT_SECRET="$TEST_SECRET" <"$BATS_TEST_TMPDIR/login.json"
	assert_equal "$CGI_STATUS" "Status: 200 OK"
	register_cgi "$DB" copy-d@example.com
	assert_equal "$CGI_STATUS" "Status: 201 Created"
	assert_equal "$(dbsql "SELECT id FROM users WHERE email = 'copy-d@example.com'")" 4
	register_cgi "$DB" COPY-C@example.com
	assert_equal "$CGI_STATUS" "Status: 400 Bad Request"
}

@test "admin-7.3: copy keeps two-factor authentication: the sealed secret, the last step, the sessions' factor, the recovery codes (issue 15)" {
	postgresql_only "copy writes into a PostgreSQL database"
	src=$(copy_source)
	sqlite3 "$src" "UPDATE users SET totp_secret = 'g1:00ff', totp_enabled_at = 1700000000, totp_last_step = 56666666 WHERE email = 'copy-b@example.com';
	    UPDATE sessions SET first_factor_only = 1;
	    INSERT INTO recovery_codes (user_id, digest) SELECT id, '$(printf 'd%.0s' $(seq 64))' FROM users WHERE email = 'copy-b@example.com'"
	"$ADMIN" -d "$DB" migrate >/dev/null 2>&1
	run --separate-stderr "$ADMIN" copy "$src" "$DB"
	assert_success
	for q in "SELECT id || '|' || coalesce(totp_secret, '-') || '|' || coalesce(totp_enabled_at, 0) || '|' || totp_last_step FROM users ORDER BY id" \
	    "SELECT id || '|' || first_factor_only FROM sessions WHERE expires_at > 1 ORDER BY id" \
	    "SELECT user_id || '|' || digest FROM recovery_codes ORDER BY user_id, digest"; do
		assert_equal "$(dbsql "$q")" "$(sqlite3 "$src" "$q")"
	done
	assert_equal "$(dbsql 'SELECT count(*) FROM recovery_codes')" 1
}

@test "admin-7.2: copy refuses a PostgreSQL database that is not empty, and changes nothing" {
	postgresql_only "copy writes into a PostgreSQL database"
	src=$(copy_source)
	"$ADMIN" -d "$DB" migrate >/dev/null 2>&1
	register_cgi "$DB" there@example.com
	assert_equal "$CGI_STATUS" "Status: 201 Created"
	run --separate-stderr "$ADMIN" copy "$src" "$DB"
	assert_failure 1
	assert_output ""
	[ -n "$stderr" ]
	assert_equal "$(dbsql "SELECT email FROM users")" there@example.com
	assert_equal "$(dbsql 'SELECT count(*) FROM posts')" 0
}

# --- issue 19: deploying as the README says works on a stock Debian server

# sqlite_only WHY: skip this test under PostgreSQL.
sqlite_only() {
	[ "$STORE" = sqlite ] || skip "SQLite only: $1"
}

# root_only WHY: skip unless the tests run as root (as CI does).
root_only() {
	[ "$(id -u)" -eq 0 ] || skip "as root only: $1"
}

# shared_dir: a new directory, in SHARED_DIR, that other users can reach,
# unlike $BATS_TEST_TMPDIR; removed in teardown.  (Not for $(...): the
# list of directories to remove would stay in the subshell.)
shared_dir() {
	SHARED_DIR=$(mktemp -d "${TMPDIR:-/tmp}/fcgi-auth-admin.XXXXXX")
	chmod 755 "$SHARED_DIR"
	SHARED_DIRS+=("$SHARED_DIR")
}

# as_nobody: skip unless commands can run as nobody (as root, with runuser)
# and nobody can run the programs where they were built.
as_nobody() {
	root_only "$1"
	command -v runuser >/dev/null || skip "runuser is not installed"
	runuser -u nobody -- test -x "$PROGRAM_DIR/register" ||
	    skip "nobody cannot run $PROGRAM_DIR/register"
}

# mode FILE: its permission bits in octal; owner FILE: user:group.
mode() { stat -c %a "$1"; }
owner() { stat -c %U:%G "$1"; }

# swap_shim: build (once per file) a preload library that plays the race
# admin_create() once lost: right after the process first creates a file
# (open or openat with O_CREAT), it moves $SWAP_DIR to $SWAP_DIR.aside and
# puts a directory owned by $SWAP_OWNER (uid:gid) in its place, as a user
# who may write the parent could while the file is being set up.  Sets SHIM.
swap_shim() {
	SHIM=$BATS_FILE_TMPDIR/swap-shim.so
	[ -f "$SHIM" ] && return 0
	cat >"$BATS_FILE_TMPDIR/swap-shim.c" <<-'C'
	#define _GNU_SOURCE
	#include <dlfcn.h>
	#include <fcntl.h>
	#include <stdarg.h>
	#include <stdio.h>
	#include <stdlib.h>
	#include <sys/stat.h>
	#include <unistd.h>

	static void
	swap(void)
	{
		static int	 swapped;
		const char	*dir = getenv("SWAP_DIR");
		const char	*owner = getenv("SWAP_OWNER");
		unsigned	 uid, gid;
		char		 aside[4096];

		if (swapped || dir == NULL || owner == NULL ||
		    sscanf(owner, "%u:%u", &uid, &gid) != 2)
			return;
		swapped = 1;
		snprintf(aside, sizeof(aside), "%s.aside", dir);
		if (rename(dir, aside) == -1 || mkdir(dir, 0755) == -1 ||
		    chown(dir, uid, gid) == -1)
			abort();
	}

	/* A created file's descriptor: the moment to swap. */
	static int
	after(int fd, int flags)
	{
		if (fd != -1 && (flags & O_CREAT))
			swap();
		return fd;
	}

	/* open's and openat's mode argument, there only with O_CREAT. */
	#define MODE_ARG(flags, mode) do {				\
		va_list	 ap;						\
		if ((flags) & O_CREAT) {				\
			va_start(ap, flags);				\
			(mode) = va_arg(ap, mode_t);			\
			va_end(ap);					\
		}							\
	} while (0)

	int
	open(const char *path, int flags, ...)
	{
		int	(*real)(const char *, int, ...) =
			    (int (*)(const char *, int, ...))dlsym(RTLD_NEXT, "open");
		mode_t	 mode = 0;

		MODE_ARG(flags, mode);
		return after(real(path, flags, mode), flags);
	}

	int
	openat(int dirfd, const char *path, int flags, ...)
	{
		int	(*real)(int, const char *, int, ...) =
			    (int (*)(int, const char *, int, ...))dlsym(RTLD_NEXT, "openat");
		mode_t	 mode = 0;

		MODE_ARG(flags, mode);
		return after(real(dirfd, path, flags, mode), flags);
	}
	C
	cc -shared -fPIC -o "$SHIM" "$BATS_FILE_TMPDIR/swap-shim.c" -ldl ||
	    fail "cannot build the preload library"
}

# swapped_admin ARGS...: run the admin tool under swap_shim for SHARED_DIR,
# whose impostor is owned by daemon (the attacker here); a sanitizer build
# must let the library come first.
swapped_admin() {
	swap_shim
	SHARED_DIRS+=("$SHARED_DIR.aside")
	run env LD_PRELOAD="$SHIM" SWAP_DIR="$SHARED_DIR" \
	    SWAP_OWNER="$(id -u daemon):$(id -g daemon)" \
	    ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
	    "$ADMIN" "$@"
}

# hold_open DB: keep a connection to DB open (an sqlite3 shell that has
# read it) until release, so that its -wal and -shm stay in place.
hold_open() {
	mkfifo "$BATS_TEST_TMPDIR/hold.in"
	sqlite3 "$1" <"$BATS_TEST_TMPDIR/hold.in" >"$BATS_TEST_TMPDIR/hold.out" 3>&- &
	HOLD_PID=$!
	exec 4>"$BATS_TEST_TMPDIR/hold.in"
	echo "SELECT 'held', count(*) FROM users;" >&4
	for _ in $(seq 1 100); do
		grep -q held "$BATS_TEST_TMPDIR/hold.out" 2>/dev/null && return 0
		sleep 0.05
	done
	fail "sqlite3 did not open $1"
}

release() {
	exec 4>&-
	wait "$HOLD_PID"
}

@test "admin-8.1: -h and --help print the usage on stdout and exit 0" {
	for opt in -h --help; do
		run --separate-stderr "$ADMIN" "$opt"
		assert_success
		assert_equal "$stderr" ""
		assert_line --index 0 --partial 'usage: fcgi-auth-admin'
		assert_output --partial 'fcgi-auth-admin init-secret [file]'
		assert_output --partial '$FCGI_AUTH_CONFIG, else fcgi-auth.conf beside this'
		assert_output --partial '/fcgi-auth/fcgi-auth.conf.'
		assert_output --partial '/jwt-secret;'
	done
}

@test "admin-8.2: -V and --version print the package's version on stdout and exit 0" {
	version=$(sed -n 's/^PACKAGE_VERSION = //p' "$abs_top_builddir/Makefile")
	[ -n "$version" ]
	for opt in -V --version; do
		run --separate-stderr "$ADMIN" "$opt"
		assert_success
		assert_output "fcgi-auth-admin (fcgi-auth) $version"
		assert_equal "$stderr" ""
	done
}

@test "admin-8.3: a wrong option or command prints the usage on stderr only, and exits 2" {
	for args in -x --frobnicate 'init-secret a b' 'migrate now' 'status x' 'delete-user'; do
		run --separate-stderr "$ADMIN" $args
		assert_failure 2
		assert_output ""
		[[ $stderr == *'usage: fcgi-auth-admin'* ]] || fail "$args: $stderr"
	done
}

@test "admin-9.1: init-secret creates a key of 64 hex digits, mode 0600 whatever the umask, that the programs take" {
	key=$BATS_TEST_TMPDIR/jwt-secret
	umask 022
	run --separate-stderr "$ADMIN" init-secret "$key"
	assert_success
	assert_output "created the signing key $key"
	assert_equal "$stderr" ""
	assert_equal "$(mode "$key")" 600
	assert_equal "$(wc -c <"$key")" 65
	grep -Eqx '[0-9a-f]{64}' "$key" || fail "not 64 hex digits: $(cat "$key")"
	[ "$(tail -c 1 "$key" | od -An -c | tr -d ' ')" = '\n' ]
	# Random: a second key differs.
	"$ADMIN" init-secret "$BATS_TEST_TMPDIR/other" >/dev/null
	[ "$(cat "$key")" != "$(cat "$BATS_TEST_TMPDIR/other")" ]
	"$ADMIN" -d "$DB" migrate >/dev/null 2>&1
	cgi me REQUEST_METHOD=GET REQUEST_URI=/authentication "$DB_VAR=$DB" \
	    JWT_SECRET_FILE="$key" </dev/null
	assert_equal "$CGI_STATUS" "Status: 401 Unauthorized"
	assert_equal "$CGI_ERR" ""
}

@test "admin-9.2: init-secret leaves an existing key as it is, and says so" {
	key=$BATS_TEST_TMPDIR/jwt-secret
	"$ADMIN" init-secret "$key" >/dev/null
	before=$(cat "$key")
	chmod 640 "$key"
	run --separate-stderr "$ADMIN" init-secret "$key"
	assert_success
	assert_output "$key exists: left as it is"
	assert_equal "$(cat "$key")" "$before"
	assert_equal "$(mode "$key")" 640
}

# key_refused MODE TOOL PROGRAMS: an existing key of MODE is left as it is
# and refused, by init-secret saying "exists but TOOL" and by the programs
# saying PROGRAMS (both after the key's path).
key_refused() {
	key=$BATS_TEST_TMPDIR/jwt-secret
	printf 'some key of the operator, at least 32 bytes\n' >"$key"
	chmod "$1" "$key"
	run --separate-stderr "$ADMIN" init-secret "$key"
	assert_failure 1
	assert_output ""
	assert_equal "$stderr" "fcgi-auth-admin: $key exists but $2"
	assert_equal "$(cat "$key")" 'some key of the operator, at least 32 bytes'
	assert_equal "$(mode "$key")" "$1"
	# The programs refuse it too, and say why.
	cgi me REQUEST_METHOD=GET REQUEST_URI=/authentication "$DB_VAR=$DB" \
	    JWT_SECRET_FILE="$key" </dev/null
	[ "$CGI_RC" -ne 0 ]
	[[ $CGI_ERR == *"refusing to start: JWT_SECRET_FILE $key $3" ]] || fail "$CGI_ERR"
}

@test "admin-9.3: init-secret refuses an existing key that other users can read or write" {
	for m in 644 602; do
		key_refused "$m" "other users can read or write it, so the programs refuse it: chmod o-rwx it" \
		    "can be read or written by other users: chmod o-rwx it"
	done
}

@test "admin-9.4: init-secret creates JWT_SECRET_FILE, from the environment or the settings file" {
	key=$BATS_TEST_TMPDIR/env-secret
	run env JWT_SECRET_FILE="$key" "$ADMIN" init-secret
	assert_success
	assert_output "created the signing key $key"
	key=$BATS_TEST_TMPDIR/file-secret
	printf 'JWT_SECRET_FILE=%s\n' "$key" >"$BATS_TEST_TMPDIR/fcgi-auth.conf"
	run env FCGI_AUTH_CONFIG="$BATS_TEST_TMPDIR/fcgi-auth.conf" "$ADMIN" init-secret
	assert_success
	assert_output "created the signing key $key"
	assert_equal "$(mode "$key")" 600
	# With JWT_SECRET set the programs read no file: nothing to create.
	run --separate-stderr env JWT_SECRET="$TEST_SECRET" "$ADMIN" init-secret
	assert_failure 1
	[[ $stderr == *"JWT_SECRET is set, so the programs read no key file"* ]]
}

@test "admin-9.5: init-secret where the file cannot be made fails, leaving nothing" {
	run --separate-stderr "$ADMIN" init-secret "$BATS_TEST_TMPDIR/missing/jwt-secret"
	assert_failure 1
	assert_equal "$stderr" "fcgi-auth-admin: cannot create $BATS_TEST_TMPDIR/missing/jwt-secret: No such file or directory"
	[ ! -e "$BATS_TEST_TMPDIR/missing" ]
}

@test "admin-9.6: init-secret as root in a directory of the programs' user gives them the key" {
	as_nobody "the key goes to the directory's owner"
	shared_dir
	dir=$SHARED_DIR
	chown nobody:nogroup "$dir"
	run "$ADMIN" init-secret "$dir/jwt-secret"
	assert_success
	assert_equal "$(owner "$dir/jwt-secret")" nobody:nogroup
	assert_equal "$(mode "$dir/jwt-secret")" 600
	runuser -u nobody -- cat "$dir/jwt-secret" >/dev/null
	# In root's own directory it stays root's.
	shared_dir
	dir=$SHARED_DIR
	"$ADMIN" init-secret "$dir/jwt-secret" >/dev/null
	assert_equal "$(owner "$dir/jwt-secret")" root:root
}

@test "admin-9.7: init-secret refuses an existing key its group can write, or that is no regular file, as the programs do" {
	for m in 660 620; do
		key_refused "$m" "its group can write it, so the programs refuse it: chmod g-w it" \
		    "can be written by its group: chmod g-w it"
	done
	# A FIFO: said at once, never waited on (timeout: a hang fails).
	rm -f "$key"
	mkfifo -m 600 "$key"
	run --separate-stderr timeout 20 "$ADMIN" init-secret "$key"
	assert_failure 1
	assert_equal "$stderr" "fcgi-auth-admin: $key exists but is not a regular file, so the programs refuse it"
	cgi me REQUEST_METHOD=GET REQUEST_URI=/authentication "$DB_VAR=$DB" \
	    JWT_SECRET_FILE="$key" </dev/null
	[ "$CGI_RC" -ne 0 ]
	[[ $CGI_ERR == *"refusing to start: JWT_SECRET_FILE $key is not a regular file" ]] ||
	    fail "$CGI_ERR"
}

@test "admin-9.8: init-secret as root gives the key to the owner of the directory it made it in, even if that is swapped meanwhile" {
	as_nobody "the key goes to the directory's owner"
	shared_dir
	chown nobody:nogroup "$SHARED_DIR"
	swapped_admin init-secret "$SHARED_DIR/jwt-secret"
	assert_success
	[ -d "$SHARED_DIR.aside" ] || fail "the shim did not run: nothing was swapped"
	assert_equal "$(owner "$SHARED_DIR.aside/jwt-secret")" nobody:nogroup
	assert_equal "$(mode "$SHARED_DIR.aside/jwt-secret")" 600
	[ ! -e "$SHARED_DIR/jwt-secret" ]
}

@test "admin-10.1: migrate makes a new SQLite file 0600 whatever the umask, and SQLite its -wal and -shm" {
	sqlite_only "a file's mode"
	umask 022
	run "$ADMIN" -d "$DB" migrate
	assert_success
	assert_equal "$(mode "$DB")" 600
	hold_open "$DB"
	register_cgi "$DB" wal@example.com
	assert_equal "$CGI_STATUS" "Status: 201 Created"
	for f in "$DB-wal" "$DB-shm"; do
		[ -e "$f" ] || fail "$f is missing"
		assert_equal "$(mode "$f")" 600
	done
	release
	# An existing database is not touched.
	chmod 640 "$DB"
	"$ADMIN" -d "$DB" migrate >/dev/null 2>&1
	assert_equal "$(mode "$DB")" 640
}

@test "admin-10.2: migrate as root in a directory of the programs' user gives them the database" {
	sqlite_only "a file's owner"
	as_nobody "the database goes to the directory's owner"
	shared_dir
	dir=$SHARED_DIR
	chown nobody:nogroup "$dir"
	db=$dir/auth.sqlite
	umask 022
	run "$ADMIN" -d "$db" migrate
	assert_success
	assert_equal "$(owner "$db")" nobody:nogroup
	assert_equal "$(mode "$db")" 600
	# As root, SQLite gives the database's owner its -wal and -shm.
	hold_open "$db"
	json='{"email":"nobody@example.com","name":"N","password":"password123"}'
	printf '%s' "$json" | runuser -u nobody -- env -i REMOTE_ADDR=127.0.0.1 \
	    REQUEST_METHOD=POST REQUEST_URI=/authentication/register \
	    CONTENT_TYPE=application/json CONTENT_LENGTH=${#json} \
	    FCGI_AUTH_CONFIG=/dev/null DATABASE_PATH="$db" \
	    JWT_SECRET="$TEST_SECRET" BCRYPT_COST=4 "$PROGRAM_DIR/register" \
	    >"$BATS_TEST_TMPDIR/out" 2>&1 3>&-
	assert_equal "$(head -n 1 "$BATS_TEST_TMPDIR/out" | tr -d '\r')" "Status: 201 Created"
	for f in "$db-wal" "$db-shm"; do
		[ -e "$f" ] || fail "$f is missing"
		assert_equal "$(owner "$f")" nobody:nogroup
		assert_equal "$(mode "$f")" 600
	done
	release
}

@test "admin-10.3: migrate never creates a database through a symlink, dangling or not" {
	sqlite_only "a file"
	shared_dir
	target=$BATS_TEST_TMPDIR/elsewhere
	ln -s "$target" "$SHARED_DIR/auth.sqlite"
	run --separate-stderr "$ADMIN" -d "$SHARED_DIR/auth.sqlite" migrate
	assert_failure
	[[ $stderr == *"$SHARED_DIR/auth.sqlite is a symbolic link: refusing it"* ]] || fail "$stderr"
	[ ! -e "$target" ] || fail "$target was created"
	touch "$target"
	run --separate-stderr "$ADMIN" -d "$SHARED_DIR/auth.sqlite" migrate
	assert_failure
	assert_equal "$(stat -c %s "$target")" 0
}

@test "admin-10.4: migrate as root gives the database to the owner of the directory it made it in, even if that is swapped meanwhile" {
	sqlite_only "a file's owner"
	as_nobody "the database goes to the directory's owner"
	shared_dir
	chown nobody:nogroup "$SHARED_DIR"
	swapped_admin -d "$SHARED_DIR/auth.sqlite" migrate
	[ -d "$SHARED_DIR.aside" ] || fail "the shim did not run: nothing was swapped"
	assert_equal "$(owner "$SHARED_DIR.aside/auth.sqlite")" nobody:nogroup
	assert_equal "$(mode "$SHARED_DIR.aside/auth.sqlite")" 600
	# SQLite opens the database by its name, which now leads elsewhere:
	# migrate says so rather than make a database there.
	assert_failure 1
	assert_output --partial "$SHARED_DIR/auth.sqlite changed while it was being created"
	[ ! -e "$SHARED_DIR/auth.sqlite" ]
}

@test "admin-11.1: the admin tool takes the database from the settings file, as the programs do" {
	conf=$BATS_TEST_TMPDIR/fcgi-auth.conf
	printf '%s=%s\nBCRYPT_COST=4\n' "$DB_VAR" "$DB" >"$conf"
	chmod 600 "$conf"
	run --separate-stderr env FCGI_AUTH_CONFIG="$conf" "$ADMIN" migrate
	assert_success
	assert_output "$SHOWN: schema version $VERSION ($(migrations "$VERSION") applied)"
	assert_equal "$(db_version)" "$VERSION"
	run env FCGI_AUTH_CONFIG="$conf" "$ADMIN" status
	assert_success
	assert_output "$SHOWN: schema version $VERSION of $VERSION: up to date"
	# The programs see the same database through the same file.
	cgi me REQUEST_METHOD=GET REQUEST_URI=/authentication \
	    FCGI_AUTH_CONFIG="$conf" JWT_SECRET="$TEST_SECRET" </dev/null
	assert_equal "$CGI_STATUS" "Status: 401 Unauthorized"
	# The environment wins over the file; -d over both.
	other=$(missing_db)
	run env FCGI_AUTH_CONFIG="$conf" "$DB_VAR=$other" "$ADMIN" status
	assert_failure 1
	run env FCGI_AUTH_CONFIG="$conf" "$DB_VAR=$other" "$ADMIN" -d "$DB" status
	assert_success
}

@test "admin-11.2: status of a missing file says which setting chose it" {
	sqlite_only "a file to look for"
	conf=$BATS_TEST_TMPDIR/fcgi-auth.conf
	db=$(missing_db)
	printf 'DATABASE_PATH=%s\n' "$db" >"$conf"
	run env FCGI_AUTH_CONFIG="$conf" "$ADMIN" status
	assert_failure 1
	assert_output "$db: does not exist (run migrate) (DATABASE_PATH in $conf)"
	run env DATABASE_PATH="$db" "$ADMIN" status
	assert_failure 1
	assert_output "$db: does not exist (run migrate) (DATABASE_PATH in the environment)"
	run env -u DATABASE_PATH -u DATABASE_URL "$ADMIN" status
	if [ "$status" -eq 1 ] && [[ $output == *"does not exist"* ]]; then
		assert_output --regexp '^/.*/fcgi-auth\.sqlite: does not exist \(run migrate\) \(the default: DATABASE_PATH is not set\)$'
	fi
}

@test "admin-11.3: a bad settings file stops the admin tool too, naming the setting; no key is needed" {
	conf=$BATS_TEST_TMPDIR/fcgi-auth.conf
	printf 'BCRYPT_COST=3\n' >"$conf"
	run --separate-stderr env FCGI_AUTH_CONFIG="$conf" "$ADMIN" -d "$DB" migrate
	assert_failure 1
	assert_equal "$stderr" "fcgi-auth-admin: BCRYPT_COST is too small: expected a whole number from 4 to 31"
	[ "$STORE" = postgresql ] || [ ! -e "$DB" ]
	# No JWT_SECRET, no key file: migrate runs before there is a key.
	run env -u JWT_SECRET -u JWT_SECRET_FILE FCGI_AUTH_CONFIG=/dev/null "$ADMIN" -d "$DB" migrate
	assert_success
}

# readonly_register DB [AS]: register as plain CGI on DB, as user AS if given.
readonly_register() {
	local json='{"email":"ro@example.com","name":"R","password":"password123"}' run_as=()
	[ -n "${2:-}" ] && run_as=(runuser -u "$2" --)
	printf '%s' "$json" | "${run_as[@]}" env -i REMOTE_ADDR=127.0.0.1 \
	    REQUEST_METHOD=POST REQUEST_URI=/authentication/register \
	    CONTENT_TYPE=application/json CONTENT_LENGTH=${#json} \
	    FCGI_AUTH_CONFIG=/dev/null DATABASE_PATH="$1" \
	    JWT_SECRET="$TEST_SECRET" BCRYPT_COST=4 "$PROGRAM_DIR/register" \
	    >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" 3>&-
	CGI_STATUS=$(head -n 1 "$BATS_TEST_TMPDIR/out" | tr -d '\r')
	CGI_BODY=$(sed '1,/^\r$/d' "$BATS_TEST_TMPDIR/out")
	CGI_ERR=$(cat "$BATS_TEST_TMPDIR/err")
}

# assert_readonly_reply DB UID: the last reply is the 503 and the log its one line.
assert_readonly_reply() {
	assert_equal "$CGI_STATUS" "Status: 503 Service Unavailable"
	assert_equal "$CGI_BODY" '{"statusCode":503,"message":"Database is unavailable","error":"Service Unavailable"}'
	assert_equal "$(printf '%s\n' "$CGI_ERR" | wc -l)" 1
	[[ $CGI_ERR == *" register["*"] -: database $1 is read-only for this process (uid $2): the database file, its -wal and -shm files and its directory must be writable by the user the programs run as" ]] ||
	    fail "unexpected log: $CGI_ERR"
	[[ $CGI_ERR != *throttled* ]] || fail "the log blames the throttle: $CGI_ERR"
}

# settings_refused WHY: the admin tool and the programs both refuse the
# settings file $conf, saying WHY after its path, and at once (timeout: a
# hang fails).
settings_refused() {
	run --separate-stderr timeout 20 env FCGI_AUTH_CONFIG="$conf" "$ADMIN" status
	assert_failure
	[[ $stderr == *"config file $conf$1"* ]] || fail "$stderr"
	cgi me REQUEST_METHOD=GET REQUEST_URI=/authentication \
	    FCGI_AUTH_CONFIG="$conf" JWT_SECRET="$TEST_SECRET" </dev/null
	[ "$CGI_RC" -ne 0 ]
	[[ $CGI_ERR == *"refusing to start: config file $conf$1" ]] || fail "$CGI_ERR"
}

@test "admin-11.4: a settings file others may write, or one that is no regular file, stops the admin tool and the programs at once" {
	conf=$BATS_TEST_TMPDIR/fcgi-auth.conf
	printf '%s=%s\n' "$DB_VAR" "$DB" >"$conf"
	chmod 602 "$conf"
	settings_refused ": other users can write it: chmod o-w it"
	# Group-writable is the host's business (not readable by others: on
	# PostgreSQL the file holds a password).
	chmod 660 "$conf"
	run env FCGI_AUTH_CONFIG="$conf" "$ADMIN" status
	[[ $output != *"chmod"* ]] || fail "$output"
	# A FIFO would have held both up at start-up.
	rm -f "$conf"
	mkfifo -m 600 "$conf"
	settings_refused " is not a regular file"
}

@test "admin-12.1: a database the programs may not write gets 503 and one line that says so, not 'throttled'" {
	sqlite_only "file permissions"
	local user= uid
	umask 022
	shared_dir
	dir=$SHARED_DIR
	db=$dir/auth.sqlite
	"$ADMIN" -d "$db" migrate >/dev/null 2>&1
	if [ "$(id -u)" -eq 0 ]; then
		as_nobody "root may write any file: the programs run as nobody"
		# Root made it, then gave the directory to the programs' user.
		chmod 644 "$db"
		chown nobody:nogroup "$dir"
		user=nobody
		uid=$(id -u nobody)
	else
		chmod 444 "$db"
		uid=$(id -u)
	fi
	readonly_register "$db" $user
	assert_readonly_reply "$db" "$uid"
	assert_equal "$(sqlite3 "$db" 'SELECT count(*) FROM users')" 0
	# Fixed: the next request is served.
	if [ -n "$user" ]; then
		chown "$user:" "$db"
	else
		# SQLite gave the -wal and -shm the database's mode: 0444.
		chmod 644 "$db" "$db-wal" "$db-shm"
	fi
	readonly_register "$db" $user
	assert_equal "$CGI_STATUS" "Status: 201 Created"
	assert_equal "$CGI_ERR" ""
}

@test "admin-12.2: nor may they make the -wal and -shm in its directory: the same 503 and line" {
	sqlite_only "file permissions"
	local user= uid
	shared_dir
	dir=$SHARED_DIR
	db=$dir/auth.sqlite
	"$ADMIN" -d "$db" migrate >/dev/null 2>&1
	chmod 644 "$db"
	if [ "$(id -u)" -eq 0 ]; then
		as_nobody "root may write any file: the programs run as nobody"
		user=nobody
		uid=$(id -u nobody)
	else
		chmod 444 "$db"
		chmod 555 "$dir"
		uid=$(id -u)
	fi
	readonly_register "$db" $user
	assert_readonly_reply "$db" "$uid"
	[ -n "$user" ] || chmod 755 "$dir"
}

# --- issue 13: the operator's tool: users, sessions, throttle, audit, backup

WRONG='{"statusCode":400,"message":"Wrong credentials provided"}'
# An ISO 8601 UTC time as the tool writes it.
ISO='[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z'

# migrated: migrate DB, quietly.
migrated() {
	"$ADMIN" -d "$DB" migrate >/dev/null 2>&1
}

# login_cgi EMAIL [PASSWORD [VAR=value...]]: POST /authentication/log-in as
# CGI on DB (from 127.0.0.1 unless REMOTE_ADDR is given); sets CGI_* and
# TOKEN, the Authentication cookie's value ("" if none was set).
login_cgi() {
	local email=$1 password=${2:-password123} json
	shift
	[ $# -eq 0 ] || shift
	json="{\"email\":\"$email\",\"password\":\"$password\"}"
	printf '%s' "$json" >"$BATS_TEST_TMPDIR/login.json"
	# Bytes, not characters: a password may be UTF-8.
	cgi login REQUEST_METHOD=POST REQUEST_URI=/authentication/log-in \
	    CONTENT_TYPE=application/json \
	    CONTENT_LENGTH="$(wc -c <"$BATS_TEST_TMPDIR/login.json")" \
	    "$DB_VAR=$DB" JWT_SECRET="$TEST_SECRET" BCRYPT_COST=4 "$@" \
	    <"$BATS_TEST_TMPDIR/login.json"
	TOKEN=$(printf '%s\n' "$CGI_HEADERS" |
	    sed -n 's/^Set-Cookie: Authentication=\([^;]*\);.*/\1/p')
}

# me_status TOKEN: the status line of GET /authentication with that cookie.
me_status() {
	me_cgi "$DB" HTTP_COOKIE="Authentication=$1"
	printf '%s\n' "$CGI_STATUS"
}

# audit_lines ARGS...: the audit events the tool lists, as
# "event|user id|client|detail", one a line.
audit_lines() {
	"$ADMIN" -d "$DB" audit --json "$@" |
	    jq -r '.[] | "\(.event)|\(.userId // "-")|\(.client)|\(.detail)"'
}

@test "admin-13.1: user list shows every user (--locked: the locked ones) as a table or JSON" {
	migrated
	run --separate-stderr "$ADMIN" -d "$DB" user list
	assert_success
	assert_output "no users"
	register_cgi "$DB" list-a@example.com
	register_cgi "$DB" list-b@example.com
	assert_equal "$CGI_STATUS" "Status: 201 Created"
	# A name with an escape and a bidi override, which registration refuses
	# since issue 20 but an older version stored.
	chr=char
	[ "$STORE" = sqlite ] || chr=chr
	dbsql "UPDATE users SET name = 'Bob' || $chr(27) || '[31m' || $chr(8238) || 'Red' WHERE email = 'list-b@example.com'"
	a=$(user_id_of list-a@example.com)
	b=$(user_id_of list-b@example.com)
	login_cgi list-a@example.com
	login_cgi list-a@example.com
	run --separate-stderr "$ADMIN" -d "$DB" user list
	assert_success
	assert_equal "$stderr" ""
	assert_equal "${#lines[@]}" 3
	assert_line --index 0 --regexp '^ID +EMAIL +NAME +CREATED +LOCKED +SESSIONS$'
	assert_line --index 1 --regexp "^$a +list-a@example\\.com +Cgi +$ISO +- +2\$"
	# A name's control characters never reach the terminal.
	assert_line --index 2 --regexp "^$b +list-b@example\\.com +Bob\\?\\[31m\\?Red +$ISO +- +0\$"
	[[ $output != *$'\e'* ]] || fail "an escape reached the output"
	run --separate-stderr "$ADMIN" -d "$DB" user list --json
	assert_success
	# JSON keeps the name as it is (jq writes ESC escaped, U+202E raw).
	assert_equal "$(jq -c 'map([.id, .email, .name, .locked, .lockedAt, .sessions])' <<<"$output")" \
	    "[[$a,\"list-a@example.com\",\"Cgi\",false,null,2],[$b,\"list-b@example.com\",$(printf '"Bob\\u001b[31m\u202eRed"'),false,null,0]]"
	created=$(dbsql "SELECT created_at FROM users WHERE id = $a")
	assert_equal "$(jq -r '.[0].createdAt' <<<"$output")" "$(date -u -d "@$created" +%Y-%m-%dT%H:%M:%SZ)"
	run "$ADMIN" -d "$DB" user list --locked
	assert_success
	assert_output "no locked users"
	"$ADMIN" -d "$DB" user lock list-b@example.com >/dev/null
	run --separate-stderr "$ADMIN" -d "$DB" --json user list --locked
	assert_success
	assert_equal "$(jq -r '.[] | "\(.id) \(.locked)"' <<<"$output")" "$b true"
	[[ $(jq -r '.[0].lockedAt' <<<"$output") =~ ^$ISO$ ]]
}

# user_id_of EMAIL: the id of the user in DB.
user_id_of() {
	dbsql "SELECT id FROM users WHERE lower(email) = lower('$1')"
}

@test "admin-13.2: user show EMAIL (any letter case), as text or JSON; an unknown one exits 1" {
	migrated
	register_cgi "$DB" show@example.com
	id=$(user_id_of show@example.com)
	login_cgi show@example.com
	run --separate-stderr "$ADMIN" -d "$DB" user show SHOW@Example.com
	assert_success
	assert_line --index 0 "id:        $id"
	assert_line --index 1 "email:     show@example.com"
	assert_line --index 2 "name:      Cgi"
	assert_line --index 3 --regexp "^created:   $ISO\$"
	assert_line --index 4 "locked:    no"
	assert_line --index 5 "sessions:  1 live"
	run --separate-stderr "$ADMIN" -d "$DB" user show show@example.com --json
	assert_success
	assert_equal "$(jq -c '[.id, .email, .name, .locked, .lockedAt, .sessions]' <<<"$output")" \
	    "[$id,\"show@example.com\",\"Cgi\",false,null,1]"
	run --separate-stderr "$ADMIN" -d "$DB" user show nobody@example.com
	assert_failure 1
	assert_output ""
	assert_equal "$stderr" "fcgi-auth-admin: no user with e-mail nobody@example.com"
}

@test "admin-13.3: user lock refuses log-in with the wrong password's 400 and ends every session; unlock lets the user in" {
	migrated
	register_cgi "$DB" lock@example.com
	register_cgi "$DB" other@example.com
	id=$(user_id_of lock@example.com)
	login_cgi lock@example.com
	first=$TOKEN
	login_cgi lock@example.com
	second=$TOKEN
	login_cgi other@example.com
	other=$TOKEN
	assert_equal "$(me_status "$first")" "Status: 200 OK"
	run --separate-stderr "$ADMIN" -d "$DB" user lock LOCK@example.com
	assert_success
	assert_output "locked user lock@example.com: log-in refused, every session ended"
	assert_equal "$stderr" ""
	for t in "$first" "$second"; do
		assert_equal "$(me_status "$t")" "Status: 401 Unauthorized"
	done
	assert_equal "$(me_status "$other")" "Status: 200 OK"
	assert_equal "$(dbsql "SELECT count(*) FROM sessions WHERE user_id = $id")" 0
	# The right password gets exactly what a wrong one gets, and no cookie.
	login_cgi lock@example.com
	assert_equal "$CGI_STATUS" "Status: 400 Bad Request"
	assert_equal "$CGI_BODY" "$WRONG"
	assert_equal "$TOKEN" ""
	login_cgi lock@example.com wrong-password
	assert_equal "$CGI_BODY" "$WRONG"
	locked_at=$(dbsql "SELECT locked_at FROM users WHERE id = $id")
	[ "$locked_at" -gt 0 ]
	# Locking again keeps the first time, and says so.
	run --separate-stderr "$ADMIN" -d "$DB" user lock lock@example.com
	assert_success
	assert_output "user lock@example.com was already locked (since $(date -u -d "@$locked_at" +%Y-%m-%dT%H:%M:%SZ)): log-in refused, every session ended"
	assert_equal "$(dbsql "SELECT locked_at FROM users WHERE id = $id")" "$locked_at"
	run --separate-stderr "$ADMIN" -d "$DB" user unlock lock@example.com
	assert_success
	assert_output "unlocked user lock@example.com: log-in allowed again"
	assert_equal "$(dbsql "SELECT count(*) FROM users WHERE id = $id AND locked_at IS NULL")" 1
	login_cgi lock@example.com
	assert_equal "$CGI_STATUS" "Status: 200 OK"
	assert_equal "$(me_status "$TOKEN")" "Status: 200 OK"
	run --separate-stderr "$ADMIN" -d "$DB" user unlock lock@example.com
	assert_success
	assert_output "user lock@example.com is not locked"
	# Each change, and only those, in the audit log with the client "admin".
	assert_equal "$(audit_lines --user lock@example.com | grep '|admin|' | cut -d'|' -f1-3)" \
	    "user-locked|$id|admin
user-locked|$id|admin
user-unlocked|$id|admin"
	for cmd in lock unlock; do
		run --separate-stderr "$ADMIN" -d "$DB" user "$cmd" nobody@example.com
		assert_failure 1
		assert_output ""
		assert_equal "$stderr" "fcgi-auth-admin: no user with e-mail nobody@example.com"
	done
}

@test "admin-13.4: user delete (delete-user's twin) removes the user and their sessions, and is audited" {
	migrated
	register_cgi "$DB" gone@example.com
	id=$(user_id_of gone@example.com)
	login_cgi gone@example.com
	run --separate-stderr "$ADMIN" -d "$DB" user delete Gone@Example.com
	assert_success
	assert_output "deleted user Gone@Example.com, their sessions and posts"
	assert_equal "$stderr" ""
	assert_equal "$(me_status "$TOKEN")" "Status: 401 Unauthorized"
	assert_equal "$(dbsql 'SELECT count(*) FROM users')" 0
	assert_equal "$(dbsql 'SELECT count(*) FROM sessions')" 0
	# The id names no one now: the detail says who it was.
	assert_equal "$(audit_lines --event user-deleted)" "user-deleted|$id|admin|user gone@example.com deleted by $(id -un)"
	assert_equal "$(audit_lines --user "$id" --event user-deleted | wc -l)" 1
	run --separate-stderr "$ADMIN" -d "$DB" user delete gone@example.com
	assert_failure 1
	assert_equal "$stderr" "fcgi-auth-admin: no user with e-mail gone@example.com"
	# delete-user is audited alike.
	register_cgi "$DB" old@example.com
	run "$ADMIN" -d "$DB" delete-user old@example.com
	assert_success
	assert_equal "$(audit_lines --event user-deleted | wc -l)" 2
}

@test "admin-13.5: user set-password takes standard input's first line: the old password and every session end" {
	migrated
	register_cgi "$DB" pw@example.com
	id=$(user_id_of pw@example.com)
	login_cgi pw@example.com
	old=$TOKEN
	before=$(dbsql "SELECT password FROM users WHERE id = $id")
	run --separate-stderr env BCRYPT_COST=5 "$ADMIN" -d "$DB" user set-password PW@example.com \
	    < <(printf 'new password 1\nthe second line is not read\n')
	assert_success
	assert_output "set a new password for pw@example.com: every session ended"
	assert_equal "$stderr" ""
	# Hashed with bcrypt at the configured cost; never stored as given.
	hash=$(dbsql "SELECT password FROM users WHERE id = $id")
	[[ $hash == '$2b$05$'* ]] || fail "not bcrypt at cost 5: $hash"
	[ "$hash" != "$before" ]
	assert_equal "$(me_status "$old")" "Status: 401 Unauthorized"
	login_cgi pw@example.com password123
	assert_equal "$CGI_BODY" "$WRONG"
	login_cgi pw@example.com 'new password 1'
	assert_equal "$CGI_STATUS" "Status: 200 OK"
	assert_equal "$(me_status "$TOKEN")" "Status: 200 OK"
	# A CRLF line ending is not part of the password; 72 bytes are enough.
	long=$(printf 'p%.0s' $(seq 72))
	printf '%s\r\n' "$long" | "$ADMIN" -d "$DB" user set-password pw@example.com >/dev/null
	login_cgi pw@example.com "$long"
	assert_equal "$CGI_STATUS" "Status: 200 OK"
	# So are 8 characters of 2 bytes each, and no newline at all.
	printf 'éééééééé' | "$ADMIN" -d "$DB" user set-password pw@example.com >/dev/null
	login_cgi pw@example.com 'éééééééé'
	assert_equal "$CGI_STATUS" "Status: 200 OK"
	assert_equal "$(audit_lines --event password-set | cut -d'|' -f1-3 | sort -u)" "password-set|$id|admin"
	assert_equal "$(audit_lines --event password-set | wc -l)" 3
}

@test "admin-13.6: user set-password refuses a password registration would, and never takes one as an argument" {
	migrated
	register_cgi "$DB" rules@example.com
	hash=$(dbsql "SELECT password FROM users WHERE email = 'rules@example.com'")
	# input|message
	n=0
	while IFS='|' read -r input message; do
		n=$((n + 1))
		run --separate-stderr "$ADMIN" -d "$DB" user set-password rules@example.com \
		    < <(printf "$input")
		assert_failure 1
		assert_output ""
		[[ $stderr == *"fcgi-auth-admin: user set-password: $message"* ]] ||
		    fail "for '$input': $stderr"
	done <<CASES
|no password on standard input (give it as the first line)
\n|password should not be empty
        \n|password should not be empty
short7!\n|password must be longer than or equal to 8 characters
pp\377\376pppppp\n|password must be valid UTF-8
$(printf 'p%.0s' $(seq 73))\n|password must be shorter than or equal to 72 bytes in UTF-8
$(printf 'é%.0s' $(seq 36))p\n|password must be shorter than or equal to 72 bytes in UTF-8
$(printf '\343\200\200%.0s' $(seq 8))\n|password should not be empty
\342\200\213\342\200\213\302\240\302\240 \t\342\200\250\343\205\244\n|password should not be empty
CASES
	assert_equal "$n" 9
	assert_equal "$(dbsql "SELECT password FROM users WHERE email = 'rules@example.com'")" "$hash"
	login_cgi rules@example.com
	assert_equal "$CGI_STATUS" "Status: 200 OK"
	run --separate-stderr "$ADMIN" -d "$DB" user set-password rules@example.com new-password-1
	assert_failure 2
	assert_output ""
	[[ $stderr == *'usage: fcgi-auth-admin [-d database] user list'* ]]
	run --separate-stderr "$ADMIN" -d "$DB" user set-password nobody@example.com </dev/null
	assert_failure 1
	assert_equal "$stderr" "fcgi-auth-admin: no user with e-mail nobody@example.com"
	assert_equal "$(audit_lines --event password-set)" ""
}

@test "admin-14.1: sessions list shows the live sessions, newest first, of everyone or of one user" {
	migrated
	run "$ADMIN" -d "$DB" sessions list
	assert_success
	assert_output "no live sessions"
	register_cgi "$DB" s1@example.com
	register_cgi "$DB" s2@example.com
	id1=$(user_id_of s1@example.com)
	# A second apart: sessions are listed by when they began.
	login_cgi s1@example.com password123 HTTP_USER_AGENT='Mozilla/5.0 (first)'
	sleep 1
	login_cgi s2@example.com password123
	sleep 1
	login_cgi s1@example.com password123 HTTP_USER_AGENT='curl/8.0'
	dbsql "INSERT INTO sessions (id, user_id, created_at, expires_at) VALUES ('0123456789abcdef0123456789abcdef', $id1, 1, 2)"
	ids=$(dbsql "SELECT id FROM sessions WHERE expires_at > 2 ORDER BY created_at DESC, id")
	run --separate-stderr "$ADMIN" -d "$DB" sessions list
	assert_success
	assert_equal "${#lines[@]}" 4
	assert_line --index 0 --regexp '^ID +EMAIL +CREATED +LAST USED +EXPIRES +USER AGENT$'
	assert_line --index 1 --regexp "^[0-9a-f]{32} +s1@example\\.com +$ISO +$ISO +$ISO +curl/8\\.0\$"
	assert_line --index 3 --regexp "^[0-9a-f]{32} +s1@example\\.com +$ISO +$ISO +$ISO +Mozilla/5\\.0 \\(first\\)\$"
	assert_line --index 2 --regexp "^[0-9a-f]{32} +s2@example\\.com +$ISO +$ISO +$ISO +-\$"
	assert_equal "$(printf '%s\n' "${lines[@]:1}" | cut -d' ' -f1)" "$ids"
	run --separate-stderr "$ADMIN" -d "$DB" sessions list S1@example.com --json
	assert_success
	assert_equal "$(jq -r '.[] | "\(.userId) \(.email) \(.userAgent)"' <<<"$output")" \
	    "$id1 s1@example.com curl/8.0
$id1 s1@example.com Mozilla/5.0 (first)"
	for field in createdAt lastUsedAt expiresAt endsAt; do
		[[ $(jq -r ".[0].$field" <<<"$output") =~ ^$ISO$ ]] || fail "$field: $output"
	done
	run --separate-stderr "$ADMIN" -d "$DB" sessions list nobody@example.com
	assert_failure 1
	assert_equal "$stderr" "fcgi-auth-admin: no user with e-mail nobody@example.com"
}

@test "admin-14.2: sessions revoke ID ends that session (its cookie gets 401 at once) and no other" {
	migrated
	register_cgi "$DB" rev@example.com
	id=$(user_id_of rev@example.com)
	login_cgi rev@example.com
	one=$TOKEN
	login_cgi rev@example.com
	two=$TOKEN
	jti=$(claim "$one" jti | tr -d '"')
	[[ $jti =~ ^[0-9a-f]{32}$ ]]
	run --separate-stderr "$ADMIN" -d "$DB" sessions revoke "$jti"
	assert_success
	assert_output "ended 1 session: $jti of rev@example.com"
	assert_equal "$(me_status "$one")" "Status: 401 Unauthorized"
	assert_equal "$(me_status "$two")" "Status: 200 OK"
	run --separate-stderr "$ADMIN" -d "$DB" sessions revoke "$jti"
	assert_failure 1
	assert_equal "$stderr" "fcgi-auth-admin: no live session $jti"
	# Its first 8 digits, as the audit log shows it, are enough.
	jti2=$(claim "$two" jti | tr -d '"')
	run --separate-stderr "$ADMIN" -d "$DB" sessions revoke "${jti2:0:8}"
	assert_success
	assert_output "ended 1 session: $jti2 of rev@example.com"
	assert_equal "$(me_status "$two")" "Status: 401 Unauthorized"
	assert_equal "$(audit_lines --event session-ended)" \
	    "session-ended|$id|admin|session ${jti:0:8} ended by $(id -un)
session-ended|$id|admin|session ${jti2:0:8} ended by $(id -un)"
	for bad in 1234567 xyz 0123456789abcdef0123456789abcdef0 0123456g; do
		run --separate-stderr "$ADMIN" -d "$DB" sessions revoke "$bad"
		assert_failure 2
		[[ $stderr == *"$bad is not a session id"*'usage: fcgi-auth-admin [-d database] sessions list'* ]] ||
		    fail "$bad: $stderr"
	done
}

@test "admin-14.3: sessions revoke --user EMAIL|ID and --all say how many ended" {
	migrated
	register_cgi "$DB" many@example.com
	register_cgi "$DB" few@example.com
	id=$(user_id_of many@example.com)
	login_cgi many@example.com
	m1=$TOKEN
	login_cgi many@example.com
	m2=$TOKEN
	login_cgi few@example.com
	f1=$TOKEN
	run --separate-stderr "$ADMIN" -d "$DB" sessions revoke --user Many@example.com
	assert_success
	assert_output "ended 2 sessions of many@example.com"
	assert_equal "$(me_status "$m1")" "Status: 401 Unauthorized"
	assert_equal "$(me_status "$m2")" "Status: 401 Unauthorized"
	assert_equal "$(me_status "$f1")" "Status: 200 OK"
	run "$ADMIN" -d "$DB" sessions revoke --user "$id"
	assert_success
	assert_output "ended 0 sessions of user $id"
	login_cgi many@example.com
	m3=$TOKEN
	run "$ADMIN" -d "$DB" sessions revoke --all
	assert_success
	assert_output "ended 2 sessions of every user"
	assert_equal "$(me_status "$m3")" "Status: 401 Unauthorized"
	assert_equal "$(me_status "$f1")" "Status: 401 Unauthorized"
	assert_equal "$(audit_lines --event sessions-ended | cut -d'|' -f1-4)" \
	    "sessions-ended|$id|admin|2 sessions ended by $(id -un)
sessions-ended|$id|admin|0 sessions ended by $(id -un)
sessions-ended|-|admin|2 sessions of every user ended by $(id -un)"
	run --separate-stderr "$ADMIN" -d "$DB" sessions revoke --user nobody@example.com
	assert_failure 1
	assert_equal "$stderr" "fcgi-auth-admin: no user with e-mail nobody@example.com"
	for args in '' '0123456789abcdef --all' '--all --user many@example.com' \
	    '0123456789abcdef --user many@example.com' '--json --all' 'a b'; do
		run --separate-stderr "$ADMIN" -d "$DB" sessions revoke $args
		assert_failure 2
		assert_output ""
		[[ $stderr == *'usage: fcgi-auth-admin [-d database] sessions list'* ]] || fail "$args: $stderr"
	done
}

# THROTTLED: the programs' throttle on failed log-ins (the tests' servers
# turn it off); without the rate of successful ones, whose counters would
# only add lines to what the tests list.  Small limits: each log-in here
# starts a program, slow under the sanitizers.
THROTTLED=(THROTTLE_LOGIN_PER_PAIR=2 THROTTLE_LOGIN_PER_ACCOUNT=4
    THROTTLE_LOGIN_PER_ADDRESS=12 THROTTLE_REGISTER_PER_ADDRESS=10
    THROTTLE_LOGIN_SUCCESS_PER_ACCOUNT=0 THROTTLE_LOGIN_SUCCESS_PER_ADDRESS=0)


# block EMAIL ADDRESS: 2 failed log-ins of EMAIL from ADDRESS (the pair's
# limit), then the right password is refused with 429.
block() {
	local i
	for i in 1 2; do
		login_cgi "$1" wrong-password REMOTE_ADDR="$2" "${THROTTLED[@]}"
		assert_equal "$CGI_BODY" "$WRONG"
	done
	login_cgi "$1" password123 REMOTE_ADDR="$2" "${THROTTLED[@]}"
	assert_equal "$CGI_STATUS" "Status: 429 Too Many Requests"
}

@test "admin-15.1: throttle list shows the counters; throttle clear ADDRESS lifts that address's block" {
	migrated
	register_cgi "$DB" thr@example.com
	dbsql 'DELETE FROM throttle'
	run "$ADMIN" -d "$DB" throttle list
	assert_success
	assert_output "no throttle counters"
	block thr@example.com 10.9.9.9
	run --separate-stderr "$ADMIN" -d "$DB" throttle list
	assert_success
	assert_equal "${#lines[@]}" 4
	assert_line --index 0 --regexp '^KEY +COUNT +LEVEL +BLOCKED UNTIL +LAST EVENT$'
	assert_line --index 1 --regexp "^login-account $(digest thr@example.com) +2 +0 +- +$ISO\$"
	assert_line --index 2 --regexp "^login-address 10\\.9\\.9\\.9 +2 +0 +- +$ISO\$"
	assert_line --index 3 --regexp "^login-pair 10\\.9\\.9\\.9 $(digest thr@example.com) +2 +1 +$ISO +$ISO\$"
	run --separate-stderr "$ADMIN" -d "$DB" throttle list --json
	assert_success
	assert_equal "$(jq -c '.[2] | [.key, .count, .level, .blocked, .pending]' <<<"$output")" \
	    "[\"login-pair 10.9.9.9 $(digest thr@example.com)\",2,1,true,0]"
	until=$(dbsql "SELECT blocked_until FROM throttle WHERE key = 'login-pair 10.9.9.9 $(digest thr@example.com)'")
	assert_equal "$(jq -r '.[2].blockedUntil' <<<"$output")" "$(date -u -d "@$until" +%Y-%m-%dT%H:%M:%SZ)"
	assert_equal "$(jq -r '.[0].blockedUntil' <<<"$output")" null
	run --separate-stderr "$ADMIN" -d "$DB" throttle clear 10.9.9.9
	assert_success
	assert_output "cleared 2 throttle counters naming 10.9.9.9"
	assert_equal "$(dbsql 'SELECT key FROM throttle')" "login-account $(digest thr@example.com)"
	login_cgi thr@example.com password123 REMOTE_ADDR=10.9.9.9 "${THROTTLED[@]}"
	assert_equal "$CGI_STATUS" "Status: 200 OK"
	run --separate-stderr "$ADMIN" -d "$DB" throttle clear 10.9.9.8
	assert_failure 1
	assert_equal "$stderr" "fcgi-auth-admin: no throttle counter names 10.9.9.8"
}

@test "admin-15.2: throttle clear EMAIL (any case), an IPv6 client's /64 and /48, or everything" {
	migrated
	register_cgi "$DB" six@example.com
	dbsql 'DELETE FROM throttle'
	# An e-mail names its pair and account counters, from any address.
	block six@example.com 10.8.8.8
	run --separate-stderr "$ADMIN" -d "$DB" throttle clear SIX@Example.COM
	assert_success
	assert_output "cleared 2 throttle counters naming SIX@Example.COM"
	assert_equal "$(dbsql 'SELECT key FROM throttle')" "login-address 10.8.8.8"
	login_cgi six@example.com password123 REMOTE_ADDR=10.8.8.8 "${THROTTLED[@]}"
	assert_equal "$CGI_STATUS" "Status: 200 OK"
	# An IPv6 client is counted by its /64 and its /48: any address in
	# it names both.
	block six@example.com 2001:db8:1:2::10
	assert_equal "$(dbsql "SELECT count(*) FROM throttle WHERE key LIKE '%2001:db8:1:2::/64%'")" 2
	assert_equal "$(dbsql "SELECT count(*) FROM throttle WHERE key = 'login-address 2001:db8:1::/48'")" 1
	run --separate-stderr "$ADMIN" -d "$DB" throttle clear 2001:DB8:1:2:ffff::1
	assert_success
	assert_output "cleared 3 throttle counters naming 2001:db8:1:2::/64 or 2001:db8:1::/48"
	login_cgi six@example.com password123 REMOTE_ADDR=2001:db8:1:2::10 "${THROTTLED[@]}"
	assert_equal "$CGI_STATUS" "Status: 200 OK"
	# A /48 as throttle list shows it names its own counters only; an
	# IPv4-mapped address names the IPv4 address's (issue 20).
	block six@example.com 2001:db8:1:2::10
	run --separate-stderr "$ADMIN" -d "$DB" throttle clear 2001:db8:1::/48
	assert_success
	assert_output "cleared 1 throttle counter naming 2001:db8:1::/48"
	# (A log-in elsewhere clears the account's count for what follows.)
	login_cgi six@example.com password123 REMOTE_ADDR=10.5.5.5 "${THROTTLED[@]}"
	assert_equal "$CGI_STATUS" "Status: 200 OK"
	block six@example.com ::ffff:10.6.6.6
	assert_equal "$(dbsql "SELECT count(*) FROM throttle WHERE key LIKE '%10.6.6.6%'")" 2
	run --separate-stderr "$ADMIN" -d "$DB" throttle clear ::ffff:10.6.6.6
	assert_success
	assert_output "cleared 2 throttle counters naming 10.6.6.6"
	login_cgi six@example.com password123 REMOTE_ADDR=10.6.6.6 "${THROTTLED[@]}"
	assert_equal "$CGI_STATUS" "Status: 200 OK"
	# With no argument: every counter.
	block six@example.com 10.7.7.7
	n=$(dbsql 'SELECT count(*) FROM throttle')
	[ "$n" -ge 3 ]
	run --separate-stderr "$ADMIN" -d "$DB" throttle clear
	assert_success
	assert_output "cleared $n throttle counters"
	assert_equal "$(dbsql 'SELECT count(*) FROM throttle')" 0
	login_cgi six@example.com password123 REMOTE_ADDR=10.7.7.7 "${THROTTLED[@]}"
	assert_equal "$CGI_STATUS" "Status: 200 OK"
	for args in 'clear a b' 'list x' 'list --all' 'clear --json' 'frob'; do
		run --separate-stderr "$ADMIN" -d "$DB" throttle $args
		assert_failure 2
		[[ $stderr == *'usage: fcgi-auth-admin [-d database] throttle list'* ]] || fail "$args: $stderr"
	done
}

@test "admin-16.1: audit lists what the API and the tool wrote, oldest first, filtered by user, time, event and count" {
	migrated
	register_cgi "$DB" aud@example.com
	register_cgi "$DB" else@example.com
	id=$(user_id_of aud@example.com)
	other=$(user_id_of else@example.com)
	# Two days old: within AUDIT_RETENTION_DAYS, so not pruned.
	old=$(($(date +%s) - 2 * 86400 - 100))
	dbsql "INSERT INTO audit (at, event, user_id, client, detail) VALUES ($old, 'logout', $id, '10.0.0.1', 'an old one')"
	login_cgi aud@example.com
	login_cgi aud@example.com wrong-password
	login_cgi nobody@example.com wrong-password
	login_cgi else@example.com
	"$ADMIN" -d "$DB" user lock aud@example.com >/dev/null
	run --separate-stderr "$ADMIN" -d "$DB" audit
	assert_success
	assert_equal "${#lines[@]}" 6
	assert_line --index 0 --regexp "^$(date -u -d "@$old" +%Y-%m-%dT%H:%M:%SZ) +logout +$id +10\\.0\\.0\\.1 +an old one\$"
	assert_line --index 1 --regexp "^$ISO +login-succeeded +$id +127\\.0\\.0\\.1 +"
	assert_line --index 2 --regexp "^$ISO +login-failed +$id +127\\.0\\.0\\.1 +"
	assert_line --index 3 --regexp "^$ISO +login-failed +- +127\\.0\\.0\\.1 +"
	assert_line --index 4 --regexp "^$ISO +login-succeeded +$other +127\\.0\\.0\\.1 +"
	assert_line --index 5 --regexp "^$ISO +user-locked +$id +admin +locked by "
	# Never a password.
	[[ $output != *password123* && $output != *wrong-password* ]] || fail "a password in the audit: $output"
	assert_equal "$(audit_lines --user aud@example.com | cut -d'|' -f1)" \
	    "logout
login-succeeded
login-failed
user-locked"
	assert_equal "$(audit_lines --user "$other" | cut -d'|' -f1,2)" "login-succeeded|$other"
	assert_equal "$(audit_lines --event login-failed | cut -d'|' -f1-3)" \
	    "login-failed|$id|127.0.0.1
login-failed|-|127.0.0.1"
	assert_equal "$(audit_lines --event login-failed --user AUD@example.com | wc -l)" 1
	# --since: an age, a date, a time, Unix seconds.
	assert_equal "$(audit_lines --since 1h | wc -l)" 5
	assert_equal "$(audit_lines --since 2d | wc -l)" 5
	assert_equal "$(audit_lines --since $((old + 1)) | wc -l)" 5
	assert_equal "$(audit_lines --since $old | wc -l)" 6
	assert_equal "$(audit_lines --since 3d | wc -l)" 6
	assert_equal "$(audit_lines --since 1970-01-01 | wc -l)" 6
	assert_equal "$(audit_lines --since "$(date -u +%Y-%m-%d)" | wc -l)" 5
	assert_equal "$(audit_lines --since "$(date -u -d @$(($(date +%s) + 60)) +%Y-%m-%dT%H:%M:%SZ)")" ""
	assert_equal "$(audit_lines --since 2100-01-01T00:00)" ""
	# --limit: the newest n, still oldest first.
	assert_equal "$(audit_lines --limit 2 | cut -d'|' -f1)" "login-succeeded
user-locked"
	assert_equal "$(audit_lines --user "$id" --limit 1 | cut -d'|' -f1)" user-locked
	run --separate-stderr "$ADMIN" -d "$DB" audit --json --event user-locked
	assert_success
	assert_equal "$(jq -c '.[] | [.event, .userId, .client]' <<<"$output")" "[\"user-locked\",$id,\"admin\"]"
	[[ $(jq -r '.[0].at' <<<"$output") =~ ^$ISO$ ]]
	[[ $(jq -r '.[0].id' <<<"$output") =~ ^[0-9]+$ ]]
	run --separate-stderr "$ADMIN" -d "$DB" audit --json --user 999999
	assert_success
	assert_output "[]"
}

@test "admin-16.2: audit refuses an unknown event, time or limit (usage, 2), and an unknown user (1)" {
	migrated
	run --separate-stderr "$ADMIN" -d "$DB" audit --event login-bogus
	assert_failure 2
	assert_output ""
	[[ $stderr == *"--event login-bogus: no such event; the events are login-succeeded, login-failed,"*"user-deleted"* ]] || fail "$stderr"
	[[ $stderr == *'usage: fcgi-auth-admin [-d database] audit'* ]]
	for since in yesterday 2026-02-30 2026-13-01 1d2h -5 7x 2026-12-04T25:00Z ''; do
		run --separate-stderr "$ADMIN" -d "$DB" audit --since "$since"
		assert_failure 2
		[[ $stderr == *"--since $since: expected Unix seconds"* ]] || fail "$since: $stderr"
	done
	for limit in 0 -1 x 01 ''; do
		run --separate-stderr "$ADMIN" -d "$DB" audit --limit "$limit"
		assert_failure 2
		[[ $stderr == *"--limit $limit: expected a whole number from 1"* ]] || fail "$limit: $stderr"
	done
	# Digits alone are an id; an e-mail may begin with them.
	for user in nobody@example.com 12@example.com; do
		run --separate-stderr "$ADMIN" -d "$DB" audit --user "$user"
		assert_failure 1
		assert_equal "$stderr" "fcgi-auth-admin: no user with e-mail $user"
	done
	register_cgi "$DB" 12@example.com
	login_cgi 12@example.com
	assert_equal "$(audit_lines --user 12@example.com | cut -d'|' -f1,2)" "login-succeeded|$(user_id_of 12@example.com)"
	for args in 'audit --locked' 'audit now' 'user list --since 1h' 'user lock a@example.com --json' 'status --json'; do
		run --separate-stderr "$ADMIN" -d "$DB" $args
		assert_failure 2
		assert_output ""
		[[ $stderr == *'usage: fcgi-auth-admin'* ]] || fail "$args: $stderr"
	done
}

@test "admin-17.1: backup copies a live SQLite database under a write load: intact, with every acknowledged user" {
	sqlite_only "PostgreSQL is backed up with pg_dump"
	migrated
	server_start load "$DB_VAR=$DB"
	acked=$BATS_TEST_TMPDIR/acked
	: >"$acked"
	stop=$BATS_TEST_TMPDIR/stop
	# Registrations, one after another, each recorded once acknowledged,
	# until told to stop (400 is far more than the backup needs).
	(
		for i in $(seq 1 400); do
			[ ! -e "$stop" ] || break
			code=$(curl -s -o /dev/null -w '%{http_code}' \
			    -H 'Content-Type: application/json' \
			    --data-binary "{\"email\":\"load$i@example.com\",\"name\":\"Load\",\"password\":\"password123\"}" \
			    "$URL/authentication/register")
			[ "$code" != 201 ] || echo "load$i@example.com" >>"$acked"
		done
	) 3>&- &
	LOAD_PID=$!
	for _ in $(seq 1 300); do
		[ "$(wc -l <"$acked")" -lt 30 ] || break
		sleep 0.05
	done
	[ "$(wc -l <"$acked")" -ge 30 ] || fail "the load did not start"
	cp "$acked" "$BATS_TEST_TMPDIR/before"
	copy=$BATS_TEST_TMPDIR/backup.sqlite
	run --separate-stderr "$ADMIN" -d "$DB" backup "$copy"
	kill -0 "$LOAD_PID" 2>/dev/null || fail "the load ended before the backup did"
	# A few more after it, then no more: they are all the test needs.
	after=$(( $(wc -l <"$acked") + 3 ))
	for _ in $(seq 1 300); do
		[ "$(wc -l <"$acked")" -lt "$after" ] || break
		sleep 0.05
	done
	touch "$stop"
	wait "$LOAD_PID"
	LOAD_PID=
	assert_success
	assert_output --regexp "^backed up $DB into $copy: [0-9]+ bytes, mode 600, integrity checked\$"
	assert_equal "$(mode "$copy")" 600
	assert_equal "$(sqlite3 "$copy" 'PRAGMA integrity_check')" ok
	sqlite3 "$copy" 'SELECT email FROM users' | sort >"$BATS_TEST_TMPDIR/copied"
	missing=$(sort "$BATS_TEST_TMPDIR/before" | comm -23 - "$BATS_TEST_TMPDIR/copied")
	[ -z "$missing" ] || fail "acknowledged before the backup, missing from it: $missing"
	# A snapshot: the load went on after it, into the live database only.
	assert_equal "$(dbsql 'SELECT count(*) FROM users')" "$(wc -l <"$acked")"
	[ "$(wc -l <"$BATS_TEST_TMPDIR/copied")" -lt "$(wc -l <"$acked")" ]
	# The copy is a database the programs serve.
	assert_equal "$(sqlite3 "$copy" 'PRAGMA user_version')" "$VERSION"
	run "$ADMIN" -d "$copy" user show load1@example.com
	assert_success
	# An existing file is never overwritten.
	before=$(sha256sum <"$copy")
	run --separate-stderr "$ADMIN" -d "$DB" backup "$copy"
	assert_failure 1
	assert_output ""
	[ -n "$stderr" ]
	assert_equal "$(sha256sum <"$copy")" "$before"
}

@test "admin-17.2: backup of a PostgreSQL database says to use pg_dump, and exits 1" {
	postgresql_only "SQLite is backed up with the online backup API"
	migrated
	run --separate-stderr "$ADMIN" -d "$DB" backup "$BATS_TEST_TMPDIR/backup"
	assert_failure 1
	assert_output ""
	[[ $stderr == *pg_dump* ]] || fail "$stderr"
	[ ! -e "$BATS_TEST_TMPDIR/backup" ]
}

@test "admin-17.3: backup of a missing database, or into a missing directory, exits 1 and makes nothing" {
	sqlite_only "a file"
	run --separate-stderr "$ADMIN" -d "$DB" backup "$BATS_TEST_TMPDIR/backup"
	assert_failure 1
	[ -n "$stderr" ]
	[ ! -e "$DB" ]
	[ ! -e "$BATS_TEST_TMPDIR/backup" ]
	migrated
	run --separate-stderr "$ADMIN" -d "$DB" backup "$BATS_TEST_TMPDIR/no/such/dir/backup"
	assert_failure 1
	[ ! -e "$BATS_TEST_TMPDIR/no" ]
}

@test "admin-18.1: each group's --help prints its usage on stdout and exits 0" {
	for group in user sessions throttle audit backup; do
		for args in "$group --help" "$group -h" "--help $group" "$group list --help"; do
			run --separate-stderr "$ADMIN" $args
			assert_success
			assert_equal "$stderr" ""
			assert_line --index 0 --partial "usage: fcgi-auth-admin [-d database] $group"
		done
	done
	run "$ADMIN" user --help
	assert_output --partial 'user set-password email <password-file'
	run "$ADMIN" sessions --help
	assert_output --partial 'sessions revoke id | --user email|id | --all'
	run "$ADMIN" throttle --help
	assert_output --partial 'throttle clear [address | email]'
	run "$ADMIN" audit --help
	assert_output --partial 'password-set, user-deleted or 2fa-reset.'
	# The whole tool's usage names every group.
	run "$ADMIN" --help
	for group in user sessions throttle audit backup; do
		assert_output --partial "fcgi-auth-admin [-d database] $group "
	done
}

@test "admin-18.2: a group without a command, an unknown one or wrong arguments: its usage on stderr, 2, nothing opened" {
	for args in user 'user frob' 'user lock' 'user lock a b' 'user show' \
	    'user list x' 'user delete' 'sessions' 'sessions list a b' \
	    'sessions frob' 'throttle' 'backup' 'backup a b' 'user list --user'; do
		run --separate-stderr "$ADMIN" -d "$DB" $args
		assert_failure 2
		assert_output ""
		[[ $stderr == *'usage: fcgi-auth-admin'* ]] || fail "$args: $stderr"
		group=${args%% *}
		[[ $stderr == *"usage: fcgi-auth-admin [-d database] $group"* ]] || fail "$args: $stderr"
	done
	! db_exists "$DB" || [ "$STORE" = postgresql ]
	[ "$STORE" = sqlite ] || assert_equal "$(db_tables users)" 0
}

@test "admin-18.3: with the database missing or behind, every command exits 1 with the reason and creates nothing" {
	db=$(missing_db)
	for args in 'user list' 'user show a@example.com' 'user lock a@example.com' \
	    'user unlock a@example.com' 'user delete a@example.com' \
	    'sessions list' 'sessions revoke --all' 'throttle list' 'throttle clear' \
	    'audit' 'user set-password a@example.com'; do
		run --separate-stderr "$ADMIN" -d "$db" $args </dev/null
		assert_failure 1
		assert_output ""
		[[ $stderr == *"fcgi-auth-admin: database $(shown "$db") is unavailable"* ]] || fail "$args: $stderr"
		[[ $stderr != *"$db"* ]] || [ "$STORE" = sqlite ] || fail "the password is in the error: $stderr"
	done
	refute db_exists "$db"
	behind
	run --separate-stderr "$ADMIN" -d "$DB" user list
	assert_failure 1
	[[ $stderr == *"has schema version 0, need $VERSION: run the admin program's migrate command"* ]] || fail "$stderr"
}

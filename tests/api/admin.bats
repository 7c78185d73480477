#!/usr/bin/env bats
# admin: fcgi-auth-admin (migrate, status, delete-user, copy, init-secret,
# its options and settings), the programs as plain CGI, their 503 for a
# missing, old or read-only database, and start-up refusals.  Under
# STORE=postgresql the same tests run on a database of their own (DB is its
# URL), created empty for each test.

load helpers
bats_require_minimum_version 1.5.0

# No web server here: the programs and the admin tool are run directly.
setup_file() { :; }
teardown_file() { pg_drop_databases; }

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
}

teardown() {
	local d
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
	dbsql "INSERT INTO sessions VALUES ('0123456789abcdef0123456789abcdef', $id, 0, 9999999999)"
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
# live and an expired session, and a throttle counter.
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
	    INSERT INTO sessions VALUES ('00000000000000000000000000000001', (SELECT min(id) FROM users), $now, $((now + 600)));
	    INSERT INTO sessions VALUES ('00000000000000000000000000000002', (SELECT min(id) FROM users), 0, 1);
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
	assert_output "copied $src into $SHOWN: 2 users, 2 posts, 1 live sessions, 2 throttle counters"
	for q in "SELECT id || '|' || email || '|' || name || '|' || password || '|' || created_at FROM users ORDER BY id" \
	    "SELECT id || '|' || author_id || '|' || title || '|' || content || '|' || created_at || '|' || updated_at FROM posts ORDER BY id" \
	    "SELECT id || '|' || user_id || '|' || created_at || '|' || expires_at FROM sessions WHERE expires_at > 1 ORDER BY id" \
	    "SELECT key || '|' || count || '|' || level || '|' || last_at || '|' || blocked_until FROM throttle ORDER BY key"; do
		assert_equal "$(dbsql "$q")" "$(sqlite3 "$src" "$q")"
	done
	assert_equal "$(dbsql 'SELECT count(*) FROM sessions')" 1
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

@test "admin-9.3: init-secret refuses an existing key that other users can read or write" {
	key=$BATS_TEST_TMPDIR/jwt-secret
	for m in 644 602; do
		printf 'some key of the operator, at least 32 bytes\n' >"$key"
		chmod "$m" "$key"
		run --separate-stderr "$ADMIN" init-secret "$key"
		assert_failure 1
		assert_output ""
		assert_equal "$stderr" "fcgi-auth-admin: $key exists but other users can read or write it, so the programs refuse it: chmod o-rwx it"
		assert_equal "$(cat "$key")" 'some key of the operator, at least 32 bytes'
		assert_equal "$(mode "$key")" "$m"
		# The programs refuse it too, and say why.
		cgi me REQUEST_METHOD=GET REQUEST_URI=/authentication "$DB_VAR=$DB" \
		    JWT_SECRET_FILE="$key" </dev/null
		[ "$CGI_RC" -ne 0 ]
		[[ $CGI_ERR == *"refusing to start: JWT_SECRET_FILE $key can be read or written by other users: chmod o-rwx it" ]]
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

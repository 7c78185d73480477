#!/usr/bin/env bats
# admin: fcgi-auth-admin (migrate, status, delete-user, copy), the programs
# as plain CGI, their 503 for a missing or old database, and start-up
# refusals.  Under STORE=postgresql the same tests run on a database of
# their own (DB is its URL), created empty for each test.

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
}

teardown() { pg_drop_databases; }

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
	"$ADMIN" -d "$DB" migrate >/dev/null 2>&1
	for secret in '' 'JWT_SECRET='; do
		cgi me REQUEST_METHOD=GET REQUEST_URI=/authentication "$DB_VAR=$DB" $secret </dev/null
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

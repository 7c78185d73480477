#!/usr/bin/env bats
# libpq: the programs load it only for a postgresql:// database
# (common/pq.c), so a process on SQLite never maps it; where it cannot be
# loaded they answer 503 and say why in one log line.

load helpers
bats_require_minimum_version 1.5.0

# me, built to load a libpq that does not exist (Makefile.am).
NO_LIBPQ=$abs_top_builddir/tests/api/me-no-libpq
SHORT_DOWN='{"statusCode":503,"message":"Database is unavailable","error":"Service Unavailable"}'

# postgresql_built: skip unless this build has the PostgreSQL store.
postgresql_built() {
	grep -q '^DEFS = .*-DHAVE_POSTGRESQL=1' "$abs_top_builddir/Makefile" ||
	    skip "built without PostgreSQL support"
}

# maps_libpq PID: how many of PID's mappings are libpq's.
maps_libpq() {
	grep -c 'libpq\.so' "/proc/$1/maps" || true
}

@test "libpq-1.1: a program maps libpq only when it serves PostgreSQL" {
	local pid n mapped=0 seen=0
	# Every request reaches the store before the handler (app_dispatch).
	req GET /authentication
	assert_equal "$STATUS" 401
	req GET /posts
	assert_equal "$STATUS" 200
	for pid in $(pgrep -P "$(cat "$BATS_FILE_TMPDIR/main.pid")" -f "^$PROGRAM_DIR/"); do
		seen=$((seen + 1))
		n=$(maps_libpq "$pid")
		[ "$STORE" = postgresql ] || [ "$n" = 0 ] ||
		    fail "$(tr '\0' ' ' </proc/"$pid"/cmdline)(pid $pid) on SQLite maps libpq"
		[ "$n" = 0 ] || mapped=$((mapped + 1))
	done
	[ "$seen" -ge 2 ]
	# The check above would see it: the processes that served PostgreSQL have it.
	[ "$STORE" = sqlite ] || [ "$mapped" -ge 2 ]
}

@test "libpq-2.1: a program that cannot load libpq answers 503 and logs why, in one line" {
	postgresql_built
	local out=$BATS_TEST_TMPDIR/out err=$BATS_TEST_TMPDIR/err
	# Never reached: the store gives up before it connects.
	env -i REMOTE_ADDR=127.0.0.1 REQUEST_METHOD=GET REQUEST_URI=/authentication \
	    FCGI_AUTH_CONFIG=/dev/null DATABASE_URL=postgresql://app:secret@127.0.0.1:1/none \
	    JWT_SECRET="$TEST_SECRET" "$NO_LIBPQ" </dev/null >"$out" 2>"$err" 3>&-
	assert_equal "$(head -n 1 "$out" | tr -d '\r')" "Status: 503 Service Unavailable"
	assert_equal "$(sed '1,/^\r$/d' "$out")" "$SHORT_DOWN"
	assert_equal "$(wc -l <"$err")" 1
	grep -q ' me\[[0-9]*\] .*PostgreSQL store: cannot load libpq (install libpq5): libpq-absent-for-tests\.so\.5: cannot open shared object file' "$err" ||
	    fail "unexpected log: $(cat "$err")"
}

@test "libpq-2.2: under FastCGI the cause is logged once, however many requests fail" {
	postgresql_built
	postgresql_only "the instance's start-up migrates the database with the admin program"
	local dir=$BATS_TEST_TMPDIR/programs p i
	mkdir "$dir"
	for p in "$PROGRAM_DIR"/*; do
		ln -s "$p" "$dir/"
	done
	ln -sf "$NO_LIBPQ" "$dir/me"
	server_start nolibpq PROGRAM_DIR="$dir" PROCS=1
	for i in 1 2 3 4 5; do
		req GET /authentication
		assert_reply 503 "$SHORT_DOWN"
	done
	# The others load the real libpq and serve.
	req GET /posts
	assert_equal "$STATUS" 200
	assert_equal "$(grep -c 'cannot load libpq' "$ERROR_LOG")" 1
	server_stop nolibpq
}

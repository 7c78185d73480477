#!/usr/bin/env bats
# deploy: what the web server configuration must never give away, behind
# every front end: the settings, the key, the database, the programs, the
# server's own files.  Each such path is a JSON error, never its content.

load helpers

@test "deploy-1.1: the files beside the programs are never served" {
	for path in /fcgi-auth/fcgi-auth.conf /fcgi-auth.conf /.htaccess \
	    /jwt-secret /fcgi-auth.sqlite /fcgi-auth/register.cgi \
	    /fcgi-auth/me.cgi /cgi-bin/register.cgi /cgi-bin/me /register \
	    /errors/413.json /.fcgi-auth-errors/413.json /lighttpd.conf \
	    /site.conf /50-fcgi-auth.conf /data/jwt-secret; do
		req GET "$path"
		case $STATUS in
		403|404) ;;
		*) fail "$path answered $STATUS" ;;
		esac
		assert_equal "$(header Content-Type)" "application/json; charset=utf-8"
		assert_equal "$(printf '%s' "$BODY" | jq -r .statusCode)" "$STATUS"
		[[ $BODY != *"$TEST_SECRET"* ]] || fail "$path leaks the secret"
		[[ $BODY != *DATABASE_PATH* ]] || fail "$path leaks the settings"
	done
}

@test "deploy-1.2: a program's own path is a route like any other" {
	req POST /fcgi-auth/register.cgi -H 'Content-Type: application/json' \
	    --data-binary '{"email":"deploy@example.com","name":"D","password":"password123"}'
	assert_equal "$STATUS" 404
	assert_equal "$(sql "SELECT count(*) FROM users WHERE lower(email) = 'deploy@example.com'")" 0
}

@test "deploy-1.3: the server does not name itself beyond its product" {
	req GET /authentication
	case $(header Server) in
	''|Apache|fcgi-auth) ;;
	*) fail "Server: $(header Server)" ;;
	esac
	assert_equal "$(header X-Powered-By)" ""
}

# issue 20 (finding 4): the log must not grow for good.
@test "deploy-2.1: the shipped logrotate snippet rotates the programs' log in place, and they go on writing to it" {
	[ "$SERVER" = lighttpd ] || skip "Apache's error log is Apache's own to rotate"
	command -v logrotate >/dev/null || skip "logrotate is not installed"
	dir=$BATS_TEST_TMPDIR/logrotate
	mkdir -p "$dir"
	# The snippet, pointed at this server's log (its server.breakagelog).
	sed "s|^/var/log/fcgi-auth/\\*\\.log {|$ERROR_LOG {|" \
	    "$abs_top_srcdir/etc/logrotate/fcgi-auth" >"$dir/conf"
	grep -qF "$ERROR_LOG {" "$dir/conf"
	post_json /authentication/log-in '{"email":"before-rotation@example.com","password":"whatever1"}'
	assert_equal "$STATUS" 400
	grep -q before-rotation "$ERROR_LOG"
	run logrotate --force --state "$dir/state" "$dir/conf"
	assert_success
	grep -q before-rotation "$ERROR_LOG.1"
	refute grep -q before-rotation "$ERROR_LOG"
	# The running programs write on, at the start of the emptied file.
	post_json /authentication/log-in '{"email":"after-rotation@example.com","password":"whatever1"}'
	assert_equal "$STATUS" 400
	grep -q after-rotation "$ERROR_LOG"
	refute grep -q after-rotation "$ERROR_LOG.1"
	assert_equal "$(tr -d '\000' <"$ERROR_LOG" | wc -c)" "$(wc -c <"$ERROR_LOG")"
}

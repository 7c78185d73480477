#!/usr/bin/env bats
# demo (browser): the demo page (www/, served as scripts/run serves it) in
# Chromium, clicked through as a person would (tests/browser/demo.js): every
# step works under the page's strict Content-Security-Policy, no script
# sees a token, and a page on another port cannot write with the user's
# cookie nor read the replies.  A screenshot per step in
# tests/browser/screenshots/ of the build.  Skipped without chromium or node.
# Run behind lighttpd, and through the links in apache/ and cgi/ behind
# Apache with mod_fcgid and as plain CGI (tests/api/run-bats).

load "$abs_top_srcdir/tests/api/helpers"
load "$abs_top_srcdir/tests/browser/browser"

setup_file() {
	server_start main WWW_DIR="$abs_top_srcdir/www"
}

# page PATH: GET one of the page's files as req does, but not recorded for
# tests/docs/openapi-replies.py: they are no replies of the API.
page() {
	HEADERS=$BATS_TEST_TMPDIR/headers
	STATUS=$(curl -sS -o /dev/null -D "$HEADERS" -w '%{http_code}' "$URL$1")
}

@test "browser-2.1: the page and its assets carry the strict CSP; the API keeps every other path" {
	page /
	assert_equal "$STATUS" 200
	assert_equal "$(header Content-Type)" 'text/html; charset=utf-8'
	assert_equal "$(header Content-Security-Policy)" \
	    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' blob:; form-action 'none'; base-uri 'none'; frame-ancestors 'none'"
	assert_equal "$(header X-Content-Type-Options)" nosniff
	page /app.js
	assert_equal "$(header Content-Type)" 'text/javascript; charset=utf-8'
	page /app.css
	assert_equal "$(header Content-Type)" 'text/css; charset=utf-8'
	# Nothing else of www/ nor beside it, and the API's own replies.
	for path in /app.js.orig /www/app.js /index.htm /app.jsx; do
		req GET "$path"
		assert_reply 404 "{\"statusCode\":404,\"message\":\"Cannot GET $path\",\"error\":\"Not Found\"}"
	done
	req GET /authentication
	assert_reply 401 '{"statusCode":401,"message":"Unauthorized"}'
	assert_equal "$(header Content-Security-Policy)" "default-src 'none'; frame-ancestors 'none'"
}

@test "browser-2.2: the whole flow in Chromium, under the CSP, the token out of reach" {
	browser_require
	local shots=$abs_top_builddir/tests/browser/screenshots out page_port
	# Behind Apache (tests/browser/apache/, cgi/) in a folder of their own.
	[ "$SERVER" = lighttpd ] || shots=$shots/$SERVER
	mkdir -p "$shots"
	rm -f "$shots"/demo-*.png
	# Another user's seven posts: two pages of five.
	register other@example.com Other
	login other@example.com
	for i in 1 2 3 4 5 6 7; do
		post_json /posts "{\"title\":\"Other's post $i\",\"content\":\"Text $i\"}" \
		    -b "Authentication=$TOKEN" -H "Origin: $URL"
		assert_equal "$STATUS" 201
	done
	page_port=$(free_port)
	run node "$BROWSER_DIR/demo.js" "$URL" "$page_port" "$shots" demo@example.com password123
	assert_success
	out=$output
	got() { jq -c "$@" <<<"$out"; }
	# Errors from the API, as the user sees them.
	assert_equal "$(got .registerError)" '"password must be longer than or equal to 8 characters (400)"'
	assert_equal "$(got .loginError)" '"Wrong credentials provided (400)"'
	assert_equal "$(got .blankTitleError)" '"title should not be empty (400)"'
	# Logged in, "who am I", and no script can read a token.
	assert_equal "$(got .me)" "{\"id\":$(user_id demo@example.com),\"email\":\"demo@example.com\",\"name\":\"Demo User\"}"
	assert_equal "$(got .whoami)" '"Logged in as Demo User <demo@example.com>."'
	assert_equal "$(got .cookie)" '""'
	# Paging follows Link: five, then the last two, and no further link.
	assert_equal "$(got .page1)" '["Other'"'"'s post 1","Other'"'"'s post 2","Other'"'"'s post 3","Other'"'"'s post 4","Other'"'"'s post 5"]'
	assert_equal "$(got .page2)" '["Other'"'"'s post 6","Other'"'"'s post 7"]'
	assert_equal "$(got .page2Next)" false
	# Write (shown as text, not markup), edit, delete; no buttons on others' posts.
	assert_equal "$(got .published)" '"Post #8 published."'
	assert_equal "$(got .publishedContent)" '"Written in <b>Chromium</b>"'
	assert_equal "$(got .buttonsOnOthers)" 0
	assert_equal "$(got .editedPage)" '["Hello again from the demo"]'
	assert_equal "$(got .deleted)" '"Post #8 deleted."'
	# Sessions: the second device's is ended from the page, and is dead.
	assert_equal "$(got .deviceLogin)" 200
	assert_equal "$(got '.sessions | length')" 2
	assert_equal "$(got '.sessionsAfter | map(test("this one"))')" '[true]'
	assert_equal "$(got .deviceAfter)" 401
	assert_equal "$(sql 'SELECT count(*) FROM posts')" 7
	# Log-out: the page and the API agree.
	assert_equal "$(got .whoamiAfter)" '"Not logged in."'
	assert_equal "$(got .meAfter)" 401
	# The other origin: nothing it tried gave it a reply, and its plain
	# POST, sent with the cookie, was refused by the CSRF check (403).
	assert_equal "$(got .otherOrigin)" '{"plainPost":{"refused":"TypeError"},"jsonPost":{"refused":"TypeError"},"read":{"refused":"TypeError"}}'
	run grep -c "refused a cross-site POST /posts from http://127.0.0.1:$page_port\$" "$ERROR_LOG"
	assert_output 1
	# No CSP violation, nor script error, in the whole flow; the probe's
	# inline script was blocked and reported, so the listener works.
	assert_equal "$(got .cspFlow)" '[]'
	assert_equal "$(got .cspConsoleFlow)" '[]'
	assert_equal "$(got .pageErrors)" '[]'
	assert_equal "$(got .inlineRan)" false
	assert_equal "$(got .cspProbe)" '["script-src-elem inline"]'
	# Two-factor authentication: the key to type, then the QR code, whose
	# secret (as zbarimg reads it off the screen) is the one turned on.
	local otp='otpauth://totp/127\.0\.0\.1:demo@example\.com\?secret=([A-Z2-7]{32})&issuer=127\.0\.0\.1'
	[[ $(got -r .tfaKey) =~ ^Key:\ ([A-Z2-7]{4}\ ){7}[A-Z2-7]{4}$'\n'.*$'\n'$otp$ ]] ||
	    fail "unexpected key: $(got .tfaKey)"
	typed=${BASH_REMATCH[2]}
	assert_equal "$(got .tfaKeyShown)" false
	[[ $(got -r .tfaQr) =~ ^$otp$ ]] || fail "unexpected QR code: $(got .tfaQr)"
	[ "${BASH_REMATCH[1]}" != "$typed" ]
	assert_equal "$(got .tfaOn)" '"Two-factor authentication is on; your other sessions have ended."'
	assert_equal "$(got '.recoveryCodes | map(select(test("^[0-9a-f]{8}(-[0-9a-f]{8}){3}$"))) | unique | length')" 10
	# The log-in's second step: nobody logged in until the code.
	assert_equal "$(got .tfaAskedWhoami)" '"Not logged in."'
	assert_equal "$(got .tfaAskedLoginShown)" false
	assert_equal "$(got .tfaWrong)" '"Wrong authentication code (401)"'
	assert_equal "$(got .tfaWhoami)" '"Logged in as Demo User <demo@example.com>."'
	assert_equal "$(got .tfaAskedAfter)" false
	# Off with a recovery code: the secret is gone from the database.
	assert_equal "$(got .tfaOff)" '"Two-factor authentication is off."'
	assert_equal "$(got .recoveryShown)" false
	assert_equal "$(sql "SELECT count(*) FROM users WHERE email = 'demo@example.com' AND totp_secret IS NULL AND totp_enabled_at IS NULL")" 1
	# A screenshot per step.
	assert_equal "$(got '.screenshots | length')" 21
	for f in $(got '.screenshots[]' | tr -d '"'); do
		[ -s "$shots/$f" ]
	done
	echo "# screenshots: $shots" >&3
}

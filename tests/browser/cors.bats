#!/usr/bin/env bats
# cors (browser): a page served from another port logs in, reads "who am I"
# and lists the posts through the API with credentials: "include" when its
# origin is FRONTEND_URL, and is refused by the browser when it is not
# (issue 21).  One headless Chromium for both pages; skipped without
# chromium or node.

load ../api/helpers
load browser

setup_file() {
	PAGE_PORT=$(free_port)
	export PAGE_PORT
	server_start main FRONTEND_URL=http://127.0.0.1:$PAGE_PORT
}

@test "browser-1.1: a listed front end reads the API with credentials, another is refused" {
	browser_require
	register front@example.com Front
	login front@example.com
	post_json /posts '{"title":"Seen from the front","content":"Hi"}' -b "Authentication=$TOKEN"
	assert_equal "$STATUS" 201
	run node "$abs_top_srcdir/tests/browser/cors.js" "$URL" "$PAGE_PORT" "$(free_port)" \
	    front@example.com password123
	assert_success
	local out=$output
	echo "# $out" >&3
	got() { jq -c "$1" <<<"$out"; }
	# The allowed origin reads everything, errors included.
	assert_equal "$(got .allowed.wrong)" '{"status":400,"body":{"statusCode":400,"message":"Wrong credentials provided"}}'
	assert_equal "$(got .allowed.login.status)" 200
	assert_equal "$(got .allowed.me)" "{\"status\":200,\"body\":{\"id\":$(user_id front@example.com),\"email\":\"front@example.com\",\"name\":\"Front\"}}"
	assert_equal "$(got '.allowed.posts.body | map(.title)')" '["Seen from the front"]'
	# The other one gets nothing: the log-in's preflight fails, and the
	# reads (sent with the cookie: same site) are not given to the page.
	assert_equal "$(got .refused)" '{"wrong":{"refused":"TypeError"},"login":{"refused":"TypeError"},"me":{"refused":"TypeError"},"posts":{"refused":"TypeError"}}'
}

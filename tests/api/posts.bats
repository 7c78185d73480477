#!/usr/bin/env bats
# posts: every /posts route: public pages walked by a keyset cursor, one post,
# and create, edit and delete by the author only; no e-mail ever published.

load helpers

# The tests share one server and database and take cursors from the highest
# post id, so they must run one after another even under bats --jobs.
BATS_NO_PARALLELIZE_WITHIN_FILE=true

# A second instance on the same database, URL_quota, with small post quotas
# (issue 20): 5 posts, or 1000 bytes of titles and contents, per user.
setup_file() {
	server_start quota POSTS_MAX_PER_USER=5 POSTS_MAX_BYTES_PER_USER=1000
	server_start main
}

UNAUTHORIZED='{"statusCode":401,"message":"Unauthorized"}'
BAD_ID='{"statusCode":400,"message":["id must be a number string"],"error":"Bad Request"}'
BAD_LIMIT='{"statusCode":400,"message":"limit must be a whole number from 1 to 100","error":"Bad Request"}'
BAD_AFTER='{"statusCode":400,"message":"after must be a whole number, 0 or more","error":"Bad Request"}'
NOT_EDITOR='{"statusCode":403,"message":"You can only edit your own posts","error":"Forbidden"}'
NOT_DELETER='{"statusCode":403,"message":"You can only delete your own posts","error":"Forbidden"}'
NO_FIELD='{"statusCode":400,"message":["at least one of title, content must be given"],"error":"Bad Request"}'

# No reply this test received from /posts (the register and log-in replies
# are left out by new_user) shows a password, a hash or any e-mail address:
# every user here has an @example.com address.
teardown() {
	refute_leaks password123 '@example.com' '"email"'
}

# The validation error body for the given JSON array of messages.
list_400() {
	printf '{"statusCode":400,"message":%s,"error":"Bad Request"}' "$1"
}

# not_found ID: the 404 for a post that is not there.
not_found() {
	printf '{"statusCode":404,"message":"Post with id %s not found","error":"Not Found"}' "$1"
}

# post_body ID TITLE CONTENT AUTHOR_ID AUTHOR_NAME: one post as the API writes
# it (for strings needing no JSON escape).
post_body() {
	printf '{"id":%s,"title":"%s","content":"%s","author":{"id":%s,"name":"%s"}}' "$@"
}

# preq METHOD PATH [CURL-ARGS...]: req, then the headers every reply carries:
# nosniff, no-store, an exact Content-Length, and a JSON Content-Type exactly
# when there is a body.  Sets H: the reply's headers by lower-case name.
preq() {
	local line name LC_ALL=C
	req "$@"
	declare -gA H=()
	while IFS= read -r line; do
		line=${line%$'\r'}
		case $line in
		HTTP/*) H=() ;;		# a 100 Continue came first
		*:*)
			name=${line%%:*}
			name=${name,,}
			line=${line#*:}
			[ -n "${H[$name]+set}" ] || H[$name]=${line# }
			;;
		esac
	done <"$HEADERS"
	assert_equal "${H[x-content-type-options]-<none>}" "nosniff"
	assert_equal "${H[cache-control]-<none>}" "no-store"
	assert_equal "${H[content-length]-<none>}" "${#BODY}"
	if [ -n "$BODY" ]; then
		assert_equal "${H[content-type]-<none>}" "application/json; charset=utf-8"
	else
		assert_equal "${H[content-type]-<none>}" "<none>"
	fi
}

# assert_no NAME: the last preq's reply has no such header (lower-case NAME).
assert_no() {
	assert_equal "${H[$1]-<none>}" "<none>"
}

# json_str STRING: STRING as a JSON string (quotes, backslashes, \n, \r, \t).
json_str() {
	local s=$1
	s=${s//\\/\\\\}
	s=${s//\"/\\\"}
	s=${s//$'\n'/\\n}
	s=${s//$'\r'/\\r}
	s=${s//$'\t'/\\t}
	printf '"%s"' "$s"
}

# cookie TOKEN: the curl arguments sending TOKEN, none for "".
cookie() {
	[ -z "$1" ] || printf '%s\n' -b "Authentication=$1"
}

# new_user EMAIL NAME: register and log in; sets TOKEN and USER_ID.  Their
# replies (which show the e-mail, as they should) are kept out of the bodies
# teardown checks.
new_user() {
	local f=$BATS_TEST_TMPDIR/replies keep=$BATS_TEST_TMPDIR/replies.keep
	if [ -f "$f" ]; then cp "$f" "$keep"; else : >"$keep"; fi
	register "$1" "$2"
	login "$1"
	USER_ID=$(user_id "$1")
	[ -n "$USER_ID" ]
	mv "$keep" "$f"
}

# create TOKEN JSON: POST /posts, with the cookie unless TOKEN is "".
create() {
	local args
	mapfile -t args < <(cookie "$1")
	preq POST /posts -H 'Content-Type: application/json' --data-binary "$2" "${args[@]}"
}

# new_post TOKEN TITLE CONTENT: create a post, asserting 201; sets POST_ID.
new_post() {
	create "$1" "{\"title\":$(json_str "$2"),\"content\":$(json_str "$3")}"
	assert_equal "$STATUS" 201
	[[ $BODY =~ ^\{\"id\":([0-9]+), ]]
	POST_ID=${BASH_REMATCH[1]}
}

# patch_post TOKEN ID JSON: PATCH /posts/ID, with the cookie unless TOKEN is "".
patch_post() {
	local args
	mapfile -t args < <(cookie "$1")
	preq PATCH "/posts/$2" -H 'Content-Type: application/json' --data-binary "$3" "${args[@]}"
}

# delete_post TOKEN ID: DELETE /posts/ID without a body.
delete_post() {
	local args
	mapfile -t args < <(cookie "$1")
	preq DELETE "/posts/$2" -H 'Content-Length: 0' "${args[@]}"
}

# last_id: the highest post id so far (0 for none): a cursor after which only
# this test's posts will be, as the tests of a file run one after another.
last_id() {
	sql 'SELECT coalesce(max(id), 0) FROM posts'
}

# seed USER_ID N: N posts "bulk 1".."bulk N" by the user, straight into the
# database (the pages only read it).
seed() {
	sql "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $2)
	    INSERT INTO posts (author_id, title, content, created_at, updated_at)
	    SELECT $1, 'bulk ' || i, 'seeded', 0, 0 FROM n"
}

# The jq test that a page is an array of exactly {id, title, content,
# author: {id, name}}, ids strictly ascending.
PAGE_SHAPE='type == "array" and all(.[];
    keys_unsorted == ["id", "title", "content", "author"] and
    (.id | type) == "number" and (.title | type) == "string" and
    (.content | type) == "string" and
    (.author | keys_unsorted) == ["id", "name"] and
    (.author.id | type) == "number" and (.author.name | type) == "string")
    and ([.[].id] == ([.[].id] | sort)) and ([.[].id] | unique | length) == length'

# assert_page_shape: BODY has PAGE_SHAPE, and no "email" anywhere.
assert_page_shape() {
	printf '%s' "$BODY" | jq -e "$PAGE_SHAPE" >/dev/null
	[[ $BODY != *email* ]]
}

# walk PATH LIMIT: GET PATH and follow each Link until there is none; every
# page has PAGE_SHAPE, and one with a Link holds exactly LIMIT posts and links
# after its last id.  Sets WALK (the ids seen, one a line) and PAGES.
walk() {
	local path=$1 limit=$2 page
	WALK=
	PAGES=0
	while :; do
		preq GET "$path"
		assert_equal "$STATUS" 200
		[[ $BODY != *email* ]]
		# Line 1: the shape holds; 2: the count; 3: the last id; then the ids.
		mapfile -t page < <(printf '%s' "$BODY" |
		    jq -r "($PAGE_SHAPE), length, (.[-1].id // 0), .[].id")
		assert_equal "${page[0]}" true
		PAGES=$((PAGES + 1))
		[ "${page[1]}" -eq 0 ] || WALK+=$(printf '%s\n' "${page[@]:3}")$'\n'
		[ -n "${H[link]+set}" ] || break
		assert_equal "${page[1]}" "$limit"
		assert_equal "${H[link]}" "</posts?limit=$limit&after=${page[2]}>; rel=\"next\""
		path="/posts?limit=$limit&after=${page[2]}"
		[ "$PAGES" -lt 10000 ]
	done
	[ "${page[1]}" -le "$limit" ]
	WALK=${WALK%$'\n'}
}

# --- GET /posts ---------------------------------------------------------

@test "posts-1.1: GET /posts is public: 200, posts in id order, author {id,name} and no e-mail" {
	new_user posts-lister@example.com Lister
	tok=$TOKEN uid=$USER_ID
	cursor=$(last_id)
	new_post "$tok" One "first post"
	p1=$POST_ID
	new_post "$tok" Two "second post"
	p2=$POST_ID
	[ "$p2" -gt "$p1" ]
	preq GET "/posts?after=$cursor"
	assert_reply 200 "[$(post_body "$p1" One "first post" "$uid" Lister),$(post_body "$p2" Two "second post" "$uid" Lister)]"
	assert_no link
	assert_page_shape
	# The same with the user's cookie: nothing more is shown to the author.
	preq GET "/posts?after=$cursor" -b "Authentication=$tok"
	assert_reply 200 "[$(post_body "$p1" One "first post" "$uid" Lister),$(post_body "$p2" Two "second post" "$uid" Lister)]"
	refute_leaks posts-lister@example.com
}

@test "posts-1.2: without parameters a page is the first 20 posts, and links on" {
	new_user posts-default@example.com Default
	seed "$USER_ID" 25
	preq GET /posts
	assert_equal "$STATUS" 200
	assert_page_shape
	assert_equal "$(printf '%s' "$BODY" | jq -r '.[].id')" "$(sql 'SELECT id FROM posts ORDER BY id LIMIT 20')"
	last=$(sql 'SELECT id FROM posts ORDER BY id LIMIT 1 OFFSET 19')
	assert_equal "${H[link]-}" "</posts?limit=20&after=$last>; rel=\"next\""
}

@test "posts-1.3: the default limit is 20 from a cursor too" {
	new_user posts-default2@example.com Default2
	cursor=$(last_id)
	seed "$USER_ID" 21
	preq GET "/posts?after=$cursor"
	assert_equal "$STATUS" 200
	assert_equal "$(printf '%s' "$BODY" | jq length)" 20
	assert_equal "$(printf '%s' "$BODY" | jq -c '[.[0].title, .[19].title, .[19].author.name]')" '["bulk 1","bulk 20","Default2"]'
	last=$(printf '%s' "$BODY" | jq '.[-1].id')
	assert_equal "${H[link]-}" "</posts?limit=20&after=$last>; rel=\"next\""
	preq GET "/posts?limit=20&after=$last"
	assert_equal "$(printf '%s' "$BODY" | jq -c '[.[].title]')" '["bulk 21"]'
	assert_no link
}

@test "posts-1.4: every limit from 1 to 100 is honoured, with a Link when more follow" {
	new_user posts-limits@example.com Limits
	cursor=$(last_id)
	seed "$USER_ID" 101
	for limit in 1 2 3 19 20 21 50 99 100; do
		preq GET "/posts?limit=$limit&after=$cursor"
		assert_equal "$STATUS" 200
		assert_page_shape
		assert_equal "$(printf '%s' "$BODY" | jq -r '.[].id')" \
		    "$(sql "SELECT id FROM posts WHERE id > $cursor ORDER BY id LIMIT $limit")"
		last=$(sql "SELECT id FROM posts WHERE id > $cursor ORDER BY id LIMIT 1 OFFSET $((limit - 1))")
		assert_equal "${H[link]-}" "</posts?limit=$limit&after=$last>; rel=\"next\""
	done
	# 101 posts: limit=100 leaves exactly one for the next page, which has no Link.
	preq GET "/posts?limit=100&after=$last"
	assert_equal "$(printf '%s' "$BODY" | jq -c '[.[].title]')" '["bulk 101"]'
	assert_no link
}

@test "posts-1.5: a last page that is exactly full has no Link" {
	new_user posts-full@example.com Full
	cursor=$(last_id)
	seed "$USER_ID" 5
	preq GET "/posts?limit=5&after=$cursor"
	assert_equal "$STATUS" 200
	assert_equal "$(printf '%s' "$BODY" | jq -c '[.[].title]')" '["bulk 1","bulk 2","bulk 3","bulk 4","bulk 5"]'
	assert_no link
	preq GET "/posts?limit=4&after=$cursor"
	assert_equal "$(printf '%s' "$BODY" | jq length)" 4
	fourth=$(sql "SELECT id FROM posts WHERE id > $cursor ORDER BY id LIMIT 1 OFFSET 3")
	assert_equal "${H[link]-}" "</posts?limit=4&after=$fourth>; rel=\"next\""
}

@test "posts-1.6: an empty page is [] without a Link" {
	preq GET "/posts?after=$(last_id)"
	assert_reply 200 '[]'
	assert_no link
	preq GET '/posts?after=9223372036854775807&limit=100'
	assert_reply 200 '[]'
	assert_no link
}

@test "posts-1.7: unknown query parameters are ignored" {
	new_user posts-query@example.com Query
	cursor=$(last_id)
	new_post "$TOKEN" Q1 c1
	p1=$POST_ID
	new_post "$TOKEN" Q2 c2
	p2=$POST_ID
	expected="[$(post_body "$p1" Q1 c1 "$USER_ID" Query)]"
	for q in "foo=bar&limit=1&after=$cursor" \
	    "limitx=5&limit=1&xafter=$p1&after=$cursor&page=2" "x&limit=1&after=$cursor&y="; do
		preq GET "/posts?$q"
		assert_reply 200 "$expected"
		assert_equal "${H[link]-}" "</posts?limit=1&after=$p1>; rel=\"next\""
	done
	preq GET "/posts?after=$p1&sort=desc"
	assert_reply 200 "[$(post_body "$p2" Q2 c2 "$USER_ID" Query)]"
}

@test "posts-1.8: offset paging is refused, not silently ignored" {
	# A client paging by offset would otherwise get page one forever.
	preq GET '/posts?limit=5&offset=5'
	assert_reply 400 '{"statusCode":400,"message":"offset is not supported: follow the Link header (after=)","error":"Bad Request"}'
}

# --- page walks -----------------------------------------------------------

@test "posts-2.1: a walk over 45 posts with limit=20 sees each once, in order, in 3 pages" {
	new_user posts-walker@example.com Walker
	cursor=$(last_id)
	# Written with SQL (creating through the API is tested further on): this is
	# about reading them, and 45 requests behind plain CGI take a while.
	sql "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 45)
	    INSERT INTO posts (author_id, title, content, created_at, updated_at)
	    SELECT $USER_ID, 'walk ' || i, 'post ' || i, 0, 0 FROM n ORDER BY i"
	mapfile -t ids < <(sql "SELECT id FROM posts WHERE id > $cursor ORDER BY id")
	walk "/posts?limit=20&after=$cursor" 20
	assert_equal "$PAGES" 3
	assert_equal "$WALK" "$(printf '%s\n' "${ids[@]}")"
	assert_equal "$(printf '%s\n' "$WALK" | wc -l)" 45
	preq GET "/posts?limit=20&after=${ids[39]}"
	assert_equal "$(printf '%s' "$BODY" | jq -c '[.[].title]')" '["walk 41","walk 42","walk 43","walk 44","walk 45"]'
}

@test "posts-2.2: a walk with other users' posts interleaved sees every post once" {
	new_user posts-inter-a@example.com InterA
	a=$TOKEN aid=$USER_ID
	new_user posts-inter-b@example.com InterB
	b=$TOKEN bid=$USER_ID
	cursor=$(last_id)
	# A's 45 posts with one of B's after every third, written with SQL.
	sql "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 45),
	    r(i, k) AS (SELECT i, 0 FROM n UNION ALL SELECT i, 1 FROM n WHERE i % 3 = 0)
	    INSERT INTO posts (author_id, title, content, created_at, updated_at)
	    SELECT CASE k WHEN 0 THEN $aid ELSE $bid END,
	        CASE k WHEN 0 THEN 'a ' ELSE 'b ' END || i,
	        CASE k WHEN 0 THEN 'by A' ELSE 'by B' END, 0, 0 FROM r ORDER BY i, k"
	# 60 posts: the third page of 20 is exactly full and has no Link.
	walk "/posts?limit=20&after=$cursor" 20
	assert_equal "$PAGES" 3
	assert_equal "$WALK" "$(sql "SELECT id FROM posts WHERE id > $cursor ORDER BY id")"
	assert_equal "$(printf '%s\n' "$WALK" | wc -l)" 60
	assert_equal "$(sql "SELECT count(*) FROM posts WHERE id > $cursor AND author_id = $aid")" 45
	assert_equal "$(sql "SELECT count(*) FROM posts WHERE id > $cursor AND author_id = $bid")" 15
	# An uneven limit: 8 pages of 7 and one of 4.
	walk "/posts?limit=7&after=$cursor" 7
	assert_equal "$PAGES" 9
	assert_equal "$WALK" "$(sql "SELECT id FROM posts WHERE id > $cursor ORDER BY id")"
	# Each post shows its own author.
	preq GET "/posts?limit=4&after=$cursor"
	assert_equal "$(printf '%s' "$BODY" | jq -c '[.[].author]')" \
	    "[{\"id\":$aid,\"name\":\"InterA\"},{\"id\":$aid,\"name\":\"InterA\"},{\"id\":$aid,\"name\":\"InterA\"},{\"id\":$bid,\"name\":\"InterB\"}]"
	refute_leaks posts-inter-a@example.com posts-inter-b@example.com
}

@test "posts-2.3: a walk of the whole table from /posts sees every post exactly once" {
	new_user posts-whole@example.com Whole
	seed "$USER_ID" 30
	walk /posts 20
	assert_equal "$WALK" "$(sql 'SELECT id FROM posts ORDER BY id')"
	total=$(sql 'SELECT count(*) FROM posts')
	assert_equal "$(printf '%s\n' "$WALK" | wc -l)" "$total"
	assert_equal "$PAGES" $(( (total + 19) / 20 ))
	walk '/posts?limit=100' 100
	assert_equal "$WALK" "$(sql 'SELECT id FROM posts ORDER BY id')"
}

@test "posts-2.4: the cursor is an id, not a position: a deleted post does not shift the pages" {
	new_user posts-cursor@example.com Cursor
	cursor=$(last_id)
	for i in 1 2 3 4; do
		new_post "$TOKEN" "c $i" x
		ids+=("$POST_ID")
	done
	preq GET "/posts?limit=2&after=$cursor"
	assert_equal "${H[link]-}" "</posts?limit=2&after=${ids[1]}>; rel=\"next\""
	# Deleting a post already seen must not make the next page skip one.
	delete_post "$TOKEN" "${ids[0]}"
	assert_equal "$STATUS" 200
	preq GET "/posts?limit=2&after=${ids[1]}"
	assert_reply 200 "[$(post_body "${ids[2]}" "c 3" x "$USER_ID" Cursor),$(post_body "${ids[3]}" "c 4" x "$USER_ID" Cursor)]"
	assert_no link
	# A cursor naming a deleted post still works.
	preq GET "/posts?limit=1&after=${ids[0]}"
	assert_reply 200 "[$(post_body "${ids[1]}" "c 2" x "$USER_ID" Cursor)]"
}

# --- bad paging parameters ----------------------------------------------

@test "posts-3.1: a limit outside 1..100 or not a whole number is a 400 naming limit" {
	for q in limit=0 limit=101 limit=abc limit=-1 limit= limit limit=1.5 limit=05 \
	    limit=+5 limit=%20 limit=1e2 limit=99999999999999999999 \
	    limit=123456789012345678901234567890 "limit=0&after=x"; do
		preq GET "/posts?$q"
		assert_reply 400 "$BAD_LIMIT"
		assert_no link
	done
}

@test "posts-3.2: an after that is not a whole number of 0 or more is a 400 naming after" {
	for q in after=-1 after=x after=1.5 after= after after=01 after=9223372036854775808 \
	    after=1e3 "limit=5&after=-1"; do
		preq GET "/posts?$q"
		assert_reply 400 "$BAD_AFTER"
	done
	preq GET '/posts?after=0&limit=1'
	assert_equal "$STATUS" 200
}

# --- GET /posts/:id -------------------------------------------------------

@test "posts-4.1: GET /posts/:id is public: 200 and the post" {
	new_user posts-one@example.com One
	new_post "$TOKEN" Hello "First post"
	id=$POST_ID
	preq GET "/posts/$id"
	assert_reply 200 "$(post_body "$id" Hello "First post" "$USER_ID" One)"
	assert_no link
	preq GET "/posts/$id?x=1"
	assert_reply 200 "$(post_body "$id" Hello "First post" "$USER_ID" One)"
	refute_leaks posts-one@example.com
}

@test "posts-4.2: a post that is not there is the exact 404" {
	for id in 999999 9223372036854775807 $(( $(last_id) + 1 )); do
		preq GET "/posts/$id"
		assert_reply 404 "$(not_found "$id")"
	done
}

@test "posts-4.3: an id that is not a positive number string is the exact 400" {
	for id in abc -1 0 007 00 1.5 99999999999999999999 9223372036854775808 \
	    123456789012345678901234567890 +1 1e3 0x10 '%31' ' 1'; do
		preq GET "/posts/${id// /%20}"
		assert_reply 400 "$BAD_ID"
	done
}

@test "posts-4.4: paths under /posts that are no route are the JSON 404" {
	preq GET /posts/1/extra
	assert_reply 404 '{"statusCode":404,"message":"Cannot GET /posts/1/extra","error":"Not Found"}'
	preq GET /posts/
	assert_reply 404 '{"statusCode":404,"message":"Cannot GET /posts/","error":"Not Found"}'
	preq GET /postsx
	assert_reply 404 '{"statusCode":404,"message":"Cannot GET /postsx","error":"Not Found"}'
	preq PATCH /posts/1/extra -H 'Content-Type: application/json' --data-binary '{"title":"x"}'
	assert_reply 404 '{"statusCode":404,"message":"Cannot PATCH /posts/1/extra","error":"Not Found"}'
}

# --- POST /posts ------------------------------------------------------------

@test "posts-5.1: POST /posts logged in is 201 with the post and its author; GET returns the same" {
	new_user posts-alice@example.com Alice
	before=$(sql 'SELECT count(*) FROM posts')
	create "$TOKEN" '{"title":"Hello","content":"First post"}'
	id=$(sql "SELECT max(id) FROM posts WHERE author_id = $USER_ID")
	[ -n "$id" ]
	created=$(post_body "$id" Hello "First post" "$USER_ID" Alice)
	assert_reply 201 "$created"
	assert_no set-cookie
	assert_equal "$(sql 'SELECT count(*) FROM posts')" $((before + 1))
	assert_equal "$(sql "SELECT author_id || '|' || title || '|' || content FROM posts WHERE id = $id")" \
	    "$USER_ID|Hello|First post"
	preq GET "/posts/$id"
	assert_reply 200 "$created"
	refute_leaks posts-alice@example.com
}

@test "posts-5.2: titles and contents are kept exactly, escapes and Unicode included" {
	new_user posts-chars@example.com Chars
	title='Grüße "quoted" \ back/slash 😀'
	content=$'line 1\nline 2\t<b>&amp;</b>'
	new_post "$TOKEN" "$title" "$content"
	id=$POST_ID
	expected="{\"id\":$id,\"title\":\"Grüße \\\"quoted\\\" \\\\ back/slash 😀\",\"content\":\"line 1\\nline 2\\t<b>&amp;</b>\",\"author\":{\"id\":$USER_ID,\"name\":\"Chars\"}}"
	assert_equal "$BODY" "$expected"
	preq GET "/posts/$id"
	assert_reply 200 "$expected"
	assert_equal "$(printf '%s' "$BODY" | jq -r .title)" "$title"
	assert_equal "$(sql "SELECT title FROM posts WHERE id = $id")" "$title"
	assert_equal "$(sql "SELECT content FROM posts WHERE id = $id")" "$content"
}

@test "posts-5.3: POST /posts without a valid cookie is 401 and stores nothing" {
	before=$(sql 'SELECT count(*) FROM posts')
	create '' '{"title":"Anon","content":"x"}'
	assert_reply 401 "$UNAUTHORIZED"
	# Authentication comes first: an invalid body is still a 401.
	create '' '{}'
	assert_reply 401 "$UNAUTHORIZED"
	create garbage '{"title":"Anon","content":"x"}'
	assert_reply 401 "$UNAUTHORIZED"
	assert_equal "$(sql 'SELECT count(*) FROM posts')" "$before"
}

@test "posts-5.4: a logged-out cookie cannot post" {
	new_user posts-gone@example.com Gone
	req POST /authentication/log-out -H 'Content-Length: 0' -b "Authentication=$TOKEN"
	assert_equal "$STATUS" 200
	create "$TOKEN" '{"title":"Late","content":"x"}'
	assert_reply 401 "$UNAUTHORIZED"
	assert_equal "$(sql "SELECT count(*) FROM posts WHERE author_id = $USER_ID")" 0
}

# --- validation -------------------------------------------------------------

@test "posts-6.1: {}, an empty body and nulls list both fields" {
	new_user posts-empty@example.com Empty
	all='["title should not be empty","title must be a string","content should not be empty","content must be a string"]'
	for json in '{}' '' '{"title":null,"content":null}'; do
		create "$TOKEN" "$json"
		assert_reply 400 "$(list_400 "$all")"
	done
	assert_equal "$(sql "SELECT count(*) FROM posts WHERE author_id = $USER_ID")" 0
}

@test "posts-6.2: {\"title\":\"\"} names the empty title and the missing content" {
	new_user posts-notitle@example.com NoTitle
	create "$TOKEN" '{"title":""}'
	assert_reply 400 "$(list_400 '["title should not be empty","content should not be empty","content must be a string"]')"
	create "$TOKEN" '{"title":"","content":""}'
	assert_reply 400 "$(list_400 '["title should not be empty","content should not be empty"]')"
	create "$TOKEN" '{"content":"only content"}'
	assert_reply 400 "$(list_400 '["title should not be empty","title must be a string"]')"
	assert_equal "$(sql "SELECT count(*) FROM posts WHERE author_id = $USER_ID")" 0
}

@test "posts-6.3: whitespace-only title or content is empty" {
	new_user posts-blank@example.com Blank
	create "$TOKEN" '{"title":"   ","content":"x"}'
	assert_reply 400 "$(list_400 '["title should not be empty"]')"
	create "$TOKEN" '{"title":" \t\r\n ","content":"\n\n"}'
	assert_reply 400 "$(list_400 '["title should not be empty","content should not be empty"]')"
	assert_equal "$(sql "SELECT count(*) FROM posts WHERE author_id = $USER_ID")" 0
}

@test "posts-6.4: a title of 200 characters is kept whole, 201 are refused" {
	new_user posts-title@example.com Title
	t200=$(printf 't%.0s' $(seq 200))
	new_post "$TOKEN" "$t200" x
	assert_equal "$BODY" "$(post_body "$POST_ID" "$t200" x "$USER_ID" Title)"
	assert_equal "$(sql "SELECT length(title) FROM posts WHERE id = $POST_ID")" 200
	# Characters, not bytes: 200 two-byte characters are fine too.
	e200=$(printf 'é%.0s' $(seq 200))
	new_post "$TOKEN" "$e200" x
	assert_equal "$(printf '%s' "$BODY" | jq -r .title)" "$e200"
	before=$(sql 'SELECT count(*) FROM posts')
	create "$TOKEN" "{\"title\":\"${t200}t\",\"content\":\"x\"}"
	assert_reply 400 "$(list_400 '["title must be shorter than or equal to 200 characters"]')"
	create "$TOKEN" "{\"title\":\"${e200}é\",\"content\":\"x\"}"
	assert_reply 400 "$(list_400 '["title must be shorter than or equal to 200 characters","title must be shorter than or equal to 400 bytes in UTF-8"]')"
	assert_equal "$(sql 'SELECT count(*) FROM posts')" "$before"
}

@test "posts-6.5: content of 10000 characters is kept whole, 10001 are refused" {
	new_user posts-content@example.com Content
	c10k=$(head -c 10000 /dev/zero | tr '\0' c)
	new_post "$TOKEN" Long "$c10k"
	assert_equal "$BODY" "$(post_body "$POST_ID" Long "$c10k" "$USER_ID" Content)"
	preq GET "/posts/$POST_ID"
	assert_reply 200 "$(post_body "$POST_ID" Long "$c10k" "$USER_ID" Content)"
	# 10000 two-byte characters are 20000 bytes: the byte limit too (posts-14.1).
	e=é
	e10k=$(printf "$e%.0s" $(seq 10000))
	new_post "$TOKEN" Accents "$e10k"
	assert_equal "$(sql "SELECT length(content) FROM posts WHERE id = $POST_ID")" 10000
	before=$(sql 'SELECT count(*) FROM posts')
	create "$TOKEN" "{\"title\":\"Long\",\"content\":\"${c10k}c\"}"
	assert_reply 400 "$(list_400 '["content must be shorter than or equal to 10000 characters"]')"
	create "$TOKEN" "{\"title\":\"Long\",\"content\":\"${e10k}${e}\"}"
	assert_reply 400 "$(list_400 '["content must be shorter than or equal to 10000 characters","content must be shorter than or equal to 20000 bytes in UTF-8"]')"
	create "$TOKEN" "{\"title\":\"$(printf 't%.0s' $(seq 201))\",\"content\":\"${c10k}c\"}"
	assert_reply 400 "$(list_400 '["title must be shorter than or equal to 200 characters","content must be shorter than or equal to 10000 characters"]')"
	assert_equal "$(sql 'SELECT count(*) FROM posts')" "$before"
}

@test "posts-6.6: values of the wrong type are refused" {
	new_user posts-types@example.com Types
	for json in '{"title":1,"content":true}' '{"title":["x"],"content":{"a":"b"}}' \
	    '{"title":false,"content":0.5}'; do
		create "$TOKEN" "$json"
		assert_reply 400 "$(list_400 '["title must be a string","content must be a string"]')"
	done
	create "$TOKEN" '{"title":"ok","content":42}'
	assert_reply 400 "$(list_400 '["content must be a string"]')"
	assert_equal "$(sql "SELECT count(*) FROM posts WHERE author_id = $USER_ID")" 0
}

@test "posts-6.7: unknown fields (id, author, authorId) are refused and nothing is stored" {
	new_user posts-victim@example.com Victim
	vid=$USER_ID
	new_user posts-mallory@example.com Mallory
	mid=$USER_ID
	before=$(sql 'SELECT count(*) FROM posts')
	next=$(( $(last_id) + 1 ))
	create "$TOKEN" "{\"title\":\"x\",\"content\":\"y\",\"author\":{\"id\":$vid}}"
	assert_reply 400 "$(list_400 '["property author should not exist"]')"
	create "$TOKEN" "{\"title\":\"x\",\"content\":\"y\",\"authorId\":$vid}"
	assert_reply 400 "$(list_400 '["property authorId should not exist"]')"
	create "$TOKEN" "{\"id\":$next,\"title\":\"x\",\"content\":\"y\"}"
	assert_reply 400 "$(list_400 '["property id should not exist"]')"
	create "$TOKEN" "{\"id\":1,\"authorId\":$vid,\"title\":\"x\",\"content\":\"y\",\"author\":{\"id\":$vid}}"
	assert_reply 400 "$(list_400 '["property id should not exist","property authorId should not exist","property author should not exist"]')"
	# Unknown fields and field errors are listed together.
	create "$TOKEN" '{"createdAt":0,"title":""}'
	assert_reply 400 "$(list_400 '["property createdAt should not exist","title should not be empty","content should not be empty","content must be a string"]')"
	assert_equal "$(sql 'SELECT count(*) FROM posts')" "$before"
	assert_equal "$(sql "SELECT count(*) FROM posts WHERE author_id IN ($vid, $mid)")" 0
	preq GET "/posts/$next"
	assert_reply 404 "$(not_found "$next")"
}

@test "posts-6.8: a body that is not a JSON object, or not JSON, is refused" {
	new_user posts-badjson@example.com BadJson
	create "$TOKEN" '[{"title":"x","content":"y"}]'
	assert_reply 400 '{"statusCode":400,"message":"Request body must be a JSON object","error":"Bad Request"}'
	create "$TOKEN" '{"title":"x","content":"y"'
	assert_reply 400 '{"statusCode":400,"message":"Unexpected end of JSON input","error":"Bad Request"}'
	preq POST /posts -d 'title=x&content=y' -b "Authentication=$TOKEN"
	assert_reply 415 '{"statusCode":415,"message":"Content-Type must be application/json","error":"Unsupported Media Type"}'
	assert_equal "$(sql "SELECT count(*) FROM posts WHERE author_id = $USER_ID")" 0
}

# --- PATCH /posts/:id -----------------------------------------------------

@test "posts-7.1: the author's PATCH of the title alone keeps the content, and the reverse" {
	new_user posts-editor@example.com Editor
	new_post "$TOKEN" Second "Second post"
	id=$POST_ID
	patch_post "$TOKEN" "$id" '{"title":"Second (edited)"}'
	assert_reply 200 "$(post_body "$id" "Second (edited)" "Second post" "$USER_ID" Editor)"
	preq GET "/posts/$id"
	assert_reply 200 "$(post_body "$id" "Second (edited)" "Second post" "$USER_ID" Editor)"
	patch_post "$TOKEN" "$id" '{"content":"new content"}'
	assert_reply 200 "$(post_body "$id" "Second (edited)" "new content" "$USER_ID" Editor)"
	# null is absence: the title stays.
	patch_post "$TOKEN" "$id" '{"title":null,"content":"third"}'
	assert_reply 200 "$(post_body "$id" "Second (edited)" third "$USER_ID" Editor)"
	patch_post "$TOKEN" "$id" '{"title":"Both","content":"both"}'
	assert_reply 200 "$(post_body "$id" Both both "$USER_ID" Editor)"
	preq GET "/posts/$id"
	assert_reply 200 "$(post_body "$id" Both both "$USER_ID" Editor)"
	assert_equal "$(sql "SELECT author_id || '|' || title || '|' || content FROM posts WHERE id = $id")" "$USER_ID|Both|both"
	assert [ "$(sql "SELECT CASE WHEN updated_at >= created_at THEN 1 ELSE 0 END FROM posts WHERE id = $id")" = 1 ]
	refute_leaks posts-editor@example.com
}

@test "posts-7.2: another user's PATCH is the exact 403 and the post is unchanged" {
	new_user posts-owner@example.com Owner
	owner=$USER_ID
	new_post "$TOKEN" Mine "my words"
	id=$POST_ID
	new_user posts-other@example.com Other
	for json in '{"title":"Hijacked"}' '{"content":"hijacked"}' '{"title":"H","content":"h"}'; do
		patch_post "$TOKEN" "$id" "$json"
		assert_reply 403 "$NOT_EDITOR"
	done
	preq GET "/posts/$id"
	assert_reply 200 "$(post_body "$id" Mine "my words" "$owner" Owner)"
}

@test "posts-7.3: PATCH of a post that is not there is the exact 404" {
	new_user posts-nowhere@example.com Nowhere
	new_post "$TOKEN" Gone soon
	id=$POST_ID
	delete_post "$TOKEN" "$id"
	assert_equal "$STATUS" 200
	patch_post "$TOKEN" "$id" '{"title":"x"}'
	assert_reply 404 "$(not_found "$id")"
	patch_post "$TOKEN" 999999999 '{"content":"x"}'
	assert_reply 404 "$(not_found 999999999)"
	assert_equal "$(sql "SELECT count(*) FROM posts WHERE id = $id")" 0
}

@test "posts-7.4: an anonymous PATCH (the tutorial's hole) is 401 and changes nothing" {
	new_user posts-anonpatch@example.com AnonPatch
	owner=$USER_ID
	new_post "$TOKEN" Third "Third post"
	id=$POST_ID
	new_user posts-anonpatch2@example.com AnonPatch2
	other=$USER_ID
	patch_post '' "$id" '{"content":"edited anonymously"}'
	assert_reply 401 "$UNAUTHORIZED"
	patch_post '' "$id" "{\"author\":{\"id\":$other}}"
	assert_reply 401 "$UNAUTHORIZED"
	patch_post garbage "$id" '{"title":"x"}'
	assert_reply 401 "$UNAUTHORIZED"
	# Authentication comes first: no answer tells which posts exist.
	patch_post '' 999999999 '{"title":"x"}'
	assert_reply 401 "$UNAUTHORIZED"
	patch_post '' abc '{}'
	assert_reply 401 "$UNAUTHORIZED"
	preq GET "/posts/$id"
	assert_reply 200 "$(post_body "$id" Third "Third post" "$owner" AnonPatch)"
	assert_equal "$(sql "SELECT author_id FROM posts WHERE id = $id")" "$owner"
}

@test "posts-7.5: an empty update is the exact 400, null counting as absent" {
	new_user posts-noop@example.com Noop
	new_post "$TOKEN" Keep kept
	id=$POST_ID
	for json in '{}' '' '{"title":null}' '{"content":null}' '{"title":null,"content":null}'; do
		patch_post "$TOKEN" "$id" "$json"
		assert_reply 400 "$NO_FIELD"
	done
	preq PATCH "/posts/$id" -H 'Content-Length: 0' -b "Authentication=$TOKEN"
	assert_reply 400 "$NO_FIELD"
	preq GET "/posts/$id"
	assert_reply 200 "$(post_body "$id" Keep kept "$USER_ID" Noop)"
}

@test "posts-7.6: PATCH validates the fields it is given as POST does" {
	new_user posts-patchval@example.com PatchVal
	new_post "$TOKEN" Keep kept
	id=$POST_ID
	patch_post "$TOKEN" "$id" '{"title":""}'
	assert_reply 400 "$(list_400 '["title should not be empty"]')"
	patch_post "$TOKEN" "$id" '{"content":" \t "}'
	assert_reply 400 "$(list_400 '["content should not be empty"]')"
	patch_post "$TOKEN" "$id" '{"title":5,"content":["x"]}'
	assert_reply 400 "$(list_400 '["title must be a string","content must be a string"]')"
	patch_post "$TOKEN" "$id" "{\"title\":\"$(printf 't%.0s' $(seq 201))\"}"
	assert_reply 400 "$(list_400 '["title must be shorter than or equal to 200 characters"]')"
	patch_post "$TOKEN" "$id" "{\"content\":\"$(head -c 10001 /dev/zero | tr '\0' c)\"}"
	assert_reply 400 "$(list_400 '["content must be shorter than or equal to 10000 characters"]')"
	# One bad field spoils the whole update.
	patch_post "$TOKEN" "$id" '{"title":"Good","content":""}'
	assert_reply 400 "$(list_400 '["content should not be empty"]')"
	preq GET "/posts/$id"
	assert_reply 200 "$(post_body "$id" Keep kept "$USER_ID" PatchVal)"
	preq PATCH "/posts/$id" -d 'title=x' -b "Authentication=$TOKEN"
	assert_reply 415 '{"statusCode":415,"message":"Content-Type must be application/json","error":"Unsupported Media Type"}'
	preq GET "/posts/$id"
	assert_reply 200 "$(post_body "$id" Keep kept "$USER_ID" PatchVal)"
	# The limits themselves are fine.
	t200=$(printf 't%.0s' $(seq 200))
	patch_post "$TOKEN" "$id" "{\"title\":\"$t200\"}"
	assert_reply 200 "$(post_body "$id" "$t200" kept "$USER_ID" PatchVal)"
}

@test "posts-7.7: PATCH cannot reassign the author or the id: unknown fields are 400" {
	new_user posts-keeper@example.com Keeper
	keeper=$TOKEN owner=$USER_ID
	new_post "$keeper" Owned "owned post"
	id=$POST_ID
	new_user posts-taker@example.com Taker
	taker=$USER_ID
	taker_token=$TOKEN
	patch_post "$keeper" "$id" "{\"author\":{\"id\":$taker}}"
	assert_reply 400 "$(list_400 '["property author should not exist"]')"
	patch_post "$keeper" "$id" "{\"title\":\"Given away\",\"authorId\":$taker}"
	assert_reply 400 "$(list_400 '["property authorId should not exist"]')"
	patch_post "$keeper" "$id" '{"id":999999,"title":"Moved"}'
	assert_reply 400 "$(list_400 '["property id should not exist"]')"
	patch_post "$keeper" "$id" "{\"author_id\":$taker,\"content\":\"x\"}"
	assert_reply 400 "$(list_400 '["property author_id should not exist"]')"
	preq GET "/posts/$id"
	assert_reply 200 "$(post_body "$id" Owned "owned post" "$owner" Keeper)"
	assert_equal "$(sql "SELECT author_id FROM posts WHERE id = $id")" "$owner"
	assert_equal "$(sql 'SELECT count(*) FROM posts WHERE id = 999999')" 0
	# And the other user still cannot edit it.
	patch_post "$taker_token" "$id" '{"title":"Mine now"}'
	assert_reply 403 "$NOT_EDITOR"
}

@test "posts-7.8: PATCH with a bad id is the exact 400" {
	new_user posts-patchid@example.com PatchId
	for id in abc -1 0 007 1.5 99999999999999999999; do
		patch_post "$TOKEN" "$id" '{"title":"x"}'
		assert_reply 400 "$BAD_ID"
		# The id is checked before the body.
		patch_post "$TOKEN" "$id" '{}'
		assert_reply 400 "$BAD_ID"
	done
}

# --- DELETE /posts/:id ----------------------------------------------------

@test "posts-8.1: the author's DELETE is 200 with an empty body; again it is 404" {
	new_user posts-deleter@example.com Deleter
	new_post "$TOKEN" Doomed "to go"
	id=$POST_ID
	delete_post "$TOKEN" "$id"
	assert_reply 200 ''
	assert_equal "${H[content-length]-}" 0
	assert_no content-type
	assert_equal "$(sql "SELECT count(*) FROM posts WHERE id = $id")" 0
	preq GET "/posts/$id"
	assert_reply 404 "$(not_found "$id")"
	delete_post "$TOKEN" "$id"
	assert_reply 404 "$(not_found "$id")"
	delete_post "$TOKEN" 999999999
	assert_reply 404 "$(not_found 999999999)"
}

@test "posts-8.2: another user's DELETE is the exact 403 and the post stays" {
	new_user posts-stays@example.com Stays
	owner=$USER_ID
	new_post "$TOKEN" Staying here
	id=$POST_ID
	new_user posts-remover@example.com Remover
	delete_post "$TOKEN" "$id"
	assert_reply 403 "$NOT_DELETER"
	assert_equal "$(sql "SELECT count(*) FROM posts WHERE id = $id")" 1
	preq GET "/posts/$id"
	assert_reply 200 "$(post_body "$id" Staying here "$owner" Stays)"
}

@test "posts-8.3: an anonymous DELETE (the tutorial's hole) is 401 and the post stays" {
	new_user posts-anondel@example.com AnonDel
	new_post "$TOKEN" Kept safe
	id=$POST_ID
	delete_post '' "$id"
	assert_reply 401 "$UNAUTHORIZED"
	delete_post garbage "$id"
	assert_reply 401 "$UNAUTHORIZED"
	delete_post '' 999999999
	assert_reply 401 "$UNAUTHORIZED"
	delete_post '' abc
	assert_reply 401 "$UNAUTHORIZED"
	assert_equal "$(sql "SELECT count(*) FROM posts WHERE id = $id")" 1
	preq GET "/posts/$id"
	assert_reply 200 "$(post_body "$id" Kept safe "$USER_ID" AnonDel)"
}

@test "posts-8.4: DELETE with a bad id is the exact 400" {
	new_user posts-delid@example.com DelId
	new_post "$TOKEN" Untouched x
	before=$(sql 'SELECT count(*) FROM posts')
	for id in abc -1 0 007 1.5 99999999999999999999; do
		delete_post "$TOKEN" "$id"
		assert_reply 400 "$BAD_ID"
	done
	assert_equal "$(sql 'SELECT count(*) FROM posts')" "$before"
}

# --- two users ------------------------------------------------------------

@test "posts-9.1: two users read each other's posts but can touch only their own" {
	new_user posts-ann@example.com Ann
	ann=$TOKEN aid=$USER_ID
	new_user posts-ben@example.com Ben
	ben=$TOKEN bid=$USER_ID
	cursor=$(last_id)
	new_post "$ann" "Ann's" "by Ann"
	pa=$POST_ID
	new_post "$ben" "Ben's" "by Ben"
	pb=$POST_ID
	post_a=$(post_body "$pa" "Ann's" "by Ann" "$aid" Ann)
	post_b=$(post_body "$pb" "Ben's" "by Ben" "$bid" Ben)
	for tok in "$ann" "$ben" ''; do
		mapfile -t args < <(cookie "$tok")
		preq GET "/posts/$pa" "${args[@]}"
		assert_reply 200 "$post_a"
		preq GET "/posts/$pb" "${args[@]}"
		assert_reply 200 "$post_b"
		preq GET "/posts?after=$cursor" "${args[@]}"
		assert_reply 200 "[$post_a,$post_b]"
	done
	patch_post "$ben" "$pa" '{"title":"Ben was here"}'
	assert_reply 403 "$NOT_EDITOR"
	delete_post "$ben" "$pa"
	assert_reply 403 "$NOT_DELETER"
	patch_post "$ann" "$pb" '{"content":"Ann was here"}'
	assert_reply 403 "$NOT_EDITOR"
	delete_post "$ann" "$pb"
	assert_reply 403 "$NOT_DELETER"
	preq GET "/posts?after=$cursor"
	assert_reply 200 "[$post_a,$post_b]"
	# Each still manages their own.
	patch_post "$ann" "$pa" '{"title":"Ann edited"}'
	assert_reply 200 "$(post_body "$pa" "Ann edited" "by Ann" "$aid" Ann)"
	delete_post "$ben" "$pb"
	assert_reply 200 ''
	preq GET "/posts?after=$cursor"
	assert_reply 200 "[$(post_body "$pa" "Ann edited" "by Ann" "$aid" Ann)]"
	refute_leaks posts-ann@example.com posts-ben@example.com
}

# --- deleting a user ------------------------------------------------------

@test "posts-10.1: deleting a user deletes their posts and no others" {
	new_user posts-carol@example.com Carol
	carol=$TOKEN cid=$USER_ID
	new_user posts-dave@example.com Dave
	dave=$TOKEN did=$USER_ID
	cursor=$(last_id)
	new_post "$carol" C1 x
	c1=$POST_ID
	new_post "$dave" D1 y
	d1=$POST_ID
	new_post "$carol" C2 z
	c2=$POST_ID
	run "$ADMIN" -d "$(database)" delete-user posts-carol@example.com
	assert_success
	assert_output "deleted user posts-carol@example.com, their sessions and posts"
	for id in "$c1" "$c2"; do
		preq GET "/posts/$id"
		assert_reply 404 "$(not_found "$id")"
	done
	preq GET "/posts/$d1"
	assert_reply 200 "$(post_body "$d1" D1 y "$did" Dave)"
	preq GET "/posts?after=$cursor"
	assert_reply 200 "[$(post_body "$d1" D1 y "$did" Dave)]"
	assert_equal "$(sql "SELECT count(*) FROM posts WHERE author_id = $cid")" 0
	assert_equal "$(sql_orphans)" ""
	# The deleted user's cookie can no longer post.
	create "$carol" '{"title":"ghost","content":"x"}'
	assert_reply 401 "$UNAUTHORIZED"
	assert_equal "$(sql "SELECT count(*) FROM posts WHERE author_id = $cid")" 0
	patch_post "$dave" "$d1" '{"title":"D1 still mine"}'
	assert_reply 200 "$(post_body "$d1" "D1 still mine" y "$did" Dave)"
}

# --- methods and the foundation's rules ---------------------------------

@test "posts-11.1: a wrong method on /posts/:id is 405 with Allow GET, HEAD, PATCH, DELETE" {
	new_user posts-methods@example.com Methods
	for m in PUT POST OPTIONS; do
		preq "$m" /posts/1 -H 'Content-Length: 0' -b "Authentication=$TOKEN"
		assert_reply 405 "{\"statusCode\":405,\"message\":\"Method $m is not allowed here; use GET, HEAD, PATCH, DELETE\",\"error\":\"Method Not Allowed\"}"
		assert_equal "${H[allow]-}" "GET, HEAD, PATCH, DELETE"
	done
	preq PUT /posts/abc
	assert_equal "$STATUS" 405
	assert_equal "${H[allow]-}" "GET, HEAD, PATCH, DELETE"
}

@test "posts-11.2: a wrong method on /posts is 405 with Allow GET, HEAD, POST" {
	new_user posts-methods2@example.com Methods2
	for m in DELETE PUT PATCH OPTIONS; do
		preq "$m" /posts -H 'Content-Length: 0' -b "Authentication=$TOKEN"
		assert_reply 405 "{\"statusCode\":405,\"message\":\"Method $m is not allowed here; use GET, HEAD, POST\",\"error\":\"Method Not Allowed\"}"
		assert_equal "${H[allow]-}" "GET, HEAD, POST"
	done
}

# head_req PATH: a raw HEAD request; sets HEAD_HEADERS and HEAD_BODY (CRs removed).
head_req() {
	local f=$BATS_TEST_TMPDIR/head
	exec 5<>"/dev/tcp/127.0.0.1/${URL##*:}"
	printf 'HEAD %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' "$1" >&5
	tr -d '\r' <&5 >"$f"
	exec 5<&-
	HEAD_HEADERS=$(sed '/^$/q' "$f")
	HEAD_BODY=$(sed '1,/^$/d' "$f")
}

@test "posts-11.3: HEAD /posts and /posts/:id answer GET's headers without a body" {
	new_user posts-head@example.com Head
	cursor=$(last_id)
	new_post "$TOKEN" H1 x
	new_post "$TOKEN" H2 y
	id=$POST_ID
	preq GET "/posts?limit=1&after=$cursor"
	length=${H[content-length]} link=${H[link]}
	head_req "/posts?limit=1&after=$cursor"
	assert_equal "$(printf '%s\n' "$HEAD_HEADERS" | head -n 1)" 'HTTP/1.1 200 OK'
	assert_equal "$(printf '%s\n' "$HEAD_HEADERS" | grep -c -x "Content-Length: $length")" 1
	assert_equal "$(printf '%s\n' "$HEAD_HEADERS" | grep -c -x "Link: $link")" 1
	assert_equal "$HEAD_BODY" ''
	preq GET "/posts/$id"
	length=${H[content-length]}
	head_req "/posts/$id"
	assert_equal "$(printf '%s\n' "$HEAD_HEADERS" | head -n 1)" 'HTTP/1.1 200 OK'
	assert_equal "$(printf '%s\n' "$HEAD_HEADERS" | grep -c -x "Content-Length: $length")" 1
	assert_equal "$HEAD_BODY" ''
	head_req /posts/abc
	assert_equal "$(printf '%s\n' "$HEAD_HEADERS" | head -n 1)" 'HTTP/1.1 400 Bad Request'
	assert_equal "$HEAD_BODY" ''
}

@test "posts-12.1: every kind of /posts reply carries the security headers" {
	new_user posts-headers@example.com Headers
	new_post "$TOKEN" Head ers
	id=$POST_ID
	new_user posts-headers2@example.com Headers2
	other=$TOKEN
	n=0
	check() {
		assert_equal "$STATUS" "$1"
		assert_equal "${H[content-security-policy]-}" "default-src 'none'; frame-ancestors 'none'"
		assert_equal "${H[referrer-policy]-}" "no-referrer"
		assert_no set-cookie
		n=$((n + 1))
	}
	preq GET /posts; check 200
	preq GET "/posts/$id"; check 200
	preq GET /posts?limit=0; check 400
	preq GET /posts/abc; check 400
	preq GET /posts/999999999; check 404
	create '' '{}'; check 401
	create "$other" '{}'; check 400
	patch_post "$other" "$id" '{"title":"x"}'; check 403
	delete_post "$other" "$id"; check 403
	preq PUT "/posts/$id"; check 405
	new_post "$other" New post; check 201
	delete_post "$other" "$POST_ID"; check 200
	assert_equal "$n" 12
}

# --- issue 20: quotas, byte limits, control characters, the size of a page ---

QUOTA_POSTS='{"statusCode":403,"message":"Post quota reached: at most 5 posts per user","error":"Forbidden"}'
QUOTA_BYTES='{"statusCode":403,"message":"Post quota reached: at most 1000 bytes of posts per user","error":"Forbidden"}'
CONTENT_CONTROLS='["content must not contain control characters"]'
TITLE_CONTROLS='["title must not contain control or format characters"]'

# sql_repeat CHAR N: an SQL expression, for either store, of CHAR N times.
sql_repeat() {
	case $STORE in
	sqlite) printf "printf('%%.*c', %d, '%s')" "$2" "$1" ;;
	postgresql) printf "repeat('%s', %d)" "$1" "$2" ;;
	esac
}

# post_count USER_ID: how many posts the user has.
post_count() {
	sql "SELECT count(*) FROM posts WHERE author_id = $1"
}

# decoded JSON-STRING-BODY: the text a JSON string (without its quotes) holds.
decoded() {
	jq -rn "\"$1\""
}

@test "posts-13.1: past POSTS_MAX_PER_USER a new post is the exact 403 and is not stored; a delete makes room (issue 20)" {
	URL=$URL_quota
	new_user posts-cap@example.com Cap
	cap=$TOKEN capid=$USER_ID
	for i in 1 2 3 4 5; do
		new_post "$cap" "cap $i" x
		ids+=("$POST_ID")
	done
	create "$cap" '{"title":"cap 6","content":"x"}'
	assert_reply 403 "$QUOTA_POSTS"
	assert_equal "$(post_count "$capid")" 5
	# An edit is no new post: it passes at the cap.
	patch_post "$cap" "${ids[0]}" '{"title":"cap 1 edited"}'
	assert_reply 200 "$(post_body "${ids[0]}" "cap 1 edited" x "$capid" Cap)"
	# The cap is each user's own.
	new_user posts-cap-other@example.com CapOther
	new_post "$TOKEN" other x
	# A delete makes room for one more, and only one.
	delete_post "$cap" "${ids[1]}"
	assert_equal "$STATUS" 200
	new_post "$cap" "cap 6" x
	create "$cap" '{"title":"cap 7","content":"x"}'
	assert_reply 403 "$QUOTA_POSTS"
	assert_equal "$(post_count "$capid")" 5
}

@test "posts-13.2: POSTS_MAX_BYTES_PER_USER counts the UTF-8 bytes of titles and contents; growing past it is the exact 403 (issue 20)" {
	URL=$URL_quota
	new_user posts-bytes@example.com Bytes
	c399=$(head -c 399 /dev/zero | tr '\0' c)
	new_post "$TOKEN" t "$c399"
	first=$POST_ID
	new_post "$TOKEN" t "$c399"
	# 800 bytes so far; "é" is two bytes, so this post is 201 and 1001 in all.
	create "$TOKEN" "{\"title\":\"é\",\"content\":\"${c399:0:199}\"}"
	assert_reply 403 "$QUOTA_BYTES"
	# Exactly 1000 is within the cap; then not one byte more.
	new_post "$TOKEN" t "${c399:0:199}"
	create "$TOKEN" '{"title":"t","content":"x"}'
	assert_reply 403 "$QUOTA_BYTES"
	assert_equal "$(post_count "$USER_ID")" 3
	# An edit that would grow the total past the cap changes nothing ...
	patch_post "$TOKEN" "$first" "{\"content\":\"${c399}c\"}"
	assert_reply 403 "$QUOTA_BYTES"
	assert_equal "$(sql "SELECT content FROM posts WHERE id = $first")" "$c399"
	# ... one that keeps or shrinks it passes at the cap, and frees room.
	patch_post "$TOKEN" "$first" '{"title":"u"}'
	assert_reply 200 "$(post_body "$first" u "$c399" "$USER_ID" Bytes)"
	patch_post "$TOKEN" "$first" '{"content":"short"}'
	assert_reply 200 "$(post_body "$first" u short "$USER_ID" Bytes)"
	new_post "$TOKEN" t "${c399:0:393}"
	patch_post "$TOKEN" "$first" '{"content":"shorts"}'
	assert_reply 403 "$QUOTA_BYTES"
	assert_equal "$(post_count "$USER_ID")" 4
}

@test "posts-13.3: posts sent at once cannot pass the cap together (issue 20)" {
	URL=$URL_quota
	new_user posts-rush@example.com Rush
	dir=$BATS_TEST_TMPDIR/rush
	mkdir "$dir"
	for i in $(seq 1 20); do
		printf 'p%s\tPOST\t/posts\t{"title":"rush %s","content":"x"}\t%s\n' "$i" "$i" "$TOKEN"
	done | parallel_config "$dir" >"$dir/config"
	curl -sS --no-progress-meter --parallel --parallel-max 20 --parallel-immediate \
	    -K "$dir/config" >"$dir/statuses"
	assert_equal "$(cut -d' ' -f2 "$dir/statuses" | sort | uniq -c | awk '{ printf "%s%s:%s", sep, $2, $1; sep = " " }')" \
	    "201:5 403:15"
	assert_equal "$(post_count "$USER_ID")" 5
	assert_equal "$(grep -l -F -x "$QUOTA_POSTS" "$dir"/*.body | wc -l)" 15
}

@test "posts-13.4: by default a user may have 1000 posts and 10 MiB of titles and contents (issue 20)" {
	new_user posts-defcap@example.com DefCap
	seed "$USER_ID" 999
	new_post "$TOKEN" "number 1000" x
	create "$TOKEN" '{"title":"number 1001","content":"x"}'
	assert_reply 403 '{"statusCode":403,"message":"Post quota reached: at most 1000 posts per user","error":"Forbidden"}'
	assert_equal "$(post_count "$USER_ID")" 1000
	sql "DELETE FROM posts WHERE author_id = $USER_ID"
	# Ten posts of one MiB but 3 bytes, written with SQL: 3 bytes of room.
	new_user posts-defbytes@example.com DefBytes
	for i in 1 2 3 4 5 6 7 8 9 10; do
		n=1048575
		[ "$i" -lt 10 ] || n=1048572
		sql "INSERT INTO posts (author_id, title, content, created_at, updated_at)
		    VALUES ($USER_ID, 't', $(sql_repeat x "$n"), 0, 0)"
	done
	create "$TOKEN" '{"title":"t","content":"xxx"}'
	assert_reply 403 '{"statusCode":403,"message":"Post quota reached: at most 10485760 bytes of posts per user","error":"Forbidden"}'
	new_post "$TOKEN" t xx
	assert_equal "$(post_count "$USER_ID")" 11
	sql "DELETE FROM posts WHERE author_id = $USER_ID"
}

@test "posts-14.1: content is at most 20000 bytes in UTF-8 as well as 10000 characters (issue 20)" {
	new_user posts-cbytes@example.com CBytes
	e=$(printf '\360\237\230\200')	# U+1F600, four bytes
	e5k=$(printf "$e%.0s" $(seq 5000))
	new_post "$TOKEN" Emoji "$e5k"
	assert_equal "$(printf '%s' "$BODY" | jq -r .content)" "$e5k"
	c=$(printf '\344\270\200')	# U+4E00, three bytes
	c6666=$(printf "$c%.0s" $(seq 6666))
	new_post "$TOKEN" Han "$c6666"
	before=$(post_count "$USER_ID")
	create "$TOKEN" "{\"title\":\"Emoji\",\"content\":\"${e5k}${e}\"}"
	assert_reply 400 "$(list_400 '["content must be shorter than or equal to 20000 bytes in UTF-8"]')"
	create "$TOKEN" "{\"title\":\"Han\",\"content\":\"${c6666}${c}\"}"
	assert_reply 400 "$(list_400 '["content must be shorter than or equal to 20000 bytes in UTF-8"]')"
	# The review's 10000 emoji (40000 bytes) are 10000 characters, but too many bytes.
	create "$TOKEN" "{\"title\":\"Emoji\",\"content\":\"${e5k}${e5k}\"}"
	assert_reply 400 "$(list_400 '["content must be shorter than or equal to 20000 bytes in UTF-8"]')"
	patch_post "$TOKEN" "$POST_ID" "{\"content\":\"${e5k}${e}\"}"
	assert_reply 400 "$(list_400 '["content must be shorter than or equal to 20000 bytes in UTF-8"]')"
	assert_equal "$(post_count "$USER_ID")" "$before"
}

@test "posts-14.2: a title is at most 400 bytes in UTF-8 as well as 200 characters (issue 20)" {
	new_user posts-tbytes@example.com TBytes
	c=$(printf '\344\270\200')	# U+4E00, three bytes
	c133=$(printf "$c%.0s" $(seq 133))
	new_post "$TOKEN" "$c133" x
	assert_equal "$(printf '%s' "$BODY" | jq -r .title)" "$c133"
	e=$(printf '\360\237\230\200')
	e100=$(printf "$e%.0s" $(seq 100))
	new_post "$TOKEN" "$e100" x
	before=$(post_count "$USER_ID")
	create "$TOKEN" "{\"title\":\"${c133}${c}\",\"content\":\"x\"}"
	assert_reply 400 "$(list_400 '["title must be shorter than or equal to 400 bytes in UTF-8"]')"
	create "$TOKEN" "{\"title\":\"${e100}${e}\",\"content\":\"x\"}"
	assert_reply 400 "$(list_400 '["title must be shorter than or equal to 400 bytes in UTF-8"]')"
	patch_post "$TOKEN" "$POST_ID" "{\"title\":\"${c133}${c}\"}"
	assert_reply 400 "$(list_400 '["title must be shorter than or equal to 400 bytes in UTF-8"]')"
	assert_equal "$(post_count "$USER_ID")" "$before"
}

@test "posts-15.1: content refuses control characters but tab, line feed and CR LF (issue 20)" {
	new_user posts-ctl@example.com Ctl
	for c in '\u0001' '\u0008' '\u000b' '\u000c' '\u001b[2J' '\u001f' '\u007f' \
	    '\u0080' '\u0085' '\u009f' '\r' '\r\r\n' '\n\r'; do
		create "$TOKEN" "{\"title\":\"t\",\"content\":\"a${c}b\"}"
		assert_reply 400 "$(list_400 "$CONTENT_CONTROLS")"
	done
	# Raw bytes too, not only escapes: U+0085 as UTF-8, DEL as itself.
	create "$TOKEN" "$(printf '{"title":"t","content":"a\302\205b"}')"
	assert_reply 400 "$(list_400 "$CONTENT_CONTROLS")"
	create "$TOKEN" "$(printf '{"title":"t","content":"a\177b"}')"
	assert_reply 400 "$(list_400 "$CONTENT_CONTROLS")"
	# The review's post: ten thousand \u0001, one byte each, six bytes sent.
	create "$TOKEN" "{\"title\":\"t\",\"content\":\"$(printf '\\u0001%.0s' $(seq 10000))\"}"
	assert_reply 400 "$(list_400 "$CONTENT_CONTROLS")"
	assert_equal "$(post_count "$USER_ID")" 0
	# Tabs and line ends are text, kept as sent.
	content=$'col 1\tcol 2\nline 2\r\nline 3'
	new_post "$TOKEN" Lines "$content"
	assert_equal "$(printf '%s' "$BODY" | jq -j .content)" "$content"
	# So are format characters: right-to-left text needs its marks.
	bidi='\u05e9\u05dc\u05d5\u05dd\u200f! \u2067abc\u2069 \u202eabc\u202c \ud83d\udc68\u200d\ud83d\udc69'
	create "$TOKEN" "{\"title\":\"Bidi\",\"content\":\"$bidi\"}"
	assert_equal "$STATUS" 201
	assert_equal "$(printf '%s' "$BODY" | jq -r .content)" "$(decoded "$bidi")"
}

@test "posts-15.2: a title refuses control, format and line-separator characters (issue 20)" {
	new_user posts-tctl@example.com TCtl
	for c in '\t' '\n' '\r\n' '\u0001' '\u001b' '\u007f' '\u0085' '\u200b' '\u200e' \
	    '\u200f' '\u202a' '\u202e' '\u2066' '\u2069' '\u061c' '\ufeff' '\u00ad' '\u2060' \
	    '\u2028' '\u2029' '\udb40\udc01'; do
		create "$TOKEN" "{\"title\":\"a${c}b\",\"content\":\"x\"}"
		assert_reply 400 "$(list_400 "$TITLE_CONTROLS")"
	done
	# A joiner joins two characters, never a space, an edge or another joiner.
	for t in '\u200dab' 'ab\u200d' 'a \u200db' 'a\u200c b' 'a\u200d\u200cb'; do
		create "$TOKEN" "{\"title\":\"$t\",\"content\":\"x\"}"
		assert_reply 400 "$(list_400 "$TITLE_CONTROLS")"
	done
	# Both fields' problems are listed together.
	create "$TOKEN" '{"title":"a\u202eb","content":"a\u0007b"}'
	assert_reply 400 "$(list_400 '["title must not contain control or format characters","content must not contain control characters"]')"
	assert_equal "$(post_count "$USER_ID")" 0
	# Inside words they are what Persian, Sinhala and emoji need.
	for t in '\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645' '\u0dc1\u0dca\u200d\u0dbb\u0dd3' \
	    '\ud83d\udc68\u200d\ud83d\udc69\u200d\ud83d\udc67 family' '\u2764\ufe0f\u200d\ud83d\udd25' \
	    'caf\u00e9 \u00a0 \u3000 na\u0301ive'; do
		create "$TOKEN" "{\"title\":\"$t\",\"content\":\"x\"}"
		assert_equal "$STATUS" 201
		assert_equal "$(printf '%s' "$BODY" | jq -r .title)" "$(decoded "$t")"
	done
}

@test "posts-15.3: PATCH applies the same character rules (issue 20)" {
	new_user posts-pctl@example.com PCtl
	new_post "$TOKEN" Keep kept
	id=$POST_ID
	patch_post "$TOKEN" "$id" '{"title":"\u202eevil"}'
	assert_reply 400 "$(list_400 "$TITLE_CONTROLS")"
	patch_post "$TOKEN" "$id" '{"content":"bell\u0007"}'
	assert_reply 400 "$(list_400 "$CONTENT_CONTROLS")"
	patch_post "$TOKEN" "$id" '{"title":"a\tb","content":"\u009b31m"}'
	assert_reply 400 "$(list_400 '["title must not contain control or format characters","content must not contain control characters"]')"
	patch_post "$TOKEN" "$id" '{"title":"\u3000"}'
	assert_reply 400 "$(list_400 '["title should not be empty"]')"
	preq GET "/posts/$id"
	assert_reply 200 "$(post_body "$id" Keep kept "$USER_ID" PCtl)"
}

@test "posts-15.4: Unicode spaces and invisible characters alone are empty (issue 20)" {
	new_user posts-invisible@example.com Invisible
	for t in '\u200b' '\u3000\u3000' '\u00a0' '\u3164' '\u2800' '\ufeff' '\u200b \u3000' \
	    '\u2028' '\u202e' '\u00ad\u2060'; do
		create "$TOKEN" "{\"title\":\"$t\",\"content\":\"x\"}"
		assert_reply 400 "$(list_400 '["title should not be empty"]')"
	done
	for c in '\u3000\n\u200b\t' '\u00a0' '\u2800\u2800' '\u3164' '\u2029\u200f'; do
		create "$TOKEN" "{\"title\":\"t\",\"content\":\"$c\"}"
		assert_reply 400 "$(list_400 '["content should not be empty"]')"
	done
	assert_equal "$(post_count "$USER_ID")" 0
}

@test "posts-16.1: a page stops before its body would pass 256 KiB, and its Link goes on from its last post (issue 20)" {
	new_user posts-big@example.com Big
	cursor=$(last_id)
	# 30 posts of 20000 '"' (the most the rules allow, each written as 40000
	# bytes), written with SQL: 6 fit in 256 KiB, a 7th would not.
	sql "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 30)
	    INSERT INTO posts (author_id, title, content, created_at, updated_at)
	    SELECT $USER_ID, 'big ' || i, $(sql_repeat '"' 20000), 0, 0 FROM n ORDER BY i"
	mapfile -t ids < <(sql "SELECT id FROM posts WHERE id > $cursor ORDER BY id")
	path="/posts?limit=100&after=$cursor" pages=0 seen=()
	while :; do
		preq GET "$path"
		assert_equal "$STATUS" 200
		assert_page_shape
		[ "${H[content-length]}" -le 262144 ] || fail "a page of ${H[content-length]} bytes"
		mapfile -t page < <(printf '%s' "$BODY" | jq -r '.[].id')
		assert_equal "${#page[@]}" 6
		pages=$((pages + 1))
		seen+=("${page[@]}")
		[ -n "${H[link]+set}" ] || break
		assert_equal "${H[link]}" "</posts?limit=100&after=${page[5]}>; rel=\"next\""
		path="/posts?limit=100&after=${page[5]}"
		[ "$pages" -lt 10 ]
	done
	assert_equal "$pages" 5
	assert_equal "${seen[*]}" "${ids[*]}"
	# A limit under what fits is honoured as before.
	preq GET "/posts?limit=2&after=$cursor"
	assert_equal "$(printf '%s' "$BODY" | jq -c '[.[].id]')" "[${ids[0]},${ids[1]}]"
	assert_equal "${H[link]}" "</posts?limit=2&after=${ids[1]}>; rel=\"next\""
	sql "DELETE FROM posts WHERE author_id = $USER_ID"
}

@test "posts-16.2: a post bigger than a page's bound still comes, alone, with a Link to the rest (issue 20)" {
	new_user posts-huge@example.com Huge
	cursor=$(last_id)
	# Written before the byte limits, or by hand: 300000 bytes of content.
	sql "INSERT INTO posts (author_id, title, content, created_at, updated_at)
	    VALUES ($USER_ID, 'huge', $(sql_repeat x 300000), 0, 0)"
	huge=$(last_id)
	new_post "$TOKEN" small x
	small=$POST_ID
	preq GET "/posts?limit=100&after=$cursor"
	assert_equal "$STATUS" 200
	assert_equal "$(printf '%s' "$BODY" | jq -c '[.[].id]')" "[$huge]"
	assert_equal "${H[link]}" "</posts?limit=100&after=$huge>; rel=\"next\""
	preq GET "/posts?limit=100&after=$huge"
	assert_reply 200 "[$(post_body "$small" small x "$USER_ID" Huge)]"
	assert_no link
	sql "DELETE FROM posts WHERE author_id = $USER_ID"
}

#!/usr/bin/env bats
# units.bats: the systemd units' profile for real, as far as a machine
# whose PID 1 is not systemd allows: Apache with mod_proxy_fcgi
# (apache-conf/fcgi-auth-systemd.conf) in front of the processes the
# units' ExecStart lines start on their sockets (scripts/start-apache
# systemd, scripts/start-units), driven through a session, with a
# process killed and restarted by multiwatch, and stopped as systemctl
# stop would.  tests/systemd/verify.sh checks the unit files themselves.
load helpers

setup_file() {
	server_start main BASE_PATH=/api
}

# The lighttpd units-1.5 starts, whether or not it passed.
teardown() {
	local f=$BATS_TEST_TMPDIR/lighttpd.pid
	[ -f "$f" ] || return 0
	kill "$(cat "$f")" 2>/dev/null || true
	wait "$(cat "$f")" 2>/dev/null || true
}

# instance_dir [URL]: the instance directory of the server at URL.
instance_dir() {
	local url=${1:-$URL}
	printf '%s/apache-systemd-%s\n' "$(state_dir)" "${url##*:}"
}

# procs PROGRAM [URL]: the pids of PROGRAM's processes (multiwatch's
# children) for the server at URL, one a line.
procs() {
	pgrep -f -x "$(instance_dir "${2:-}")/cgi-bin/$1" || true
}

# wait_procs PROGRAM N [URL]: until PROGRAM has N processes (multiwatch
# forks them as it starts), at most 10 s; then prints how many it has.
wait_procs() {
	for _ in $(seq 1 100); do
		[ "$(procs "$1" "${3:-}" | wc -l)" -eq "$2" ] && break
		sleep 0.1
	done
	procs "$1" "${3:-}" | wc -l
}

@test "units-1.1: a session through Apache and the units' processes: register, log-in, me, posts, log-out" {
	URL=$URL/api
	register units@example.com "Unit User"
	login units@example.com
	req GET /authentication -b "Authentication=$TOKEN"
	assert_equal "$STATUS" 200
	assert_equal "$(printf '%s' "$BODY" | jq -r .email)" units@example.com
	assert_equal "$(header Content-Length)" "${#BODY}"
	post_json /posts '{"title":"Through a socket","content":"kept by multiwatch"}' \
	    -b "Authentication=$TOKEN"
	assert_equal "$STATUS" 201
	local id
	id=$(printf '%s' "$BODY" | jq -r .id)
	req GET "/posts/$id"
	assert_equal "$STATUS" 200
	assert_equal "$(printf '%s' "$BODY" | jq -r .title)" "Through a socket"
	req POST /authentication/log-out -b "Authentication=$TOKEN" -H 'Content-Length: 0'
	assert_equal "$STATUS" 200
	req GET /authentication -b "Authentication=$TOKEN"
	assert_reply 401 '{"statusCode":401,"message":"Unauthorized"}'
	req GET /nope
	assert_reply 404 '{"statusCode":404,"message":"Cannot GET /api/nope","error":"Not Found"}'
	req GET /openapi.yaml
	assert_equal "$STATUS" 200
	assert_equal "$(header Content-Type)" "application/yaml; charset=utf-8"
}

@test "units-1.2: each program keeps the processes its line in default/fcgi-auth says, as the service user, without new privileges" {
	local p n user=$(id -un) pids want= got=
	[ "$(id -u)" -ne 0 ] || user=www-data
	for p in register login logout me sessions password posts \
	    email-confirmation password-reset two-factor notfound; do
		n=$(sed -n "s/^FCGI_AUTH_PROCS_$(printf '%s' "$p" | tr 'a-z-' 'A-Z_')=//p" \
		    "$(instance_dir)/default/fcgi-auth")
		want="$want $p:$n"
		got="$got $p:$(wait_procs "$p" "$n")"
		pids="${pids:-} $(procs "$p" | tr '\n' ' ')"
	done
	assert_equal "$got" "$want"
	# One line per process: its user, and whether it may gain privileges.
	# shellcheck disable=SC2086
	assert_equal "$(ps -o user= -p "$(echo $pids | tr ' ' ',')" | sort -u)" "$user"
	# shellcheck disable=SC2086
	assert_equal "$(for pid in $pids; do sed -n 's/^NoNewPrivs:[[:space:]]*//p' "/proc/$pid/status"; done | sort -u)" 1
	# The sockets: the web server's group may connect, nobody else.
	assert_equal "$(stat -c %a "$(instance_dir)"/run/*.sock | sort -u)" 660
}

@test "units-1.3: a process that dies is replaced, and requests meanwhile are answered" {
	local before victim after i
	before=$(procs me)
	victim=$(printf '%s\n' "$before" | head -n 1)
	kill -KILL "$victim"
	# The others answer while multiwatch forks the replacement.
	for i in 1 2 3 4 5 6 7 8; do
		req GET /api/authentication
		assert_equal "$STATUS" 401
	done
	for _ in $(seq 1 100); do
		after=$(procs me)
		[ "$(printf '%s\n' "$after" | wc -l)" -eq "$(printf '%s\n' "$before" | wc -l)" ] &&
		    ! printf '%s\n' "$after" | grep -qx "$victim" && break
		sleep 0.1
	done
	assert_equal "$(printf '%s\n' "$after" | wc -l)" "$(printf '%s\n' "$before" | wc -l)"
	refute [ -d "/proc/$victim" ]
	req GET /api/authentication
	assert_equal "$STATUS" 401
}

@test "units-1.4: a count changed in the one file applies; stopping ends every process and removes the sockets" {
	local url=$URL dir
	server_start counted FCGI_AUTH_PROCS_ME=1 FCGI_AUTH_PROCS_POSTS=3 BASE_PATH=/api
	dir=$(instance_dir "$URL_counted")
	assert_equal "$(wait_procs me 1 "$URL_counted")" 1
	assert_equal "$(wait_procs posts 3 "$URL_counted")" 3
	curl -s -o /dev/null "$URL_counted/api/authentication"
	server_stop counted
	assert_equal "$(pgrep -f "$dir/" | wc -l)" 0
	assert_equal "$(ls "$dir/run")" ""
	URL=$url
}

@test "units-1.5: lighttpd's snippet for the units (50-fcgi-auth-systemd.conf) reaches the same sockets" {
	local dir port conf pid
	dir=$(instance_dir)
	port=$((20000 + RANDOM % 40000))
	conf=$BATS_TEST_TMPDIR/lighttpd.conf
	sed -e "s|@socketdir@|$dir/run|g" -e "s|@pkgdatadir@|$dir|g" \
	    -e "s|@docdir@|$dir/doc|g" -e 's|@[a-z]*@|unused|g' \
	    "$abs_top_srcdir/lighttpd-conf/50-fcgi-auth-systemd.conf.in" >"$BATS_TEST_TMPDIR/snippet.conf"
	cat >"$conf" <<CONF
server.document-root = "$BATS_TEST_TMPDIR"
server.bind = "127.0.0.1"
server.port = $port
include "$BATS_TEST_TMPDIR/snippet.conf"
CONF
	"$LIGHTTPD" -D -f "$conf" 3>&- &
	pid=$!
	echo "$pid" >"$BATS_TEST_TMPDIR/lighttpd.pid"
	for _ in $(seq 1 100); do
		curl -s -o /dev/null "http://127.0.0.1:$port/" && break
		sleep 0.1
	done
	local url=$URL
	URL=http://127.0.0.1:$port/api
	register lighttpd@example.com
	login lighttpd@example.com
	req GET /authentication -b "Authentication=$TOKEN"
	assert_equal "$STATUS" 200
	assert_equal "$(printf '%s' "$BODY" | jq -r .email)" lighttpd@example.com
	req GET /nope
	assert_reply 404 '{"statusCode":404,"message":"Cannot GET /api/nope","error":"Not Found"}'
	req GET /openapi.yaml
	assert_equal "$STATUS" 200
	URL=$url
}

# checks.sh: what the deployment tests check inside their systems besides
# the API itself (session), sourced by the tests' scripts.  Each check
# prints one line and exits the script on failure.

# programs_run_as USER DIR: the fcgi-auth programs from DIR are running,
# every one of them as USER.
programs_run_as() {
	users=$(ps -eo user:32=,args= | awk -v dir="$2/" \
	    'index($2, dir) == 1 || index($2, dir "/") == 1 || $2 ~ /^[a-z]+\.cgi$/ { print $1 }' | sort -u)
	if [ -z "$users" ]; then
		echo "FAIL: no program of $2 is running" >&2
		ps -eo user,pid,args >&2
		exit 1
	fi
	if [ "$users" != "$1" ]; then
		echo "FAIL: programs of $2 run as: $users (not $1)" >&2
		ps -eo user,pid,args >&2
		exit 1
	fi
	echo "ok: the programs run as $1"
}

# stops SERVICE: "service SERVICE stop" leaves no process running but
# this script and those it runs in (the web server and its FastCGI
# programs alike).
stops() {
	service "$1" stop
	mine=" $$ "
	pid=$$
	while [ "$pid" -gt 1 ]; do
		pid=$(ps -o ppid= -p "$pid" | tr -d ' ')
		mine="$mine$pid "
	done
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		left=$(ps -eo pid=,comm=,args= | awk -v mine="$mine" \
		    'index(mine, " " $1 " ") == 0 && $2 !~ /^(ps|awk|sh)$/')
		[ -z "$left" ] && break
		sleep 0.5
	done
	if [ -n "$left" ]; then
		echo "FAIL: still running after service $1 stop:" >&2
		echo "$left" >&2
		exit 1
	fi
	echo "ok: service $1 stop stops everything"
}

# private MODE FILE...: each FILE exists and has at most MODE's permission
# bits (0600, 0660 ...): nothing for other users.
private() {
	max=$1
	shift
	for f in "$@"; do
		mode=$(stat -c %a "$f")
		if [ $((0$mode & ~0$max & 07777)) -ne 0 ]; then
			echo "FAIL: $f is mode $mode, more than $max" >&2
			exit 1
		fi
		echo "ok: $f is mode $mode, owner $(stat -c %U:%G "$f")"
	done
}

# owned USER FILE...: each FILE belongs to USER.
owned() {
	want=$1
	shift
	for f in "$@"; do
		[ "$(stat -c %U "$f")" = "$want" ] || {
			echo "FAIL: $f belongs to $(stat -c %U "$f"), not $want" >&2
			exit 1
		}
	done
	echo "ok: owned by $want: $*"
}

# logged FILE TEXT: the log FILE has a line with TEXT.
logged() {
	if ! grep -qF -- "$2" "$1"; then
		echo "FAIL: no '$2' in $1:" >&2
		tail -n 20 "$1" >&2
		exit 1
	fi
	echo "ok: $1 has '$2'"
}

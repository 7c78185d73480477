#!/bin/sh
# verify.sh: the systemd units this build installs (systemd/, written by
# scripts/systemd-units) checked offline, as a machine whose PID 1 is not
# systemd allows: `systemd-analyze verify` finds nothing in any of them
# (their man:fcgi-auth(7) resolved against this build's page), every
# program has its socket and service and every process count its line in
# systemd/fcgi-auth.default, `systemd-analyze security` rates each service
# (printed), and lighttpd accepts the snippet for the same sockets.  TAP.
: "${abs_top_srcdir:?run through make check}"
: "${abs_top_builddir:?run through make check}"
units=$abs_top_builddir/systemd
n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); echo "not ok $n - $1"; shift; printf '%s\n' "$@" | sed 's/^/# /'; }

if ! command -v systemd-analyze >/dev/null 2>&1; then
	echo "1..1"
	not_ok "systemd-analyze is not installed (Debian: systemd; scripts/common.sh's FA_TEST_PACKAGES)"
	exit 0
fi
make -s -C "$abs_top_builddir" systemd/units.stamp man/fcgi-auth.7 \
    lighttpd-conf/50-fcgi-auth-systemd.conf >&2
programs=$(sed -n '/^pkglibexec_PROGRAMS/,/^$/p' "$abs_top_srcdir/Makefile.am" |
    sed -n 's/.*cgi-bin\/\([a-z-]*\).*/\1/p')
echo "1..$(($(echo "$programs" | wc -l) * 2 + 4))"

# verify reads man: references with man(1): this build's page, not an
# installed one.
man=$(mktemp -d)
trap 'rm -rf "$man"' EXIT
mkdir -p "$man/man7"
cp "$abs_top_builddir/man/fcgi-auth.7" "$man/man7/"
# Relative names: verify loads each file as a unit of that name, and its
# neighbours in the directory for the dependencies.
out=$(cd "$units" && MANPATH=$man SYSTEMD_LOG_LEVEL=notice \
    systemd-analyze verify fcgi-auth*.socket fcgi-auth*.service fcgi-auth.target 2>&1)
rc=$?
if [ $rc -eq 0 ] && [ -z "$out" ]; then
	set -- "$units"/fcgi-auth*.socket "$units"/fcgi-auth*.service "$units"/fcgi-auth.target
	ok "systemd-analyze verify: $# units, nothing to say"
else
	not_ok "systemd-analyze verify (exit $rc)" "$out"
fi

for p in $programs; do
	if [ -f "$units/fcgi-auth-$p.socket" ] && [ -f "$units/fcgi-auth-$p.service" ] &&
	    grep -qx "ListenStream=/.*/$p.sock" "$units/fcgi-auth-$p.socket" &&
	    grep -q "^ExecStart=.* -- .*/$p\$" "$units/fcgi-auth-$p.service" &&
	    grep -qx "Wants=.*fcgi-auth-$p.service.*" "$units/fcgi-auth.target"; then
		ok "$p: a socket, a service that runs it, wanted by fcgi-auth.target"
	else
		not_ok "$p: no socket, service or place in fcgi-auth.target" \
		    "$(ls "$units")"
	fi
	var=$(sed -n 's/^ExecStart=.*--forks=${\([A-Z_]*\)}.*/\1/p' "$units/fcgi-auth-$p.service")
	if [ -n "$var" ] && grep -Eq "^$var=[1-9][0-9]*\$" "$abs_top_srcdir/systemd/fcgi-auth.default"; then
		ok "$p: its process count, $var, is set in systemd/fcgi-auth.default"
	else
		not_ok "$p: '$var' is not set in systemd/fcgi-auth.default"
	fi
done

# The sandbox as systemd rates it (lower is safer; 10 is none): printed
# for the record, bounded so that a lost line shows.
worst=0
for s in "$units"/fcgi-auth-*.service; do
	level=$(cd "$units" && systemd-analyze security --offline=yes "$(basename "$s")" 2>/dev/null |
	    sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
	worst=$(awk -v a="$worst" -v b="${level:-10}" 'BEGIN { print (b > a) ? b : a }')
done
if awk -v w="$worst" 'BEGIN { exit !(w <= 2.0) }'; then
	ok "systemd-analyze security: every service's exposure at most $worst (of 10)"
else
	not_ok "systemd-analyze security: a service's exposure is $worst (over 2.0)"
fi

# The unit's environment file and ExecStart, as scripts/start-units reads
# them, give each multiwatch a number.
if grep -Eq '^EnvironmentFile=/.*/default/fcgi-auth$' "$units/fcgi-auth-me.service"; then
	ok "the services read their process counts from one file, \$(sysconfdir)/default/fcgi-auth"
else
	not_ok "fcgi-auth-me.service does not read \$(sysconfdir)/default/fcgi-auth"
fi

# lighttpd's snippet for the same sockets, in a minimal server.
if [ -x "${LIGHTTPD:-}" ] || LIGHTTPD=$(command -v lighttpd || echo /usr/sbin/lighttpd); [ -x "$LIGHTTPD" ]; then
	cat >"$man/lighttpd.conf" <<CONF
server.document-root = "$man"
server.port = 8080
server.modules = ( "mod_access" )
include "$abs_top_builddir/lighttpd-conf/50-fcgi-auth-systemd.conf"
CONF
	if out=$("$LIGHTTPD" -tt -f "$man/lighttpd.conf" 2>&1); then
		ok "lighttpd -tt accepts lighttpd-conf/50-fcgi-auth-systemd.conf"
	else
		not_ok "lighttpd -tt refuses lighttpd-conf/50-fcgi-auth-systemd.conf" "$out"
	fi
else
	not_ok "lighttpd is not installed"
fi

#!/bin/sh
# boot.sh: the systemd units under a real systemd, as PID 1 of a Debian 12
# system of their own (tests/deploy's debootstrap base, booted with
# systemd-nspawn on a private network): the README's "data" and "systemd"
# blocks run as written against a build configured as README says, then a
# session through Apache, the sandbox each process gets, a process and a
# multiwatch killed and replaced, every service restarted under load with
# no request refused, mail through msmtp to an SMTP server, and a stop.
# Needs root, systemd-nspawn (Debian: systemd-container), debootstrap and
# the package mirror; skipped without the first two.  About 4 minutes,
# mostly apt and the build.  TAP.
: "${abs_top_srcdir:?run through make check}"
: "${abs_top_builddir:?run through make check}"
if [ "$(id -u)" -ne 0 ] || ! command -v systemd-nspawn >/dev/null 2>&1 ||
    ! command -v debootstrap >/dev/null 2>&1; then
	echo "1..0 # SKIP needs root, systemd-nspawn (systemd-container) and debootstrap"
	exit 0
fi
DEPLOY_DIR=$abs_top_builddir/deploy
. "$abs_top_srcdir/tests/deploy/debian.bash"
n=0 leader='' boot_pid=''
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); echo "not ok $n - $1"; shift; printf '%s\n' "$@" | sed 's/^/# /'; }
bail() { echo "Bail out! $1"; shift; printf '%s\n' "$@" | sed 's/^/# /'; exit 1; }
# inside SCRIPT: run SCRIPT in the booted system, as root, from a clean
# environment; its output on ours.
inside() {
	nsenter -t "$leader" -a env -i HOME=/root LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive \
	    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin sh -c "$1"
}
cleanup() {
	[ -z "$leader" ] || inside 'systemctl poweroff' >/dev/null 2>&1
	[ -z "$boot_pid" ] || wait "$boot_pid" 2>/dev/null
	rm -rf "$DEPLOY_DIR"/sd-*
}
trap cleanup EXIT
echo "1..10"

mkdir -p "$DEPLOY_DIR/share"
(flock 9 && deb_base) 9>"$DEPLOY_DIR/.lock" >&2 || bail "no Debian base system"
rm -rf "$DEPLOY_DIR"/sd-*
# The packages the programs and the profile need, and what the checks use.
deb_run --net sd-packages base >"$DEPLOY_DIR/sd-packages.log" 2>&1 <<'SH' ||
apt-get update -qq
apt-get install -y -qq --no-install-recommends systemd systemd-sysv dbus \
    apache2 multiwatch curl jq procps msmtp python3-aiosmtpd \
    libfcgi0ldbl libsqlite3-0 libjwt0 libjson-c5 libssl3 liboath0 libqrencode4 libpng16-16
SH
    bail "apt-get in the base system failed" "$(tail -n 20 "$DEPLOY_DIR/sd-packages.log")"
# This tree, configured as README's install block says, installed into a
# layer of its own; the README's blocks and the mail test's tools beside.
build=$DEPLOY_DIR/sd-build
mkdir -p "$build"
(cd "$build" && "$abs_top_srcdir/configure" --sysconfdir=/etc --localstatedir=/var &&
    make -j"$(nproc)" && make install DESTDIR="$DEPLOY_DIR/sd-install") \
    >"$DEPLOY_DIR/sd-build.log" 2>&1 ||
    bail "the build failed" "$(tail -n 20 "$DEPLOY_DIR/sd-build.log")"
mkdir -p "$DEPLOY_DIR/sd-install/root"
"$abs_top_srcdir/tests/deploy/readme-blocks" "$abs_top_srcdir/README.md" \
    "$DEPLOY_DIR/sd-install/root/blocks"
cp "$abs_top_srcdir/tests/api/smtp-sink" "$abs_top_srcdir/tests/api/mail-read" \
    "$DEPLOY_DIR/sd-install/root/"

# Boot: systemd as PID 1 of its own PID, mount and network namespaces
# (nspawn wants its runtime directory on a tmpfs: a private one).
mkdir -p "$DEPLOY_DIR/sd-boot" "$DEPLOY_DIR/sd-boot.work" "$DEPLOY_DIR/sd-boot.root"
unshare --mount --fork sh -c '
	set -e
	mkdir -p /run/systemd/nspawn
	mount -t tmpfs tmpfs /run/systemd/nspawn
	mount -t overlay overlay -o "lowerdir=$1/sd-install:$1/sd-packages:$1/base,upperdir=$1/sd-boot,workdir=$1/sd-boot.work" "$1/sd-boot.root"
	exec systemd-nspawn -q -b --register=no --keep-unit --private-network \
	    --console=passive -M fcgi-auth-boot -D "$1/sd-boot.root"
' sh "$DEPLOY_DIR" >"$DEPLOY_DIR/sd-boot.log" 2>&1 &
boot_pid=$!
state=
for _ in $(seq 1 600); do
	if [ -z "$leader" ]; then
		nspawn=$(pgrep -P "$boot_pid" -x systemd-nspawn)
		[ -z "$nspawn" ] || leader=$(pgrep -P "$nspawn" -x systemd)
	fi
	[ -z "$leader" ] || state=$(inside 'systemctl is-system-running' 2>/dev/null)
	case $state in running|degraded) break ;; esac
	kill -0 "$boot_pid" 2>/dev/null || break
	sleep 0.1
done
case $state in
running|degraded) ok "systemd booted as the system's PID 1 ($state)" ;;
*) bail "the system did not boot" "$(tail -n 20 "$DEPLOY_DIR/sd-boot.log")" ;;
esac

# The README's commands, as written.
if out=$(inside 'set -e; sh -ex /root/blocks/data; sh -ex /root/blocks/systemd' 2>&1) &&
    [ "$(inside 'systemctl is-active fcgi-auth.target apache2' | sort -u)" = active ]; then
	ok "README's data and systemd blocks: fcgi-auth.target and Apache active"
else
	not_ok "README's data and systemd blocks" "$out" "$(inside 'systemctl --failed --no-pager; journalctl -b --no-pager | tail -n 30')"
fi

# A session through Apache, mod_proxy_fcgi and the units' sockets.
out=$(inside '
U=http://127.0.0.1/api j="Content-Type: application/json"
curl -s -o /dev/null -w "%{http_code} " -H "$j" -d "{\"email\":\"boot@example.com\",\"name\":\"B\",\"password\":\"password123\"}" $U/authentication/register
c=$(curl -s -D - -o /dev/null -H "$j" -d "{\"email\":\"boot@example.com\",\"password\":\"password123\"}" $U/authentication/log-in | sed -n "s/^Set-Cookie: \(Authentication=[^;]*\);.*/\1/p")
curl -s -b "$c" $U/authentication | jq -j ".email, \" \""
curl -s -o /dev/null -w "%{http_code} " -H "$j" -b "$c" -d "{\"title\":\"t\",\"content\":\"c\"}" $U/posts
curl -s -o /dev/null -w "%{http_code} " -X POST -H "Content-Length: 0" -b "$c" $U/authentication/log-out
curl -s -o /dev/null -w "%{http_code} " -b "$c" $U/authentication
curl -s -o /dev/null -w "%{http_code}" $U/nope' 2>&1)
if [ "$out" = "201 boot@example.com 201 200 401 404" ]; then
	ok "a session through Apache and the units: register, log-in, me, posts, log-out, 404"
else
	not_ok "a session through Apache and the units" "got: $out" "want: 201 boot@example.com 201 200 401 404"
fi

# Each program's processes: the counts of /etc/default/fcgi-auth, as
# www-data, no capabilities, no new privileges, a seccomp filter.
out=$(inside '
. /etc/default/fcgi-auth
for p in register login logout me sessions password posts email-confirmation password-reset two-factor notfound; do
	want=$(eval echo \$FCGI_AUTH_PROCS_$(echo $p | tr a-z- A-Z_))
	prog=/usr/local/libexec/fcgi-auth/$p
	[ "$(pgrep -c -u www-data -f -x $prog)" = "$want" ] || echo "$p: $(pgrep -c -f -x $prog) processes, not $want"
	for pid in $(pgrep -f -x $prog); do
		grep -q "^NoNewPrivs:.*1$" /proc/$pid/status || echo "$p $pid: may gain privileges"
		grep -q "^Seccomp:.*2$" /proc/$pid/status || echo "$p $pid: no seccomp filter"
		grep -q "^CapEff:.*0000000000000000$" /proc/$pid/status || echo "$p $pid: has capabilities"
	done
done
stat -c "%a %U %G" /run/fcgi-auth/me.sock /var/lib/fcgi-auth | sort -u | tr "\n" " "' 2>&1)
if [ "$out" = "660 root www-data 700 www-data www-data " ]; then
	ok "every program keeps its count of processes, as www-data, sandboxed; sockets 0660 root:www-data"
else
	not_ok "the processes and sockets" "$out"
fi

# A process killed: multiwatch forks another.  multiwatch killed:
# systemd restarts the service.
out=$(inside '
v=$(pgrep -x me | head -n 1); kill -KILL $v
for i in $(seq 1 50); do [ "$(pgrep -c -x me)" = 4 ] && ! [ -d /proc/$v ] && break; sleep 0.1; done
echo "$(pgrep -c -x me)"
mw=$(systemctl show -p MainPID --value fcgi-auth-me.service); kill -KILL $mw
for i in $(seq 1 50); do
	[ "$(systemctl show -p NRestarts --value fcgi-auth-me.service)" = 1 ] && [ "$(pgrep -c -x me)" = 4 ] && break
	sleep 0.1
done
echo "$(systemctl is-active fcgi-auth-me.service) $(systemctl show -p NRestarts --value fcgi-auth-me.service) $(pgrep -c -x me)"
curl -s -o /dev/null -w "%{http_code}" http://127.0.0.1/api/authentication' 2>&1)
if [ "$out" = "$(printf '4\nactive 1 4\n401')" ]; then
	ok "a killed process is replaced by multiwatch, a killed multiwatch restarted by systemd"
else
	not_ok "a killed process or multiwatch" "$out"
fi

# Every service restarted while requests come: the sockets stay, none is
# refused.
out=$(inside '
(for i in $(seq 1 300); do curl -s -o /dev/null -w "%{http_code}\n" http://127.0.0.1/api/authentication; done >/tmp/codes) &
sleep 0.3
systemctl restart "fcgi-auth-*.service"
wait
sort /tmp/codes | uniq -c | awk "{ printf \"%s:%s \", \$2, \$1 }"' 2>&1)
if [ "$out" = "401:300 " ]; then
	ok "systemctl restart 'fcgi-auth-*.service' under load: 300 requests, every one answered"
else
	not_ok "requests during a restart of the services" "$out"
fi

# Mail by SMTP through msmtp, as the README says: out of the sandbox to a
# real SMTP server (tests/api/smtp-sink) on the loopback.
out=$(inside '
mkdir -p /root/mail
setsid /root/smtp-sink /root/mail >/root/sink.log 2>&1 < /dev/null &
for i in $(seq 1 100); do [ -s /root/mail/port ] && break; sleep 0.1; done
cat >>/etc/fcgi-auth/fcgi-auth.conf <<CONF
MAIL_COMMAND=/usr/bin/msmtp -C /dev/null --host=127.0.0.1 --port=$(cat /root/mail/port) --auth=off --tls=off --read-envelope-from -t -i
MAIL_FROM=fcgi-auth <noreply@example.org>
EMAIL_CONFIRMATION_URL=https://app.example.org/confirm
CONF
systemctl restart "fcgi-auth-*.service"
curl -s -o /dev/null -w "%{http_code} " -H "Content-Type: application/json" -d "{\"email\":\"mail@example.com\",\"name\":\"M\",\"password\":\"password123\"}" http://127.0.0.1/api/authentication/register
for i in $(seq 1 100); do /root/mail-read -c /root/mail mail@example.com 2>/dev/null | grep -qx 1 && break; sleep 0.1; done
/root/mail-read /root/mail mail@example.com | jq -r .subject' 2>&1)
if [ "$out" = "201 Email confirmation" ]; then
	ok "mail: msmtp from the sandboxed register delivers the confirmation to an SMTP server"
else
	not_ok "mail through msmtp" "$out" "$(inside 'journalctl -u fcgi-auth-register --no-pager | tail -n 5')"
fi

# The programs' log lines are in the journal, under their units.
if inside 'journalctl -u fcgi-auth-me.service --no-pager' | grep -q 'me\[[0-9]*\] '; then
	ok "the programs' log lines are in the journal (journalctl -u fcgi-auth-me)"
else
	not_ok "no log line of me in the journal"
fi

# systemd-analyze verify on the installed units, where systemd runs.
out=$(inside 'systemd-analyze verify --man=no /usr/local/lib/systemd/system/fcgi-auth*' 2>&1)
if [ -z "$out" ]; then
	ok "systemd-analyze verify, on the booted system: nothing to say"
else
	not_ok "systemd-analyze verify on the booted system" "$out"
fi

# Stopped: no process, no socket left, Apache answers 503.  The target's
# own stop job ends first (it is ordered after what it wants), so
# systemctl returns while the services still stop: wait for them.
out=$(inside '
systemctl stop fcgi-auth.target
for i in $(seq 1 100); do
	systemctl is-active --quiet "fcgi-auth-*.service" "fcgi-auth-*.socket" || break
	sleep 0.1
done
echo "$(pgrep -c -u www-data -f /usr/local/libexec/fcgi-auth/) $(ls /run/fcgi-auth 2>/dev/null | wc -l) $(curl -s -o /dev/null -w "%{http_code}" http://127.0.0.1/api/authentication)"' 2>&1)
if [ "$out" = "0 0 503" ]; then
	ok "systemctl stop fcgi-auth.target: no process, no socket, Apache answers 503"
else
	not_ok "systemctl stop fcgi-auth.target" "$out"
fi

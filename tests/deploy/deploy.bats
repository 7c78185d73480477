#!/usr/bin/env bats
# deploy: every deployment path of README.md, followed to the letter on a
# stock Debian 12 (debootstrap; debian.bash) with the distribution's own
# lighttpd and Apache configurations: the README's code blocks are run as
# they stand (readme-blocks), then the API is driven through the result
# (session), and the processes, files and shutdown are checked (checks.sh).
#
# Layers: base (debootstrap) < packages (README's apt-get line, as a fresh
# server would run it) < installed (built and installed as root, data
# created: "On your own server") or customer (built by the user alice in
# her home: "Shared hosting").  Each test starts from one of those and
# throws its changes away.  Needs root, debootstrap and the Debian mirror.

bats_require_minimum_version 1.5.0
load /usr/lib/bats/bats-support/load
load /usr/lib/bats/bats-assert/load

: "${abs_top_srcdir:?run through make check}"
: "${abs_top_builddir:?run through make check}"
DEPLOY_DIR=$abs_top_builddir/deploy
# A package cache of its own, kept between runs: the machine's is locked
# whenever its own apt runs (an upgrade, another job), and a case's apt-get
# then failed at once.
DEPLOY_APT_CACHE=$DEPLOY_DIR/apt-cache
. "$abs_top_srcdir/tests/deploy/debian.bash"

setup_file() {
	[ "$(id -u)" -eq 0 ] || skip "needs root (chroot, mounts, namespaces)"
	command -v debootstrap >/dev/null || skip "needs debootstrap (apt-get install debootstrap)"
	mkdir -p "$DEPLOY_DIR" "$DEPLOY_APT_CACHE/partial"
	exec 9>"$DEPLOY_DIR/.lock"
	flock 9
	deb_base >&3
	deb_share
	rm -rf "$DEPLOY_DIR"/packages* "$DEPLOY_DIR"/installed* \
	    "$DEPLOY_DIR"/customer* "$DEPLOY_DIR"/case-*
	# A fresh server: the README's packages; then what the tests need
	# (curl, jq, ps), the users of the shared host, and the packages the
	# tests install later without a network, into the shared cache.  As
	# on a booted server, a package's service starts when it is installed
	# (without an init system, invoke-rc.d asks policy-rc.d).
	{
		deb_block packages
		cat <<-'EOF'
		printf '#!/bin/sh\nexit 0\n' >/usr/sbin/policy-rc.d
		chmod 755 /usr/sbin/policy-rc.d
		apt-get install -y -q curl jq procps
		apt-get install -y -q --download-only lighttpd apache2 \
		    libapache2-mod-fcgid apache2-suexec-pristine
		useradd -m -s /bin/bash alice
		echo debian >/etc/hostname
		echo '127.0.1.1 debian' >>/etc/hosts
		EOF
	} | deb_run --net packages base >"$DEPLOY_DIR/packages.log" 2>&1 ||
	    { tail -n 30 "$DEPLOY_DIR/packages.log" >&3; return 1; }
	# Both builds at once: they share nothing but the layers below.
	{
		echo 'mkdir -p /usr/src/fcgi-auth && cd /usr/src/fcgi-auth'
		echo 'tar -xf /deploy/src.tar'
		deb_block install
		deb_block data
	} | deb_run installed packages base >"$DEPLOY_DIR/installed.log" 2>&1 &
	local installed=$!
	{
		echo 'mkdir -p fcgi-auth && cd fcgi-auth && tar -xf /deploy/src.tar'
		deb_block shared-build
	} | deb_run --user alice customer packages base >"$DEPLOY_DIR/customer.log" 2>&1 ||
	    { tail -n 30 "$DEPLOY_DIR/customer.log" >&3; wait $installed; return 1; }
	wait $installed || { tail -n 30 "$DEPLOY_DIR/installed.log" >&3; return 1; }
}

# A passed case's system goes (its log stays); the layers go with the file.
teardown() {
	[ -z "${BATS_TEST_COMPLETED:-}" ] ||
	    rm -rf "$DEPLOY_DIR"/case-"$CASE" "$DEPLOY_DIR"/case-"$CASE".work \
	    "$DEPLOY_DIR"/case-"$CASE".root
}

teardown_file() {
	rm -rf "$DEPLOY_DIR"/packages "$DEPLOY_DIR"/packages.work \
	    "$DEPLOY_DIR"/packages.root "$DEPLOY_DIR"/installed \
	    "$DEPLOY_DIR"/installed.work "$DEPLOY_DIR"/installed.root \
	    "$DEPLOY_DIR"/customer "$DEPLOY_DIR"/customer.work \
	    "$DEPLOY_DIR"/customer.root
}

# run_case NAME LAYER...: the script on stdin in a fresh system on those
# layers (the checks sourced); its output in $DEPLOY_DIR/case-NAME.log.
run_case() {
	local name=$1
	shift
	CASE=$name
	rm -rf "$DEPLOY_DIR/case-$name" "$DEPLOY_DIR/case-$name.work"
	{ echo '. /deploy/checks.sh'; cat; } |
	    deb_run "case-$name" "$@" packages base >"$DEPLOY_DIR/case-$name.log" 2>&1 || {
		grep -v '^+' "$DEPLOY_DIR/case-$name.log" | tail -n 40
		return 1
	}
	grep '^ok: ' "$DEPLOY_DIR/case-$name.log"
}

@test "deploy-1.1: lighttpd, the Debian way: conf-available, lighty-enable-mod, /api" {
	run_case lighttpd installed <<-CASE
	$(deb_block lighttpd)
	sh /deploy/session http://127.0.0.1/api
	# The server's own pages are still its own.
	curl -sf -o /dev/null http://127.0.0.1/
	programs_run_as www-data /usr/local/libexec/fcgi-auth
	private 0600 /var/lib/fcgi-auth/jwt-secret /var/lib/fcgi-auth/fcgi-auth.sqlite*
	owned www-data /var/lib/fcgi-auth/jwt-secret /var/lib/fcgi-auth/fcgi-auth.sqlite*
	# A newer version, as "Upgrading" says, in the clone; the user stays.
	cd /usr/src/fcgi-auth
	$(deb_block upgrade)
	curl -s -H 'Content-Type: application/json' \
	    -d '{"email":"deploy@example.com","password":"a long password"}' \
	    -o /dev/null -w '%{http_code}\n' http://127.0.0.1/api/authentication/log-in | grep -qx 200
	echo "ok: upgraded, the user logs in"
	# Without their key the programs cannot serve: lighttpd still starts
	# (it gives up when a program it spawns exits at once), and they
	# answer 503.
	mv /var/lib/fcgi-auth/jwt-secret /var/lib/fcgi-auth/jwt-secret.away
	service lighttpd restart
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		status=\$(curl -s -o /tmp/b -w '%{http_code}' http://127.0.0.1/api/authentication) && break
		sleep 0.5
	done
	echo "status \$status: \$(cat /tmp/b)"
	[ "\$status" = 503 ]
	jq -e '.message == "Service is unavailable"' /tmp/b >/dev/null
	echo "ok: without their key the programs answer 503, lighttpd runs"
	stops lighttpd
	CASE
}

@test "deploy-2.1: Apache with mod_fcgid, the Debian way: a2enconf, /api beside the default site" {
	run_case apache-conf installed <<-CASE
	$(deb_block apache)
	$(deb_block apache-conf)
	sh /deploy/session http://127.0.0.1/api
	curl -sf -o /dev/null http://127.0.0.1/
	programs_run_as www-data /usr/local/libexec/fcgi-auth
	private 0600 /var/lib/fcgi-auth/jwt-secret /var/lib/fcgi-auth/fcgi-auth.sqlite*
	# The programs log to Apache's error log (a token it refused).
	curl -s -o /dev/null -H 'Cookie: Authentication=x.y.z' http://127.0.0.1/api/authentication
	logged /var/log/apache2/error.log 'rejected token'
	stops apache2
	CASE
}

@test "deploy-2.2: Apache with mod_fcgid: a site of its own at the root, on another port" {
	run_case apache-site installed <<-CASE
	$(deb_block apache)
	$(deb_block apache-site)
	sh /deploy/session http://127.0.0.1:8080
	# The default site on port 80 is untouched.
	curl -s http://127.0.0.1/ | grep -q 'Apache2 Debian Default Page'
	programs_run_as www-data /usr/local/libexec/fcgi-auth
	stops apache2
	CASE
}

# What a shared host with CGI in its users' directories has: Debian's
# Apache with userdir, mod_rewrite and CGI, the users' directories allowed
# to run CGI (stock userdir.conf does not), and suEXEC.
shared_host() {
	cat <<-'HOST'
	apt-get install -y -q apache2 libapache2-mod-fcgid apache2-suexec-pristine
	a2enmod userdir suexec cgid rewrite headers
	printf '<Directory /home/*/public_html>\n\tOptions +ExecCGI\n</Directory>\n' \
	    >/etc/apache2/conf-available/userdir-cgi.conf
	a2enconf userdir-cgi
	chmod 0711 /home/alice
	service apache2 restart
	HOST
}

# as_alice: the script on stdin, run by alice in her clone, as she would
# in her own shell.
as_alice() {
	printf '%s\n' "runuser -u alice -- env -i HOME=/home/alice USER=alice LOGNAME=alice \\" \
	    "    PATH=/usr/local/bin:/usr/bin:/bin LANG=C.UTF-8 sh -eux <<'CUSTOMER'" \
	    'cd ~/fcgi-auth'
	cat
	echo CUSTOMER
}

@test "deploy-3.1: shared hosting under /~alice/api/: plain CGI with suEXEC" {
	run_case shared-cgi customer <<-CASE
	$(shared_host)
	$(deb_block shared-install | as_alice)
	sh /deploy/session http://127.0.0.1/~alice/api
	logged /var/log/apache2/suexec.log 'uid: (1000/alice) gid: (1000/alice) cmd: login.cgi'
	private 0600 /home/alice/fcgi-auth-data/jwt-secret \
	    /home/alice/fcgi-auth-data/fcgi-auth.sqlite \
	    /home/alice/public_html/api/fcgi-auth/fcgi-auth.conf
	private 0700 /home/alice/fcgi-auth-data
	owned alice /home/alice/fcgi-auth-data/*
	# Nothing of the layout is served, whatever is asked.
	for p in /fcgi-auth/fcgi-auth.conf /fcgi-auth/me.cgi /.htaccess /errors/413.json; do
		curl -s http://127.0.0.1/~alice/api\$p | jq -e '.statusCode == 403 or .statusCode == 404' >/dev/null
	done
	echo "ok: nothing of the layout is served"
	# Apache's own errors are JSON under the sub-path too.
	curl -s -H 'Content-Length: 9999999' -d x http://127.0.0.1/~alice/api/posts | jq -e '.statusCode == 413' >/dev/null
	echo "ok: a JSON 413 from Apache"
	# Run again, as after a rebuild: the key is kept.
	key=\$(cat /home/alice/fcgi-auth-data/jwt-secret)
	$(deb_block shared-install | as_alice)
	[ "\$(cat /home/alice/fcgi-auth-data/jwt-secret)" = "\$key" ]
	echo "ok: installed again, the key kept"
	stops apache2
	CASE
}

@test "deploy-3.2: shared hosting under /~alice/api/: mod_fcgid with suEXEC" {
	run_case shared-fcgid customer <<-CASE
	$(shared_host)
	$(deb_block shared-install-fcgid | as_alice)
	sh /deploy/session http://127.0.0.1/~alice/api
	programs_run_as alice /home/alice/public_html/api/fcgi-auth
	stops apache2
	CASE
}

@test "deploy-3.3: shared hosting at a site's root without suEXEC: plain CGI, the admin shares the files" {
	run_case shared-root customer <<-CASE
	# The host: alice's site is the default one, its root her public_html,
	# with .htaccess and CGI allowed; Debian's ScriptAlias /cgi-bin/ on.
	apt-get install -y -q apache2
	a2enmod cgid rewrite headers
	sed -i 's|DocumentRoot /var/www/html|DocumentRoot /home/alice/public_html|' \
	    /etc/apache2/sites-available/000-default.conf
	printf '<Directory /home/alice/public_html>\n\tOptions +ExecCGI\n\tAllowOverride FileInfo AuthConfig\n\tRequire all granted\n</Directory>\n' \
	    >/etc/apache2/conf-available/alice.conf
	a2enconf alice
	service apache2 restart
	grep -q 'ScriptAlias /cgi-bin/' /etc/apache2/conf-enabled/serve-cgi-bin.conf
	$(deb_block shared-install-root | as_alice)
	$(deb_block shared-no-suexec)
	sh /deploy/session http://127.0.0.1
	private 0660 /home/alice/fcgi-auth-data/fcgi-auth.sqlite
	private 0640 /home/alice/fcgi-auth-data/jwt-secret \
	    /home/alice/fcgi-auth-data/totp-key \
	    /home/alice/public_html/fcgi-auth/fcgi-auth.conf
	stops apache2
	CASE
}

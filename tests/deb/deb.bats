#!/usr/bin/env bats
# deb: the Debian package (debian/), as README.md's "Install on Debian"
# gives it: built with dpkg-buildpackage from a copy of the tree as a clone
# has it, held to lintian, then installed into a stock Debian 12 (the
# deployment tests' debootstrap base, tests/deploy/debian.bash) and served
# by Apache and lighttpd; upgraded, removed and purged.
#
# Layers over the deployment tests' base: deb-web (curl, jq, sqlite3,
# Apache with mod_fcgid; lighttpd downloaded) < deb-installed (the
# "previous" package: this build with a lower version, its database taken
# back to the schema before the newest migration, as the previous release
# would have left it) < deb-upgraded (this build).  Needs root, debootstrap,
# dpkg-dev, debhelper, lintian and the Debian mirror.

bats_require_minimum_version 1.5.0
load /usr/lib/bats/bats-support/load
load /usr/lib/bats/bats-assert/load

: "${abs_top_srcdir:?run through make check}"
: "${abs_top_builddir:?run through make check}"
DEPLOY_DIR=$abs_top_builddir/deploy
DEPLOY_SHARE=$DEPLOY_DIR/deb-share
# A package cache of its own, kept between runs: deploy.bats, which may run
# at the same time, locks the machine's while its apt runs.
DEPLOY_APT_CACHE=$DEPLOY_DIR/deb-apt-cache
. "$abs_top_srcdir/tests/deploy/debian.bash"

# The version configure.ac gives (the package's, checked by debian/rules).
version() {
	awk -F'[][]' '/^AC_INIT/ { print $4 }' "$abs_top_srcdir/configure.ac"
}

setup_file() {
	[ "$(id -u)" -eq 0 ] || skip "needs root (chroot, mounts, namespaces)"
	local t
	for t in debootstrap dpkg-buildpackage dh lintian; do
		command -v "$t" >/dev/null ||
		    skip "needs $t (scripts/common.sh: FA_DEB_PACKAGES)"
	done
	mkdir -p "$DEPLOY_DIR"
	# The base is the deployment tests': made once, under their lock,
	# which deploy.bats then keeps for its whole run: here, made if the
	# lock is free, else waited for.
	(
		until [ -f "$DEPLOY_DIR/base/.complete" ]; do
			if flock -n 9; then
				deb_base
				exit
			fi
			sleep 2
		done
	) 9>>"$DEPLOY_DIR/.lock" >&3 || return 1
	exec 8>"$DEPLOY_DIR/.deb-lock"
	flock 8
	rm -rf "$DEPLOY_SHARE" "$DEPLOY_DIR"/deb-build "$DEPLOY_DIR"/deb-web* \
	    "$DEPLOY_DIR"/deb-installed* "$DEPLOY_DIR"/deb-upgraded* \
	    "$DEPLOY_DIR"/deb-case-*
	mkdir -p "$DEPLOY_SHARE/src" "$DEPLOY_SHARE/old" "$DEPLOY_DIR/deb-build/fcgi-auth" \
	    "$DEPLOY_APT_CACHE/partial"
	cp "$abs_top_srcdir/tests/deploy/session" \
	    "$abs_top_srcdir/tests/deploy/checks.sh" "$DEPLOY_SHARE/"
	"$abs_top_srcdir/tests/deploy/readme-blocks" "$abs_top_srcdir/README.md" \
	    "$DEPLOY_SHARE/blocks"
	# The package, built by README's command in a copy of the tree,
	# while the system it goes into is made: the build runs on this
	# machine (Debian 12 too, with the build dependencies), so it needs
	# no packages in the chroot.  The unit tests are skipped (nocheck):
	# they run in the build directory already.
	deb_source_tar "$DEPLOY_DIR/deb-build/src.tar"
	tar -C "$DEPLOY_DIR/deb-build/fcgi-auth" -xf "$DEPLOY_DIR/deb-build/src.tar"
	(
		cd "$DEPLOY_DIR/deb-build/fcgi-auth" &&
		    DEB_BUILD_OPTIONS="nocheck parallel=$(nproc)" sh -eux
	) <"$DEPLOY_SHARE/blocks/deb-build" >"$DEPLOY_DIR/deb-build.log" 2>&1 &
	local build=$!
	# A stock system with what the tests use and the web servers, as the
	# package recommends them; lighttpd is downloaded for later.  As on a
	# booted server, a package's service starts when it is installed.
	deb_run --net deb-web base >"$DEPLOY_DIR/deb-web.log" 2>&1 <<-'EOF' ||
	printf '#!/bin/sh\nexit 0\n' >/usr/sbin/policy-rc.d
	chmod 755 /usr/sbin/policy-rc.d
	apt-get update -q
	apt-get install -y -q --no-install-recommends curl jq procps sqlite3 \
	    apache2 libapache2-mod-fcgid
	apt-get install -y -q --download-only lighttpd
	EOF
	    { tail -n 30 "$DEPLOY_DIR/deb-web.log" >&3; wait $build; return 1; }
	wait $build || { tail -n 30 "$DEPLOY_DIR/deb-build.log" >&3; return 1; }
	cp "$DEPLOY_DIR"/deb-build/fcgi-auth_*.deb "$DEPLOY_SHARE/"
	# The previous package: the same files at a lower version.
	local old=$DEPLOY_DIR/deb-build/old
	dpkg-deb -R "$DEPLOY_DIR/deb-build/fcgi-auth_$(version)_amd64.deb" "$old"
	sed -i "s/^Version: .*/Version: $(version)~prev/" "$old/DEBIAN/control"
	dpkg-deb -b "$old" "$DEPLOY_SHARE/old/" >/dev/null
}

teardown_file() {
	rm -rf "$DEPLOY_DIR"/deb-web "$DEPLOY_DIR"/deb-web.work \
	    "$DEPLOY_DIR"/deb-web.root "$DEPLOY_DIR"/deb-installed \
	    "$DEPLOY_DIR"/deb-installed.work "$DEPLOY_DIR"/deb-installed.root \
	    "$DEPLOY_DIR"/deb-upgraded "$DEPLOY_DIR"/deb-upgraded.work \
	    "$DEPLOY_DIR"/deb-upgraded.root "$DEPLOY_DIR"/deb-build/fcgi-auth \
	    "$DEPLOY_DIR"/deb-build/old "$DEPLOY_DIR"/deb-build/src.tar
}

# A passed case's system goes (its log stays).
teardown() {
	[ -z "${BATS_TEST_COMPLETED:-}" ] || [ -z "${CASE:-}" ] ||
	    rm -rf "$DEPLOY_DIR/deb-case-$CASE" "$DEPLOY_DIR/deb-case-$CASE.work" \
	    "$DEPLOY_DIR/deb-case-$CASE.root"
}

# run_in [--net] UPPER LOWER...: the script on stdin (the checks sourced)
# in the system of those layers over deb-web and base, from /deploy/src
# (README's ../fcgi-auth_*.deb is this build); its output in UPPER.log.
run_in() {
	local net=
	[ "$1" = --net ] && { net=--net; shift; }
	local upper=$1
	shift
	{ echo '. /deploy/checks.sh'; cat; } |
	    deb_run $net --cd /deploy/src "$upper" "$@" deb-web base \
	    >"$DEPLOY_DIR/$upper.log" 2>&1 || {
		grep -v '^+' "$DEPLOY_DIR/$upper.log" | tail -n 40
		return 1
	}
	grep '^ok: ' "$DEPLOY_DIR/$upper.log"
}

@test "deb-1: the package builds from a clean tree, lintian-clean" {
	ls "$DEPLOY_DIR"/deb-build/fcgi-auth_"$(version)"_amd64.deb \
	    "$DEPLOY_DIR"/deb-build/fcgi-auth-dbgsym_"$(version)"_amd64.deb
	# README's first step, simulated (it changes nothing here): apt reads
	# the build dependencies from debian/control and can install them.
	run apt-get build-dep -s -q "$DEPLOY_DIR/deb-build/fcgi-auth"
	assert_success
	# Errors and warnings (overrides in debian/*.lintian-overrides, each
	# with its reason).
	run lintian --fail-on error,warning \
	    "$DEPLOY_DIR"/deb-build/fcgi-auth_"$(version)"_amd64.changes
	echo "$output"
	assert_success
	refute_output --regexp '^[EW]: '
}

@test "deb-2: installs into a stock Debian 12, disabled until enabled, then served by Apache" {
	run_in --net deb-installed <<-CASE
	apt-get install -y -q /deploy/old/fcgi-auth_$(version)~prev_amd64.deb
	# The layout, the modes, the owners.
	test -x /usr/lib/fcgi-auth/login
	test -x /usr/sbin/fcgi-auth-admin
	test -f /usr/share/doc/fcgi-auth/README.md
	test -f /usr/share/doc/fcgi-auth/SECURITY.md
	grep -q '^openapi: 3' /usr/share/doc/fcgi-auth/openapi.yaml
	test -f /usr/share/man/man8/fcgi-auth-admin.8.gz
	[ "\$(stat -c '%a %U:%G' /etc/fcgi-auth/fcgi-auth.conf)" = "640 root:www-data" ]
	[ "\$(stat -c '%a %U:%G' /var/lib/fcgi-auth)" = "700 www-data:www-data" ]
	private 0600 /var/lib/fcgi-auth/jwt-secret /var/lib/fcgi-auth/totp-key \
	    /var/lib/fcgi-auth/fcgi-auth.sqlite
	owned www-data /var/lib/fcgi-auth/jwt-secret /var/lib/fcgi-auth/totp-key \
	    /var/lib/fcgi-auth/fcgi-auth.sqlite
	for f in /etc/fcgi-auth/fcgi-auth.conf /etc/apache2/conf-available/fcgi-auth.conf \
	    /etc/lighttpd/conf-available/50-fcgi-auth.conf; do
		dpkg-query -W -f='\${Conffiles}\n' fcgi-auth | grep -q " \$f "
	done
	echo "ok: the layout, modes, owners and conffiles"
	# Disabled until the admin enables it: Apache answers /api itself.
	rc=0; a2query -q -c fcgi-auth || rc=\$?
	[ "\$rc" -ne 0 ]
	[ ! -e /etc/lighttpd/conf-enabled/50-fcgi-auth.conf ]
	# The systemd profile: a socket and a service per program, the
	# target, the counts and both snippets, none of it enabled; Debian's
	# Apache takes its snippet (systemd is not PID 1 here to run them:
	# tests/systemd/boot.sh runs the units under a booted systemd).
	n=\$(ls /usr/lib/fcgi-auth | wc -l)
	[ "\$(ls /lib/systemd/system/fcgi-auth-*.socket | wc -l)" = "\$n" ]
	[ "\$(ls /lib/systemd/system/fcgi-auth-*.service | wc -l)" = "\$n" ]
	grep -q '^WantedBy=multi-user.target' /lib/systemd/system/fcgi-auth.target
	grep -q '^ExecStart=/usr/bin/multiwatch .* /usr/lib/fcgi-auth/login\$' \
	    /lib/systemd/system/fcgi-auth-login.service
	test -x /usr/bin/multiwatch
	for f in /etc/default/fcgi-auth /etc/apache2/conf-available/fcgi-auth-systemd.conf \
	    /etc/lighttpd/conf-available/50-fcgi-auth-systemd.conf; do
		dpkg-query -W -f='\${Conffiles}\n' fcgi-auth | grep -q " \$f "
	done
	rc=0; a2query -q -c fcgi-auth-systemd || rc=\$?
	[ "\$rc" -ne 0 ]
	a2enmod -q proxy_fcgi rewrite headers env
	a2enconf -q fcgi-auth-systemd
	apache2ctl -t
	a2disconf -q fcgi-auth-systemd
	echo "ok: the systemd profile installed, disabled, its Apache snippet valid"
	service apache2 start
	[ "\$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1/api/authentication)" = 404 ]
	echo "ok: nothing is enabled by installing"
	$(deb_block deb-apache)
	sh /deploy/session http://127.0.0.1/api
	programs_run_as www-data /usr/lib/fcgi-auth
	# Installed again as it is: every step is idempotent, the key kept.
	key=\$(sha256sum /var/lib/fcgi-auth/jwt-secret /var/lib/fcgi-auth/totp-key)
	dpkg-reconfigure fcgi-auth
	[ "\$(sha256sum /var/lib/fcgi-auth/jwt-secret /var/lib/fcgi-auth/totp-key)" = "\$key" ]
	echo "\$key" >/root/keys.sha
	echo "ok: configured again, the keys kept"
	# A setting of the admin's, which upgrades must keep.
	echo AUDIT_RETENTION_DAYS=91 >>/etc/fcgi-auth/fcgi-auth.conf
	stops apache2
	# The database as the release before the newest migration left it.
	sqlite3 /var/lib/fcgi-auth/fcgi-auth.sqlite <<-'SQL'
	DROP TABLE recovery_codes;
	ALTER TABLE users DROP COLUMN totp_secret;
	ALTER TABLE users DROP COLUMN totp_enabled_at;
	ALTER TABLE users DROP COLUMN totp_last_step;
	ALTER TABLE sessions DROP COLUMN first_factor_only;
	PRAGMA user_version = 6;
	SQL
	runuser -u www-data -- fcgi-auth-admin status | grep -q 'schema version 6 of 7'
	CASE
}

@test "deb-3: upgraded: the schema migrated, users, keys and settings kept, Apache restarted on the new programs" {
	run_in deb-upgraded deb-installed <<-CASE
	service apache2 start
	# A program of the previous version running.
	curl -s -o /dev/null http://127.0.0.1/api/authentication
	pgrep -f '^/usr/lib/fcgi-auth/me' >/dev/null
	$(deb_block deb-install) >/tmp/upgrade.log 2>&1 || { cat /tmp/upgrade.log; exit 1; }
	cat /tmp/upgrade.log
	grep -q 'schema version 7 (1 migration applied)' /tmp/upgrade.log
	[ "\$(dpkg-query -W -f='\${Version}' fcgi-auth)" = "$(version)" ]
	[ "\$(fcgi-auth-admin --version)" = "fcgi-auth-admin (fcgi-auth) $(version)" ]
	runuser -u www-data -- fcgi-auth-admin status | grep -q 'up to date'
	echo "ok: upgraded to $(version), the database migrated"
	[ "\$(sha256sum /var/lib/fcgi-auth/jwt-secret /var/lib/fcgi-auth/totp-key)" = "\$(cat /root/keys.sha)" ]
	grep -qx AUDIT_RETENTION_DAYS=91 /etc/fcgi-auth/fcgi-auth.conf
	[ "\$(stat -c '%a %U:%G' /etc/fcgi-auth/fcgi-auth.conf)" = "640 root:www-data" ]
	echo "ok: the keys and the settings kept"
	# Apache was reloaded: no program of the replaced files runs on.
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		old=\$(for p in /proc/[0-9]*; do readlink "\$p/exe"; done 2>/dev/null |
		    grep -c '^/usr/lib/fcgi-auth/.* (deleted)\$' || :)
		[ "\$old" -eq 0 ] && break
		sleep 0.5
	done
	[ "\$old" -eq 0 ]
	echo "ok: the previous version's programs are gone"
	# The user of the previous version logs in through the new programs.
	curl -s -c /tmp/jar -H 'Content-Type: application/json' \
	    -d '{"email":"deploy@example.com","password":"a long password"}' \
	    -o /dev/null -w '%{http_code}\n' http://127.0.0.1/api/authentication/log-in | grep -qx 200
	curl -s -b /tmp/jar http://127.0.0.1/api/authentication | jq -e '.email == "deploy@example.com"' >/dev/null
	echo "ok: the user logs in after the upgrade"
	# Serving a table only migration 7 made: the new programs.
	curl -s -b /tmp/jar -X POST -H 'Content-Length: 0' -H 'Accept: application/json' \
	    -o /tmp/body -w '%{http_code}\n' http://127.0.0.1/api/2fa/generate | grep -qx 201
	jq -e '.otpauthUrl | startswith("otpauth://totp/")' /tmp/body >/dev/null
	echo "ok: the new programs serve (2fa/generate)"
	stops apache2
	CASE
}

@test "deb-4: lighttpd: lighty-enable-mod fcgi-auth; removing the package disables it" {
	CASE=lighttpd
	run_in deb-case-lighttpd deb-upgraded deb-installed <<-CASE
	apt-get install -y -q lighttpd
	lighty-enable-mod fcgi-auth
	service lighttpd force-reload
	sh /deploy/session http://127.0.0.1/api lighttpd@example.com
	programs_run_as www-data /usr/lib/fcgi-auth
	apt-get remove -y -q fcgi-auth
	[ ! -e /etc/lighttpd/conf-enabled/50-fcgi-auth.conf ]
	pgrep -x lighttpd >/dev/null
	[ "\$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1/api/authentication)" = 404 ]
	echo "ok: removed, lighttpd runs on without the snippet"
	stops lighttpd
	CASE
}

@test "deb-5: remove keeps the data and disables Apache's snippet, reinstalling enables it, purge deletes all" {
	CASE=remove
	run_in deb-case-remove deb-upgraded deb-installed <<-CASE
	service apache2 start
	apt-get remove -y -q fcgi-auth
	[ ! -e /usr/lib/fcgi-auth/login ]
	test -f /var/lib/fcgi-auth/fcgi-auth.sqlite
	test -f /var/lib/fcgi-auth/jwt-secret
	grep -qx AUDIT_RETENTION_DAYS=91 /etc/fcgi-auth/fcgi-auth.conf
	rc=0; a2query -q -c fcgi-auth || rc=\$?
	[ "\$rc" -eq 33 ]
	service apache2 restart
	curl -sf -o /dev/null http://127.0.0.1/
	echo "ok: removed: data and settings kept, the snippet disabled, Apache runs"
	$(deb_block deb-install)
	a2query -q -c fcgi-auth
	curl -s -H 'Content-Type: application/json' \
	    -d '{"email":"deploy@example.com","password":"a long password"}' \
	    -o /dev/null -w '%{http_code}\n' http://127.0.0.1/api/authentication/log-in | grep -qx 200
	echo "ok: installed again: the snippet enabled again, the user logs in"
	apt-get purge -y -q fcgi-auth
	for p in /var/lib/fcgi-auth /etc/fcgi-auth /etc/apache2/conf-available/fcgi-auth.conf \
	    /etc/lighttpd/conf-available/50-fcgi-auth.conf /etc/apache2/conf-enabled/fcgi-auth.conf \
	    /etc/default/fcgi-auth /etc/apache2/conf-available/fcgi-auth-systemd.conf \
	    /lib/systemd/system/fcgi-auth.target; do
		[ ! -e "\$p" ] || { echo "FAIL: \$p is still there" >&2; exit 1; }
	done
	service apache2 restart
	curl -sf -o /dev/null http://127.0.0.1/
	echo "ok: purged: data, keys and settings gone, Apache runs"
	stops apache2
	CASE
}

# common.sh: what scripts/run and scripts/test share (sourced, not run):
# installing the Debian packages that are missing, and building.

# What building needs, what each web server needs, and what the tests need
# on top (they run against all three front ends, and check the systemd
# units: systemd-analyze, multiwatch, spawn-fcgi, and systemd-nspawn to
# boot a system with them).
FA_PACKAGES="build-essential autoconf automake pkgconf libfcgi-dev
	libsqlite3-dev libjwt-dev libjson-c-dev libcrypt-dev libssl-dev libpq-dev
	liboath-dev libqrencode-dev libpng-dev"
FA_LIGHTTPD="lighttpd"
FA_APACHE="apache2 libapache2-mod-fcgid"
# The PostgreSQL store (STORE=postgresql in scripts/run, the suites' second
# run): the server for scripts/start-postgresql's throwaway cluster; it
# brings psql (postgresql-client-NN), which the tests use.  libpq-dev above
# builds the backend in every build.
FA_POSTGRESQL="postgresql"
FA_TEST_PACKAGES="$FA_LIGHTTPD $FA_APACHE libcmocka-dev bats bats-assert python3-jsonschema python3-yaml
	bats-support curl jq openssl sqlite3 wrk debootstrap mandoc
	lighttpd-mod-openssl logrotate python3-aiosmtpd msmtp faketime oathtool zbar-tools
	systemd multiwatch spawn-fcgi systemd-container"
# The browser test (tests/browser/): Chromium, and node with npm, which
# installs playwright-core into the build directory.  A node that brings
# its own npm (NodeSource's nodejs, which conflicts with Debian's npm)
# keeps it: scripts/test leaves npm out where one is found.
FA_BROWSER="chromium nodejs npm"
# The Debian package (debian/, tests/deb/): dpkg-buildpackage and dh
# (debhelper brings dh-autoreconf, named for the reader), lintian.
FA_DEB_PACKAGES="dpkg-dev debhelper dh-autoreconf fakeroot lintian"
# The sanitizer and fuzzing builds (scripts/test with SANITIZERS=1 or
# FUZZ_SECONDS set, and CI): clang for libFuzzer; gcc does ASan and UBSan.
FA_CHECK_PACKAGES="clang libclang-rt-14-dev"

# fa_install PACKAGE...: apt-get install those not installed yet (as root,
# or through sudo).
fa_install() {
	missing=
	for p in "$@"; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
		    grep -q 'install ok installed' || missing="$missing $p"
	done
	[ -z "$missing" ] && return 0
	if [ "$(id -u)" -eq 0 ]; then
		sudo=
	elif command -v sudo >/dev/null 2>&1; then
		sudo=sudo
	else
		echo "fcgi-auth: need root (or sudo) to install:$missing" >&2
		return 1
	fi
	echo "fcgi-auth: installing:$missing" >&2
	$sudo apt-get update -qq >&2 || return 1
	# shellcheck disable=SC2086
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq \
	    --no-install-recommends $missing >&2
}

# fa_build [DIR [CONFIGURE-ARGUMENT...]]: bootstrap if needed, configure
# DIR (default build/) with the arguments (default $CONFIGURE_FLAGS; again
# when they change), make.  Holds a lock on DIR, so instances started at the
# same time do not configure or compile over each other.
fa_build() {
	bdir=$top/${1:-build}
	[ $# -gt 0 ] && shift
	[ $# -gt 0 ] || set -- ${CONFIGURE_FLAGS:-}
	mkdir -p "$bdir" || return 1
	(
		flock 9 || exit 1
		cd "$top" || exit 1
		[ -x configure ] || autoreconf -fi || exit 1
		flags="$*"
		if [ ! -f "$bdir/Makefile" ] ||
		    [ "$(cat "$bdir/.configure-flags" 2>/dev/null)" != "$flags" ]; then
			(cd "$bdir" && "$top/configure" -q "$@") || exit 1
			printf '%s\n' "$flags" > "$bdir/.configure-flags"
		fi
		make -C "$bdir" -s -j"$(nproc 2>/dev/null || echo 2)" >&2
	) 9>"$bdir/.lock"
}

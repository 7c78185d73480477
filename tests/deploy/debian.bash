# debian.bash: throwaway Debian 12 systems for the deployment tests
# (deploy.bats), made with debootstrap and stacked with overlayfs, so each
# deployment path starts from the distribution's stock configuration and
# nothing it does reaches the machine running the tests.
#
# $DEPLOY_DIR (under the build directory) holds:
#   base/            debootstrap --variant=minbase bookworm, made once
#   LAYER/           what a step changed (overlayfs upper directories)
#   share/           read-only inside every system as /deploy: the source
#                    tree (src.tar), the README's code blocks, the checks
# Each step runs in its own mount, PID and (unless it must reach the package
# mirror) network namespace: a server it starts listens on the system's own
# loopback, and every process it leaves dies with it.

: "${DEPLOY_DIR:?}"
DEPLOY_SUITE=bookworm

# deb_mirror: the Debian mirror this machine's apt uses.
deb_mirror() {
	local m
	m=$(sed -n 's/^URIs: *\(http[^ ]*debian\)\/*$/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n 1)
	[ -n "$m" ] || m=$(sed -n 's/^deb \(http[^ ]*debian\)\/* .*/\1/p' /etc/apt/sources.list 2>/dev/null | head -n 1)
	printf '%s\n' "${m:-http://deb.debian.org/debian}"
}

# deb_base: the minimal Debian system every test starts from, made once
# (debootstrap), with apt pointed at this machine's mirror, its package
# cache shared.
deb_base() {
	local base=$DEPLOY_DIR/base mirror
	[ -f "$base/.complete" ] && return 0
	rm -rf "$base"
	mirror=$(deb_mirror)
	debootstrap --variant=minbase --cache-dir=/var/cache/apt/archives \
	    "$DEPLOY_SUITE" "$base" "$mirror" >"$DEPLOY_DIR/debootstrap.log" 2>&1 || {
		tail -n 20 "$DEPLOY_DIR/debootstrap.log"
		return 1
	}
	printf 'deb %s %s main\ndeb %s %s-updates main\ndeb %s-security %s-security main\n' \
	    "$mirror" "$DEPLOY_SUITE" "$mirror" "$DEPLOY_SUITE" \
	    "${mirror%/debian}/debian" "$DEPLOY_SUITE" >"$base/etc/apt/sources.list"
	# apt in a container that deletes its downloads would empty the shared cache.
	rm -f "$base/etc/apt/apt.conf.d/docker-clean"
	touch "$base/.complete"
}

# deb_source_tar FILE: the source tree as a tar file: what git knows plus
# untracked files it does not ignore, as a clone would have it (outside a
# repository: everything but builds and state).
deb_source_tar() {
	# A clone (not a tarball unpacked somewhere inside one, as make
	# distcheck does).
	if [ "$(git -C "$abs_top_srcdir" rev-parse --show-toplevel 2>/dev/null)" = \
	    "$(cd "$abs_top_srcdir" && pwd -P)" ]; then
		git -C "$abs_top_srcdir" ls-files -z -c -o --exclude-standard |
		    tar -C "$abs_top_srcdir" --null --no-recursion \
		    --ignore-failed-read --mode=u+w -T - -cf "$1"
	else
		# Writable, as a download would be (make distcheck makes its
		# tree read-only, and builds in _build/ inside it).
		tar -C "$abs_top_srcdir" --exclude=./build \
		    --exclude='./build-[!a]*' --exclude=./var \
		    --exclude=./_build --exclude=./_inst \
		    --exclude=./autom4te.cache --mode=u+w -cf "$1" .
	fi
}

# deb_share: refresh share/ from the source tree (deb_source_tar).
deb_share() {
	local share=$DEPLOY_DIR/share
	rm -rf "$share"
	mkdir -p "$share"
	deb_source_tar "$share/src.tar"
	cp "$abs_top_srcdir/tests/deploy/session" \
	    "$abs_top_srcdir/tests/deploy/checks.sh" "$share/"
	"$abs_top_srcdir/tests/deploy/readme-blocks" "$abs_top_srcdir/README.md" "$share/blocks"
}

# deb_run [--net] [--user NAME] [--cd DIR] UPPER LOWER...: run the shell
# script on stdin (sh -eux) as NAME (default root, with a login's HOME and
# PATH) in DIR (default HOME), in the system made of the layers LOWER...
# (the first on top; "base" last) with UPPER as the layer that keeps its
# changes.  --net: the machine's network, to reach the package mirror.
# /deploy is $DEPLOY_SHARE (default share/), the package cache
# $DEPLOY_APT_CACHE (default this machine's): each suite names its own of
# both (apt would find a shared cache locked).
deb_run() {
	local net=--net user=root cwd= upper lower= l
	while [ $# -gt 0 ]; do
		case $1 in
		--net) net=; shift ;;
		--user) user=$2; shift 2 ;;
		--cd) cwd=$2; shift 2 ;;
		*) break ;;
		esac
	done
	upper=$DEPLOY_DIR/$1
	shift
	for l in "$@"; do
		lower=${lower:+$lower:}$DEPLOY_DIR/$l
	done
	mkdir -p "$upper" "$upper.work" "$upper.root"
	# shellcheck disable=SC2016
	unshare --mount --pid --uts --fork --kill-child $net -- sh -c '
		set -e
		lower=$1 upper=$2 root=$2.root share=$3 user=$4 cwd=$5 cache=$6
		mount -t overlay overlay \
		    -o "lowerdir=$lower,upperdir=$upper,workdir=$upper.work" "$root"
		mount -t proc proc "$root/proc"
		# What a booted system has: an empty /run with /run/lock, a /tmp.
		mount -t tmpfs -o mode=0755 tmpfs "$root/run"
		mkdir -m 1777 "$root/run/lock"
		mount -t tmpfs -o mode=1777 tmpfs "$root/tmp"
		mount --bind "$cache" "$root/var/cache/apt/archives"
		mkdir -p "$root/deploy"
		mount --bind -o ro "$share" "$root/deploy"
		ip link set lo up 2>/dev/null || true
		if [ "$user" = root ]; then
			home=/root path=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
		else
			home=/home/$user path=/usr/local/bin:/usr/bin:/bin
		fi
		hostname debian
		# This shell is PID 1: it waits, reaping the daemons the script
		# leaves orphaned (an init script waits for them to be gone).
		exec 3<&0
		chroot "$root" /usr/sbin/runuser -u "$user" -- env -i \
		    HOME="$home" USER="$user" LOGNAME="$user" PATH="$path" \
		    LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive \
		    sh -c "cd \"\${1:-\$HOME}\" && exec sh -eux" sh "$cwd" <&3 &
		wait $!
	' sh "$lower" "$upper" "${DEPLOY_SHARE:-$DEPLOY_DIR/share}" "$user" "$cwd" \
	    "${DEPLOY_APT_CACHE:-/var/cache/apt/archives}"
}

# deb_block NAME: the README's code block NAME (see readme-blocks).
deb_block() {
	cat "${DEPLOY_SHARE:-$DEPLOY_DIR/share}/blocks/$1"
}

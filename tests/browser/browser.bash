# browser.bash: what a bats file needs to drive a real browser (load it
# after helpers): Debian's chromium and nodejs, and playwright-core, pinned,
# installed by npm into the build directory once (npm's cache serves it
# again).  Without chromium or node the test is skipped, not failed.

# The version installed: 1.61 is the last that runs on Debian 12's node 18.
PLAYWRIGHT_CORE_VERSION=1.61.0
BROWSER_DIR=$abs_top_srcdir/tests/browser
BROWSER_MODULES=$abs_top_builddir/tests/browser/npm

# browser_require: skip unless node and Chromium are here; install
# playwright-core if it is not yet; export NODE_PATH for the scripts.
browser_require() {
	local pkg=$BROWSER_MODULES/node_modules/playwright-core/package.json
	CHROMIUM=${CHROMIUM:-/usr/lib/chromium/chromium}
	command -v node >/dev/null 2>&1 ||
	    skip "node is not installed (Debian: nodejs npm)"
	[ -x "$CHROMIUM" ] || skip "chromium is not installed"
	command -v npm >/dev/null 2>&1 ||
	    skip "npm is not installed (Debian: npm)"
	if [ "$(jq -r .version "$pkg" 2>/dev/null)" != "$PLAYWRIGHT_CORE_VERSION" ]; then
		mkdir -p "$BROWSER_MODULES"
		npm install --no-save --no-audit --no-fund --no-package-lock \
		    --prefix "$BROWSER_MODULES" \
		    "playwright-core@$PLAYWRIGHT_CORE_VERSION" >&2 ||
		    fail "npm could not install playwright-core@$PLAYWRIGHT_CORE_VERSION"
	fi
	export CHROMIUM NODE_PATH=$BROWSER_MODULES/node_modules
}

# free_port: a port of 127.0.0.1 nothing listens on (for a page's server).
free_port() {
	local port
	while :; do
		port=$((20000 + RANDOM % 40000))
		(exec 5<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || break
	done
	printf '%s\n' "$port"
}

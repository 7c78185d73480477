#!/bin/sh
# openapi-lint.sh: doc/openapi.yaml linted by Redocly's CLI with its
# recommended rules (doc/redocly.yaml), a warning failing as an error.  The
# CLI is installed by npm, pinned, into the build directory once (npm's
# cache serves it again); without node or npm the check is skipped.  TAP.
REDOCLY_VERSION=1.25.15
dir=$abs_top_builddir/tests/docs/npm
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
	echo "1..0 # SKIP node and npm are not installed (Debian: nodejs npm)"
	exit 0
fi
echo "1..1"
if [ "$(jq -r .version "$dir/node_modules/@redocly/cli/package.json" 2>/dev/null)" != "$REDOCLY_VERSION" ]; then
	mkdir -p "$dir"
	if ! out=$(npm install --no-save --no-audit --no-fund --no-package-lock \
	    --prefix "$dir" "@redocly/cli@$REDOCLY_VERSION" 2>&1); then
		echo "not ok 1 - npm could not install @redocly/cli@$REDOCLY_VERSION"
		printf '%s\n' "$out" | tail -n 5 | sed 's/^/# /'
		exit 0
	fi
fi
# --format=stylish: one line a problem; REDOCLY_TELEMETRY=off: nothing sent.
out=$(cd "$abs_top_srcdir/doc" && REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true \
    "$dir/node_modules/.bin/redocly" lint --format=stylish --config redocly.yaml openapi.yaml 2>&1)
rc=$?
if [ $rc -eq 0 ] && ! printf '%s\n' "$out" | grep -qi 'warning'; then
	echo "ok 1 - doc/openapi.yaml: redocly lint (@redocly/cli $REDOCLY_VERSION) finds nothing"
else
	echo "not ok 1 - doc/openapi.yaml: redocly lint (@redocly/cli $REDOCLY_VERSION) finds problems"
	printf '%s\n' "$out" | sed 's/^/# /'
fi

#!/bin/sh
# no-reports: the last test of a --enable-sanitizers build.  Every program
# run by the tests before it (unit tests, fuzz replays, the FastCGI programs
# behind lighttpd, which exit cleanly on SIGTERM) wrote any AddressSanitizer,
# LeakSanitizer or UndefinedBehaviorSanitizer report under SANITIZER_REPORTS;
# there must be none.
dir=${SANITIZER_REPORTS:?set by make check}
echo "1..1"
reports=$(find "$dir" -type f 2>/dev/null | sort)
if [ -z "$reports" ]; then
	echo "ok 1 - no sanitizer reports from any program"
	exit 0
fi
echo "not ok 1 - sanitizer reports:"
for f in $reports; do
	echo "# --- $f"
	sed 's/^/# /' "$f" | head -60
done

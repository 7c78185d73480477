# wrk.sh: what the bench scripts share (sourced, not run): one wrk run
# turned into figures, and the median of a column of them.  Needs $top,
# $SECONDS_EACH and $CONNECTIONS.

# wrk_figures LABEL [WRK-OPTION...] URL: one wrk run of bench/request.lua
# (a GET unless BENCH_METHOD, BENCH_BODY, BENCH_COOKIE say otherwise);
# prints "req/s p50_ms p99_ms".  Non-2xx replies are reported on stderr
# under LABEL: they would flatter the figures.
wrk_figures() {
	label=$1
	shift
	BENCH_THREADS=2 wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_EACH}s" --latency \
	    -s "$top/bench/request.lua" "$@" | awk -v c="$label" '
		function ms(v) {
			if (v ~ /us$/) return v / 1000
			if (v ~ /ms$/) return v + 0
			if (v ~ /s$/) return v * 1000
			return v
		}
		/^ +50%/ { p50 = ms($2) }
		/^ +99%/ { p99 = ms($2) }
		/^Requests\/sec:/ { rps = $2 }
		/Non-2xx/ { print c ": " $NF " non-2xx replies" > "/dev/stderr" }
		END { printf "%s %s %s\n", rps, p50, p99 }'
}

# median FILE COLUMN: the median of a column of wrk_figures lines.
median() {
	awk -v k="$2" '{ print $k }' "$1" | sort -n |
	    awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

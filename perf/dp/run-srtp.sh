#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# SRTP rows of the data-plane benchmark: dp_pktgen against drongo-dp over
# net_memif, one-way load (in on leg 0, out of leg 1), in one run: the plain
# relay under the same load (rtp2rtp, the baseline of every ratio), then
# RTP -> SRTP, SRTP -> RTP and SRTP -> SRTP (re-keyed) with drongo-dp's
# `srtp: cryptodev` and `srtp: libsrtp` backends, at a small and a large
# number of sessions. Prints one table; ratios are to the plain relay of
# the same size in this same run. Bounded: every process has a timeout.
# Needs root and a build with libdpdk-dev (default build dir build-release).
#
#   perf/dp/run-srtp.sh [BUILD_DIR] [SMALL] [LARGE] [LARGE_LIBSRTP]
#
# Defaults: 1000, 100000 and 4000 sessions. SRTP -> SRTP takes four SRTP
# contexts per session (unprotect and protect on each leg): srtp_contexts
# is set to four per session, and drongo-dp's memory (-m) grows with it;
# Debian's libsrtp2 (NSS) takes milliseconds per srtp_create with tens of
# thousands of contexts, hence fewer sessions for that backend.
# MODES (default "rtp2srtp srtp2rtp srtp2srtp") and BACKENDS (default
# "cryptodev libsrtp") narrow the run; the plain rows always run.
# DGPERF_RECORD=DIR: `perf record -g` drongo-dp through each run, one
# DIR/LABEL.data per run (for `perf report -i`).
# SUITE (80, 32, gcm; default 80) picks the crypto suite. The generator
# protects SRTP ingress itself with dp_srtp on crypto_aesni_mb, per packet
# (dp_pktgen.c says why); its flat-out ceiling is in the table.
# CPU layout as run.sh: generator on CPU 0, drongo-dp on CPU 1.
set -euo pipefail
cd "$(dirname "$0")/../.."

B=${1:-build-release}
SMALL=${2:-1000}
LARGE=${3:-100000}
MODES=${MODES:-rtp2srtp srtp2rtp srtp2srtp}
BACKENDS=${BACKENDS:-cryptodev libsrtp}
LARGE_LIB=${4:-4000}
SUITE=${SUITE:-80}
NICE=${DGPERF_NICE:--10}
DP_LCORES=${DGPERF_DP_LCORES:-0@1,1@1}
DP=$B/dataplane/drongo-dp
GEN=$B/perf/dp/dp_pktgen
CTL=$B/shared/tools/dpctl/drongo-dpctl
for f in "$DP" "$GEN" "$CTL"; do
	if [ ! -x "$f" ]; then
		echo "run-srtp.sh: $f missing: meson setup $B && ninja -C $B" >&2
		exit 1
	fi
done

W=$(mktemp -d /tmp/dgperf-srtp.XXXXXX)
INST=$((800 + $$ % 100))
PFX=dgperfs$$
PIDS=()
cleanup()
{
	local p
	for p in "${PIDS[@]}"; do
		kill -TERM "$p" 2>/dev/null || true
	done
	for p in "${PIDS[@]}"; do
		wait "$p" 2>/dev/null || true
	done
	rm -rf "/var/run/dpdk/$PFX-"* "/dev/shm/drongo-dp.$INST"
	if [ -n "${DGPERF_KEEP:-}" ]; then
		echo "run-srtp.sh: logs kept in $W" >&2
	else
		rm -rf "$W"
	fi
}
trap cleanup EXIT

EAL_COMMON="--no-huge --no-pci --no-telemetry"
kv()
{
	sed -n "s/.*[ ]$2=\([^ ]*\).*/\1/p" <<<" $1"
}

wait_port_ready()
{
	local i
	for ((i = 0; i < 200; i++)); do
		grep -q '^port ready' "$W/$1.log" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# One run: $1 label, $2 dp_pktgen --srtp mode, $3 drongo-dp srtp backend,
# $4 sessions. A failed run leaves no result line (the table says "-").
srtp_run()
{
	local label=$1 mode=$2 backend=$3 n=$4
	local i dp_pid gen_pid perf_pid mem rmax=0
	# The libsrtp2 backend relays tens of kpps: the search starts there.
	if [ "$backend" = libsrtp ] && [ "$mode" != rtp2rtp ]; then
		rmax=200000
	fi
	{
		echo "instance: $INST"
		echo "log_level: warn"
		echo "port: net_memif0"
		echo "addresses:"
		for ((i = 1; i <= 64; i++)); do
			echo "  - 10.77.0.$i/16"
		done
		echo "sessions_per_worker: $(((n + 1023) / 1024 * 1024 + 1024))"
		echo "gateway4: 10.77.1.1"
		echo "srtp: $backend"
		echo "srtp_contexts: $((4 * n + 64))"
		echo "port_min: 1024"
		echo "port_max: 65535"
	} >"$W/$label.yaml"
	echo "== $mode, srtp: $backend, $n sessions"
	timeout 200 nice -n "$NICE" "$GEN" -l 0 $EAL_COMMON -m 1024 \
		--file-prefix "$PFX-gen" \
		--vdev="net_memif0,role=server,socket=$W/$label.sock,rsize=12" -- \
		--mode relay --instance "$INST" --sessions "$n" --relay-ips 64 \
		--gen-ip 10.77.1.1 --relay-ip 10.77.0.1 --rxq 2 --txq 2 \
		--budget-s 20 --srtp "$mode" --suite "$SUITE" --rate-max "$rmax" \
		>"$W/$label.log" 2>&1 &
	gen_pid=$!
	PIDS+=("$gen_pid")
	if ! wait_port_ready "$label"; then
		tail -n 5 "$W/$label.log" >&2
		return 0
	fi
	# Per session: four contexts of about 4 KB with their crypto sessions.
	mem=$((3072 + n * 20 / 1024))
	timeout 200 nice -n "$NICE" "$DP" -c "$W/$label.yaml" -- \
		--lcores "$DP_LCORES" $EAL_COMMON -m "$mem" --file-prefix "$PFX-dp" \
		--vdev="net_memif0,role=client,socket=$W/$label.sock,rsize=12" \
		>"$W/$label-dp.log" 2>&1 &
	dp_pid=$!
	PIDS+=("$dp_pid")
	perf_pid=
	if [ -n "${DGPERF_RECORD:-}" ]; then
		# drongo-dp's CPU (the worker's threads appear after attach,
		# and a KVM guest has no cycles event).
		mkdir -p "$DGPERF_RECORD"
		perf record -e cpu-clock -g -q -C "${DGPERF_RECORD_CPU:-1}" \
			-o "$DGPERF_RECORD/$label.data" >/dev/null 2>&1 &
		perf_pid=$!
		PIDS+=("$perf_pid")
	fi
	if ! wait "$gen_pid"; then
		tail -n 5 "$W/$label.log" "$W/$label-dp.log" >&2
		echo "run-srtp.sh: $label failed" >&2
	fi
	"$CTL" --instance "$INST" stats >"$W/$label.stats" 2>&1 || true
	if [ -n "$perf_pid" ]; then
		kill -INT "$perf_pid" 2>/dev/null || true
		wait "$perf_pid" 2>/dev/null || true
	fi
	kill -TERM "$dp_pid" 2>/dev/null || true
	wait "$dp_pid" || true
	grep -E '^(setup|result) ' "$W/$label.log" >"$W/$label.out" || true
}

LABELS=()
for n in "$SMALL" "$LARGE"; do
	# A size of 0 leaves that size out.
	[ "$n" = 0 ] && continue
	srtp_run "plain-$n" rtp2rtp cryptodev "$n"
	LABELS+=("plain-$n")
	for backend in $BACKENDS; do
		m=$n
		if [ "$backend" = libsrtp ] && [ "$n" = "$LARGE" ]; then
			m=$LARGE_LIB
			# LARGE_LIB 0: no libsrtp2 rows at the large size.
			[ "$m" = 0 ] && continue
			if [ "$m" != "$n" ]; then
				srtp_run "plain-$m" rtp2rtp cryptodev "$m"
				LABELS+=("plain-$m")
			fi
		fi
		for mode in $MODES; do
			srtp_run "$mode-$backend-$m" "$mode" "$backend" "$m"
			LABELS+=("$mode-$backend-$m")
		done
	done
done

printf '\n%-10s %-9s %8s %10s %10s %10s %8s %9s %9s %8s\n' mode backend \
	sessions max_pps ceiling bound vs_plain p50_us light_p50 sampled
for label in "${LABELS[@]}"; do
	res=$(grep '^result' "$W/$label.out" 2>/dev/null || true)
	n=${label##*-}
	base=$(kv "$(grep '^result' "$W/plain-$n.out" 2>/dev/null || true)" max_pps)
	max=$(kv "$res" max_pps)
	be=$(cut -d- -f2 <<<"$label")
	[ "${label%%-*}" = plain ] && be=-
	printf '%-10s %-9s %8s %10s %10s %10s %8s %9s %9s %8s\n' \
		"$(kv "$res" srtp)" "$be" "$n" "${max:--}" \
		"$(kv "$res" ceiling_pps)" "$(kv "$res" bound)" \
		"$(awk -v a="$max" -v b="$base" 'BEGIN{ if (a != "" && b > 0) printf "%.3f", a / b; else print "-" }')" \
		"$(awk -v v="$(kv "$res" p50_ns)" 'BEGIN{ if (v != "") printf "%.1f", v / 1000; else print "-" }')" \
		"$(awk -v v="$(kv "$res" light_p50_ns)" 'BEGIN{ if (v != "") printf "%.1f", v / 1000; else print "-" }')" \
		"$(kv "$res" sampled)"
done
echo
for label in "${LABELS[@]}"; do
	echo "$label: $(grep '^setup' "$W/$label.out" 2>/dev/null | cut -d' ' -f2-)"
	grep -E 'srtp|drop' "$W/$label.stats" 2>/dev/null | tr '\n' ' ' | cut -c1-400
	echo
done
echo "cryptodev / libsrtp backend (same mode, same sessions):"
for mode in rtp2srtp srtp2rtp srtp2srtp; do
	a=$(kv "$(grep '^result' "$W/$mode-cryptodev-$SMALL.out" 2>/dev/null || true)" max_pps)
	b=$(kv "$(grep '^result' "$W/$mode-libsrtp-$SMALL.out" 2>/dev/null || true)" max_pps)
	echo "  $mode $SMALL: $(awk -v a="$a" -v b="$b" 'BEGIN{ if (a != "" && b > 0) printf "%.2f", a / b; else print "-" }')"
done
echo "suite: $SUITE; one-way load; bound=generator: the generator's own limit (a lower bound)"
echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) CPUs; $(date -u +%Y-%m-%dT%H:%MZ)"

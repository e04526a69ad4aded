#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Data-plane relay benchmark on this machine: dp_pktgen against dp_fwd (the
# plain forwarder baseline) and against drongo-dp with 1 k, 10 k and 100 k
# sessions (at most 129024: 8 relay addresses), all over net_memif with
# --no-huge, in one run. Prints one table; ratios are relay / forwarder of
# this same run. Bounded: every process has a timeout, the whole run takes
# one to three minutes. Needs root (DPDK runtime dirs) and a build with
# libdpdk-dev (default build dir: build-release).
#
#   perf/dp/run.sh [BUILD_DIR] [LARGE_SESSIONS]
#
# CPU layout (2 cores here): the generator on CPU 0; the forwarder, or
# drongo-dp's main lcore and its one worker, on CPU 1. So the relay gets
# the same one CPU as the forwarder. The generator is the memif server of
# every run (drongo-dp as server trips a DPDK 22.11 memif bug, and the
# roles must match for the comparison). DGPERF_NICE (default
# -10) raises the benchmark's priority over whatever else runs;
# DGPERF_DP_LCORES (default 0@1,1@1) places drongo-dp's lcores otherwise,
# e.g. 0@0,1@1 puts its main lcore next to the generator.
set -euo pipefail
cd "$(dirname "$0")/../.."

B=${1:-build-release}
LARGE=${2:-100000}
NICE=${DGPERF_NICE:--10}
DP_LCORES=${DGPERF_DP_LCORES:-0@1,1@1}
DP=$B/dataplane/drongo-dp
GEN=$B/perf/dp/dp_pktgen
FWD=$B/perf/dp/dp_fwd
CTL=$B/shared/tools/dpctl/drongo-dpctl
for f in "$DP" "$GEN" "$FWD" "$CTL"; do
	if [ ! -x "$f" ]; then
		echo "run.sh: $f missing: meson setup $B && ninja -C $B" >&2
		exit 1
	fi
done

W=$(mktemp -d /tmp/dgperf-dp.XXXXXX)
INST=$((900 + $$ % 100))
PFX=dgperf$$
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
	# A drongo-dp that crashed leaves its region behind.
	rm -rf "/var/run/dpdk/$PFX-"* "/dev/shm/drongo-dp.$INST"
	if [ -n "${DGPERF_KEEP:-}" ]; then
		echo "run.sh: logs kept in $W" >&2
	else
		rm -rf "$W"
	fi
}
trap cleanup EXIT

EAL_COMMON="--no-huge --no-pci --no-telemetry"
# Value of key $2 in the key=value line $1.
kv()
{
	sed -n "s/.*[ ]$2=\([^ ]*\).*/\1/p" <<<" $1"
}

rss_kb()
{
	awk '/^VmRSS:/{print $2}' "/proc/$1/status" 2>/dev/null || echo 0
}

# Generator run: $1 label, $2 memif role, $3 socket, then dp_pktgen
# options. Leaves the setup and result lines in $W/$1.out.
gen_run()
{
	local label=$1 role=$2 sock=$3
	shift 3
	timeout 150 nice -n "$NICE" "$GEN" -l 0 $EAL_COMMON -m 512 \
		--file-prefix "$PFX-gen" \
		--vdev="net_memif0,role=$role,socket=$sock,rsize=12" -- "$@" \
		>"$W/$label.log" 2>&1 || {
		tail -n 20 "$W/$label.log" >&2
		echo "run.sh: dp_pktgen ($label) failed" >&2
		return 1
	}
	grep -E '^(setup|result) ' "$W/$label.log" >"$W/$label.out"
}

# memif sockets are abstract (no file): wait for the generator's port.
wait_port_ready()
{
	local i
	for ((i = 0; i < 100; i++)); do
		grep -q '^port ready' "$W/$1.log" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# The generator is the memif server in every run: the roles cost
# differently (the same forwarder measured 0.39 and 1.1 Mpps as server and
# as client), so baseline and relay must share them.
echo "== forwarder baseline"
gen_run fwd server "$W/fwd.sock" --mode fwd --sessions 1000 --budget-s 30 &
GEN_PID=$!
PIDS+=("$GEN_PID")
wait_port_ready fwd
timeout 120 nice -n "$NICE" "$FWD" -l 1 $EAL_COMMON -m 256 \
	--file-prefix "$PFX-fwd" \
	--vdev="net_memif0,role=client,socket=$W/fwd.sock,rsize=12" -- \
	--seconds 100 >"$W/fwd-client.log" 2>&1 &
FWD_PID=$!
PIDS+=("$FWD_PID")
wait "$GEN_PID"
kill -TERM "$FWD_PID"
wait "$FWD_PID" || true

# drongo-dp with $1 sessions on $2 relay addresses, table capacity $3.
relay_run()
{
	local n=$1 naddr=$2 cap=$3 i dp_pid gen_pid rss0 label=relay-$1
	{
		echo "instance: $INST"
		echo "log_level: warn"
		echo "port: net_memif0"
		echo "addresses:"
		for ((i = 1; i <= naddr; i++)); do
			echo "  - 10.77.0.$i/16"
		done
		echo "sessions_per_worker: $cap"
		echo "port_min: 1024"
		echo "port_max: 65535"
	} >"$W/$label.yaml"
	echo "== relay, $n sessions on $naddr relay address(es)"
	rm -f "$W/dp.sock"
	# drongo-dp is the memif client: as server, DPDK 22.11's memif PMD
	# mixes up its rings when RX and TX queue counts differ (drongo-dp
	# has 1 RX and workers + 1 TX queues) and crashes or duplicates.
	gen_run "$label" server "$W/dp.sock" --mode relay --instance "$INST" \
		--sessions "$n" --relay-ips "$naddr" --gen-ip 10.77.1.1 \
		--relay-ip 10.77.0.1 --rxq 2 --budget-s 30 &
	gen_pid=$!
	PIDS+=("$gen_pid")
	wait_port_ready "$label"
	timeout 170 nice -n "$NICE" "$DP" -c "$W/$label.yaml" -- \
		--lcores "$DP_LCORES" $EAL_COMMON -m 2048 --file-prefix "$PFX-dp" \
		--vdev="net_memif0,role=client,socket=$W/dp.sock,rsize=12" \
		>"$W/$label-dp.log" 2>&1 &
	dp_pid=$!
	PIDS+=("$dp_pid")
	for ((i = 0; i < 100; i++)); do
		"$CTL" --instance "$INST" info >/dev/null 2>&1 && break
		sleep 0.1
	done
	rss0=$(rss_kb "$(kv "$("$CTL" --instance "$INST" info 2>/dev/null | head -n 1)" dp_pid)")
	if ! wait "$gen_pid"; then
		tail -n 20 "$W/$label-dp.log" >&2
		return 1
	fi
	echo "dp_rss_start_kb=$rss0 capacity=$cap" >>"$W/$label.out"
	"$CTL" --instance "$INST" stats >"$W/$label.stats" 2>&1 || true
	if ! kill -TERM "$dp_pid" 2>/dev/null; then
		tail -n 20 "$W/$label-dp.log" >&2
		echo "run.sh: drongo-dp died during the $label run" >&2
		return 1
	fi
	wait "$dp_pid" || true
}

# A relay address holds 16128 rtcp-mux sessions (drongo-dp takes even
# ports 1024-65534 per address); drongo-dp has at most 8 addresses.
relay_run 1000 1 16384
relay_run 10000 1 16384
relay_run "$LARGE" 8 131072

# The table. DGPERF_KEEP=1 keeps every log in the work directory.
fwd_res=$(grep '^result' "$W/fwd.out")
fwd_max=$(kv "$fwd_res" max_pps)
printf '\n%-6s %9s %10s %10s %8s %9s %9s %9s %9s %10s %9s\n' mode sessions \
	max_pps bound vs_fwd p50_us p99_us light_p50 light_p99 creates/s B/session
for label in fwd relay-1000 relay-10000 "relay-$LARGE"; do
	res=$(grep '^result' "$W/$label.out")
	setup=$(grep '^setup' "$W/$label.out")
	max=$(kv "$res" max_pps)
	printf '%-6s %9s %10s %10s %8s %9s %9s %9s %9s %10s %9s\n' \
		"$(kv "$res" mode)" "$(kv "$res" sessions)" "$max" \
		"$(kv "$res" bound)" \
		"$(awk -v a="$max" -v b="$fwd_max" 'BEGIN{ if (b > 0) printf "%.3f", a / b; else print "-" }')" \
		"$(awk -v v="$(kv "$res" p50_ns)" 'BEGIN{ printf "%.1f", v / 1000 }')" \
		"$(awk -v v="$(kv "$res" p99_ns)" 'BEGIN{ printf "%.1f", v / 1000 }')" \
		"$(awk -v v="$(kv "$res" light_p50_ns)" 'BEGIN{ printf "%.1f", v / 1000 }')" \
		"$(awk -v v="$(kv "$res" light_p99_ns)" 'BEGIN{ printf "%.1f", v / 1000 }')" \
		"$(kv "$setup" creates_per_s)" "$(kv "$setup" dp_rss_bytes_per_session)"
done
echo
for label in relay-1000 relay-10000 "relay-$LARGE"; do
	echo "$label: $(grep '^dp_rss' "$W/$label.out") $(grep '^setup' "$W/$label.out" | cut -d' ' -f2-)"
done
echo "bound=generator: the rate is what one generator core sends at all (the"
echo "  target kept up; its own limit is higher): compare those ratios with care."
echo "frame: $(kv "$fwd_res" frame_bytes) bytes (Ethernet + IPv4 + UDP + RTP + 160-byte payload); loss limit 0.1 %"
echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) CPUs; $(date -u +%Y-%m-%dT%H:%MZ)"

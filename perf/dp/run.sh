#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Data-plane relay benchmark on this machine: dp_pktgen against dp_fwd (the
# plain forwarder baseline) and against drongo-dp with 1 k, 100 k and 1 M
# sessions spread over 64 relay addresses (16 k rtcp-mux sessions fit on
# one), then 1 k sessions through the software dispatch hop
# (steering: dispatch), all over net_memif with --no-huge, in one run.
# Prints one table; ratios are relay / forwarder of this same run.
# Bounded: every process has a timeout, the whole run takes two to four
# minutes. Needs root (DPDK runtime dirs) and a build with libdpdk-dev
# (default build dir: build-release).
#
#   perf/dp/run.sh [BUILD_DIR] [LARGE_SESSIONS]
#
# CPU layout (2 cores here): the generator on CPU 0; the forwarder, or
# drongo-dp's main lcore and its one worker, on CPU 1. So the relay gets
# the same one CPU as the forwarder (in the dispatch run the dispatching
# main lcore and the worker time-share it). The generator is the memif
# server of every run (the roles cost differently and must match for the
# comparison); it opens as many RX queues as drongo-dp has TX queues and
# as many TX queues as its RX queues (dp_pktgen.c: DPDK 22.11's memif PMD
# does not check that the sides agree). DGPERF_NICE (default
# -10) raises the benchmark's priority over whatever else runs;
# DGPERF_DP_LCORES (default 0@1,1@1) places drongo-dp's lcores otherwise,
# e.g. 0@0,1@1 puts its main lcore next to the generator.
set -euo pipefail
cd "$(dirname "$0")/../.."

B=${1:-build-release}
LARGE=${2:-1000000}
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
# dp_fwd has been seen to die of SIGSEGV inside the memif PMD when the
# server (the generator) closes first; its result is already in.
kill -TERM "$FWD_PID" 2>/dev/null || true
wait "$FWD_PID" || echo "run.sh: dp_fwd exited with $? after the trials" >&2

# drongo-dp with $1 sessions on $2 relay addresses, table capacity $3,
# steering $4 (default auto: direct with one worker), label $5, lcores $6.
relay_run()
{
	local n=$1 naddr=$2 cap=$3 steer=${4:-auto} label=${5:-relay-$1}
	local lcores=${6:-$DP_LCORES}
	local i dp_pid gen_pid rss0 latch=50000
	# One latching round of 2 M legs at 50 kpps would take 40 s.
	if ((n > 100000)); then
		latch=400000
	fi
	{
		echo "instance: $INST"
		echo "log_level: warn"
		echo "port: net_memif0"
		echo "addresses:"
		for ((i = 1; i <= naddr; i++)); do
			echo "  - 10.77.0.$i/16"
		done
		echo "steering: $steer"
		echo "sessions_per_worker: $cap"
		echo "port_min: 1024"
		echo "port_max: 65535"
	} >"$W/$label.yaml"
	echo "== relay ($steer), $n sessions on $naddr relay address(es)"
	rm -f "$W/dp.sock"
	# drongo-dp (one worker) opens 2 RX and 2 TX queues on memif (workers
	# + 1 of each): the generator mirrors them.
	gen_run "$label" server "$W/dp.sock" --mode relay --instance "$INST" \
		--sessions "$n" --relay-ips "$naddr" --gen-ip 10.77.1.1 \
		--relay-ip 10.77.0.1 --rxq 2 --txq 2 --latch-pps "$latch" \
		--budget-s 30 &
	gen_pid=$!
	PIDS+=("$gen_pid")
	wait_port_ready "$label"
	timeout 170 nice -n "$NICE" "$DP" -c "$W/$label.yaml" -- \
		--lcores "$lcores" $EAL_COMMON -m 3072 --file-prefix "$PFX-dp" \
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
# ports 1024-65534 per address): 64 addresses hold 1032192. Every size
# uses all 64, so the runs differ only in the number of sessions.
relay_run 1000 64 16384
relay_run 100000 64 131072
relay_run "$LARGE" 64 $(((LARGE + 1023) / 1024 * 1024))
# The dispatch hop needs a core for the dispatching main lcore and one for
# the worker; with 2 CPUs one of them time-shares: first the worker's CPU
# (both busy-poll there), then the generator's.
relay_run 1000 64 16384 dispatch dispatch-1000 "$DP_LCORES"
relay_run 1000 64 16384 dispatch dispatch0-1000 0@0,1@1

# The table. DGPERF_KEEP=1 keeps every log in the work directory.
fwd_res=$(grep '^result' "$W/fwd.out")
fwd_max=$(kv "$fwd_res" max_pps)
printf '\n%-6s %9s %10s %10s %8s %9s %9s %9s %9s %10s %9s\n' mode sessions \
	max_pps bound vs_fwd p50_us p99_us light_p50 light_p99 creates/s B/session
for label in fwd relay-1000 relay-100000 "relay-$LARGE" dispatch-1000 \
	dispatch0-1000; do
	res=$(grep '^result' "$W/$label.out")
	setup=$(grep '^setup' "$W/$label.out")
	max=$(kv "$res" max_pps)
	printf '%-6s %9s %10s %10s %8s %9s %9s %9s %9s %10s %9s\n' \
		"$(kv "$res" mode | sed "s/relay/${label%%-*}/")" \
		"$(kv "$res" sessions)" "$max" \
		"$(kv "$res" bound)" \
		"$(awk -v a="$max" -v b="$fwd_max" 'BEGIN{ if (b > 0) printf "%.3f", a / b; else print "-" }')" \
		"$(awk -v v="$(kv "$res" p50_ns)" 'BEGIN{ printf "%.1f", v / 1000 }')" \
		"$(awk -v v="$(kv "$res" p99_ns)" 'BEGIN{ printf "%.1f", v / 1000 }')" \
		"$(awk -v v="$(kv "$res" light_p50_ns)" 'BEGIN{ printf "%.1f", v / 1000 }')" \
		"$(awk -v v="$(kv "$res" light_p99_ns)" 'BEGIN{ printf "%.1f", v / 1000 }')" \
		"$(kv "$setup" creates_per_s)" "$(kv "$setup" dp_rss_bytes_per_session)"
done
echo
for label in relay-1000 relay-100000 "relay-$LARGE" dispatch-1000 \
	dispatch0-1000; do
	echo "$label: $(grep '^dp_rss' "$W/$label.out") $(grep '^setup' "$W/$label.out" | cut -d' ' -f2-)"
	grep -E 'drop|handoff' "$W/$label.stats" 2>/dev/null | tr '\n' ' ' | cut -c1-600
	echo
done
echo "bound=generator: the rate is what one generator core sends at all (the"
echo "  target kept up; its own limit is higher): compare those ratios with care."
echo "frame: $(kv "$fwd_res" frame_bytes) bytes (Ethernet + IPv4 + UDP + RTP + 160-byte payload); loss limit 0.1 %"
echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) CPUs; $(date -u +%Y-%m-%dT%H:%MZ)"

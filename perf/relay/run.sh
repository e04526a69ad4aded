#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# RTP relay rate with under 0.1 % loss, the CPU it took, and call set-up to
# first relayed packet, for drongo-dp (net_af_packet, driven by drongo in
# role media over ng) and rtpengine-daemon (Debian 12's 10.5, userspace
# forwarding: --table=-1, one worker thread; installed here when missing),
# on the same veth pair between two namespaces, with the same generator
# (bench_relay) in the same run, in alternating order, plus the generator's
# own ceiling without a relay. Prints one table.
#
#   dgmp-gen: generator, caller 10.80.0.1 and callee 10.80.0.11 on dgmp-g
#   dgmp-rel: dgmp-r; drongo-dp answers for 10.80.0.2 on it (packet
#             socket), the kernel (rtpengine, the direct receiver) for
#             10.80.0.3. Only one relay runs at a time.
# CPUs: generator on CPU 0; the relay on CPU 1 (drongo-dp's main lcore and
# its one worker; every rtpengine thread); drongo's control plane is not
# pinned (idle while RTP flows). Generator and relays run at nice $NICE
# (default -10, as perf/dp/run.sh): the machine is shared with builds.
#
# Usage: perf/relay/run.sh [BUILD_DIR] (default build-release; needs root)
#   SESSIONS=2000 CALLS=300 ROUNDS=2 TRIAL_MS=1000 FIXED=20000 KEEP=1
#   PHASES="base drongo rtpengine" (a subset measures only those)
# (2000 sessions: about 50 packets per second per stream at the generator's
# ceiling on this machine, as 20 ms ptime; FIXED: the common load, in
# packets per second, at which the CPU of each relay is compared)
# Run it under `flock /tmp/dg-perf.lock` so that no other benchmark
# measures at the same time.
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${1:-build-release}
SESSIONS=${SESSIONS:-2000}
FIXED=${FIXED:-20000}
CALLS=${CALLS:-300}
ROUNDS=${ROUNDS:-2}
TRIAL_MS=${TRIAL_MS:-1000}
NICE=${NICE:--10}
PHASES=${PHASES:-base drongo rtpengine}
INST=$((700 + $$ % 100))
NG_DRONGO=127.0.0.1:$((23000 + $$ % 1000))
NG_RTPENGINE=127.0.0.1:22222
GEN=dgmp-gen
REL=dgmp-rel
WORK=$(mktemp -d /tmp/dgmp-XXXXXX)
BENCH=$BUILD/perf/relay/bench_relay
CTL=$BUILD/shared/tools/dpctl/drongo-dpctl
PIDS=()

stop_all()
{
	local p
	for p in "${PIDS[@]}"; do
		kill -TERM "$p" 2>/dev/null || true
	done
	for p in "${PIDS[@]}"; do
		wait "$p" 2>/dev/null || true
	done
	PIDS=()
}

cleanup()
{
	stop_all
	ip netns del $GEN 2>/dev/null || true
	ip netns del $REL 2>/dev/null || true
	[ "${KEEP:-0}" = 1 ] && echo "logs kept in $WORK" || rm -rf "$WORK"
}
trap cleanup EXIT

ninja -C "$BUILD" controlplane/drongo dataplane/drongo-dp perf/relay/bench_relay \
	shared/tools/dpctl/drongo-dpctl >/dev/null
if ! command -v rtpengine >/dev/null; then
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
		rtpengine-daemon >"$WORK/apt.log" 2>&1
fi
# Debian starts the packaged service; this run uses its own instance.
systemctl stop rtpengine-daemon 2>/dev/null || true

ip netns del $GEN 2>/dev/null || true
ip netns del $REL 2>/dev/null || true
ip netns add $GEN
ip netns add $REL
ip link add dgmp-g type veth peer name dgmp-r
ip link set dgmp-g netns $GEN
ip link set dgmp-r netns $REL
for ns in $GEN $REL; do
	ip -n $ns link set lo up
	ip netns exec $ns sysctl -qw net.ipv6.conf.all.disable_ipv6=1
done
ip -n $GEN addr add 10.80.0.1/24 dev dgmp-g
ip -n $GEN addr add 10.80.0.11/24 dev dgmp-g
ip -n $REL addr add 10.80.0.3/24 dev dgmp-r
ip -n $GEN link set dgmp-g up
ip -n $REL link set dgmp-r up

# bench_relay ARGS...: the generator on CPU 0 in dgmp-gen. The generator's
# veth computes UDP checksums itself (the packet socket of drongo-dp would
# otherwise see partial sums: see tests/integration/netns_exec.py).
bench()
{
	nice -n "$NICE" taskset -c 0 "$BENCH" --netns $GEN --caller 10.80.0.1 --callee 10.80.0.11 \
		--tx-csum-off dgmp-g --sessions "$SESSIONS" --calls "$CALLS" \
		--trial-ms "$TRIAL_MS" --fixed-rate "$FIXED" --refresh "$@"
}

phase_base()
{
	local tag=$1
	bench --mode rate --direct 10.80.0.3 --rx-netns $REL --label "base" \
		>"$WORK/$tag.rate" 2>"$WORK/$tag.log" || echo "bench_relay failed" >>"$WORK/$tag.log"
}

phase_drongo()
{
	local tag=$1 dp pid
	printf '%s\n' "instance: $INST" 'port: net_af_packet0' \
		'addresses: [10.80.0.2/24]' 'gateway4: 10.80.0.1' \
		'sessions_per_worker: 16384' 'port_min: 32768' 'port_max: 49151' \
		'mbufs: 16383' 'exception_tap: dgmp-tap' >"$WORK/dp.yaml"
	ip netns exec $REL nice -n "$NICE" "$BUILD/dataplane/drongo-dp" -c "$WORK/dp.yaml" -- \
		--no-huge --no-pci --lcores 0@1,1@1 -m 512 --file-prefix=dgmp$INST \
		--log-level=lib.eal:error --vdev=net_af_packet0,iface=dgmp-r,qpairs=2 \
		>"$WORK/$tag.dp.log" 2>&1 &
	dp=$!
	PIDS+=($dp)
	for _ in $(seq 100); do
		"$CTL" --instance "$INST" info >/dev/null 2>&1 && break
		kill -0 "$dp" 2>/dev/null || { tail -5 "$WORK/$tag.dp.log"; exit 1; }
		sleep 0.2
	done
	printf '%s\n' 'node: {role: media, name: mperf}' \
		"sip: {listen: [udp:127.0.0.1:$((24000 + $$ % 1000))]}" \
		'log: {level: warn}' 'http: {enabled: false}' \
		"media: {ng_listen: \"$NG_DRONGO\", dp_instance: $INST}" \
		>"$WORK/drongo.yaml"
	nice -n "$NICE" "$BUILD/controlplane/drongo" --config "$WORK/drongo.yaml" \
		>"$WORK/$tag.drongo.log" 2>&1 &
	PIDS+=($!)
	sleep 1
	pid=$("$CTL" --instance "$INST" info | sed -n 's/.*dp_pid=\([0-9]*\).*/\1/p')
	bench --mode latency --ng "$NG_DRONGO" --label drongo \
		>"$WORK/$tag.lat" 2>"$WORK/$tag.log" || echo "bench_relay failed" >>"$WORK/$tag.log"
	"$CTL" --instance "$INST" stats >"$WORK/$tag.stats0" 2>&1 || true
	bench --mode rate --ng "$NG_DRONGO" --cpu-pid "$pid" --label drongo \
		>"$WORK/$tag.rate" 2>>"$WORK/$tag.log" || echo "bench_relay failed" >>"$WORK/$tag.log"
	sleep 0.1	# the worker publishes its counters every 10 ms
	"$CTL" --instance "$INST" stats >"$WORK/$tag.stats1" 2>&1 || true
	stop_all
}

phase_rtpengine()
{
	local tag=$1 pid
	ip netns exec $REL nice -n "$NICE" taskset -c 1 rtpengine --foreground --log-stderr \
		--log-level=3 --table=-1 --num-threads=1 --interface=10.80.0.3 \
		--listen-ng="$NG_RTPENGINE" --port-min=20000 --port-max=39999 \
		--delete-delay=0 --pidfile="$WORK/rtpengine.pid" \
		>"$WORK/$tag.rtpengine.log" 2>&1 &
	pid=$!
	PIDS+=($pid)
	sleep 1
	kill -0 "$pid" 2>/dev/null || { tail -5 "$WORK/$tag.rtpengine.log"; exit 1; }
	bench --mode latency --ng "$NG_RTPENGINE" --ng-netns $REL --label rtpengine \
		>"$WORK/$tag.lat" 2>"$WORK/$tag.log" || echo "bench_relay failed" >>"$WORK/$tag.log"
	bench --mode rate --ng "$NG_RTPENGINE" --ng-netns $REL --cpu-pid "$pid" \
		--label rtpengine >"$WORK/$tag.rate" 2>>"$WORK/$tag.log" ||
		echo "bench_relay failed" >>"$WORK/$tag.log"
	stop_all
}

# phase NAME TAG: one relay from start to stop.
phase()
{
	echo "$1 $2 start $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg)" >>"$WORK/phases"
	"phase_$1" "$2"
}

for r in $(seq "$ROUNDS"); do
	if [ $((r % 2)) = 1 ]; then
		order=$PHASES
	else
		order=$(tr ' ' '\n' <<<"$PHASES" | tac | tr '\n' ' ')
	fi
	for p in $order; do
		echo "round $r: $p" >&2
		phase "$p" "$p$r"
	done
done

kv()
{
	[ -s "$1" ] || return 0
	sed -n "s/.*[ ^]$2=\([^ ]*\).*/\1/p" <<<" $(cat "$1")"
}

echo "machine: $(nproc) CPUs, $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1), $(uname -r)"
echo "date: $(date -u '+%F %H:%M') UTC; sessions=$SESSIONS (2 streams each, 172-byte RTP), trial ${TRIAL_MS} ms, fixed load $FIXED pps, calls=$CALLS"
cat "$WORK/phases"
echo "rtpengine $(rtpengine --version 2>&1 | awk '{print $NF}') --table=-1 --num-threads=1"
printf '| round | what | max pps <0.1%% loss | bound | relay CPU at max | CPU1 at max | CPU0 at max | pps at fixed | relay CPU at fixed | CPU1 at fixed | latency p50/p99 us at fixed | setup p50/p99 us | answer->RTP p50/p99 us |\n'
printf '|---|---|---|---|---|---|---|---|---|---|---|---|---|\n'
for r in $(seq "$ROUNDS"); do
	for p in $PHASES; do
		f=$WORK/$p$r.rate
		l=$WORK/$p$r.lat
		lat="-"
		med="-"
		if [ -s "$l" ]; then
			lat="$(kv "$l" setup_p50_us) / $(kv "$l" setup_p99_us)"
			med="$(kv "$l" media_p50_us) / $(kv "$l" media_p99_us)"
		fi
		printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s / %s | %s | %s |\n' \
			"$r" "$p" "$(kv "$f" max_pps)" "$(kv "$f" bound)" \
			"$(kv "$f" relay_cpu_at_max)" "$(kv "$f" cpu1_at_max)" \
			"$(kv "$f" cpu0_at_max)" "$(kv "$f" fixed_pps)" \
			"$(kv "$f" relay_cpu_at_fixed)" "$(kv "$f" cpu1_at_fixed)" \
			"$(kv "$f" fixed_lat_p50_us)" "$(kv "$f" fixed_lat_p99_us)" \
			"$lat" "$med"
	done
done
for r in $(seq "$ROUNDS"); do
	[ -s "$WORK/drongo$r.rate" ] && [ -s "$WORK/rtpengine$r.rate" ] || continue
	d=$(kv "$WORK/drongo$r.rate" max_pps)
	e=$(kv "$WORK/rtpengine$r.rate" max_pps)
	b=$(kv "$WORK/base$r.rate" max_pps)
	dc=$(kv "$WORK/drongo$r.rate" cpu1_at_fixed)
	ec=$(kv "$WORK/rtpengine$r.rate" cpu1_at_fixed)
	ep=$(kv "$WORK/rtpengine$r.rate" relay_cpu_at_fixed)
	fp=$(kv "$WORK/rtpengine$r.rate" fixed_pps)
	ds=$(kv "$WORK/drongo$r.lat" setup_p50_us)
	es=$(kv "$WORK/rtpengine$r.lat" setup_p50_us)
	awk -v r="$r" -v d="$d" -v e="$e" -v b="$b" -v dc="$dc" -v ec="$ec" \
		-v ds="$ds" -v es="$es" -v ep="$ep" -v fp="$fp" 'BEGIN {
		printf "round %s: drongo/rtpengine max rate %.2f; drongo/generator %.2f, rtpengine/generator %.2f; CPU1 busy at fixed load drongo/rtpengine %.2f; set-up p50 drongo/rtpengine %.2f\n",
			r, e ? d / e : 0, b ? d / b : 0, b ? e / b : 0,
			ec ? dc / ec : 0, es ? ds / es : 0
		printf "round %s: rtpengine process CPU per packet at the fixed load: %.2f us\n",
			r, fp ? ep / fp * 1e6 : 0 }'
	if [ -s "$WORK/drongo$r.stats1" ]; then
		grep -E '^(worker|main)' "$WORK/drongo$r.stats1" | sed "s/^/round $r drongo-dp after: /"
	fi
done

#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Media control over the ng protocol, Drongo next to rtpengine in the same
# run: bench_ng sends CALLS calls (offer, answer, delete; WINDOW in flight)
# to drongo in role media (mc_local programming drongo-dp on a virtual
# device in netns dgngp-dp) and to rtpengine-daemon (Debian 12's 10.5,
# userspace forwarding: --table=-1; installed here when missing), then
# prints one table with operations per second and the ratio.
#
# Usage: perf/ng/run.sh [BUILD_DIR] (default build-release; needs root)
#   CALLS=20000 WINDOW=32 ROUNDS=3
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${1:-build-release}
CALLS=${CALLS:-20000}
WINDOW=${WINDOW:-32}
ROUNDS=${ROUNDS:-3}
INSTANCE=9
DRONGO_NG=127.0.0.1:22241
RTPENGINE_NG=127.0.0.1:22242
WORK=$(mktemp -d /tmp/dgngp-XXXXXX)
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
	ip netns del dgngp-dp 2>/dev/null || true
	ip link del dgngp-h 2>/dev/null || true
	[ "${KEEP:-0}" = 1 ] && echo "logs kept in $WORK" || rm -rf "$WORK"
}
trap cleanup EXIT

ninja -C "$BUILD" controlplane/drongo dataplane/drongo-dp perf/ng/bench_ng \
	shared/tools/dpctl/drongo-dpctl >/dev/null
if ! command -v rtpengine >/dev/null; then
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
		rtpengine-daemon >"$WORK/apt.log" 2>&1
fi

# drongo-dp on a veth in a namespace of its own (no media flows here: the
# benchmark measures the control path down to the data plane's ACK).
ip netns del dgngp-dp 2>/dev/null || true
ip link del dgngp-h 2>/dev/null || true
ip netns add dgngp-dp
ip link add dgngp-h type veth peer name dgngp-d0
ip link set dgngp-d0 netns dgngp-dp
ip link set dgngp-h up
ip -n dgngp-dp link set dgngp-d0 up
printf '%s\n' "instance: $INSTANCE" 'port: net_af_packet0' \
	'addresses: [10.79.0.2/24]' 'gateway4: 10.79.0.1' \
	'sessions_per_worker: 4096' 'port_min: 32768' 'port_max: 40959' \
	'mbufs: 4095' 'exception_tap: dgngp-tap' >"$WORK/dp.yaml"
ip netns exec dgngp-dp "$BUILD/dataplane/drongo-dp" -c "$WORK/dp.yaml" -- \
	--no-huge --no-pci -l 0-1 -m 256 --file-prefix=dgngp \
	--log-level=lib.eal:error --vdev=net_af_packet0,iface=dgngp-d0,qpairs=2 \
	>"$WORK/dp.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 100); do
	"$BUILD/shared/tools/dpctl/drongo-dpctl" --instance "$INSTANCE" stats \
		>/dev/null 2>&1 && break
	kill -0 "${PIDS[-1]}" 2>/dev/null || { tail -5 "$WORK/dp.log"; exit 1; }
	sleep 0.2
done
printf '%s\n' 'node: {role: media, name: bench}' \
	'sip: {listen: [udp:127.0.0.1:15963]}' 'log: {level: warn}' 'http: {enabled: false}' \
	"media: {ng_listen: \"$DRONGO_NG\", dp_instance: $INSTANCE}" \
	>"$WORK/drongo.yaml"
"$BUILD/controlplane/drongo" --config "$WORK/drongo.yaml" >"$WORK/drongo.log" 2>&1 &
PIDS+=($!)
rtpengine --foreground --log-stderr --log-level=3 --table=-1 \
	--interface=127.0.0.1 --listen-ng="$RTPENGINE_NG" \
	--port-min=20000 --port-max=29999 --delete-delay=0 --pidfile="$WORK/rtpengine.pid" \
	>"$WORK/rtpengine.log" 2>&1 &
PIDS+=($!)
sleep 1

best()
{
	local target=$1 r best=0 line bestline=""
	for r in $(seq "$ROUNDS"); do
		line=$("$BUILD/perf/ng/bench_ng" "$target" "$CALLS" "$WINDOW")
		r=$(sed -n 's/.*ops_per_s=\([0-9]*\).*/\1/p' <<<"$line")
		if [ "$r" -gt "$best" ]; then
			best=$r
			bestline=$line
		fi
	done
	echo "$bestline"
}

# Warm both up (first-touch allocations), then the measured rounds.
"$BUILD/perf/ng/bench_ng" "$DRONGO_NG" 500 "$WINDOW" >/dev/null
"$BUILD/perf/ng/bench_ng" "$RTPENGINE_NG" 500 "$WINDOW" >/dev/null
d=$(best "$DRONGO_NG")
r=$(best "$RTPENGINE_NG")
dops=$(sed -n 's/.*ops_per_s=\([0-9]*\).*/\1/p' <<<"$d")
rops=$(sed -n 's/.*ops_per_s=\([0-9]*\).*/\1/p' <<<"$r")
echo "machine: $(nproc) cpus, $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1)"
echo "date: $(date -u +%F) calls=$CALLS window=$WINDOW best of $ROUNDS"
printf '%-34s %s\n' "drongo (role media, drongo-dp)" "$d"
printf '%-34s %s\n' "rtpengine $(rtpengine --version 2>&1 | head -1 | awk '{print $NF}') (userspace)" "$r"
awk -v a="$dops" -v b="$rops" 'BEGIN { printf "ratio drongo/rtpengine: %.2f\n", a / b }'

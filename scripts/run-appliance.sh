#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Runs the Drongo appliance in the foreground on a fresh Debian 12 machine
# (as root): installs the dependencies, builds the release binaries in
# build-release, then starts each part of the appliance and waits. Today
# that is `drongo` (the control plane) on its embedded default
# configuration: SIP on port 5060 of every address, UDP and TCP, IPv4 and
# IPv6. Ctrl-C (or SIGTERM to this script) stops every part cleanly.
#
# Parts are started by start_<part> functions below and registered with
# `started`; add the data plane (drongo-dp on virtual devices) as one more
# function and one more call in main.
set -euo pipefail
cd "$(dirname "$0")/.."

# DRONGO_BUILD_DIR picks another build directory; DRONGO_SKIP_DEPS=1 skips
# the package installation (for machines already set up).
BUILD=${DRONGO_BUILD_DIR:-build-release}
# The binaries the appliance runs (ninja targets); only these are built.
TARGETS=(controlplane/drongo dataplane/drongo-dp)
PIDS=()

log()
{
	echo "run-appliance: $*" >&2
}

install_and_build()
{
	if [ "${DRONGO_SKIP_DEPS:-0}" = 1 ]; then
		log "skipping dependency installation (DRONGO_SKIP_DEPS=1)"
	else
		log "installing dependencies (scripts/install-deps.sh)"
		install_deps
	fi
	if [ ! -f "$BUILD/build.ninja" ]; then
		meson setup "$BUILD" -Dbuildtype=release -Doptimization=2
	fi
	ninja -C "$BUILD" "${TARGETS[@]}"
}

install_deps()
{
	bash scripts/install-deps.sh >/tmp/drongo-install-deps.log 2>&1 || {
		tail -n 30 /tmp/drongo-install-deps.log >&2
		log "installing dependencies failed"
		exit 1
	}
}

# Records a started part so that stop_all can end it.
started()
{
	PIDS+=("$1")
	log "started $2 (pid $1)"
}

stop_all()
{
	local pid
	for pid in "${PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null || true
	done
	for pid in "${PIDS[@]}"; do
		wait "$pid" 2>/dev/null || true
	done
}

# The control plane. DRONGO_CONFIG=/path/to/drongo.yaml runs on a file
# instead of the embedded default (config/README.md documents every key).
start_drongo()
{
	local args=()
	if [ -n "${DRONGO_CONFIG:-}" ]; then
		"$BUILD/controlplane/drongo" --check-config "$DRONGO_CONFIG"
		args=(--config "$DRONGO_CONFIG")
	fi
	"$BUILD/controlplane/drongo" "${args[@]}" &
	started $! drongo
}

# The data plane. With DRONGO_DP_CONFIG=/path/to/drongo-dp.yaml and
# DRONGO_DP_EAL="-l 0-2 -a 0000:03:00.0" it runs on real ports. Without,
# on virtual devices: network namespace dgdp-app holds drongo-dp on
# net_af_packet over veth dgdp-app0 (relay address 10.99.0.2/24) and its
# exception TAP; the host side of the veth, dgdp-host (10.99.0.1/24), is
# the relay's gateway, so the host reaches the relay at 10.99.0.2.
# DRONGO_DP=0 leaves the data plane out.
start_drongo_dp()
{
	local conf=${DRONGO_DP_CONFIG:-} eal=${DRONGO_DP_EAL:-} netns=()
	[ "${DRONGO_DP:-1}" = 0 ] && return 0
	if [ -z "$conf" ]; then
		conf=/tmp/drongo-dp-appliance.yaml
		ip netns del dgdp-app 2>/dev/null || true
		ip link del dgdp-host 2>/dev/null || true
		ip netns add dgdp-app
		ip link add dgdp-host type veth peer name dgdp-app0
		ip link set dgdp-app0 netns dgdp-app
		ip addr add 10.99.0.1/24 dev dgdp-host
		ip link set dgdp-host up
		ip -n dgdp-app link set dgdp-app0 up
		ip -n dgdp-app link set lo up
		# The kernel of dgdp-app answers only through the TAP.
		ip netns exec dgdp-app sysctl -qw net.ipv4.conf.all.rp_filter=1
		ip netns exec dgdp-app sysctl -qw net.ipv4.conf.dgdp-app0.arp_ignore=8
		printf '%s\n' 'port: net_af_packet0' 'addresses: [10.99.0.2/24]' \
			'gateway4: 10.99.0.1' 'sessions_per_worker: 4096' \
			'port_min: 40000' 'port_max: 40959' 'mbufs: 8191' \
			'exception_tap: dgdp-exc' >"$conf"
		eal="--no-huge --no-pci -l 0-1 -m 512 --file-prefix=dgdp-app"
		eal+=" --vdev=net_af_packet0,iface=dgdp-app0,qpairs=2"
		netns=(ip netns exec dgdp-app)
	fi
	"$BUILD/dataplane/drongo-dp" -c "$conf" --check
	# shellcheck disable=SC2086
	"${netns[@]}" "$BUILD/dataplane/drongo-dp" -c "$conf" -- $eal &
	started $! drongo-dp
	if [ -z "${DRONGO_DP_CONFIG:-}" ]; then
		local i
		for i in $(seq 50); do
			ip -n dgdp-app link show dgdp-exc >/dev/null 2>&1 && break
			sleep 0.2
		done
		ip -n dgdp-app addr add 10.99.0.2/24 dev dgdp-exc
		ip -n dgdp-app link set dgdp-exc up
		ip -n dgdp-app route add default via 10.99.0.1 dev dgdp-exc
	fi
}

stop_virtual_net()
{
	ip netns del dgdp-app 2>/dev/null || true
	ip link del dgdp-host 2>/dev/null || true
}

main()
{
	local rc=0 stopping=0
	install_and_build
	# A signal ends the wait below; every part is then stopped in turn.
	trap 'stopping=1' INT TERM
	trap 'stop_all; stop_virtual_net' EXIT
	start_drongo
	start_drongo_dp
	wait -n "${PIDS[@]}" || rc=$?
	if [ "$stopping" = 1 ]; then
		log "stopping"
		rc=0
	else
		log "a part exited (status $rc); stopping the others"
	fi
	stop_all
	stop_virtual_net
	trap - EXIT
	exit "$rc"
}

main "$@"

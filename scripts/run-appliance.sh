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
TARGETS=(controlplane/drongo)
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

main()
{
	local rc=0 stopping=0
	install_and_build
	# A signal ends the wait below; every part is then stopped in turn.
	trap 'stopping=1' INT TERM
	trap stop_all EXIT
	start_drongo
	wait -n "${PIDS[@]}" || rc=$?
	if [ "$stopping" = 1 ]; then
		log "stopping"
		rc=0
	else
		log "a part exited (status $rc); stopping the others"
	fi
	stop_all
	trap - EXIT
	exit "$rc"
}

main "$@"

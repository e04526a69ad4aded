#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Installs every build, run and test dependency of Drongo from Debian 12
# packages. Idempotent: apt-get skips what is already there.
set -euo pipefail

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: run as root (apt-get needs it)" >&2
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends \
	build-essential pkg-config meson ninja-build clang lld \
	libclang-rt-14-dev llvm \
	libdpdk-dev dpdk librte-crypto-ipsec-mb23 \
	libsrtp2-dev libssl-dev liburing-dev libjemalloc-dev \
	libcmocka-dev libhiredis-dev redis-server libyaml-dev \
	sip-tester kamailio iproute2 iputils-ping tcpdump python3 python3-yaml \
	netcat-openbsd procps yamllint python3-jsonschema
# config/k8s is rendered with `kubectl kustomize` by its test; Debian's
# kubernetes-client provides kubectl where no other kubectl is installed
# (its /usr/bin/kubectl would clash with one from another package).
if ! command -v kubectl >/dev/null 2>&1; then
	apt-get install -y --no-install-recommends kubernetes-client
fi

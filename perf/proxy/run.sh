#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# SIP proxy vs Kamailio on loopback (see run.py): perf/proxy/run.sh BUILD_DIR [seconds_per_step]
exec python3 "$(dirname "$0")/run.py" "$@"

#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Runs one libFuzzer binary for a bounded time on a scratch copy of its seed
# corpus (the committed corpus stays as it is). Fails on any crash, leak or
# sanitizer report; the crashing input is printed so it can become a corpus
# file and a regression test.
set -euo pipefail
exe=$1 corpus=$2 seconds=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "$corpus"/. "$work"/ 2>/dev/null || true
"$exe" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
	-artifact_prefix="$work/" -print_final_stats=1 "$work"

#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Builds and runs every test of Drongo on a fresh Debian 12 machine (as root):
#   1. release build (-O2, warnings as errors): all suites (unit, integration)
#   2. sanitizer build (address + undefined, gcc): unit suite
#   3. fuzz build (clang, libFuzzer, address + undefined): bounded fuzz runs
# Ends with one line "N passed, N failed" summed over the three runs.
set -uo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh >/tmp/drongo-install-deps.log 2>&1 || {
	tail -n 30 /tmp/drongo-install-deps.log
	echo "test-all: installing dependencies failed" >&2
	echo "0 passed, 1 failed"
	exit 1
}

passed=0
failed=0

# Adds the counts of one `meson test` run (its summary block) to the totals.
count()
{
	local log=$1 ok fail to xp
	ok=$(awk '/^Ok:/{print $2}' "$log" | tail -n 1)
	fail=$(awk '/^Fail:/{print $2}' "$log" | tail -n 1)
	to=$(awk '/^Timeout:/{print $2}' "$log" | tail -n 1)
	xp=$(awk '/^Unexpected Pass:/{print $3}' "$log" | tail -n 1)
	passed=$((passed + ${ok:-0}))
	failed=$((failed + ${fail:-0} + ${to:-0} + ${xp:-0}))
}

# Runs one build + test stage; a build failure counts as one failed test.
stage()
{
	local name=$1 dir=$2 setup=$3 suites=$4 log=/tmp/drongo-test-$1.log
	echo "=== $name ==="
	if ! eval "$setup" >"/tmp/drongo-setup-$name.log" 2>&1 ||
	   ! ninja -C "$dir" >"/tmp/drongo-build-$name.log" 2>&1; then
		tail -n 60 "/tmp/drongo-setup-$name.log" "/tmp/drongo-build-$name.log"
		echo "test-all: $name build failed"
		failed=$((failed + 1))
		return
	fi
	meson test -C "$dir" --print-errorlogs $suites 2>&1 | tee "$log"
	count "$log"
}

stage release build-release \
	"meson setup --wipe build-release -Dbuildtype=release -Doptimization=2 || meson setup build-release -Dbuildtype=release -Doptimization=2" \
	"--no-suite fuzz"
stage sanitize build-sanitize \
	"meson setup --wipe build-sanitize -Dbuildtype=debug -Db_sanitize=address,undefined || meson setup build-sanitize -Dbuildtype=debug -Db_sanitize=address,undefined" \
	"--suite unit"
stage fuzz build-fuzz \
	"CC=clang meson setup --wipe build-fuzz -Dbuildtype=debug -Dfuzzing=true -Db_sanitize=address,undefined -Db_lundef=false || CC=clang meson setup build-fuzz -Dbuildtype=debug -Dfuzzing=true -Db_sanitize=address,undefined -Db_lundef=false" \
	"--suite fuzz"

echo "${passed} passed, ${failed} failed"
[ "$failed" -eq 0 ]

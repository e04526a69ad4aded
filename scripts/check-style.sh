#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# House-style greps per folder (as DPDK's checkpatches does): what must never
# appear in a file. Prints each offending line as file:line: text and exits
# 1 when there is one. Add a section per area; keep each rule one grep.
set -uo pipefail
cd "$(dirname "$0")/.."
bad=0

# forbid PATTERN FILE... : report lines of FILEs (code, not comments) that
# match the extended regex PATTERN.
forbid()
{
	local pat=$1 why=$2 f
	shift 2
	for f in "$@"; do
		[ -f "$f" ] || continue
		# Drop // and /* ... */ comment lines before matching.
		if grep -nE "$pat" "$f" | grep -vE '^[0-9]+:\s*(/?\*|//)' |
		   sed "s|^|$f:|; s|\$|   <- $why|" | grep .; then
			bad=1
		fi
	done
}

# dataplane: what the worker loop reaches runs without malloc, locks,
# atomic read-modify-write, syscalls, logging or printf.
dp_fast=(dataplane/dp_worker.c dataplane/dp_classify.h dataplane/dp_session.h
	 dataplane/dp_ctrl.c dataplane/dp_timeout.c dataplane/dp_stats.c
	 dataplane/dp_lcore.h dataplane/dp_clock.c)
forbid '\b(malloc|calloc|realloc|free|rte_malloc|rte_zmalloc[a-z_]*|rte_free)\(' \
	'allocation on the fast path' "${dp_fast[@]}"
forbid '\b(pthread_mutex_[a-z]+|pthread_spin_[a-z]+|rte_spinlock_[a-z]+|rte_rwlock_[a-z]+)\(' \
	'lock on the fast path' "${dp_fast[@]}"
forbid '\b(__atomic_(fetch_[a-z]+|[a-z]+_fetch|exchange[a-z_]*|compare_exchange[a-z_]*)|__sync_[a-z_]+|atomic_fetch_[a-z_]+|atomic_exchange[a-z_]*|atomic_compare_exchange[a-z_]*|rte_atomic[0-9]+_[a-z_]+)\(' \
	'atomic read-modify-write on the fast path' "${dp_fast[@]}"
forbid '\b(printf|fprintf|puts|syslog|RTE_LOG|DG_LOG|dg_log_write|rte_panic|rte_exit|abort)\(' \
	'logging/printf/abort on the fast path' "${dp_fast[@]}"
forbid '\b(usleep|nanosleep|sleep|read|write|ioctl|sendto|recvfrom|sendmsg|recvmsg|gettimeofday|syscall)\(' \
	'syscall on the fast path' "${dp_fast[@]}"
# The clock's anchor is read once at start-up (dp_clock_init), never per packet.
forbid '\bclock_gettime\(' 'syscall on the fast path' \
	dataplane/dp_worker.c dataplane/dp_classify.h dataplane/dp_session.h \
	dataplane/dp_ctrl.c dataplane/dp_timeout.c dataplane/dp_stats.c

# shared: the ring and the region header are reached by the worker loop and
# cross processes: acquire/release loads and stores only, nothing else;
# no DPDK or liburing in the ABI.
shared_fast=(shared/dg_ring.h shared/dg_shm.h shared/dg_msg.h)
forbid '\b(malloc|calloc|realloc|free)\(' \
	'allocation in the shared fast path' "${shared_fast[@]}"
forbid '\b(__atomic_(fetch_[a-z]+|[a-z]+_fetch|exchange[a-z_]*|compare_exchange[a-z_]*)|__sync_[a-z_]+|atomic_fetch_[a-z_]+|atomic_exchange[a-z_]*|atomic_compare_exchange[a-z_]*)\(' \
	'atomic read-modify-write in the shared ring' "${shared_fast[@]}"
forbid '#include <(rte_|liburing)' 'DPDK or liburing in the shared ABI' \
	shared/dg_*.h shared/dg_*.c

exit "$bad"

# SPDX-License-Identifier: BSD-3-Clause
"""Bookkeeping of the namespace scenario tests (call, ng, cluster): named
processes that are stopped with SIGTERM (SIGKILL after 10 s), namespaces
removed at the end, and checks that record a failure and go on, so one
run reports every sentence that failed rather than the first.

Each test process imports it once; its registry and failure list are the
test's own. Tests in tests/integration/<area>/ import it after putting
their parent folder on sys.path."""
import signal
import subprocess

procs = {}
failures = []


def sh(cmd, check=True):
    r = subprocess.run(cmd, shell=True, capture_output=True, text=True)
    if check and r.returncode != 0:
        raise RuntimeError(f'{cmd}: {r.returncode} {r.stderr.strip()}')
    return r


def stop(name, sig=signal.SIGTERM):
    """Signal the process registered as name and wait for it."""
    p = procs.pop(name, None)
    if p is None or p.poll() is not None:
        return
    p.send_signal(sig)
    try:
        p.wait(10)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()


def cleanup(namespaces):
    for name in list(procs):
        stop(name)
    for ns in namespaces:
        sh(f'ip netns del {ns}', check=False)


def check(cond, what):
    if not cond:
        failures.append(what)
        print('FAIL:', what)
    return cond

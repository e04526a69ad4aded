#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Cluster benchmark: the highest call rate (INVITE/200/ACK/BYE, no hold
# time; perf/proxy's perf_uac.xml and perf_uas.xml) that sipp UAC ->
# drongo role lb -> N drongo edges (edge.location: redis, one redis-server
# on a unix socket) -> sipp UAS completes with fewer than 0.1% failed
# calls, for N = 1, 2, 3, to a user registered in Redis (every INVITE is a
# location lookup in Redis on the edge it lands on), next to calls through
# the very same cluster to a trunk route (no lookup), measured in the same
# run: the ratio is the price of the shared registrar. perf/lb measures the
# balancer itself (route calls, in-memory edges) and perf/redis the
# REGISTER rate; this fills calls to registered users in a cluster.
# The callee registers once, straight at edge 1 (no Path), so that both
# kinds of call take the same path (UAC -> lb -> edge -> UAS) and differ by
# the lookup only. No media anchoring (media.required false): signalling
# only. CPU per call is utime+stime of the lb, the edges and redis-server.
# Every step is bounded in calls and time (perf/lb's ladder).
# Usage (under the shared perf lock):
#   flock /tmp/dg-perf.lock perf/cluster/run.py BUILD_DIR [seconds_per_step]
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PERF = os.path.dirname(HERE)


def _load(name, rel):
    spec = importlib.util.spec_from_file_location(name, os.path.join(PERF, rel))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


# perf/lb's node runner, sipp runner, CPU and sipp counters and rate
# ladder; perf/redis's redis-server on a unix socket.
lbrun = _load('dgperf_lb', 'lb/run.py')
redisrun = _load('dgperf_redis', 'redis/run.py')
DOMAIN = lbrun.DOMAIN
LB_IP = '127.0.11.1'
EDGE_IPS = ['127.0.11.11', '127.0.11.12', '127.0.11.13']
UAS_IP, UAC_IP = '127.0.11.20', '127.0.11.21'
USER = 'bob'
# CPU per call is compared at this rate, which every step passes here.
REF_RATE = 2000


def edge_conf(ip, port, uas_port, sock):
    return ('node: {role: edge, name: perfcl%s}\n'
            'sip:\n  listen: [udp:%s:%d]\n  domains: [%s]\n'
            'log: {level: warn}\nhttp: {enabled: false}\n'
            'media: {required: false}\n'
            'redis: {address: "unix:%s"}\n'
            'edge:\n  location: redis\n  max_transactions: 1000000\n'
            '  routes:\n    - name: trunk\n      prefix: "9"\n'
            '      targets: [udp:%s:%d]\n'
            % (ip.split('.')[-1], ip, port, DOMAIN, sock, UAS_IP, uas_port))


def lb_conf(port, edges):
    return ('node: {role: lb, name: perfcllb}\n'
            'sip:\n  listen: [udp:%s:%d]\n'
            'log: {level: warn}\nhttp: {enabled: false}\n'
            'lb:\n  edges: [%s]\n  secret: perf-cluster-secret-0123\n'
            % (LB_IP, port, ', '.join('%s:%d' % e for e in edges)))


def step(work, label, target, uas_port, procs, service, rate, secs):
    calls = rate * secs
    uas, _ = lbrun.sipp(work, target, 'perf_uas.xml', UAS_IP,
                        '%s_uas_%d' % (label, rate),
                        ['-p', str(uas_port), '-m', str(calls), '-timeout',
                         '%ds' % (secs + 20)], wait=False)
    time.sleep(0.3)
    c0 = [lbrun.cpu_ticks(p.pid) for p in procs]
    t0 = time.time()
    _, stat = lbrun.sipp(work, target, 'perf_uac.xml', UAC_IP,
                         '%s_uac_%d' % (label, rate),
                         ['-p', str(lbrun.free_port(UAC_IP)), '-s', service,
                          '-r', str(rate), '-m', str(calls), '-l', str(rate * 4),
                          '-timeout', '%ds' % (secs + 15), '-max_socket', '1'])
    wall = time.time() - t0
    c1 = [lbrun.cpu_ticks(p.pid) for p in procs]
    try:
        uas.wait(10)
    except subprocess.TimeoutExpired:
        uas.kill()
        uas.wait()
    ok, failed = lbrun.sipp_counts(stat)
    return ok, failed, wall, [(b - a) / lbrun.TICK for a, b in zip(c0, c1)]


def register(work, edge, uas_port):
    """The callee's REGISTER, again while the edge's Redis link comes up."""
    for _ in range(20):
        r = subprocess.run(
        ['sipp', '%s:%d' % edge, '-sf', os.path.join(HERE, 'reg_user.xml'),
             '-i', UAS_IP, '-p', str(uas_port), '-m', '1', '-s', USER,
             '-nostdin', '-key', 'domain', DOMAIN, '-timeout', '5s',
             '-timeout_error'],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=work)
        if r.returncode == 0:
            return
        time.sleep(0.25)
    raise RuntimeError('the callee did not register (sipp exit %d)'
                       % r.returncode)


def main():
    build = os.path.abspath(sys.argv[1])
    secs = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    lbrun.DRONGO = os.path.join(build, 'controlplane', 'drongo')
    for tool in ('sipp', 'redis-server', 'redis-cli'):
        if shutil.which(tool) is None:
            sys.exit('%s is needed (scripts/install-deps.sh)' % tool)
    work = tempfile.mkdtemp(prefix='dgcl-perf-')
    redis = redisrun.Redis(work)
    nodes, results, at_ref = [], {}, {}

    def measured(label, rate, out):
        if rate == REF_RATE:
            at_ref.setdefault(label, [c / out[0] * 1e6 for c in out[3]]
                              if out[0] else None)
        return out

    try:
        uas_port = lbrun.free_port(UAS_IP)
        edges = [(ip, lbrun.free_port(ip)) for ip in EDGE_IPS]
        for i, (ip, port) in enumerate(edges):
            nodes.append(lbrun.Node(work, 'edge%d' % (i + 1),
                                    edge_conf(ip, port, uas_port, redis.sock)))
        register(work, edges[0], uas_port)
        if redis.cli('KEYS', 'drongo:loc:sip:%s@*' % USER).strip() == '':
            raise RuntimeError('no binding of %s in Redis' % USER)
        for n in (1, 2, 3):
            lport = lbrun.free_port(LB_IP)
            lb = lbrun.Node(work, 'lb%d' % n, lb_conf(lport, edges[:n]))
            time.sleep(0.5)
            procs = [lb.proc] + [x.proc for x in nodes[:n]] + [redis.proc]
            try:
                for kind, service in (('route', '9001'), ('user', USER)):
                    label = '%s%d' % (kind, n)
                    print('lb + %d edge%s, calls to %s (CPU: lb, edges, redis):'
                          % (n, 's' if n > 1 else '',
                             'the trunk route' if kind == 'route'
                             else 'a user registered in Redis'), flush=True)
                    results[label] = lbrun.ladder(label, lambda r: measured(
                        label, r, step(work, label, '%s:%d' % (LB_IP, lport),
                                       uas_port, procs, service, r, secs)))
            finally:
                lb.stop()
        print()
        print('| edges | route calls/s | user calls/s | ratio user/route '
              '| at %d/s, CPU per call (us): lb route / user | edges (sum) '
              'route / user | redis route / user |' % REF_RATE)
        print('|---|---|---|---|---|---|---|')
        for n in (1, 2, 3):
            rt, us = results['route%d' % n], results['user%d' % n]
            cr, cu = at_ref.get('route%d' % n), at_ref.get('user%d' % n)
            print('| %d | %s | %s | %s | %s | %s | %s |' % (
                n, rt[0] if rt else '-', us[0] if us else '-',
                '%.2f' % (us[0] / rt[0]) if rt and us else '-',
                '%.1f / %.1f' % (cr[0], cu[0]) if cr and cu else '-',
                '%.1f / %.1f' % (sum(cr[1:-1]), sum(cu[1:-1])) if cr and cu else '-',
                '%.1f / %.1f' % (cr[-1], cu[-1]) if cr and cu else '-'))
    finally:
        for x in nodes:
            x.stop()
        redis.close()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == '__main__':
    main()

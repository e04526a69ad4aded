# SPDX-License-Identifier: BSD-3-Clause
"""Bookkeeping of the namespace scenario tests (call, ng, cluster): named
processes that are stopped with SIGTERM (SIGKILL after 10 s), namespaces
removed at the end, and checks that record a failure and go on, so one
run reports every sentence that failed rather than the first.

Each test process imports it once; its registry and failure list are the
test's own. Tests in tests/integration/<area>/ import it after putting
their parent folder on sys.path."""
import os
import re
import signal
import socket
import struct
import subprocess
import time

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


def three_party_netns(prefix, net, a, b, csum_off_gw=False):
    """Namespaces <prefix>-gw (a router), <prefix>-dp (drongo-dp's),
    <prefix>-a and <prefix>-b (the parties, at addresses a and b), each
    joined to the router by a veth <prefix>-X0 / <prefix>-gX on subnets
    net.0/24 (data plane), net.1/24 (a) and net.2/24 (b), the router at .1
    of each. The parties' TX checksum offload is off (a veth hands the
    data plane's packet socket unfinished checksums otherwise), and the
    data-plane namespace neither answers ARP for nor routes the relay's
    addresses: drongo-dp does."""
    from netns_exec import in_ns, ns_result, tx_csum_off
    gw, dp = f'{prefix}-gw', f'{prefix}-dp'
    for ns in (gw, f'{prefix}-a', f'{prefix}-b', dp):
        sh(f'ip netns add {ns}')
        sh(f'ip -n {ns} link set lo up')
        sh(f'ip netns exec {ns} sysctl -qw net.ipv6.conf.all.disable_ipv6=1')
    for here, there, ns in (('d0', 'g0', dp), ('a0', 'ga', f'{prefix}-a'),
                            ('b0', 'gb', f'{prefix}-b')):
        sh(f'ip link add {prefix}-{here} type veth peer name {prefix}-{there}')
        sh(f'ip link set {prefix}-{here} netns {ns}')
        sh(f'ip link set {prefix}-{there} netns {gw}')
        sh(f'ip -n {ns} link set {prefix}-{here} up')
        sh(f'ip -n {gw} link set {prefix}-{there} up')
    for i, dev in enumerate(('g0', 'ga', 'gb')):
        sh(f'ip -n {gw} addr add {net}.{i}.1/24 dev {prefix}-{dev}')
    sh(f'ip netns exec {gw} sysctl -qw net.ipv4.ip_forward=1')
    for side, addr, i in (('a', a, 1), ('b', b, 2)):
        sh(f'ip -n {prefix}-{side} addr add {addr}/24 dev {prefix}-{side}0')
        sh(f'ip -n {prefix}-{side} route add default via {net}.{i}.1')
        ns_result(in_ns(f'{prefix}-{side}', tx_csum_off, f'{prefix}-{side}0'))
    if csum_off_gw:
        ns_result(in_ns(gw, tx_csum_off, f'{prefix}-g0'))
    sh(f'ip netns exec {dp} sysctl -qw net.ipv4.conf.all.rp_filter=1')
    sh(f'ip netns exec {dp} sysctl -qw net.ipv4.conf.{prefix}-d0.rp_filter=1')
    sh(f'ip netns exec {dp} sysctl -qw net.ipv4.conf.{prefix}-d0.arp_ignore=8')


def dpctl(dpctl_bin, instance, *args, check=True):
    r = subprocess.run([dpctl_bin, '--instance', instance] + list(args),
                       capture_output=True, text=True, timeout=30)
    if check and r.returncode != 0:
        raise RuntimeError(f'dpctl {args}: {r.returncode} {r.stderr}')
    return r


def dp_sessions(dpctl_bin, instance):
    """Sessions in use over all workers, read-only (drongo holds the rings)."""
    out = dpctl(dpctl_bin, instance, 'stats').stdout
    return sum(int(m) for m in
               re.findall(r'^worker=\d+ sessions=(\d+)', out, re.M))


def wait_sessions(dpctl_bin, instance, n, timeout=10):
    """The workers publish their counters periodically: wait for n."""
    deadline = time.time() + timeout
    while time.time() < deadline and dp_sessions(dpctl_bin, instance) != n:
        time.sleep(0.1)
    return dp_sessions(dpctl_bin, instance)


# --- RTP through the relay ----------------------------------------------------

def rtp(seq):
    return struct.pack('!BBHII', 0x80, 0, seq, seq * 160, 0x4321) + \
        bytes((seq * 7 + i) & 0xff for i in range(160))


def receiver(addr, port, count, ready_path, timeout):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((addr, port))
    open(ready_path, 'w').close()
    s.settimeout(timeout)
    got = []
    try:
        while len(got) < count:
            data, src = s.recvfrom(2048)
            got.append((data, src))
    except socket.timeout:
        pass
    return got


def sender(addr, port, dst, dport, payloads, gap):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((addr, port))
    for p in payloads:
        s.sendto(p, (dst, dport))
        time.sleep(gap)
    return len(payloads)


def relay_once(workdir, relay, src_ns, src, sport, dst_ns, dst, dport,
               relay_in, relay_out, first_seq, what, n=20):
    """n RTP packets from src:sport in src_ns to relay:relay_in must reach
    dst:dport in dst_ns from relay:relay_out, intact and in order."""
    from netns_exec import in_ns, ns_result
    ready = os.path.join(workdir, f'ready-{dst_ns}-{first_seq}')
    rx = in_ns(dst_ns, receiver, dst, dport, n, ready, 5)
    deadline = time.time() + 5
    while not os.path.exists(ready) and time.time() < deadline:
        time.sleep(0.02)
    pkts = [rtp(first_seq + i) for i in range(n)]
    ns_result(in_ns(src_ns, sender, src, sport, relay, relay_in, pkts, 0.01))
    got = ns_result(rx)
    if not check(len(got) == n, f'{what}: {len(got)} of {n} packets relayed'):
        return
    for i, (data, frm) in enumerate(got):
        check(frm == (relay, relay_out),
              f'{what}: packet {i} came from {frm}, not {(relay, relay_out)}')
        check(data == pkts[i], f'{what}: packet {i}: payload or order differs')

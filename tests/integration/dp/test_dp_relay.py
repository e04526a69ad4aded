#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""drongo-dp end to end, in network namespaces of its own.

Topology (all names start with dgdp-):
  dgdp-a (10.77.1.2, fd77:1::2) --- dgdp-gw (router) --- dgdp-b (10.77.2.2)
                                      |
                      dgdp-dp: drongo-dp on net_af_packet over dgdp-d0,
                      relay addresses 10.77.0.2 and fd77::2, exception
                      TAP dgdp-tap
The kernel of dgdp-dp has 10.77.0.2 only on the TAP, and drops what
arrives on dgdp-d0 itself (rp_filter, arp_ignore), so everything checked
here went through drongo-dp. Checked: the gateway's ARP for the relay and
ping are answered by drongo-dp (its counters say so), a session made with
drongo-dpctl relays real UDP RTP both ways with the relay's address and
ports as source, payloads and order intact, the media timeout is reported
when the sender stops, the gateway's neighbour solicitation and ping -6
are answered, an IPv6 leg is bridged to an IPv4 leg, and a UDP packet to
a non-media port reaches a socket of the kernel through the TAP. Then
drongo-dp restarts with two workers and software dispatch, and a session
on each worker relays both ways; then with one worker and steering
'dispatch' (the dispatch hop kept), and a session relays both ways.

Usage: test_dp_relay.py PATH/TO/drongo-dp [PATH/TO/drongo-dpctl]
"""
import os
import re
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
from netns_exec import in_ns, ns_result, tx_csum_off  # noqa: E402

DP = os.path.abspath(sys.argv[1])
DPCTL = (os.path.abspath(sys.argv[2]) if len(sys.argv) > 2 else
         os.path.join(os.path.dirname(os.path.dirname(DP)),
                      'shared', 'tools', 'dpctl', 'drongo-dpctl'))
INSTANCE = '7'
NSS = ['dgdp-gw', 'dgdp-a', 'dgdp-b', 'dgdp-dp']
RELAY = '10.77.0.2'
RELAY6 = 'fd77::2'
A, B = '10.77.1.2', '10.77.2.2'
A6 = 'fd77:1::2'

procs = []
failures = []


def sh(cmd, check=True):
    r = subprocess.run(cmd, shell=True, capture_output=True, text=True)
    if check and r.returncode != 0:
        raise RuntimeError(f'{cmd}: {r.returncode} {r.stderr.strip()}')
    return r


def cleanup():
    for p in procs:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
    for ns in NSS:
        sh(f'ip netns del {ns}', check=False)


def setup():
    cleanup()
    for ns in NSS:
        sh(f'ip netns add {ns}')
        sh(f'ip -n {ns} link set lo up')
        sh(f'ip netns exec {ns} sysctl -qw net.ipv6.conf.all.accept_dad=0')
        sh(f'ip netns exec {ns} sysctl -qw net.ipv6.conf.default.accept_dad=0')
    for here, there, ns in (('d0', 'g0', 'dgdp-dp'), ('a0', 'ga', 'dgdp-a'),
                            ('b0', 'gb', 'dgdp-b')):
        sh(f'ip link add dgdp-{here} type veth peer name dgdp-{there}')
        sh(f'ip link set dgdp-{here} netns {ns}')
        sh(f'ip link set dgdp-{there} netns dgdp-gw')
        sh(f'ip -n {ns} link set dgdp-{here} up')
        sh(f'ip -n dgdp-gw link set dgdp-{there} up')
    sh('ip -n dgdp-gw addr add 10.77.0.1/24 dev dgdp-g0')
    sh('ip -n dgdp-gw addr add 10.77.1.1/24 dev dgdp-ga')
    sh('ip -n dgdp-gw addr add 10.77.2.1/24 dev dgdp-gb')
    sh('ip netns exec dgdp-gw sysctl -qw net.ipv4.ip_forward=1')
    sh('ip netns exec dgdp-gw sysctl -qw net.ipv6.conf.all.forwarding=1')
    sh('ip -n dgdp-gw addr add fd77::1/64 dev dgdp-g0 nodad')
    sh('ip -n dgdp-gw addr add fd77:1::1/64 dev dgdp-ga nodad')
    sh(f'ip -n dgdp-a addr add {A6}/64 dev dgdp-a0 nodad')
    sh('ip -n dgdp-a route add default via fd77:1::1')
    sh(f'ip -n dgdp-a addr add {A}/24 dev dgdp-a0')
    sh('ip -n dgdp-a route add default via 10.77.1.1')
    sh(f'ip -n dgdp-b addr add {B}/24 dev dgdp-b0')
    sh('ip -n dgdp-b route add default via 10.77.2.1')
    ns_result(in_ns('dgdp-a', tx_csum_off, 'dgdp-a0'))
    ns_result(in_ns('dgdp-b', tx_csum_off, 'dgdp-b0'))
    # The kernel of dgdp-dp must not answer on the DPDK port itself.
    sh('ip netns exec dgdp-dp sysctl -qw net.ipv4.conf.all.rp_filter=1')
    sh('ip netns exec dgdp-dp sysctl -qw net.ipv4.conf.dgdp-d0.rp_filter=1')
    sh('ip netns exec dgdp-dp sysctl -qw net.ipv4.conf.dgdp-d0.arp_ignore=8')
    sh('ip netns exec dgdp-dp sysctl -qw net.ipv6.conf.dgdp-d0.disable_ipv6=1')


def start_dp(workdir, nlcores=2, steering='auto', tag='dp'):
    """Start drongo-dp with nlcores lcores (main + workers, spread over
    the CPUs there are) and the given steering; returns its log file."""
    ncpu = os.cpu_count() or 1
    lcores = ','.join(f'{i}@{i % ncpu}' for i in range(nlcores))
    conf = os.path.join(workdir, f'{tag}.yaml')
    with open(conf, 'w') as f:
        f.write(f"""instance: {INSTANCE}
port: net_af_packet0
addresses: [{RELAY}/24, {RELAY6}/64]
gateway4: 10.77.0.1
gateway6: fd77::1
sessions_per_worker: 1024
port_min: 40000
port_max: 40959
latch_window: 3s
arp_refresh: 5s
mbufs: 4095
steering: {steering}
exception_tap: dgdp-tap
""")
    log = open(os.path.join(workdir, f'{tag}.log'), 'w')
    p = subprocess.Popen(
        ['ip', 'netns', 'exec', 'dgdp-dp', DP, '-c', conf, '--',
         '--no-huge', '--no-pci', '--lcores', lcores, '-m', '256',
         '--file-prefix=dgdp-int', '--log-level=lib.eal:error',
         f'--vdev=net_af_packet0,iface=dgdp-d0,qpairs={nlcores}'],
        stdout=log, stderr=subprocess.STDOUT)
    procs.append(p)
    deadline = time.time() + 20
    while time.time() < deadline:
        if p.poll() is not None:
            raise RuntimeError('drongo-dp exited: ' +
                               open(log.name).read()[-2000:])
        if dpctl('info', check=False).returncode == 0 and \
           sh('ip -n dgdp-dp link show dgdp-tap', check=False).returncode == 0:
            break
        time.sleep(0.2)
    else:
        raise RuntimeError('drongo-dp did not come up')
    sh(f'ip -n dgdp-dp addr add {RELAY}/24 dev dgdp-tap')
    sh('ip -n dgdp-dp link set dgdp-tap up')
    sh('ip -n dgdp-dp route add default via 10.77.0.1 dev dgdp-tap')
    sh(f'ip -n dgdp-dp addr add {RELAY6}/64 dev dgdp-tap nodad')
    return log.name


def dpctl(*args, check=True):
    r = subprocess.run([DPCTL, '--instance', INSTANCE] + list(args),
                       capture_output=True, text=True, timeout=30)
    if check and r.returncode != 0:
        raise RuntimeError(f'dpctl {args}: {r.returncode} {r.stderr}')
    return r


def kv(line):
    return dict(w.split('=', 1) for w in line.split() if '=' in w)


def main_stats():
    for line in dpctl('stats').stdout.splitlines():
        if line.startswith('main '):
            return {k: int(v) for k, v in kv(line).items() if v.isdigit()}
    raise RuntimeError('no main statistics')


def rtp(seq):
    return struct.pack('!BBHII', 0x80, 0, seq, seq * 160, 0x1234) + \
        bytes((seq + i) & 0xff for i in range(160))


def family(addr):
    return socket.AF_INET6 if ':' in addr else socket.AF_INET


def receiver(addr, port, count, ready_path, timeout):
    s = socket.socket(family(addr), socket.SOCK_DGRAM)
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
    s = socket.socket(family(addr), socket.SOCK_DGRAM)
    s.bind((addr, port))
    for p in payloads:
        s.sendto(p, (dst, dport))
        time.sleep(gap)
    return len(payloads)


def wait_file(path, timeout=5):
    deadline = time.time() + timeout
    while not os.path.exists(path) and time.time() < deadline:
        time.sleep(0.02)
    return os.path.exists(path)


def relay_once(workdir, src_ns, src, sport, dst_ns, dst, dport, relay_in,
               relay_out, first_seq, n=20, relay_src=RELAY, relay_dst=RELAY):
    """n RTP packets from src:sport to relay_src:relay_in must reach
    dst:dport from relay_dst:relay_out, in order and unchanged."""
    ready = os.path.join(workdir, f'ready-{dst_ns}-{first_seq}')
    rx = in_ns(dst_ns, receiver, dst, dport, n, ready, 5)
    if not wait_file(ready):
        raise RuntimeError('receiver not ready')
    pkts = [rtp(first_seq + i) for i in range(n)]
    ns_result(in_ns(src_ns, sender, src, sport, relay_src, relay_in, pkts,
                    0.01))
    got = ns_result(rx)
    check(len(got) == n, f'{src}->{dst}: {len(got)} of {n} packets relayed')
    for i, (data, frm) in enumerate(got):
        check(tuple(frm[:2]) == (relay_dst, relay_out),
              f'packet {i} came from {frm}, not {(relay_dst, relay_out)}')
        check(data == pkts[i], f'packet {i}: payload or order differs')


def check(cond, what):
    if not cond:
        failures.append(what)
        print('FAIL:', what)


def test(workdir):
    setup()
    log = start_dp(workdir)

    # Ping from host A: the gateway ARPs for the relay, drongo-dp answers
    # both the ARP and the echo.
    sh('ip -n dgdp-gw neigh flush dev dgdp-g0')
    before = main_stats()
    r = sh('ip netns exec dgdp-a ping -c 3 -i 0.2 -W 2 10.77.0.2',
           check=False)
    check(r.returncode == 0, 'ping of the relay address: ' + r.stdout[-300:])
    after = main_stats()
    check(after['icmp_echo_replies'] - before['icmp_echo_replies'] >= 3,
          f'echo replies counted: {before} -> {after}')
    check(after['arp_replies'] > before['arp_replies'],
          f'ARP replies counted: {before} -> {after}')
    neigh = sh('ip -n dgdp-gw neigh show 10.77.0.2').stdout
    check('lladdr' in neigh, 'gateway resolved the relay: ' + neigh)

    # A session through drongo-dpctl, RTP both ways.
    out = dpctl('create', '--leg0', f'relay={RELAY}', f'peer={A}:4000',
                '--leg1', f'relay={RELAY}', f'peer={B}:5000',
                '--timeout-start', '20', '--timeout-stop', '2').stdout
    s = kv(out.strip().splitlines()[-1])
    sid, p0, p1 = s['session'], int(s['leg0_rtp']), int(s['leg1_rtp'])
    check(40000 <= p0 <= 40959 and 40000 <= p1 <= 40959,
          f'relay ports in range: {out}')
    relay_once(workdir, 'dgdp-a', A, 4000, 'dgdp-b', B, 5000, p0, p1, 1)
    relay_once(workdir, 'dgdp-b', B, 5000, 'dgdp-a', A, 4000, p1, p0, 100)
    show = dpctl('show', sid).stdout
    check('leg0_rx_pkts=20' in show and 'leg1_rx_pkts=20' in show,
          'session counters: ' + show)

    # Media stops: the timeout event (stop timeout 2 s) is reported.
    w = dpctl('watch', '--count', '1', '--for', '10', check=False)
    check(re.search(rf'event=media_timeout session={sid}\b.*reason=stopped',
                    w.stdout) is not None,
          f'media timeout event: rc={w.returncode} {w.stdout} {w.stderr}')
    check(dpctl('show', sid, check=False).returncode != 0,
          'session gone after its timeout')

    # IPv6: the gateway's neighbour solicitation and ping -6 are answered
    # by drongo-dp, and an IPv6 leg is bridged to an IPv4 one.
    sh('ip -n dgdp-gw -6 neigh flush dev dgdp-g0')
    before = main_stats()
    r = sh(f'ip netns exec dgdp-a ping -6 -c 3 -i 0.2 -W 2 {RELAY6}',
           check=False)
    check(r.returncode == 0, 'ping -6 of the relay address: ' +
          r.stdout[-300:])
    after = main_stats()
    check(after['icmp_echo_replies'] - before['icmp_echo_replies'] >= 3,
          f'ICMPv6 echo replies counted: {before} -> {after}')
    check(after['arp_replies'] > before['arp_replies'],
          f'neighbour advertisements counted: {before} -> {after}')
    out = dpctl('create', '--leg0', f'relay={RELAY6}', f'peer=[{A6}]:4002',
                '--leg1', f'relay={RELAY}', f'peer={B}:5002',
                '--timeout-start', '20', '--timeout-stop', '20').stdout
    s6 = kv(out.strip().splitlines()[-1])
    p0, p1 = int(s6['leg0_rtp']), int(s6['leg1_rtp'])
    relay_once(workdir, 'dgdp-a', A6, 4002, 'dgdp-b', B, 5002, p0, p1, 200,
               relay_src=RELAY6, relay_dst=RELAY)
    relay_once(workdir, 'dgdp-b', B, 5002, 'dgdp-a', A6, 4002, p1, p0, 300,
               relay_src=RELAY, relay_dst=RELAY6)
    dpctl('delete', s6['session'])

    # Non-media to the relay address reaches the kernel through the TAP.
    before = main_stats()
    ready = os.path.join(workdir, 'ready-kernel')
    rx = in_ns('dgdp-dp', receiver, RELAY, 5555, 1, ready, 5)
    wait_file(ready)
    ns_result(in_ns('dgdp-a', sender, A, 6000, RELAY, 5555,
                    [b'not media'], 0))
    got = ns_result(rx)
    check(len(got) == 1 and got[0][0] == b'not media' and
          got[0][1] == (A, 6000), f'kernel socket got {got}')
    after = main_stats()
    check(after['to_kernel'] > before['to_kernel'],
          f'to_kernel counted: {before} -> {after}')
    if failures:
        print(open(log).read()[-3000:])


def test_dispatch(workdir):
    """Two workers, software dispatch: the main lcore hands each packet to
    the worker owning its port; a session on each worker relays."""
    for p in procs:
        p.send_signal(signal.SIGTERM)
        p.wait(10)
    log = start_dp(workdir, nlcores=3, steering='software', tag='dp2')
    started = open(log).read()
    check('workers=2 steering=software' in started,
          'two workers with software dispatch: ' + started[-500:])
    seen = set()
    for w in (0, 1):
        out = dpctl('create', '--worker', str(w), '--leg0', f'relay={RELAY}',
                    f'peer={A}:{4010 + w}', '--leg1', f'relay={RELAY}',
                    f'peer={B}:{5010 + w}').stdout
        s = kv(out.strip().splitlines()[-1])
        check(s['worker'] == str(w), f'session on worker {w}: {out}')
        p0, p1 = int(s['leg0_rtp']), int(s['leg1_rtp'])
        seen.add(p0)
        relay_once(workdir, 'dgdp-a', A, 4010 + w, 'dgdp-b', B, 5010 + w,
                   p0, p1, 400 + 100 * w)
        relay_once(workdir, 'dgdp-b', B, 5010 + w, 'dgdp-a', A, 4010 + w,
                   p1, p0, 450 + 100 * w)
    check(len(seen) == 2, f'ports of both workers differ: {seen}')
    if failures:
        print(open(log).read()[-3000:])


def test_dispatch_one(workdir):
    """One worker, steering 'dispatch': drongo-dp reports software steering
    (not direct), so the main lcore reads the port and hands media to the
    worker's ring; a session relays both ways through that hop."""
    for p in procs:
        p.send_signal(signal.SIGTERM)
        p.wait(10)
    log = start_dp(workdir, nlcores=2, steering='dispatch', tag='dp3')
    started = open(log).read()
    check('workers=1 steering=software' in started,
          'one worker with software dispatch: ' + started[-500:])
    out = dpctl('create', '--leg0', f'relay={RELAY}', f'peer={A}:4020',
                '--leg1', f'relay={RELAY}', f'peer={B}:5020').stdout
    s = kv(out.strip().splitlines()[-1])
    p0, p1 = int(s['leg0_rtp']), int(s['leg1_rtp'])
    relay_once(workdir, 'dgdp-a', A, 4020, 'dgdp-b', B, 5020, p0, p1, 600)
    relay_once(workdir, 'dgdp-b', B, 5020, 'dgdp-a', A, 4020, p1, p0, 650)
    if failures:
        print(open(log).read()[-3000:])


def main():
    if os.geteuid() != 0:
        print('needs root (network namespaces)')
        return 77
    for path in (DP, DPCTL):
        if not os.access(path, os.X_OK):
            print(f'missing {path}')
            return 1
    with tempfile.TemporaryDirectory(prefix='dgdp-') as workdir:
        try:
            test(workdir)
            test_dispatch(workdir)
            test_dispatch_one(workdir)
        except Exception as e:
            failures.append(repr(e))
            print('ERROR:', e)
        finally:
            cleanup()
    print('FAILED' if failures else 'PASSED', f'({len(failures)} failures)')
    return 1 if failures else 0


if __name__ == '__main__':
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(1))
    sys.exit(main())

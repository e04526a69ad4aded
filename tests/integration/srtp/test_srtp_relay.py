#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""SRTP and SRTCP through drongo-dp, against libsrtp2 at both ends.

Topology (all names start with dgsr-):
  dgsr-a (10.79.1.2, stranger 10.79.1.3) --- dgsr-gw --- dgsr-b (10.79.2.2)
                                               |
                      dgsr-dp: drongo-dp on net_af_packet over dgsr-d0,
                      relay address 10.79.0.2, exception TAP dgsr-tap
The hosts run srtp-peer (built next to this script), which protects and
unprotects with libsrtp2, an implementation independent of drongo-dp's
engines; every check compares the bytes received (after unprotecting)
with the bytes sent, their order, their source and their wire length.
Checked, for each of drongo-dp's SRTP engines (cryptodev, libsrtp):
  1. SRTP in, plain RTP out and back (AES_CM_128_HMAC_SHA1_80), with SRTCP
     in, plain RTCP out and back;
  2. SRTP to SRTP re-keyed (different keys on each leg) both ways for
     AES_CM_128_HMAC_SHA1_80, AES_CM_128_HMAC_SHA1_32, AEAD_AES_128_GCM
     and a leg of each of two suites, with SRTCP the same way; the
     sequence number wrapping (rollover counter) both ways;
  3. a stranger's forged SRTP (wrong key, corrupted tag, plain RTP) and a
     replay, inside an open latch window after the peer went quiet: not
     relayed, the latched peer does not move (the return media still
     reaches the real peer, none reaches the stranger), the legitimate
     stream goes on undisturbed, and the session's and the worker's
     srtp_auth / srtp_replay counters move by exactly what was sent; as a
     control, an authentic packet from the stranger does move the peer;
  4. a new SSRC under the same keys (a restarted stream): relayed both
     ways, RTP and SRTCP, byte for byte, while the first SSRC keeps flowing
     (see test_ssrc_change).

Usage: test_srtp_relay.py PATH/TO/drongo-dp [PATH/TO/drongo-dpctl]
                          [PATH/TO/srtp-peer]
"""
import base64
import os
import signal
import struct
import subprocess
import sys
import tempfile
import time

DP = os.path.abspath(sys.argv[1])
BUILD = os.path.dirname(os.path.dirname(DP))
DPCTL = (os.path.abspath(sys.argv[2]) if len(sys.argv) > 2 else
         os.path.join(BUILD, 'shared', 'tools', 'dpctl', 'drongo-dpctl'))
PEER = (os.path.abspath(sys.argv[3]) if len(sys.argv) > 3 else
        os.path.join(BUILD, 'tests', 'integration', 'srtp', 'srtp-peer'))
INSTANCE = '11'
NSS = ['dgsr-gw', 'dgsr-a', 'dgsr-b', 'dgsr-dp']
RELAY = '10.79.0.2'
A, B, STRANGER = '10.79.1.2', '10.79.2.2', '10.79.1.3'
N = 20

KEY_LEN = {'AES_CM_128_HMAC_SHA1_80': 30, 'AES_CM_128_HMAC_SHA1_32': 30,
           'AEAD_AES_128_GCM': 28}
# Bytes added on the wire: (SRTP tag, SRTCP index + tag).
OVERHEAD = {'NONE': (0, 0), 'AES_CM_128_HMAC_SHA1_80': (10, 14),
            'AES_CM_128_HMAC_SHA1_32': (4, 14),
            'AEAD_AES_128_GCM': (16, 20)}

procs = []
failures = []


def sh(cmd, check=True):
    r = subprocess.run(cmd, shell=True, capture_output=True, text=True)
    if check and r.returncode != 0:
        raise RuntimeError(f'{cmd}: {r.returncode} {r.stderr.strip()}')
    return r


def check(cond, what):
    if not cond:
        failures.append(what)
        print('FAIL:', what, flush=True)
    return cond


def cleanup():
    for p in procs:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
    procs.clear()
    for ns in NSS:
        sh(f'ip netns del {ns}', check=False)


def tx_csum_off(ns, ifname):
    """ethtool -K IF tx off inside ns: a veth hands packets over with only
    the pseudo-header sum in the UDP checksum, which a packet socket
    passes on as is; real NICs deliver complete sums."""
    code = f'''
import array, fcntl, socket, struct
ev = array.array("I", [0x17, 0])
ifr = struct.pack("16sP", b"{ifname}", ev.buffer_info()[0])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
fcntl.ioctl(s.fileno(), 0x8946, ifr + bytes(40 - len(ifr)))
'''
    sh(f"ip netns exec {ns} {sys.executable} -c '{code}'")


def setup():
    cleanup()
    for ns in NSS:
        sh(f'ip netns add {ns}')
        sh(f'ip -n {ns} link set lo up')
    for here, there, ns in (('d0', 'g0', 'dgsr-dp'), ('a0', 'ga', 'dgsr-a'),
                            ('b0', 'gb', 'dgsr-b')):
        sh(f'ip link add dgsr-{here} type veth peer name dgsr-{there}')
        sh(f'ip link set dgsr-{here} netns {ns}')
        sh(f'ip link set dgsr-{there} netns dgsr-gw')
        sh(f'ip -n {ns} link set dgsr-{here} up')
        sh(f'ip -n dgsr-gw link set dgsr-{there} up')
    sh('ip -n dgsr-gw addr add 10.79.0.1/24 dev dgsr-g0')
    sh('ip -n dgsr-gw addr add 10.79.1.1/24 dev dgsr-ga')
    sh('ip -n dgsr-gw addr add 10.79.2.1/24 dev dgsr-gb')
    sh('ip netns exec dgsr-gw sysctl -qw net.ipv4.ip_forward=1')
    sh(f'ip -n dgsr-a addr add {A}/24 dev dgsr-a0')
    sh(f'ip -n dgsr-a addr add {STRANGER}/24 dev dgsr-a0')
    sh('ip -n dgsr-a route add default via 10.79.1.1')
    sh(f'ip -n dgsr-b addr add {B}/24 dev dgsr-b0')
    sh('ip -n dgsr-b route add default via 10.79.2.1')
    tx_csum_off('dgsr-a', 'dgsr-a0')
    tx_csum_off('dgsr-b', 'dgsr-b0')
    # The kernel of dgsr-dp must not answer on the DPDK port itself.
    sh('ip netns exec dgsr-dp sysctl -qw net.ipv4.conf.all.rp_filter=1')
    sh('ip netns exec dgsr-dp sysctl -qw net.ipv4.conf.dgsr-d0.rp_filter=1')
    sh('ip netns exec dgsr-dp sysctl -qw net.ipv4.conf.dgsr-d0.arp_ignore=8')
    sh('ip netns exec dgsr-dp sysctl -qw '
       'net.ipv6.conf.dgsr-d0.disable_ipv6=1')


def dpctl(*args, check_rc=True):
    r = subprocess.run([DPCTL, '--instance', INSTANCE] + list(args),
                       capture_output=True, text=True, timeout=30)
    if check_rc and r.returncode != 0:
        raise RuntimeError(f'dpctl {args}: {r.returncode} {r.stderr}')
    return r


def kv(line):
    return dict(w.split('=', 1) for w in line.split() if '=' in w)


def start_dp(workdir, engine):
    conf = os.path.join(workdir, f'dp-{engine}.yaml')
    with open(conf, 'w') as f:
        f.write(f"""instance: {INSTANCE}
port: net_af_packet0
addresses: [{RELAY}/24]
gateway4: 10.79.0.1
sessions_per_worker: 256
port_min: 41000
port_max: 41999
latch_window: 3s
latch_quiet: 500ms
arp_refresh: 5s
mbufs: 4095
exception_tap: dgsr-tap
srtp: {engine}
srtp_contexts: 64
""")
    log = open(os.path.join(workdir, f'dp-{engine}.log'), 'w')
    ncpu = os.cpu_count() or 1
    p = subprocess.Popen(
        ['ip', 'netns', 'exec', 'dgsr-dp', DP, '-c', conf, '--',
         '--no-huge', '--no-pci', '--lcores', f'0@0,1@{1 % ncpu}',
         '-m', '256', '--file-prefix=dgsr-int', '--log-level=lib.eal:error',
         '--vdev=net_af_packet0,iface=dgsr-d0,qpairs=2'],
        stdout=log, stderr=subprocess.STDOUT)
    procs.append(p)
    deadline = time.time() + 30
    while time.time() < deadline:
        if p.poll() is not None:
            raise RuntimeError('drongo-dp exited: ' +
                               open(log.name).read()[-2000:])
        if dpctl('info', check_rc=False).returncode == 0 and \
           sh('ip -n dgsr-dp link show dgsr-tap', check=False).returncode == 0:
            break
        time.sleep(0.2)
    else:
        raise RuntimeError('drongo-dp did not come up')
    sh(f'ip -n dgsr-dp addr add {RELAY}/24 dev dgsr-tap')
    sh('ip -n dgsr-dp link set dgsr-tap up')
    # The gateway learns the relay's MAC from drongo-dp's ARP answer.
    sh('ip netns exec dgsr-a ping -c 1 -W 2 10.79.0.2', check=False)
    return p, log.name


def stop_dp(p, log):
    p.send_signal(signal.SIGTERM)
    try:
        p.wait(15)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
        raise RuntimeError('drongo-dp did not stop on SIGTERM')
    check(p.returncode == 0, f'drongo-dp exit status {p.returncode}')
    procs.remove(p)
    # A sanitizer build reports undefined behaviour without failing.
    text = open(log, errors='replace').read()
    check('runtime error:' not in text and 'Sanitizer' not in text,
          'drongo-dp sanitizer report: ' + text[-3000:])


def newkey(suite):
    return os.urandom(KEY_LEN[suite])


def srtp_word(suite, kin, kout):
    return (f'srtp={suite}:{base64.b64encode(kin).decode()}:'
            f'{base64.b64encode(kout).decode()}')


def rtp(n, ssrc=0x1234):
    return struct.pack('!BBHII', 0x80, 0, n & 0xffff, (n * 160) & 0xffffffff,
                       ssrc) + bytes((n + i) & 0xff for i in range(160))


def rtcp(n, ssrc=0x1234):
    m = 0xffffffff
    return struct.pack('!BBHIIIIII', 0x80, 200, 6, ssrc, n, (n * 7) & m,
                       (n * 160) & m, n, (n * 160) & m)


def peer_args(suite, key):
    if suite == 'NONE':
        return []
    return ['--suite', suite, '--key', key.hex()]


def recv_start(ns, addr, port, suite='NONE', key=None, is_rtcp=False,
               count=N, timeout_ms=4000):
    """srtp-peer recv in ns, returned once its socket is bound."""
    cmd = ['ip', 'netns', 'exec', ns, PEER, 'recv', '--bind',
           f'{addr}:{port}', '--count', str(count), '--timeout-ms',
           str(timeout_ms)] + peer_args(suite, key)
    if is_rtcp:
        cmd.append('--rtcp')
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True)
    procs.append(p)
    line = p.stdout.readline()
    if line.strip() != 'ready':
        raise RuntimeError(f'receiver did not start: {line} '
                           f'{p.stderr.read()}')
    return p


def recv_result(p):
    """[(source, wire length, libsrtp2 status, bytes)] of a receiver."""
    out, err = p.communicate(timeout=70)
    procs.remove(p)
    if p.returncode != 0:
        raise RuntimeError(f'receiver failed: {p.returncode} {err}')
    got = []
    for line in out.splitlines():
        if line.startswith('pkt '):
            f = kv(line)
            host, port = f['src'].rsplit(':', 1)
            got.append(((host, int(port)), int(f['wire_len']),
                        int(f['status']), bytes.fromhex(f['hex'])))
    return got


def send(ns, addr, port, to_port, suite='NONE', key=None, is_rtcp=False,
         first=1, count=N, forge=False, gap_us=2000, ssrc=0x1234):
    cmd = ['ip', 'netns', 'exec', ns, PEER, 'send', '--bind',
           f'{addr}:{port}', '--to', f'{RELAY}:{to_port}', '--first',
           str(first), '--count', str(count), '--gap-us', str(gap_us),
           '--ssrc', str(ssrc)] + peer_args(suite, key)
    if is_rtcp:
        cmd.append('--rtcp')
    if forge:
        cmd.append('--forge')
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
    if r.returncode != 0 or f'sent={count}' not in r.stdout:
        raise RuntimeError(f'sender failed: {r.returncode} {r.stderr}')


class Leg:
    """One side of a session: the host's namespace, address and ports,
    the suite, the key it protects with (kin: the relay's ingress key)
    and the key the relay protects with toward it (kout)."""

    def __init__(self, ns, addr, port, suite='NONE'):
        self.ns, self.addr, self.port, self.suite = ns, addr, port, suite
        self.kin = newkey(suite) if suite != 'NONE' else None
        self.kout = newkey(suite) if suite != 'NONE' else None
        self.relay_rtp = self.relay_rtcp = None

    def words(self, peer=True):
        w = [f'relay={RELAY}']
        if peer:
            w.append(f'peer={self.addr}:{self.port}')
        if self.suite != 'NONE':
            w.append(srtp_word(self.suite, self.kin, self.kout))
        return w


def create(l0, l1, extra=(), peer0=True, opts=()):
    out = dpctl('create', *opts, '--leg0', *l0.words(peer0), *extra,
                '--leg1', *l1.words(), '--timeout-start', '60',
                '--timeout-stop', '60').stdout
    s = kv(out.strip().splitlines()[-1])
    l0.relay_rtp, l0.relay_rtcp = int(s['leg0_rtp']), int(s['leg0_rtcp'])
    l1.relay_rtp, l1.relay_rtcp = int(s['leg1_rtp']), int(s['leg1_rtcp'])
    return s['session']


def flow(what, src, dst, first, is_rtcp=False, count=N, ssrc=0x1234):
    """count packets from src's host through the relay to dst's host:
    all arrive, in order, from the relay's port of dst's leg, with the
    wire length of dst's suite, and unprotect (libsrtp2, dst's kout) to
    exactly the bytes src built."""
    sport = src.port + (1 if is_rtcp else 0)
    dport = dst.port + (1 if is_rtcp else 0)
    rin = src.relay_rtcp if is_rtcp else src.relay_rtp
    rout = dst.relay_rtcp if is_rtcp else dst.relay_rtp
    rx = recv_start(dst.ns, dst.addr, dport, dst.suite, dst.kout, is_rtcp,
                    count)
    send(src.ns, src.addr, sport, rin, src.suite, src.kin, is_rtcp, first,
         count, ssrc=ssrc)
    got = recv_result(rx)

    def build(n):
        return rtcp(n, ssrc) if is_rtcp else rtp(n, ssrc)
    plain_len = len(build(0))
    wire = plain_len + OVERHEAD[dst.suite][1 if is_rtcp else 0]
    ok = check(len(got) == count,
               f'{what}: {len(got)} of {count} packets arrived')
    for i, (frm, wlen, status, data) in enumerate(got):
        ok = check(frm == (RELAY, rout),
                   f'{what}: packet {i} from {frm}, not {(RELAY, rout)}') \
            and ok
        ok = check(status == 0, f'{what}: packet {i} did not unprotect '
                   f'(libsrtp2 status {status})') and ok
        ok = check(wlen == wire,
                   f'{what}: packet {i} wire length {wlen}, not {wire}') \
            and ok
        ok = check(data == build(first + i),
                   f'{what}: packet {i} bytes or order differ: '
                   f'{data[:16].hex()} vs {build(first + i)[:16].hex()}') \
            and ok
        if not ok:
            break
    if ok:
        print(f'ok: {what} ({count} packets)', flush=True)


def show(sid):
    """The session's fields (drop counters are printed when not zero)."""
    return kv(dpctl('show', sid).stdout)


def worker_drops():
    for line in dpctl('stats').stdout.splitlines():
        if line.startswith('worker=0 '):
            return {k: int(v) for k, v in kv(line).items() if v.isdigit()}
    raise RuntimeError('no worker statistics')


def test_plain_side(engine):
    """1 (and 4): SRTP <-> plain RTP, SRTCP <-> plain RTCP."""
    a = Leg('dgsr-a', A, 4000, 'AES_CM_128_HMAC_SHA1_80')
    b = Leg('dgsr-b', B, 5000)
    sid = create(a, b)
    flow(f'{engine} SRTP 80 -> RTP', a, b, 1)
    flow(f'{engine} RTP -> SRTP 80', b, a, 1000)
    flow(f'{engine} SRTCP 80 -> RTCP', a, b, 1, is_rtcp=True)
    flow(f'{engine} RTCP -> SRTCP 80', b, a, 500, is_rtcp=True)
    s = show(sid)
    check(s.get('leg0_rx_pkts') == str(2 * N) and
          s.get('leg1_rx_pkts') == str(2 * N),
          f'{engine}: session counters after 1: {s}')
    dpctl('delete', sid)


def test_rekey(engine, suite0, suite1, port):
    """2 (and 4): SRTP -> SRTP with other keys (and maybe another suite)
    on each leg, both ways, RTP and RTCP."""
    a = Leg('dgsr-a', A, port, suite0)
    b = Leg('dgsr-b', B, port + 1000, suite1)
    sid = create(a, b)
    name = f'{engine} {suite0}/{suite1}'
    flow(f'{name} SRTP A->B', a, b, 1)
    flow(f'{name} SRTP B->A', b, a, 3000)
    flow(f'{name} SRTCP A->B', a, b, 7, is_rtcp=True)
    flow(f'{name} SRTCP B->A', b, a, 70, is_rtcp=True)
    # The relay holds on to each stream's state: more of the same later.
    flow(f'{name} SRTP A->B again', a, b, 1 + N)
    s = show(sid)
    check(s.get('leg0_drop_srtp_auth', '0') == '0' and
          s.get('leg1_drop_srtp_auth', '0') == '0',
          f'{name}: no authentication failures: {s}')
    dpctl('delete', sid)


def test_rollover(engine, suite, port):
    """SRTP sequence numbers wrapping through 65535 -> 0 within one
    stream: the relay's rollover counters (unprotect and protect) follow
    libsrtp2's. (Each srtp-peer run starts its own rollover counter at 0,
    so a stream is not continued past the wrap by a second run.)"""
    a = Leg('dgsr-a', A, port, suite)
    b = Leg('dgsr-b', B, port + 1000, suite)
    sid = create(a, b)
    flow(f'{engine} {suite} rollover A->B', a, b, 65516, count=40)
    flow(f'{engine} {suite} rollover B->A', b, a, 65526, count=20)
    dpctl('delete', sid)


def test_ssrc_change(engine, suite, port):
    """A sender starting a new stream (another SSRC, RFC 3550 8.2) under
    the same SDES keys, as a restarted phone or a transfer behind a B2BUA
    does. SDES keys are not bound to an SSRC (RFC 4568), so drongo-dp serves
    several SSRCs per keyed direction, each with its own rollover counter,
    replay window and SRTCP index (dataplane/srtp/dp_srtp.h): the new
    stream's RTP and SRTCP are relayed both ways, byte for byte, and the
    first stream keeps flowing between its rounds, with no drop counted."""
    a = Leg('dgsr-a', A, port, suite)
    b = Leg('dgsr-b', B, port + 1000, suite)
    sid = create(a, b)
    name = f'{engine} {suite}'
    old, new_a, new_b = 0x1234, 0xabcdef01, 0x5eed
    flow(f'{name} first SSRC A->B', a, b, 1, count=10)
    flow(f'{name} first SSRC B->A', b, a, 500, count=10)
    # The two streams of each direction alternate, each going on where it
    # stopped: every round exercises both SSRCs' state in one context.
    for r in range(3):
        flow(f'{name} new SSRC A->B round {r}', a, b, 9000 + 5 * r, count=5,
             ssrc=new_a)
        flow(f'{name} first SSRC A->B round {r}', a, b, 11 + 5 * r, count=5,
             ssrc=old)
        flow(f'{name} new SSRC B->A round {r}', b, a, 7000 + 5 * r, count=5,
             ssrc=new_b)
        flow(f'{name} first SSRC B->A round {r}', b, a, 510 + 5 * r,
             count=5, ssrc=old)
    flow(f'{name} new SSRC SRTCP A->B', a, b, 40, is_rtcp=True, count=5,
         ssrc=new_a)
    flow(f'{name} new SSRC SRTCP B->A', b, a, 60, is_rtcp=True, count=5,
         ssrc=new_b)
    flow(f'{name} first SSRC SRTCP A->B', a, b, 80, is_rtcp=True, count=5,
         ssrc=old)
    s = show(sid)
    check(not any(k.startswith(('leg0_drop', 'leg1_drop')) for k in s),
          f'{name}: no packet of either SSRC dropped: {s}')
    dpctl('delete', sid)


def expect_nothing(ns, addr, port, suite, key, what, wait_ms=1500):
    return recv_start(ns, addr, port, suite, key, count=1,
                      timeout_ms=wait_ms), what


def expect_nothing_done(handle):
    p, what = handle
    got = recv_result(p)
    check(got == [], f'{what}: got {len(got)} packets: '
          f'{[(g[0], g[1]) for g in got]}')


def test_stranger(engine):
    """3: forged SRTP from a stranger inside the latch window neither
    passes nor moves the latched peer; an authentic one does."""
    a = Leg('dgsr-a', A, 4100, 'AES_CM_128_HMAC_SHA1_80')
    b = Leg('dgsr-b', B, 5100, 'AES_CM_128_HMAC_SHA1_80')
    # leg0 learns its peer (no SDP address), in a long latch window.
    sid = create(a, b, extra=['latch'], peer0=False,
                 opts=['--latch-window', '60'])
    before = worker_drops()
    flow(f'{engine} latch: A first', a, b, 1, count=10)
    check(show(sid).get('leg0_peer', '').startswith(f'{A}:4100'),
          f'{engine}: leg0 latched to A: {show(sid)}')
    # The peer goes quiet for longer than latch_quiet (500 ms): from now
    # on an authentic packet from another source may take the stream.
    time.sleep(1.0)
    at_b = expect_nothing('dgsr-b', B, 5100, b.suite, b.kout,
                          f'{engine}: forged packets relayed to B',
                          wait_ms=3000)
    wrong = Leg('dgsr-a', STRANGER, 4100, a.suite)
    # Wrong key; A's key with a corrupted tag (and an index 30000 ahead,
    # which must not move the rollover guess); plain RTP on an SRTP leg.
    send('dgsr-a', STRANGER, 4100, a.relay_rtp, a.suite, wrong.kin,
         first=11, count=10)
    send('dgsr-a', STRANGER, 4100, a.relay_rtp, a.suite, a.kin,
         first=30011, count=10, forge=True)
    send('dgsr-a', STRANGER, 4100, a.relay_rtp, first=11, count=10)
    # A replay of A's own first packets, from A.
    send('dgsr-a', A, 4100, a.relay_rtp, a.suite, a.kin, first=1, count=5)
    expect_nothing_done(at_b)
    s = show(sid)
    check(s.get('leg0_peer', '').startswith(f'{A}:4100'),
          f'{engine}: forged packets moved the peer: {s}')
    check(s.get('leg0_drop_srtp_auth') == '30',
          f'{engine}: leg0 srtp_auth drops 30: {s}')
    check(s.get('leg0_drop_srtp_replay') == '5',
          f'{engine}: leg0 srtp_replay drops 5: {s}')
    after = worker_drops()
    check(after['drop_srtp_auth'] - before['drop_srtp_auth'] == 30 and
          after['drop_srtp_replay'] - before['drop_srtp_replay'] == 5,
          f'{engine}: worker drop counters {before} -> {after}')
    # Return media goes to A, none to the stranger.
    at_s = expect_nothing('dgsr-a', STRANGER, 4100, a.suite, a.kout,
                          f'{engine}: return media reached the stranger')
    flow(f'{engine} latch: B -> A after the forgeries', b, a, 100)
    expect_nothing_done(at_s)
    # A's stream goes on where it was.
    flow(f'{engine} latch: A on after the forgeries', a, b, 11)
    # Control: the stranger with A's key after a quiet second is authentic
    # and, inside the window, takes the stream: the checks above can fail.
    time.sleep(1.0)
    stranger = Leg('dgsr-a', STRANGER, 4100, a.suite)
    stranger.kin, stranger.kout = a.kin, a.kout
    stranger.relay_rtp, stranger.relay_rtcp = a.relay_rtp, a.relay_rtcp
    flow(f'{engine} latch control: authentic stranger -> B', stranger, b,
         40, count=5)
    check(show(sid).get('leg0_peer', '').startswith(f'{STRANGER}:4100'),
          f'{engine}: authentic stranger latched: {show(sid)}')
    flow(f'{engine} latch control: B -> stranger', b, stranger, 200,
         count=5)
    dpctl('delete', sid)


def run_engine(workdir, engine):
    p, log = start_dp(workdir, engine)
    nfail = len(failures)
    try:
        test_plain_side(engine)
        test_rekey(engine, 'AES_CM_128_HMAC_SHA1_80',
                   'AES_CM_128_HMAC_SHA1_80', 4010)
        test_rekey(engine, 'AEAD_AES_128_GCM', 'AEAD_AES_128_GCM', 4020)
        test_rekey(engine, 'AES_CM_128_HMAC_SHA1_32',
                   'AES_CM_128_HMAC_SHA1_32', 4030)
        test_rekey(engine, 'AES_CM_128_HMAC_SHA1_80', 'AEAD_AES_128_GCM',
                   4040)
        test_rollover(engine, 'AES_CM_128_HMAC_SHA1_80', 4050)
        test_rollover(engine, 'AEAD_AES_128_GCM', 4060)
        test_stranger(engine)
        test_ssrc_change(engine, 'AES_CM_128_HMAC_SHA1_80', 4070)
        test_ssrc_change(engine, 'AEAD_AES_128_GCM', 4080)
        st = worker_drops()
        check(st['srtp_unprotected'] > 0 and st['srtp_protected'] > 0,
              f'{engine}: worker SRTP counters: {st}')
    finally:
        if len(failures) != nfail:
            print(open(log).read()[-3000:])
        stop_dp(p, log)


def main():
    if os.geteuid() != 0:
        print('needs root (network namespaces)')
        return 77
    for path in (DP, DPCTL, PEER):
        if not os.access(path, os.X_OK):
            print(f'missing {path}')
            return 1
    with tempfile.TemporaryDirectory(prefix='dgsr-') as workdir:
        try:
            setup()
            for engine in ('cryptodev', 'libsrtp'):
                run_engine(workdir, engine)
        except Exception as e:
            failures.append(repr(e))
            print('ERROR:', e, flush=True)
        finally:
            cleanup()
    print('FAILED' if failures else 'PASSED', f'({len(failures)} failures)')
    return 1 if failures else 0


if __name__ == '__main__':
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(1))
    sys.exit(main())

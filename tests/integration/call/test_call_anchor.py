#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""A whole call through the appliance: drongo in role edge anchoring media
in a real drongo-dp (net_af_packet in network namespaces).

Topology (all names start with dgcall-):
  dgcall-a (10.76.1.2) --- dgcall-gw (.1.1 .2.1 .0.1) --- dgcall-b (10.76.2.2)
                                  |
                  dgcall-dp: drongo-dp over dgcall-d0, relay 10.76.0.2
drongo runs in the root namespace (the shared-memory region is not
namespaced) with SIP on 127.0.0.1; the two user agents speak SIP from
127.0.0.1 sockets and put their namespace addresses in SDP, so that RTP
runs A <-> relay <-> B. Checked: before drongo-dp runs, an INVITE with SDP
gets 503 and OPTIONS still 200; with it, the callee sees an offer and the
caller an answer pointing at the relay; RTP sent by each side reaches the
other from the relay's address and the port that side was given; a BYE
releases the data-plane sessions; a call whose media never flows is ended
by drongo with a BYE to each side carrying the media-timeout Reason, and
its sessions are gone; an answer that cannot be anchored never reaches
the caller and takes the session and the proxy's dialog with it
(/api/dialogs).

Usage: test_call_anchor.py PATH/TO/drongo [PATH/TO/drongo-dp [PATH/TO/drongo-dpctl]]
"""
import json
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
from netns_exec import in_ns, ns_result  # noqa: E402
import scenario  # noqa: E402
from scenario import check, failures, procs, sh, stop  # noqa: E402

DRONGO = os.path.abspath(sys.argv[1])
BUILD = os.path.dirname(os.path.dirname(DRONGO))
DP = (os.path.abspath(sys.argv[2]) if len(sys.argv) > 2 else
      os.path.join(BUILD, 'dataplane', 'drongo-dp'))
DPCTL = (os.path.abspath(sys.argv[3]) if len(sys.argv) > 3 else
         os.path.join(BUILD, 'shared', 'tools', 'dpctl', 'drongo-dpctl'))
INSTANCE = '13'
NSS = ['dgcall-gw', 'dgcall-a', 'dgcall-b', 'dgcall-dp']
RELAY = '10.76.0.2'
A, B = '10.76.1.2', '10.76.2.2'
DOMAIN = 'dgcall.test'
TIMEOUT_S = 2
EARLY_S = 4     # the proxy's early-dialog timer (edge.dialog.early_timeout)


def cleanup():
    scenario.cleanup(NSS)


# --- namespaces -------------------------------------------------------------


def setup():
    cleanup()
    scenario.three_party_netns('dgcall', '10.76', A, B)


def dpctl(*args, check=True):
    return scenario.dpctl(DPCTL, INSTANCE, *args, check=check)


def dp_sessions():
    return scenario.dp_sessions(DPCTL, INSTANCE)


def wait_sessions(n, timeout=10):
    return scenario.wait_sessions(DPCTL, INSTANCE, n, timeout)


def start_dp(workdir):
    conf = os.path.join(workdir, 'drongo-dp.yaml')
    with open(conf, 'w') as f:
        f.write(f"""instance: {INSTANCE}
port: net_af_packet0
addresses: [{RELAY}/24]
gateway4: 10.76.0.1
sessions_per_worker: 1024
port_min: 42000
port_max: 42959
latch_window: 3s
arp_refresh: 5s
mbufs: 4095
steering: auto
exception_tap: dgcall-tap
""")
    log = open(os.path.join(workdir, 'dp.log'), 'w')
    p = subprocess.Popen(
        ['ip', 'netns', 'exec', 'dgcall-dp', DP, '-c', conf, '--',
         '--no-huge', '--no-pci', '-l', '0-1', '-m', '256',
         '--file-prefix=dgcall-int', '--log-level=lib.eal:error',
         '--vdev=net_af_packet0,iface=dgcall-d0,qpairs=2'],
        stdout=log, stderr=subprocess.STDOUT)
    procs['dp'] = p
    deadline = time.time() + 20
    while time.time() < deadline:
        if p.poll() is not None:
            raise RuntimeError('drongo-dp exited: ' +
                               open(log.name).read()[-2000:])
        if dpctl('stats', check=False).returncode == 0 and \
           sh('ip -n dgcall-dp link show dgcall-tap', check=False).returncode == 0:
            break
        time.sleep(0.2)
    else:
        raise RuntimeError('drongo-dp did not come up')
    sh(f'ip -n dgcall-dp addr add {RELAY}/24 dev dgcall-tap', check=False)
    sh('ip -n dgcall-dp link set dgcall-tap up')
    sh('ip -n dgcall-dp route add default via 10.76.0.1 dev dgcall-tap',
       check=False)
    # The worker answers ARP and ping only once its loop runs, and commands
    # only then: on a loaded machine that can be seconds after the region
    # appears (drongo attaches at once, so no dpctl round trip here).
    deadline = time.time() + 20
    while time.time() < deadline and sh(
            f'ip netns exec dgcall-gw ping -c1 -W1 {RELAY}',
            check=False).returncode != 0:
        pass


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(('127.0.0.1', 0))
    port = s.getsockname()[1]
    s.close()
    return port


def api_dialogs(hport):
    """The count of the proxy's live dialogs from /api/dialogs."""
    with urllib.request.urlopen(f'http://127.0.0.1:{hport}/api/dialogs',
                                timeout=5) as r:
        return json.loads(r.read().decode())['count']


def start_drongo(workdir, port, hport):
    conf = os.path.join(workdir, 'drongo.yaml')
    with open(conf, 'w') as f:
        f.write(f"""node:
  role: edge
  name: dgcall
sip:
  listen:
    - udp:127.0.0.1:{port}
  domains: [{DOMAIN}]
  t1: 200ms
http:
  listen: ["127.0.0.1:{hport}"]
log:
  level: debug
edge:
  dialog:
    early_timeout: {EARLY_S}s
  registrar:
    min_expires: 60
    max_expires: 3600
    default_expires: 600
media:
  dp_instance: {INSTANCE}
  timeout: {TIMEOUT_S}s
  required: true
""")
    log = open(os.path.join(workdir, 'drongo.log'), 'w')
    procs['drongo'] = subprocess.Popen([DRONGO, '--config', conf],
                                       stdout=log, stderr=subprocess.STDOUT)
    return log.name


# --- a small SIP user agent ---------------------------------------------------

class Msg:
    def __init__(self, data):
        text = data.decode(errors='replace')
        head, _, self.body = text.partition('\r\n\r\n')
        lines = head.split('\r\n')
        self.first = lines[0]
        self.hdrs = []
        for l in lines[1:]:
            k, _, v = l.partition(':')
            self.hdrs.append((k.strip().lower(), v.strip()))
        self.status = (int(self.first.split()[1])
                       if self.first.startswith('SIP/2.0') else 0)
        self.method = '' if self.status else self.first.split()[0]

    def get(self, name):
        return [v for k, v in self.hdrs if k == name.lower()]

    def one(self, name):
        v = self.get(name)
        return v[0] if v else ''


class Ua:
    def __init__(self, name, media_addr, media_port, edge):
        self.name = name
        self.s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.s.bind(('127.0.0.1', 0))
        self.port = self.s.getsockname()[1]
        self.addr = f'127.0.0.1:{self.port}'
        self.media = (media_addr, media_port)
        self.edge = edge
        self.n = 0

    def branch(self):
        self.n += 1
        return f'z9hG4bK{self.name}{os.getpid()}x{self.n}x{time.time_ns()}'

    def send(self, text, body=''):
        if body:
            text += 'Content-Type: application/sdp\r\n'
        text += f'Content-Length: {len(body)}\r\n\r\n{body}'
        self.s.sendto(text.encode(), self.edge)

    def recv(self, pred, timeout=5):
        deadline = time.time() + timeout
        while time.time() < deadline:
            self.s.settimeout(max(0.01, deadline - time.time()))
            try:
                data, _ = self.s.recvfrom(65536)
            except socket.timeout:
                break
            m = Msg(data)
            if pred(m):
                return m
        return None

    def sdp(self, sess):
        a, p = self.media
        return (f'v=0\r\no=- {sess} 1 IN IP4 {a}\r\ns=call\r\n'
                f'c=IN IP4 {a}\r\nt=0 0\r\n'
                f'm=audio {p} RTP/AVP 0 101\r\n'
                'a=rtpmap:0 PCMU/8000\r\n'
                'a=rtpmap:101 telephone-event/8000\r\na=sendrecv\r\n')

    def reply(self, req, code, reason, tag, body='', contact=True):
        text = f'SIP/2.0 {code} {reason}\r\n'
        for v in req.get('via'):
            text += f'Via: {v}\r\n'
        for v in req.get('record-route'):
            text += f'Record-Route: {v}\r\n'
        to = req.one('to')
        if 'tag=' not in to and code > 100:
            to += f';tag={tag}'
        text += (f"From: {req.one('from')}\r\nTo: {to}\r\n"
                 f"Call-ID: {req.one('call-id')}\r\nCSeq: {req.one('cseq')}\r\n")
        if contact:
            text += f'Contact: <sip:{self.name}@{self.addr}>\r\n'
        self.send(text, body)


def sdp_conn(body):
    c = re.search(r'^c=IN IP4 (\S+)\r?$', body, re.M)
    m = re.search(r'^m=audio (\d+) ', body, re.M)
    return (c.group(1) if c else None, int(m.group(1)) if m else None)


def register(ua):
    cid = f'reg-{ua.name}-{os.getpid()}'
    ua.send(f'REGISTER sip:{DOMAIN} SIP/2.0\r\n'
            f'Via: SIP/2.0/UDP {ua.addr};branch={ua.branch()};rport\r\n'
            'Max-Forwards: 70\r\n'
            f'From: <sip:{ua.name}@{DOMAIN}>;tag=r{ua.name}\r\n'
            f'To: <sip:{ua.name}@{DOMAIN}>\r\nCall-ID: {cid}\r\n'
            'CSeq: 1 REGISTER\r\n'
            f'Contact: <sip:{ua.name}@{ua.addr}>\r\nExpires: 600\r\n')
    r = ua.recv(lambda m: m.status >= 200)
    return r.status if r else None


def options(ua, port, timeout=5):
    ua.send(f'OPTIONS sip:127.0.0.1:{port} SIP/2.0\r\n'
            f'Via: SIP/2.0/UDP {ua.addr};branch={ua.branch()};rport\r\n'
            'Max-Forwards: 70\r\n'
            f'From: <sip:{ua.name}@{DOMAIN}>;tag=o{ua.name}\r\n'
            f'To: <sip:127.0.0.1:{port}>\r\nCall-ID: opt-{os.getpid()}\r\n'
            'CSeq: 1 OPTIONS\r\n')
    r = ua.recv(lambda m: m.status >= 200, timeout)
    return r.status if r else None


class Call:
    """alice calls bob through the edge."""

    def __init__(self, alice, bob, cid):
        self.alice, self.bob, self.cid = alice, bob, cid
        self.ftag, self.ttag = 'a' + cid[-6:], 'b' + cid[-6:]
        self.inv_branch = alice.branch()
        self.route = []

    def inv_text_for(self, user):
        a = self.alice
        return (f'INVITE sip:{user}@{DOMAIN} SIP/2.0\r\n'
                f'Via: SIP/2.0/UDP {a.addr};branch={self.inv_branch};rport\r\n'
                'Max-Forwards: 70\r\n'
                f'From: <sip:alice@{DOMAIN}>;tag={self.ftag}\r\n'
                f'To: <sip:{user}@{DOMAIN}>\r\nCall-ID: {self.cid}\r\n'
                'CSeq: 1 INVITE\r\n'
                f'Contact: <sip:alice@{a.addr}>\r\n')

    def invite(self, with_sdp=True):
        a = self.alice
        self.inv_text = (
            f'INVITE sip:bob@{DOMAIN} SIP/2.0\r\n'
            f'Via: SIP/2.0/UDP {a.addr};branch={self.inv_branch};rport\r\n'
            'Max-Forwards: 70\r\n'
            f'From: <sip:alice@{DOMAIN}>;tag={self.ftag}\r\n'
            f'To: <sip:bob@{DOMAIN}>\r\nCall-ID: {self.cid}\r\n'
            'CSeq: 1 INVITE\r\n'
            f'Contact: <sip:alice@{a.addr}>\r\n')
        a.send(self.inv_text, a.sdp(1) if with_sdp else '')

    def final_to_caller(self, timeout=5):
        return self.alice.recv(lambda m: m.status >= 200 and
                               m.one('call-id') == self.cid, timeout)

    def establish(self, retransmit=False):
        """INVITE, 180, 200 with SDP, ACK: returns (offer seen by bob,
        answer seen by alice) or None. With retransmit the INVITE is sent
        again at once (while drongo holds it for the orchestrator) and
        the callee must see it once."""
        self.invite()
        if retransmit:
            self.invite()
        inv = self.bob.recv(lambda m: m.method == 'INVITE' and
                            m.one('call-id') == self.cid)
        if not check(inv is not None, 'callee got the INVITE'):
            return None
        self.inv = inv
        self.bob.reply(inv, 180, 'Ringing', self.ttag)
        if retransmit:
            check(self.bob.recv(lambda m: m.method == 'INVITE' and
                                m.one('call-id') == self.cid, 0.5) is None,
                  'a retransmitted INVITE reaches the callee once')
        self.bob.reply(inv, 200, 'OK', self.ttag, self.bob.sdp(2))
        if retransmit:
            # The callee's 200 again: drongo answers it from its cache
            # (whether the proxy passes it on is the proxy's business).
            self.bob.reply(inv, 200, 'OK', self.ttag, self.bob.sdp(2))
        ok = self.final_to_caller()
        if not check(ok is not None and ok.status == 200,
                     f'caller got 200: {ok.first if ok else None}'):
            return None
        self.ok = ok
        if retransmit:
            again = self.final_to_caller(0.3)
            check(again is None or again.body == ok.body,
                  'a retransmitted 200 carries the same relay SDP')
        self.route = list(reversed(ok.get('record-route')))
        self.ack()
        ack = self.bob.recv(lambda m: m.method == 'ACK' and
                            m.one('call-id') == self.cid)
        check(ack is not None, 'callee got the ACK')
        return inv.body, ok.body

    def in_dialog(self, method, cseq, extra='', body=''):
        a = self.alice
        text = (f'{method} sip:bob@{self.bob.addr} SIP/2.0\r\n'
                f'Via: SIP/2.0/UDP {a.addr};branch='
                f'{self.inv_branch if method == "ACK" else a.branch()};rport\r\n'
                'Max-Forwards: 70\r\n')
        for r in self.route:
            text += f'Route: {r}\r\n'
        text += (f'From: <sip:alice@{DOMAIN}>;tag={self.ftag}\r\n'
                 f'To: <sip:bob@{DOMAIN}>;tag={self.ttag}\r\n'
                 f'Call-ID: {self.cid}\r\nCSeq: {cseq} {method}\r\n' + extra)
        if method != 'ACK':
            text += f'Contact: <sip:alice@{a.addr}>\r\n'
        a.send(text, body)

    def bye(self, cseq):
        self.in_dialog('BYE', cseq)
        bye = self.bob.recv(lambda m: m.method == 'BYE' and
                            m.one('call-id') == self.cid)
        if check(bye is not None, f'{self.cid}: callee got the BYE'):
            self.bob.reply(bye, 200, 'OK', self.ttag, contact=False)
        r = self.alice.recv(lambda m: m.status == 200 and
                            'BYE' in m.one('cseq') and
                            m.one('call-id') == self.cid)
        check(r is not None, f'{self.cid}: caller got 200 to BYE')

    def ack(self):
        self.in_dialog('ACK', 1)


# --- the scenario -------------------------------------------------------------

def test(workdir):
    setup()
    port = free_port()
    hport = free_port()
    edge = ('127.0.0.1', port)
    dlog = start_drongo(workdir, port, hport)
    alice = Ua('alice', A, 30000, edge)
    bob = Ua('bob', B, 31000, edge)
    deadline = time.time() + 10
    st = None
    while time.time() < deadline and st != 200:
        st = options(alice, port, 0.3)
    check(st == 200, f'OPTIONS before the data plane: {st}')
    check(register(bob) == 200, 'bob registered')

    # No data plane yet: a call that needs media fails cleanly.
    c0 = Call(alice, bob, f'dgcall-nodp-{os.getpid()}')
    c0.invite()
    r = c0.final_to_caller()
    check(r is not None and r.status == 503,
          f'INVITE without a data plane: {r.first if r else None}')
    if r is not None:
        check(re.search(r';tag=\w+', r.one('to')) is not None,
              f'the 503 has a To tag: {r.one("to")}')
        check('cause=503' in r.one('reason'), f'503 Reason: {r.one("reason")}')
        # A retransmitted INVITE gets the same refusal, same tag.
        c0.invite()
        r2 = c0.final_to_caller()
        check(r2 is not None and r2.status == 503 and
              r2.one('to') == r.one('to'),
              f'retransmission refused alike: {r2.one("to") if r2 else None}')
    check(bob.recv(lambda m: m.method == 'INVITE', 0.5) is None,
          'no INVITE reached the callee without media')
    c0.in_dialog('ACK', 1)
    check(options(alice, port) == 200, 'OPTIONS after the refusal')

    start_dp(workdir)
    time.sleep(1.0)     # mc_local attaches on its next poll

    # A call with media through the relay, ended by BYE.
    c1 = Call(alice, bob, f'dgcall-one-{os.getpid()}')
    seen = c1.establish(retransmit=True)
    if seen is None:
        return
    offer, answer = seen
    oc, op = sdp_conn(offer)
    ac, ap = sdp_conn(answer)
    check(oc == RELAY and op and op != 30000,
          f'callee sees the relay in the offer: {oc}:{op}')
    check(ac == RELAY and ap and ap != 31000,
          f'caller sees the relay in the answer: {ac}:{ap}')
    check(wait_sessions(1) == 1, 'one data-plane session while the call runs')
    # A -> relay (port given to A) -> B; B -> relay (port given to B) -> A.
    scenario.relay_once(workdir, RELAY, 'dgcall-a', A, 30000, 'dgcall-b', B, 31000, ap, op,
                        100, 'caller to callee')
    scenario.relay_once(workdir, RELAY, 'dgcall-b', B, 31000, 'dgcall-a', A, 30000, op, ap,
                        500, 'callee to caller')

    # drongo-dp restarts mid-call: drongo re-programs the call with the
    # relay ports both sides already have, and media flows again.
    stop('dp')
    start_dp(workdir)
    check(wait_sessions(1) == 1, 'the call re-programmed after a restart')
    scenario.relay_once(workdir, RELAY, 'dgcall-a', A, 30000, 'dgcall-b', B, 31000, ap, op,
                        700, 'caller to callee after a data-plane restart')

    # A re-INVITE with a new caller port: both sides still see the relay,
    # and media follows the caller to its new port.
    alice.media = (A, 30010)
    c1.in_dialog('INVITE', 2, body=alice.sdp(2))
    rinv = bob.recv(lambda m: m.method == 'INVITE' and
                    m.one('call-id') == c1.cid)
    if check(rinv is not None, 'callee got the re-INVITE'):
        check(sdp_conn(rinv.body) == (RELAY, op),
              f're-INVITE offer keeps the relay: {sdp_conn(rinv.body)}')
        bob.reply(rinv, 200, 'OK', c1.ttag, bob.sdp(3))
        rok = alice.recv(lambda m: m.status == 200 and
                         m.one('call-id') == c1.cid and
                         'INVITE' in m.one('cseq'))
        if check(rok is not None, 'caller got 200 to the re-INVITE'):
            check(sdp_conn(rok.body) == (RELAY, ap),
                  f're-INVITE answer keeps the relay: {sdp_conn(rok.body)}')
            c1.in_dialog('ACK', 2)
        scenario.relay_once(workdir, RELAY, 'dgcall-b', B, 31000, 'dgcall-a', A, 30010, op,
                            ap, 900, 'callee to caller after the re-INVITE')
    c1.bye(3)
    check(wait_sessions(0) == 0, 'BYE released the data-plane session')

    # CANCEL while ringing: the 487 releases what the offer allocated.
    c3 = Call(alice, bob, f'dgcall-cancel-{os.getpid()}')
    c3.invite()
    inv = bob.recv(lambda m: m.method == 'INVITE' and
                   m.one('call-id') == c3.cid)
    if check(inv is not None, 'callee got the INVITE to cancel'):
        bob.reply(inv, 180, 'Ringing', c3.ttag)
        check(alice.recv(lambda m: m.status == 180 and
                         m.one('call-id') == c3.cid) is not None,
              'caller got 180')
        check(wait_sessions(1) == 1, 'ringing call anchored')
        alice.send(f'CANCEL sip:bob@{DOMAIN} SIP/2.0\r\n'
                   f'Via: SIP/2.0/UDP {alice.addr};branch={c3.inv_branch};rport\r\n'
                   'Max-Forwards: 70\r\n'
                   f'From: <sip:alice@{DOMAIN}>;tag={c3.ftag}\r\n'
                   f'To: <sip:bob@{DOMAIN}>\r\nCall-ID: {c3.cid}\r\n'
                   'CSeq: 1 CANCEL\r\n')
        can = bob.recv(lambda m: m.method == 'CANCEL' and
                       m.one('call-id') == c3.cid)
        if check(can is not None, 'callee got the CANCEL'):
            bob.reply(can, 200, 'OK', c3.ttag, contact=False)
            bob.reply(inv, 487, 'Request Terminated', c3.ttag, contact=False)
        r = alice.recv(lambda m: m.status >= 200 and
                       m.one('call-id') == c3.cid and
                       'INVITE' in m.one('cseq'))
        check(r is not None and r.status == 487,
              f'caller got 487: {r.first if r else None}')
        c3.in_dialog('ACK', 1)
        check(wait_sessions(0) == 0, 'CANCEL released the data-plane session')

    # CANCEL while drongo still holds the INVITE (drongo-dp frozen, so the
    # allocation waits): drongo answers 200 and 487 itself, the callee
    # never sees the INVITE, and nothing stays allocated.
    c8 = Call(alice, bob, f'dgcall-hold-{os.getpid()}')
    procs['dp'].send_signal(signal.SIGSTOP)
    try:
        c8.invite()
        time.sleep(0.2)
        alice.send(f'CANCEL sip:bob@{DOMAIN} SIP/2.0\r\n'
                   f'Via: SIP/2.0/UDP {alice.addr};branch={c8.inv_branch};rport\r\n'
                   'Max-Forwards: 70\r\n'
                   f'From: <sip:alice@{DOMAIN}>;tag={c8.ftag}\r\n'
                   f'To: <sip:bob@{DOMAIN}>\r\nCall-ID: {c8.cid}\r\n'
                   'CSeq: 1 CANCEL\r\n')
        got = {}
        deadline = time.time() + 3
        while time.time() < deadline and len(got) < 2:
            r = alice.recv(lambda m: m.one('call-id') == c8.cid and
                           m.status >= 200, deadline - time.time())
            if r is None:
                break
            got[r.one('cseq').split()[-1]] = r.status
    finally:
        procs['dp'].send_signal(signal.SIGCONT)
    check(got == {'CANCEL': 200, 'INVITE': 487},
          f'CANCEL of a held INVITE: {got}')
    c8.in_dialog('ACK', 1)
    check(bob.recv(lambda m: m.method == 'INVITE' and
                   m.one('call-id') == c8.cid, 2.5) is None,
          'the cancelled INVITE never reached the callee')
    check(wait_sessions(0) == 0, 'a cancelled held INVITE leaves no session')

    # A busy callee: the final failure releases what the offer allocated.
    c6 = Call(alice, bob, f'dgcall-busy-{os.getpid()}')
    c6.invite()
    inv = bob.recv(lambda m: m.method == 'INVITE' and
                   m.one('call-id') == c6.cid)
    if check(inv is not None, 'callee got the INVITE it refuses'):
        bob.reply(inv, 486, 'Busy Here', c6.ttag, contact=False)
        r = c6.final_to_caller()
        check(r is not None and r.status == 486,
              f'caller got 486: {r.first if r else None}')
        check(sdp_conn(inv.body)[0] == RELAY, 'refused call was anchored')
        c6.in_dialog('ACK', 1)
        check(wait_sessions(0) == 0, '486 released the data-plane session')

    # An answer that cannot be anchored (no c= line): the call is released,
    # the answer dropped, and the proxy's early dialog ended at once.
    c9 = Call(alice, bob, f'dgcall-badans-{os.getpid()}')
    c9.invite()
    inv = bob.recv(lambda m: m.method == 'INVITE' and
                   m.one('call-id') == c9.cid)
    if check(inv is not None, 'callee got the INVITE it answers badly'):
        check(api_dialogs(hport) == 1, 'the proxy keeps the early dialog')
        # Ringing first, so that the caller's CANCEL below may go on.
        bob.reply(inv, 180, 'Ringing', c9.ttag)
        check(alice.recv(lambda m: m.status == 180 and
                         m.one('call-id') == c9.cid) is not None,
              'caller got 180 before the bad answer')
        bob.reply(inv, 200, 'OK', c9.ttag,
                  f'v=0\r\no=- 9 1 IN IP4 {B}\r\ns=x\r\nt=0 0\r\n'
                  'm=audio 31000 RTP/AVP 0\r\n')
        r = c9.final_to_caller(1.0)
        check(r is None, f'the unanchorable answer did not reach the caller: '
              f'{r.first if r else None}')
        check(wait_sessions(0) == 0, 'an unanchorable answer leaves no session')
        n = api_dialogs(hport)
        check(n == 0, f'the proxy\'s dialog ended with it: {n} left')
        # The caller gives up: its CANCEL, the callee's 487 and the ACK
        # all pass, and the proxy's transactions complete.
        alice.send(f'CANCEL sip:bob@{DOMAIN} SIP/2.0\r\n'
                   f'Via: SIP/2.0/UDP {alice.addr};branch={c9.inv_branch};rport\r\n'
                   'Max-Forwards: 70\r\n'
                   f'From: <sip:alice@{DOMAIN}>;tag={c9.ftag}\r\n'
                   f'To: <sip:bob@{DOMAIN}>\r\nCall-ID: {c9.cid}\r\n'
                   'CSeq: 1 CANCEL\r\n')
        can = bob.recv(lambda m: m.method == 'CANCEL' and
                       m.one('call-id') == c9.cid)
        if check(can is not None, 'callee got the CANCEL of the bad answer'):
            bob.reply(can, 200, 'OK', c9.ttag, contact=False)
            bob.reply(inv, 487, 'Request Terminated', c9.ttag, contact=False)
        r = alice.recv(lambda m: m.status >= 200 and
                       m.one('call-id') == c9.cid and
                       'INVITE' in m.one('cseq'))
        check(r is not None and r.status == 487,
              f'caller got 487 after the bad answer: {r.first if r else None}')
        c9.in_dialog('ACK', 1)

    # A callee nobody registered: the proxy answers itself and its
    # refusal ends the early dialog at once; the anchored media goes with
    # it, well before edge.dialog.early_timeout.
    c7 = Call(alice, bob, f'dgcall-nouser-{os.getpid()}')
    t7 = time.time()
    alice.send(c7.inv_text_for('carol'), alice.sdp(7))
    r = c7.final_to_caller()
    check(r is not None and 400 <= r.status < 500,
          f'INVITE to an unknown user: {r.first if r else None}')
    c7.in_dialog('ACK', 1)
    n = wait_sessions(0, EARLY_S / 2)
    check(n == 0 and time.time() - t7 < EARLY_S,
          f'a proxy refusal leaves no session, before the early timeout: '
          f'{n} left after {time.time() - t7:.1f}s')
    check(f'event=mc.dialog.end call_id={c7.cid} why=1' in open(dlog).read(),
          'the refused INVITE had been anchored and was released as rejected')

    # SDP that cannot be anchored: 488, nothing reaches the callee.
    c4 = Call(alice, bob, f'dgcall-bad-{os.getpid()}')
    alice.send(f'INVITE sip:bob@{DOMAIN} SIP/2.0\r\n'
               f'Via: SIP/2.0/UDP {alice.addr};branch={c4.inv_branch};rport\r\n'
               'Max-Forwards: 70\r\n'
               f'From: <sip:alice@{DOMAIN}>;tag={c4.ftag}\r\n'
               f'To: <sip:bob@{DOMAIN}>\r\nCall-ID: {c4.cid}\r\n'
               'CSeq: 1 INVITE\r\n'
               f'Contact: <sip:alice@{alice.addr}>\r\n',
               'v=0\r\no=- 1 1 IN IP4 10.76.1.2\r\ns=x\r\nt=0 0\r\n'
               'm=audio 30000 RTP/AVP 0\r\n')
    r = c4.final_to_caller()
    check(r is not None and r.status == 488,
          f'INVITE with unanchorable SDP: {r.first if r else None}')
    check(bob.recv(lambda m: m.method == 'INVITE' and
                   m.one('call-id') == c4.cid, 0.5) is None,
          'the unanchorable INVITE did not reach the callee')
    c4.in_dialog('ACK', 1)
    check(wait_sessions(0) == 0, 'a refused offer leaves no session')

    # Late offer: the offer comes in the 200, the answer in the ACK.
    alice.media = (A, 30000)
    c5 = Call(alice, bob, f'dgcall-late-{os.getpid()}')
    c5.invite(with_sdp=False)
    inv = bob.recv(lambda m: m.method == 'INVITE' and
                   m.one('call-id') == c5.cid)
    if check(inv is not None and inv.body == '',
             'callee got the INVITE without SDP'):
        bob.reply(inv, 200, 'OK', c5.ttag, bob.sdp(5))
        ok = c5.final_to_caller()
        if check(ok is not None and ok.status == 200, 'late offer: 200'):
            check(sdp_conn(ok.body)[0] == RELAY,
                  f'late offer in the 200 points at the relay: {sdp_conn(ok.body)}')
            c5.route = list(reversed(ok.get('record-route')))
            c5.in_dialog('ACK', 1, body=alice.sdp(6))
            ack = bob.recv(lambda m: m.method == 'ACK' and
                           m.one('call-id') == c5.cid)
            if check(ack is not None, 'late offer: callee got the ACK'):
                check(sdp_conn(ack.body)[0] == RELAY,
                      f'answer in the ACK points at the relay: {sdp_conn(ack.body)}')
            check(wait_sessions(1) == 1, 'late-offer call anchored')
            c5.bye(2)
            check(wait_sessions(0) == 0, 'late-offer call released')

    # Media that never flows: drongo ends the call with BYE both ways.
    c2 = Call(alice, bob, f'dgcall-tmo-{os.getpid()}')
    if c2.establish() is None:
        return
    check(wait_sessions(1) == 1, 'second call anchored')
    offer, answer = sdp_conn(c2.inv.body), sdp_conn(c2.ok.body)
    # Media flows, then stops: the stop timeout ends the call.
    scenario.relay_once(workdir, RELAY, 'dgcall-a', A, 30000, 'dgcall-b', B, 31000,
                        answer[1], offer[1], 1300, 'timeout call, caller to callee')
    scenario.relay_once(workdir, RELAY, 'dgcall-b', B, 31000, 'dgcall-a', A, 30000,
                        offer[1], answer[1], 1700, 'timeout call, callee to caller')
    limit = TIMEOUT_S + 8
    b_bye = bob.recv(lambda m: m.method == 'BYE' and
                     m.one('call-id') == c2.cid, limit)
    a_bye = alice.recv(lambda m: m.method == 'BYE' and
                       m.one('call-id') == c2.cid, 3)
    for who, m, ua, tag in (('callee', b_bye, bob, c2.ttag),
                            ('caller', a_bye, alice, c2.ftag)):
        if not check(m is not None, f'{who} got a BYE on media timeout'):
            continue
        check('media timeout' in m.one('reason'),
              f'{who} BYE Reason: {m.one("reason")}')
        check(c2.ftag in m.one('from') + m.one('to') and
              c2.ttag in m.one('from') + m.one('to'),
              f'{who} BYE names the dialog: {m.one("from")} {m.one("to")}')
        ua.reply(m, 200, 'OK', tag, contact=False)
    if b_bye is not None:
        check(b_bye.first.startswith(f'BYE sip:bob@{bob.addr} '),
              f'callee BYE to its Contact: {b_bye.first}')
    if a_bye is not None:
        check(a_bye.first.startswith(f'BYE sip:alice@{alice.addr} '),
              f'caller BYE to its Contact: {a_bye.first}')
    check(wait_sessions(0) == 0, 'media timeout left no session')

    proc = procs['drongo']
    stop('drongo')
    check(proc.returncode == 0, f'drongo stopped cleanly: {proc.returncode}')
    line = [l for l in open(dlog).read().splitlines()
            if 'event=mc.dialog.stats' in l]
    if check(line, 'drongo logged its anchoring counters at stop'):
        st = {k: int(v) for k, v in re.findall(r'(\w+)=(\d+)', line[-1])}
        # 503 without a data plane and 488 for the bad SDP.
        check(st.get('refused') == 2, f'refused: {st}')
        check(st.get('media_timeouts') == 1, f'media_timeouts: {st}')
        check(st.get('answer_failed') == 1, f'answer_failed: {st}')
        # Offers and answers of calls 1 (2 + re-INVITE 2), 2 (2), CANCEL (1),
        # held and cancelled (1), busy (1), bad answer (1: its answer is
        # refused before it is held), unknown user (1), late offer (2).
        check(st.get('held') == 13, f'held: {st}')


def main():
    for path in (DRONGO, DP, DPCTL):
        if not os.path.exists(path):
            print(f'SKIP: {path} not built')
            return 77
    if os.geteuid() != 0 or shutil.which('ip') is None:
        print('SKIP: needs root and iproute2')
        return 77
    workdir = tempfile.mkdtemp(prefix='dgcall-')
    try:
        test(workdir)
    except Exception as e:  # setup or protocol failure
        failures.append(f'exception: {e!r}')
        print('FAIL:', repr(e))
    finally:
        cleanup()
        if failures:
            for name in os.listdir(workdir):
                if name.endswith('.log'):
                    print(f'--- {name}')
                    print(open(os.path.join(workdir, name)).read()[-6000:])
        if not os.environ.get("DGCALL_KEEP"):
            shutil.rmtree(workdir, ignore_errors=True)
    if failures:
        print(f'{len(failures)} failure(s)')
        return 1
    print('ok')
    return 0


if __name__ == '__main__':
    sys.exit(main())

#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""drongo in role media driven over the ng protocol, in front of a real
drongo-dp on virtual devices in network namespaces of its own.

Topology (all names start with dgng-):
  dgng-a (10.78.1.2) --- dgng-gw (router: .1.1 .2.1 .0.1) --- dgng-b (10.78.2.2)
                                  |
                      dgng-dp: drongo-dp on net_af_packet over dgng-d0,
                      relay address 10.78.0.2, exception TAP dgng-tap
drongo runs in the root namespace (the shared-memory region is not
namespaced) with its ng server on 127.0.0.1. A stdlib ng client sends
what Kamailio's rtpengine module sends; checked: ping, an offer and an
answer with real SDP rewritten to the relay, RTP from host A to the relay
port of the answer arriving at host B (and back) from the relay, a
retransmitted cookie answered with the identical bytes, query statistics,
delete (the data plane has no session left), a data-plane restart after
which the same relay ports relay again (sessions re-programmed from the
control plane's state), SDES conversion toward the answerer, and error
replies to malformed requests (no reply when the cookie is unreadable).

Usage: test_ng_media.py PATH/TO/drongo [PATH/TO/drongo-dp [PATH/TO/drongo-dpctl]]
"""
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
INSTANCE = '8'
NSS = ['dgng-gw', 'dgng-a', 'dgng-b', 'dgng-dp']
RELAY = '10.78.0.2'
A, B = '10.78.1.2', '10.78.2.2'
NG = ('127.0.0.1', 22231)


def cleanup():
    scenario.cleanup(NSS)


# --- the ng protocol, as a stdlib client -----------------------------------

def benc(v):
    if isinstance(v, int):
        return b'i%de' % v
    if isinstance(v, str):
        v = v.encode()
    if isinstance(v, bytes):
        return b'%d:%s' % (len(v), v)
    if isinstance(v, list):
        return b'l' + b''.join(benc(x) for x in v) + b'e'
    if isinstance(v, dict):
        return b'd' + b''.join(benc(k) + benc(x) for k, x in v.items()) + b'e'
    raise TypeError(v)


def bdec(b, i=0):
    c = b[i:i + 1]
    if c == b'i':
        j = b.index(b'e', i)
        return int(b[i + 1:j]), j + 1
    if c == b'l' or c == b'd':
        i += 1
        items = []
        while b[i:i + 1] != b'e':
            v, i = bdec(b, i)
            items.append(v)
        if c == b'l':
            return items, i + 1
        return {items[k].decode(): items[k + 1]
                for k in range(0, len(items), 2)}, i + 1
    j = b.index(b':', i)
    n = int(b[i:j])
    return b[j + 1:j + 1 + n], j + 1 + n


class Ng:
    def __init__(self):
        self.s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.s.settimeout(3)
        self.n = 0

    def raw(self, data, timeout=3):
        self.s.settimeout(timeout)
        self.s.sendto(data, NG)
        try:
            return self.s.recvfrom(70000)[0]
        except socket.timeout:
            return None

    def call(self, cmd, cookie=None, **kw):
        self.n += 1
        cookie = cookie or f'ng{os.getpid()}_{self.n}'
        d = {'command': cmd}
        d.update({k.replace('_', '-'): v for k, v in kw.items()})
        data = cookie.encode() + b' ' + benc(d)
        reply = self.raw(data)
        if reply is None:
            raise RuntimeError(f'no reply to {cmd}')
        c, _, body = reply.partition(b' ')
        if c != cookie.encode():
            raise RuntimeError(f'reply cookie {c} != {cookie}')
        return bdec(body)[0], data, reply


def sdp(addr, port, sess, extra=''):
    return (f'v=0\r\no=- {sess} 1 IN IP4 {addr}\r\ns=call\r\n'
            f'c=IN IP4 {addr}\r\nt=0 0\r\n'
            f'm=audio {port} RTP/AVP 0 8 101\r\n'
            'a=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n'
            'a=rtpmap:101 telephone-event/8000\r\na=sendrecv\r\n' + extra)


def sdp_conn(body):
    m = re.search(rb'^c=IN IP4 (\S+)\r$', body, re.M)
    p = re.search(rb'^m=audio (\d+) ', body, re.M)
    return (m.group(1).decode() if m else None,
            int(p.group(1)) if p else None)


# --- namespaces and processes ----------------------------------------------


def setup():
    cleanup()
    scenario.three_party_netns('dgng', '10.78', A, B)


def dpctl(*args, check=True):
    return scenario.dpctl(DPCTL, INSTANCE, *args, check=check)


def dp_sessions():
    return scenario.dp_sessions(DPCTL, INSTANCE)


def wait_sessions(n, timeout=10):
    return scenario.wait_sessions(DPCTL, INSTANCE, n, timeout)


def start_dp(workdir, tag):
    conf = os.path.join(workdir, 'drongo-dp.yaml')
    with open(conf, 'w') as f:
        f.write(f"""instance: {INSTANCE}
port: net_af_packet0
addresses: [{RELAY}/24]
gateway4: 10.78.0.1
sessions_per_worker: 1024
port_min: 40000
port_max: 40959
latch_window: 3s
arp_refresh: 5s
mbufs: 4095
steering: auto
exception_tap: dgng-tap
""")
    log = open(os.path.join(workdir, f'dp-{tag}.log'), 'w')
    p = subprocess.Popen(
        ['ip', 'netns', 'exec', 'dgng-dp', DP, '-c', conf, '--',
         '--no-huge', '--no-pci', '-l', '0-1', '-m', '256',
         '--file-prefix=dgng-int', '--log-level=lib.eal:error',
         '--vdev=net_af_packet0,iface=dgng-d0,qpairs=2'],
        stdout=log, stderr=subprocess.STDOUT)
    procs['dp'] = p
    deadline = time.time() + 20
    while time.time() < deadline:
        if p.poll() is not None:
            raise RuntimeError('drongo-dp exited: ' +
                               open(log.name).read()[-2000:])
        if dpctl('stats', check=False).returncode == 0 and \
           sh('ip -n dgng-dp link show dgng-tap', check=False).returncode == 0:
            break
        time.sleep(0.2)
    else:
        raise RuntimeError('drongo-dp did not come up')
    sh(f'ip -n dgng-dp addr add {RELAY}/24 dev dgng-tap', check=False)
    sh('ip -n dgng-dp link set dgng-tap up')
    sh('ip -n dgng-dp route add default via 10.78.0.1 dev dgng-tap',
       check=False)


def start_drongo(workdir):
    conf = os.path.join(workdir, 'drongo.yaml')
    with open(conf, 'w') as f:
        f.write(f"""node:
  role: media
  name: dgng
sip:
  listen:
    - udp:127.0.0.1:15962
http:
  enabled: false
media:
  ng_listen: {NG[0]}:{NG[1]}
  dp_instance: {INSTANCE}
  timeout: 30s
""")
    log = open(os.path.join(workdir, 'drongo.log'), 'w')
    procs['drongo'] = subprocess.Popen([DRONGO, '--config', conf],
                                       stdout=log, stderr=subprocess.STDOUT)
    ng = Ng()
    deadline = time.time() + 10
    while time.time() < deadline:
        if ng.raw(b'boot d7:command4:pinge', 0.3) == b'boot d6:result4:ponge':
            return ng, log.name
    raise RuntimeError('drongo ng server did not answer ping')


# --- the scenario ----------------------------------------------------------

def test(workdir):
    setup()
    start_dp(workdir, 'first')
    ng, dlog = start_drongo(workdir)
    deadline = time.time() + 5
    while time.time() < deadline:
        r, _, _ = ng.call('statistics')
        if r.get(b'result') == b'ok':
            break
    r, _, _ = ng.call('ping')
    check(r == {'result': b'pong'}, f'ping: {r}')

    # Offer from A, as Kamailio's rtpengine_offer() sends it.
    cid = f'dgng-{os.getpid()}@test'
    offer = sdp(A, 4000, 1001)
    flags = dict(flags=['trust-address', 'some-unknown-flag'],
                 replace=['origin', 'session-connection'], ICE='remove',
                 received_from=['IP4', A], via_branch='z9hG4bK1')
    r, req, raw1 = ng.call('offer', cookie='offer1', call_id=cid,
                           from_tag='tagA', sdp=offer, **flags)
    check(r.get('result') == b'ok', f'offer: {r}')
    body = r.get('sdp', b'')
    addr, port_b = sdp_conn(body)
    check(addr == RELAY, f'offer rewritten to the relay address: {body!r}')
    check(port_b is not None and 40000 <= port_b <= 40959,
          f'offer relay port in the pool: {port_b}')
    check(re.search(rb'^o=- 1001 2 IN IP4 10\.78\.0\.2\r$', body, re.M)
          is not None, f'origin replaced and version bumped: {body!r}')
    check(b'a=rtpmap:101 telephone-event/8000' in body,
          'other lines kept')

    # A retransmission gets the identical reply, not a second session.
    again = ng.raw(req)
    check(again == raw1, 'retransmitted offer: identical reply bytes')
    check(wait_sessions(1) == 1, f'one data-plane session: {dp_sessions()}')

    # Answer from B.
    answer = sdp(B, 5000, 2002)
    r, _, _ = ng.call('answer', call_id=cid, from_tag='tagA', to_tag='tagB',
                      sdp=answer, flags=['trust-address'],
                      replace=['origin'])
    check(r.get('result') == b'ok', f'answer: {r}')
    body = r.get('sdp', b'')
    addr, port_a = sdp_conn(body)
    check(addr == RELAY, f'answer rewritten to the relay: {body!r}')
    check(port_a is not None and port_a != port_b and
          40000 <= port_a <= 40959, f'answer relay port: {port_a}')

    # RTP both ways through the relay, at the ports the SDP announced.
    scenario.relay_once(workdir, RELAY, 'dgng-a', A, 4000, 'dgng-b', B, 5000, port_a, port_b,
                        1, 'A->B')
    scenario.relay_once(workdir, RELAY, 'dgng-b', B, 5000, 'dgng-a', A, 4000, port_b, port_a,
                        100, 'B->A')

    r, _, _ = ng.call('query', call_id=cid, from_tag='tagA')
    check(r.get('result') == b'ok', f'query: {r}')
    tags = r.get('tags', {})
    check(set(tags) == {'tagA', 'tagB'}, f'query tags: {list(tags)}')
    try:
        st = tags['tagA']['medias'][0]['streams'][0]
        check(st['local port'] == port_a, f'tagA local port: {st}')
        check(st['stats']['packets'] == 20, f'tagA packets: {st}')
        check(st['endpoint']['address'] == A.encode(),
              f'tagA endpoint: {st}')
        st = tags['tagB']['medias'][0]['streams'][0]
        check(st['local port'] == port_b and st['stats']['packets'] == 20,
              f'tagB stream: {st}')
        check(r['totals']['RTP']['packets'] == 40, f'totals: {r["totals"]}')
    except (KeyError, IndexError, TypeError) as e:
        check(False, f'query shape: {e!r} {r}')
    r, _, _ = ng.call('list')
    check(cid.encode() in r.get('calls', []), f'list: {r}')

    # The data plane restarts: drongo re-programs the call, same ports.
    stop('dp')
    start_dp(workdir, 'second')
    check(wait_sessions(1) == 1, 'session re-programmed after the restart')
    scenario.relay_once(workdir, RELAY, 'dgng-a', A, 4000, 'dgng-b', B, 5000, port_a, port_b,
                        300, 'A->B after restart')

    # Delete: ok with statistics, and the data plane has nothing left.
    r, _, _ = ng.call('delete', call_id=cid, from_tag='tagA', to_tag='tagB')
    check(r.get('result') == b'ok', f'delete: {r}')
    check('totals' in r, f'delete carries statistics: {r}')
    check(wait_sessions(0) == 0, 'no data-plane session after delete')
    r, _, _ = ng.call('delete', call_id=cid, from_tag='tagA')
    check(r.get('result') == b'error', f'second delete: {r}')
    r, _, _ = ng.call('list')
    check(r.get('calls') == [], f'list after delete: {r}')

    # SDES toward the answerer; the offerer stays plain RTP.
    cid2 = cid + '-srtp'
    r, _, _ = ng.call('offer', call_id=cid2, from_tag='sA',
                      sdp=sdp(A, 4010, 3003), transport_protocol='RTP/SAVP',
                      flags=['trust-address'])
    body = r.get('sdp', b'')
    check(r.get('result') == b'ok' and b' RTP/SAVP 0 8 101' in body and
          re.search(rb'^a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:\S+\r$',
                    body, re.M) is not None,
          f'SDES offer toward the answerer: {r}')
    key = b'WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz'
    ans = sdp(B, 5010, 4004).replace('RTP/AVP', 'RTP/SAVP') + \
        f'a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:{key.decode()}\r\n'
    r, _, _ = ng.call('answer', call_id=cid2, from_tag='sA', to_tag='sB',
                      sdp=ans)
    body = r.get('sdp', b'')
    check(r.get('result') == b'ok' and b' RTP/AVP 0 8 101' in body and
          b'a=crypto' not in body,
          f'plain answer toward the offerer: {r}')
    r, _, _ = ng.call('delete', call_id=cid2)
    check(r.get('result') == b'ok', f'delete SRTP call: {r}')

    # Bad requests: an error reply with a reason, never silence...
    for data, want in (
            (b'm1 d7:command', b'Failed to decode bencode'),
            (b'm2 d7:command5:offere', b'No call-id'),
            (b'm3 d7:command7:unknowne', b'Unrecognized command'),
            (b'm4 l4:pinge', b'Could not decode dictionary'),
            (b'm5 d7:command6:answer7:call-id1:x8:from-tag1:y3:sdp3:v=0e',
             b'No to-tag')):
        rep = ng.raw(data)
        check(rep is not None and rep.startswith(data.split(b' ')[0] + b' ')
              and b'6:result5:error' in rep and want in rep,
              f'error reply to {data!r}: {rep!r}')
    # ... except when the cookie itself is unreadable: dropped.
    check(ng.raw(b'no-space-here', 0.5) is None, 'cookie-less datagram dropped')
    r, _, _ = ng.call('ping')
    check(r == {'result': b'pong'}, 'server still serving')

    stop('drongo')
    text = open(dlog).read()
    check('event=media.event type=dp_restarted' in text,
          'restart reported to the media-event hook')


def main():
    for path in (DRONGO, DP, DPCTL):
        if not os.path.exists(path):
            print(f'SKIP: {path} not built')
            return 77
    if os.geteuid() != 0 or shutil.which('ip') is None:
        print('SKIP: needs root and iproute2')
        return 77
    workdir = tempfile.mkdtemp(prefix='dgng-')
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
                    print(open(os.path.join(workdir, name)).read()[-3000:])
        shutil.rmtree(workdir, ignore_errors=True)
    if failures:
        print(f'{len(failures)} failure(s)')
        return 1
    print('ok')
    return 0


if __name__ == '__main__':
    sys.exit(main())

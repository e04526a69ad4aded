#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""A cluster: one edge, two media nodes and a real redis-server.

Each media node is drongo role media in front of its own drongo-dp (on
net_af_packet over a veth in a network namespace of its own, dgcl-dp1 and
dgcl-dp2); the edge anchors calls in them over ng, choosing among the
media nodes whose heartbeats it reads from Redis. Users are stdlib SIP
agents on loopback registered at the edge. Checked:
  - the nodes see each other (/api/cluster, /metrics, /health ready);
  - two calls sent to media node 1 straight over ng, as Kamailio's
    rtpengine module would (no owner), make it the more loaded node: the
    edge's next two calls land on node 2, every request of a call on the
    same node (the answer would fail elsewhere);
  - node 2's drongo is killed mid-call: both its calls end with a BYE
    (with a Reason) to the caller and to the callee, and a new call
    succeeds on node 1;
  - no RTP flows: node 1's data plane times the new call out, and the
    edge, told through Redis, ends it with a BYE to both parties;
  - Redis is killed: both nodes see it (/metrics), the edge stays ready
    and anchors a new (ringing) call on the node it knows, node 1 reaps
    nothing; Redis restarted, both nodes are back;
  - the edge is killed and started again at once under the same id: node 1
    still holds the dead run's (ringing) calls until the orphan grace has
    passed, then reaps them (/metrics, log, its data plane's sessions)
    although an edge "e1" is alive again, keeps the two calls that have no
    owner, and keeps running.

Usage: test_cluster_media.py PATH/TO/drongo [PATH/TO/drongo-dp [PATH/TO/drongo-dpctl]]
"""
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
import scenario  # noqa: E402
from scenario import check, failures, procs, sh  # noqa: E402
from scenario import stop as kill  # noqa: E402

DRONGO = os.path.abspath(sys.argv[1])
BUILD = os.path.dirname(os.path.dirname(DRONGO))
DP = (os.path.abspath(sys.argv[2]) if len(sys.argv) > 2 else
      os.path.join(BUILD, 'dataplane', 'drongo-dp'))
DPCTL = (os.path.abspath(sys.argv[3]) if len(sys.argv) > 3 else
         os.path.join(BUILD, 'shared', 'tools', 'dpctl', 'drongo-dpctl'))
DOMAIN = 'dgcl.test'
INSTANCES = {1: '31', 2: '32'}
NSS = ['dgcl-dp1', 'dgcl-dp2']
GRACE_S = 2.0
TTL_S = 1.0
# Node 1 ends answered calls without RTP (the test sends none) quickly.
MEDIA_TIMEOUT_S = {1: 3, 2: 60}


def cleanup():
    scenario.cleanup(NSS)


def free_port():
    for _ in range(50):
        t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            t.bind(('127.0.0.1', 0))
            port = t.getsockname()[1]
            u.bind(('127.0.0.1', port))
            return port
        except OSError:
            continue
        finally:
            t.close()
            u.close()
    raise RuntimeError('no free port')


def wait_for(fn, timeout, step=0.05):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = fn()
        if v:
            return v
        time.sleep(step)
    return fn()


# --- processes ----------------------------------------------------------------

def start_redis(workdir, port=None):
    port = port or free_port()
    log = open(os.path.join(workdir, 'redis.log'), 'a')
    procs['redis'] = subprocess.Popen(
        ['redis-server', '--port', str(port), '--bind', '127.0.0.1',
         '--save', '', '--appendonly', 'no', '--dir', workdir],
        stdout=log, stderr=subprocess.STDOUT)

    def up():
        try:
            with socket.create_connection(('127.0.0.1', port), 0.2) as s:
                s.sendall(b'PING\r\n')
                return s.recv(16).startswith(b'+PONG')
        except OSError:
            return False
    if not wait_for(up, 10):
        raise RuntimeError('redis-server did not start')
    return port


def setup_netns(k):
    ns = f'dgcl-dp{k}'
    sh(f'ip netns add {ns}')
    sh(f'ip -n {ns} link set lo up')
    sh(f'ip netns exec {ns} sysctl -qw net.ipv6.conf.all.disable_ipv6=1')
    sh(f'ip -n {ns} link add dgcl-d{k} type veth peer name dgcl-g{k}')
    sh(f'ip -n {ns} link set dgcl-d{k} up')
    sh(f'ip -n {ns} link set dgcl-g{k} up')
    sh(f'ip -n {ns} addr add 10.79.{k}.1/24 dev dgcl-g{k}')


def start_dp(workdir, k):
    conf = os.path.join(workdir, f'dp{k}.yaml')
    with open(conf, 'w') as f:
        f.write(f"""instance: {INSTANCES[k]}
port: net_af_packet0
addresses: [10.79.{k}.2/24]
gateway4: 10.79.{k}.1
sessions_per_worker: 256
port_min: 44000
port_max: 44511
mbufs: 2047
steering: auto
srtp: off
""")
    log = open(os.path.join(workdir, f'dp{k}.log'), 'w')
    procs[f'dp{k}'] = subprocess.Popen(
        ['ip', 'netns', 'exec', f'dgcl-dp{k}', DP, '-c', conf, '--',
         # Each core runs one node's polling worker and the other's
         # main lcore, so neither main lcore (liveness, control) starves.
         '--no-huge', '--no-pci', '-l', '0-1', f'--main-lcore={k - 1}',
         '-m', '128',
         f'--file-prefix=dgcl-int{k}', '--log-level=lib.eal:error',
         f'--vdev=net_af_packet0,iface=dgcl-d{k},qpairs=2'],
        stdout=log, stderr=subprocess.STDOUT)
    return log.name


def dp_up(k):
    r = subprocess.run([DPCTL, '--instance', INSTANCES[k], 'stats'],
                       capture_output=True, text=True, timeout=30)
    return r.returncode == 0


def dp_sessions(k):
    r = subprocess.run([DPCTL, '--instance', INSTANCES[k], 'stats'],
                       capture_output=True, text=True, timeout=30)
    return sum(int(m) for m in
               re.findall(r'^worker=\d+ sessions=(\d+)', r.stdout, re.M))


def cluster_yaml(redis_port, extra=''):
    return (f"redis:\n  address: 127.0.0.1:{redis_port}\n"
            f"cluster:\n  heartbeat_interval: 300ms\n"
            f"  heartbeat_ttl: {int(TTL_S * 1000)}ms\n"
            f"  orphan_grace: {int(GRACE_S * 1000)}ms\n" + extra)


class Node:
    """One drongo process: its config, log, HTTP port."""

    def __init__(self, workdir, name, text):
        self.name = name
        self.conf = os.path.join(workdir, f'{name}.yaml')
        with open(self.conf, 'w') as f:
            f.write(text)
        self.logpath = os.path.join(workdir, f'{name}.log')
        self.log = open(self.logpath, 'w')
        procs[name] = subprocess.Popen([DRONGO, '--config', self.conf],
                                       stdout=self.log,
                                       stderr=subprocess.STDOUT)
        self.http = int(re.search(r'- 127\.0\.0\.1:(\d+)', text.split('http:')[1]).group(1))

    def logtext(self):
        with open(self.logpath) as f:
            return f.read()

    def get(self, path):
        try:
            with urllib.request.urlopen(
                    f'http://127.0.0.1:{self.http}{path}', timeout=2) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()
        except OSError:
            return None, ''

    def metric(self, name, labels=''):
        _, text = self.get('/metrics')
        m = re.search(r'^' + re.escape(name + labels) + r' (\d+)$', text, re.M)
        return int(m.group(1)) if m else None


def media_node(workdir, k, redis_port, timeout_s):
    ng, http, sip = free_port(), free_port(), free_port()
    text = f"""node:
  role: media
  name: dgcl-m{k}
sip:
  listen:
    - udp:127.0.0.1:{sip}
http:
  listen:
    - 127.0.0.1:{http}
log:
  level: debug
media:
  ng_listen: 127.0.0.1:{ng}
  dp_instance: {INSTANCES[k]}
  timeout: {timeout_s}s
""" + cluster_yaml(redis_port, '  capacity: 1000\n')
    n = Node(workdir, f'm{k}', text)
    n.ng = ng
    return n


def edge_node(workdir, redis_port):
    sip, http = free_port(), free_port()
    text = f"""node:
  role: edge
  name: dgcl-edge
sip:
  listen:
    - udp:127.0.0.1:{sip}
  domains: [{DOMAIN}]
  t1: 200ms
http:
  listen:
    - 127.0.0.1:{http}
log:
  level: debug
edge: {{}}
media:
  required: auto
""" + cluster_yaml(redis_port, '  id: e1\n  media: remote\n')
    n = Node(workdir, 'edge', text)
    n.sip = ('127.0.0.1', sip)
    return n


# --- a small SIP user agent -------------------------------------------------------

class Msg:
    def __init__(self, data):
        text = data.decode(errors='replace')
        head, _, self.body = text.partition('\r\n\r\n')
        lines = head.split('\r\n')
        self.first = lines[0]
        self.hdrs = [(k.strip().lower(), v.strip()) for k, _, v in
                     (l.partition(':') for l in lines[1:])]
        self.status = (int(self.first.split()[1])
                       if self.first.startswith('SIP/2.0') else 0)
        self.method = '' if self.status else self.first.split()[0]

    def get(self, name):
        return [v for k, v in self.hdrs if k == name]

    def one(self, name):
        v = self.get(name)
        return v[0] if v else ''


def sdp_body(sess):
    return (f'v=0\r\no=- {sess} 1 IN IP4 10.1.1.1\r\ns=call\r\n'
            'c=IN IP4 10.1.1.1\r\nt=0 0\r\n'
            f'm=audio {20000 + 2 * sess} RTP/AVP 0\r\n'
            'a=rtpmap:0 PCMU/8000\r\na=sendrecv\r\n')


class Ua:
    def __init__(self, name, edge):
        self.name = name
        self.s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.s.bind(('127.0.0.1', 0))
        self.addr = f'127.0.0.1:{self.s.getsockname()[1]}'
        self.edge = edge
        self.n = 0
        self.queue = []

    def branch(self):
        self.n += 1
        return f'z9hG4bK{self.name}{os.getpid()}x{self.n}'

    def send(self, text, body=''):
        if body:
            text += 'Content-Type: application/sdp\r\n'
        text += f'Content-Length: {len(body)}\r\n\r\n{body}'
        self.s.sendto(text.encode(), self.edge)

    def recv(self, pred, timeout=5):
        for m in self.queue:
            if pred(m):
                self.queue.remove(m)
                return m
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
            self.queue.append(m)
        return None

    def sdp(self, sess):
        return sdp_body(sess)

    def reply(self, req, code, reason, tag, body='', contact=True):
        text = f'SIP/2.0 {code} {reason}\r\n'
        for v in req.get('via'):
            text += f'Via: {v}\r\n'
        for v in req.get('record-route'):
            text += f'Record-Route: {v}\r\n'
        to = req.one('to')
        if 'tag=' not in to:
            to += f';tag={tag}'
        text += (f"From: {req.one('from')}\r\nTo: {to}\r\n"
                 f"Call-ID: {req.one('call-id')}\r\nCSeq: {req.one('cseq')}\r\n")
        if contact:
            text += f'Contact: <sip:{self.name}@{self.addr}>\r\n'
        self.send(text, body)


def register(ua):
    ua.send(f'REGISTER sip:{DOMAIN} SIP/2.0\r\n'
            f'Via: SIP/2.0/UDP {ua.addr};branch={ua.branch()};rport\r\n'
            'Max-Forwards: 70\r\n'
            f'From: <sip:{ua.name}@{DOMAIN}>;tag=r{ua.name}\r\n'
            f'To: <sip:{ua.name}@{DOMAIN}>\r\nCall-ID: reg-{ua.name}-{os.getpid()}\r\n'
            'CSeq: 1 REGISTER\r\n'
            f'Contact: <sip:{ua.name}@{ua.addr}>\r\nExpires: 600\r\n')
    r = ua.recv(lambda m: m.status >= 200)
    return r.status if r else None


def establish(alice, bob, cid, sess):
    """alice calls bob; True when the call is confirmed on both sides."""
    ftag, ttag = 'a' + str(sess), 'b' + str(sess)
    alice.send(f'INVITE sip:bob@{DOMAIN} SIP/2.0\r\n'
               f'Via: SIP/2.0/UDP {alice.addr};branch={alice.branch()};rport\r\n'
               'Max-Forwards: 70\r\n'
               f'From: <sip:alice@{DOMAIN}>;tag={ftag}\r\n'
               f'To: <sip:bob@{DOMAIN}>\r\nCall-ID: {cid}\r\n'
               'CSeq: 1 INVITE\r\n'
               f'Contact: <sip:alice@{alice.addr}>\r\n', alice.sdp(sess))
    inv = bob.recv(lambda m: m.method == 'INVITE' and m.one('call-id') == cid)
    if not check(inv is not None, f'{cid}: callee got the INVITE'):
        return False
    check('c=IN IP4 10.79.' in inv.body,
          f'{cid}: the offer was anchored in a media node: {inv.body!r}')
    bob.reply(inv, 200, 'OK', ttag, bob.sdp(sess + 1))
    ok = alice.recv(lambda m: m.status >= 200 and m.one('call-id') == cid)
    if not check(ok is not None and ok.status == 200,
                 f'{cid}: caller got 200: {ok.first if ok else None}'):
        return False
    route = ''.join(f'Route: {r}\r\n' for r in reversed(ok.get('record-route')))
    alice.send(f'ACK sip:bob@{bob.addr} SIP/2.0\r\n'
               f'Via: SIP/2.0/UDP {alice.addr};branch={alice.branch()};rport\r\n'
               f'Max-Forwards: 70\r\n{route}'
               f'From: <sip:alice@{DOMAIN}>;tag={ftag}\r\n'
               f'To: <sip:bob@{DOMAIN}>;tag={ttag}\r\n'
               f'Call-ID: {cid}\r\nCSeq: 1 ACK\r\n')
    ack = bob.recv(lambda m: m.method == 'ACK' and m.one('call-id') == cid)
    return check(ack is not None, f'{cid}: callee got the ACK')


def ring(alice, bob, cid, sess):
    """alice calls bob, who only rings: an offer anchored, no answer."""
    alice.send(f'INVITE sip:bob@{DOMAIN} SIP/2.0\r\n'
               f'Via: SIP/2.0/UDP {alice.addr};branch={alice.branch()};rport\r\n'
               'Max-Forwards: 70\r\n'
               f'From: <sip:alice@{DOMAIN}>;tag=a{sess}\r\n'
               f'To: <sip:bob@{DOMAIN}>\r\nCall-ID: {cid}\r\n'
               'CSeq: 1 INVITE\r\n'
               f'Contact: <sip:alice@{alice.addr}>\r\n', alice.sdp(sess))
    inv = bob.recv(lambda m: m.method == 'INVITE' and m.one('call-id') == cid)
    if not check(inv is not None and 'c=IN IP4 10.79.' in inv.body,
                 f'{cid}: the callee got the anchored INVITE'):
        return False
    bob.reply(inv, 180, 'Ringing', f'b{sess}')
    r = alice.recv(lambda m: m.status == 180 and m.one('call-id') == cid)
    return check(r is not None, f'{cid}: the caller hears ringing')


def benc(v):
    if isinstance(v, int):
        return b'i%de' % v
    if isinstance(v, str):
        v = v.encode()
    if isinstance(v, bytes):
        return b'%d:%s' % (len(v), v)
    if isinstance(v, list):
        return b'l' + b''.join(benc(x) for x in v) + b'e'
    return b'd' + b''.join(benc(k) + benc(x) for k, x in v.items()) + b'e'


def ng_offer(port, cid, sess):
    """An offer as Kamailio's rtpengine module sends it: no drongo-node."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(3)
    cookie = f'k{os.getpid()}_{sess}'.encode()
    s.sendto(cookie + b' ' + benc({
        'command': 'offer', 'call-id': cid, 'from-tag': f'kf{sess}',
        'sdp': sdp_body(sess), 'flags': ['trust-address']}),
        ('127.0.0.1', port))
    try:
        reply = s.recv(65536)
    except socket.timeout:
        reply = b''
    s.close()
    return reply.startswith(cookie + b' ') and b'6:result2:ok' in reply


def media_calls(nodes):
    return {k: n.metric('drongo_media_calls') for k, n in nodes.items()}


def test(workdir):
    for k in (1, 2):
        setup_netns(k)
    dplogs = {k: start_dp(workdir, k) for k in (1, 2)}
    redis_port = start_redis(workdir)
    for k in (1, 2):
        if not wait_for(lambda: dp_up(k) or procs[f'dp{k}'].poll() is not None, 30, 0.2) \
                or procs[f'dp{k}'].poll() is not None:
            raise RuntimeError(f'drongo-dp {k} did not come up: ' +
                               open(dplogs[k]).read()[-2000:])
    media = {k: media_node(workdir, k, redis_port, MEDIA_TIMEOUT_S[k])
             for k in (1, 2)}
    edge = edge_node(workdir, redis_port)

    def both_up():
        st, body = edge.get('/api/cluster')
        if st != 200:
            return False
        nodes = json.loads(body).get('media_nodes', [])
        return len([n for n in nodes if n['up']]) == 2
    check(wait_for(both_up, 10), 'the edge sees both media nodes up')
    st, body = edge.get('/health')
    check(st == 200 and '"media_nodes":{"up":true}' in body,
          f'edge /health ready with media nodes: {st} {body}')

    def sees_peers():
        st, body = media[1].get('/api/cluster')
        peers = {p['id']: p for p in json.loads(body)['peers']} if st == 200 else {}
        return (peers.get('e1', {}).get('alive') is True and
                peers.get('dgcl-m2', {}).get('role') == 'media')
    check(wait_for(sees_peers, 5),
          'a media node sees the edge and the other media node')
    check(media[1].metric('drongo_cluster_peers', '{role="media"}') == 2 and
          media[1].metric('drongo_cluster_peers', '{role="edge"}') == 1 and
          media[1].metric('drongo_redis_up') == 1,
          'a media node\'s /metrics count its peers by role and Redis up')

    alice, bob = Ua('alice', edge.sip), Ua('bob', edge.sip)
    check(register(bob) == 200, 'bob registered')

    # Two calls without an owner on node 1 make it the more loaded node.
    check(ng_offer(media[1].ng, 'k-1', 40) and ng_offer(media[1].ng, 'k-2', 42),
          'Kamailio-style offers served by media node 1')

    def edge_sees_load():
        st, body = edge.get('/api/cluster')
        peers = {p['id']: p for p in json.loads(body)['peers']} if st == 200 else {}
        return peers.get('dgcl-m1', {}).get('load') == 2
    check(wait_for(edge_sees_load, 5), 'the edge reads node 1\'s load from Redis')

    alice, bob = Ua('alice', edge.sip), Ua('bob', edge.sip)
    check(register(bob) == 200, 'bob registered')
    check(establish(alice, bob, 'cl-1', 10), 'call 1 established')
    check(establish(alice, bob, 'cl-2', 20), 'call 2 established')
    check(wait_for(lambda: media_calls(media) == {1: 2, 2: 2}, 3),
          f'both calls landed on the less loaded node 2: {media_calls(media)}')
    check(wait_for(lambda: dp_sessions(2) == 2, 5),
          'node 2\'s data plane holds the two sessions')

    # Node 2's drongo dies mid-call.
    kill('m2', signal.SIGKILL)
    t0 = time.time()
    for cid in ('cl-1', 'cl-2'):
        bye_a = alice.recv(lambda m: m.method == 'BYE' and m.one('call-id') == cid, 8)
        bye_b = bob.recv(lambda m: m.method == 'BYE' and m.one('call-id') == cid, 3)
        for who, ua, bye in (('caller', alice, bye_a), ('callee', bob, bye_b)):
            if check(bye is not None, f'{cid}: the {who} got a BYE (media node dead)'):
                check('text="media node lost"' in bye.one('reason'),
                      f'{cid}: the {who}\'s BYE says why: {bye.one("reason")!r}')
                ua.reply(bye, 200, 'OK', 'x', contact=False)
    print(f'BYEs {time.time() - t0:.1f}s after the media node died')
    st, body = edge.get('/api/cluster')
    nodes = {n['id']: n for n in json.loads(body).get('media_nodes', [])} if st == 200 else {}
    check(nodes.get('dgcl-m2', {}).get('up') is False and
          nodes.get('dgcl-m1', {}).get('up') is True,
          f'the edge marks the dead node down: {body}')
    check(edge.metric('drongo_media_node_calls_ended_total', '{node="dgcl-m2"}') == 2,
          'the edge counts the calls ended by the node loss')
    check(establish(alice, bob, 'cl-3', 30), 'a new call succeeds after the node loss')
    check(wait_for(lambda: media[1].metric('drongo_media_calls') == 3, 3),
          'the new call is on the surviving node')
    check(media[1].metric('drongo_media_calls_owned') == 1,
          'node 1 knows one call is owned by the edge')

    # No RTP: node 1's data plane times cl-3 out; the edge hears it through
    # Redis and ends the dialog.
    t0 = time.time()
    bye_a = alice.recv(lambda m: m.method == 'BYE' and m.one('call-id') == 'cl-3',
                       MEDIA_TIMEOUT_S[1] + 6)
    bye_b = bob.recv(lambda m: m.method == 'BYE' and m.one('call-id') == 'cl-3', 3)
    for who, ua, bye in (('caller', alice, bye_a), ('callee', bob, bye_b)):
        if check(bye is not None, f'cl-3: the {who} got a BYE (media timeout on the node)'):
            ua.reply(bye, 200, 'OK', 'x', contact=False)
    print(f'media timeout BYEs {time.time() - t0:.1f}s after the call was set up')
    check(media[1].metric('drongo_media_reaped_total', '{reason="idle"}') == 1 and
          media[1].metric('drongo_cluster_ended_sent_total') == 1,
          'node 1 counts the timeout and tells the edge')
    check(edge.metric('drongo_cluster_ended_received_total') == 1,
          'the edge took the ended call from Redis')
    check(wait_for(lambda: media[1].metric('drongo_media_calls') == 2, 3),
          'only the calls that never got an answer are left on node 1')

    # A ringing call (offer anchored, no answer: no media timeout).
    check(ring(alice, bob, 'cl-5', 50), 'cl-5 rings')

    # Redis dies: a new call is placed on the known node, and nothing is
    # reaped for want of heartbeats.
    kill('redis', signal.SIGKILL)
    check(wait_for(lambda: media[1].metric('drongo_redis_up') == 0 and
                   edge.metric('drongo_cluster_view_fresh') == 0, 5),
          'Redis down is seen by both nodes')
    st, body = edge.get('/health')
    check(st == 200, f'Redis down leaves the edge ready: {st} {body}')
    check(ring(alice, bob, 'cl-4', 40), 'a call is anchored while Redis is down')
    time.sleep(TTL_S + GRACE_S)
    check(media[1].metric('drongo_media_calls') == 4 and
          media[1].metric('drongo_media_reaped_total', '{reason="orphan"}') == 0,
          'nothing is reaped while Redis is down')
    check((media[1].metric('drongo_media_owner_sweeps_skipped_total') or 0) > 0,
          'the media node counts the sweeps it skipped')
    start_redis(workdir, redis_port)
    check(wait_for(lambda: edge.metric('drongo_cluster_view_fresh') == 1 and
                   media[1].metric('drongo_cluster_view_fresh') == 1, 10),
          'both nodes are back in Redis after it restarts')
    check(media[1].metric('drongo_media_reaped_total', '{reason="orphan"}') == 0,
          'a live edge\'s calls survive the Redis outage')

    # The edge dies and is started again at once under the same id (as a
    # supervisor does): its heartbeat never lapses, yet the calls of the
    # dead run are orphans, reaped after the grace.
    kill('edge', signal.SIGKILL)
    t_kill = time.time()
    edge = edge_node(workdir, redis_port)
    time.sleep(0.5)
    check(media[1].metric('drongo_media_calls') == 4,
          'the calls are kept while the edge may only be late')
    reaped = wait_for(lambda: media[1].metric('drongo_media_reaped_total',
                                              '{reason="orphan"}') == 2,
                      TTL_S + GRACE_S + 5)
    took = time.time() - t_kill
    check(reaped, 'the media node reaped the dead edge\'s calls')
    check(took >= GRACE_S, f'not before the grace period ({took:.1f}s)')
    print(f'reaped {took:.1f}s after the edge died')
    time.sleep(1)
    check(media[1].metric('drongo_media_calls') == 2,
          'the calls without an owner are kept')
    check(media[1].metric('drongo_media_reaped_total', '{reason="orphan"}') == 2,
          'nothing else is reaped')
    check(wait_for(lambda: dp_sessions(1) == 2, 5),
          'the data plane released the reaped calls\' sessions only')
    check(procs['m1'].poll() is None, 'the media node keeps running')
    st, body = media[1].get('/api/cluster')
    peers = {p['id']: p for p in json.loads(body)['peers']} if st == 200 else {}
    check(peers.get('e1', {}).get('alive') is True,
          'the restarted edge is alive in the media node\'s view')
    check(edge.metric('drongo_media_nodes_usable') == 1,
          'the restarted edge uses the surviving media node')
    log = media[1].logtext()
    check('event=media.reap call_id=cl-4 owner=e1' in log and
          'event=media.reap call_id=cl-5 owner=e1' in log,
          'the reaping is logged with the call and its owner')
    kill('m1')
    for bad in ('runtime error:', 'AddressSanitizer', 'LeakSanitizer'):
        check(bad not in media[1].logtext(), f'no sanitizer report ({bad})')


def main():
    if os.geteuid() != 0:
        print('SKIP: needs root (network namespaces)')
        return 77
    for tool, path in (('drongo-dp', DP), ('drongo-dpctl', DPCTL)):
        if not os.path.exists(path):
            print(f'SKIP: {tool} not built ({path})')
            return 77
    if shutil.which('redis-server') is None:
        print('SKIP: redis-server not installed')
        return 77
    workdir = tempfile.mkdtemp(prefix='dgcl-')
    # meson's timeout sends SIGTERM: clean up the namespaces then too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    cleanup()
    try:
        test(workdir)
    except Exception as e:
        failures.append(f'{type(e).__name__}: {e}')
        print('ERROR:', e)
    finally:
        cleanup()
    if failures:
        for name in ('edge', 'm1', 'm2', 'dp1', 'dp2'):
            path = os.path.join(workdir, f'{name}.log')
            if os.path.exists(path):
                print(f'--- {name}.log (tail) ---')
                print(open(path).read()[-3000:])
        print(f'{len(failures)} failure(s)')
        return 1
    shutil.rmtree(workdir, ignore_errors=True)
    print('OK')
    return 0


if __name__ == '__main__':
    sys.exit(main())

#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""The whole topology of issue 8, assembled once: one balancer (drongo role
lb, 127.0.10.1), three edge nodes (127.0.10.11-13, edge.location redis,
cluster.media remote), two media nodes (drongo role media, each in front of
its own drongo-dp on net_af_packet over a veth in a namespace of its own,
dge2e-dp1 and dge2e-dp2) and one redis-server on a free port. The user
agents are sipp: bob registers through the balancer and answers calls
(a sipp UAS on the address he registered), alice calls through it.

The issue's sentences, in order, each asserted with evidence:
  1. bob registers through the lb (the edge that took it: the edges'
     drongo_proxy_registers_total) and is reached by calls that land on
     the other edges (their /api/dialogs while the calls are up; the edge
     Via under the lb's on the callee's side);
  2. 20 concurrent calls through the lb: each call is on exactly one edge
     (/api/dialogs of all three) and one media node (ng `list` of both,
     the relay address in the callee's SDP), and its INVITE, ACK and BYE
     all reached the callee through that edge (sipp's trace);
  3. two UAs register one AoR concurrently through the lb (10 REGISTERs in
     flight, each adding a binding, spread over the edges: their
     registers counters): a query then lists all 10 contacts, four AoRs
     in a row;
  4. media node 2's drongo is killed mid-call: exactly the calls it held
     (ng list before) end with a BYE (Reason text "media node lost") to
     caller and callee
     (sipp's traces), the others are hung up by the caller; new calls
     succeed, all on node 1 (ng list, callee's SDP);
  5. the edge holding two held calls is killed: the lb takes it out within
     (down_after + 1) probe intervals and sends it nothing more while the
     same Call-IDs succeed through the other edges; media node 1 reaps the
     dead edge's two calls after heartbeat_ttl + orphan_grace (/metrics,
     its log, its data plane's session count);
  6. Redis is killed: REGISTER and an INVITE to bob get 503 with
     Retry-After: 5 from the edges (the lb keeps them up; its own 503 would
     say 7); Redis restarted on the same port: every node reconnects, bob
     registers and is reached again, no process was restarted.

Usage: test_e2e_cluster.py PATH/TO/drongo [PATH/TO/drongo-dp [PATH/TO/drongo-dpctl]]
"""
import importlib.util
import json
import os
import re
import shutil
import signal
import socket
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
INTEG = os.path.dirname(HERE)
sys.path.insert(0, INTEG)
from drongo_harness import free_port  # noqa: E402
import dp_node  # noqa: E402


def _load(name, rel):
    spec = importlib.util.spec_from_file_location(name, os.path.join(INTEG, rel))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


# The cluster test's process registry, Node, redis-server and bencode
# helpers, the balancer test's sipp runner and trace parser.
cl = _load('dge2e_cluster', 'cluster/test_cluster_media.py')
lbt = _load('dge2e_lb', 'lb/test_lb.py')
parse_trace, hdr, first_line = lbt.parse_trace, lbt.hdr, lbt.first_line

DRONGO, DP, DPCTL = cl.DRONGO, cl.DP, cl.DPCTL
DOMAIN = lbt.DOMAIN
LB_IP = '127.0.10.1'
EDGE_IPS = {1: '127.0.10.11', 2: '127.0.10.12', 3: '127.0.10.13'}
BOB_IP, CALLER_IP = '127.0.10.20', '127.0.10.21'
REG_IPS = ('127.0.10.22', '127.0.10.23')
NSS = {1: 'dge2e-dp1', 2: 'dge2e-dp2'}
INSTANCES = {1: '61', 2: '62'}
PROBE_MS, DOWN_AFTER = 300, 2
TTL_MS, GRACE_MS = 1000, 2000
SCEN = {'reg': os.path.join(HERE, 'e2e_reg.xml'),
        'query': os.path.join(HERE, 'e2e_reg_query.xml'),
        'hold': os.path.join(HERE, 'e2e_uac_hold.xml'),
        'uas': os.path.join(INTEG, 'lb', 'lb_uas.xml'),
        'uac': os.path.join(INTEG, 'lb', 'lb_uac.xml')}

sipps = []
failures = []
check = cl.check


def sh(cmd, check_rc=True):
    return cl.sh(cmd, check_rc)


# --- the cluster --------------------------------------------------------------

def setup_netns(k):
    dp_node.netns_veth(NSS[k], f'dge2e-d{k}', f'dge2e-g{k}', f'10.83.{k}.1/24')


def start_dp(workdir, k):
    # Each node's main lcore shares the other's worker core (2 vCPUs).
    cl.procs[f'dp{k}'], logpath = dp_node.start(
        DP, workdir, f'dp{k}', NSS[k], f'dge2e-d{k}', INSTANCES[k],
        f'10.83.{k}.2/24', f'10.83.{k}.1', f'dge2e-{k}', k - 1)
    return logpath


def dp_sessions(k):
    return dp_node.sessions(DPCTL, INSTANCES[k])


def common_yaml(name, http, redis_port, cluster_extra='', level='info'):
    return (f'http:\n  listen:\n    - 127.0.0.1:{http}\n'
            f'log:\n  level: {level}\n'
            f'redis:\n  address: 127.0.0.1:{redis_port}\n'
            '  backoff_min: 50ms\n  backoff_max: 300ms\n'
            f'cluster:\n  id: {name}\n  heartbeat_interval: 300ms\n'
            f'  heartbeat_ttl: {TTL_MS}ms\n  orphan_grace: {GRACE_MS}ms\n'
            + cluster_extra)


def media_node(workdir, k, redis_port):
    ng, http, sip = free_port(), free_port(), free_port()
    name = f'dge2e-m{k}'
    n = cl.Node(workdir, f'm{k}',
                f'node:\n  role: media\n  name: {name}\n'
                f'sip:\n  listen:\n    - udp:127.0.0.1:{sip}\n'
                f'media:\n  ng_listen: 127.0.0.1:{ng}\n'
                f'  dp_instance: {INSTANCES[k]}\n  timeout: 120s\n'
                + common_yaml(name, http, redis_port, '  capacity: 1000\n',
                              'debug'))
    n.ng, n.id = ng, name
    return n


def edge_node(workdir, i, redis_port):
    sip, http = free_port(), free_port()
    name = f'dge2e-e{i}'
    n = cl.Node(workdir, f'e{i}',
                f'node:\n  role: edge\n  name: {name}\n'
                f'sip:\n  listen:\n    - udp:{EDGE_IPS[i]}:{sip}\n'
                f'  domains: [{DOMAIN}]\n  t1: 200ms\n'
                'media:\n  required: auto\n'
                'edge:\n  location: redis\n  retry_after: 5\n'
                + common_yaml(name, http, redis_port, '  media: remote\n'))
    n.ip, n.sip, n.id, n.k = EDGE_IPS[i], sip, name, i
    return n


def lb_node(workdir, edges):
    sip, http = free_port(), free_port()
    text = (f'node:\n  role: lb\n  name: dge2e-lb\n'
            f'sip:\n  listen:\n    - udp:{LB_IP}:{sip}\n'
            f'http:\n  listen:\n    - 127.0.0.1:{http}\n'
            'log:\n  level: info\n'
            'lb:\n  edges:\n' +
            ''.join(f'    - {{ address: "{e.ip}:{e.sip}", name: {e.id} }}\n'
                    for e in edges.values()) +
            f'  probe_interval: {PROBE_MS}ms\n  down_after: {DOWN_AFTER}\n'
            '  up_after: 2\n  secret: "dge2e-balancer-secret-0123"\n'
            '  retry_after: 7s\n')
    n = cl.Node(workdir, 'lb', text)
    n.target = f'{LB_IP}:{sip}'
    return n


def get_json(node, path):
    st, body = node.get(path)
    if st != 200:
        raise AssertionError(f'{node.name} {path}: {st} {body[:300]}')
    return json.loads(body)


def lb_edges(lb):
    return {e['name']: e for e in get_json(lb, '/api/lb/edges')['edges']}


def registers(edges):
    return {i: e.metric('drongo_proxy_registers_total') or 0
            for i, e in edges.items()}


def dialogs_by_edge(edges, prefix):
    """{call_id: edge number} of the confirmed dialogs whose Call-ID starts
    with prefix, and the Call-IDs listed by more than one edge."""
    where, twice = {}, set()
    for i, e in edges.items():
        for d in get_json(e, '/api/dialogs')['dialogs']:
            if d['call_id'].startswith(prefix) and d['state'] == 'confirmed':
                if d['call_id'] in where:
                    twice.add(d['call_id'])
                where[d['call_id']] = i
    return where, twice


def bdecode(data, i=0):
    """One bencoded value of data at i: (value, next index)."""
    c = data[i:i + 1]
    if c == b'i':
        j = data.index(b'e', i)
        return int(data[i + 1:j]), j + 1
    if c in (b'l', b'd'):
        i += 1
        items = []
        while data[i:i + 1] != b'e':
            v, i = bdecode(data, i)
            items.append(v)
        if c == b'l':
            return items, i + 1
        return dict(zip(items[::2], items[1::2])), i + 1
    j = data.index(b':', i)
    n = int(data[i:j])
    return data[j + 1:j + 1 + n].decode(), j + 1 + n


NG_SEQ = [0]


def ng_list(node):
    """The Call-IDs a media node holds (ng list), or None if it is silent."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(2)
    # A new cookie each time: the server answers a repeated one from its
    # cache of replies (retransmissions).
    NG_SEQ[0] += 1
    cookie = b'e2e%d_%d' % (os.getpid(), NG_SEQ[0])
    try:
        s.sendto(cookie + b' ' + cl.benc({'command': 'list', 'limit': 500}),
                 ('127.0.0.1', node.ng))
        data = s.recv(65536)
    except OSError:
        return None
    finally:
        s.close()
    reply, _ = bdecode(data[len(cookie) + 1:])
    assert reply.get('result') == 'ok', reply
    return set(reply['calls'])


# --- sipp ----------------------------------------------------------------------

NEXT_PORT = [21000 + os.getpid() % 400 * 20]


def sipp_port(ip):
    """A UDP port for a sipp on one of the test's own addresses, below the
    ephemeral range: free_port()'s ports are ephemeral ones, which any
    process's autobound socket on the wildcard address may take before
    sipp binds (a sipp that cannot bind sends nothing)."""
    for _ in range(2000):
        NEXT_PORT[0] = NEXT_PORT[0] + 1 if NEXT_PORT[0] < 29999 else 21000
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            u.bind((ip, NEXT_PORT[0]))
            return NEXT_PORT[0]
        except OSError:
            continue
        finally:
            u.close()
    raise RuntimeError(f'no free port on {ip}')


def sipp(work, scen, ip, port, name, args):
    p = lbt.Sipp(work, LB, SCEN[scen], ip, port, name, args)
    sipps.append(p)
    return p


def callee(work, name, n):
    """bob's phone: a sipp UAS on the address bob registered."""
    p = sipp(work, 'uas', BOB_IP, BOB_PORT, name, ['-m', str(n)])
    time.sleep(0.3)
    return p


def responses(trace, code):
    return [m for d, m in parse_trace(trace)
            if d == 'rx' and first_line(m).startswith(f'SIP/2.0 {code} ')]


def rx_requests(trace):
    """{call_id: [(method, text)]} of the requests a sipp received."""
    out = {}
    for d, m in parse_trace(trace):
        fl = first_line(m)
        if d == 'rx' and not fl.startswith('SIP/2.0'):
            out.setdefault(hdr(m, 'Call-ID')[0], []).append((fl.split()[0], m))
    return out


def edge_via(msg):
    """The edge a request to the callee passed: the Via under the lb's."""
    vias = hdr(msg, 'Via')
    assert vias[0].startswith(f'SIP/2.0/UDP {LB}'), msg
    ip = re.match(r'SIP/2\.0/UDP ([0-9.]+):', vias[1]).group(1)
    return [i for i, a in EDGE_IPS.items() if a == ip][0]


def relay_node(invite):
    """The media node whose relay address the callee's offer names."""
    m = re.search(r'c=IN IP4 10\.83\.(\d)\.2', invite)
    return int(m.group(1)) if m else None


def wait_calls(edges, prefix, n, timeout=10):
    """Waits until n dialogs with the prefix are confirmed; their edges."""
    where = cl.wait_for(lambda: (lambda w: w[0] if len(w[0]) >= n else None)(
        dialogs_by_edge(edges, prefix)), timeout, 0.1)
    return where or dialogs_by_edge(edges, prefix)[0]


# --- the walk -------------------------------------------------------------------

def step1_2_register_and_calls(work, edges, media, lb):
    global BOB_PORT
    BOB_PORT = sipp_port(BOB_IP)
    before = registers(edges)
    reg = sipp(work, 'reg', BOB_IP, BOB_PORT, 'reg_bob',
               ['-m', '1', '-s', 'bob', '-cid_str', 'e2e-regbob'])
    reg.check(20)
    check(len(responses(reg.msg, 200)) == 1, 'bob registered through the lb (200)')
    grew = {i for i, n in registers(edges).items() if n != before[i]}
    check(len(grew) == 1, f'one edge took bob\'s REGISTER: {grew}')
    reg_edge = min(grew) if grew else 0
    if reg_edge:
        e = edges[reg_edge]
        check((e.metric('drongo_location_redis_ops_total') or 0) > 0 and
              e.metric('drongo_proxy_registered_aors') is None,
              'the edge reports its Redis location operations, not a local '
              'AoR count')

    n = 20
    uas = callee(work, 'uas_20', n)
    lb_before = lb_edges(lb)
    uac = sipp(work, 'hold', CALLER_IP, sipp_port(CALLER_IP), 'uac_20',
               ['-m', str(n), '-l', str(n), '-r', '100', '-s', 'bob',
                '-cid_str', 'e2e-c-%u'])
    edge_of = wait_calls(edges, 'e2e-c-', n)
    _, twice = dialogs_by_edge(edges, 'e2e-c-')
    node_of = {}
    for k, m in media.items():
        for cid in ng_list(m) or ():
            if cid.startswith('e2e-c-'):
                check(cid not in node_of, f'{cid} on both media nodes')
                node_of[cid] = k
    uac.check(30)
    uas.check(30)
    check(len(edge_of) == n and not twice,
          f'the {n} calls were up at once, each on one edge: '
          f'{len(edge_of)} listed, on two edges: {twice}')
    check(set(node_of) == set(edge_of),
          f'each call on one media node (ng list): {sorted(node_of.items())}')
    got = rx_requests(uas.msg)
    for cid, e in sorted(edge_of.items()):
        methods = [meth for meth, _ in got.get(cid, [])]
        check(sorted(methods) == ['ACK', 'BYE', 'INVITE'],
              f'{cid}: the callee got INVITE, ACK and BYE: {methods}')
        passed = {edge_via(m) for _, m in got.get(cid, [])}
        check(passed == {e}, f'{cid}: every request through edge {e} '
              f'(/api/dialogs), the callee saw {passed}')
        inv = [m for meth, m in got.get(cid, []) if meth == 'INVITE']
        check(inv and relay_node(inv[0]) == node_of.get(cid),
              f'{cid}: the callee\'s offer names the relay of media node '
              f'{node_of.get(cid)}')
    lb_after = lb_edges(lb)
    for i, e in edges.items():
        calls = sum(1 for x in edge_of.values() if x == i)
        sent = lb_after[e.id]['requests'] - lb_before[e.id]['requests']
        check(sent >= 3 * calls and (calls > 0 or sent == 0),
              f'lb counted {sent} requests to {e.id} for its {calls} calls')
    spread = {i: sum(1 for x in edge_of.values() if x == i) for i in edges}
    on_nodes = {k: sum(1 for x in node_of.values() if x == k) for k in media}
    elsewhere = [c for c, e in edge_of.items() if e != reg_edge]
    check(len(elsewhere) > 0 and all(c in got for c in elsewhere),
          f'bob (registered through edge {reg_edge}) reached by calls landing '
          f'on other edges: {len(elsewhere)} of {n}')
    check(len(responses(uac.msg, 200)) >= 2 * n,
          'the caller got 200 to every INVITE and BYE')
    print(f'1. bob registered through edge {reg_edge}, reached by {len(elsewhere)} '
          f'calls through the other edges')
    print(f'2. {n} concurrent calls, per edge {spread}, per media node {on_nodes}; '
          f'INVITE/ACK/BYE of each through one edge')
    return edge_of


def step3_same_aor(work, edges):
    # Five REGISTERs of each UA in flight, ten writers of one AoR at once
    # (the registrar's compare-and-swap once gave up after four lost
    # races: 500 to some of them). One round an AoR (10 bindings, the
    # most an AoR holds), four AoRs.
    per_ua, want = 5, {}
    for r in range(1, 5):
        aor = f'carol{r}'
        before = registers(edges)
        ports = [sipp_port(ip) for ip in REG_IPS]
        uas = [sipp(work, 'reg', ip, port, f'reg_{aor}{r}_{j}',
                    ['-m', str(per_ua), '-l', str(per_ua), '-r', '1000',
                     '-s', aor, '-cid_str', f'e2e-{aor}{r}-{j}-%u'])
               for j, (ip, port) in enumerate(zip(REG_IPS, ports))]
        for p in uas:
            p.check(20)
            check(len(responses(p.msg, 200)) == per_ua,
                  f'{aor} round {r}: every REGISTER of {p.name} got 200')
        took = {i: n - before[i] for i, n in registers(edges).items() if n != before[i]}
        check(len(took) >= 2, f'{aor} round {r}: REGISTERs on two edges at '
              f'least: {took}')
        q = sipp(work, 'query', REG_IPS[0], sipp_port(REG_IPS[0]), f'query_{aor}{r}',
                 ['-m', '1', '-s', aor])
        q.check(20)
        ok = responses(q.msg, 200)
        listed = {re.match(r'<([^>]+)>', c).group(1)
                  for c in hdr(ok[0], 'Contact')} if ok else set()
        have = want.setdefault(aor, set())
        have |= {f'sip:{aor}-{n}@{ip}:{port}' for ip, port in zip(REG_IPS, ports)
                 for n in range(1, per_ua + 1)}
        check(listed == have, f'{aor} round {r}: nothing lost: missing '
              f'{have - listed}, extra {listed - have}')
        print(f'3. {aor} round {r}: {2 * per_ua} concurrent REGISTERs through '
              f'edges {took}, {len(listed)} bindings kept')


def step4_media_node_dies(work, edges, media):
    n = 6
    uas = callee(work, 'uas_m', n)
    uac = sipp(work, 'hold', CALLER_IP, sipp_port(CALLER_IP), 'uac_m',
               ['-m', str(n), '-l', str(n), '-r', '100', '-s', 'bob',
                '-cid_str', 'e2e-m-%u'])
    wait_calls(edges, 'e2e-m-', n)
    on = {k: {c for c in ng_list(m) or () if c.startswith('e2e-m-')}
          for k, m in media.items()}
    check(on[1] and on[2] and len(on[1] | on[2]) == n,
          f'the held calls are spread over both media nodes: {on}')
    cl.kill('m2', signal.SIGKILL)
    t0 = time.time()
    uac.check(30)
    uas.check(30)
    print(f'4. media node 2 killed holding {sorted(on[2])}; '
          f'sipp done {time.time() - t0:.1f}s later')
    for who, trace in (('caller', uac.msg), ('callee', uas.msg)):
        byes = {c: [m for meth, m in ms if meth == 'BYE']
                for c, ms in rx_requests(trace).items()}
        ended = {c for c, b in byes.items()
                 if b and 'text="media node lost"' in ' '.join(hdr(b[0], 'Reason'))}
        check(ended == on[2], f'the {who} got a BYE with Reason "media node '
              f'lost" for exactly node 2\'s calls: {sorted(ended)}')
    sent = {hdr(m, 'Call-ID')[0] for d, m in parse_trace(uac.msg)
            if d == 'tx' and first_line(m).startswith('BYE ')}
    check(sent == on[1], f'the caller hung up node 1\'s calls itself: {sorted(sent)}')
    check(edges_metric_sum(edges, 'drongo_media_node_calls_ended_total',
                           '{node="dge2e-m2"}') == len(on[2]),
          'the edges count node 2\'s calls as ended by the node loss')

    k = 4
    uas = callee(work, 'uas_m_new', k)
    uac = sipp(work, 'uac', CALLER_IP, sipp_port(CALLER_IP), 'uac_m_new',
               ['-m', str(k), '-l', str(k), '-r', '100', '-s', 'bob',
                '-cid_str', 'e2e-n-%u'])
    uac.check(30)
    uas.check(30)
    invs = {c: m for c, ms in rx_requests(uas.msg).items()
            for meth, m in ms if meth == 'INVITE'}
    check(len(invs) == k and all(relay_node(m) == 1 for m in invs.values()),
          f'the {k} new calls succeeded, all anchored on media node 1: '
          f'{ {c: relay_node(m) for c, m in invs.items()} }')
    check(len(responses(uac.msg, 200)) >= 2 * k, 'the new calls got 200s')
    print(f'4. {k} new calls succeeded on media node 1')


def edges_metric_sum(edges, name, labels=''):
    return sum(e.metric(name, labels) or 0 for i, e in edges.items()
               if f'e{i}' in cl.procs)


def step5_edge_dies(work, edges, media, lb, edge_of):
    by_edge = {}
    for cid, i in sorted(edge_of.items()):
        by_edge.setdefault(i, []).append(cid)
    victim = max(by_edge, key=lambda i: len(by_edge[i]))
    cids = by_edge[victim][:2]
    reaped0 = media[1].metric('drongo_media_reaped_total', '{reason="orphan"}') or 0
    sessions0 = dp_sessions(1)
    uas = callee(work, 'uas_e', len(cids))
    uacs = [sipp(work, 'hold', CALLER_IP, sipp_port(CALLER_IP), f'uac_e{j}',
                 ['-m', '1', '-s', 'bob', '-cid_str', cid])
            for j, cid in enumerate(cids)]
    where = wait_calls(edges, 'e2e-c-', len(cids))
    check(set(where) == set(cids) and set(where.values()) == {victim},
          f'the two held calls are on edge {victim}: {where}')
    check(ng_list(media[1]) >= set(cids), 'media node 1 holds them')
    check(cl.wait_for(lambda: dp_sessions(1) == sessions0 + len(cids), 5),
          'its data plane holds their sessions')
    vname = edges[victim].id
    cl.kill(f'e{victim}', signal.SIGKILL)
    t_kill = time.time()

    def down():
        return lb_edges(lb)[vname]['state'] == 'down'
    check(cl.wait_for(down, 5, 0.02), f'the lb takes {vname} out')
    took = time.time() - t_kill
    bound = (DOWN_AFTER + 1) * PROBE_MS / 1000.0 + 0.6
    check(took <= bound, f'out {took:.2f}s after the kill (bound {bound:.2f}s)')
    sent_at_down = lb_edges(lb)[vname]['requests']
    for p in uacs + [uas]:
        p.kill()

    # The dead edge's other Call-IDs of step 2 again, each from a sipp of
    # its own (those of the held calls are still on media node 1).
    again = by_edge[victim][len(cids):]
    uas = callee(work, 'uas_e_after', len(again))
    uacs = [sipp(work, 'uac', CALLER_IP, sipp_port(CALLER_IP), f'uac_e_after{j}',
                 ['-m', '1', '-s', 'bob', '-cid_str', cid])
            for j, cid in enumerate(again)]
    for p in uacs:
        p.check(30)
    uas.check(30)
    got = rx_requests(uas.msg)
    check(len(got) == len(again) and
          all(edge_via(ms[0][1]) != victim for ms in got.values()),
          f'calls after the kill all went through the living edges: '
          f'{ {c: edge_via(ms[0][1]) for c, ms in got.items()} }')
    lbv = lb_edges(lb)[vname]
    check(lbv['requests'] == sent_at_down and lbv['went_down'] == 1,
          f'the lb sent nothing more to {vname}: {lbv}')
    print(f'5. edge {victim} killed: out of the lb after {took:.2f}s, '
          f'{len(got)} new calls through the others, none to it')

    reaped = cl.wait_for(lambda: media[1].metric(
        'drongo_media_reaped_total', '{reason="orphan"}') == reaped0 + len(cids),
        (TTL_MS + GRACE_MS) / 1000.0 + 5)
    took = time.time() - t_kill
    check(reaped, f'media node 1 reaped the dead edge\'s {len(cids)} calls')
    check(took >= GRACE_MS / 1000.0, f'not before the grace ({took:.1f}s)')
    log = media[1].logtext()
    for cid in cids:
        check(f'event=media.reap call_id={cid} owner={vname}' in log,
              f'the reaping of {cid} is logged with its owner')
    check(not (ng_list(media[1]) & set(cids)), 'media node 1 lists them no more')
    check(cl.wait_for(lambda: dp_sessions(1) == sessions0, 5),
          f'its data plane released their sessions ({dp_sessions(1)} left)')
    print(f'5. their media sessions reaped {took:.1f}s after the kill')


def step6_redis(work, edges, lb, redis_port, workdir):
    live = {i: e for i, e in edges.items() if f'e{i}' in cl.procs}
    pids = {n: p.pid for n, p in cl.procs.items() if n != 'redis'}
    cl.kill('redis', signal.SIGKILL)
    check(cl.wait_for(lambda: all(e.metric('drongo_redis_up') == 0
                                  for e in live.values()), 5),
          'the edges see Redis down')
    reg = sipp(work, 'reg', BOB_IP, sipp_port(BOB_IP), 'reg_down',
               ['-m', '1', '-s', 'bob', '-cid_str', 'e2e-regdown'])
    reg.check(20)
    uac = sipp(work, 'hold', CALLER_IP, sipp_port(CALLER_IP), 'uac_down',
               ['-m', '2', '-s', 'bob', '-cid_str', 'e2e-d-%u'])
    uac.check(20)
    for what, trace, n in (('REGISTER', reg.msg, 1), ('INVITE', uac.msg, 2)):
        r = responses(trace, 503)
        check(len(r) == n and all(hdr(m, 'Retry-After') == ['5'] for m in r),
              f'{what} with Redis down: 503 with Retry-After: 5 (the edge\'s): '
              f'{[first_line(m) + " " + str(hdr(m, "Retry-After")) for m in r]}')
    states = {n: e['state'] for n, e in lb_edges(lb).items()}
    check(all(states[e.id] == 'up' for e in live.values()),
          f'the lb keeps the edges in while Redis is down: {states}')
    print('6. Redis down: REGISTER and INVITE 503 with Retry-After: 5')

    cl.start_redis(workdir, redis_port)
    check(cl.wait_for(lambda: all(e.metric('drongo_redis_up') == 1 and
                                  e.metric('drongo_cluster_view_fresh') == 1
                                  for e in live.values()), 10),
          'every edge is back on Redis')
    reg = sipp(work, 'reg', BOB_IP, BOB_PORT, 'reg_back',
               ['-m', '1', '-s', 'bob', '-cid_str', 'e2e-regback'])
    reg.check(20)
    check(len(responses(reg.msg, 200)) == 1, 'bob registers again after Redis is back')
    k = 3
    uas = callee(work, 'uas_back', k)
    uac = sipp(work, 'uac', CALLER_IP, sipp_port(CALLER_IP), 'uac_back',
               ['-m', str(k), '-l', str(k), '-r', '100', '-s', 'bob',
                '-cid_str', 'e2e-b-%u'])
    uac.check(30)
    uas.check(30)
    check(len(rx_requests(uas.msg)) == k, f'{k} calls reach bob again')
    check(all(cl.procs[n].pid == pid and cl.procs[n].poll() is None
              for n, pid in pids.items()),
          'no process was restarted or died')
    print(f'6. Redis back: bob registered and reached by {k} calls, nothing restarted')


def test(workdir):
    global LB
    t0 = time.time()
    for k in NSS:
        setup_netns(k)
    dplogs = {k: start_dp(workdir, k) for k in NSS}
    redis_port = cl.start_redis(workdir)
    for k in NSS:
        if not cl.wait_for(lambda: dp_sessions(k) is not None or
                           cl.procs[f'dp{k}'].poll() is not None, 30, 0.2) \
                or cl.procs[f'dp{k}'].poll() is not None:
            raise RuntimeError(f'drongo-dp {k} did not come up: ' +
                               open(dplogs[k]).read()[-2000:])
    media = {k: media_node(workdir, k, redis_port) for k in NSS}
    edges = {i: edge_node(workdir, i, redis_port) for i in EDGE_IPS}
    lb = lb_node(workdir, edges)
    LB = lb.target

    def assembled():
        for e in edges.values():
            st, body = e.get('/api/cluster')
            if st != 200 or len([n for n in json.loads(body).get('media_nodes', [])
                                 if n['up']]) != 2:
                return False
        st, body = lb.get('/api/lb/edges')
        return st == 200 and all(x['state'] == 'up' for x in json.loads(body)['edges'])
    if not cl.wait_for(assembled, 15, 0.1):
        raise RuntimeError('the cluster did not assemble (edges see both media '
                           'nodes, lb sees the edges up)')
    check(cl.wait_for(lambda: media[1].metric('drongo_cluster_peers',
                                              '{role="edge"}') == 3 and
                      media[1].metric('drongo_cluster_peers',
                                      '{role="media"}') == 2, 5),
          'a media node sees three edges and two media nodes in Redis')
    print(f'assembled in {time.time() - t0:.1f}s')
    edge_of = step1_2_register_and_calls(workdir, edges, media, lb)
    step3_same_aor(workdir, edges)
    step4_media_node_dies(workdir, edges, media)
    # Node 2's data plane has nothing left to do: give its CPU back.
    cl.kill('dp2')
    step5_edge_dies(workdir, edges, media, lb, edge_of)
    step6_redis(workdir, edges, lb, redis_port, workdir)
    for name in [n for n in cl.procs if n[0] in 'elm']:
        node_log = os.path.join(workdir, f'{name}.log')
        cl.kill(name)
        text = open(node_log).read()
        for bad in ('runtime error:', 'AddressSanitizer', 'LeakSanitizer'):
            check(bad not in text, f'{name}: no sanitizer report ({bad})')
    print(f'whole walk {time.time() - t0:.1f}s')


def cleanup():
    for p in sipps:
        p.kill()
    for name in list(cl.procs):
        cl.kill(name)
    for ns in NSS.values():
        sh(f'ip netns del {ns}', check_rc=False)


def main():
    if os.geteuid() != 0:
        print('SKIP: needs root (network namespaces)')
        return 77
    for tool, path in (('drongo-dp', DP), ('drongo-dpctl', DPCTL)):
        if not os.path.exists(path):
            print(f'SKIP: {tool} not built ({path})')
            return 77
    for tool in ('redis-server', 'sipp'):
        if shutil.which(tool) is None:
            print(f'SKIP: {tool} not installed')
            return 77
    probe = tempfile.mkdtemp(prefix='dge2e-probe-')
    supported = lbt.redis_location_supported(DRONGO, probe)
    shutil.rmtree(probe, ignore_errors=True)
    if not supported:
        print('SKIP: this drongo has no edge.location: redis')
        return 77
    workdir = tempfile.mkdtemp(prefix='dge2e-')
    # meson's timeout sends SIGTERM: clean up then too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    cleanup()
    try:
        test(workdir)
    except Exception as e:
        failures.append(f'{type(e).__name__}: {e}')
        print('ERROR:', type(e).__name__, e)
    except SystemExit:
        failures.append('terminated (SIGTERM)')
    finally:
        cleanup()
    failures.extend(cl.failures)
    if failures:
        for name in ('lb', 'e1', 'e2', 'e3', 'm1', 'm2', 'dp1', 'dp2'):
            path = os.path.join(workdir, f'{name}.log')
            if os.path.exists(path):
                print(f'--- {name}.log (tail) ---')
                print(open(path).read()[-2500:])
        print(f'{len(failures)} failure(s); work dir kept: {workdir}')
        return 1
    if os.environ.get('DGE2E_KEEP'):
        print(f'work dir kept: {workdir}')
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    print('OK')
    return 0


if __name__ == '__main__':
    sys.exit(main())

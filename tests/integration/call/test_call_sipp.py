#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Whole calls between real peers through the appliance: sipp as caller
and callee, drongo (role edge) anchoring the media in drongo-dp on
net_af_packet, everything in network namespaces (names start with dgmc-).

  dgmc-a 10.83.1.2 (caller) --- dgmc-gw 10.83.1.1/.2.1/.0.1 --- dgmc-b 10.83.2.2 (callee)
                                 drongo: SIP 10.83.1.1:5060, HTTP 127.0.0.1
                                   |
                 dgmc-dp: drongo-dp over dgmc-d0, relay 10.83.0.2

1. RTP call: both sipp play G.711 RTP from pcaps this test writes
   (g711_pcap.py). Checked: the SDP each side received (sipp's message
   log) points at the relay; a sniffer in each namespace sees the other
   side's RTP payloads arrive from the relay's address and the port that
   side was given; /api/media/sessions lists the call (tags, parties,
   relay, counters); the BYE releases the data-plane session.
2. Media timeout: the callee's stream is short, the caller's longer; when
   both have stopped (not before: a one-way stream keeps a call), drongo
   sends each sipp a BYE whose Reason sipp checks; the session and the
   proxy's dialog are gone.
3. SRTP caller, RTP callee (edge.media.srtp.callee: rtp): the callee is
   offered RTP/AVP without keys, the caller answered RTP/SAVP with fresh
   keys; srtp-peer (libsrtp2) sends SRTP with the caller's key and the
   callee receives the plain payload; RTP from the callee reaches the
   caller as SRTP that authenticates with the answer's key.
4. RTP caller, SRTP callee (edge.media.srtp.callee: sdes): the reverse,
   with the callee given the relay's second address (edge.media.relay):
   its SDP and its SRTP carry 10.83.0.3, the caller's 10.83.0.2.

Usage: test_call_sipp.py PATH/TO/drongo [PATH/TO/drongo-dp [PATH/TO/drongo-dpctl [PATH/TO/srtp-peer]]]
"""
import base64
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

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..'))
sys.path.insert(0, HERE)
from netns_exec import in_ns, ns_result  # noqa: E402
import scenario  # noqa: E402
from scenario import check, failures, procs, sh, stop  # noqa: E402
import g711_pcap  # noqa: E402

DRONGO = os.path.abspath(sys.argv[1])
BUILD = os.path.dirname(os.path.dirname(DRONGO))
DP = (os.path.abspath(sys.argv[2]) if len(sys.argv) > 2 else
      os.path.join(BUILD, 'dataplane', 'drongo-dp'))
DPCTL = (os.path.abspath(sys.argv[3]) if len(sys.argv) > 3 else
         os.path.join(BUILD, 'shared', 'tools', 'dpctl', 'drongo-dpctl'))
PEER = (os.path.abspath(sys.argv[4]) if len(sys.argv) > 4 else
        os.path.join(BUILD, 'tests', 'integration', 'srtp', 'srtp-peer'))
INSTANCE = '17'
NSS = ['dgmc-gw', 'dgmc-a', 'dgmc-b', 'dgmc-dp']
RELAY = '10.83.0.2'
RELAY2 = '10.83.0.3'    # the relay's second address (edge.media.relay)
A, B, EDGE = '10.83.1.2', '10.83.2.2', '10.83.1.1'
A_MEDIA, B_MEDIA = 30000, 31000
HTTP_PORT = 8093
RUI = 'sip:bob@uas.dgmc.test'
SUITE = 'AES_CM_128_HMAC_SHA1_80'
TIMEOUT_S = 2

def stop(name):
    p = procs.pop(name, None)
    if p is not None and p.poll() is None:
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
    return p


def cleanup():
    scenario.cleanup(NSS)


def setup():
    cleanup()
    scenario.three_party_netns('dgmc', '10.83', A, B, csum_off_gw=True)


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
addresses: [{RELAY}/24, {RELAY2}/24]
gateway4: 10.83.0.1
sessions_per_worker: 1024
port_min: 44000
port_max: 44959
latch_window: 3s
arp_refresh: 5s
mbufs: 4095
steering: auto
exception_tap: dgmc-tap
""")
    log = open(os.path.join(workdir, 'dp.log'), 'w')
    p = subprocess.Popen(
        ['ip', 'netns', 'exec', 'dgmc-dp', DP, '-c', conf, '--',
         '--no-huge', '--no-pci', '-l', '0-1', '-m', '256',
         '--file-prefix=dgmc-int', '--log-level=lib.eal:error',
         '--vdev=net_af_packet0,iface=dgmc-d0,qpairs=2'],
        stdout=log, stderr=subprocess.STDOUT)
    procs['dp'] = p
    deadline = time.time() + 20
    while time.time() < deadline:
        if p.poll() is not None:
            raise RuntimeError('drongo-dp exited: ' +
                               open(log.name).read()[-2000:])
        if dpctl('stats', check=False).returncode == 0 and \
           sh('ip -n dgmc-dp link show dgmc-tap', check=False).returncode == 0:
            break
        time.sleep(0.2)
    else:
        raise RuntimeError('drongo-dp did not come up')
    sh(f'ip -n dgmc-dp addr add {RELAY}/24 dev dgmc-tap', check=False)
    sh('ip -n dgmc-dp link set dgmc-tap up')
    # A command answered by the worker before drongo attaches: the first
    # call must not race the worker's start on a loaded machine.
    deadline = time.time() + 20
    while time.time() < deadline and \
            dpctl('--timeout', '3000', 'list', check=False).returncode != 0:
        time.sleep(0.2)


def _port_free(addr):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.bind(addr)
        return True
    except OSError:
        return False
    finally:
        s.close()


def start_drongo(workdir, tag, media_timeout, srtp=None, callee_relay=None):
    """drongo in dgmc-gw; srtp: (caller, callee) of edge.media.srtp;
    callee_relay: edge.media.relay.callee."""
    stop('drongo')
    # A stopped drongo's io_uring lets go of its sockets a moment later.
    deadline = time.time() + 5
    while time.time() < deadline and \
            not ns_result(in_ns('dgmc-gw', _port_free, (EDGE, 5060))):
        time.sleep(0.1)
    conf = os.path.join(workdir, f'drongo-{tag}.yaml')
    policy = ''
    if srtp is not None:
        policy = (f'  media:\n    srtp:\n      caller: {srtp[0]}\n'
                  f'      callee: {srtp[1]}\n')
        if callee_relay is not None:
            policy += f'    relay:\n      callee: {callee_relay}\n'
    with open(conf, 'w') as f:
        f.write(f"""node:
  role: edge
  name: dgmc
sip:
  listen:
    - udp:{EDGE}:5060
  domains: [dgmc.test]
  t1: 200ms
http:
  listen: ["127.0.0.1:{HTTP_PORT}"]
log:
  level: debug
edge:
  routes:
    - name: uas
      domain: uas.dgmc.test
      targets: [udp:{B}:5060]
{policy}media:
  dp_instance: {INSTANCE}
  timeout: {media_timeout}s
  required: true
""")
    log = open(os.path.join(workdir, f'drongo-{tag}.log'), 'w')
    procs['drongo'] = subprocess.Popen(
        ['ip', 'netns', 'exec', 'dgmc-gw', DRONGO, '--config', conf],
        stdout=log, stderr=subprocess.STDOUT)
    deadline = time.time() + 10
    while time.time() < deadline:
        text = open(log.name).read()
        if 'event=start status=ok' in text and 'dp=attached' in text:
            return log.name
        if procs['drongo'].poll() is not None:
            break
        time.sleep(0.1)
    raise RuntimeError('drongo did not start: ' + open(log.name).read()[-3000:])


def _http_get(path):
    with urllib.request.urlopen(f'http://127.0.0.1:{HTTP_PORT}{path}',
                                timeout=5) as r:
        return r.status, r.read().decode()


def api(path):
    status, body = ns_result(in_ns('dgmc-gw', _http_get, path))
    if status != 200:
        raise RuntimeError(f'GET {path}: {status}')
    return json.loads(body)


# --- sipp --------------------------------------------------------------------

def sipp(workdir, name, ns, scenario, local, media_port, remote=None,
         keys=None, hold=0):
    cmd = ['ip', 'netns', 'exec', ns, 'sipp']
    if remote:
        cmd.append(remote)
    cmd += ['-sf', os.path.join(HERE, scenario), '-i', local, '-p', '5060',
            '-mi', local, '-mp', str(media_port), '-m', '1', '-l', '1',
            '-nostdin', '-timeout', '40s', '-timeout_error',
            '-trace_msg', '-message_file', os.path.join(workdir, f'{name}.msg'),
            '-trace_err', '-error_file', os.path.join(workdir, f'{name}.err')]
    if hold:
        cmd += ['-d', str(hold)]    # the length of the scenario's <pause/>
    for k, v in (keys or {}).items():
        cmd += ['-key', k, str(v)]
    out = open(os.path.join(workdir, f'{name}.log'), 'w')
    procs[name] = subprocess.Popen(cmd, cwd=workdir, stdout=out,
                                   stderr=subprocess.STDOUT)


def sipp_wait(name, timeout=40):
    p = procs[name]
    try:
        p.wait(timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
    procs.pop(name, None)
    return p.returncode


def sipp_messages(workdir, name):
    """The SIP messages sipp's message log shows it received, in order."""
    path = os.path.join(workdir, f'{name}.msg')
    if not os.path.exists(path):
        return []
    text = open(path, errors='replace').read()
    out = []
    for block in re.split(r'^-{10,} .*$', text, flags=re.M):
        head, _, msg = block.lstrip('\n').partition('\n')
        if 'message received' in head:
            out.append(msg.replace('\r\n', '\n').strip('\n'))
    return out


def wait_message(workdir, name, pred, timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline:
        for m in sipp_messages(workdir, name):
            if pred(m):
                return m
        time.sleep(0.1)
    return None


def sdp_of(msg):
    """(c= address, m=audio port, profile, [a=crypto lines]) of a message."""
    body = msg.split('\n\n', 1)[1] if '\n\n' in msg else ''
    c = re.search(r'^c=IN IP4 (\S+)', body, re.M)
    m = re.search(r'^m=audio (\d+) (\S+)', body, re.M)
    crypto = re.findall(r'^a=crypto:(\S+) (\S+) inline:([A-Za-z0-9+/=]+)',
                        body, re.M)
    return (c.group(1) if c else None, int(m.group(1)) if m else None,
            m.group(2) if m else None, crypto)


# --- packets seen in a namespace ---------------------------------------------

def sniff(ifname, seconds, udp_ports):
    """UDP packets to or from udp_ports on ifname for a while:
    [(time, src, sport, dst, dport, payload)]."""
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0800))
    s.bind((ifname, 0))
    s.settimeout(0.2)
    got = []
    end = time.time() + seconds
    while time.time() < end:
        try:
            frame, meta = s.recvfrom(65536)
        except socket.timeout:
            continue
        ip = frame[14:]
        if len(ip) < 28 or ip[9] != 17:
            continue
        ihl = (ip[0] & 0x0f) * 4
        sport, dport = struct.unpack('!HH', ip[ihl:ihl + 4])
        if sport not in udp_ports and dport not in udp_ports:
            continue
        got.append((time.time(), socket.inet_ntoa(ip[12:16]), sport,
                    socket.inet_ntoa(ip[16:20]), dport, ip[ihl + 8:]))
    s.close()
    return got


def rtp_to(pkts, dst, dport):
    return [p for p in pkts if p[3] == dst and p[4] == dport and
            len(p[5]) >= 12 and p[5][0] >> 6 == 2]


def check_rtp_arrived(what, pkts, dst, dport, relay_port, payloads):
    """Every payload sent arrived at dst:dport from the relay, in order."""
    rtp = rtp_to(pkts, dst, dport)
    if not check(rtp, f'{what}: RTP arrived'):
        return
    srcs = {(p[1], p[2]) for p in rtp}
    check(srcs == {(RELAY, relay_port)},
          f'{what}: RTP came from {srcs}, not {(RELAY, relay_port)}')
    got = [p[5][12:] for p in rtp]
    # sipp plays the pcap once: all of it, in order, nothing else.
    check(got == payloads,
          f'{what}: {len(got)} payloads arrived, {len(payloads)} sent; '
          f'equal: {got == payloads}')


# --- RTP / SRTP peers ----------------------------------------------------------

def udp_send(bind, to, pkts, gap):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(bind)
    for p in pkts:
        s.sendto(p, to)
        time.sleep(gap)
    s.close()
    return len(pkts)


def udp_recv(bind, n, timeout):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(bind)
    got = []
    end = time.time() + timeout
    while len(got) < n and time.time() < end:
        s.settimeout(max(0.01, end - time.time()))
        try:
            got.append(s.recvfrom(4096))
        except socket.timeout:
            break
    s.close()
    return got


def peer_packet(n, ssrc):
    """The RTP packet srtp-peer builds for sequence n."""
    return (struct.pack('!BBHII', 0x80, 0, n & 0xffff, (n * 160) & 0xffffffff,
                        ssrc) + bytes((n + i) & 0xff for i in range(160)))


def peer(ns, *args, timeout=20):
    r = subprocess.run(['ip', 'netns', 'exec', ns, PEER] + list(args),
                       capture_output=True, text=True, timeout=timeout)
    return r


def peer_start(ns, *args):
    return subprocess.Popen(['ip', 'netns', 'exec', ns, PEER] + list(args),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def peer_ready(p, timeout=5):
    """srtp-peer recv prints 'ready' once it is bound."""
    line = p.stdout.readline()
    return line.strip() == 'ready'


def key_hex(inline):
    return base64.b64decode(inline.split('|')[0]).hex()


# --- the scenarios ---------------------------------------------------------------

def scenario_rtp(workdir):
    """A call with RTP from pcaps both ways, ended by the caller's BYE."""
    a_pl = g711_pcap.write(os.path.join(workdir, 'caller.pcap'), 75,
                           0x0a11ce00, 440)
    b_pl = g711_pcap.write(os.path.join(workdir, 'callee.pcap'), 75,
                           0x0b0b0000, 660)
    sa = in_ns('dgmc-a', sniff, 'dgmc-a0', 9, [A_MEDIA])
    sb = in_ns('dgmc-b', sniff, 'dgmc-b0', 9, [B_MEDIA])
    sipp(workdir, 'uas1', 'dgmc-b', 'sipp_uas_call.xml', B, B_MEDIA)
    time.sleep(0.3)
    sipp(workdir, 'uac1', 'dgmc-a', 'sipp_uac_call.xml', A, A_MEDIA,
         f'{EDGE}:5060', {'ruri': RUI}, hold=2500)
    inv = wait_message(workdir, 'uas1', lambda m: m.startswith('INVITE '))
    ok = wait_message(workdir, 'uac1', lambda m: m.startswith('SIP/2.0 200')
                      and 'INVITE' in m.split('CSeq:', 1)[-1][:40])
    offer = sdp_of(inv) if inv else (None, None, None, [])
    answer = sdp_of(ok) if ok else (None, None, None, [])
    check(offer[0] == RELAY and offer[1] not in (None, A_MEDIA),
          f'callee sees the relay in the offer: {offer}')
    check(answer[0] == RELAY and answer[1] not in (None, B_MEDIA),
          f'caller sees the relay in the answer: {answer}')
    check(wait_sessions(1, 3) == 1, 'one data-plane session during the call')

    # The operators' view of the call while it runs. A listing asks for
    # fresh counters; the next one shows them.
    api('/api/media/sessions')
    time.sleep(1.2)
    doc = api('/api/media/sessions')
    check_api(doc, offer, answer)

    rc_a, rc_b = sipp_wait('uac1'), sipp_wait('uas1')
    check(rc_a == 0, f'sipp caller ended its call well: exit {rc_a}')
    check(rc_b == 0, f'sipp callee ended its call well: exit {rc_b}')
    pa, pb = ns_result(sa), ns_result(sb)
    if offer[1] and answer[1]:
        check_rtp_arrived('caller to callee', pb, B, B_MEDIA, offer[1], a_pl)
        check_rtp_arrived('callee to caller', pa, A, A_MEDIA, answer[1], b_pl)
    check(wait_sessions(0) == 0, 'BYE released the data-plane session')
    doc = api('/api/media/sessions')
    check(doc.get('count') == 0 and doc.get('sessions') == [],
          f'/api/media/sessions empty after BYE: {doc}')


def check_api(doc, offer, answer):
    check(doc.get('anchoring') is True and doc.get('count') == 1,
          f'/api/media/sessions: one anchored call: {doc}')
    if not doc.get('sessions'):
        return
    s = doc['sessions'][0]
    check(s.get('state') == 'confirmed', f'call confirmed: {s}')
    check(s['caller'].get('tag', '').endswith('dgmcA0') or
          'dgmcA' in s['caller'].get('tag', ''), f'caller tag: {s["caller"]}')
    check('dgmcB' in s['callee'].get('tag', ''), f'callee tag: {s["callee"]}')
    check(s['caller'].get('sip') == f'{A}:5060', f'caller SIP: {s["caller"]}')
    check(s['callee'].get('sip') == f'{B}:5060', f'callee SIP: {s["callee"]}')
    check(s['caller'].get('relay') == f'{RELAY}:{answer[1]}',
          f'relay given to the caller: {s["caller"]}')
    check(s['callee'].get('relay') == f'{RELAY}:{offer[1]}',
          f'relay given to the callee: {s["callee"]}')
    streams = s.get('streams') or []
    if not check(len(streams) == 1, f'one stream: {s}'):
        return
    st = streams[0]
    c, e = st['caller'], st['callee']
    check(st.get('type') == 'audio', f'stream type: {st}')
    check(c.get('peer') == f'{A}:{A_MEDIA}' and e.get('peer') == f'{B}:{B_MEDIA}',
          f'legs\' peers: {c.get("peer")} {e.get("peer")}')
    check(c.get('relay') == f'{RELAY}:{answer[1]}' and
          e.get('relay') == f'{RELAY}:{offer[1]}',
          f'legs\' relay ports: {c.get("relay")} {e.get("relay")}')
    check(c.get('srtp') is False and e.get('srtp') is False,
          f'no SRTP: {c.get("srtp")} {e.get("srtp")}')
    check(c.get('rx_packets', 0) > 0 and e.get('rx_packets', 0) > 0 and
          c.get('rx_bytes', 0) >= 172 * c.get('rx_packets', 0),
          f'counters of RTP received on both legs: {st}')


def scenario_timeout(workdir):
    """Both streams stop: drongo ends the call with a BYE to each sipp."""
    g711_pcap.write(os.path.join(workdir, 'caller.pcap'), 150, 0x0a11ce01, 440)
    g711_pcap.write(os.path.join(workdir, 'callee.pcap'), 40, 0x0b0b0001, 660)
    sb = in_ns('dgmc-b', sniff, 'dgmc-b0', 14, [B_MEDIA, 5060])
    sipp(workdir, 'uas2', 'dgmc-b', 'sipp_uas_timeout.xml', B, B_MEDIA)
    time.sleep(0.3)
    sipp(workdir, 'uac2', 'dgmc-a', 'sipp_uac_timeout.xml', A, A_MEDIA,
         f'{EDGE}:5060', {'ruri': RUI})
    check(wait_sessions(1, 5) == 1, 'timeout call anchored')
    rc_a, rc_b = sipp_wait('uac2'), sipp_wait('uas2')
    check(rc_a == 0, f'sipp caller got the media-timeout BYE: exit {rc_a}')
    check(rc_b == 0, f'sipp callee got the media-timeout BYE: exit {rc_b}')
    pb = ns_result(sb)
    rtp = rtp_to(pb, B, B_MEDIA)
    bye = [p for p in pb if p[4] == 5060 and p[5].startswith(b'BYE ')]
    if check(rtp and bye, f'callee saw RTP ({len(rtp)}) and a BYE ({len(bye)})'):
        check(bye[0][0] > rtp[-1][0],
              'the BYE came after the caller\'s stream, the longer one, ended')
        check(b'text="media timeout"' in bye[0][5],
              'the BYE carries the media-timeout Reason')
    check(wait_sessions(0) == 0, 'media timeout left no session')
    # The proxy's dialog went with it, not at edge.dialog.max_duration.
    doc = api('/api/dialogs')
    check(doc.get('count') == 0, f'no proxy dialog after the media timeout: {doc}')


def scenario_srtp(workdir, caller_srtp, callee_relay=RELAY):
    """One side SRTP (srtp-peer, libsrtp2), the other plain RTP (python);
    the callee is given the relay address callee_relay."""
    our_key = bytes(range(1, 31))
    inline = base64.b64encode(our_key).decode()
    srtp_attr = f'crypto:1 {SUITE} inline:{inline}'
    a_port, b_port = 40000, 41000
    name = 'srtp-caller' if caller_srtp else 'srtp-callee'
    sipp(workdir, f'uas-{name}', 'dgmc-b', 'sipp_uas_sdp.xml', B, B_MEDIA,
         keys={'port': b_port,
               'proto': 'RTP/AVP' if caller_srtp else 'RTP/SAVP',
               'attr': 'sendrecv' if caller_srtp else srtp_attr})
    time.sleep(0.3)
    sipp(workdir, f'uac-{name}', 'dgmc-a', 'sipp_uac_sdp.xml', A, A_MEDIA,
         f'{EDGE}:5060',
         {'ruri': RUI, 'port': a_port,
          'proto': 'RTP/SAVP' if caller_srtp else 'RTP/AVP',
          'attr': srtp_attr if caller_srtp else 'sendrecv'}, hold=7000)
    inv = wait_message(workdir, f'uas-{name}', lambda m: m.startswith('INVITE '))
    ok = wait_message(workdir, f'uac-{name}',
                      lambda m: m.startswith('SIP/2.0 200') and
                      'INVITE' in m.split('CSeq:', 1)[-1][:40])
    offer = sdp_of(inv) if inv else (None, None, None, [])
    answer = sdp_of(ok) if ok else (None, None, None, [])
    plain, secure = (offer, answer) if caller_srtp else (answer, offer)
    what = 'caller SRTP, callee RTP' if caller_srtp else 'caller RTP, callee SRTP'
    check(offer[0] == callee_relay and answer[0] == RELAY,
          f'{what}: both sides see the relay, the callee at {callee_relay}: '
          f'{offer[:2]} {answer[:2]}')
    check(plain[2] == 'RTP/AVP' and plain[3] == [],
          f'{what}: the RTP side sees RTP/AVP without keys: {plain}')
    relay_key = None
    if check(secure[2] == 'RTP/SAVP' and secure[3] and
             secure[3][0][1] == SUITE,
             f'{what}: the SRTP side sees RTP/SAVP with SDES keys: {secure}'):
        relay_key = secure[3][0][2]
        check(base64.b64decode(relay_key.split('|')[0]) != our_key,
              f'{what}: the relay announces fresh keys of its own')
    if relay_key is None or offer[1] is None or answer[1] is None:
        sipp_wait(f'uac-{name}', 20)
        sipp_wait(f'uas-{name}', 5)
        return
    # Which relay port each side sends to and hears from.
    s_ns, s_ip, s_port, s_relay = (('dgmc-a', A, a_port, answer[1]) if caller_srtp
                                   else ('dgmc-b', B, b_port, offer[1]))
    s_addr, p_addr = ((RELAY, callee_relay) if caller_srtp
                      else (callee_relay, RELAY))
    p_ns, p_ip, p_port, p_relay = (('dgmc-b', B, b_port, offer[1]) if caller_srtp
                                   else ('dgmc-a', A, a_port, answer[1]))
    n = 20
    # SRTP side -> relay -> RTP side: the payload arrives decrypted.
    rx = in_ns(p_ns, udp_recv, (p_ip, p_port), n, 8)
    time.sleep(0.3)
    r = peer(s_ns, 'send', '--bind', f'{s_ip}:{s_port}', '--to',
             f'{s_addr}:{s_relay}', '--suite', SUITE, '--key', our_key.hex(),
             '--count', str(n), '--first', '100', '--ssrc', '0x5eed0001',
             '--gap-us', '20000')
    check(r.returncode == 0, f'{what}: srtp-peer send: {r.stderr.strip()}')
    got = ns_result(rx)
    want = [peer_packet(100 + i, 0x5eed0001) for i in range(n)]
    check([g[0] for g in got] == want,
          f'{what}: SRTP in, RTP out: {len(got)} of {n} decrypted packets '
          f'arrived intact')
    check({g[1] for g in got} == {(p_addr, p_relay)},
          f'{what}: RTP came from the relay: {({g[1] for g in got})}')
    # RTP side -> relay -> SRTP side: authenticates with the relay's key.
    rp = peer_start(s_ns, 'recv', '--bind', f'{s_ip}:{s_port}', '--suite',
                    SUITE, '--key', key_hex(relay_key), '--count', str(n),
                    '--timeout-ms', '8000')
    check(peer_ready(rp), f'{what}: srtp-peer recv ready')
    pkts = [peer_packet(300 + i, 0x0b0b5eed) for i in range(n)]
    ns_result(in_ns(p_ns, udp_send, (p_ip, p_port), (p_addr, p_relay), pkts,
                    0.02))
    out, err = rp.communicate(timeout=20)
    lines = [l for l in out.splitlines() if l.startswith('pkt ')]
    ok_hex = [re.search(r'hex=(\w+)', l).group(1) for l in lines
              if ' status=0 ' in l]
    check(len(lines) == n and ok_hex == [p.hex() for p in pkts],
          f'{what}: RTP in, SRTP out: {len(ok_hex)} of {n} authenticated '
          f'with the answer\'s key and decrypted intact ({len(lines)} seen)')
    check(all(f'src={s_addr}:{s_relay} ' in l for l in lines),
          f'{what}: SRTP came from the relay')
    doc = api('/api/media/sessions')
    api_srtp = None
    if doc.get('sessions'):
        time.sleep(1.2)
        doc = api('/api/media/sessions')
        st = (doc['sessions'][0].get('streams') or [{}])[0]
        api_srtp = (st.get('caller', {}).get('srtp'),
                    st.get('callee', {}).get('srtp'))
    check(api_srtp == (caller_srtp, not caller_srtp),
          f'{what}: /api/media/sessions tells which leg is SRTP: {api_srtp}')
    rc_a, rc_b = sipp_wait(f'uac-{name}', 20), sipp_wait(f'uas-{name}', 5)
    check(rc_a == 0 and rc_b == 0, f'{what}: sipp calls ended well: {rc_a} {rc_b}')
    check(wait_sessions(0) == 0, f'{what}: BYE released the session')


def test(workdir):
    setup()
    start_dp(workdir)
    start_drongo(workdir, 'rtp', TIMEOUT_S)
    scenario_rtp(workdir)
    scenario_timeout(workdir)
    start_drongo(workdir, 'srtp-caller', 20, ('as-offered', 'rtp'))
    scenario_srtp(workdir, True)
    start_drongo(workdir, 'srtp-callee', 20, ('as-offered', 'sdes'), RELAY2)
    scenario_srtp(workdir, False, RELAY2)
    p = stop('drongo')
    check(p is not None and p.returncode == 0,
          f'drongo stopped cleanly: {p.returncode if p else None}')


def main():
    for path in (DRONGO, DP, DPCTL, PEER):
        if not os.path.exists(path):
            print(f'SKIP: {path} not built')
            return 77
    if os.geteuid() != 0 or shutil.which('ip') is None:
        print('SKIP: needs root and iproute2')
        return 77
    if shutil.which('sipp') is None:
        print('SKIP: sipp not installed (Debian sip-tester)')
        return 77
    workdir = tempfile.mkdtemp(prefix='dgmc-')
    try:
        test(workdir)
    except Exception as e:  # setup or protocol failure
        failures.append(f'exception: {e!r}')
        print('FAIL:', repr(e))
    finally:
        cleanup()
        if failures:
            for name in sorted(os.listdir(workdir)):
                if name.endswith(('.log', '.err')):
                    print(f'--- {name}')
                    print(open(os.path.join(workdir, name),
                               errors='replace').read()[-5000:])
        if not os.environ.get('DGMC_KEEP'):
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            print('kept', workdir)
    if failures:
        print(f'{len(failures)} failure(s)')
        return 1
    print('ok')
    return 0


if __name__ == '__main__':
    sys.exit(main())

#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# The stateless balancer (drongo role lb) in front of three drongo edge
# nodes, everything on its own loopback address: lb 127.0.0.60, edges
# .61-.63, the callee trunk (sipp) .64, the caller (sipp) .65, a
# registered user (a small UA in this script) .66.
#
#  - 20 concurrent calls through the lb: INVITE, ACK and BYE of each call
#    reach the trunk through one edge (its Via), calls spread over more
#    than one edge, the per-edge counters of /api/lb/edges add up;
#  - 10 calls cancelled while ringing: each CANCEL reaches the edge that
#    holds its INVITE;
#  - one edge killed: the lb takes it out within down_after probe
#    intervals (plus one), the same 20 Call-IDs again all succeed, those
#    of the dead edge move and no other call moves, nothing more is sent
#    to it; the edge restarted: taken back in, every call where it was;
#  - a user registers through the lb (Path with a flow token) on every
#    edge, and a call reaches it through an edge and back through the lb;
#  - when this drongo has edge.location: redis (and redis-server is
#    installed): edges sharing registrations in Redis, the user registers
#    once and a call that lands on another edge reaches it;
#  - --check-config refuses role lb without edges, with a wildcard
#    listener and no lb.advertise, or with a TCP listener;
#  - the lb itself: OPTIONS to it answered 200, Max-Forwards 0 gets 483, a
#    response whose top Via is not the lb's is dropped and counted, no
#    healthy edge gets 503 with Retry-After.
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
from drongo_harness import Drongo, free_port  # noqa: E402

DOMAIN = "test.local"
LB_IP = "127.0.0.60"
EDGE_IPS = ["127.0.0.61", "127.0.0.62", "127.0.0.63"]
TRUNK_IP = "127.0.0.64"
CALLER_IP = "127.0.0.65"
USER_IP = "127.0.0.66"
PROBE_MS = 300
DOWN_AFTER = 2
UP_AFTER = 2
CALLS = 20


def parse_trace(path):
    """The messages of a sipp -message_file: [(dir, text)], dir tx or rx."""
    if not os.path.exists(path):
        return []
    with open(path, "rb") as f:
        data = f.read().decode("utf-8", "replace")
    out = []
    for block in re.split(r"-{20,}[^\n]*\n", data):
        m = re.match(r"\s*(?:UDP|TCP) message (sent|received)[^\n]*\n\n?(.*)",
                     block, re.S)
        if m:
            out.append(("tx" if m.group(1) == "sent" else "rx",
                        m.group(2).strip("\r\n")))
    return out


def first_line(msg):
    return msg.split("\n", 1)[0].strip()


def hdr(msg, name):
    """Values of a header in a message text, comma lists split."""
    vals = []
    for line in msg.replace("\r", "").split("\n"):
        if ":" in line and line.split(":", 1)[0].strip().lower() == name.lower():
            vals += [v.strip() for v in line.split(":", 1)[1].split(",")]
    return vals


def http_json(port, path, ip=LB_IP):
    with urllib.request.urlopen("http://%s:%d%s" % (ip, port, path),
                                timeout=5) as r:
        return json.loads(r.read().decode())


class Edge(Drongo):
    """drongo role edge on its own address, a route 9... to the trunk."""

    def __init__(self, binary, ip, port, http_port, trunk_port, redis_port=None):
        self.ip, self.fixed_port = ip, port
        self.http_port, self.trunk_port = http_port, trunk_port
        self.redis_port = redis_port
        super().__init__(binary, level="info")
        self.port = port

    def write_conf(self, level, text=None):
        text = "\n".join([
            "node:", "  role: edge", "  name: edge%s" % self.ip.split(".")[-1],
            "sip:", "  listen:",
            "    - udp:%s:%d" % (self.ip, self.fixed_port),
            "  domains: [%s]" % DOMAIN,
            "  t1: 200ms",
            "log:", "  level: %s" % level,
            "http:", "  listen: [\"%s:%d\"]" % (self.ip, self.http_port),
            "media:", "  required: false",
            "edge:",
            "  routes:",
            "    - name: trunk",
            "      prefix: \"9\"",
            "      targets: [udp:%s:%d]" % (TRUNK_IP, self.trunk_port),
        ] + (["  location: redis",
              "redis:",
              "  address: 127.0.0.1:%d" % self.redis_port,
              "  key_prefix: \"dglb%d:\"" % os.getpid()]
             if self.redis_port else []) + [""])
        super().write_conf(level, text)


class Lb(Drongo):
    def __init__(self, binary, edge_ports):
        self.edge_ports = edge_ports
        self.http_port = free_port()
        super().__init__(binary, level="info")

    def write_conf(self, level, text=None):
        text = "\n".join([
            "node:", "  role: lb", "  name: lbtest",
            "sip:", "  listen:", "    - udp:%s:%d" % (LB_IP, self.port),
            "log:", "  level: %s" % level,
            "http:", "  listen: [\"%s:%d\"]" % (LB_IP, self.http_port),
            "lb:",
            "  edges:",
        ] + ["    - %s:%d" % (ip, p) for ip, p in zip(EDGE_IPS, self.edge_ports)] + [
            "  probe_interval: %dms" % PROBE_MS,
            "  down_after: %d" % DOWN_AFTER,
            "  up_after: %d" % UP_AFTER,
            "  secret: integration-test-secret-0123",
            "  retry_after: 7s",
            "",
        ])
        super().write_conf(level, text)

    def stats(self):
        """The lb's counters from a fresh event=lb.stats line (SIGUSR1)."""
        n = self.logtext().count("event=lb.stats")
        self.proc.send_signal(signal.SIGUSR1)
        self.wait_log("event=lb.stats", n + 1)
        line = [l for l in self.logtext().splitlines() if "event=lb.stats" in l][-1]
        return {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", line)}

    def edges(self):
        return {e["name"]: e for e in http_json(self.http_port, "/api/lb/edges")["edges"]}

    def wait_state(self, name, state, timeout):
        t0 = time.time()
        while time.time() - t0 < timeout:
            if self.edges()[name]["state"] == state:
                return time.time() - t0
            time.sleep(0.02)
        raise AssertionError("edge %s never %s: %s" % (name, state, self.edges()))


class Sipp:
    def __init__(self, work, target, scenario, ip, port, name, args=()):
        self.msg = os.path.join(work, name + ".msg")
        self.err = os.path.join(work, name + ".err")
        for p in (self.msg, self.err):
            if os.path.exists(p):
                os.unlink(p)
        self.name = name
        cmd = ["sipp", target, "-sf", os.path.join(HERE, scenario),
               "-i", ip, "-p", str(port), "-nostdin",
               "-key", "domain", DOMAIN, "-timeout", "30s", "-timeout_error",
               "-trace_msg", "-message_file", self.msg, "-trace_err",
               "-error_file", self.err] + list(args)
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.STDOUT, cwd=work)

    def check(self, timeout=60):
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError("sipp %s did not finish" % self.name)
        if rc != 0:
            err = open(self.err).read() if os.path.exists(self.err) else ""
            raise AssertionError("sipp %s failed (rc %d):\n%s" % (self.name, rc, err[-3000:]))

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def run_calls(work, lb, trunk_port, tag):
    """CALLS concurrent calls, Call-IDs lbcall-N; {call_id: edge ip}."""
    uas = Sipp(work, "%s:%d" % (LB_IP, lb.port), "lb_uas.xml", TRUNK_IP,
               trunk_port, "uas_" + tag, ["-m", str(CALLS)])
    try:
        time.sleep(0.3)
        uac = Sipp(work, "%s:%d" % (LB_IP, lb.port), "lb_uac.xml", CALLER_IP,
                   free_port(), "uac_" + tag,
                   ["-m", str(CALLS), "-l", str(CALLS), "-r", "100",
                    "-s", "9001", "-cid_str", "lbcall-%u"])
        uac.check()
        uas.check()
    finally:
        uas.kill()
    where, methods = {}, {}
    for d, m in parse_trace(uas.msg):
        fl = first_line(m)
        if d != "rx" or fl.startswith("SIP/2.0"):
            continue
        method = fl.split()[0]
        cid = hdr(m, "Call-ID")[0]
        vias = hdr(m, "Via")
        # Trunk side: edge Via on top, then the lb's, then the caller's.
        edge = re.match(r"SIP/2\.0/UDP ([0-9.]+):", vias[0]).group(1)
        assert edge in EDGE_IPS, m
        assert vias[1].startswith("SIP/2.0/UDP %s:%d;branch=z9hG4bKlb" % (LB_IP, lb.port)), m
        assert where.setdefault(cid, edge) == edge, \
            "%s of %s through %s, the call's INVITE through %s" % (method, cid, edge, where[cid])
        methods.setdefault(cid, set()).add(method)
    assert len(where) == CALLS, sorted(where)
    for cid, ms in methods.items():
        assert ms == {"INVITE", "ACK", "BYE"}, (cid, ms)
    # The caller saw the lb's Record-Route with a flow token, and only its Via.
    for d, m in parse_trace(uac.msg):
        if d == "rx" and first_line(m).startswith("SIP/2.0 200") and "INVITE" in hdr(m, "CSeq")[0]:
            rr = hdr(m, "Record-Route")
            assert re.match(r"<sip:lbf[0-9a-f]{28}@%s:%d;lr>" % (LB_IP, lb.port), rr[-1]), rr
            assert len(hdr(m, "Via")) == 1, m
    return where


def test_spread_and_stickiness(work, lb, trunk_port):
    before = {n: e["requests"] for n, e in lb.edges().items()}
    where = run_calls(work, lb, trunk_port, "all")
    used = set(where.values())
    assert len(used) > 1, "all calls on one edge: %s" % where
    after = lb.edges()
    # INVITE, ACK and BYE of each call counted on its edge (retransmissions aside).
    for ip in EDGE_IPS:
        name = [n for n in after if n.startswith(ip + ":")][0]
        n_calls = sum(1 for e in where.values() if e == ip)
        got = after[name]["requests"] - before[name]
        assert got >= 3 * n_calls, (name, got, n_calls)
        if n_calls == 0:
            assert got == 0, (name, got)
    print("ok spread: %s" % {ip: sum(1 for e in where.values() if e == ip) for ip in EDGE_IPS})
    return where


def test_cancel(work, lb, trunk_port):
    """10 calls cancelled while ringing: each CANCEL reaches the edge of
    its INVITE (another edge would answer 481 and the caller fail)."""
    n = 10
    uas = Sipp(work, "%s:%d" % (LB_IP, lb.port), "../sip/uas_ring_cancel.xml",
               TRUNK_IP, trunk_port, "uas_cancel", ["-m", str(n)])
    try:
        time.sleep(0.3)
        uac = Sipp(work, "%s:%d" % (LB_IP, lb.port), "lb_uac_cancel.xml",
                   CALLER_IP, free_port(), "uac_cancel",
                   ["-m", str(n), "-l", str(n), "-r", "100", "-s", "9001",
                    "-cid_str", "lbcancel-%u"])
        uac.check()
        uas.check()
    finally:
        uas.kill()
    where = {}
    for d, m in parse_trace(uas.msg):
        fl = first_line(m)
        if d != "rx" or fl.startswith("SIP/2.0"):
            continue
        edge = re.match(r"SIP/2\.0/UDP ([0-9.]+):", hdr(m, "Via")[0]).group(1)
        where.setdefault(hdr(m, "Call-ID")[0], {})[fl.split()[0]] = edge
    assert len(where) == n, where
    for cid, by in where.items():
        assert set(by) >= {"INVITE", "CANCEL", "ACK"}, (cid, by)
        assert len(set(by.values())) == 1, (cid, by)
    got487 = sum(1 for d, m in parse_trace(uac.msg)
                 if d == "rx" and first_line(m).startswith("SIP/2.0 487"))
    assert got487 == n, "%d of %d 487s came back" % (got487, n)
    print("ok %d CANCELs each through the edge of its INVITE (200 to each, "
          "487 back through the balancer)" % n)


def test_kill_and_return(work, binary, lb, edges, trunk_port, where):
    counts = {ip: sum(1 for e in where.values() if e == ip) for ip in EDGE_IPS}
    victim = max(counts, key=counts.get)
    vi = EDGE_IPS.index(victim)
    name = "%s:%d" % (victim, edges[vi].fixed_port)
    edges[vi].proc.kill()
    edges[vi].proc.wait()
    took = lb.wait_state(name, "down", 5.0)
    bound = (DOWN_AFTER + 1) * PROBE_MS / 1000.0 + 0.6
    assert took <= bound, "taken out after %.2fs, bound %.2fs" % (took, bound)
    sent_at_down = lb.edges()[name]["requests"]
    moved = run_calls(work, lb, trunk_port, "killed")
    for cid, ip in where.items():
        if ip == victim:
            assert moved[cid] != victim, cid
        else:
            assert moved[cid] == ip, "%s moved from %s to %s" % (cid, ip, moved[cid])
    assert lb.edges()[name]["requests"] == sent_at_down
    assert lb.edges()[name]["went_down"] == 1
    print("ok killed %s: out after %.2fs (bound %.2fs), its %d calls moved, others kept"
          % (victim, took, bound, counts[victim]))
    edges[vi].close()
    edges[vi] = Edge(binary, victim, edges[vi].fixed_port, edges[vi].http_port, trunk_port)
    took = lb.wait_state(name, "up", 5.0)
    bound = (UP_AFTER + 1) * PROBE_MS / 1000.0 + 0.6
    assert took <= bound, "taken back after %.2fs, bound %.2fs" % (took, bound)
    back = run_calls(work, lb, trunk_port, "back")
    assert back == where, "after return: %s, before: %s" % (back, where)
    assert lb.edges()[name]["went_up"] == 1
    print("ok returned %s: in after %.2fs, every call where it was" % (victim, took))


class UA:
    """A user agent on its own socket: registers, answers one call."""

    def __init__(self, ip):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((ip, 0))
        self.sock.settimeout(5)
        self.ip, self.port = self.sock.getsockname()
        self.got = []

    def register(self, lb, call_id, cseq):
        msg = ("REGISTER sip:%s SIP/2.0\r\n"
               "Via: SIP/2.0/UDP %s:%d;branch=z9hG4bK-%s-%d;rport\r\n"
               "Max-Forwards: 70\r\n"
               "From: <sip:bob@%s>;tag=rb%d\r\n"
               "To: <sip:bob@%s>\r\n"
               "Call-ID: %s\r\n"
               "CSeq: %d REGISTER\r\n"
               "Supported: path\r\n"
               "Contact: <sip:bob@%s:%d>\r\n"
               "Expires: 300\r\n"
               "Content-Length: 0\r\n\r\n"
               % (DOMAIN, self.ip, self.port, call_id, cseq, DOMAIN, cseq,
                  DOMAIN, call_id, cseq, self.ip, self.port))
        self.sock.sendto(msg.encode(), (LB_IP, lb.port))
        while True:
            data, src = self.sock.recvfrom(65535)
            text = data.decode()
            if first_line(text).startswith("SIP/2.0 1"):
                continue
            assert src == (LB_IP, lb.port), src
            return text

    def serve_call(self, done):
        """Answer one INVITE with 200, take the ACK, answer the BYE."""
        try:
            while True:
                data, src = self.sock.recvfrom(65535)
                text = data.decode().replace("\r\n", "\n")
                self.got.append((src, text))
                method = first_line(text).split()[0]
                if method in ("INVITE", "BYE"):
                    head, _, _ = text.partition("\n\n")
                    keep = [l for l in head.split("\n")[1:]
                            if l.split(":", 1)[0].lower() in
                            ("via", "from", "to", "call-id", "cseq", "record-route")]
                    keep = [l + (";tag=bob1" if l.lower().startswith("to:") and
                                 method == "INVITE" else "") for l in keep]
                    resp = "SIP/2.0 200 OK\r\n" + "\r\n".join(keep) + \
                        "\r\nContact: <sip:bob@%s:%d>\r\nContent-Length: 0\r\n\r\n" % (self.ip, self.port)
                    self.sock.sendto(resp.encode(), src)
                if method == "BYE":
                    return
        except socket.timeout:
            return
        finally:
            done.set()


def test_registered_user(work, lb, edges):
    """bob registers through the lb until every edge holds him (no shared
    registrar here); a call to bob reaches him through the lb (Path with a
    flow token) and its BYE comes the same way."""
    ua = UA(USER_IP)
    holders = set()
    for i in range(40):
        resp = ua.register(lb, "bobreg-%d" % i, 1)
        assert first_line(resp) == "SIP/2.0 200 OK", resp
        path = hdr(resp, "Path")
        assert re.match(r"<sip:lbf[0-9a-f]{28}@%s:%d;lr>" % (LB_IP, lb.port), path[0]), resp
        assert len(hdr(resp, "Via")) == 1, resp
        for e in edges:
            regs = http_json(e.http_port, "/api/registrations", e.ip)
            if any(r["aor"].startswith("sip:bob@") for r in regs["registrations"]):
                holders.add(e.ip)
        if len(holders) == len(edges):
            break
    assert len(holders) == len(edges), holders
    done = threading.Event()
    t = threading.Thread(target=ua.serve_call, args=(done,))
    t.start()
    uac = Sipp(work, "%s:%d" % (LB_IP, lb.port), "lb_uac.xml", CALLER_IP,
               free_port(), "uac_bob", ["-m", "1", "-s", "bob"])
    try:
        uac.check()
    finally:
        done.wait(10)
        t.join(10)
    methods = [first_line(m).split()[0] for _, m in ua.got]
    assert methods[0] == "INVITE" and "ACK" in methods and methods[-1] == "BYE", methods
    for src, m in ua.got:
        assert src == (LB_IP, lb.port), (src, m)
        vias = hdr(m, "Via")
        assert vias[0].startswith("SIP/2.0/UDP %s:%d;branch=z9hG4bKlb" % (LB_IP, lb.port)), m
        assert re.match(r"SIP/2\.0/UDP 127\.0\.0\.6[123]:", vias[1]), m
    inv = ua.got[0][1]
    rr = hdr(inv, "Record-Route")
    # The lb on both sides of the edge, each with the flow of its side.
    assert re.match(r"<sip:lbf[0-9a-f]{28}@%s:%d;lr>" % (LB_IP, lb.port), rr[0]), rr
    assert re.match(r"<sip:lbf[0-9a-f]{28}@%s:%d;lr>" % (LB_IP, lb.port), rr[-1]), rr
    assert rr[0] != rr[-1], rr
    ua.sock.close()
    print("ok registered user reached through lb (Path flow token), BYE too")


def redis_location_supported(binary, work):
    """Whether this drongo has edge.location: redis (and redis-server is here)."""
    if shutil.which("redis-server") is None:
        return False
    conf = os.path.join(work, "probe-redis.yaml")
    with open(conf, "w") as f:
        f.write("node: {role: edge}\nedge:\n  location: redis\n"
                "redis:\n  address: 127.0.0.1:6379\n")
    return subprocess.run([binary, "--check-config", conf],
                          capture_output=True).returncode == 0


def test_shared_registrar(work, binary, trunk_port):
    """Edges sharing registrations through Redis: bob registers once
    through the lb and is reached by a call that lands on another edge."""
    rport = free_port()
    redis = subprocess.Popen(["redis-server", "--port", str(rport), "--bind",
                              "127.0.0.1", "--save", "", "--appendonly", "no"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             cwd=work)
    edges, lb = [], None
    try:
        for ip in EDGE_IPS:
            edges.append(Edge(binary, ip, free_port(), free_port(), trunk_port,
                              redis_port=rport))
        for e in edges:
            e.wait_log("event=redis.up")
        lb = Lb(binary, [e.fixed_port for e in edges])
        for name in lb.edges():
            lb.wait_state(name, "up", 3.0)
        ua = UA(USER_IP)
        before = {n: e["requests"] for n, e in lb.edges().items()}
        resp = ua.register(lb, "bobreg-shared", 1)
        assert first_line(resp) == "SIP/2.0 200 OK", resp
        reg_edge = [n for n, e in lb.edges().items() if e["requests"] != before[n]]
        assert len(reg_edge) == 1, reg_edge
        reg_ip = reg_edge[0].split(":")[0]
        for k in range(12):
            ua.got = []
            done = threading.Event()
            t = threading.Thread(target=ua.serve_call, args=(done,))
            t.start()
            uac = Sipp(work, "%s:%d" % (LB_IP, lb.port), "lb_uac.xml", CALLER_IP,
                       free_port(), "uac_shared", ["-m", "1", "-s", "bob",
                                                   "-cid_str", "tobob-%%u-%d" % k])
            try:
                uac.check()
            finally:
                done.wait(10)
                t.join(10)
            inv = ua.got[0][1]
            edge_ip = re.match(r"SIP/2\.0/UDP ([0-9.]+):", hdr(inv, "Via")[1]).group(1)
            if edge_ip != reg_ip:
                print("ok shared registrar: bob registered through %s, reached through %s"
                      % (reg_ip, edge_ip))
                return
        raise AssertionError("12 calls all landed on the registering edge %s" % reg_ip)
    finally:
        for e in edges:
            e.close()
        if lb is not None:
            lb.close()
        redis.kill()
        redis.wait()


def send_raw(lb, text, expect=True):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((CALLER_IP, 0))
    s.settimeout(2)
    ip, port = s.getsockname()
    s.sendto(text.replace("@SELF@", "%s:%d" % (ip, port)).encode(), (LB_IP, lb.port))
    try:
        if not expect:
            try:
                data = s.recv(65535)
                raise AssertionError("unexpected answer: %r" % data)
            except socket.timeout:
                return None
        return s.recv(65535).decode()
    finally:
        s.close()


def raw_request(method, ruri, mf=70, cid="raw-1"):
    return ("%s %s SIP/2.0\r\n"
            "Via: SIP/2.0/UDP @SELF@;branch=z9hG4bK-%s-%s;rport\r\n"
            "Max-Forwards: %d\r\n"
            "From: <sip:probe@%s>;tag=p1\r\n"
            "To: <%s>\r\n"
            "Call-ID: %s\r\n"
            "CSeq: 1 %s\r\n"
            "Content-Length: 0\r\n\r\n"
            % (method, ruri, cid, method, mf, DOMAIN, ruri, cid, method))


def test_lb_answers(lb, edges):
    r = send_raw(lb, raw_request("OPTIONS", "sip:%s:%d" % (LB_IP, lb.port)))
    assert first_line(r) == "SIP/2.0 200 OK", r
    r = send_raw(lb, raw_request("INVITE", "sip:9001@%s" % DOMAIN, mf=0, cid="raw-mf"))
    assert first_line(r).startswith("SIP/2.0 483"), r
    stats0 = lb.stats()
    forged = ("SIP/2.0 200 OK\r\n"
              "Via: SIP/2.0/UDP %s:%d;branch=z9hG4bKlb0000000000000000\r\n"
              "Via: SIP/2.0/UDP 127.0.0.65:5999;branch=z9hG4bK-x\r\n"
              "From: <sip:a@%s>;tag=1\r\nTo: <sip:b@%s>;tag=2\r\n"
              "Call-ID: forged\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n"
              % (LB_IP, lb.port, DOMAIN, DOMAIN))
    send_raw(lb, forged, expect=False)
    assert lb.stats()["drop_not_ours"] == stats0.get("drop_not_ours", 0) + 1
    for e in edges:
        e.proc.kill()
        e.proc.wait()
    for name in lb.edges():
        lb.wait_state(name, "down", 5.0)
    try:
        urllib.request.urlopen("http://%s:%d/health" % (LB_IP, lb.http_port), timeout=5)
        raise AssertionError("/health up with no edge")
    except urllib.error.HTTPError as e:
        body = json.loads(e.read().decode())
        assert e.code == 503 and "edges" in body["down"], body
    r = send_raw(lb, raw_request("INVITE", "sip:9001@%s" % DOMAIN, cid="raw-503"))
    assert first_line(r).startswith("SIP/2.0 503"), r
    assert hdr(r, "Retry-After") == ["7"], r
    print("ok lb answers: OPTIONS 200, Max-Forwards 0 483, forged response dropped, no edge 503 and /health 503")


def main():
    if len(sys.argv) < 2:
        print("usage: test_lb.py path/to/drongo", file=sys.stderr)
        return 2
    binary = os.path.abspath(sys.argv[1])
    if shutil.which("sipp") is None:
        print("sipp not installed: skipped")
        return 77
    example = os.path.join(HERE, "..", "..", "..", "config", "lb.example.yaml")
    chk = subprocess.run([binary, "--check-config", example], capture_output=True, text=True)
    assert chk.returncode == 0, chk.stdout + chk.stderr
    work = tempfile.mkdtemp(prefix="dglb-")
    for text, why in (
            ("node: {role: lb}\n", "lb: lb.edges lists no edge node"),
            ("node: {role: lb}\nsip: {listen: [udp:0.0.0.0:5099]}\n"
             "lb: {edges: [127.0.0.1:5060]}\n", "set lb.advertise"),
            ("node: {role: lb}\nlb: {edges: [127.0.0.1:5060]}\n", "UDP only")):
        bad = os.path.join(work, "bad.yaml")
        with open(bad, "w") as f:
            f.write(text)
        chk = subprocess.run([binary, "--check-config", bad], capture_output=True, text=True)
        assert chk.returncode == 1 and why in chk.stderr, (text, chk.stderr)
    trunk_port = free_port()
    edges, lb = [], None
    try:
        for ip in EDGE_IPS:
            edges.append(Edge(binary, ip, free_port(), free_port(), trunk_port))
        lb = Lb(binary, [e.fixed_port for e in edges])
        for name in lb.edges():
            lb.wait_state(name, "up", 3.0)
        health = http_json(lb.http_port, "/health")
        assert health["status"] == "ready" and health["checks"]["edges"]["up"], health
        where = test_spread_and_stickiness(work, lb, trunk_port)
        test_cancel(work, lb, trunk_port)
        test_kill_and_return(work, binary, lb, edges, trunk_port, where)
        test_registered_user(work, lb, edges)
        test_lb_answers(lb, edges)
        assert lb.stop() == 0
        if redis_location_supported(binary, work):
            test_shared_registrar(work, binary, trunk_port)
        else:
            print("edge.location: redis not in this build: shared-registrar part not run")
        print("all lb tests passed")
        return 0
    finally:
        for e in edges:
            e.close()
        if lb is not None:
            lb.close()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

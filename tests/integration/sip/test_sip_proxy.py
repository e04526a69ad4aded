#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# The edge proxy against real sipp user agents on loopback: digest
# REGISTER (challenge, success, wrong password 403, stale nonce 401
# stale=true), a record-routed call with ACK, INFO and BYE, CANCEL while
# ringing, best-response selection over two contacts (486 beats 404; a
# 200 wins and the other branch is cancelled), 404 for an unknown user,
# 480 for a known user without bindings, 483 on Max-Forwards 0, OPTIONS
# to the proxy itself, and calls under induced loss. Each case checks
# the messages sipp saw (-message_file), not only its exit code, and the
# proxy's counters. Retransmissions (the same bytes again) count once.
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from drongo_harness import Drongo, free_port  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
DOMAIN = "test.local"
USERS = {"alice": "alicepw", "bob": "bobpw", "carol": "carolpw",
         "dave": "davepw", "erin": "erinpw", "frank": "frankpw",
         "gina": "ginapw"}
# The stale-nonce case runs on its own edge with a short nonce lifetime, so
# that retransmissions under loss elsewhere never outlive a nonce.
STALE_NONCE_TTL_S = 2


class Edge(Drongo):
    """drongo as an edge proxy/registrar with digest auth for REGISTER and INVITE."""

    def __init__(self, binary, passwd, nonce_ttl_s=300):
        self.passwd = passwd
        self.nonce_ttl_s = nonce_ttl_s
        super().__init__(binary, level="info")

    def write_conf(self, level, text=None):
        users = os.path.join(self.dir, "users")
        with open(users, "w") as f:
            for u, pw in USERS.items():
                r = subprocess.run([self.passwd, u, DOMAIN], input=pw.encode(),
                                   stdout=subprocess.PIPE, check=True)
                f.write(r.stdout.decode())
        text = "\n".join([
            "node:", "  role: edge", "  name: dgtest",
            "sip:", "  listen:",
            "    - udp:127.0.0.1:%d" % self.port,
            "    - tcp:127.0.0.1:%d" % self.port,
            "  domains: [%s]" % DOMAIN,
            "  t1: 200ms",
            "log:", "  level: %s" % level,
            "edge:",
            "  auth:",
            "    realm: %s" % DOMAIN,
            "    users_file: %s" % users,
            "    secret: \"dgsip-test-secret-0123456789\"",
            "    nonce_ttl: %ds" % self.nonce_ttl_s,
            "    methods: [REGISTER, INVITE]",
            # sipp computes MD5 only and answers the first challenge.
            "    algorithms: [md5]",
            "  registrar:",
            "    min_expires: 60",
            "    max_expires: 3600",
            "    default_expires: 600",
            "",
        ])
        super().write_conf(level, text)

    def proxy_stats(self):
        n = self.logtext().count("event=sip.proxy.stats")
        self.proc.send_signal(signal.SIGUSR1)
        self.wait_log("event=sip.proxy.stats", n + 1)
        line = [l for l in self.logtext().splitlines()
                if "event=sip.proxy.stats" in l][-1]
        return {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", line)}


def parse_trace(path):
    """The messages of a sipp -message_file: list of (dir, text), dir 'tx' or 'rx'."""
    if not os.path.exists(path):
        return []
    with open(path, "rb") as f:
        data = f.read().decode("utf-8", "replace")
    out = []
    # A "lost" note ends without a newline, right before the separator.
    for block in re.split(r"-{20,}[^\n]*\n", data):
        m = re.match(r"\s*(?:UDP|TCP) message (sent|received)[^\n]*\n\n?(.*)", block, re.S)
        if m:
            out.append(("tx" if m.group(1) == "sent" else "rx",
                        m.group(2).strip("\r\n")))
    return out


def first_line(msg):
    return msg.split("\n", 1)[0].strip()


def hdr(msg, name):
    """Values of a header (full name) in a message text."""
    vals = []
    for line in msg.split("\n"):
        if ":" in line and line.split(":", 1)[0].strip().lower() == name.lower():
            vals.append(line.split(":", 1)[1].strip())
    return vals


def codes(trace, direction="rx"):
    """Status codes above 100 in order with the CSeq method, [(code,
    method)]; a retransmission (the same bytes again) counts once."""
    res, seen = [], set()
    for d, m in trace:
        mm = re.match(r"SIP/2\.0 (\d{3})", first_line(m))
        if d == direction and mm and mm.group(1) != "100" and m not in seen:
            seen.add(m)
            res.append((int(mm.group(1)), hdr(m, "CSeq")[0].split()[1]))
    return res


def requests(trace, direction="rx"):
    """Requests in order, retransmissions (same method and top branch) once."""
    seen, out = set(), []
    for d, m in trace:
        if d != direction or first_line(m).startswith("SIP/2.0"):
            continue
        key = (first_line(m).split()[0], hdr(m, "Via")[0])
        if key not in seen:
            seen.add(key)
            out.append((key[0], m))
    return out


class Sipp:
    """One sipp process with its own message and error traces."""

    def __init__(self, work, edge, scenario, port, name, args=(), calls=1,
                 limit_s=20):
        self.msg = os.path.join(work, name + ".msg")
        self.err = os.path.join(work, name + ".err")
        self.name = name
        cmd = ["sipp", "127.0.0.1:%d" % edge.port, "-sf",
               os.path.join(HERE, scenario), "-i", "127.0.0.1",
               "-p", str(port), "-m", str(calls), "-nostdin",
               "-key", "domain", DOMAIN, "-timeout", "%ds" % limit_s,
               "-timeout_error", "-trace_msg", "-message_file", self.msg,
               "-trace_err", "-error_file", self.err] + list(args)
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.STDOUT, cwd=work)

    def wait(self, timeout=40):
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError("sipp %s did not finish" % self.name)

    def check(self, timeout=40):
        rc = self.wait(timeout)
        if rc != 0:
            err = open(self.err).read() if os.path.exists(self.err) else ""
            raise AssertionError("sipp %s failed (rc %d):\n%s\ntrace:\n%s"
                                 % (self.name, rc, err[-2000:],
                                    "\n--\n".join(m for _, m in self.trace())[-4000:]))

    def trace(self):
        return parse_trace(self.msg)

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def register(work, edge, user, port, name):
    s = Sipp(work, edge, "reg_auth_ok.xml", port, name,
             ["-s", user, "-au", user, "-ap", USERS[user],
              "-auth_uri", DOMAIN])
    s.check()
    c = codes(s.trace())
    assert c == [(401, "REGISTER"), (200, "REGISTER")], c
    ok = [m for d, m in s.trace() if d == "rx" and first_line(m).startswith("SIP/2.0 200")][0]
    contacts = hdr(ok, "Contact")
    assert any("127.0.0.1:%d" % port in v and "expires=" in v for v in contacts), ok
    return s


def caller_args(callee, caller="alice"):
    return ["-s", callee, "-au", caller, "-ap", USERS[caller],
            "-auth_uri", "%s@%s" % (callee, DOMAIN), "-key", "caller", caller]


def test_register(work, edge):
    s = register(work, edge, "gina", free_port(), "reg_ok")
    chal = [m for d, m in s.trace() if d == "rx" and first_line(m).startswith("SIP/2.0 401")][0]
    www = hdr(chal, "WWW-Authenticate")
    assert len(www) == 1 and 'realm="%s"' % DOMAIN in www[0] and "algorithm=MD5" in www[0], www


def test_register_forbidden(work, edge):
    s = Sipp(work, edge, "reg_auth_forbidden.xml", free_port(), "reg_403",
             ["-s", "gina", "-au", "gina", "-ap", "not-the-password",
              "-auth_uri", DOMAIN])
    s.check()
    assert codes(s.trace()) == [(401, "REGISTER"), (403, "REGISTER")], codes(s.trace())


def test_register_stale(work, drongo, passwd):
    edge = Edge(drongo, passwd, nonce_ttl_s=STALE_NONCE_TTL_S)
    try:
        s = Sipp(work, edge, "reg_auth_stale.xml", free_port(), "reg_stale",
                 ["-s", "gina", "-au", "gina", "-ap", USERS["gina"],
                  "-auth_uri", DOMAIN])
        s.check()
        assert edge.stop() == 0
    finally:
        edge.close()
    c = codes(s.trace())
    assert c == [(401, "REGISTER"), (401, "REGISTER"), (200, "REGISTER")], c
    second = [m for d, m in s.trace() if d == "rx" and first_line(m).startswith("SIP/2.0 401")][1]
    assert "stale=true" in hdr(second, "WWW-Authenticate")[0], second


def test_call(work, edge):
    port = free_port()
    register(work, edge, "bob", port, "reg_bob")
    uas = Sipp(work, edge, "uas_answer.xml", port, "call_uas", ["-d", "200"])
    try:
        time.sleep(0.3)
        uac_port = free_port()
        uac = Sipp(work, edge, "uac_call.xml", uac_port, "call_uac",
                   caller_args("bob"))
        uac.check()
        uas.check()
    finally:
        uas.kill()
    c = codes(uac.trace())
    assert c[0] == (407, "INVITE"), c
    assert (180, "INVITE") in c and (200, "INVITE") in c and c[-1] == (200, "BYE"), c
    assert (200, "INFO") in c, c
    ok = [m for d, m in uac.trace() if d == "rx" and first_line(m).startswith("SIP/2.0 200")][0]
    # Our entry, with where caller and callee send from (NAT in dialogs).
    rr = "<sip:127.0.0.1:%d;lr;dgnatc=127.0.0.1:%d;dgnat=127.0.0.1:%d>" % (
        edge.port, uac_port, port)
    assert hdr(ok, "Record-Route") == [rr], ok
    reqs = requests(uas.trace())
    assert [r for r, _ in reqs] == ["INVITE", "ACK", "INFO", "BYE"], [r for r, _ in reqs]
    inv = reqs[0][1]
    assert first_line(inv).startswith("INVITE sip:bob@127.0.0.1:%d " % port), inv
    assert hdr(inv, "Record-Route") == [rr], inv
    assert hdr(inv, "Max-Forwards") == ["69"], inv
    assert hdr(inv, "Proxy-Authorization") == [], inv
    vias = hdr(inv, "Via")
    assert vias[0].startswith("SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bK" % edge.port), vias
    assert "received=127.0.0.1" in vias[1] and "rport=" in vias[1], vias
    for r, m in reqs[1:]:
        assert hdr(m, "Via")[0].startswith("SIP/2.0/UDP 127.0.0.1:%d;" % edge.port), m
        assert hdr(m, "Route") == [], m


def test_call_tcp_to_udp(work, edge):
    """A caller on TCP, a callee on UDP: two Record-Route entries, the
    callee-facing one on top; ACK and BYE come back over the connection
    and leave over UDP."""
    port = free_port()
    register(work, edge, "bob", port, "reg_bob_tcp")
    uas = Sipp(work, edge, "uas_answer.xml", port, "tcp_uas", ["-d", "200"])
    try:
        time.sleep(0.3)
        uac = Sipp(work, edge, "uac_call.xml", free_port(), "tcp_uac",
                   caller_args("bob") + ["-t", "t1"])
        uac.check()
        uas.check()
    finally:
        uas.kill()
    c = codes(uac.trace())
    assert c[0] == (407, "INVITE") and (200, "INVITE") in c and c[-1] == (200, "BYE"), c
    # A TCP caller is reached on its connection: only the callee's address rides along.
    rr_udp = "<sip:127.0.0.1:%d;lr;dgnat=127.0.0.1:%d>" % (edge.port, port)
    rr_tcp = "<sip:127.0.0.1:%d;transport=tcp;lr;dgnat=127.0.0.1:%d>" % (edge.port, port)
    reqs = requests(uas.trace())
    assert [r for r, _ in reqs] == ["INVITE", "ACK", "INFO", "BYE"], [r for r, _ in reqs]
    inv = reqs[0][1]
    assert hdr(inv, "Record-Route") == [rr_udp, rr_tcp], inv
    assert hdr(inv, "Via")[1].startswith("SIP/2.0/TCP "), inv
    for _, m in reqs[1:]:
        assert hdr(m, "Route") == [], m


def test_cancel(work, edge):
    port = free_port()
    register(work, edge, "erin", port, "reg_erin")
    uas = Sipp(work, edge, "uas_ring_cancel.xml", port, "cancel_uas")
    try:
        time.sleep(0.3)
        uac = Sipp(work, edge, "uac_cancel.xml", free_port(), "cancel_uac",
                   caller_args("erin"))
        uac.check()
        uas.check()
    finally:
        uas.kill()
    c = codes(uac.trace())
    assert (200, "CANCEL") in c and (487, "INVITE") in c, c
    assert c.index((200, "CANCEL")) < c.index((487, "INVITE")), c
    assert [r for r, _ in requests(uas.trace())] == ["INVITE", "CANCEL", "ACK"], requests(uas.trace())


def test_best_busy(work, edge):
    p1, p2 = free_port(), free_port()
    register(work, edge, "carol", p1, "reg_carol1")
    register(work, edge, "carol", p2, "reg_carol2")
    u1 = Sipp(work, edge, "uas_busy.xml", p1, "busy_uas1")
    u2 = Sipp(work, edge, "uas_notfound.xml", p2, "busy_uas2")
    try:
        time.sleep(0.3)
        uac = Sipp(work, edge, "uac_busy.xml", free_port(), "busy_uac",
                   caller_args("carol"))
        uac.check()
        u1.check()
        u2.check()
    finally:
        u1.kill()
        u2.kill()
    c = codes(uac.trace())
    assert c[-1] == (486, "INVITE") and (404, "INVITE") not in c, c
    busy = [m for d, m in uac.trace() if d == "rx" and first_line(m).startswith("SIP/2.0 486")][0]
    sent = [m for d, m in u1.trace() if d == "tx"][0]
    assert hdr(busy, "To") == hdr(sent, "To"), (busy, sent)
    for u in (u1, u2):
        assert [r for r, _ in requests(u.trace())] == ["INVITE", "ACK"], requests(u.trace())


def test_best_answer(work, edge):
    p1, p2 = free_port(), free_port()
    register(work, edge, "dave", p1, "reg_dave1")
    register(work, edge, "dave", p2, "reg_dave2")
    u1 = Sipp(work, edge, "uas_answer.xml", p1, "fork_uas1", ["-d", "500"])
    u2 = Sipp(work, edge, "uas_ring_cancel.xml", p2, "fork_uas2")
    try:
        time.sleep(0.3)
        uac = Sipp(work, edge, "uac_call.xml", free_port(), "fork_uac",
                   caller_args("dave"))
        uac.check()
        u1.check()
        u2.check()
    finally:
        u1.kill()
        u2.kill()
    c = codes(uac.trace())
    assert (200, "INVITE") in c and (487, "INVITE") not in c and c[-1] == (200, "BYE"), c
    assert [r for r, _ in requests(u2.trace())] == ["INVITE", "CANCEL", "ACK"], requests(u2.trace())
    assert [r for r, _ in requests(u1.trace())] == ["INVITE", "ACK", "INFO", "BYE"], requests(u1.trace())


def test_unknown_user(work, edge):
    uac = Sipp(work, edge, "uac_404.xml", free_port(), "u404", caller_args("nobody"))
    uac.check()
    assert codes(uac.trace()) == [(407, "INVITE"), (404, "INVITE")], codes(uac.trace())


def test_unregistered_user(work, edge):
    uac = Sipp(work, edge, "uac_480.xml", free_port(), "u480", caller_args("frank"))
    uac.check()
    assert codes(uac.trace()) == [(407, "INVITE"), (480, "INVITE")], codes(uac.trace())


def test_max_forwards(work, edge):
    uac = Sipp(work, edge, "uac_483.xml", free_port(), "u483", ["-s", "bob", "-key", "caller", "alice"])
    uac.check()
    assert codes(uac.trace()) == [(483, "INVITE")], codes(uac.trace())


def test_options_self(edge):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(3)
    s.bind(("127.0.0.1", 0))
    lport = s.getsockname()[1]
    req = ("OPTIONS sip:127.0.0.1:%d SIP/2.0\r\n"
           "Via: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bK-dgopt-1;rport\r\n"
           "Max-Forwards: 70\r\nFrom: <sip:probe@%s>;tag=p1\r\n"
           "To: <sip:127.0.0.1:%d>\r\nCall-ID: dgopt-1\r\nCSeq: 1 OPTIONS\r\n"
           "Content-Length: 0\r\n\r\n" % (edge.port, lport, DOMAIN, edge.port))
    s.sendto(req.encode(), ("127.0.0.1", edge.port))
    data = s.recv(65535).decode()
    s.close()
    assert data.startswith("SIP/2.0 200 "), data
    allow = hdr(data, "Allow")
    assert allow and "INVITE" in allow[0] and "REGISTER" in allow[0], data


def test_loss(work, edge, calls=20):
    port = free_port()
    register(work, edge, "bob", port, "reg_bob_loss")
    before = edge.proxy_stats()
    # Loss on the caller's side only: sipp as a callee cannot absorb
    # retransmitted INVITEs once it has answered.
    # Lost messages cost retransmission time (T1 doubling): a longer bound.
    uas = Sipp(work, edge, "uas_answer_short.xml", port, "loss_uas",
               ["-d", "100"], calls=calls, limit_s=90)
    try:
        time.sleep(0.3)
        uac = Sipp(work, edge, "uac_call_short.xml", free_port(), "loss_uac",
                   caller_args("bob") + ["-r", "5", "-lost", "10",
                                         "-max_invite_retrans", "12",
                                         "-max_non_invite_retrans", "12"],
                   calls=calls, limit_s=90)
        uac.check(timeout=120)
        uas.wait(timeout=60)
    finally:
        uas.kill()
    after = edge.proxy_stats()
    done = [m for d, m in uac.trace() if d == "rx" and re.match(r"SIP/2\.0 200", first_line(m))
            and hdr(m, "CSeq")[0].endswith("BYE")]
    ended = {hdr(m, "Call-ID")[0] for m in done}
    assert len(ended) == calls, (len(ended), calls)
    # Loss made the proxy resend or absorb something.
    moved = (after["txn_retransmits_sent"] - before["txn_retransmits_sent"] +
             after["txn_retransmits_absorbed"] - before["txn_retransmits_absorbed"])
    assert moved > 0, (before, after)


def main():
    if shutil.which("sipp") is None:
        print("sipp is not installed (scripts/install-deps.sh installs it): skip")
        sys.exit(77)
    drongo = sys.argv[1]
    passwd = os.path.join(os.path.dirname(drongo), "auth", "drongo-passwd")
    edge = Edge(drongo, passwd)
    work = os.path.join(edge.dir, "sipp")
    os.makedirs(work)
    cases = [
        ("register", lambda: test_register(work, edge)),
        ("register_forbidden", lambda: test_register_forbidden(work, edge)),
        ("register_stale", lambda: test_register_stale(work, drongo, passwd)),
        ("options_self", lambda: test_options_self(edge)),
        ("call", lambda: test_call(work, edge)),
        ("call_tcp_to_udp", lambda: test_call_tcp_to_udp(work, edge)),
        ("cancel", lambda: test_cancel(work, edge)),
        ("best_busy", lambda: test_best_busy(work, edge)),
        ("best_answer", lambda: test_best_answer(work, edge)),
        ("unknown_user", lambda: test_unknown_user(work, edge)),
        ("unregistered_user", lambda: test_unregistered_user(work, edge)),
        ("max_forwards", lambda: test_max_forwards(work, edge)),
        ("loss", lambda: test_loss(work, edge)),
    ]
    only = sys.argv[2:]
    try:
        for name, fn in cases:
            if only and name not in only:
                continue
            fn()
            print("ok: %s" % name)
        st = edge.proxy_stats()
        if not only:
            assert st["auth_challenges"] >= 10 and st["auth_failures"] >= 1, st
            assert st["cancels"] >= 1 and st["too_many_hops"] == 1, st
            assert st["not_found"] >= 1 and st["unavailable"] >= 1, st
        rc = edge.stop()
        assert rc == 0, "exit code %s" % rc
    except BaseException:
        sys.stdout.write(edge.logtext()[-6000:])
        raise
    finally:
        edge.close()


if __name__ == "__main__":
    main()

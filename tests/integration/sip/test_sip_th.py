#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Topology hiding on the edge against real sipp user agents on loopback:
# the caller on 127.0.0.2, a trunk on 127.0.0.3 behind a route with
# topology_hiding, the proxy on 127.0.0.1. The trunk's INVITE has only
# the proxy's Via, Record-Route and a token Contact (nothing of the
# caller's address); the caller's 200 has its own Via back, the proxy's
# Record-Route and token Contact (nothing of the trunk's). A BYE from the
# caller reaches the trunk and a BYE from the trunk reaches the caller,
# each seen there with only the proxy's Via. The proxy's counters on
# /metrics and /api/dialogs follow the calls. drongo --check-config
# validates the edge section too.
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from drongo_harness import Drongo, free_port  # noqa: E402
from test_sip_proxy import codes, first_line, hdr, parse_trace, requests  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
DOMAIN = "test.local"
CALLER_IP = "127.0.0.2"
TRUNK_IP = "127.0.0.3"


class Edge(Drongo):
    """drongo as an edge with one topology-hiding route to the trunk."""

    def __init__(self, binary, trunk_port):
        self.trunk_port = trunk_port
        self.http_port = free_port()
        super().__init__(binary, level="info")

    def write_conf(self, level, text=None):
        text = "\n".join([
            "node:", "  role: edge", "  name: dgth",
            "sip:", "  listen:",
            "    - udp:127.0.0.1:%d" % self.port,
            "  domains: [%s]" % DOMAIN,
            "  t1: 200ms",
            "log:", "  level: %s" % level,
            "http:", "  listen: [\"127.0.0.1:%d\"]" % self.http_port,
            "media:", "  required: false",
            "edge:",
            "  routes:",
            "    - name: trunk",
            "      prefix: \"9\"",
            "      targets: [udp:%s:%d]" % (TRUNK_IP, self.trunk_port),
            "      topology_hiding: true",
            "",
        ])
        super().write_conf(level, text)


class Sipp:
    def __init__(self, work, edge, scenario, ip, port, name, args=()):
        self.msg = os.path.join(work, name + ".msg")
        self.err = os.path.join(work, name + ".err")
        self.name = name
        cmd = ["sipp", "127.0.0.1:%d" % edge.port, "-sf",
               os.path.join(HERE, scenario), "-i", ip, "-p", str(port),
               "-m", "1", "-nostdin", "-key", "domain", DOMAIN,
               "-key", "caller", "alice", "-s", "9001",
               "-timeout", "20s", "-timeout_error", "-trace_msg",
               "-message_file", self.msg, "-trace_err", "-error_file",
               self.err] + list(args)
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.STDOUT, cwd=work)

    def check(self, timeout=40):
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError("sipp %s did not finish" % self.name)
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


def topology(msg):
    """The headers that reveal a network: Via, Record-Route, Contact."""
    return hdr(msg, "Via") + hdr(msg, "Record-Route") + hdr(msg, "Contact")


def run_call(work, edge, trunk_port, uac_xml, uas_xml, name):
    uac_port = free_port()
    uas = Sipp(work, edge, uas_xml, TRUNK_IP, trunk_port, name + "_uas")
    try:
        time.sleep(0.3)
        uac = Sipp(work, edge, uac_xml, CALLER_IP, uac_port, name + "_uac")
        uac.check()
        uas.check()
    finally:
        uas.kill()
    ours = "127.0.0.1:%d" % edge.port
    rr = ["<sip:%s;lr>" % ours]
    # The trunk's INVITE: the proxy alone.
    reqs = requests(uas.trace())
    inv = reqs[0][1]
    assert first_line(inv).startswith("INVITE sip:9001@%s " % DOMAIN), inv
    vias = hdr(inv, "Via")
    assert len(vias) == 1 and vias[0].startswith("SIP/2.0/UDP %s;branch=z9hG4bK" % ours) \
        and "," not in vias[0], inv
    assert hdr(inv, "Record-Route") == rr, inv
    contact = hdr(inv, "Contact")
    assert len(contact) == 1 and contact[0].startswith("<sip:dgth") and \
        contact[0].endswith("a@%s>" % ours), inv
    assert not any(CALLER_IP in v for v in topology(inv)), inv
    # The caller's 200: its own Via back, the proxy's Record-Route and Contact.
    ok = [m for d, m in uac.trace() if d == "rx" and
          first_line(m).startswith("SIP/2.0 200") and "INVITE" in hdr(m, "CSeq")[0]][0]
    vias = hdr(ok, "Via")
    assert len(vias) == 1 and vias[0].startswith("SIP/2.0/UDP %s:%d;" % (CALLER_IP, uac_port)), ok
    assert hdr(ok, "Record-Route") == rr, ok
    contact = hdr(ok, "Contact")
    assert len(contact) == 1 and contact[0].startswith("<sip:dgth") and \
        contact[0].endswith("b@%s>" % ours), ok
    assert not any(TRUNK_IP in v for v in topology(ok)), ok
    return uac, uas, uac_port


def test_bye_from_caller(work, edge, trunk_port):
    uac, uas, _ = run_call(work, edge, trunk_port, "th_uac_bye.xml", "th_uas.xml",
                           "th_caller_bye")
    reqs = requests(uas.trace())
    assert [r for r, _ in reqs] == ["INVITE", "ACK", "BYE"], [r for r, _ in reqs]
    for _, m in reqs[1:]:
        assert first_line(m).split()[1] == "sip:gw@%s:%d" % (TRUNK_IP, trunk_port), m
        assert len(hdr(m, "Via")) == 1 and CALLER_IP not in hdr(m, "Via")[0], m
        assert hdr(m, "Route") == [], m
    c = codes(uac.trace())
    assert c[-1] == (200, "BYE"), c
    bye_ok = [m for d, m in uac.trace() if d == "rx" and "BYE" in hdr(m, "CSeq")[0]][0]
    assert not any(TRUNK_IP in v for v in topology(bye_ok)), bye_ok


def test_bye_from_trunk(work, edge, trunk_port):
    uac, uas, uac_port = run_call(work, edge, trunk_port, "th_uac_wait.xml",
                                  "th_uas_bye.xml", "th_trunk_bye")
    reqs = requests(uac.trace())
    assert [r for r, _ in reqs] == ["BYE"], [r for r, _ in reqs]
    bye = reqs[0][1]
    assert first_line(bye).split()[1] == "sip:alice@%s:%d" % (CALLER_IP, uac_port), bye
    assert not any(TRUNK_IP in v for v in topology(bye)), bye
    assert len(hdr(bye, "Via")) == 1, bye
    c = codes(uas.trace())
    assert c[-1] == (200, "BYE"), c
    bye_ok = [m for d, m in uas.trace() if d == "rx" and "BYE" in hdr(m, "CSeq")[0]][0]
    vias = hdr(bye_ok, "Via")
    assert len(vias) == 1 and vias[0].startswith("SIP/2.0/UDP %s:%d;" % (TRUNK_IP, trunk_port)), bye_ok
    assert not any(CALLER_IP in v for v in topology(bye_ok)), bye_ok


def http_get(edge, path):
    with urllib.request.urlopen("http://127.0.0.1:%d%s" % (edge.http_port, path),
                                timeout=5) as r:
        return r.read().decode()


def test_metrics(edge):
    m = dict(l.split() for l in http_get(edge, "/metrics").splitlines()
             if l.startswith("drongo_proxy_"))
    # Two INVITEs and two BYEs forwarded; both dialogs over.
    assert int(m["drongo_proxy_forwarded_total"]) == 4, m
    assert int(m["drongo_proxy_acks_forwarded_total"]) >= 2, m
    assert int(m["drongo_proxy_transactions_created_total"]) >= 8, m
    assert m["drongo_proxy_dialogs"] == "0", m
    assert m["drongo_proxy_auth_failures_total"] == "0", m
    d = json.loads(http_get(edge, "/api/dialogs"))
    assert d == {"count": 0, "dialogs": [], "truncated": False}, d
    r = json.loads(http_get(edge, "/api/registrations"))
    assert r == {"registrations": [], "truncated": False}, r


def test_check_config(drongo, work):
    good = os.path.join(work, "good.yaml")
    bad = os.path.join(work, "bad.yaml")
    with open(good, "w") as f:
        f.write("node:\n  role: edge\nedge:\n  routes:\n    - prefix: \"9\"\n"
                "      targets: [udp:127.0.0.3]\n      topology_hiding: true\n")
    with open(bad, "w") as f:
        f.write("node:\n  role: edge\nedge:\n  routes:\n    - prefix: \"9\"\n"
                "      targets: [udp:gw.example.com]\n")
    r = subprocess.run([drongo, "--check-config", good], capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout.strip() == good + ": ok", r
    r = subprocess.run([drongo, "--check-config", bad], capture_output=True, text=True)
    assert r.returncode == 1, r
    assert r.stderr.startswith(bad + ":6: targets: ") and "names are not resolved" in r.stderr, r


def main():
    if shutil.which("sipp") is None:
        print("sipp is not installed (scripts/install-deps.sh installs it): skip")
        sys.exit(77)
    trunk_port = free_port()
    edge = Edge(sys.argv[1], trunk_port)
    work = os.path.join(edge.dir, "sipp")
    os.makedirs(work)
    try:
        test_bye_from_caller(work, edge, trunk_port)
        print("ok: bye_from_caller")
        test_bye_from_trunk(work, edge, trunk_port)
        print("ok: bye_from_trunk")
        test_metrics(edge)
        print("ok: metrics")
        test_check_config(sys.argv[1], work)
        print("ok: check_config")
        rc = edge.stop()
        assert rc == 0, "exit code %s" % rc
    except BaseException:
        sys.stdout.write(edge.logtext()[-6000:])
        raise
    finally:
        edge.close()


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Two drongo edge nodes sharing one real redis-server (bindings and
# credentials in Redis, digest auth on REGISTER): a user registered with
# sipp on node A is found by node B (an INVITE through B reaches the
# contact registered on A); two user agents registering one AoR through
# both nodes at once, round after round, never lose each other's binding
# (every 200 lists both contacts); with Redis stopped, REGISTER gets 503
# with Retry-After (for a user whose HA1 is cached and for one whose HA1
# must be read); once Redis is back (same socket, data kept in its
# append-only file), REGISTER succeeds again without restarting drongo.
import hashlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from drongo_harness import Drongo, free_port  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
SIP_DIR = os.path.join(os.path.dirname(HERE), "sip")
DOMAIN = "test.local"
USERS = {"alice": "alicepw", "carol": "carolpw", "dave": "davepw"}
ROUNDS = 150


class Redis:
    """redis-server on a unix socket in a temporary directory; its data
    survives a restart (append-only file, fsync always)."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="dgredis-it-")
        self.sock = os.path.join(self.dir, "redis.sock")
        self.proc = None
        self.start()

    def start(self):
        self.log = open(os.path.join(self.dir, "redis.log"), "ab")
        self.proc = subprocess.Popen(
            ["redis-server", "--port", "0", "--unixsocket", self.sock,
             "--unixsocketperm", "700", "--dir", self.dir, "--save", "",
             "--appendonly", "yes", "--appendfsync", "always"],
            stdout=self.log, stderr=self.log)
        deadline = time.time() + 10
        while time.time() < deadline:
            r = subprocess.run(["redis-cli", "-s", self.sock, "PING"],
                               capture_output=True)
            if r.stdout.strip() == b"PONG":
                return
            time.sleep(0.05)
        raise AssertionError("redis-server did not start")

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.proc = None
        self.log.close()

    def cli(self, *args, stdin=None):
        r = subprocess.run(["redis-cli", "-s", self.sock] + list(args),
                           input=stdin, capture_output=True, check=True)
        return r.stdout.decode()

    def close(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


class Edge(Drongo):
    """An edge node whose location store and users are in Redis."""

    def __init__(self, binary, redis):
        self.redis = redis
        super().__init__(binary, level="info")
        self.wait_log("event=redis.up")

    def write_conf(self, level, text=None):
        text = "\n".join([
            "node:", "  role: edge", "  name: dgredis%d" % self.port,
            "sip:", "  listen:",
            "    - udp:127.0.0.1:%d" % self.port,
            "  domains: [%s]" % DOMAIN,
            "  t1: 200ms",
            "log:", "  level: %s" % level,
            "http:", "  enabled: false",
            "media:", "  required: false",
            "redis:",
            "  address: unix:%s" % self.redis.sock,
            "  backoff_min: 50ms",
            "  backoff_max: 400ms",
            "edge:",
            "  location: redis",
            "  auth:",
            "    realm: %s" % DOMAIN,
            "    credentials: redis",
            "    credentials_cache: 60s",
            "    secret: \"dgredis-test-secret-0123456789\"",
            "    methods: [REGISTER]",
            "    algorithms: [md5]",
            "  registrar:",
            "    min_expires: 60",
            "    max_expires: 3600",
            "    default_expires: 600",
            "",
        ])
        super().write_conf(level, text)


def md5hex(s):
    return hashlib.md5(s.encode()).hexdigest()


class Ua:
    """A user agent on a UDP socket sending REGISTERs with digest
    credentials (MD5, qop=auth), to one edge node."""

    def __init__(self, user, edge):
        self.user = user
        self.edge = edge
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.contact = "sip:%s@127.0.0.1:%d" % (user, self.port)
        self.nonce = None
        self.nc = 0
        self.seq = 0

    def _request(self, auth):
        self.seq += 1
        uri = "sip:%s" % DOMAIN
        lines = [
            "REGISTER %s SIP/2.0" % uri,
            "Via: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bK-dgr-%d-%d;rport"
            % (self.port, self.port, self.seq),
            "Max-Forwards: 70",
            "From: <sip:%s@%s>;tag=t%d" % (self.user, DOMAIN, self.port),
            "To: <sip:%s@%s>" % (self.user, DOMAIN),
            "Call-ID: dgr-%d-%d" % (self.port, self.seq),
            "CSeq: 1 REGISTER",
            "Contact: <%s>" % self.contact,
            "Expires: 600",
        ]
        if auth:
            self.nc += 1
            nc = "%08x" % self.nc
            cnonce = "c%d" % self.seq
            ha1 = md5hex("%s:%s:%s" % (self.user, DOMAIN, USERS[self.user]))
            ha2 = md5hex("REGISTER:%s" % uri)
            resp = md5hex("%s:%s:%s:%s:auth:%s" % (ha1, self.nonce, nc, cnonce, ha2))
            lines.append('Authorization: Digest username="%s", realm="%s", '
                         'nonce="%s", uri="%s", response="%s", algorithm=MD5, '
                         'qop=auth, nc=%s, cnonce="%s"'
                         % (self.user, DOMAIN, self.nonce, uri, resp, nc, cnonce))
        lines.append("Content-Length: 0")
        return ("\r\n".join(lines) + "\r\n\r\n").encode()

    def send(self):
        self.sock.sendto(self._request(self.nonce is not None),
                         ("127.0.0.1", self.edge.port))

    def recv(self, timeout=5.0):
        """The final response to the last REGISTER (100s skipped)."""
        self.sock.settimeout(timeout)
        while True:
            data, _ = self.sock.recvfrom(65535)
            text = data.decode("utf-8", "replace")
            code = int(text.split(" ", 2)[1])
            if code >= 200 and ("-%d\r\n" % self.seq) in text.split("Call-ID:", 1)[1][:60]:
                return code, text

    def register(self):
        """REGISTER, answering a challenge once; the final (code, text)."""
        self.send()
        code, text = self.recv()
        if code == 401:
            m = re.search(r'nonce="([^"]+)"', text)
            self.nonce = m.group(1)
            self.nc = 0
            self.send()
            code, text = self.recv()
        return code, text


def contacts_of(text):
    return [l for l in text.split("\r\n") if l.lower().startswith("contact:")]


def header_value(text, name):
    for l in text.split("\r\n"):
        if l.lower().startswith(name.lower() + ":"):
            return l.split(":", 1)[1].strip()
    return None


def provision(redis, passwd):
    for u, pw in USERS.items():
        r = subprocess.run([passwd, "--redis", u, DOMAIN], input=pw.encode(),
                           stdout=subprocess.PIPE, check=True)
        redis.cli(stdin=r.stdout)


def test_register_a_found_by_b(work, a, b):
    """sipp registers alice on node A; an INVITE through node B reaches
    the contact alice registered on A."""
    port = free_port()
    msg = os.path.join(work, "reg.msg")
    r = subprocess.run(
        ["sipp", "127.0.0.1:%d" % a.port, "-sf",
         os.path.join(SIP_DIR, "reg_auth_ok.xml"), "-i", "127.0.0.1",
         "-p", str(port), "-m", "1", "-nostdin", "-key", "domain", DOMAIN,
         "-s", "alice", "-au", "alice", "-ap", USERS["alice"],
         "-auth_uri", DOMAIN, "-timeout", "20s", "-timeout_error",
         "-trace_msg", "-message_file", msg],
        stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, cwd=work,
        timeout=40)
    assert r.returncode == 0, open(msg).read()[-3000:] if os.path.exists(msg) else r
    # alice's phone is now a plain socket on the port sipp registered.
    phone = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    phone.bind(("127.0.0.1", port))
    phone.settimeout(5)
    caller = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    caller.bind(("127.0.0.1", 0))
    cport = caller.getsockname()[1]
    invite = "\r\n".join([
        "INVITE sip:alice@%s SIP/2.0" % DOMAIN,
        "Via: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bK-dgr-inv;rport" % cport,
        "Max-Forwards: 70",
        "From: <sip:bob@%s>;tag=b1" % DOMAIN,
        "To: <sip:alice@%s>" % DOMAIN,
        "Call-ID: dgr-invite-1",
        "CSeq: 1 INVITE",
        "Contact: <sip:bob@127.0.0.1:%d>" % cport,
        "Content-Length: 0", "", ""]).encode()
    caller.sendto(invite, ("127.0.0.1", b.port))
    data, peer = phone.recvfrom(65535)
    text = data.decode()
    assert text.startswith("INVITE sip:alice@127.0.0.1:%d" % port), text
    assert "Call-ID: dgr-invite-1" in text, text
    # The phone declines and the caller ACKs, so no transaction is left.
    lines = text.split("\r\n")
    keep = [l for l in lines if l.split(":", 1)[0].lower() in
            ("via", "from", "call-id", "cseq")]
    to = [l for l in lines if l.lower().startswith("to:")][0] + ";tag=ph1"
    phone.sendto(("\r\n".join(["SIP/2.0 486 Busy Here"] + keep +
                               [to, "Content-Length: 0", "", ""])).encode(),
                 peer)
    caller.settimeout(5)
    while True:
        resp = caller.recv(65535).decode()
        if resp.startswith("SIP/2.0 486"):
            break
    ack_to = [l for l in resp.split("\r\n") if l.lower().startswith("to:")][0]
    caller.sendto("\r\n".join([
        "ACK sip:alice@%s SIP/2.0" % DOMAIN,
        "Via: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bK-dgr-inv;rport" % cport,
        "Max-Forwards: 70",
        "From: <sip:bob@%s>;tag=b1" % DOMAIN,
        ack_to,
        "Call-ID: dgr-invite-1",
        "CSeq: 1 ACK",
        "Content-Length: 0", "", ""]).encode(), ("127.0.0.1", b.port))
    phone.close()
    caller.close()


def test_concurrent_same_aor(a, b):
    """Two phones of carol register through A and B at the same moment,
    ROUNDS times: after both are in, every 200 lists both contacts."""
    ua_a, ua_b = Ua("carol", a), Ua("carol", b)
    for ua in (ua_a, ua_b):
        code, text = ua.register()
        assert code == 200, text
    for i in range(ROUNDS):
        ua_a.send()
        ua_b.send()
        for ua, other in ((ua_a, ua_b), (ua_b, ua_a)):
            code, text = ua.recv()
            assert code == 200, "round %d: %s" % (i, text)
            cs = contacts_of(text)
            for c in (ua.contact, other.contact):
                assert any("<%s>" % c in l for l in cs), \
                    "round %d: %s lost:\n%s" % (i, c, text)
    for ua in (ua_a, ua_b):
        ua.sock.close()


def test_redis_down_then_back(redis, a, b):
    """Redis stopped: REGISTER answered 503 with Retry-After by both
    nodes, for a cached user (the store fails) and for a user whose HA1
    must be read; Redis back: both register again, nothing restarted."""
    carol = Ua("carol", a)
    code, text = carol.register()
    assert code == 200, text
    dave = Ua("dave", b)
    redis.stop()
    for n in (a, b):
        n.wait_log("event=redis.down")
    code, text = carol.register()
    assert code == 503, text
    assert header_value(text, "Retry-After") is not None, text
    code, text = dave.register()
    assert code == 503, text
    assert header_value(text, "Retry-After") is not None, text
    redis.start()
    for n in (a, b):
        n.wait_log("event=redis.up", count=2, timeout=10)
    code, text = carol.register()
    assert code == 200, text
    code, text = dave.register()
    assert code == 200, text
    assert any("<%s>" % dave.contact in l for l in contacts_of(text)), text
    for n in (a, b):
        assert n.proc.poll() is None
    carol.sock.close()
    dave.sock.close()


def main():
    binary = sys.argv[1]
    passwd = os.path.join(os.path.dirname(binary), "auth", "drongo-passwd")
    for tool in ("redis-server", "redis-cli", "sipp"):
        if shutil.which(tool) is None:
            print("%s not installed: skipped" % tool)
            return 77
    work = tempfile.mkdtemp(prefix="dgredis-work-")
    redis = Redis()
    nodes = []
    try:
        provision(redis, passwd)
        a = Edge(binary, redis)
        nodes.append(a)
        b = Edge(binary, redis)
        nodes.append(b)
        for name, fn in (("register_a_found_by_b",
                          lambda: test_register_a_found_by_b(work, a, b)),
                         ("concurrent_same_aor",
                          lambda: test_concurrent_same_aor(a, b)),
                         ("redis_down_then_back",
                          lambda: test_redis_down_then_back(redis, a, b))):
            t0 = time.time()
            fn()
            print("ok %s (%.1fs)" % (name, time.time() - t0))
        for n in nodes:
            rc = n.stop()
            assert rc == 0, "drongo exit %s; log:\n%s" % (rc, n.logtext()[-3000:])
    finally:
        for n in nodes:
            n.close()
        redis.close()
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

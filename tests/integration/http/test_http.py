#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""drongo's operator HTTP on loopback, with python's own http.client.

drongo runs with HTTP on a free port and media.required: true, pointed at
a drongo-dp instance of its own. Checked: /health/live is 200; /health is
503 naming the data plane while none runs; /metrics is Prometheus text
whose SIP counters move by exactly one request and one 2xx after one SIP
OPTIONS; two requests share one connection (keep-alive); a malformed
request gets 400 and a close while the server keeps serving; other
methods get 405 and unknown endpoints a JSON 404. Then a real drongo-dp
(net_null vdev, no hugepages) starts: /health turns 200 "ready" and the
data-plane counters appear; it stops: /health is 503 again.

Usage: test_http.py PATH/TO/drongo [PATH/TO/drongo-dp]
"""
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from drongo_harness import (Drongo, config_text, free_port, request,  # noqa: E402
                            status_of)

DRONGO = os.path.abspath(sys.argv[1])
DP = (os.path.abspath(sys.argv[2]) if len(sys.argv) > 2 else
      os.path.join(os.path.dirname(os.path.dirname(DRONGO)), "dataplane",
                   "drongo-dp"))


def free_instance():
    """A drongo-dp instance number no region uses now."""
    for n in range(700 + os.getpid() % 200, 1000):
        if not os.path.exists("/dev/shm/drongo-dp.%d" % n):
            return n
    raise RuntimeError("no free drongo-dp instance")


class HttpDrongo(Drongo):
    """drongo with an http section on its own port."""

    def __init__(self, binary, http_port, instance):
        self.http_port = http_port
        self.instance = instance
        self.node_name = "dgtest"
        self.extra_listen = ""
        Drongo.__init__(self, binary)

    def write_conf(self, level, text=None):
        text = config_text(self.port, level).replace(
            "name: dgtest", "name: " + self.node_name) + "\n".join([
            "http:",
            "  listen:",
            "    - 127.0.0.1:%d" % self.http_port,
            '    - "[::1]:%d"' % self.http_port + "\n" + self.extra_listen +
            "  idle_timeout: 5s",
            "media:",
            "  required: true",
            "  dp_instance: %d" % self.instance,
            ""])
        Drongo.write_conf(self, level, text)


def get(port, path, method="GET"):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        c.request(method, path)
        r = c.getresponse()
        return r.status, dict(r.getheaders()), r.read()
    finally:
        c.close()


def metrics(port):
    status, headers, body = get(port, "/metrics")
    assert status == 200, status
    assert headers["Content-Type"].startswith("text/plain; version=0.0.4"), headers
    text = body.decode()
    values = {}
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        m = re.match(r'^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{[^}]*\})?) (\d+)$', line)
        assert m, "not an exposition sample: %r" % line
        values[m.group(1)] = int(m.group(2))
    # Every family is announced once with HELP and TYPE before its samples.
    families = re.findall(r"^# TYPE (\S+) (counter|gauge)$", text, re.M)
    assert len(families) == len(set(f for f, _ in families)), "family twice"
    for name in values:
        base = name.split("{")[0]
        assert base in dict(families), "sample without TYPE: " + name
    return values


def wait_health(port, want, timeout=10.0):
    deadline = time.time() + timeout
    while True:
        status, _, body = get(port, "/health")
        if status == want or time.time() > deadline:
            return status, json.loads(body)
        time.sleep(0.1)


def sip_options(d):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(5)
    try:
        s.bind(("127.0.0.1", 0))
        req = request("OPTIONS", "sip:127.0.0.1:%d" % d.port, "127.0.0.1",
                      s.getsockname()[1], call_id="dghttp-options-1")
        s.sendto(req, ("127.0.0.1", d.port))
        data, _ = s.recvfrom(65535)
        assert status_of(data) == 200, data
    finally:
        s.close()


def check_without_dp(d, port):
    status, headers, body = get(port, "/health/live")
    assert status == 200, (status, body)
    assert json.loads(body)["status"] == "live"

    status, body = wait_health(port, 503, timeout=1)
    assert status == 503, body
    assert body["status"] == "unavailable" and body["down"] == ["dataplane"], body
    assert body["checks"]["dataplane"]["up"] is False, body
    assert "drongo-dp.%d" % d.instance in body["checks"]["dataplane"]["reason"], body
    assert body["node"] == "dgtest" and body["role"] == "edge", body

    before = metrics(port)
    assert before["drongo_dp_up"] == 0, before
    sip_options(d)
    after = metrics(port)
    assert after["drongo_sip_rx_requests_total"] == \
        before["drongo_sip_rx_requests_total"] + 1, (before, after)
    assert after["drongo_sip_tx_2xx_total"] == \
        before["drongo_sip_tx_2xx_total"] + 1, (before, after)
    assert after["drongo_http_requests_total"] > before["drongo_http_requests_total"]

    # Keep-alive: two requests, one connection, one accept.
    accepted = metrics(port)["drongo_http_accepted_total"]
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    c.request("GET", "/health/live")
    r1 = c.getresponse()
    assert r1.status == 200 and r1.getheader("Connection") == "keep-alive"
    r1.read()
    sock = c.sock
    c.request("GET", "/metrics")
    r2 = c.getresponse()
    assert r2.status == 200
    assert b"drongo_http_connections" in r2.read()
    assert c.sock is sock, "the client had to reconnect"
    c.close()
    assert metrics(port)["drongo_http_accepted_total"] == accepted + 2

    # A malformed request: 400, closed; the server serves the next one.
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nBad Header: y\r\n\r\n")
    data = b""
    while True:
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
    s.close()
    assert data.startswith(b"HTTP/1.1 400 Bad Request\r\n"), data
    assert b"Connection: close" in data
    assert json.loads(data.split(b"\r\n\r\n", 1)[1])["status"] == 400
    status, _, _ = get(port, "/health/live")
    assert status == 200

    status, headers, body = get(port, "/metrics", method="POST")
    assert status == 405 and headers["Allow"] == "GET, HEAD", (status, headers)
    status, _, body = get(port, "/api/dialogs")
    assert status == 404, status
    assert json.loads(body) == {"error": "no such endpoint", "status": 404,
                                "path": "/api/dialogs"}, body
    # The IPv6 listener serves the same pages.
    c = http.client.HTTPConnection("::1", port, timeout=5)
    c.request("GET", "/health/live")
    r = c.getresponse()
    assert r.status == 200 and json.loads(r.read())["node"] == "dgtest"
    c.close()

    status, headers, body = get(port, "/health/live", method="HEAD")
    assert status == 200 and body == b"" and int(headers["Content-Length"]) > 0


def check_with_dp(d, port, workdir):
    conf = os.path.join(workdir, "dp.yaml")
    with open(conf, "w") as f:
        f.write("instance: %d\nport: net_null0\naddresses: [192.0.2.10/24]\n"
                "sessions_per_worker: 1024\nport_min: 40000\nport_max: 40959\n"
                "mbufs: 4095\n" % d.instance)
    ncpu = os.cpu_count() or 1
    log = open(os.path.join(workdir, "dp.log"), "w")
    dp = subprocess.Popen(
        [DP, "-c", conf, "--", "--no-huge", "--no-pci", "-m", "256",
         "--lcores", "0@0,1@%d" % (1 % ncpu),
         "--file-prefix=dghttp-%d" % os.getpid(),
         "--log-level=lib.eal:error", "--vdev=net_null0"],
        stdout=log, stderr=subprocess.STDOUT)
    try:
        status, body = wait_health(port, 200, timeout=20)
        assert status == 200, (body, open(log.name).read()[-2000:])
        assert body["status"] == "ready" and body["down"] == [], body
        assert body["checks"]["dataplane"] == {"up": True}, body
        m = metrics(port)
        assert m["drongo_dp_up"] == 1 and m["drongo_dp_workers"] == 1, m
        assert m['drongo_dp_sessions{worker="0"}'] == 0, m
        assert m['drongo_dp_ports{worker="0"}'] > 0, m
        assert 'drongo_dp_drops_total{worker="0",reason="no_session"}' in m, m
        assert 'drongo_dp_drops_total{worker="main",reason="malformed"}' in m, m
        assert "drongo_dp_media_timeouts_total{worker=\"0\"}" in m, m
    finally:
        dp.send_signal(signal.SIGTERM)
        try:
            dp.wait(15)
        except subprocess.TimeoutExpired:
            dp.kill()
            dp.wait()
        log.close()
        subprocess.run(["rm", "-rf", "/var/run/dpdk/dghttp-%d" % os.getpid()])
    status, body = wait_health(port, 503, timeout=10)
    assert status == 503 and body["down"] == ["dataplane"], body
    assert metrics(port)["drongo_dp_up"] == 0


def main():
    port = free_port()
    workdir = tempfile.mkdtemp(prefix="dghttp-")
    d = HttpDrongo(DRONGO, port, free_instance())
    try:
        d.wait_log("event=http.listen addr=127.0.0.1:%d" % port)
        d.wait_log("event=http.listen addr=[::1]:%d" % port)
        check_without_dp(d, port)
        if os.path.exists(DP):
            check_with_dp(d, port, workdir)
        else:
            print("drongo-dp not built: data-plane part skipped")
        # A reload: the node name is applied, a new listener needs a restart.
        d.node_name = "dgtest2"
        d.extra_listen = "    - 127.0.0.2:%d\n" % port
        d.write_conf("info")
        d.proc.send_signal(signal.SIGHUP)
        d.wait_log("event=conf.reload status=ok")
        assert "key=http.listen applied=no" in d.logtext(), d.logtext()
        status, _, body = get(port, "/health/live")
        assert status == 200 and json.loads(body)["node"] == "dgtest2", body
        # HTTP still answers after all of it, and drongo stops cleanly.
        assert get(port, "/health/live")[0] == 200
        assert d.stop() == 0
    finally:
        d.close()
        subprocess.run(["rm", "-rf", workdir])
    print("ok")


if __name__ == "__main__":
    main()

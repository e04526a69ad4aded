# SPDX-License-Identifier: BSD-3-Clause
# Starts the real drongo binary on loopback with a temporary configuration
# on free ports, and reads its structured log and counters. Shared by the
# integration tests of the control plane (stdlib only).
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time


def free_port():
    """A port free for both UDP and TCP on 127.0.0.1 and ::1 right now."""
    for _ in range(50):
        t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        t.bind(("127.0.0.1", 0))
        port = t.getsockname()[1]
        socks = [t]
        try:
            for fam, typ, host in ((socket.AF_INET, socket.SOCK_DGRAM, "127.0.0.1"),
                                   (socket.AF_INET6, socket.SOCK_STREAM, "::1"),
                                   (socket.AF_INET6, socket.SOCK_DGRAM, "::1")):
                s = socket.socket(fam, typ)
                socks.append(s)
                s.bind((host, port))
            return port
        except OSError:
            continue
        finally:
            for s in socks:
                s.close()
    raise RuntimeError("no free port")


def config_text(port, level="info", extra_sip="", max_size=None, limits=""):
    lines = [
        "node:",
        "  role: edge",
        "  name: dgtest",
        "sip:",
        "  listen:",
        "    - udp:127.0.0.1:%d" % port,
        "    - tcp:127.0.0.1:%d" % port,
        "    - udp:[::1]:%d" % port,
        "    - tcp:[::1]:%d" % port,
    ]
    if max_size is not None:
        lines.append("  max_message_size: %d" % max_size)
    if extra_sip:
        lines.append(extra_sip)
    if limits:
        lines += ["limits:", limits]
    lines += ["log:", "  level: %s" % level, ""]
    return "\n".join(lines)


class Drongo:
    """One drongo process with its own config file and log file."""

    def __init__(self, binary, level="info", max_size=None, extra_sip="",
                 limits=""):
        self.binary = binary
        self.extra_sip = extra_sip
        self.limits = limits
        self.dir = tempfile.mkdtemp(prefix="dgsip-")
        self.port = free_port()
        self.max_size = max_size
        self.conf = os.path.join(self.dir, "drongo.yaml")
        self.write_conf(level)
        self.logpath = os.path.join(self.dir, "drongo.log")
        self.log = open(self.logpath, "wb")
        self.proc = subprocess.Popen([binary, "--config", self.conf],
                                     stdout=self.log, stderr=self.log)
        self.wait_log("event=start status=ok")

    def write_conf(self, level, text=None):
        with open(self.conf, "w") as f:
            f.write(text if text is not None else
                    config_text(self.port, level, extra_sip=self.extra_sip,
                                max_size=self.max_size, limits=self.limits))

    def logtext(self):
        with open(self.logpath, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def wait_log(self, needle, count=1, timeout=5.0):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.logtext().count(needle) >= count:
                return
            if self.proc.poll() is not None:
                break
            time.sleep(0.02)
        raise AssertionError("log never showed %r (x%d); log:\n%s"
                             % (needle, count, self.logtext()))

    def stats(self):
        """Counters from a fresh event=sip.stats line (SIGUSR1)."""
        n = self.logtext().count("event=sip.stats")
        self.proc.send_signal(signal.SIGUSR1)
        self.wait_log("event=sip.stats", n + 1)
        line = [l for l in self.logtext().splitlines()
                if "event=sip.stats" in l][-1]
        return {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", line)}

    def stop(self):
        """SIGTERM, then the exit code; sanitizer reports fail the test."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError("drongo did not stop on SIGTERM")
        log = self.logtext()
        for bad in ("runtime error:", "AddressSanitizer", "LeakSanitizer"):
            assert bad not in log, "sanitizer report in drongo log:\n" + log
        return self.proc.returncode

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


def request(method, ruri, via_host, via_port, transport="UDP", rport=True,
            call_id="dgtest-1", branch="z9hG4bK-dgtest-1", extra="",
            body="", cseq_method=None, max_forwards=70):
    via = "SIP/2.0/%s %s:%d;branch=%s%s" % (transport, via_host, via_port,
                                            branch, ";rport" if rport else "")
    lines = [
        "%s %s SIP/2.0" % (method, ruri),
        "Via: " + via,
        "Max-Forwards: %d" % max_forwards,
        "From: <sip:probe@example.com>;tag=f1",
        "To: <%s>" % ruri,
        "Call-ID: " + call_id,
        "CSeq: 1 %s" % (cseq_method or method),
    ]
    if extra:
        lines.append(extra.rstrip("\r\n"))
    lines.append("Content-Length: %d" % len(body.encode()))
    return ("\r\n".join(lines) + "\r\n\r\n" + body).encode()


def status_of(data):
    m = re.match(rb"SIP/2\.0 (\d{3}) ", data)
    if not m:
        raise AssertionError("not a SIP response: %r" % data[:80])
    return int(m.group(1))


def header(data, name):
    for line in data.split(b"\r\n"):
        if line.lower().startswith(name.lower().encode() + b":"):
            return line.split(b":", 1)[1].strip().decode()
    return None

#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Registrar throughput with bindings in Redis: REGISTERs per second that 1,
# 2 and 3 drongo edge nodes (edge.location: redis, one redis-server on a
# unix socket) complete, next to the same load on nodes with the in-memory
# store (edge.location: memory), measured in the same run. Digest
# authentication is off: what is measured is the registrar and its store.
# Each node gets its own sipp (reg.xml: one REGISTER of a new AoR per
# call, the 200 must list the contact) sending CALLS REGISTERs as fast as
# it can with at most 200 outstanding; a step's rate is all the successful
# REGISTERs over the wall time of the slowest sipp. CPU per REGISTER is
# utime+stime (/proc/<pid>/stat) of the drongo processes and of
# redis-server over the step. Every step checks its result: every sipp
# finished with no failed call, and with Redis, one key per AoR registered.
# Usage (under the shared perf lock):
#   flock /tmp/dg-perf.lock perf/redis/run.py BUILD_DIR [calls_per_node] [runs]
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
DOMAIN = "perf.local"
TICK = os.sysconf("SC_CLK_TCK")
EDGE_IPS = ["127.0.0.81", "127.0.0.82", "127.0.0.83"]
UAC_IPS = ["127.0.0.91", "127.0.0.92", "127.0.0.93"]


def free_port(ip):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((ip, 0))
    p = s.getsockname()[1]
    s.close()
    return p


def cpu_ticks(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


class Redis:
    def __init__(self, work):
        self.sock = os.path.join(work, "redis.sock")
        self.log = open(os.path.join(work, "redis.log"), "wb")
        self.proc = subprocess.Popen(
            ["redis-server", "--port", "0", "--unixsocket", self.sock,
             "--unixsocketperm", "700", "--dir", work, "--save", "",
             "--appendonly", "no"], stdout=self.log, stderr=self.log)
        for _ in range(200):
            if self.cli("PING").strip() == "PONG":
                return
            time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def cli(self, *args):
        r = subprocess.run(["redis-cli", "-s", self.sock] + list(args),
                           capture_output=True)
        return r.stdout.decode()

    def close(self):
        self.proc.kill()
        self.proc.wait()
        self.log.close()


class Edge:
    def __init__(self, binary, work, ip, redis, location):
        self.ip = ip
        self.port = free_port(ip)
        self.dir = tempfile.mkdtemp(prefix="edge-%s-" % location, dir=work)
        conf = os.path.join(self.dir, "drongo.yaml")
        with open(conf, "w") as f:
            f.write("\n".join([
                "node:", "  role: edge", "  name: perf%s" % ip.split(".")[-1],
                "sip:", "  listen:", "    - udp:%s:%d" % (ip, self.port),
                "  domains: [%s]" % DOMAIN,
                "limits:", "  udp_buffers: 4096",
                "log:", "  level: info",
                "http:", "  enabled: false",
                "media:", "  required: false",
                "redis:", "  address: unix:%s" % redis.sock,
                "edge:", "  location: %s" % location,
                "  registrar:", "    min_expires: 60", "    max_expires: 3600",
                "  max_transactions: 400000", ""]))
        self.log = open(os.path.join(self.dir, "drongo.log"), "wb")
        self.proc = subprocess.Popen([binary, "--config", conf],
                                     stdout=self.log, stderr=self.log)
        deadline = time.time() + 10
        while time.time() < deadline:
            with open(os.path.join(self.dir, "drongo.log"), "rb") as f:
                if b"event=redis.up" in f.read():
                    return
            time.sleep(0.05)
        raise RuntimeError("drongo did not come up")

    def close(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def step(binary, work, redis, location, n, calls):
    """One measurement: n nodes, calls REGISTERs each. Returns (rate/s,
    drongo CPU us per REGISTER, redis CPU us per REGISTER)."""
    redis.cli("FLUSHALL")
    edges = [Edge(binary, work, EDGE_IPS[i], redis, location) for i in range(n)]
    try:
        pids = [e.proc.pid for e in edges]
        d0 = sum(cpu_ticks(p) for p in pids)
        r0 = cpu_ticks(redis.proc.pid)
        procs = []
        t0 = time.time()
        for i, e in enumerate(edges):
            procs.append(subprocess.Popen(
                ["sipp", "%s:%d" % (e.ip, e.port), "-sf",
                 os.path.join(HERE, "reg.xml"), "-i", UAC_IPS[i],
                 "-p", str(free_port(UAC_IPS[i])), "-m", str(calls),
                 "-r", "20000", "-l", "200", "-nostdin",
                 "-key", "domain", DOMAIN, "-key", "pfx", "n%d-" % i,
                 "-timeout", "120s", "-timeout_error"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                cwd=work))
        rcs = [p.wait(180) for p in procs]
        elapsed = time.time() - t0
        d1 = sum(cpu_ticks(p) for p in pids)
        r1 = cpu_ticks(redis.proc.pid)
        if any(rc != 0 for rc in rcs):
            raise RuntimeError("%s x%d: sipp failed calls (exit %s)"
                               % (location, n, rcs))
        total = calls * n
        if location == "redis":
            keys = int(redis.cli("EVAL",
                "return #redis.call('KEYS', 'drongo:loc:sip:*')", "0").strip())
            if keys != total:
                raise RuntimeError("redis holds %d AoRs, %d registered"
                                   % (keys, total))
        return (total / elapsed,
                (d1 - d0) * 1e6 / TICK / total,
                (r1 - r0) * 1e6 / TICK / total)
    finally:
        for e in edges:
            e.close()


def main():
    build = sys.argv[1]
    calls = int(sys.argv[2]) if len(sys.argv) > 2 else 20000
    runs = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    binary = os.path.join(build, "controlplane", "drongo")
    work = tempfile.mkdtemp(prefix="dgperf-redis-")
    redis = Redis(work)
    try:
        print("| run | nodes | memory REG/s | redis REG/s | ratio redis/memory "
              "| drongo CPU/REG memory | drongo CPU/REG redis | redis-server CPU/REG |")
        print("|---|---|---|---|---|---|---|---|")
        for run in range(1, runs + 1):
            for n in (1, 2, 3):
                mem = step(binary, work, redis, "memory", n, calls)
                red = step(binary, work, redis, "redis", n, calls)
                print("| %d | %d | %.0f | %.0f | %.2f | %.1f us | %.1f us | %.1f us |"
                      % (run, n, mem[0], red[0], red[0] / mem[0], mem[1],
                         red[1], red[2]), flush=True)
    finally:
        redis.close()
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

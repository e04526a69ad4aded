#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# SIP proxy benchmark: the highest call rate (INVITE/200/ACK/BYE, no hold
# time) that sipp UAC -> proxy -> sipp UAS on loopback completes with
# fewer than 0.1% failed calls, and the same for REGISTER with digest
# authentication, for drongo and for Kamailio configured as an equivalent
# stateful record-routing proxy and registrar (kamailio.cfg.in), in the
# same run on the same machine. CPU per call is the proxy's utime+stime
# (/proc/<pid>/stat, all its processes) over the successful calls of a
# step. Every step is bounded in calls and time. Usage:
#   perf/proxy/run.py BUILD_DIR [seconds_per_step]
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
RATES = [500, 1000, 1500, 2000, 2500, 3000, 4000, 5000]
TICK = os.sysconf("SC_CLK_TCK")


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def cpu_ticks(pid):
    """utime+stime of pid and its children processes (Kamailio forks)."""
    total = 0
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                f_ = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(d) == pid or int(f_[1]) == pid:
            total += int(f_[11]) + int(f_[12])
    return total


def sipp_counts(stat_file):
    """(successful, failed) from the last line of a sipp -trace_stat file."""
    with open(stat_file) as f:
        rows = [l.rstrip("\n").split(";") for l in f if l.strip()]
    head, last = rows[0], rows[-1]
    return (int(last[head.index("SuccessfulCall(C)")]),
            int(last[head.index("FailedCall(C)")]))


class Proxy:
    def __init__(self, name, cmd, port, workdir, log):
        self.name = name
        self.port = port
        self.log = open(log, "wb")
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=self.log,
                                     cwd=workdir)
        time.sleep(1.0)
        if self.proc.poll() is not None:
            raise RuntimeError("%s did not start, see %s" % (name, log))

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def sipp(work, port, scenario, name, args, wait=True):
    stat = os.path.join(work, name + ".csv")
    cmd = ["sipp", "127.0.0.1:%d" % port, "-sf", os.path.join(HERE, scenario),
           "-i", "127.0.0.1", "-nostdin", "-key", "domain", DOMAIN,
           "-trace_stat", "-stf", stat, "-fd", "1",
           "-trace_err", "-error_file", os.path.join(work, name + ".err")] + args
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         cwd=work)
    if not wait:
        return p, stat
    p.wait()
    return p.returncode, stat


def register_uas(work, proxy, uas_port):
    rc, _ = sipp(work, proxy.port, "perf_reg.xml", "%s_reg_uas" % proxy.name,
                 ["-p", str(uas_port), "-m", "1", "-s", "uas", "-au", "uas",
                  "-ap", "uaspw", "-auth_uri", DOMAIN, "-timeout", "10s"])
    if rc != 0:
        raise RuntimeError("%s: the callee could not register" % proxy.name)


def step_calls(work, proxy, uas_port, rate, secs):
    calls = rate * secs
    uas, _ = sipp(work, proxy.port, "perf_uas.xml", "%s_uas_%d" % (proxy.name, rate),
                  ["-p", str(uas_port), "-m", str(calls), "-timeout",
                   "%ds" % (secs + 20)], wait=False)
    time.sleep(0.3)
    c0 = cpu_ticks(proxy.proc.pid)
    t0 = time.time()
    _, stat = sipp(work, proxy.port, "perf_uac.xml", "%s_uac_%d" % (proxy.name, rate),
                   ["-p", str(free_port()), "-s", "uas", "-r", str(rate),
                    "-m", str(calls), "-l", str(rate * 4), "-timeout",
                    "%ds" % (secs + 15), "-max_socket", "1"])
    wall = time.time() - t0
    c1 = cpu_ticks(proxy.proc.pid)
    try:
        uas.wait(10)
    except subprocess.TimeoutExpired:
        uas.kill()
        uas.wait()
    ok, failed = sipp_counts(stat)
    return ok, failed, wall, (c1 - c0) / TICK


def step_regs(work, proxy, rate, secs):
    n = rate * secs
    c0 = cpu_ticks(proxy.proc.pid)
    t0 = time.time()
    _, stat = sipp(work, proxy.port, "perf_reg.xml", "%s_reg_%d" % (proxy.name, rate),
                   ["-p", str(free_port()), "-s", "reg", "-au", "reg", "-ap",
                    "regpw", "-auth_uri", DOMAIN, "-r", str(rate), "-m", str(n),
                    "-l", str(rate * 4), "-timeout", "%ds" % (secs + 15)])
    wall = time.time() - t0
    c1 = cpu_ticks(proxy.proc.pid)
    ok, failed = sipp_counts(stat)
    return ok, failed, wall, (c1 - c0) / TICK


def ladder(label, fn):
    """Rates up the ladder until failures reach 0.1% or sipp cannot keep up
    (80% of the asked rate). The machine may be shared: a failing step is
    run once more, for both proxies alike, and counts if that run passes."""
    best = None
    for rate in RATES:
        for attempt in (1, 2):
            ok, failed, wall, cpu = fn(rate)
            total = ok + failed
            frac = failed / total if total else 1.0
            achieved = ok / wall if wall > 0 else 0
            us = cpu / ok * 1e6 if ok else float("nan")
            print("  %-16s rate %5d/s try %d: %6d ok %5d failed (%.3f%%) in %.1fs, "
                  "%.0f/s, %.1f us CPU per call" % (label, rate, attempt, ok,
                                                    failed, frac * 100, wall,
                                                    achieved, us), flush=True)
            passed = total > 0 and frac < 0.001 and achieved >= 0.8 * rate
            if passed:
                break
        if not passed:
            break
        best = (rate, us)
    return best


def main():
    build = os.path.abspath(sys.argv[1])
    secs = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    drongo = os.path.join(build, "controlplane", "drongo")
    passwd = os.path.join(build, "controlplane", "auth", "drongo-passwd")
    if shutil.which("sipp") is None:
        sys.exit("sipp is needed (scripts/install-deps.sh)")
    if shutil.which("kamailio") is None:
        # Only the benchmark needs it; CI does not pay for it.
        subprocess.run(["apt-get", "install", "-y", "kamailio"], check=True,
                       stdout=subprocess.DEVNULL)
    work = tempfile.mkdtemp(prefix="dgsip-perf-")
    results = {}
    try:
        # drongo: edge, digest auth for REGISTER only (as the Kamailio config).
        users = os.path.join(work, "users")
        with open(users, "w") as f:
            for u, pw in (("uas", "uaspw"), ("reg", "regpw")):
                f.write(subprocess.run([passwd, u, DOMAIN], input=pw.encode(),
                                       stdout=subprocess.PIPE,
                                       check=True).stdout.decode())
        dport = free_port()
        with open(os.path.join(work, "drongo.yaml"), "w") as f:
            f.write("node:\n  role: edge\n  name: perf\n"
                    "sip:\n  listen:\n    - udp:127.0.0.1:%d\n"
                    "  domains: [%s]\nlog:\n  level: warn\n"
                    "edge:\n  auth:\n    realm: %s\n    users_file: %s\n"
                    "    secret: \"perf-secret-0123456789\"\n"
                    "    methods: [REGISTER]\n    algorithms: [md5]\n"
                    % (dport, DOMAIN, DOMAIN, users))
        # Kamailio: one worker process, as drongo runs one event loop.
        db = os.path.join(work, "kdb")
        os.makedirs(db)
        with open(os.path.join(db, "version"), "w") as f:
            f.write("table_name(string) table_version(int)\nsubscriber:7\n")
        with open(os.path.join(db, "subscriber"), "w") as f:
            f.write("id(int,auto) username(string) domain(string) "
                    "password(string) ha1(string,null) ha1b(string,null)\n"
                    "1:uas:%s:uaspw::\n2:reg:%s:regpw::\n" % (DOMAIN, DOMAIN))
        kport = free_port()
        with open(os.path.join(HERE, "kamailio.cfg.in")) as f:
            cfg = f.read()
        cfg = (cfg.replace("@PORT@", str(kport)).replace("@DOMAIN@", DOMAIN)
               .replace("@DB@", db).replace("@CHILDREN@", "1"))
        with open(os.path.join(work, "kamailio.cfg"), "w") as f:
            f.write(cfg)
        for name, cmd, port in (
                ("drongo", [drongo, "--config", os.path.join(work, "drongo.yaml")], dport),
                ("kamailio", ["kamailio", "-f", os.path.join(work, "kamailio.cfg"),
                              "-DD", "-E", "-m", "256", "-M", "32",
                              "-P", os.path.join(work, "kamailio.pid")], kport)):
            proxy = Proxy(name, cmd, port, work, os.path.join(work, name + ".log"))
            try:
                print("%s:" % name, flush=True)
                uas_port = free_port()
                register_uas(work, proxy, uas_port)
                calls = ladder("calls", lambda r: step_calls(work, proxy, uas_port, r, secs))
                regs = ladder("REGISTER+digest", lambda r: step_regs(work, proxy, r, secs))
                results[name] = (calls, regs)
            finally:
                proxy.stop()
        print()
        print("| test | drongo | Kamailio | ratio |")
        print("|---|---|---|---|")
        for i, what in enumerate(("calls/s (<0.1% failed)", "REGISTER/s with digest (<0.1% failed)")):
            d, k = results["drongo"][i], results["kamailio"][i]
            print("| %s | %s | %s | %s |" % (
                what, d[0] if d else "-", k[0] if k else "-",
                "%.2f" % (d[0] / k[0]) if d and k else "-"))
            print("| CPU per %s at that rate (us) | %s | %s | %s |" % (
                "call" if i == 0 else "REGISTER",
                "%.1f" % d[1] if d else "-", "%.1f" % k[1] if k else "-",
                "%.2f" % (d[1] / k[1]) if d and k else "-"))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

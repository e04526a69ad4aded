#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# drongo's command line: --check-config reports a bad file as
# file:line: key: reason and exits 1, a good one (or the embedded default)
# exits 0; a bad --config stops start-up the same way; a listener that
# cannot bind fails start-up with the address and the reason; --help and
# --version answer and unknown options are refused; SIGTERM with an INVITE
# transaction still open stops it cleanly (exit 0).
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

from drongo_harness import config_text, free_port, request, status_of


def run(binary, *args):
    r = subprocess.run([binary] + list(args), stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=30)
    return r.returncode, r.stdout.decode(), r.stderr.decode()


def main():
    tmp = tempfile.mkdtemp(prefix="dgsip-cli-")
    try:
        checks(sys.argv[1], tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("ok: check-config, start-up errors, help, version, bad options, "
          "stop with an open INVITE")


def checks(binary, tmp):
    bad = os.path.join(tmp, "bad.yaml")
    with open(bad, "w") as f:
        f.write("node:\n  role: edge\nsip:\n  listen:\n"
                "    - udp:0.0.0.0:5060\n    - tcp:0.0.0.0:70000\n")
    rc, out, err = run(binary, "--check-config", bad)
    assert rc == 1, (rc, out, err)
    assert err.strip() == "%s:6: listen: port 70000 out of range" % bad, err

    unknown = os.path.join(tmp, "unknown.yaml")
    with open(unknown, "w") as f:
        f.write("log:\n  level: info\n  colour: yes\n")
    rc, out, err = run(binary, "--config", unknown, "--check-config")
    assert rc == 1 and err.strip() == "%s:3: colour: unknown key" % unknown, err

    remote = os.path.join(tmp, "remote.yaml")
    with open(remote, "w") as f:
        f.write("node:\n  role: edge\ncluster:\n  media: remote\n")
    rc, out, err = run(binary, "--check-config", remote)
    assert rc == 1 and err.strip() == ("%s: cluster: media remote needs "
        "cluster.media_nodes or a redis: section" % remote), (rc, err)

    rc, out, err = run(binary, "--check-config", os.path.join(tmp, "none.yaml"))
    assert rc == 1 and "No such file or directory" in err, err

    good = os.path.join(tmp, "good.yaml")
    with open(good, "w") as f:
        f.write(config_text(free_port()))
    rc, out, err = run(binary, "--check-config", good)
    assert rc == 0 and out.strip() == "%s: ok" % good, (rc, out, err)
    rc, out, err = run(binary, "--check-config")
    assert rc == 0 and out.strip() == "<embedded>: ok", (rc, out, err)
    shipped = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                           "..", "..", "config", "drongo.yaml")
    rc, out, err = run(binary, "--check-config", shipped)
    assert rc == 0, (rc, out, err)

    # Start-up with a bad file fails before binding anything.
    rc, out, err = run(binary, "--config", bad)
    assert rc == 1 and err.strip().endswith("listen: port 70000 out of range"), err

    # A port someone else holds: start-up fails naming the listener.
    port = free_port()
    holder = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    holder.bind(("127.0.0.1", port))
    busy = os.path.join(tmp, "busy.yaml")
    with open(busy, "w") as f:
        f.write(config_text(port))
    rc, out, err = run(binary, "--config", busy)
    holder.close()
    assert rc == 1, (rc, err)
    assert "event=start status=error" in err, err
    assert "udp:127.0.0.1:%d: Address already in use" % port in err, err

    rc, out, err = run(binary, "--help")
    assert rc == 0 and "--check-config" in out and "--config FILE" in out, out
    rc, out, err = run(binary, "--version")
    assert rc == 0 and out.startswith("drongo "), out
    rc, out, err = run(binary, "--bogus")
    assert rc == 2 and "usage:" in err, err
    rc, out, err = run(binary, "extra-arg")
    assert rc == 2 and "unexpected argument" in err, err

    stop_with_open_invite(binary, tmp)


def stop_with_open_invite(binary, tmp):
    """An INVITE forwarded to a target that never answers keeps its
    transactions open; SIGTERM must still end with exit 0 (the edge's
    transactions are torn down while the event loop exists)."""
    port = free_port()
    silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    silent.bind(("127.0.0.1", 0))
    conf = os.path.join(tmp, "edge.yaml")
    with open(conf, "w") as f:
        f.write(config_text(port) + "http:\n  enabled: false\nedge:\n  routes:\n"
                "    - targets: [udp:127.0.0.1:%d]\n" % silent.getsockname()[1])
    logpath = os.path.join(tmp, "edge.log")
    log = open(logpath, "wb")
    proc = subprocess.Popen([binary, "--config", conf], stdout=log, stderr=log)
    uac = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    uac.bind(("127.0.0.1", 0))
    try:
        uac.settimeout(0.2)
        deadline = time.time() + 5
        while True:
            uac.sendto(request("INVITE", "sip:123@192.0.2.9", "127.0.0.1",
                               uac.getsockname()[1],
                               call_id="dgcli-open-invite"),
                       ("127.0.0.1", port))
            try:
                if status_of(uac.recv(4096)) == 100:
                    break
            except socket.timeout:
                pass
            if time.time() > deadline or proc.poll() is not None:
                with open(logpath, "rb") as f:
                    raise AssertionError("no 100 Trying from the edge; log:\n"
                                         + f.read().decode("utf-8", "replace"))
        silent.settimeout(5)
        assert silent.recv(4096).startswith(b"INVITE "), "INVITE not forwarded"
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(10) == 0, "exit code %s" % proc.returncode
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        log.close()
        uac.close()
        silent.close()


if __name__ == "__main__":
    main()

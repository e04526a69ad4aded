#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# drongo answers sipp over UDP and TCP, IPv4 and IPv6: an OPTIONS ping to
# the server gets 200 with Allow/Accept/Supported (sipp_options_200.xml),
# an INVITE gets 501 and its ACK is absorbed (sipp_invite_501.xml). The
# counters must show exactly the requests sipp sent.
import os
import shutil
import subprocess
import sys

from drongo_harness import Drongo, free_port

HERE = os.path.dirname(os.path.abspath(__file__))


def sipp(scenario, transport, local_ip, remote):
    cmd = ["sipp", "-sf", os.path.join(HERE, scenario), "-m", "1",
           "-t", transport, "-i", local_ip, "-p", str(free_port()),
           "-nostdin", "-timeout", "10s", "-timeout_error",
           "-trace_err", "-error_file", os.devnull, remote]
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       timeout=30)
    if r.returncode != 0:
        sys.stdout.write(r.stdout.decode("utf-8", "replace")[-3000:])
        raise AssertionError("sipp %s over %s to %s failed (rc %d)"
                             % (scenario, transport, remote, r.returncode))


def main():
    if shutil.which("sipp") is None:
        print("sipp is not installed (scripts/install-deps.sh installs it): skip")
        sys.exit(77)
    d = Drongo(sys.argv[1])
    try:
        runs = 0
        for transport in ("u1", "t1"):
            for local_ip, remote in (("127.0.0.1", "127.0.0.1:%d" % d.port),
                                     ("::1", "[::1]:%d" % d.port)):
                sipp("sipp_options_200.xml", transport, local_ip, remote)
                sipp("sipp_invite_501.xml", transport, local_ip, remote)
                runs += 1
        st = d.stats()
        assert st["tx_2xx"] == runs, st
        assert st["tx_501"] == runs, st
        assert st["rx_acks"] == runs, st
        assert st["tx_responses"] == 2 * runs, st
        assert st["tcp_accepted"] >= 2 * 2, st
        assert st["drop_malformed"] == 0, st
        rc = d.stop()
        assert rc == 0, "exit code %s" % rc
    finally:
        d.close()
    print("ok: %d sipp runs (OPTIONS 200, INVITE 501 + ACK) over udp/tcp, v4/v6"
          % (2 * runs))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# drongo on the wire with raw sockets: bad input gets the right answer
# (or none) and the process keeps serving; responses go where RFC 3261
# section 18.2.2 and RFC 3581 say; TCP framing errors close the stream;
# oversized messages are rejected; SIGHUP reloads without dropping;
# SIGTERM exits 0. Every check looks at codes, headers and counters.
import signal
import socket
import sys
import time

from drongo_harness import Drongo, config_text, header, request, status_of

MAX = 2048


def udp_sock(fam=socket.AF_INET, host="127.0.0.1"):
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.bind((host, 0))
    s.settimeout(2.0)
    return s


def udp_ask(d, data, sock=None, expect_reply=True):
    s = sock or udp_sock()
    s.sendto(data, ("127.0.0.1", d.port))
    if not expect_reply:
        s.settimeout(0.5)
        try:
            got = s.recvfrom(65535)
            raise AssertionError("unexpected reply: %r" % got[0][:80])
        except socket.timeout:
            return None
    return s.recvfrom(65535)[0]


def options(port, **kw):
    return request("OPTIONS", "sip:127.0.0.1:%d" % port, "127.0.0.1", 5060,
                   **kw)


def check_serving(d):
    """An OPTIONS ping still gets 200."""
    r = udp_ask(d, options(d.port, call_id="alive-%f" % time.time()))
    assert status_of(r) == 200, r


def test_options_and_rport(d):
    s = udp_sock()
    r = udp_ask(d, options(d.port), s)
    assert status_of(r) == 200, r
    assert "OPTIONS" in header(r, "Allow"), r
    assert header(r, "Accept") == "application/sdp", r
    assert header(r, "Supported") is not None, r
    assert ";tag=dg" in header(r, "To"), r
    # RFC 3581: the empty rport is filled with the source port and
    # received is added, so a client behind NAT learns its mapping.
    assert header(r, "Via") == (
        "SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK-dgtest-1;rport=%d"
        ";received=127.0.0.1" % s.getsockname()[1]), r
    # Same request again (a retransmission): the very same To tag.
    r2 = udp_ask(d, options(d.port), s)
    assert header(r2, "To") == header(r, "To")


def test_via_sent_by_without_rport(d):
    # RFC 3261 18.2.2: no rport, no maddr -> the sent-by port at the source
    # address (received), not the port the request came from.
    src = udp_sock()
    target = udp_sock()
    tport = target.getsockname()[1]
    req = request("OPTIONS", "sip:127.0.0.1:%d" % d.port, "127.0.0.1", tport,
                  rport=False, call_id="sentby-1")
    src.sendto(req, ("127.0.0.1", d.port))
    r = target.recvfrom(65535)[0]
    assert status_of(r) == 200, r
    # Seen where it said it was: the Via comes back untouched.
    assert header(r, "Via") == ("SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bK-dgtest-1"
                                % tport), r
    src.settimeout(0.3)
    try:
        src.recvfrom(65535)
        raise AssertionError("response went to the source port")
    except socket.timeout:
        pass


def test_maddr(d):
    target = udp_sock()
    tport = target.getsockname()[1]
    req = request("OPTIONS", "sip:127.0.0.1:%d" % d.port, "192.0.2.1", tport,
                  rport=False, call_id="maddr-1")
    req = req.replace(b";branch=", b";maddr=127.0.0.1;branch=", 1)
    udp_sock().sendto(req, ("127.0.0.1", d.port))
    r = target.recvfrom(65535)[0]
    assert status_of(r) == 200, r
    assert header(r, "Via").endswith(";received=127.0.0.1"), r


def test_malformed_gets_400(d):
    before = d.stats()
    bad = options(d.port, call_id="bad-cseq").replace(b"CSeq: 1 OPTIONS",
                                                      b"CSeq: one OPTIONS")
    r = udp_ask(d, bad)
    assert status_of(r) == 400, r
    w = header(r, "Warning")
    assert w is not None and w.startswith('399 dgtest "'), r
    r = udp_ask(d, options(d.port, call_id="cseq-mismatch",
                           cseq_method="INVITE"))
    assert status_of(r) == 400, r
    assert "CSeq" in header(r, "Warning"), r
    r = udp_ask(d, options(d.port, call_id="v3").replace(
        b"OPTIONS sip:127.0.0.1:%d SIP/2.0" % d.port,
        b"OPTIONS sip:127.0.0.1:%d SIP/3.0" % d.port))
    assert status_of(r) == 505, r
    r = udp_ask(d, options(d.port, call_id="req-foo", extra="Require: foo"))
    assert status_of(r) == 420, r
    assert header(r, "Unsupported") == "foo", r
    r = udp_ask(d, request("OPTIONS", "mailto:x@example.com", "127.0.0.1",
                           5060, call_id="scheme"))
    assert status_of(r) == 416, r
    after = d.stats()
    assert after["tx_400"] == before["tx_400"] + 2, after
    assert after["tx_4xx"] == before["tx_4xx"] + 4, after
    assert after["tx_5xx"] == before["tx_5xx"] + 1, after
    check_serving(d)


def test_unroutable_dropped(d):
    before = d.stats()
    udp_ask(d, b"\x00\x01garbage that is not SIP\r\n\r\n", expect_reply=False)
    novia = b"\r\n".join(l for l in options(d.port).split(b"\r\n")
                         if not l.startswith(b"Via:"))
    udp_ask(d, novia, expect_reply=False)
    after = d.stats()
    assert after["drop_malformed"] == before["drop_malformed"] + 2, after
    assert after["tx_responses"] == before["tx_responses"], after
    assert "event=sip.drop" in d.logtext()
    check_serving(d)


def test_log_rate_limit(d):
    """A flood of garbage is counted in full but logged at most 100/s."""
    before = d.stats()
    lines_before = d.logtext().count("event=sip.drop")
    s = udp_sock()
    for i in range(500):
        s.sendto(b"garbage %d\r\n\r\n" % i, ("127.0.0.1", d.port))
    deadline = time.time() + 5
    while time.time() < deadline:
        after = d.stats()
        if after["drop_malformed"] >= before["drop_malformed"] + 500:
            break
        time.sleep(0.05)
    assert after["drop_malformed"] == before["drop_malformed"] + 500, after
    logged = d.logtext().count("event=sip.drop") - lines_before
    suppressed = after["log_suppressed"] - before["log_suppressed"]
    assert logged + suppressed == 500, (logged, suppressed)
    assert logged <= 200, logged
    # The next bad packet a second later sums up what was left out.
    time.sleep(1.1)
    udp_ask(d, b"garbage again\r\n\r\n", expect_reply=False)
    d.wait_log("event=sip.log_suppressed lines=")
    check_serving(d)


def test_response_dropped_ack_absorbed(d):
    before = d.stats()
    resp = (b"SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKx\r\n"
            b"From: <sip:a@b>;tag=1\r\nTo: <sip:c@d>;tag=2\r\nCall-ID: r1\r\n"
            b"CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n")
    udp_ask(d, resp, expect_reply=False)
    udp_ask(d, request("ACK", "sip:bob@127.0.0.1:%d" % d.port, "127.0.0.1",
                       5060, call_id="ack-1"), expect_reply=False)
    after = d.stats()
    assert after["drop_response"] == before["drop_response"] + 1, after
    assert after["rx_acks"] == before["rx_acks"] + 1, after
    assert after["tx_responses"] == before["tx_responses"], after


def test_invite_501_and_ipv6(d):
    s = udp_sock(socket.AF_INET6, "::1")
    inv = request("INVITE", "sip:bob@[::1]:%d" % d.port, "[::1]", 5060,
                  call_id="inv6")
    s.sendto(inv, ("::1", d.port))
    r = s.recvfrom(65535)[0]
    assert status_of(r) == 501, r
    s.sendto(request("OPTIONS", "sip:[::1]:%d" % d.port, "[::1]", 5060,
                     call_id="opt6"), ("::1", d.port))
    r = s.recvfrom(65535)[0]
    assert status_of(r) == 200, r
    # OPTIONS to a user, and to a host that is not us: not a ping for us.
    r = udp_ask(d, request("OPTIONS", "sip:bob@127.0.0.1:%d" % d.port,
                           "127.0.0.1", 5060, call_id="optuser"))
    assert status_of(r) == 501, r
    r = udp_ask(d, request("OPTIONS", "sip:192.0.2.55:5060", "127.0.0.1", 5060,
                           call_id="optother"))
    assert status_of(r) == 501, r
    # Max-Forwards 0: the last hop answers the OPTIONS itself (RFC 3261 16.3).
    r = udp_ask(d, request("OPTIONS", "sip:192.0.2.55:5060", "127.0.0.1", 5060,
                           call_id="optmf0", max_forwards=0))
    assert status_of(r) == 200, r
    r = udp_ask(d, request("INVITE", "sip:bob@192.0.2.55", "127.0.0.1", 5060,
                           call_id="invmf0", max_forwards=0))
    assert status_of(r) == 483, r


def test_udp_oversize(d):
    before = d.stats()
    body = "x" * (MAX + 100)
    r = udp_ask(d, request("MESSAGE", "sip:bob@127.0.0.1", "127.0.0.1", 5060,
                           call_id="big-udp", body=body,
                           extra="Content-Type: text/plain"))
    assert status_of(r) == 513, r
    # Oversized and not even a request line in the first bytes: dropped.
    udp_ask(d, b"x" * (MAX + 100), expect_reply=False)
    after = d.stats()
    assert after["tx_513"] == before["tx_513"] + 1, after
    assert after["drop_oversize"] == before["drop_oversize"] + 1, after
    check_serving(d)


def tcp_conn(d):
    c = socket.create_connection(("127.0.0.1", d.port), timeout=2.0)
    return c


def tcp_read_all(c):
    data = b""
    while True:
        try:
            chunk = c.recv(65535)
        except ConnectionResetError:
            break
        if not chunk:
            break
        data += chunk
    return data


def test_tcp(d):
    c = tcp_conn(d)
    two = (request("OPTIONS", "sip:127.0.0.1:%d" % d.port, "127.0.0.1", 5060,
                   transport="TCP", call_id="tcp-a") +
           request("INVITE", "sip:bob@127.0.0.1", "127.0.0.1", 5060,
                   transport="TCP", call_id="tcp-b"))
    c.sendall(two)
    got = b""
    while got.count(b"Content-Length: 0\r\n\r\n") < 2:
        chunk = c.recv(65535)
        assert chunk, "connection closed early"
        got += chunk
    first, second = got.split(b"\r\n\r\n")[:2]
    assert status_of(first) == 200 and "tcp-a" in header(first, "Call-ID")
    assert status_of(second) == 501 and "tcp-b" in header(second, "Call-ID")
    c.close()

    before = d.stats()
    c = tcp_conn(d)
    c.sendall(options(d.port, transport="TCP").replace(
        b"Content-Length: 0", b"Content-Length: abc"))
    assert tcp_read_all(c) == b"", "bad Content-Length got a reply"
    c.close()
    c = tcp_conn(d)
    c.sendall(options(d.port, transport="TCP").replace(
        b"Content-Length: 0\r\n", b""))
    assert tcp_read_all(c) == b"", "missing Content-Length got a reply"
    c.close()
    after = d.stats()
    assert after["tcp_bad_framing"] == before["tcp_bad_framing"] + 2, after

    c = tcp_conn(d)
    big = request("MESSAGE", "sip:bob@127.0.0.1", "127.0.0.1", 5060,
                  transport="TCP", call_id="big-tcp", body="y" * (2 * MAX),
                  extra="Content-Type: text/plain")
    c.sendall(big)
    r = tcp_read_all(c)
    assert status_of(r) == 513, r
    assert r.endswith(b"\r\n\r\n") and r.count(b"SIP/2.0 ") == 1, r
    c.close()
    after2 = d.stats()
    assert after2["tcp_oversize"] == after["tcp_oversize"] + 1, after2
    assert after2["tx_513"] == after["tx_513"] + 1, after2

    c6 = socket.create_connection(("::1", d.port), timeout=2.0)
    c6.sendall(request("OPTIONS", "sip:[::1]:%d" % d.port, "[::1]", 5060,
                       transport="TCP", call_id="tcp6"))
    r = c6.recv(65535)
    assert status_of(r) == 200, r
    c6.close()
    check_serving(d)


def test_reload(d):
    # Info level: per-request debug lines are not written.
    check_serving(d)
    assert "event=sip.rx" not in d.logtext()
    c = tcp_conn(d)
    d.write_conf("debug")
    pid = d.proc.pid
    d.proc.send_signal(signal.SIGHUP)
    d.wait_log("event=conf.reload status=ok")
    assert d.proc.poll() is None and d.proc.pid == pid
    check_serving(d)
    d.wait_log("event=sip.rx method=OPTIONS")
    # The TCP connection opened before the reload still works.
    c.sendall(options(d.port, transport="TCP", call_id="after-reload"))
    r = c.recv(65535)
    assert status_of(r) == 200, r
    c.close()
    # A broken file on reload is reported and the running config is kept.
    d.write_conf("debug", text=config_text(d.port, "debug") + "bogus: 1\n")
    d.proc.send_signal(signal.SIGHUP)
    d.wait_log("event=conf.reload status=error")
    assert "bogus: unknown key" in d.logtext()
    check_serving(d)
    # Listeners need a restart: a reload that moves them keeps the old ones.
    d.write_conf("debug", text=config_text(d.port + 1, "debug"))
    d.proc.send_signal(signal.SIGHUP)
    d.wait_log("key=sip.listen applied=no")
    d.wait_log("event=conf.reload status=ok", 2)
    check_serving(d)
    d.write_conf("info")


def test_tcp_limits(binary):
    """Connections over limits.tcp_connections are refused; idle ones close."""
    d = Drongo(binary, extra_sip="  tcp_idle_timeout: 1s",
               limits="  tcp_connections: 2")
    try:
        a, b = tcp_conn(d), tcp_conn(d)
        for c in (a, b):
            c.sendall(options(d.port, transport="TCP"))
            assert status_of(c.recv(65535)) == 200
        third = tcp_conn(d)
        assert tcp_read_all(third) == b"", "third connection was served"
        st = d.stats()
        assert st["tcp_refused"] == 1 and st["tcp_conns"] == 2, st
        # Silent for more than tcp_idle_timeout (1 s): closed by drongo.
        start = time.time()
        a.settimeout(5.0)
        assert tcp_read_all(a) == b""
        assert 0.8 <= time.time() - start <= 4.0
        st = d.stats()
        assert st["tcp_idle_closed"] >= 1, st
        for c in (a, b, third):
            c.close()
        assert d.stop() == 0
    except BaseException:
        sys.stdout.write(d.logtext()[-4000:])
        raise
    finally:
        d.close()
    print("ok: test_tcp_limits")


def main():
    test_tcp_limits(sys.argv[1])
    d = Drongo(sys.argv[1], max_size=MAX)
    try:
        for t in (test_options_and_rport, test_via_sent_by_without_rport,
                  test_maddr, test_malformed_gets_400, test_unroutable_dropped,
                  test_log_rate_limit, test_response_dropped_ack_absorbed,
                  test_invite_501_and_ipv6,
                  test_udp_oversize, test_tcp, test_reload):
            t(d)
            print("ok:", t.__name__)
        assert d.proc.poll() is None, "drongo died"
        rc = d.stop()
        assert rc == 0, "exit code %s after SIGTERM" % rc
        log = d.logtext()
        assert "event=stopping signal=SIGTERM" in log
        assert "event=stop status=ok" in log
        print("ok: SIGTERM exit 0")
    except BaseException:
        sys.stdout.write(d.logtext()[-4000:])
        raise
    finally:
        d.close()


if __name__ == "__main__":
    main()

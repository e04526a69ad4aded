# SPDX-License-Identifier: BSD-3-Clause
"""Helpers shared by the network-namespace integration tests: run a Python
function inside a namespace (fork + setns, result sent back through a pipe)
and turn off a veth's TX checksum offload.

Tests in tests/integration/<area>/ import it after putting their parent
folder on sys.path."""
import array
import ctypes
import fcntl
import os
import socket
import struct

libc = ctypes.CDLL(None, use_errno=True)
CLONE_NEWNET = 0x40000000


def in_ns(ns, fn, *args):
    """Run fn(*args) in a child process inside netns ns; return a handle
    for ns_result (the child runs while the caller goes on)."""
    rfd, wfd = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(rfd)
        try:
            fd = os.open(f'/var/run/netns/{ns}', os.O_RDONLY)
            if libc.setns(fd, CLONE_NEWNET) != 0:
                raise OSError(ctypes.get_errno(), 'setns')
            out = b'OK' + repr(fn(*args)).encode()
        except Exception as e:  # reported to the parent
            out = b'ER' + repr(e).encode()
        os.write(wfd, out)
        os._exit(0)
    os.close(wfd)
    return pid, rfd


def ns_result(handle):
    """Wait for an in_ns child; its return value, or raise its error."""
    pid, rfd = handle
    data = b''
    while True:
        chunk = os.read(rfd, 65536)
        if not chunk:
            break
        data += chunk
    os.close(rfd)
    os.waitpid(pid, 0)
    if not data.startswith(b'OK'):
        raise RuntimeError(data[2:].decode(errors='replace'))
    return eval(data[2:].decode())


def tx_csum_off(ifname):
    """ethtool -K IF tx off: a veth hands packets over with only the
    pseudo-header sum in the UDP checksum (CHECKSUM_PARTIAL), which a
    packet socket passes on as is; real NICs deliver complete sums."""
    ev = array.array('I', [0x17, 0])    # ETHTOOL_STXCSUM, off
    ifr = struct.pack('16sP', ifname.encode(), ev.buffer_info()[0])
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    fcntl.ioctl(s.fileno(), 0x8946, ifr + bytes(40 - len(ifr)))
    s.close()
    return True

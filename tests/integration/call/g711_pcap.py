# SPDX-License-Identifier: BSD-3-Clause
"""Writes a G.711 (PCMU) RTP stream as a pcap file that sipp's
play_pcap_audio replays: Ethernet / IPv4 / UDP / RTP, one packet of 160
samples every 20 ms, a tone encoded with the G.711 mu-law rule. Each
packet's payload is returned too, so a test can tell what arrived.
Made here rather than shipped so that every byte's origin is this file."""
import math
import struct


def ulaw(sample):
    """One 16-bit linear sample to mu-law (ITU-T G.711, bias 0x84)."""
    sign = 0x80 if sample < 0 else 0
    mag = min(abs(sample), 32635) + 0x84
    exp = 7
    for e in range(8):
        if mag < (0x100 << e):
            exp = e
            break
    mant = (mag >> (exp + 3)) & 0x0f
    return ~(sign | (exp << 4) | mant) & 0xff


def _csum(data):
    if len(data) % 2:
        data += b'\0'
    s = sum(struct.unpack('!%dH' % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def write(path, n, ssrc, freq, src=('10.0.0.1', 6000), dst=('10.0.0.2', 6000)):
    """n packets of a freq-Hz tone from SSRC ssrc; returns the payloads."""
    payloads = []
    recs = []
    sip = bytes(map(int, src[0].split('.')))
    dip = bytes(map(int, dst[0].split('.')))
    for i in range(n):
        pcm = [int(8000 * math.sin(2 * math.pi * freq * (i * 160 + k) / 8000))
               for k in range(160)]
        payload = bytes(ulaw(v) for v in pcm)
        payloads.append(payload)
        rtp = struct.pack('!BBHII', 0x80, 0x80 if i == 0 else 0, 1000 + i,
                          i * 160, ssrc) + payload
        ulen = 8 + len(rtp)
        ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + ulen, i, 0, 64, 17,
                         0, sip, dip)
        ip = ip[:10] + struct.pack('!H', _csum(ip)) + ip[12:]
        eth = b'\x02\0\0\0\0\x02' + b'\x02\0\0\0\0\x01' + b'\x08\x00'
        frame = eth + ip + struct.pack('!HHHH', src[1], dst[1], ulen, 0) + rtp
        usec = i * 20000
        recs.append(struct.pack('<IIII', usec // 1000000, usec % 1000000,
                                len(frame), len(frame)) + frame)
    with open(path, 'wb') as f:
        # pcap global header: magic, v2.4, zone 0, sigfigs 0, snaplen, Ethernet.
        f.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        for r in recs:
            f.write(r)
    return payloads

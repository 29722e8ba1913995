#!/usr/bin/python3
"""Writes the crafted golden captures (tests/golden/captures/c-*.pcap*): every
core protocol, well-formed, truncated and malformed, on every supported link
type and file format. Byte-exact and deterministic; run it again only to add
cases, then regenerate the expected outputs with tests/golden/regen.sh (the
installed tcpdump writes them)."""
import os
import struct
import sys

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "captures")


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


A4, B4, C4 = bytes([10, 77, 0, 1]), bytes([10, 77, 0, 2]), bytes([10, 77, 1, 9])
A6 = bytes.fromhex("fd770000000000000000000000000001")
B6 = bytes.fromhex("fd770000000000000000000000000002")
LL6 = bytes.fromhex("fe800000000000000000000000aabbcc")
MA, MB, BC = bytes.fromhex("020000000001"), bytes.fromhex("020000000002"), b"\xff" * 6


def ip4(src, dst, proto, payload, ttl=64, ident=1, frag=0x4000, tos=0, opts=b"",
        tot=None, bad_csum=False, ihl=None):
    hl = (20 + len(opts)) // 4 if ihl is None else ihl
    tl = 20 + len(opts) + len(payload) if tot is None else tot
    h = struct.pack("!BBHHHBBH4s4s", 0x40 | hl, tos, tl, ident, frag, ttl, proto, 0, src, dst) + opts
    c = csum(h) ^ (0x1111 if bad_csum else 0)
    return h[:10] + struct.pack("!H", c) + h[12:] + payload


def ip6(src, dst, nh, payload, hlim=64, tc=0, flow=0, plen=None):
    pl = len(payload) if plen is None else plen
    return struct.pack("!IHBB", 0x60000000 | tc << 20 | flow, pl, nh, hlim) + src + dst + payload


def pseudo(src, dst, proto, n):
    if len(src) == 4:
        return src + dst + struct.pack("!BBH", 0, proto, n)
    return src + dst + struct.pack("!IxxxB", n, proto)


def tcp(src, dst, sp, dp, seq, ack, flags, win=65535, opts=b"", data=b"", urp=0, bad=False, doff=None):
    off = (20 + len(opts)) // 4 if doff is None else doff
    t = struct.pack("!HHIIBBHHH", sp, dp, seq, ack, off << 4, flags, win, 0, urp) + opts + data
    c = csum(pseudo(src, dst, 6, len(t)) + t) ^ (0x00FF if bad else 0)
    return t[:16] + struct.pack("!H", c) + t[18:]


def udp(src, dst, sp, dp, data, bad=False, zero=False, ulen=None):
    u = struct.pack("!HHHH", sp, dp, 8 + len(data) if ulen is None else ulen, 0) + data
    c = 0 if zero else (csum(pseudo(src, dst, 17, len(u)) + u) or 0xFFFF) ^ (0x0F0F if bad else 0)
    return u[:6] + struct.pack("!H", c) + u[8:]


def icmp(t, c, rest, data=b"", bad=False):
    h = struct.pack("!BBH", t, c, 0) + rest + data
    return h[:2] + struct.pack("!H", csum(h) ^ (0x0101 if bad else 0)) + h[4:]


def icmp6(src, dst, t, c, body, bad=False):
    h = struct.pack("!BBH", t, c, 0) + body
    s = csum(pseudo(src, dst, 58, len(h)) + h) ^ (0x0202 if bad else 0)
    return h[:2] + struct.pack("!H", s) + h[4:]


def eth(dst, src, et, p, vlans=()):
    h = dst + src
    for tpid, tci in vlans:
        h += struct.pack("!HH", tpid, tci)
    return h + struct.pack("!H", et) + p


def pad60(f):
    return f + b"\0" * max(0, 60 - len(f))


def dns_name(n):
    if n == ".":
        return b"\0"
    return b"".join(bytes([len(x)]) + x.encode() for x in n.rstrip(".").split(".")) + b"\0"


def dns(ident, flags, qd=(), an=(), ns=(), ar=()):
    m = struct.pack("!HHHHHH", ident, flags, len(qd), len(an), len(ns), len(ar))
    for name, t in qd:
        m += dns_name(name) + struct.pack("!HH", t, 1)
    for sect in (an, ns, ar):
        for name, t, cls, ttl, rd in sect:
            nm = name if isinstance(name, bytes) else dns_name(name)
            m += nm + struct.pack("!HHIH", t, cls, ttl, len(rd)) + rd
    return m


TS0 = 1700000000


def write_pcap(name, pkts, lt=1, nano=False, be=False, snaplen=262144):
    e = ">" if be else "<"
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(struct.pack(e + "IHHiIII", 0xA1B23C4D if nano else 0xA1B2C3D4, 2, 4, 0, 0, snaplen, lt))
        for i, p in enumerate(pkts):
            if isinstance(p, tuple):
                p, caplen, wirelen = p
            else:
                caplen, wirelen = len(p), len(p)
            frac = i * 1234567 % (10**9 if nano else 10**6)
            f.write(struct.pack(e + "IIII", TS0 + i, frac, caplen, wirelen) + p[:caplen])


def ng_block(t, body, e):
    body += b"\0" * (-len(body) % 4)
    n = 12 + len(body)
    return struct.pack(e + "II", t, n) + body + struct.pack(e + "I", n)


def write_pcapng(name, pkts, lt=1, be=False, tsresol=6):
    e = ">" if be else "<"
    shb = struct.pack(e + "IHHq", 0x1A2B3C4D, 1, 0, -1)
    opt = struct.pack(e + "HHB3x", 9, 1, tsresol) + struct.pack(e + "HH", 0, 0)
    idb = struct.pack(e + "HHI", lt, 0, 262144) + opt
    out = ng_block(0x0A0D0D0A, shb, e) + ng_block(1, idb, e)
    out += ng_block(0x0BAD, b"custom block, skipped", e)
    for i, p in enumerate(pkts):
        ts = (TS0 + i) * 10**tsresol + i * 1234
        if i % 3 == 1:  # a simple packet block (no timestamp)
            out += ng_block(3, struct.pack(e + "I", len(p)) + p, e)
        elif i % 3 == 2:  # the obsolete packet block
            out += ng_block(2, struct.pack(e + "HHIIII", 0, 0, ts >> 32, ts & 0xFFFFFFFF, len(p), len(p)) + p, e)
        else:
            out += ng_block(6, struct.pack(e + "IIIII", 0, ts >> 32, ts & 0xFFFFFFFF, len(p), len(p)) + p, e)
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(out)


def e4(p, proto, **kw):
    return eth(MB, MA, 0x0800, ip4(A4, B4, proto, p, **kw))


def e6(p, nh, **kw):
    return eth(MB, MA, 0x86DD, ip6(A6, B6, nh, p, **kw))


SYNOPTS = bytes([2, 4, 5, 0xB4, 4, 2, 8, 10]) + struct.pack("!II", 1000, 0) + bytes([1, 3, 3, 7])
TSOPT = bytes([1, 1, 8, 10]) + struct.pack("!II", 1001, 2000)


def tcp_caps():
    s, a = 0x11223344, 0x55667788
    T = lambda sp, dp, *args, **kw: tcp(A4, B4, sp, dp, *args, **kw)
    R = lambda sp, dp, *args, **kw: tcp(B4, A4, sp, dp, *args, **kw)
    conv = [
        e4(T(40000, 5001, s, 0, 0x02, 64240, SYNOPTS), 6),
        eth(MA, MB, 0x800, ip4(B4, A4, 6, R(5001, 40000, a, s + 1, 0x12, 65160, SYNOPTS))),
        e4(T(40000, 5001, s + 1, a + 1, 0x10, 502, TSOPT), 6),
        e4(T(40000, 5001, s + 1, a + 1, 0x18, 502, TSOPT, b"hello world\n"), 6),
        eth(MA, MB, 0x800, ip4(B4, A4, 6, R(5001, 40000, a + 1, s + 13, 0x10, 509, TSOPT))),
        # SACK blocks, relative to the peer's sequence space
        eth(MA, MB, 0x800, ip4(B4, A4, 6, R(5001, 40000, a + 1, s + 13, 0x10, 509,
                                                 bytes([1, 1, 5, 10]) + struct.pack("!II", s + 100, s + 200)))),
        e4(T(40000, 5001, s + 13, a + 1, 0x11, 502, TSOPT), 6),
        eth(MA, MB, 0x800, ip4(B4, A4, 6, R(5001, 40000, a + 1, s + 14, 0x11, 509, TSOPT))),
        e4(T(40000, 5001, s + 14, a + 2, 0x10, 502, TSOPT), 6),
    ]
    odd = [
        e4(T(1, 2, 5, 0, 0x04, 0), 6),                                      # RST
        e4(T(1, 2, 5, 6, 0x14, 0, data=b"reset reason"), 6),                # RST+ACK with data
        e4(T(1, 2, 5, 6, 0x38, 100, urp=7, data=b"urgent!"), 6),            # URG
        e4(T(1, 2, 5, 6, 0xC2, 100), 6),                                    # SYN ECE CWR
        e4(T(1, 2, 5, 6, 0x00, 100), 6),                                    # no flags
        e4(T(1, 2, 5, 6, 0xFF, 100, urp=1), 6),                             # all flags
        e4(T(1, 2, 5, 6, 0x02, 100, bytes([19, 18]) + bytes(range(16))), 6),  # md5
        e4(T(1, 2, 5, 6, 0x02, 100, bytes([254, 4, 0xf9, 0x89]) + bytes([1, 1, 1, 1])), 6),  # exp tfo
        e4(T(1, 2, 5, 6, 0x02, 100, bytes([99, 4, 1, 2])), 6),              # unknown kind
        e4(T(1, 2, 5, 6, 0x02, 100, bytes([2, 3, 5, 0])), 6),               # mss with len 3
        e4(T(1, 2, 5, 6, 0x02, 100, bytes([2, 9, 5, 0])), 6),               # len past options
        e4(T(1, 2, 5, 6, 0x02, 100, bytes([0, 0, 0, 0])), 6),               # eol
        e4(T(1, 2, 5, 6, 0x02, 100, bytes([28, 4, 0x80, 5])), 6),           # user timeout
        e4(T(1, 2, 5, 6, 0x02, 100, bytes([34, 2, 1, 1])), 6),              # tfo
        e4(T(1, 2, 5, 6, 0x10, 100, bad=True, data=b"x"), 6),               # bad checksum
        e4(T(1, 2, 5, 6, 0x10, 100, doff=4), 6),                            # header length 16
        e4(T(1, 2, 5, 6, 0x10, 100, doff=15), 6),                           # header longer than segment
        (e4(T(1, 2, 5, 6, 0x02, 100, SYNOPTS), 6), 14 + 20 + 10, 14 + 40 + 20),  # cut in header
        (e4(T(1, 2, 5, 6, 0x02, 100, SYNOPTS), 6), 14 + 20 + 24, 14 + 40 + 20),  # cut in options
        (e4(T(1, 2, 5, 6, 0x18, 100, data=b"0123456789"), 6), 14 + 20 + 22, 64),  # cut in data
        e4(T(1, 2, 5, 6, 0x10, 100), 6, frag=0x2000),                       # first fragment
        e4(b"\0" * 16, 6, frag=0x0002),                                     # later fragment
        eth(MB, MA, 0x86DD, ip6(A6, B6, 6, tcp(A6, B6, 40000, 5001, 1, 0, 0x02, 64800, SYNOPTS))),
        eth(MB, MA, 0x86DD, ip6(A6, B6, 6, tcp(A6, B6, 40000, 5001, 1, 2, 0x18, 500, data=b"v6", bad=True))),
    ]
    write_pcap("c-tcp.pcap", conv + odd)


def udp_caps():
    U = lambda *a, **k: udp(A4, B4, *a, **k)
    pk = [
        e4(U(12345, 23456, b"hello"), 17),
        e4(U(12345, 23456, b"hello", bad=True), 17),
        e4(U(12345, 23456, b"hello", zero=True), 17),
        e4(U(12345, 23456, b"hello", ulen=5), 17),       # length under 8
        e4(U(12345, 23456, b"hello", ulen=40), 17),      # runs past the IP payload
        e4(U(12345, 23456, b"hello", ulen=10), 17),      # shorter than the IP payload
        (e4(U(12345, 23456, b"hello"), 17), 14 + 20 + 4, 14 + 20 + 13),   # cut in header
        (e4(U(12345, 23456, b"hello world"), 17), 14 + 20 + 9, 14 + 20 + 19),
        e4(U(12345, 23456, b""), 17),
        eth(MB, MA, 0x86DD, ip6(A6, B6, 17, udp(A6, B6, 12345, 23456, b"six"))),
        eth(MB, MA, 0x86DD, ip6(A6, B6, 17, udp(A6, B6, 12345, 23456, b"six", bad=True))),
    ]
    write_pcap("c-udp.pcap", pk)


def icmp_caps():
    inner_udp = ip4(B4, C4, 17, udp(B4, C4, 33434, 33435, b"probe"), ttl=1)
    inner_tcp = ip4(B4, C4, 6, tcp(B4, C4, 40000, 81, 1, 0, 2, 100))
    pk = [
        e4(icmp(8, 0, struct.pack("!HH", 0x1234, 1), b"abcdefghijklmnop"), 1),
        e4(icmp(0, 0, struct.pack("!HH", 0x1234, 1), b"abcdefghijklmnop"), 1),
        e4(icmp(8, 0, struct.pack("!HH", 7, 8), b"bad", bad=True), 1),
        e4(icmp(3, 3, b"\0" * 4, inner_udp[:28]), 1),
        e4(icmp(3, 3, b"\0" * 4, inner_tcp[:28]), 1),
        e4(icmp(3, 1, b"\0" * 4, inner_udp[:28]), 1),
        e4(icmp(3, 0, b"\0" * 4, inner_udp[:28]), 1),
        e4(icmp(3, 2, b"\0" * 4, inner_udp[:28]), 1),
        e4(icmp(3, 4, struct.pack("!HH", 0, 1400), inner_udp[:28]), 1),
        e4(icmp(3, 13, b"\0" * 4, inner_udp[:28]), 1),
        e4(icmp(3, 9, b"\0" * 4, inner_udp[:28]), 1),
        e4(icmp(11, 0, b"\0" * 4, inner_udp[:28]), 1),
        e4(icmp(11, 1, b"\0" * 4, inner_udp[:28]), 1),
        e4(icmp(5, 1, bytes([10, 77, 0, 254]), inner_udp[:28]), 1),
        e4(icmp(12, 0, bytes([20, 0, 0, 0]), inner_udp[:28]), 1),
        e4(icmp(13, 0, struct.pack("!HH", 3, 4), b"\0" * 12), 1),
        e4(icmp(14, 0, struct.pack("!HH", 3, 4), b"\0" * 12), 1),
        e4(icmp(17, 0, b"\0" * 4, b"\0" * 4), 1),
        e4(icmp(18, 0, b"\0" * 4, b"\xff\xff\xff\0"), 1),
        e4(icmp(42, 0, b"\0" * 4), 1),
        (e4(icmp(8, 0, struct.pack("!HH", 1, 1), b"x" * 8), 1), 14 + 20 + 2, 14 + 20 + 16),
        e4(icmp(3, 3, b"\0" * 4, inner_udp[:24]), 1),   # quote cut before the port
    ]
    write_pcap("c-icmp.pcap", pk)


def ip_caps():
    U = udp(A4, B4, 12345, 23456, b"data")
    pk = [
        e4(U, 17, tos=0x02, ttl=1, ident=4242, frag=0),
        e4(U, 17, tos=0xB8 | 3),
        e4(U, 17, bad_csum=True),
        e4(U, 17, opts=bytes([7, 11, 4]) + bytes(8) + b"\0"),              # record route
        e4(U, 17, opts=bytes([148, 4, 0, 0])),                             # router alert
        e4(U, 17, opts=bytes([1, 1, 1, 0])),                               # nop, eol
        e4(U, 17, opts=bytes([68, 12, 5, 0]) + bytes(8)),                  # timestamp
        e4(U, 17, opts=bytes([130, 40, 0, 0])),                            # bad length
        e4(U, 17, ihl=4),                                                  # header length 16
        e4(U, 17, tot=10),                                                 # total length < header
        e4(U, 17, tot=200),                                                # longer than the frame
        e4(b"\x01\x02\x03\x04", 99),                                       # unknown protocol
        e4(b"\0" * 8, 17, frag=0x2000 | 0x8000),                           # MF + reserved
        e4(b"\0" * 8, 1, frag=0x0004),                                     # later ICMP fragment
        eth(MB, MA, 0x800, bytes([0x60]) + bytes(19)),                     # IPv6 in an IPv4 frame
        eth(MB, MA, 0x800, bytes([0x50]) + bytes(19)),                     # version 5
        (e4(U, 17), 14 + 12, 14 + 20 + 12),                                # cut in header
        e4(ip4(B4, C4, 17, udp(B4, C4, 1, 2, b"in")), 4),                  # IP in IP
        e4(ip6(A6, B6, 59, b""), 41),                                      # 6in4, no next header
    ]
    write_pcap("c-ip.pcap", pk)


def ip6_caps():
    def nd(t, body):
        return eth(MB, MA, 0x86DD, ip6(LL6, B6, 58, icmp6(LL6, B6, t, 0, body), hlim=255))
    slla = bytes([1, 1]) + MA
    tlla = bytes([2, 1]) + MA
    pfx = bytes([3, 4, 64, 0xC0]) + struct.pack("!III", 2592000, 604800, 0) + A6[:8] + bytes(8)
    mtu = bytes([5, 1, 0, 0]) + struct.pack("!I", 1500)
    nonce = bytes([14, 1]) + bytes(range(6))
    inner6 = ip6(B6, A6, 17, udp(B6, A6, 33434, 4242, b"x"))
    hbh = bytes([58, 0, 5, 2, 0, 0, 1, 0])
    frag = lambda off, m, ident, nh: struct.pack("!BBHI", nh, 0, off << 3 | m, ident)
    rt0 = bytes([58, 2, 0, 1, 0, 0, 0, 0]) + B6
    pk = [
        eth(MB, MA, 0x86DD, ip6(A6, B6, 58, icmp6(A6, B6, 128, 0, struct.pack("!HH", 77, 1) + b"ping"))),
        eth(MA, MB, 0x86DD, ip6(B6, A6, 58, icmp6(B6, A6, 129, 0, struct.pack("!HH", 77, 1) + b"ping"))),
        eth(MB, MA, 0x86DD, ip6(A6, B6, 58, icmp6(A6, B6, 128, 0, struct.pack("!HH", 77, 2), bad=True))),
        nd(135, b"\0" * 4 + B6 + slla),
        nd(136, struct.pack("!I", 0x60000000) + B6 + tlla),
        nd(136, struct.pack("!I", 0) + B6),
        nd(133, b"\0" * 4 + slla),
        nd(134, bytes([64, 0x08, 0x07, 0x08]) + struct.pack("!II", 30000, 1000) + slla + pfx + mtu),
        nd(135, b"\0" * 4 + B6 + nonce),
        nd(135, b"\0" * 4 + B6 + bytes([1, 0, 0, 0])),                          # option length 0
        nd(137, b"\0" * 4 + A6 + B6 + tlla),                                    # redirect
        eth(MB, MA, 0x86DD, ip6(A6, B6, 58, icmp6(A6, B6, 1, 4, b"\0" * 4 + inner6))),
        eth(MB, MA, 0x86DD, ip6(A6, B6, 58, icmp6(A6, B6, 1, 3, b"\0" * 4 + inner6))),
        eth(MB, MA, 0x86DD, ip6(A6, B6, 58, icmp6(A6, B6, 2, 0, struct.pack("!I", 1280) + inner6))),
        eth(MB, MA, 0x86DD, ip6(A6, B6, 58, icmp6(A6, B6, 3, 0, b"\0" * 4 + inner6))),
        eth(MB, MA, 0x86DD, ip6(A6, B6, 58, icmp6(A6, B6, 4, 1, struct.pack("!I", 40) + inner6))),
        eth(MB, MA, 0x86DD, ip6(A6, B6, 58, icmp6(A6, B6, 200, 0, b"\0" * 4))),
        eth(MB, MA, 0x86DD, ip6(A6, B6, 0, hbh + icmp6(A6, B6, 143, 0, struct.pack("!HH", 0, 1) + bytes([4, 0, 0, 0]) + B6))),
        eth(MB, MA, 0x86DD, ip6(A6, B6, 44, frag(0, 1, 0xABCD, 17) + udp(A6, B6, 1, 2, b"first", ulen=100))),
        eth(MB, MA, 0x86DD, ip6(A6, B6, 44, frag(13, 0, 0xABCD, 17) + b"second")),
        eth(MB, MA, 0x86DD, ip6(A6, B6, 43, rt0 + icmp6(A6, B6, 128, 0, struct.pack("!HH", 1, 1)))),
        eth(MB, MA, 0x86DD, ip6(A6, B6, 60, bytes([59, 0, 1, 4, 0, 0, 0, 0]))),
        eth(MB, MA, 0x86DD, ip6(A6, B6, 59, b"", tc=0xB8, flow=0x12345)),
        eth(MB, MA, 0x86DD, bytes([0x40]) + bytes(39)),                          # bad version
        (eth(MB, MA, 0x86DD, ip6(A6, B6, 17, udp(A6, B6, 1, 2, b"x"))), 14 + 30, 14 + 49),
        eth(MB, MA, 0x86DD, ip6(A6, B6, 17, udp(A6, B6, 1, 2, b"x"), plen=100)),  # payload length lies
        eth(MB, MA, 0x86DD, ip6(A6, B6, 58, b"")),                               # ICMPv6 length 0
    ]
    write_pcap("c-ip6.pcap", pk)


def arp_link_caps():
    def arp(op, sha, spa, tha, tpa, hrd=1, pro=0x800, hln=6, pln=4):
        return struct.pack("!HHBBH", hrd, pro, hln, pln, op) + sha + spa + tha + tpa
    pk = [
        pad60(eth(BC, MA, 0x806, arp(1, MA, A4, bytes(6), B4))),
        pad60(eth(MA, MB, 0x806, arp(2, MB, B4, MA, A4))),
        pad60(eth(BC, MA, 0x806, arp(1, MA, A4, MB, B4))),                     # target MAC known
        pad60(eth(BC, MA, 0x806, arp(3, MA, A4, MA, A4))),                     # reverse request
        pad60(eth(BC, MA, 0x806, arp(4, MB, B4, MA, A4))),
        pad60(eth(BC, MA, 0x806, arp(8, MA, A4, MB, B4))),
        pad60(eth(BC, MA, 0x806, arp(9, MA, A4, MB, B4))),
        pad60(eth(BC, MA, 0x806, arp(7, MA, A4, MB, B4))),                     # unknown op
        pad60(eth(BC, MA, 0x806, arp(1, MA, A4 + b"\0\0", MB, B4 + b"\0\0", pln=6, pro=0x86DD))),
        pad60(eth(BC, MA, 0x806, arp(1, MA, A4, MB, B4, hrd=6))),
        eth(BC, MA, 0x806, arp(1, MA, A4, bytes(6), B4)[:20]),                  # truncated
        pad60(eth(BC, MA, 0x806, arp(1, MA, A4, bytes(6), B4), vlans=[(0x8100, 0x2064)])),
        pad60(eth(BC, MA, 0x806, arp(1, MA, A4, bytes(6), B4), vlans=[(0x88A8, 200), (0x8100, 0x1000 | 7)])),
        eth(MB, MA, 0x800, ip4(A4, B4, 1, icmp(8, 0, struct.pack("!HH", 1, 1))), vlans=[(0x8100, 10)]),
        pad60(eth(MB, MA, 0x88B5, b"local experimental ethertype")),           # unknown ethertype
        pad60(eth(MB, MA, 0x88B6, b"\0\0")),                                   # another unknown
        MB + MA + b"\x08",                                                     # 13-byte frame
        (pad60(eth(BC, MA, 0x806, arp(1, MA, A4, bytes(6), B4))), 60, 50),     # len < caplen
    ]
    write_pcap("c-arp-eth.pcap", pk)


def dns_caps():
    Q = lambda *a, **k: e4(udp(A4, B4, 40000, 53, dns(*a, **k)), 17)
    R = lambda *a, **k: eth(MA, MB, 0x800, ip4(B4, A4, 17, udp(B4, A4, 53, 40000, dns(*a, **k))))
    ptr = lambda off: struct.pack("!H", 0xC000 | off)
    opt = (".", 41, 1232, 0, struct.pack("!HH", 10, 8) + bytes(range(8)))
    opt_do = (".", 41, 4096, 0x8000, b"")
    soa = dns_name("ns.example.org") + dns_name("admin.example.org") + struct.pack("!IIIII", 1, 2, 3, 4, 5)
    pk = [
        Q(0x1234, 0x0100, qd=[("www.example.org", 1)]),
        Q(0x1235, 0x0120, qd=[("example.org", 28)], ar=[opt]),
        R(0x1234, 0x8180, qd=[("www.example.org", 1)],
          an=[(ptr(12), 5, 1, 300, dns_name("web.example.org")), ("web.example.org", 1, 1, 60, bytes([192, 0, 2, 7]))]),
        R(0x1235, 0x8580, qd=[("example.org", 28)], an=[(ptr(12), 28, 1, 3600, A6)], ar=[opt_do]),
        R(0x1236, 0x8183, qd=[("nope.example.org", 1)], ns=[("example.org", 6, 1, 900, soa)]),
        R(0x1237, 0x8180, qd=[("example.org", 15)], an=[(ptr(12), 15, 1, 60, struct.pack("!H", 10) + dns_name("mx.example.org"))]),
        R(0x1238, 0x8180, qd=[("example.org", 16)], an=[(ptr(12), 16, 1, 60, b"\x05hello\x05world")]),
        R(0x1239, 0x8180, qd=[("_sip._udp.example.org", 33)],
          an=[(ptr(12), 33, 1, 60, struct.pack("!HHH", 1, 2, 5060) + dns_name("sip.example.org"))]),
        R(0x123A, 0x8180, qd=[("1.2.0.192.in-addr.arpa", 12)], an=[(ptr(12), 12, 1, 60, dns_name("host.example.org"))]),
        R(0x123B, 0x8182, qd=[("example.org", 1)]),
        R(0x123C, 0x8380, qd=[("example.org", 1)]),                           # truncated flag
        Q(0x123D, 0x0100, qd=[("a.example.org", 1), ("b.example.org", 28)]),
        Q(0x123E, 0x2800, qd=[("example.org", 6)], ns=[("example.org", 1, 1, 0, bytes(4))]),  # update
        Q(0x123F, 0x0100, qd=[("example.org", 1)])[:14 + 20 + 8 + 17],         # cut in the question
        e4(udp(A4, B4, 40000, 53, b"\0\1\2"), 17),                             # shorter than a header
        R(0x1240, 0x8180, qd=[("example.org", 1)], an=[(ptr(12), 999, 1, 60, b"\1\2")]),   # unknown type
        R(0x1241, 0x8180, qd=[("example.org", 1)], an=[(ptr(40), 1, 1, 60, bytes(4))]),  # bad pointer
        e4(udp(A4, B4, 5353, 5353, dns(0, 0x0000, qd=[("printer.local", 12)])), 17),
    ]
    # DNS over TCP: a length prefix
    msg = dns(0x4242, 0x0100, qd=[("tcp.example.org", 1)])
    pk.append(e4(tcp(A4, B4, 40001, 53, 1, 1, 0x18, 502, data=struct.pack("!H", len(msg)) + msg), 6))
    write_pcap("c-dns.pcap", pk)


def http_caps():
    req = b"GET /index.html HTTP/1.1\r\nHost: example.org\r\nUser-Agent: rawnet\r\n\r\n"
    rsp = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Type: text/plain\r\n\r\nhello"
    T = lambda sp, dp, data, s=1, a=1: tcp(A4, B4, sp, dp, s, a, 0x18, 502, data=data)
    pk = [
        e4(T(40000, 80, req), 6),
        eth(MA, MB, 0x800, ip4(B4, A4, 6, tcp(B4, A4, 80, 40000, 1, 1 + len(req), 0x18, 509, data=rsp))),
        e4(T(40000, 80, b"POST /form HTTP/1.0\r\nContent-Length: 3\r\n\r\na=b"), 6),
        e4(T(40000, 8080, b"get /lowercase HTTP/1.1\r\n\r\n"), 6),
        e4(T(40000, 80, b"\x16\x03\x01\x02\x00binary"), 6),                    # not HTTP
        e4(T(40000, 80, b"GET /no-line-end"), 6),
        e4(T(40000, 80, b"HTTP/1.1 404 Not Found\r\nbad\x01line\r\n"), 6),
        (e4(T(40000, 80, req), 6), 14 + 20 + 20 + 10, 14 + 20 + 20 + len(req)),
    ]
    write_pcap("c-http.pcap", pk)


def linktype_caps():
    v4 = ip4(A4, B4, 1, icmp(8, 0, struct.pack("!HH", 9, 9), b"linktype"))
    v6 = ip6(A6, B6, 58, icmp6(A6, B6, 128, 0, struct.pack("!HH", 9, 9) + b"linktype"))
    sll = lambda pt, proto, p: struct.pack("!HHH8sH", pt, 1, 6, MA + b"\0\0", proto) + p
    sll2 = lambda pt, proto, p: struct.pack("!HHIHBB8s", proto, 0, 4000, 1, pt, 6, MA + b"\0\0") + p
    write_pcap("c-raw.pcap", [v4, v6, b"", bytes([0x70]) + bytes(19)], lt=101)
    write_pcap("c-ipv4.pcap", [v4], lt=228)
    write_pcap("c-ipv6.pcap", [v6], lt=229)
    write_pcap("c-null.pcap", [struct.pack("<I", 2) + v4, struct.pack("<I", 30) + v6,
                               struct.pack(">I", 2) + v4, struct.pack("<I", 99) + b"xx", b"\2\0"], lt=0)
    write_pcap("c-loop.pcap", [struct.pack(">I", 2) + v4, struct.pack(">I", 24) + v6], lt=108)
    arp = struct.pack("!HHBBH", 1, 0x800, 6, 4, 1) + MA + A4 + bytes(6) + B4
    write_pcap("c-sll.pcap", [sll(0, 0x800, v4), sll(4, 0x86DD, v6), sll(1, 0x806, arp),
                              sll(2, 0x88B5, b"unknown"), sll(3, 0x800, v4), b"\0" * 10], lt=113)
    write_pcap("c-sll2.pcap", [sll2(0, 0x800, v4), sll2(4, 0x86DD, v6), sll2(1, 0x806, arp)], lt=276)
    # file formats: big-endian, nanosecond, pcapng both orders and resolutions
    e = [e4(udp(A4, B4, 1000 + i, 2000, b"fmt"), 17) for i in range(5)]
    write_pcap("c-be-nano.pcap", e, nano=True, be=True)
    write_pcap("c-be-micro.pcap", e, be=True)
    # 802.3 frames whose LLC part is under 3 bytes (length 1 and 2; Wireshark
    # takes a length of 0 for an Ethernet II type)
    write_pcap("c-8023.pcap", [MB + MA + struct.pack("!H", n) + b"\x42" * n + bytes(46 - n)
                               for n in (1, 2)])
    write_pcap("c-snap.pcap", [(p, 40, len(p)) for p in e], snaplen=40)
    write_pcapng("c-ng-le.pcapng", e, tsresol=6)
    write_pcapng("c-ng-be-ns.pcapng", e, be=True, tsresol=9)


def ts_caps():
    """Timestamps tcpdump 4.99 cannot or oddly converts: pcap seconds >= 2^31
    (libpcap reads the field as signed 32 bits), invalid fractions (signed,
    scaled by libpcap), and pcapng seconds pushed to the int64 extremes by
    if_tsoffset (relative modes subtract modulo 2^64)."""
    p = e4(icmp(8, 0, struct.pack("!HH", 7, 7), b"ts"), 1)
    def recs(name, secfrac, nano=False):
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(struct.pack("<IHHiIII", 0xA1B23C4D if nano else 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1))
            for s, u in secfrac:
                f.write(struct.pack("<IIII", s, u, len(p), len(p)) + p)
    for nano, unit in ((False, 10**6), (True, 10**9)):
        recs("c-ts-sec32%s.pcap" % ("-nano" if nano else ""),
             [(TS0, 5), (0x7FFFFFFF, unit - 1), (0x80000000, 0), (0x80000001, 7),
              (0xFFFFFFFF, unit - 1), (0, 0), (5, unit), (TS0 + 1, 0x80000000), (0, 0xFFFFFFFF),
              (TS0 + 1, unit), (TS0 + 1, 0x80000000)], nano)
    def ng(name, stamps, off):
        shb = struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1)
        opt = struct.pack("<HHB3x", 9, 1, 6) + struct.pack("<HHq", 14, 8, off) + struct.pack("<HH", 0, 0)
        out = ng_block(0x0A0D0D0A, shb, "<") + ng_block(1, struct.pack("<HHI", 1, 0, 262144) + opt, "<")
        for ts in stamps:
            out += ng_block(6, struct.pack("<IIIII", 0, ts >> 32, ts & 0xFFFFFFFF, len(p), len(p)) + p, "<")
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(out)
    m = 2**63
    ng("c-ts-ng-max.pcapng", [5 * 10**6 + 1, 3 * 10**6, 0], m - 10)
    ng("c-ts-ng-min.pcapng", [5 * 10**6 + 1, 3 * 10**6, 0], -m)
    ng("c-ts-ng-wrap.pcapng", [10**6, 0, 2 * 10**6, 3 * 10**6 + 4], m - 1)
    ng("c-ts-ng-32.pcapng", [(2**31 + 5) * 10**6 + 7, (2**32 + 5) * 10**6 + 8, TS0 * 10**6], 0)


def main():
    os.makedirs(OUT, exist_ok=True)
    for f in (tcp_caps, udp_caps, icmp_caps, ip_caps, ip6_caps, arp_link_caps, dns_caps,
              http_caps, linktype_caps, ts_caps):
        f()
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/bin/bash
# bench/json.sh: `rawnet read -T json` against `tshark -T json` on the same
# generated capture (TCP conversations with options and payload, HTTP
# requests, DNS queries and answers, UDP, ICMP and ICMPv6 echo, ARP, VLAN
# frames; Ethernet), output to /dev/null, side by side. Prints both times and
# the ratio (target >= 20x). Not part of make check.
# Usage: bench/json.sh [PACKETS]   (default 200000; RAWNET=path to the binary)
set -eu
cd "$(dirname "$0")/.."
RAWNET=${RAWNET:-$PWD/build/rawnet}
N=${1:-200000}
CAP=${BENCH_CAP:-/tmp/rawnet-bench-json-$N.pcap}
command -v tshark >/dev/null || { echo "tshark is not installed" >&2; exit 2; }
if [ ! -s "$CAP" ]; then
	echo "generating $CAP ($N packets)..." >&2
	/usr/bin/python3 - "$CAP" "$N" <<'PY'
import struct, sys
path, n = sys.argv[1], int(sys.argv[2])
def csum(b):
    if len(b) % 2: b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff
MA, MB = bytes.fromhex("020000000001"), bytes.fromhex("020000000002")
A, B = bytes([10, 77, 0, 1]), bytes([10, 77, 0, 2])
A6, B6 = bytes.fromhex("fd77" + "00" * 13 + "01"), bytes.fromhex("fd77" + "00" * 13 + "02")
def ip4(src, dst, proto, p):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(p), 1, 0x4000, 64, proto, 0, src, dst)
    return h[:10] + struct.pack("!H", csum(h)) + h[12:] + p
def l4sum(src, dst, proto, seg, at):
    c = csum(src + dst + struct.pack("!BBH", 0, proto, len(seg)) + seg)
    return seg[:at] + struct.pack("!H", c) + seg[at + 2:]
def tcp(src, dst, sp, dp, seq, ack, fl, opts=b"", data=b""):
    h = struct.pack("!HHIIBBHHH", sp, dp, seq, ack, (20 + len(opts)) // 4 << 4, fl, 502, 0, 0) + opts
    return l4sum(src, dst, 6, h + data, 16)
def udp(src, dst, sp, dp, data):
    return l4sum(src, dst, 17, struct.pack("!HHHH", sp, dp, 8 + len(data), 0) + data, 6)
def eth(t, p, d=MB, s=MA): return d + s + struct.pack("!H", t) + p
ts = bytes([1, 1, 8, 10]) + struct.pack("!II", 1000, 2000)
syn = bytes.fromhex("020405b40402080a000000640000000001030307")
tmpl = []
for i in range(32):
    sp = 40000 + i
    tmpl.append(eth(0x800, ip4(A, B, 6, tcp(A, B, sp, 5001, 1000, 0, 0x02, syn))))
    tmpl.append(eth(0x800, ip4(B, A, 6, tcp(B, A, 5001, sp, 9000, 1001, 0x12, syn)), MA, MB))
    for k in range(4):
        tmpl.append(eth(0x800, ip4(A, B, 6, tcp(A, B, sp, 5001, 1001 + 100 * k, 9001, 0x18, ts, b"x" * 100))))
        tmpl.append(eth(0x800, ip4(B, A, 6, tcp(B, A, 5001, sp, 9001, 1101 + 100 * k, 0x10, ts)), MA, MB))
for i in range(8):
    req = b"GET /index.html HTTP/1.1\r\nHost: 10.77.0.2\r\nUser-Agent: bench\r\n\r\n"
    tmpl.append(eth(0x800, ip4(A, B, 6, tcp(A, B, 50000 + i, 80, 1, 1, 0x18, ts, req))))
    q = struct.pack("!HHHHHH", i, 0x0100, 1, 0, 0, 0) + b"\x03www\x07example\x03org\x00" + struct.pack("!HH", 1, 1)
    r = struct.pack("!HHHHHH", i, 0x8180, 1, 1, 0, 0) + q[12:] + b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 60, 4) + B
    tmpl.append(eth(0x800, ip4(A, B, 17, udp(A, B, 40000 + i, 53, q))))
    tmpl.append(eth(0x800, ip4(B, A, 17, udp(B, A, 53, 40000 + i, r)), MA, MB))
    tmpl.append(eth(0x800, ip4(A, B, 17, udp(A, B, 12345, 23456, b"u" * 64))))
    e = struct.pack("!BBHHH", 8, 0, 0, 7, i) + b"p" * 56
    tmpl.append(eth(0x800, ip4(A, B, 1, e[:2] + struct.pack("!H", csum(e)) + e[4:])))
    e6 = struct.pack("!BBHHH", 128, 0, 0, 7, i) + b"p" * 8
    e6 = e6[:2] + struct.pack("!H", csum(A6 + B6 + struct.pack("!IxxxB", len(e6), 58) + e6)) + e6[4:]
    tmpl.append(eth(0x86dd, struct.pack("!IHBB", 0x60000000, len(e6), 58, 64) + A6 + B6 + e6))
    tmpl.append(eth(0x806, struct.pack("!HHBBH", 1, 0x800, 6, 4, 1) + MA + A + bytes(6) + B))
    tmpl.append(MB + MA + struct.pack("!HHH", 0x8100, 100, 0x800) + ip4(A, B, 17, udp(A, B, 1000, 2000, b"v" * 20)))
with open(path, "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 262144, 1))
    out = []
    for i in range(n):
        p = tmpl[i % len(tmpl)]
        out.append(struct.pack("<IIII", 1700000000 + i // 1000, (i % 1000) * 1000, len(p), len(p)) + p)
        if len(out) == 65536:
            f.write(b"".join(out)); out = []
    f.write(b"".join(out))
PY
fi
secs() { # command...: wall-clock seconds of one run, output to /dev/null
	local TIMEFORMAT=%R
	{ time "$@" >/dev/null 2>&1; } 2>&1
}
echo "capture: $CAP ($N packets)"
ours=$(secs "$RAWNET" read -T json "$CAP")
theirs=$(secs tshark -n -r "$CAP" -T json)
echo "rawnet read -T json: ${ours}s"
echo "tshark -T json:      ${theirs}s"
awk -v a="$ours" -v b="$theirs" 'BEGIN {
	r = a > 0 ? b / a : 0
	printf "ratio: %.1fx (target >= 20x) %s\n", r, (r >= 20 ? "ok" : "BELOW TARGET")
}'

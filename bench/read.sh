#!/bin/bash
# bench/read.sh: `rawnet read -n` against `tcpdump -n -r` on the same
# 1M-packet mixed capture (TCP with options and relative sequence numbers,
# UDP, DNS, ICMP, ICMPv6, ARP, HTTP lines; Ethernet), output to /dev/null,
# TZ set, side by side. Prints both times and the ratio (target >= 2x).
# Usage: bench/read.sh [PACKETS]   (RAWNET=path to the binary)
set -eu
cd "$(dirname "$0")/.."
RAWNET=${RAWNET:-$PWD/build/rawnet}
N=${1:-1000000}
CAP=${BENCH_CAP:-/tmp/rawnet-bench-$N.pcap}
export TZ=GMT0
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
def ip4(src, dst, proto, p):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(p), 1, 0x4000, 64, proto, 0, src, dst)
    return h[:10] + struct.pack("!H", csum(h)) + h[12:] + p
def eth(t, p): return MB + MA + struct.pack("!H", t) + p
A, B = bytes([10, 77, 0, 1]), bytes([10, 77, 0, 2])
A6, B6 = bytes.fromhex("fd77" + "00" * 13 + "01"), bytes.fromhex("fd77" + "00" * 13 + "02")
ts = bytes([1, 1, 8, 10]) + struct.pack("!II", 1000, 2000)
tmpl = []
for i in range(64):  # 64 TCP conversations, data segments with timestamps
    sp = 40000 + i
    tcp = lambda fl, seq, ack, data=b"": struct.pack("!HHIIBBHHH", sp, 5001, seq, ack, 0x80, fl, 502, 0, 0) + ts + data
    tmpl.append(eth(0x800, ip4(A, B, 6, tcp(0x10, 1000 + i, 5000))))
    tmpl.append(eth(0x800, ip4(A, B, 6, tcp(0x18, 1000 + i, 5000, b"x" * 100))))
for i in range(8):
    tmpl.append(eth(0x800, ip4(A, B, 6, struct.pack("!HHIIBBHHH", 50000 + i, 80, 1, 1, 0x50, 0x18, 502, 0, 0) + b"GET /index.html HTTP/1.1\r\nHost: x\r\n\r\n")))
    tmpl.append(eth(0x800, ip4(A, B, 17, struct.pack("!HHHH", 12345, 23456, 8 + 64, 0) + b"u" * 64)))
    q = struct.pack("!HHHHHH", i, 0x0100, 1, 0, 0, 0) + b"\x03www\x07example\x03org\x00" + struct.pack("!HH", 1, 1)
    tmpl.append(eth(0x800, ip4(A, B, 17, struct.pack("!HHHH", 40000, 53, 8 + len(q), 0) + q)))
    tmpl.append(eth(0x800, ip4(A, B, 1, struct.pack("!BBHHH", 8, 0, 0, 7, i) + b"p" * 56)))
    tmpl.append(eth(0x86dd, struct.pack("!IHBB", 0x60000000, 16, 58, 64) + A6 + B6 + struct.pack("!BBHHH", 128, 0, 0, 7, i) + b"p" * 8))
    tmpl.append(eth(0x806, struct.pack("!HHBBH", 1, 0x800, 6, 4, 1) + MA + A + bytes(6) + B + bytes(18)))
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
best() { # command...: the best of 3 wall-clock runs, in seconds
	local b= t TIMEFORMAT=%R
	for _ in 1 2 3; do
		t=$( { time "$@" >/dev/null 2>&1; } 2>&1)
		if [ -z "$b" ] || awk "BEGIN{exit !($t < $b)}"; then b=$t; fi
	done
	echo "$b"
}
r=$(best "$RAWNET" read -n "$CAP")
t=$(best tcpdump -n -r "$CAP")
# both must print the same lines (a fast wrong answer is no answer)
if ! cmp -s <("$RAWNET" read -n "$CAP" 2>/dev/null | head -n 2000) <(tcpdump -n -r "$CAP" 2>/dev/null | head -n 2000); then
	echo "read.sh: rawnet and tcpdump print different lines" >&2
fi
echo "packets: $N"
echo "rawnet read -n: ${r}s"
echo "tcpdump -n -r:  ${t}s"
awk -v r="$r" -v t="$t" 'BEGIN { printf "ratio (tcpdump/rawnet): %.2fx (target >= 2x)\n", t / r }'

# rawnet follow --list on timestamps that lie: a pcapng whose interface counts
# whole seconds (if_tsresol 0) holds two packets of one TCP conversation 2^62 s
# apart (and one whose clock runs backwards). The duration is printed exactly,
# with no signed overflow (a SAN=1 build aborts on one).
set -u
cd "$(dirname "$0")/../.." || exit 2
RAWNET=${RAWNET:-build/rawnet}
n=0 failed=0
t() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=1; fi; }
tmp=$(mktemp -d /tmp/rawnet-follow.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
mk() { # out ts1 ts2
	python3 - "$@" <<'PY'
import struct, sys
out, t1, t2 = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
def blk(t, body):
    body += b'\0' * (-len(body) % 4)
    n = 12 + len(body)
    return struct.pack('<II', t, n) + body + struct.pack('<I', n)
shb = blk(0x0a0d0d0a, struct.pack('<IHHq', 0x1a2b3c4d, 1, 0, -1))
opt = struct.pack('<HH', 9, 1) + b'\0\0\0\0' + struct.pack('<HH', 0, 0)  # if_tsresol = 10^0
idb = blk(1, struct.pack('<HHI', 1, 0, 65535) + opt)
def frame(sport, dport, seq, flags, data=b''):
    tcp = struct.pack('>HHIIBBHHH', sport, dport, seq, 0, 0x50, flags, 65535, 0, 0) + data
    ip = struct.pack('>BBHHHBBH4s4s', 0x45, 0, 20 + len(tcp), 1, 0, 64, 6, 0,
                     bytes([10, 77, 0, 1]), bytes([10, 77, 0, 2]))
    return b'\x02' * 6 + b'\x04' * 6 + b'\x08\x00' + ip + tcp
def epb(ts, f):
    return blk(6, struct.pack('<IIIII', 0, ts >> 32, ts & 0xffffffff, len(f), len(f)) + f)
open(out, 'wb').write(shb + idb + epb(t1, frame(1000, 80, 1, 0x18, b'abc')) +
                      epb(t2, frame(1000, 80, 4, 0x18, b'def')))
PY
}
mk "$tmp/far.pcapng" 0 $((1 << 62))
out=$("$RAWNET" follow --list "$tmp/far.pcapng" 2>&1); rc=$?
t "$rc" "follow --list reads the file (exit $rc)"
printf '%s\n' "$out" | grep -q ' 4611686018427387904\.000000$'; t $? "the duration is 2^62 s exactly: $(printf '%s' "$out" | tail -n 1)"
mk "$tmp/back.pcapng" 100 50
out=$("$RAWNET" follow --list "$tmp/back.pcapng" 2>&1); rc=$?
t "$rc" "a clock that runs backwards: exit $rc"
printf '%s\n' "$out" | grep -q ' 0\.000000$'; t $? "and the duration is 0: $(printf '%s' "$out" | tail -n 1)"
echo "1..$n"
exit $failed

#!/bin/bash
# Builds the libFuzzer harnesses in fuzz/ with clang (ASan + UBSan, UB fatal)
# and runs each for N seconds, one process after the other (a single job, no
# -fork or -jobs: the machine is shared), on seed corpora made at run time
# from ../shared/testdata:
#   frames of the tcpdump captures  -> fuzz_wire, fuzz_l4, fuzz_print
#   the capture files themselves    -> fuzz_pcap
#   example specs (below)           -> fuzz_craft (with fuzz/craft.dict)
#   example responses and URLs      -> fuzz_http
#   example display filters         -> fuzz_dfilter (with fuzz/dfilter.dict)
#   (fuzz_reasm starts from an empty corpus)
#
#   fuzz/run.sh [SECONDS [HARNESS...]]      default: 60 s each, all harnesses
#
# Everything goes to build/fuzz/NAME/ (seeds/, corpus/ kept between runs,
# crash-* artifacts, log). Exits 1 when a harness found a crash.
set -u
cd "$(dirname "$0")/.." || exit 2
secs=${1:-60}
shift || true
names=("$@")
[ ${#names[@]} -gt 0 ] || names=(wire l4 craft print pcap http reasm dfilter)
shared=${RN_SHARED:-$(cd .. && pwd)/shared}/testdata/tcpdump
out=build/fuzz
CC=${CC:-clang}
CFLAGS="-g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -Iinclude -Isrc -D_GNU_SOURCE"
mkdir -p "$out"

build() { # name, sources...
	local name=$1; shift
	echo "build fuzz_$name"
	# shellcheck disable=SC2086
	$CC $CFLAGS "fuzz/fuzz_$name.c" "$@" -o "$out/fuzz_$name" || exit 2
}

# Seeds: one file per frame (network layer onwards for cooked/null links,
# so fuzz_wire and fuzz_l4 see Ethernet frames and bare IP packets), and for
# fuzz_print the frame behind the harness's 4-byte prefix (link type index,
# option bytes, wire-length mode).
make_seeds() {
	[ -d "$shared" ] || { echo "no $shared: empty seed corpora"; return; }
	python3 - "$shared" "$out" <<'EOF'
import os, struct, sys
src, out = sys.argv[1], sys.argv[2]
# Link type -> (index in fuzz_print's table, bytes of link header before the network layer)
LINKS = {1: (0, 0), 101: (1, 0), 113: (2, 16), 276: (3, 20), 0: (4, 4), 108: (5, 4),
         228: (6, 0), 229: (7, 0)}

def pcap_frames(b):
    magic = b[:4]
    if magic in (b'\xd4\xc3\xb2\xa1', b'\x4d\x3c\xb2\xa1'): e = '<'
    elif magic in (b'\xa1\xb2\xc3\xd4', b'\xa1\xb2\x3c\x4d'): e = '>'
    else: return
    lt = struct.unpack(e + 'I', b[20:24])[0] & 0xffff
    pos = 24
    while pos + 16 <= len(b):
        cap = struct.unpack(e + 'I', b[pos + 8:pos + 12])[0]
        yield lt, b[pos + 16:pos + 16 + cap]
        pos += 16 + cap

def pcapng_frames(b):
    pos, e, lts = 0, '<', []
    while pos + 12 <= len(b):
        t = struct.unpack('<I', b[pos:pos + 4])[0]
        if t == 0x0a0d0d0a:
            e = '<' if b[pos + 8:pos + 12] == b'\x4d\x3c\x2b\x1a' else '>'
            lts = []
        tl = struct.unpack(e + 'I', b[pos + 4:pos + 8])[0]
        if tl < 12: return
        blk = b[pos:pos + tl]
        if t == 1: lts.append(struct.unpack(e + 'H', blk[8:10])[0])
        elif t == 6 and len(blk) >= 32:
            ifid, cap = struct.unpack(e + 'I', blk[8:12])[0], struct.unpack(e + 'I', blk[20:24])[0]
            if ifid < len(lts): yield lts[ifid], blk[28:28 + cap]
        elif t == 3 and lts: yield lts[0], blk[12:tl - 4]
        pos += tl

dirs = {n: os.path.join(out, n, 'seeds') for n in ('wire', 'l4', 'print', 'pcap')}
for d in dirs.values(): os.makedirs(d, exist_ok=True)
k = 0
for f in sorted(os.listdir(src)):
    if not (f.endswith('.pcap') or f.endswith('.pcapng')): continue
    b = open(os.path.join(src, f), 'rb').read()
    open(os.path.join(dirs['pcap'], f), 'wb').write(b)
    frames = pcapng_frames(b) if f.endswith('.pcapng') else pcap_frames(b)
    try:
        for lt, fr in frames:
            if lt not in LINKS: continue
            idx, skip = LINKS[lt]
            k += 1
            for n in ('wire', 'l4'):
                open(os.path.join(dirs[n], '%s-%d' % (f, k)), 'wb').write(fr[skip:])
            # -v, -vv with -e, -X with -e and -#, plain, with a lying length.
            for o1, o2, lm in ((1, 4, 0), (2 | 4, 2, 0), (4 | 16 | 64, 1, 0x50), (0, 0, 0x83)):
                open(os.path.join(dirs['print'], '%s-%d-%d' % (f, k, o1)), 'wb').write(
                    bytes((idx, o1, o2, lm)) + fr)
    except struct.error:
        pass
print('seeds: %d frames' % k)
EOF
}

craft_seeds() {
	local d=$out/craft/seeds i=0
	mkdir -p "$d"
	while IFS= read -r spec; do
		printf '%s' "$spec" >"$d/spec-$((i += 1))"
	done <<'EOF'
ip dst=10.77.0.2 ttl=3 / tcp dport=8080 flags=S seq=1000 mss=1460 sackok
ip dst=10.77.0.2 / icmp / raw "Hello world!"
ip6 dst=fd77::2 / udp dport=33434
arp pdst=10.77.0.2
eth dst=02:00:00:00:00:02 / vlan id=5 prio=3 / vlan id=7 / ip dst=10.77.0.2 / udp sport=1 dport=2 len=9 chksum=0 / raw hex=00ff
ip dst=10.77.0.2 / tcp dport=80 flags=PA / raw "GET / HTTP/1.1\r\n\r\n"
ip dst=10.77.0.2 options=94040000 ihl=7 len=40 flags=DF+MF frag=3 / tcp ts=1,2 sack=1-2,3-4 wscale=7 opts=
ip6 dst=fd77::2 nh=58 fl=12345 / icmp6 type=neighbor-solicit target=fd77::2 / raw hex=0101020000000002
ip6 dst=fd77::2 / icmp6 type=packet-too-big mtu=1280 / ip6 dst=fd77::3 / udp
ip src=1.2.3.4 dst=5.6.7.8 / icmp type=dest-unreach code=4 mtu=1400 / ip dst=5.6.7.8 / tcp doff=15 opts=020405b4
eth / arp op=is-at hwdst=02:00:00:00:00:01 pdst=10.77.0.1 hwlen=16 plen=16
ip dst=10.77.0.2 / tcp flags=SAFRPUEC+AE urgptr=1 window=0 ack=4294967295
EOF
	# An argv-split spec (words separated by NUL) and one with a reply after 0xff.
	printf 'ip\0dst=10.77.0.2\0/\0icmp\0/\0raw\0Hello\\tworld' >"$d/argv-1"
	printf 'ip dst=10.77.0.2 src=10.77.0.1 / icmp id=7 seq=1\377\x45\0\0\x1c\0\0\0\0\x40\x01\0\0\x0a\x4d\0\x02\x0a\x4d\0\x01\0\0\0\0\0\x07\0\x01' >"$d/reply-1"
}

# fuzz_http: byte 0 the piece size, byte 1 the mode (0x80: URLs), then the text.
http_seeds() {
	local d=$out/http/seeds
	mkdir -p "$d"
	printf '\x05\x00HTTP/1.1 200 OK\r\nContent-Length: 5\r\nServer: x\r\n\r\nhello' >"$d/len"
	printf '\x03\x00HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;x=y\r\nhello\r\n0\r\nT: v\r\n\r\n' >"$d/chunked"
	printf '\x07\x00HTTP/1.0 302 Found\r\nLocation: /x\r\n\r\nbody until close' >"$d/close"
	printf '\x02\x01HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n' >"$d/interim"
	printf '\x01\x80http://[fd77::2]:8080/a/b/../c?q#f\0../d/./e?x' >"$d/url-v6"
	printf '\x01\x80example.org\0//other:81/p' >"$d/url-authority"
}

dfilter_seeds() {
	local d=$out/dfilter/seeds i=0
	mkdir -p "$d"
	while IFS= read -r x; do
		printf '%s' "$x" >"$d/expr-$((i += 1))"
	done <<'EOF'
fz.a == 10.0.0.0/8 && fz.p in {80, 443, 1000..2000}
fz.a6 == fd00::/16 || !(fz.e[0:3] == 02:00:00)
fz.s matches "(?-i)^a.c$" and fz.d contains "bc"
fz.p != 80 xor fz.p === 443 or fz.p ~= 1
len(fz.d) > 3 && count(fz.a) == 2 && fz.b & 1
fz.i < -2 && fz.f >= 0.5 && fz.t > "2026-12-04 20:00:00"
fz[-1] == 00 && fz.e[1-2] == 00:00 && fz.d[:2] == 61:62 && fz.d[3:] == 00
fz.s == "a\x62\143" && fz.s > r"\d"
fz.l || fz.p not in {8 .. 9}
EOF
}

status=0
run() { # name, extra libFuzzer args...
	local name=$1; shift
	local dir=$out/$name
	mkdir -p "$dir/corpus" "$dir/seeds"
	echo "run fuzz_$name for ${secs}s"
	"$out/fuzz_$name" -max_total_time="$secs" -print_final_stats=1 \
		-artifact_prefix="$dir/" "$@" "$dir/corpus" "$dir/seeds" >"$dir/log" 2>&1
	local rc=$?
	local runs
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/log" | tail -1)
	echo "fuzz_$name: ${runs:-?} runs in ${secs}s, corpus $(find "$dir/corpus" -type f | wc -l), rc $rc"
	if [ "$rc" != 0 ]; then
		status=1
		grep -E 'ERROR|SUMMARY|runtime error|Test unit written' "$dir/log" | head -5
	fi
}

W="src/wire/arp.c src/wire/checksum.c src/wire/ethernet.c src/wire/icmp.c src/wire/icmp6.c
   src/wire/ipv4.c src/wire/ipv6.c src/wire/tcp.c src/wire/udp.c"
PRINT="$(ls src/print/*.c) src/stack/reasm_stream.c $(ls src/util/*.c)"
make_seeds
craft_seeds
http_seeds
dfilter_seeds
for n in "${names[@]}"; do
	case $n in
	wire)  build wire $W src/util/error.c;            run wire -max_len=256 ;;
	l4)    build l4 $W src/util/error.c;              run l4 -max_len=512 ;;
	craft) build craft $(ls src/craft/*.c) $W $(ls src/util/*.c)
	       run craft -max_len=512 -dict=fuzz/craft.dict ;;
	print) build print $PRINT $W;                     run print -max_len=1600 ;;
	pcap)  build pcap src/io/pcapfile.c $PRINT $W;    run pcap -max_len=16384 ;;
	http)  build http src/stack/http.c $(ls src/util/*.c); run http -max_len=4096 ;;
	reasm) build reasm src/stack/reasm_stream.c $(ls src/util/*.c); run reasm -max_len=2048 ;;
	dfilter) build dfilter $(ls src/dfilter/*.c src/dissect/*.c) $W $(ls src/util/*.c) -lpcre2-8
	       run dfilter -max_len=256 -dict=fuzz/dfilter.dict ;;
	*) echo "unknown harness $n" >&2; exit 2 ;;
	esac
done
exit $status

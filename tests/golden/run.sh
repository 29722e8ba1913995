#!/bin/bash
# Golden tests for `rawnet read` (tcpdump's TESTLIST model) and the capture-
# file and filter layers, as TAP lines:
#  1. TESTLIST: our captures (crafted by mkcaps.py, recorded in namespaces by
#     mkns.sh) must print exactly what the installed tcpdump printed into
#     expected/ (regen.sh).
#  2. ../shared/testdata/tcpdump: for the captures of the core protocols, our
#     output equals the installed tcpdump's, run now with the MANIFEST options.
#  3. Every capture we can find (ours, tcpdump's, libpcap's savefiles and
#     invalid savefiles) is read in every output mode: exit 0 or 2, never a
#     crash (run with SAN=1 to catch overreads).
#  4. Damaged files: every packet before the damage is printed (as tcpdump
#     prints them), then a message naming the file and offset, exit 2.
#  4b. -T json emits every field issue 3 names (somewhere in our captures).
#  5. libpcap's filter tests: per-packet verdicts through our reader and
#     filter path, and the compile errors, compared with the JSON and with
#     the installed libpcap (a version difference is reported as a skip).
set -u
cd "$(dirname "$0")" || exit 2
RAWNET=${RAWNET:-$(cd ../.. && pwd)/build/rawnet}
RN_SHARED=${RN_SHARED:-$(cd ../../.. && pwd)/shared}
TMP=$(mktemp -d /tmp/rawnet-golden.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
export TZ=GMT0
n=0 failed=0

ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() {
	n=$((n + 1)) failed=$((failed + 1))
	echo "not ok $n - $1"
	[ -n "${2:-}" ] && sed 's/^/#   /' <<<"$2" | head -n 20
	return 0
}
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }

# run_read OUT CAPTURE OPTIONS...: our output with tcpdump's harness flags.
run_read() {
	local out=$1 cap=$2; shift 2
	local ts=-tttt args=() x
	for x in "$@"; do
		if [ "$x" = SPECIAL_t ]; then ts=; else args+=("$x"); fi
	done
	# rawnet takes FILE before the filter; options may come anywhere
	local opts=() filt=() seen_filter=0 prev=
	for x in "${args[@]}"; do
		if [ $seen_filter = 0 ] && { [[ "$x" == -* ]] || [[ "$prev" == -c ]]; }; then
			opts+=("$x")
		else
			seen_filter=1
			filt+=("$x")
		fi
		prev=$x
	done
	timeout 60 "$RAWNET" read -# -n $ts "${opts[@]}" "$cap" "${filt[@]}" >"$out" 2>"$out.err"
}

# --- 1. TESTLIST --------------------------------------------------------------
while read -r name cap exp opts; do
	case "$name" in '#'* | '') continue ;; esac
	# shellcheck disable=SC2086
	run_read "$TMP/out" "captures/$cap" $opts
	if cmp -s "$TMP/out" "expected/$exp"; then
		ok "golden $name"
	else
		not_ok "golden $name ($cap $opts)" "$(diff "expected/$exp" "$TMP/out")"
	fi
done <TESTLIST

# --- 1b. rawnet sniff -r FILE is rawnet read FILE ----------------------------
"$RAWNET" sniff -r captures/c-udp.pcap -# -n -tttt udp and src port 12345 and not ip6 >"$TMP/out" 2>"$TMP/err"
rc=$?
if [ $rc = 0 ] && cmp -s "$TMP/out" expected/c-udp_filter.out; then
	ok "sniff -r with a filter prints what tcpdump printed"
else
	not_ok "sniff -r with a filter (exit $rc)" "$(diff expected/c-udp_filter.out "$TMP/out"; cat "$TMP/err")"
fi

# --- 2. tcpdump's captures of the core protocols, against the installed tcpdump --
TD=$RN_SHARED/testdata/tcpdump
core="print-flags.pcap tcp-handshake-nano.pcap timestamp_invalid_micro.pcap
timestamp_invalid_nano.pcap tcp_rst_data.pcap tcp_rst_data-trunc.pcap
tcp_eight_lowest_weight_flags_set.pcap 802.1ad_QinQ.pcap icmpv6.pcap
icmpv6-length-zero.pcapng icmpv6-ns-nonce.pcap dns_tcp.pcap dns_udp.pcap
ipv4_invalid_hdr_length.pcap ipv4_tcp_http_xml.pcap ipv6-bad-version.pcap
udp-length-heapoverflow.pcap arp-too-long-tha.pcap empty.pcap empty.pcapng
accecn_handshake.pcap LINKTYPE_RAW_ipv4.pcap LINKTYPE_RAW_ipv6.pcap time_2038.pcap"
if [ ! -f "$TD/MANIFEST.tsv" ]; then
	skip "tcpdump's captures" "$TD absent"
elif ! command -v tcpdump >/dev/null; then
	skip "tcpdump's captures" "tcpdump not installed"
else
	while IFS=$'\t' read -r name input expected opts _; do
		case "$name" in '#'* | '') continue ;; esac
		case " $(echo $core) " in *" $input "*) ;; *) continue ;; esac
		case "$opts" in *--skip* | *--print-sampling* | *-T* | *-g*)
			skip "tcpdump $name" "tcpdump 4.99 has no such option ($opts)"
			continue ;;
		esac
		ts=-tttt
		case "$opts" in *SPECIAL_t*) ts= ;; esac
		o=${opts//SPECIAL_t/}
		# shellcheck disable=SC2086
		timeout 60 tcpdump -# -n -r "$TD/$input" $ts $o >"$TMP/want" 2>/dev/null
		# shellcheck disable=SC2086
		run_read "$TMP/out" "$TD/$input" $opts
		if cmp -s "$TMP/want" "$TMP/out"; then
			ok "tcpdump $name"
		else
			not_ok "tcpdump $name ($input $opts)" "$(diff "$TMP/want" "$TMP/out")"
		fi
	done <"$TD/MANIFEST.tsv"
fi

# --- 3. every capture, every output mode (-V and -T json too): no crash ------
modes=("" "-v" "-vvv" "-e" "-q" "-xx" "-X" "-AA" "-ttttt --nano" "-S -ttt" "-V" "-T json" "-e -vv -XX")
files=(captures/*)
for d in "$TD" "$RN_SHARED/testdata/libpcap-filters/savefiles" \
	"$RN_SHARED/testdata/libpcap-filters/invalid-savefiles"; do
	[ -d "$d" ] && files+=("$d"/*.pcap "$d"/*.pcapng)
done
[ -d "$TD" ] || skip "shared captures in every mode" "$RN_SHARED/testdata absent"
for f in "${files[@]}"; do
	[ -f "$f" ] || continue
	bad=
	for m in "${modes[@]}"; do
		# shellcheck disable=SC2086
		timeout 60 "$RAWNET" read $m "$f" >/dev/null 2>"$TMP/err"
		rc=$?
		if [ $rc != 0 ] && [ $rc != 2 ]; then
			bad="$bad [$m: exit $rc: $(grep -m1 -E 'ERROR|runtime error|Sanitizer' "$TMP/err")]"
		fi
	done
	if [ -z "$bad" ]; then ok "no crash: ${f##*/}"; else not_ok "no crash: ${f##*/}$bad"; fi
done

# --- 4. damaged files ----------------------------------------------------------
damaged() { # name source bytes: the first BYTES of SOURCE
	local name=$1 src=$2 bytes=$3
	head -c "$bytes" "$src" >"$TMP/$name"
	timeout 60 tcpdump -# -n -tttt -r "$TMP/$name" >"$TMP/want" 2>/dev/null
	timeout 60 "$RAWNET" read -# -n -tttt "$TMP/$name" >"$TMP/out" 2>"$TMP/err"
	local rc=$?
	if [ $rc = 2 ] && cmp -s "$TMP/want" "$TMP/out" && [ -s "$TMP/want" ] &&
		grep -q "$name: damaged at byte offset [0-9]" "$TMP/err"; then
		ok "damaged $name: $(wc -l <"$TMP/out") packets, then: $(cat "$TMP/err")"
	else
		not_ok "damaged $name (exit $rc)" "$(diff "$TMP/want" "$TMP/out"; cat "$TMP/err")"
	fi
}
if command -v tcpdump >/dev/null; then
	damaged cut-record.pcap captures/c-tcp.pcap 700        # inside a record's data
	damaged cut-header.pcap captures/c-tcp.pcap $((24 + 16 + 74 + 8)) # inside a record header
	damaged cut-block.pcapng captures/c-ng-le.pcapng 300   # inside a pcapng block
fi
# A lying record length (huge caplen) after one good record.
/usr/bin/python3 - "$TMP/huge.pcap" <<'PY'
import struct, sys
p = bytes(60)
with open(sys.argv[1], "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
    f.write(struct.pack("<IIII", 1, 0, 60, 60) + p)
    f.write(struct.pack("<IIII", 2, 0, 0x7ffffff0, 60) + p)
PY
"$RAWNET" read -t "$TMP/huge.pcap" >"$TMP/out" 2>"$TMP/err"
rc=$?
if [ $rc = 2 ] && [ "$(wc -l <"$TMP/out")" = 1 ] && grep -q "huge.pcap: damaged at byte offset 100: invalid packet capture length" "$TMP/err"; then
	ok "damaged huge caplen: $(cat "$TMP/err")"
else
	not_ok "damaged huge caplen (exit $rc)" "$(cat "$TMP/out" "$TMP/err")"
fi

# --- 4b. -T json names the fields jq scripts written for tshark use -------------
# Each must be emitted for some packet of our captures (its value is checked
# against tshark by tests/netns/t_tshark_diff.sh).
fields="frame.number frame.time_epoch frame.len eth.src eth.dst eth.type vlan.id
arp.opcode arp.src.proto_ipv4 arp.dst.proto_ipv4 ip.src ip.dst ip.ttl ip.proto ip.id
ip.len ip.dsfield ip.flags.df ip.checksum.status ipv6.src ipv6.dst ipv6.hlim ipv6.nxt
ipv6.flow icmp.type icmp.code icmp.ident icmp.seq icmpv6.type tcp.srcport tcp.dstport
tcp.seq_raw tcp.ack_raw tcp.flags tcp.window_size_value tcp.len tcp.options.mss_val
tcp.options.wscale.shift udp.srcport udp.dstport udp.length dns.id dns.qry.name
http.request.method http.request.uri http.response.code"
for f in captures/*; do "$RAWNET" read -T json "$f" 2>/dev/null; done >"$TMP/all.json"
missing=
for k in $fields; do
	grep -q "\"$k\":" "$TMP/all.json" || missing="$missing $k"
done
if [ -z "$missing" ]; then
	ok "-T json emits all $(echo $fields | wc -w) fields the issue names"
else
	not_ok "-T json emits the fields the issue names: missing$missing"
fi

# --- 5. libpcap's filter tests ---------------------------------------------------
LF=$RN_SHARED/testdata/libpcap-filters
if [ ! -f "$LF/filter_apply_blocks.json" ]; then
	skip "libpcap filter tests" "$LF absent"
else
	/usr/bin/python3 - "$RAWNET" "$LF" "$n" <<'PY'
import ctypes, ctypes.util, json, re, subprocess, sys

rawnet, lf, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
pcap = ctypes.CDLL(ctypes.util.find_library("pcap"))
pcap.pcap_open_offline.restype = ctypes.c_void_p
pcap.pcap_open_offline.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
pcap.pcap_open_dead.restype = ctypes.c_void_p
pcap.pcap_open_dead.argtypes = [ctypes.c_int, ctypes.c_int]
pcap.pcap_geterr.restype = ctypes.c_char_p
pcap.pcap_geterr.argtypes = [ctypes.c_void_p]
pcap.pcap_datalink_name_to_val.argtypes = [ctypes.c_char_p]
pcap.pcap_datalink.argtypes = [ctypes.c_void_p]
pcap.pcap_snapshot.argtypes = [ctypes.c_void_p]
pcap.pcap_close.argtypes = [ctypes.c_void_p]
class Prog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_uint), ("insns", ctypes.c_void_p)]
class Hdr(ctypes.Structure):
    _fields_ = [("sec", ctypes.c_long), ("usec", ctypes.c_long), ("caplen", ctypes.c_uint32), ("len", ctypes.c_uint32)]
pcap.pcap_compile.argtypes = [ctypes.c_void_p, ctypes.POINTER(Prog), ctypes.c_char_p, ctypes.c_int, ctypes.c_uint32]
pcap.pcap_next_ex.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.POINTER(Hdr)), ctypes.POINTER(ctypes.c_void_p)]
pcap.pcap_offline_filter.argtypes = [ctypes.POINTER(Prog), ctypes.POINTER(Hdr), ctypes.c_void_p]
pcap.pcap_freecode.argtypes = [ctypes.POINTER(Prog)]

def libpcap_verdicts(path, expr):
    err = ctypes.create_string_buffer(512)
    p = pcap.pcap_open_offline(path.encode(), err)
    if not p:
        return None
    prog = Prog()
    if pcap.pcap_compile(p, ctypes.byref(prog), expr.encode(), 1, 0) < 0:
        pcap.pcap_close(p)
        return None
    hdr, data, out = ctypes.POINTER(Hdr)(), ctypes.c_void_p(), []
    while pcap.pcap_next_ex(p, ctypes.byref(hdr), ctypes.byref(data)) == 1:
        out.append(1 if pcap.pcap_offline_filter(ctypes.byref(prog), hdr, data) else 0)
    pcap.pcap_freecode(ctypes.byref(prog))
    pcap.pcap_close(p)
    return out

def libpcap_error(dlt_name, expr):
    dlt = pcap.pcap_datalink_name_to_val(dlt_name.encode())
    p = pcap.pcap_open_dead(dlt, 262144)
    if not p:
        return "no such DLT"
    prog = Prog()
    r = pcap.pcap_compile(p, ctypes.byref(prog), expr.encode(), 1, 0)
    msg = pcap.pcap_geterr(p).decode().rstrip("\n") if r < 0 else ""
    if r == 0:
        pcap.pcap_freecode(ctypes.byref(prog))
    pcap.pcap_close(p)
    return msg

fails = 0
def tap(ok, name, note=""):
    global n, fails
    n += 1
    fails += not ok
    print(("ok" if ok else "not ok") + " %d - %s%s" % (n, name, note))

for t in json.load(open(lf + "/filter_apply_blocks.json")):
    f = lf + "/savefiles/" + t["savefile"]
    r = subprocess.run([rawnet, "read", "-#", "--file-numbers", "-t", f, t["expr"]],
                       capture_output=True, text=True)
    got = sorted(int(m.group(1)) for m in re.finditer(r"^ +(\d+)  ", r.stdout, re.M))
    want = [i + 1 for i, v in enumerate(t["results"]) if v]
    lp = libpcap_verdicts(f, t["expr"])
    lpset = None if lp is None else [i + 1 for i, v in enumerate(lp) if v]
    name = "filter apply %s (%s on %s)" % (t["name"], t["expr"], t["savefile"])
    if r.returncode == 0 and got == want:
        tap(True, name)
    elif r.returncode == 0 and lpset is not None and got == lpset:
        tap(True, name, " # SKIP the installed libpcap gives %s, the JSON (a newer libpcap) %s; ours = libpcap's" % (lpset[:8], want[:8]))
    elif lp is None:
        tap(True, name, " # SKIP the installed libpcap cannot compile this for the file (ours: exit %d, %s)" % (r.returncode, (r.stderr.strip().splitlines() or [""])[-1]))
    else:
        tap(False, name)
        print("#   ours %s (exit %d) json %s libpcap %s" % (got[:10], r.returncode, want[:10], None if lpset is None else lpset[:10]))

for t in json.load(open(lf + "/filter_reject_tests.json")):
    if "savefile" in t:
        f = lf + "/invalid-savefiles/" + t["savefile"]
        r = subprocess.run([rawnet, "read", f], capture_output=True, text=True)
        want = t["errstr"].removeprefix("Failed opening: ")
        tap(r.returncode == 2 and want in r.stderr, "invalid savefile %s: %s" % (t["savefile"], want))
        continue
    r = subprocess.run([rawnet, "read", "-d", "-y", t["DLT"], t["expr"]], capture_output=True, text=True)
    msg = r.stderr.strip().removeprefix("rawnet read: ")
    name = "filter reject %s (%s %s)" % (t["name"], t["DLT"], t["expr"])
    if r.returncode == 2 and msg == t["errstr"]:
        tap(True, name)
        continue
    lmsg = libpcap_error(t["DLT"], t["expr"])
    if msg == lmsg:
        tap(True, name, " # SKIP the installed libpcap says %r (exit %d), the JSON %r" % (lmsg, r.returncode, t["errstr"]))
    else:
        tap(False, name)
        print("#   ours %r json %r libpcap %r" % (msg, t["errstr"], lmsg))
sys.exit(1 if fails else 0)
PY
	[ $? = 0 ] || failed=$((failed + 1))
fi

[ "$failed" = 0 ]

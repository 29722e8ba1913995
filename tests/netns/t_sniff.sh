# modes: stock off
# rawnet sniff, live in two namespaces: kernel filters that let nothing else
# through even under load, pcap and pcapng files that tcpdump and tshark read,
# SIGINT leaving a complete file, direction, VLAN tags, "any", --l3, -Z, -C.
. "$(dirname "$0")/lib.sh"
need_root
ns_pair
chmod 755 "$TMP" # -Z nobody writes below it

# sniff_start NS NAME ARGS...: rawnet sniff in the background, stderr in
# $TMP/NAME.err; returns once it is listening (its filter attached).
sniff_start() {
	local ns=$1 name=$2; shift 2
	BG_OUT="$TMP/$name.err" bg_ns "$ns" "$RAWNET" sniff "$@"
	SNIFF_PID=$BG_PID
	local i
	for ((i = 0; i < 50; i++)); do
		grep -q "^listening on" "$TMP/$name.err" 2>/dev/null && return 0
		kill -0 "$SNIFF_PID" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}
# sniff_wait PID [SECONDS]: waits (bounded) for it to exit; its status in $RC.
sniff_wait() {
	local i
	for ((i = 0; i < ${2:-10} * 10; i++)); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$1" 2>/dev/null && kill -9 "$1"
	wait "$1" 2>/dev/null
	RC=$?
}
count_pcap() { timeout 30 tcpdump -n -r "$1" 2>/dev/null | wc -l; }
# tshark's complaints about a file (its note about running as root aside).
tshark_errors() { timeout 30 tshark -n -r "$1" 2>&1 >/dev/null | grep -v 'Running as user'; }

# UDP A -> B at about $2 packets/s of $3 bytes for $1 seconds (bounded:
# Debian's python3 paces itself); B has a receiver so no ICMP comes back.
cat >"$TMP/udp.py" <<'PY'
import socket, sys, time
secs, rate, size = float(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setblocking(False)
data, t0, n = b"x" * size, time.monotonic(), 0
while True:
    now = time.monotonic() - t0
    if now > secs:
        break
    while n < rate * now:
        try:
            s.sendto(data, (sys.argv[4], 9999))
        except BlockingIOError:
            pass
        n += 1
    time.sleep(0.001)
PY
BG_TIMEOUT=60 bg_ns "$NS_B" socat -u UDP-RECV:9999 /dev/null
udp() { in_ns "$NS_A" /usr/bin/python3 "$TMP/udp.py" "$1" "$2" "$3" "$IP_B"; }
BG_TIMEOUT=30 bg_ns "$NS_A" /usr/bin/python3 "$TMP/udp.py" 12 20000 100 "$IP_B"
FLOOD=$BG_PID
sleep 0.3

# 1. -c 20 with a kernel filter while the flood runs: exactly 20 ICMP packets.
sniff_start "$NS_B" c20 -i "$IF_B" -c 20 -w "$TMP/c20.pcap" icmp ||
	not_ok "sniff starts" "$(cat "$TMP/c20.err")"
in_ns "$NS_A" ping -c 12 -i 0.02 -W 1 "$IP_B" >/dev/null 2>&1
sniff_wait "$SNIFF_PID"
is "-c 20 icmp under a UDP flood exits 0" "$RC" 0
is "tcpdump reads exactly 20 packets" "$(count_pcap "$TMP/c20.pcap")" 20
is "all of them ICMP per tcpdump" "$(timeout 30 tcpdump -n -r "$TMP/c20.pcap" icmp 2>/dev/null | wc -l)" 20
is "tshark reads the same 20 ICMP packets" "$(tshark_count "$TMP/c20.pcap" icmp)" 20
like "stderr: 20 packets captured" "$(cat "$TMP/c20.err")" '^20 packets captured$'
like "stderr: received by filter, dropped by kernel" "$(cat "$TMP/c20.err")" \
	'^[0-9]+ packets received by filter$'
like "stderr: dropped by kernel" "$(cat "$TMP/c20.err")" '^[0-9]+ packets? dropped by kernel$'

# 2. No leak: while the flood fills the ring before the filter comes, only
# matching packets reach the file (drain-then-attach).
# (Without the drain about every other start lets a datagram through.)
for i in 1 2 3 4 5 6 7 8; do
	sniff_start "$NS_B" leak$i -i "$IF_B" -w "$TMP/leak$i.pcap" icmp ||
		not_ok "sniff starts (leak $i)"
	in_ns "$NS_A" ping -c 1 -W 1 "$IP_B" >/dev/null 2>&1
	kill -INT "$SNIFF_PID"
	sniff_wait "$SNIFF_PID"
done
other=0 icmp=0
for i in 1 2 3 4 5 6 7 8; do
	other=$((other + $(timeout 30 tcpdump -n -r "$TMP/leak$i.pcap" not icmp 2>/dev/null | wc -l)))
	icmp=$((icmp + $(count_pcap "$TMP/leak$i.pcap")))
done
is "no unfiltered packet in 8 captures started under a flood" "$other" 0
is "and the pings are all there" "$icmp" 16
kill "$FLOOD" 2>/dev/null

# 3. pcapng until SIGINT: complete, read by both, as many as sniff said.
sniff_start "$NS_B" ng -i "$IF_B" -w "$TMP/ng.pcapng" "icmp or udp port 9999" ||
	not_ok "sniff starts (pcapng)"
in_ns "$NS_A" ping -c 10 -i 0.02 -W 1 "$IP_B" >/dev/null 2>&1
udp 0.2 100 300 # 20 datagrams
sleep 0.2
kill -INT "$SNIFF_PID"
sniff_wait "$SNIFF_PID"
is "SIGINT: sniff exits 0" "$RC" 0
said=$(sed -n 's/^\([0-9]*\) packets captured$/\1/p' "$TMP/ng.err")
is "pcapng: tcpdump reads the count sniff printed" "$(count_pcap "$TMP/ng.pcapng")" "$said"
is "pcapng: tshark reads the count sniff printed" "$(tshark_count "$TMP/ng.pcapng")" "$said"
is "pcapng holds the 20 pings and 20 datagrams" "$said" 40
is "pcapng interface name (if_name)" \
	"$(timeout 30 tshark -r "$TMP/ng.pcapng" -c 1 -T fields -e frame.interface_name 2>/dev/null)" "$IF_B"
like "pcapng nanosecond timestamps (if_tsresol 9)" \
	"$(timeout 30 tshark -r "$TMP/ng.pcapng" -c 1 -T fields -e frame.time_epoch 2>/dev/null)" '\.[0-9]{9}$'
is "tshark finds the file complete (no warnings)" "$(tshark_errors "$TMP/ng.pcapng")" ""

# 4. A bad filter: exit 2 with libpcap's message (the one tcpdump prints).
out=$(in_ns "$NS_B" "$RAWNET" sniff -i "$IF_B" -w "$TMP/bad.pcap" tcp port 2>&1)
rc=$?
want=$(in_ns "$NS_B" tcpdump -d -i "$IF_B" tcp port 2>&1 | sed -n 's/^tcpdump: //p')
is "bad filter exits 2" "$rc" 2
is "bad filter: libpcap's message" "$out" "rawnet sniff: $want"

# 5. Direction: -Q in sees B's echo requests only, -Q out B's replies only.
sniff_start "$NS_B" qin -i "$IF_B" -Q in -w "$TMP/qin.pcap" icmp || not_ok "sniff -Q in starts"
QIN=$SNIFF_PID
sniff_start "$NS_B" qout -i "$IF_B" -Q out -w "$TMP/qout.pcap" icmp || not_ok "sniff -Q out starts"
QOUT=$SNIFF_PID
in_ns "$NS_A" ping -c 3 -i 0.05 -W 1 "$IP_B" >/dev/null 2>&1
sleep 0.2
kill -INT "$QIN" "$QOUT"
sniff_wait "$QIN"; sniff_wait "$QOUT"
in_lines=$(timeout 30 tcpdump -n -r "$TMP/qin.pcap" 2>/dev/null)
out_lines=$(timeout 30 tcpdump -n -r "$TMP/qout.pcap" 2>/dev/null)
is "-Q in: 3 echo requests" "$(grep -c 'echo request' <<<"$in_lines")" 3
is "-Q in: no replies" "$(grep -c 'echo reply' <<<"$in_lines")" 0
is "-Q out: 3 echo replies" "$(grep -c 'echo reply' <<<"$out_lines")" 3
is "-Q out: no requests" "$(grep -c 'echo request' <<<"$out_lines")" 0

# 6. VLAN: tagged frames (vlan 5) sent from A; B's kernel moves the tag out
# of the frame (tp_vlan_tci) and sniff puts it back, as tcpdump does.
cat >"$TMP/vlan.py" <<'PY'
import socket, struct, sys
def csum(b):
    if len(b) % 2: b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff
ifname, src, dst, sip, dip = sys.argv[1:6]
mac = lambda m: bytes(int(x, 16) for x in m.split(":"))
ip4 = lambda a: socket.inet_aton(a)
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((ifname, 0))
for seq in (1, 2):
    icmp = struct.pack("!BBHHH", 8, 0, 0, 0x77, seq) + bytes(range(56))
    icmp = icmp[:2] + struct.pack("!H", csum(icmp)) + icmp[4:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(icmp), seq, 0, 64, 1, 0, ip4(sip), ip4(dip))
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    s.send(mac(dst) + mac(src) + struct.pack("!HHH", 0x8100, 5, 0x0800) + ip + icmp)
PY
capture_start "$NS_B" "$IF_B" "$TMP/vlan-tcpdump.pcap" icmp
sniff_start "$NS_B" vlan5 -i "$IF_B" -c 2 -w "$TMP/vlan5.pcap" vlan 5 and icmp ||
	not_ok "sniff starts (vlan 5 and icmp)"
V5=$SNIFF_PID
sniff_start "$NS_B" vlan -i "$IF_B" -c 2 -w "$TMP/vlan.pcap" icmp || not_ok "sniff starts (vlan)"
in_ns "$NS_A" /usr/bin/python3 "$TMP/vlan.py" "$IF_A" "$MAC_A" "$MAC_B" 10.77.5.1 10.77.5.2
sniff_wait "$SNIFF_PID" 5
sniff_wait "$V5" 2
is "VLAN: the filter 'vlan 5 and icmp' matches the tagged frames" "$(count_pcap "$TMP/vlan5.pcap")" 2
capture_stop
vl=$(timeout 30 tcpdump -e -n -r "$TMP/vlan.pcap" 2>/dev/null)
is "VLAN: both frames captured with their 802.1Q tag, vlan 5" \
	"$(grep -c 'ethertype 802.1Q (0x8100), length 102: vlan 5, p 0, ethertype IPv4.*ICMP echo request' <<<"$vl")" 2
is "VLAN: the same bytes as tcpdump's capture" \
	"$(timeout 30 tcpdump -t -n -xx -r "$TMP/vlan.pcap" 2>/dev/null | md5sum)" \
	"$(timeout 30 tcpdump -t -n -xx -r "$TMP/vlan-tcpdump.pcap" 2>/dev/null | md5sum)"

# 7. "any": Linux cooked headers that both tools read.
sniff_start "$NS_B" any -i any -c 4 -w "$TMP/any.pcap" icmp || not_ok "sniff -i any starts"
in_ns "$NS_A" ping -c 2 -i 0.05 -W 1 "$IP_B" >/dev/null 2>&1
sniff_wait "$SNIFF_PID" 5
anyl=$(timeout 30 tcpdump -e -n -r "$TMP/any.pcap" 2>&1)
like "-i any: link-type LINUX_SLL" "$anyl" 'link-type LINUX_SLL'
is "-i any: 2 requests in, 2 replies out" \
	"$(grep -Ec '  In .*10.77.0.1 > 10.77.0.2: ICMP echo request' <<<"$anyl") $(grep -Ec ' Out .*10.77.0.2 > 10.77.0.1: ICMP echo reply' <<<"$anyl")" "2 2"
is "-i any: tshark reads 4 ICMP packets" "$(tshark_count "$TMP/any.pcap" icmp)" 4

# 8. --l3: AF_INET raw sockets, raw IP in the file.
sniff_start "$NS_B" l3 --l3 -i "$IF_B" -c 3 -w "$TMP/l3.pcap" icmp || not_ok "sniff --l3 starts"
in_ns "$NS_A" ping -c 3 -i 0.05 -W 1 "$IP_B" >/dev/null 2>&1
sniff_wait "$SNIFF_PID" 5
l3=$(timeout 30 tcpdump -n -r "$TMP/l3.pcap" 2>&1)
like "--l3: link-type RAW" "$l3" 'link-type RAW'
is "--l3: 3 echo requests" "$(grep -c 'IP 10.77.0.1 > 10.77.0.2: ICMP echo request' <<<"$l3")" 3

# 9. -Z: the file is created after privileges are dropped.
mkdir -m 1777 "$TMP/pub"
sniff_start "$NS_B" z -i "$IF_B" -c 2 -Z nobody -w "$TMP/pub/z.pcap" icmp || not_ok "sniff -Z starts"
in_ns "$NS_A" ping -c 1 -W 1 "$IP_B" >/dev/null 2>&1
sniff_wait "$SNIFF_PID" 5
is "-Z nobody exits 0" "$RC" 0
is "-Z nobody: the file belongs to nobody" "$(stat -c %U "$TMP/pub/z.pcap" 2>&1)" nobody
is "-Z nobody: 2 packets" "$(count_pcap "$TMP/pub/z.pcap")" 2

# 10. -C 1: a new file after each million bytes, all of them complete.
sniff_start "$NS_B" rot -i "$IF_B" -C 1 -w "$TMP/rot.pcap" udp port 9999 || not_ok "sniff -C starts"
udp 0.5 5000 1000 # 2500 datagrams of 1042 bytes on the wire: 2.6 MB
sleep 0.3
kill -INT "$SNIFF_PID"; sniff_wait "$SNIFF_PID"
said=$(sed -n 's/^\([0-9]*\) packets captured$/\1/p' "$TMP/rot.err")
total=0
for f in "$TMP/rot.pcap" "$TMP/rot.pcap1" "$TMP/rot.pcap2"; do
	total=$((total + $(count_pcap "$f")))
done
is "-C 1: rot.pcap, rot.pcap1, rot.pcap2 hold every packet" "$total" "$said"
check "-C 1: a 2.5 MB capture makes 3 files" test -s "$TMP/rot.pcap2" -a ! -e "$TMP/rot.pcap3"
# -G 1 -W 2: a file per second, named by strftime, and the end after two.
in_ns "$NS_B" "$RAWNET" sniff -i "$IF_B" -G 1 -W 2 -w "$TMP/g-%s.pcap" icmp 2>/dev/null
is "-G 1 -W 2 stops by itself, exit 0" "$?" 0
is "-G 1 -W 2: two complete files" "$(ls "$TMP"/g-*.pcap | wc -l) $(cat "$TMP"/g-*.pcap | wc -c)" "2 48"

# 11. Printing: the lines tcpdump -n prints for the same packets.
capture_start "$NS_B" "$IF_B" "$TMP/pr-tcpdump.pcap" icmp or udp port 9999
BG_OUT="$TMP/pr.out" sniff_start "$NS_B" pr -i "$IF_B" -t -v -e -c 6 icmp or udp port 9999 ||
	not_ok "sniff starts (printing)"
# (sniff_start's BG_OUT is its stderr file; stdout comes with it: split below)
in_ns "$NS_A" ping -c 2 -i 0.05 -W 1 "$IP_B" >/dev/null 2>&1
udp 0.1 40 120 # about 4 datagrams
sniff_wait "$SNIFF_PID" 5
capture_stop
want=$(timeout 30 tcpdump -t -v -e -n -r "$TMP/pr-tcpdump.pcap" 2>/dev/null | head -n 12)
got=$(grep -Ev '^(listening on|[0-9]+ packets? )' "$TMP/pr.err")
is "printed lines equal tcpdump -t -v -e -n's" "$got" "$want"
like "printing: 6 packets captured" "$(cat "$TMP/pr.err")" '^6 packets captured$'
# --- the kernel's TCP from A, live in B: on a stock veth its checksum is left
# to the NIC (TP_STATUS_CSUMNOTREADY): -v, -V and JSON say so, never
# "incorrect"; offloads off, it is verified and correct ---
BG_OUT=$TMP/ck.echo bg_ns "$NS_A" socat TCP-LISTEN:7,reuseaddr,fork EXEC:cat
wait_port "$NS_A" 7
ck() { # options...: sniff the first TCP segment from A (its SYN-ACK)
	BG_OUT=$TMP/ck.out bg_ns "$NS_B" "$RAWNET" sniff -n -c 1 -i "$IF_B" "$@" tcp and src host "$IP_A"
	local pid=$BG_PID
	sleep 0.5
	in_ns "$NS_B" socat - "TCP:$IP_A:7" <<<x >/dev/null 2>&1
	for _ in $(seq 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	cat "$TMP/ck.out"
}
v=$(ck -v) V=$(ck -V) j=$(ck -T json)
if [ "$RN_OFFLOADS" = stock ]; then
	like "offloaded checksum, -v: left to the NIC" "$v" "Flags \[S\.\], cksum 0x[0-9a-f]{4} \(unverified: left to the NIC\), seq"
	like "offloaded checksum, -V: unverified, and why" "$V" $'Checksum: 0x[0-9a-f]{4} \\[unverified\\]\n +\\[Checksum Status: Unverified\\]\n +\\[Checksum left to the NIC by the sender \\(offload\\): not verified\\]'
	like "offloaded checksum, JSON: status 2 (unverified)" "$j" '"tcp.checksum.status":2,'
else
	like "offloads off, -v: the checksum is correct" "$v" "Flags \[S\.\], cksum 0x[0-9a-f]{4} \(correct\), seq"
	like "offloads off, -V: Good" "$V" "\[Checksum Status: Good\]"
	like "offloads off, JSON: status 1" "$j" '"tcp.checksum.status":1,'
fi
unlike "the kernel's own checksum is never reported incorrect" "$v$V" "incorrect"
done_testing

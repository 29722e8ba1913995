# modes: stock off
# rawnet ping between namespaces: iputils-identical output (numbers aside),
# IPv4 and IPv6, exit codes, the exact --data payload on the wire with good
# checksums, the unprivileged datagram-socket path and its refusal message,
# ICMP errors through a router, duplicates and bad checksums from a forged
# responder, concurrent pings that must not count each other's replies, and
# -I ADDR (source address) checked in a capture.
. "$(dirname "$0")/lib.sh"
need_root

# Numbers vary from run to run; everything else must be what iputils prints.
norm() {
	sed -E -e 's/time=[0-9.]+ ms/time=T ms/' -e 's/time [0-9]+ms/time Tms/' \
		-e 's|= [0-9.]+/[0-9.]+/[0-9.]+/[0-9.]+ ms|= R ms|' -e 's/^pipe [0-9]+$/pipe N/' \
		-e 's|ipg/ewma [0-9.]+/[0-9.]+ ms|ipg/ewma I ms|'
}
# same_as_iputils NAME NS ARGS...: rawnet ping and iputils ping, same
# arguments, same exit status and the same lines once normalised.
same_as_iputils() {
	local name=$1 ns=$2; shift 2
	local ours theirs rc_ours rc_theirs
	ours=$(in_ns "$ns" "$RAWNET" ping "$@" 2>&1); rc_ours=$?
	theirs=$(in_ns "$ns" ping "$@" 2>&1); rc_theirs=$?
	is "$name: exit status as iputils ($rc_theirs)" "$rc_ours" "$rc_theirs"
	is "$name: output as iputils" "$(printf '%s\n' "$ours" | norm)" "$(printf '%s\n' "$theirs" | norm)"
	OURS=$ours RC=$rc_ours
}

ns_pair
# Everything A sends to B in sections 1-7, for tshark's checksum check.
capture_start "$NS_B" "$IF_B" "$TMP/all.pcap" -Q in || not_ok "capture started"
ALL_CAP=$CAP_PID

# 1. Three echoes each way, IPv4 and IPv6.
same_as_iputils "IPv4 -c 3" "$NS_A" -c 3 -i 0.2 "$IP_B"
is "IPv4 -c 3 exits 0" "$RC" 0
like "IPv4: 3/3 and the iputils summary" "$OURS" \
	'^3 packets transmitted, 3 received, 0% packet loss, time [0-9]+ms$'
like "IPv4: an rtt line" "$OURS" '^rtt min/avg/max/mdev = [0-9]+\.[0-9]{3}/[0-9]+\.[0-9]{3}/[0-9]+\.[0-9]{3}/[0-9]+\.[0-9]{3} ms$'
like "IPv4: a reply line" "$OURS" '^64 bytes from 10\.77\.0\.2: icmp_seq=3 ttl=64 time=[0-9.]+ ms$'
same_as_iputils "IPv6 -c 3" "$NS_A" -6 -c 3 -i 0.2 "$IP6_B"
like "IPv6: 3/3" "$OURS" '^3 packets transmitted, 3 received, 0% packet loss'
same_as_iputils "-q" "$NS_A" -q -c 2 -i 0.2 "$IP_B"
same_as_iputils "-s 8 (no room for a time stamp)" "$NS_A" -c 1 -s 8 "$IP_B"
same_as_iputils "-p pattern" "$NS_A" -c 1 -p 4142ff "$IP_B"
same_as_iputils "-w 1 (deadline)" "$NS_A" -w 1 -i 0.4 "$IP_B"
like "-w 1: three requests in the second" "$OURS" '^3 packets transmitted, 3 received'
same_as_iputils "-I iface" "$NS_A" -c 2 -i 0.2 -I "$IF_A" "$IP_B"
same_as_iputils "-f (flood)" "$NS_A" -f -c 20 "$IP_B"
like "-f: 20/20" "$OURS" '^20 packets transmitted, 20 received, 0% packet loss'
like "-f: the ipg/ewma statistics" "$OURS" ' ms, ipg/ewma [0-9.]+/[0-9.]+ ms$'
same_as_iputils "-4 and a name" "$NS_A" -4 -c 1 localhost

# 2. A silent on-link address: no reply, exit 1.
same_as_iputils "silent 10.77.0.99" "$NS_A" -c 2 -i 0.2 -W 1 10.77.0.99
is "silent address exits 1" "$RC" 1
like "silent: 0 received, 100% loss" "$OURS" '^2 packets transmitted, 0 received, 100% packet loss'

# 3. A name that does not resolve: exit 2 and one line on stderr.
err=$(in_ns "$NS_A" "$RAWNET" ping -c 1 nosuch.invalid 2>&1 >/dev/null); rc=$?
is "unresolvable name exits 2" "$rc" 2
is "unresolvable name: one line" "$(printf '%s\n' "$err" | wc -l)" 1
like "unresolvable name: the message names it" "$err" '^rawnet ping: nosuch\.invalid: '
# Bad options: exit 2 and one line naming the bad value.
for bad in "-t 300" "-s 70000" "-c 0x" "-i abc" "-W -1"; do
	# shellcheck disable=SC2086
	err=$(in_ns "$NS_A" "$RAWNET" ping $bad "$IP_B" 2>&1 >/dev/null); rc=$?
	like "ping $bad: exit 2, the value named" "$rc:$err" "^2:rawnet ping: -${bad:1:1}: ${bad#* } "
done

# 4. --data puts exactly those bytes in the echo payload; tshark finds the
# checksums good (IPv4 built and summed by us; IPv6 summed by us and kernel).
capture_start "$NS_B" "$IF_B" "$TMP/data.pcap" icmp or icmp6
out=$(in_ns "$NS_A" "$RAWNET" ping -c 2 -i 0.2 --data "Hello world!" "$IP_B"); rc=$?
out6=$(in_ns "$NS_A" "$RAWNET" ping -6 -c 1 --data "Hello world!" "$IP6_B"); rc6=$?
capture_stop
is "--data: exit 0 (IPv4)" "$rc" 0
is "--data: exit 0 (IPv6)" "$rc6" 0
like "--data: 20-byte replies, timed" "$out" '^20 bytes from 10\.77\.0\.2: icmp_seq=2 ttl=64 time=[0-9.]+ ms$'
payloads=$(timeout 60 tshark -n -r "$TMP/data.pcap" -Y 'icmp.type==8 || icmpv6.type==128' -T fields -e data 2>/dev/null | sort -u)
is "--data: the capture shows exactly \"Hello world!\" as payload" "$payloads" "48656c6c6f20776f726c6421"
is "--data: 3 requests captured" \
	"$(tshark_count "$TMP/data.pcap" 'icmp.type==8 || icmpv6.type==128')" 3
is "no bad IP/ICMP/ICMPv6 checksum in the capture" "$(bad_checksums "$TMP/data.pcap")" 0

# 5. Without root: the ICMP datagram socket (lib.sh opened ping_group_range).
NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups)
out=$(in_ns "$NS_A" "${NOBODY[@]}" "$RAWNET" ping -c 2 -i 0.2 "$IP_B" 2>&1); rc=$?
is "non-root (datagram socket): exit 0" "$rc" 0
like "non-root: 2/2" "$out" '^2 packets transmitted, 2 received, 0% packet loss'
out=$(in_ns "$NS_A" "${NOBODY[@]}" "$RAWNET" ping -6 -c 1 "$IP6_B" 2>&1); rc=$?
is "non-root IPv6 (datagram socket): exit 0" "$rc" 0
ip netns exec "$NS_A" sysctl -qw net.ipv4.ping_group_range="1 0"
err=$(in_ns "$NS_A" "${NOBODY[@]}" "$RAWNET" ping -c 1 "$IP_B" 2>&1 >/dev/null); rc=$?
ip netns exec "$NS_A" sysctl -qw net.ipv4.ping_group_range="0 2147483647"
is "both sockets refused: exit 2" "$rc" 2
like "refusal names the sysctl" "$err" 'net\.ipv4\.ping_group_range.*"1 0"'
like "refusal names setcap" "$err" 'setcap cap_net_raw\+ep'
is "refusal is one line" "$(printf '%s\n' "$err" | wc -l)" 1
# -Z drops root after the raw socket is open.
out=$(in_ns "$NS_A" "$RAWNET" ping -Z nobody -c 1 "$IP_B" 2>&1); rc=$?
is "-Z nobody: exit 0" "$rc" 0

# 5b. -I ADDR binds the source address (a second address on A's interface),
# with iputils' "from SRC : " header; the capture shows the address used.
same_as_iputils "-I iface (IPv6)" "$NS_A" -6 -c 1 -I "$IF_A" "$IP6_B"
like "-I iface (IPv6): the header names source and interface" "$OURS" \
	"^PING fd77::2\\(fd77::2\\) from fd77::1 $IF_A: 56 data bytes\$"
ip -n "$NS_A" addr add 10.77.0.11/24 dev "$IF_A"
ip -n "$NS_A" addr add fd77::11/64 dev "$IF_A" nodad
capture_start "$NS_B" "$IF_B" "$TMP/src.pcap" icmp or icmp6 || not_ok "source capture started"
same_as_iputils "-I ADDR" "$NS_A" -c 2 -i 0.2 -I 10.77.0.11 "$IP_B"
like "-I ADDR: iputils' header" "$OURS" \
	'^PING 10\.77\.0\.2 \(10\.77\.0\.2\) from 10\.77\.0\.11 : 56\(84\) bytes of data\.$'
like "-I ADDR: 2/2" "$OURS" '^2 packets transmitted, 2 received, 0% packet loss'
same_as_iputils "-I ADDR (IPv6)" "$NS_A" -c 2 -i 0.2 -I fd77::11 "$IP6_B"
like "-I ADDR (IPv6): iputils' header" "$OURS" '^PING fd77::2\(fd77::2\) from fd77::11 : 56 data bytes$'
out=$(in_ns "$NS_A" "${NOBODY[@]}" "$RAWNET" ping -c 1 -I 10.77.0.11 "$IP_B" 2>&1); rc=$?
is "-I ADDR, non-root (datagram socket): exit 0" "$rc" 0
out6=$(in_ns "$NS_A" "${NOBODY[@]}" "$RAWNET" ping -c 1 -I fd77::11 "$IP6_B" 2>&1); rc6=$?
is "-I ADDR (IPv6), non-root (datagram socket): exit 0" "$rc6" 0
capture_stop
is "-I ADDR: every echo request left from the bound address (2+2+1 each family)" \
	"$(timeout 60 tshark -n -r "$TMP/src.pcap" -Y 'icmp.type==8 || icmpv6.type==128' \
		-T fields -e ip.src -e ipv6.src 2>/dev/null | tr -d '\t' | sort | uniq -c | tr -s ' ')" \
	" 5 10.77.0.11
 5 fd77::11"
is "-I ADDR: no bad checksum in the capture" "$(bad_checksums "$TMP/src.pcap")" 0
# An address that is not ours, an unknown interface, a family mismatch:
# exit 2 and one line naming the -I value.
for bad in "10.77.0.99 $IP_B" "fd77::99 $IP6_B" "nosuch0 $IP_B" "fd77::11 $IP_B" "10.77.0.11 $IP6_B"; do
	# shellcheck disable=SC2086
	err=$(in_ns "$NS_A" "$RAWNET" ping -c 1 -I $bad 2>&1 >/dev/null); rc=$?
	like "-I ${bad% *} to ${bad#* }: exit 2, one line naming it" "$rc:$(printf '%s\n' "$err" | wc -l):$err" \
		"^2:1:rawnet ping: -I:? ${bad% *}: "
done
err=$(in_ns "$NS_A" "$RAWNET" ping -6 -c 1 -I 10.77.0.11 localhost 2>&1 >/dev/null); rc=$?
like "-6 -I IPv4-ADDR: exit 2 naming it" "$rc:$err" '^2:rawnet ping: -I 10\.77\.0\.11: an IPv4 address, but -6 was given$'

# 6. Concurrent pings share raw sockets' input: each counts only its own
# replies (two rawnet on raw sockets, one on a datagram socket, and iputils).
for i in 1 2; do
	BG_OUT="$TMP/conc$i" bg_ns "$NS_A" "$RAWNET" ping -c 20 -i 0.05 "$IP_B"; pids[i]=$BG_PID
done
BG_OUT="$TMP/conc3" bg_ns "$NS_A" "${NOBODY[@]}" "$RAWNET" ping -c 20 -i 0.05 "$IP_B"; pids[3]=$BG_PID
in_ns "$NS_A" ping -q -c 20 -i 0.05 "$IP_B" >/dev/null
for i in 1 2 3; do
	wait "${pids[i]}"
	c=$(cat "$TMP/conc$i")
	like "concurrent ping $i: 20/20" "$c" '^20 packets transmitted, 20 received, 0% packet loss'
	unlike "concurrent ping $i: no (DUP!)" "$c" 'DUP|duplicates'
	is "concurrent ping $i: 20 reply lines" "$(grep -c ' bytes from ' "$TMP/conc$i")" 20
done

# 7. Duplicates and a bad checksum: B's kernel stays quiet and a forged
# responder answers seq 1 and 3 twice and seq 2 with a broken checksum. Only
# raw sockets see a bad checksum. The installed iputils (20221126) has a known
# regression here (iputils PR #534: the IPv4 check always succeeds), so the
# expected text is written out: the form iputils prints when the check works.
ip netns exec "$NS_B" sysctl -qw net.ipv4.icmp_echo_ignore_all=1
cat >"$TMP/responder.py" <<'PY'
import socket, struct, sys, time
def csum(b):
    if len(b) % 2: b += b'\0'
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
s.settimeout(0.5)
print("ready", flush=True)
end = time.time() + float(sys.argv[1])
while time.time() < end:
    try:
        pkt, addr = s.recvfrom(65535)
    except socket.timeout:
        continue
    icmp = pkt[(pkt[0] & 15) * 4:]
    if len(icmp) < 8 or icmp[0] != 8:
        continue
    rep = bytearray(icmp); rep[0] = 0; rep[2:4] = b'\0\0'
    rep[2:4] = struct.pack('!H', csum(bytes(rep)))
    if struct.unpack('!H', icmp[6:8])[0] == 2:
        rep[2] ^= 0x5a
        s.sendto(bytes(rep), addr)
    else:
        s.sendto(bytes(rep), addr); s.sendto(bytes(rep), addr)
PY
BG_OUT="$TMP/resp.log" BG_TIMEOUT=20 bg_ns "$NS_B" /usr/bin/python3 "$TMP/responder.py" 8
for _ in $(seq 50); do grep -q ready "$TMP/resp.log" 2>/dev/null && break; sleep 0.1; done
out=$(in_ns "$NS_A" "$RAWNET" ping -c 3 -i 0.3 -W 1 "$IP_B" 2>&1); rc=$?
is "forged replies: exit 0" "$rc" 0
is "forged replies: (DUP!), (BAD CHECKSUM!), +duplicates, +corrupted" "$(printf '%s\n' "$out" | norm)" \
"PING 10.77.0.2 (10.77.0.2) 56(84) bytes of data.
64 bytes from 10.77.0.2: icmp_seq=1 ttl=64 time=T ms
64 bytes from 10.77.0.2: icmp_seq=1 ttl=64 time=T ms (DUP!)
64 bytes from 10.77.0.2: icmp_seq=2 ttl=64 time=T ms (BAD CHECKSUM!)
64 bytes from 10.77.0.2: icmp_seq=3 ttl=64 time=T ms
64 bytes from 10.77.0.2: icmp_seq=3 ttl=64 time=T ms (DUP!)

--- 10.77.0.2 ping statistics ---
3 packets transmitted, 2 received, +2 duplicates, +1 corrupted, 33.3333% packet loss, time Tms
rtt min/avg/max/mdev = R ms"
kill "$BG_PID" 2>/dev/null
ip netns exec "$NS_B" sysctl -qw net.ipv4.icmp_echo_ignore_all=0
CAP_PID=$ALL_CAP capture_stop
check "sections 1-7 captured ($(tshark_count "$TMP/all.pcap" 'icmp.type==8') echo requests)" \
	test "$(tshark_count "$TMP/all.pcap" 'icmp.type==8')" -ge 100
is "tshark: no bad IP/ICMP/ICMPv6 checksum in anything A sent in sections 1-7" "$(bad_checksums "$TMP/all.pcap")" 0

# 8. Errors through a router: C (10.77.1.1) - R - D (10.77.2.2), own subnets.
NS_C="${NS_PREFIX}c" NS_R="${NS_PREFIX}r" NS_D="${NS_PREFIX}d"
_ns_add "$NS_C"; _ns_add "$NS_R"; _ns_add "$NS_D"
ip link add c0 netns "$NS_C" type veth peer name r0 netns "$NS_R"
ip link add d0 netns "$NS_D" type veth peer name r1 netns "$NS_R"
for x in "$NS_C:c0" "$NS_R:r0" "$NS_R:r1" "$NS_D:d0"; do _ns_offloads_off "${x%%:*}" "${x#*:}"; done
_ns_addr "$NS_C" c0 10.77.1.1 fd77:1::1
_ns_addr "$NS_R" r0 10.77.1.2 fd77:1::2
_ns_addr "$NS_R" r1 10.77.2.1 fd77:2::1
_ns_addr "$NS_D" d0 10.77.2.2 fd77:2::2
ip -n "$NS_C" route add default via 10.77.1.2
ip -n "$NS_C" -6 route add default via fd77:1::2
ip -n "$NS_D" route add default via 10.77.2.1
ip -n "$NS_D" -6 route add default via fd77:2::1
ip netns exec "$NS_R" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
capture_start "$NS_R" r0 "$TMP/routed.pcap" -Q in || not_ok "capture on the router started"
ROUTED_CAP=$CAP_PID
same_as_iputils "routed" "$NS_C" -c 2 -i 0.2 10.77.2.2
like "routed: ttl=63 behind the router" "$OURS" 'icmp_seq=1 ttl=63 '
same_as_iputils "TTL 1" "$NS_C" -c 2 -i 0.2 -t 1 10.77.2.2
like "TTL 1: Time to live exceeded from the router" "$OURS" '^From 10\.77\.1\.2 icmp_seq=1 Time to live exceeded$'
like "TTL 1: counted as errors" "$OURS" '0 received, \+2 errors, 100% packet loss'
is "TTL 1: exit 1" "$RC" 1
same_as_iputils "hop limit 1 (IPv6)" "$NS_C" -6 -c 2 -i 0.2 -t 1 fd77:2::2
like "hop limit 1: Time exceeded: Hop limit" "$OURS" '^From fd77:1::2 icmp_seq=1 Time exceeded: Hop limit$'
# Destination unreachable from the router: nftables rejects (unreachable
# routes would go through ip_error(), rate limited outside our namespaces).
# No ICMP rate limit on R, so that iputils, running second, gets its errors too.
ip netns exec "$NS_R" sysctl -qw net.ipv4.icmp_ratelimit=0 net.ipv6.icmp.ratelimit=0
ip netns exec "$NS_R" nft -f - <<'NFT'
table inet rnreject {
	chain fw {
		type filter hook forward priority 0;
		ip daddr 10.77.2.22 reject with icmp type host-unreachable
		ip daddr 10.77.2.23 reject with icmp type admin-prohibited
		ip6 daddr fd77:2::22 reject with icmpv6 type no-route
	}
}
NFT
same_as_iputils "host unreachable" "$NS_C" -c 2 -i 0.2 -W 1 10.77.2.22
like "host unreachable: reported" "$OURS" '^From 10\.77\.1\.2 icmp_seq=2 Destination Host Unreachable$'
same_as_iputils "admin prohibited" "$NS_C" -c 1 -W 1 10.77.2.23
like "admin prohibited: reported" "$OURS" '^From 10\.77\.1\.2 icmp_seq=1 Packet filtered$'
same_as_iputils "no route (IPv6)" "$NS_C" -6 -c 1 -W 1 fd77:2::22
like "no route (IPv6): reported" "$OURS" '^From fd77:1::2 icmp_seq=1 Destination unreachable: No route$'

# 9. --json: one object per reply and a summary (checked with jq).
out=$(in_ns "$NS_C" "$RAWNET" ping --json -c 2 -i 0.2 10.77.2.2); rc=$?
is "--json: exit 0" "$rc" 0
is "--json: two replies and a summary" \
	"$(printf '%s\n' "$out" | jq -r '.type' | tr '\n' ' ')" "reply reply summary "
is "--json: summary counts" "$(printf '%s\n' "$out" | jq -r 'select(.type=="summary") | "\(.transmitted) \(.received) \(.loss_percent)"')" "2 2 0"
out=$(in_ns "$NS_C" "$RAWNET" ping --json -c 1 -t 1 10.77.2.2)
is "--json: an ICMP error object" "$(printf '%s\n' "$out" | jq -r 'select(.type=="error") | "\(.from) \(.icmp_type) \(.message)"')" \
	"10.77.1.2 11 Time to live exceeded"
CAP_PID=$ROUTED_CAP capture_stop
is "tshark: no bad checksum in anything C sent in sections 8-9" "$(bad_checksums "$TMP/routed.pcap")" 0
# --- this host itself: lo of a fresh namespace ---
for h in 127.0.0.1 ::1; do
	out=$(in_ns "$NS_B" "$RAWNET" ping -c 2 -i 0.2 -W 2 "$h" 2>&1)
	like "ping $h on lo: 2 replies" "$out" "2 packets transmitted, 2 received, 0% packet loss"
done
done_testing

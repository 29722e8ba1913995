# rawnet traceroute through two routers (A - R1 - R2 - B, stock offloads):
# the same hops, marks and exit status as traceroute(8) run on the same
# setup, for UDP, ICMP and TCP probes over IPv4 and IPv6; !H, !N and !X from
# reject rules and routes in R2; a hop that stays silent (*); TCP SYNs to an
# open port with the kernel's RSTs kept off the wire; a constant flow (Paris)
# and good checksums in a capture; one path through equal-cost routes (ECMP)
# where traceroute(8) sees two; usage errors.
. "$(dirname "$0")/lib.sh"
need_root
RN_OFFLOADS=stock
ns_chain 2

# Times vary from run to run; hops, addresses, marks and stars must not.
norm() { sed -E 's/  [0-9]+\.[0-9]{3} ms/  T ms/g'; }
# same_as_traceroute NAME ARGS...: both tools from A, the same lines once
# normalised and the same exit status. OURS holds our output.
same_as_traceroute() {
	local name=$1; shift
	local theirs rc_theirs rc_ours
	OURS=$(in_ns "$NS_A" "$RAWNET" traceroute "$@" 2>&1); rc_ours=$?
	theirs=$(in_ns "$NS_A" traceroute "$@" 2>&1); rc_theirs=$?
	is "$name: exit status as traceroute(8) ($rc_theirs)" "$rc_ours" "$rc_theirs"
	is "$name: output as traceroute(8)" "$(printf '%s\n' "$OURS" | norm)" \
		"$(printf '%s\n' "$theirs" | norm)"
}

# A listener in B for the TCP probes.
BG_OUT=$TMP/socat.log bg_ns "$NS_B" socat TCP6-LISTEN:8080,ipv6only=0,fork,reuseaddr /dev/null
wait_port "$NS_B" 8080 || not_ok "socat listens in B"

# 1. The plain path, every method, both families.
same_as_traceroute "UDP" -n "$IP_B"
like "UDP: R1, R2, then B" "$OURS" $'^ 1  10\\.77\\.1\\.2 .*\n 2  10\\.77\\.2\\.2 .*\n 3  10\\.77\\.3\\.2  [0-9.]+ ms  [0-9.]+ ms  [0-9.]+ ms$'
like "UDP: the header line" "$OURS" '^traceroute to 10\.77\.3\.2 \(10\.77\.3\.2\), 30 hops max, 60 byte packets$'
same_as_traceroute "ICMP (-I)" -n -I "$IP_B"
same_as_traceroute "TCP (-T) to an open port" -n -T -p 8080 "$IP_B"
like "TCP: B answers at hop 3" "$OURS" '^ 3  10\.77\.3\.2  [0-9.]+ ms'
same_as_traceroute "IPv6 UDP" -n -6 "$IP6_B"
like "IPv6: R1, R2, then B" "$OURS" $'^ 1  fd77:1::2 .*\n 2  fd77:2::2 .*\n 3  fd77:3::2  '
same_as_traceroute "IPv6 ICMP" -n -6 -I "$IP6_B"
same_as_traceroute "IPv6 TCP" -n -6 -T -p 8080 "$IP6_B"
same_as_traceroute "-q 1 -f 2 -m 2" -n -q 1 -f 2 -m 2 "$IP_B"
is "-f 2 -m 2: one line for hop 2" "$(printf '%s\n' "$OURS" | sed 1d | norm)" " 2  10.77.2.2  T ms"

# Our probes alone, in a capture: one UDP flow (traceroute(8) changes the
# port per probe; Paris traceroute does not) and valid checksums everywhere.
capture_start "$NS_A" "$IF_A" "$TMP/probes.pcap" -Q out 'udp or icmp or icmp6 or tcp' ||
	not_ok "capture started"
for m in -U -I "-T -p 8080"; do
	# shellcheck disable=SC2086
	in_ns "$NS_A" "$RAWNET" traceroute -n $m "$IP_B" >/dev/null 2>&1
	# shellcheck disable=SC2086
	in_ns "$NS_A" "$RAWNET" traceroute -n -6 $m "$IP6_B" >/dev/null 2>&1
done
capture_stop
is "UDP probes: one flow (Paris)" "$(timeout 60 tshark -n -r "$TMP/probes.pcap" -Y 'ip && udp' \
	-T fields -e udp.srcport -e udp.dstport 2>/dev/null | sort -u | wc -l)" 1
is "IPv6 UDP probes: one flow (Paris)" "$(timeout 60 tshark -n -r "$TMP/probes.pcap" -Y 'ipv6 && udp' \
	-T fields -e udp.srcport -e udp.dstport 2>/dev/null | sort -u | wc -l)" 1
like "UDP: 9 or more probes" "$(tshark_count "$TMP/probes.pcap" 'ip && udp')" '^([9]|[1-9][0-9])$'
is "no bad checksums in any probe (tshark)" "$(bad_checksums "$TMP/probes.pcap")" 0

# 2. A constant flow for ICMP too: one checksum, seq numbers differ.
capture_start "$NS_A" "$IF_A" "$TMP/icmp.pcap" -Q out icmp || not_ok "capture started"
in_ns "$NS_A" "$RAWNET" traceroute -n -I "$IP_B" >/dev/null 2>&1
capture_stop
is "ICMP probes: one checksum for all (Paris)" \
	"$(timeout 60 tshark -n -r "$TMP/icmp.pcap" -Y 'icmp.type==8' -T fields -e icmp.checksum 2>/dev/null | sort -u | wc -l)" 1
like "ICMP probes: 9 or more, seq differing" \
	"$(timeout 60 tshark -n -r "$TMP/icmp.pcap" -Y 'icmp.type==8' -T fields -e icmp.seq 2>/dev/null | sort -u | wc -l)" '^([9]|[1-9][0-9])$'

# 3. TCP: our kernel's RSTs to B's SYN-ACKs never reach B.
capture_start "$NS_B" "$IF_B" "$TMP/rst.pcap" -Q in 'tcp port 8080' || not_ok "capture started"
in_ns "$NS_A" "$RAWNET" traceroute -n -T -p 8080 "$IP_B" >/dev/null 2>&1
capture_stop
like "TCP: SYNs reached B" "$(tshark_count "$TMP/rst.pcap" 'tcp.flags.syn==1 && tcp.flags.ack==0')" '^[1-9][0-9]*$'
is "TCP: no RST from A reached B" "$(tshark_count "$TMP/rst.pcap" 'tcp.flags.reset==1')" 0
is "TCP: the RST-drop table is gone afterwards" \
	"$(ip netns exec "$NS_A" nft list tables 2>/dev/null | grep -c rawnet)" 0

# 4. Marks. R1 sends 10.77.8.0/22 and fd77:8::/30 on to R2. R2 forwards
#    10.77.8.0/22 towards B but rejects .8.1 as host unreachable (!H), .9.1
#    as net unreachable (!N), .10.1 as administratively prohibited (!X):
#    rules on its forward hook, so the TTL-2 probes still expire there and
#    the marks come at hop 3. For IPv6 it rejects fd77:8::1 (!H) and has no
#    route for fd77:9::/64 (!N, hop 2) and a prohibit route for fd77:a::/64.
ip -n "${NS_R[1]}" route add 10.77.8.0/22 via 10.77.2.2
ip -n "${NS_R[1]}" -6 route add fd77:8::/30 via fd77:2::2
ip -n "${NS_R[2]}" route add 10.77.8.0/22 via 10.77.3.2
ip -n "${NS_R[2]}" -6 route add fd77:8::/64 via fd77:3::2
ip -n "${NS_R[2]}" -6 route add prohibit fd77:a::/64
ip netns exec "${NS_R[2]}" nft -f - <<'EOF'
table inet t {
	chain fw {
		type filter hook forward priority 0;
		ip daddr 10.77.8.1 reject with icmp type host-unreachable
		ip daddr 10.77.9.1 reject with icmp type net-unreachable
		ip daddr 10.77.10.1 reject with icmp type admin-prohibited
		ip6 daddr fd77:8::1 reject with icmpv6 type addr-unreachable
	}
}
EOF
same_as_traceroute "!H (reject rule)" -n -w 1 10.77.8.1
like "!H: from R2 at hop 3" "$OURS" '^ 3  10\.77\.2\.2  [0-9.]+ ms !H  [0-9.]+ ms !H  [0-9.]+ ms !H$'
same_as_traceroute "!N" -n -w 1 10.77.9.1
like "!N: from R2 at hop 3" "$OURS" '^ 3  10\.77\.2\.2  [0-9.]+ ms !N  [0-9.]+ ms !N  [0-9.]+ ms !N$'
unlike "!N: the trace ends there" "$OURS" '^ 4 '
same_as_traceroute "!X" -n -w 1 10.77.10.1
like "!X: from R2 at hop 3" "$OURS" '^ 3  10\.77\.2\.2  [0-9.]+ ms !X'
same_as_traceroute "ICMP !H" -n -I -w 1 10.77.8.1
same_as_traceroute "TCP !X" -n -T -w 1 10.77.10.1
same_as_traceroute "IPv6 !H" -n -6 -w 1 fd77:8::1
like "IPv6 !H from R2 at hop 3" "$OURS" '^ 3  fd77:2::2  [0-9.]+ ms !H'
same_as_traceroute "IPv6 !N (no route)" -n -6 -w 1 fd77:9::1
like "IPv6 !N from R2 at hop 2" "$OURS" '^ 2  fd77:2::2  [0-9.]+ ms !N'
same_as_traceroute "IPv6 !X (prohibit route)" -n -6 -w 1 fd77:a::1
like "IPv6 !X from R2 at hop 2" "$OURS" '^ 2  fd77:2::2  [0-9.]+ ms !X'

# 5. A silent hop: R1 sends no time-exceeded; the later hops still come.
ip netns exec "${NS_R[1]}" nft add table ip s
ip netns exec "${NS_R[1]}" nft add chain ip s out '{ type filter hook output priority 0; }'
ip netns exec "${NS_R[1]}" nft add rule ip s out icmp type time-exceeded drop
same_as_traceroute "silent R1" -n -w 1 "$IP_B"
like "silent R1: * * * at hop 1, then R2 and B" "$OURS" $'^ 1  \\* \\* \\*\n 2  10\\.77\\.2\\.2 '
# ... and a destination that never answers: stars to -m, exit 0.
ip -n "${NS_R[2]}" route add blackhole 10.77.11.0/24
same_as_traceroute "blackhole, -m 4 -q 1 -w 0.5" -n -m 4 -q 1 -w 0.5 10.77.11.1
like "blackhole: hop 4 is a star" "$OURS" '^ 4  \*$'

# 6. Equal-cost paths (ECMP): R1 balances 10.77.30.1 (an address of B) over
#    R2 and a second router X by a hash of addresses and ports
#    (fib_multipath_hash_policy=1). traceroute(8) changes the port for each
#    probe and sees both at hop 2; our probes are one flow and take one path.
NS_X="${NS_PREFIX}x"
_ns_add "$NS_X"
ip netns exec "$NS_X" sysctl -qw net.ipv4.ip_forward=1 net.ipv4.icmp_ratelimit=0 net.ipv4.icmp_ratemask=0
ip link add e0 netns "${NS_R[1]}" type veth peer name l0 netns "$NS_X"
ip link add r0 netns "$NS_X" type veth peer name e0 netns "$NS_B"
_ns_addr "${NS_R[1]}" e0 10.77.20.1 fd77:20::1
_ns_addr "$NS_X" l0 10.77.20.2 fd77:20::2
_ns_addr "$NS_X" r0 10.77.21.1 fd77:21::1
_ns_addr "$NS_B" e0 10.77.21.2 fd77:21::2
ip -n "$NS_B" addr add 10.77.30.1/32 dev lo
ip -n "$NS_X" route add 10.77.1.0/24 via 10.77.20.1
ip -n "$NS_X" route add 10.77.30.1/32 via 10.77.21.2
ip -n "${NS_R[2]}" route add 10.77.30.1/32 via 10.77.3.2
ip netns exec "${NS_R[1]}" sysctl -qw net.ipv4.fib_multipath_hash_policy=1
ip -n "${NS_R[1]}" route add 10.77.30.1/32 nexthop via 10.77.2.2 nexthop via 10.77.20.2
hop2_addrs() { awk '$1 == 2' | grep -oE '10\.77\.[0-9]+\.[0-9]+' | sort -u | wc -l; }
n=$(in_ns "$NS_A" traceroute -n -q 10 10.77.30.1 2>&1 | hop2_addrs)
[ "$n" = 2 ] || n=$(in_ns "$NS_A" traceroute -n -q 10 10.77.30.1 2>&1 | hop2_addrs) # 1 in 512 per try
is "ECMP: traceroute(8)'s probes take both paths at hop 2" "$n" 2
for m in -U -I -T; do
	out=$(in_ns "$NS_A" "$RAWNET" traceroute -n -q 10 $m 10.77.30.1 2>&1)
	is "ECMP $m: our 10 probes at hop 2 all take one path (Paris)" "$(printf '%s\n' "$out" | hop2_addrs)" 1
	like "ECMP $m: and reach B" "$out" '^ 3  10\.77\.30\.1 '
done

# 7. Usage and errors: exit 2 with a message naming the input.
err=$(in_ns "$NS_A" "$RAWNET" traceroute -n nosuch.invalid 2>&1); rc=$?
is "unresolvable name: exit 2" "$rc" 2
like "unresolvable name: named" "$err" 'nosuch\.invalid'
err=$(in_ns "$NS_A" "$RAWNET" traceroute -q 11 "$IP_B" 2>&1); rc=$?
is "-q 11: exit 2" "$rc" 2
like "-q 11: out of range" "$err" '-q: 11 is out of range'
err=$(in_ns "$NS_A" "$RAWNET" traceroute -m 5 -f 6 "$IP_B" 2>&1); rc=$?
is "-f past -m: exit 2" "$rc" 2
in_ns "$NS_A" "$RAWNET" traceroute --help | grep -q '^usage: rawnet traceroute'
is "--help prints the usage" "$?" 0

done_testing

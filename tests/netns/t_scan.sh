# rawnet scan through two routers (A - R1 - R2 - B, stock offloads): the
# TCP SYN scan finds the same open, closed and filtered ports as nmap -sS on
# the same setup (listeners in B, an nft drop rule in B, an admin-prohibited
# reject in R2), over IPv4 and IPv6, for a host and for a CIDR block; -oG
# and --json say the same; unanswered SYNs are sent exactly twice; the ARP
# sweep finds what arp-scan finds and the ping sweep what nmap -sn finds;
# usage errors and the exit status when nothing answers.
. "$(dirname "$0")/lib.sh"
need_root
RN_OFFLOADS=stock
ns_chain 2
ip -n "$NS_B" addr add 10.77.3.3/24 dev "$IF_B"
ip -n "${NS_R[1]}" addr add 10.77.1.5/24 dev l0
ip -n "${NS_R[1]}" route add 10.77.11.0/24 via 10.77.2.2
ip -n "${NS_R[2]}" route add blackhole 10.77.11.0/24

# Open: 8080 and 8090 (both families). Filtered: 8081 dropped by B, 8082
# rejected by R2 as administratively prohibited. Every other port is closed.
for p in 8080 8090; do
	BG_OUT=/dev/null bg_ns "$NS_B" socat TCP6-LISTEN:$p,ipv6only=0,fork,reuseaddr /dev/null
	wait_port "$NS_B" $p || not_ok "socat listens on $p"
done
ip netns exec "$NS_B" nft add table inet f
ip netns exec "$NS_B" nft add chain inet f in '{ type filter hook input priority 0; }'
ip netns exec "$NS_B" nft add rule inet f in tcp dport 8081 drop
ip netns exec "${NS_R[2]}" nft add table inet f
ip netns exec "${NS_R[2]}" nft add chain inet f fw '{ type filter hook forward priority 0; }'
ip netns exec "${NS_R[2]}" nft add rule inet f fw tcp dport 8082 reject with icmpx type admin-prohibited

# The port lines (PORT STATE, the service column aside) and the "Not shown" line.
ports_of() { grep -E '^([0-9]+/tcp +[a-z]+|Not shown:)' | awk '/^Not shown/ { print; next } { print $1, $2 }'; }

# 1. One host, IPv4 and IPv6, against nmap.
capture_start "$NS_B" "$IF_B" "$TMP/b.pcap" -Q in 'tcp dst port 8081' || not_ok "capture started"
ours=$(in_ns "$NS_A" "$RAWNET" scan -p 8000-8100 "$IP_B" 2>&1); rc=$?
capture_stop
is "IPv4 scan exits 0" "$rc" 0
theirs=$(in_ns "$NS_A" nmap -sS -n -Pn -T4 -p 8000-8100 "$IP_B" 2>&1)
is "IPv4: ports as nmap -sS finds them" "$(printf '%s\n' "$ours" | ports_of)" "$(printf '%s\n' "$theirs" | ports_of)"
like "IPv4: 8080 open" "$ours" '^8080/tcp +open '
like "IPv4: 8081 filtered" "$ours" '^8081/tcp +filtered '
like "IPv4: closed summarised as nmap does" "$ours" '^Not shown: 97 closed tcp ports \(reset\)$'
like "IPv4: report header" "$ours" '^rawnet scan report for 10\.77\.3\.2$'
like "IPv4: done line" "$ours" '^rawnet scan done: 1 IP address \(1 host up\) scanned in [0-9.]+ seconds$'
is "the dropped port got its SYN twice (one retransmission)" "$(tshark_count "$TMP/b.pcap" 'tcp.flags.syn==1')" 2

ours=$(in_ns "$NS_A" "$RAWNET" scan -6 -p 8000-8100 "$IP6_B" 2>&1); rc=$?
is "IPv6 scan exits 0" "$rc" 0
theirs=$(in_ns "$NS_A" nmap -6 -sS -n -Pn -T4 -p 8000-8100 "$IP6_B" 2>&1)
is "IPv6: ports as nmap -sS finds them" "$(printf '%s\n' "$ours" | ports_of)" "$(printf '%s\n' "$theirs" | ports_of)"
like "IPv6: 8090 open" "$ours" '^8090/tcp +open '

# 2. Grepable and JSON output say the same.
g=$(in_ns "$NS_A" "$RAWNET" scan -p 8000-8100 -oG - "$IP_B" 2>&1)
ng=$(in_ns "$NS_A" nmap -sS -n -Pn -T4 -p 8000-8100 -oG - "$IP_B" 2>&1)
gports() { grep -E '^Host: .*Ports:' | grep -oE '[0-9]+/[a-z]+/tcp|Ignored State: [a-z]+ \([0-9]+\)' | sort; }
is "-oG -: ports and ignored state as nmap -oG" "$(printf '%s\n' "$g" | gports)" "$(printf '%s\n' "$ng" | gports)"
unlike "-oG -: no normal output mixed in" "$g" '^rawnet scan report'
in_ns "$NS_A" "$RAWNET" scan -p 8080-8082 -oG "$TMP/g.txt" "$IP_B" >"$TMP/normal.txt" 2>&1
like "-oG FILE: the file has the ports" "$(cat "$TMP/g.txt")" 'Ports: 8080/open/tcp//[^/]*///, 8081/filtered/tcp//[^/]*///, 8082/filtered/tcp//'
like "-oG FILE: normal output still on stdout" "$(cat "$TMP/normal.txt")" '^8080/tcp +open '
j=$(in_ns "$NS_A" "$RAWNET" scan --json -p 8000-8100 "$IP_B" 2>/dev/null)
is "--json: open ports" "$(printf '%s' "$j" | jq -c '[.hosts[0].ports[] | select(.state=="open") | .port]')" "[8080,8090]"
is "--json: filtered ports and reasons" \
	"$(printf '%s' "$j" | jq -c '[.hosts[0].ports[] | select(.state=="filtered") | [.port, .reason]]')" \
	'[[8081,"no-response"],[8082,"admin-prohibited"]]'
is "--json: closed summarised" "$(printf '%s' "$j" | jq -c '.hosts[0].not_shown')" \
	'[{"state":"closed","reason":"reset","count":97}]'

# 3. A CIDR block: the hosts that are up and their ports, as nmap.
ours=$(in_ns "$NS_A" "$RAWNET" scan -p 8080,8081 10.77.3.0/30 2>&1); rc=$?
is "CIDR scan exits 0" "$rc" 0
theirs=$(NS_TIMEOUT=60 in_ns "$NS_A" nmap -sS -n -T4 -p 8080,8081 10.77.3.0/30 2>&1)
hosts() { grep -E 'scan report for|^[0-9]+/tcp' | awk '/report/ { print $NF; next } { print $1, $2 }'; }
is "CIDR: hosts and ports as nmap" "$(printf '%s\n' "$ours" | hosts)" "$(printf '%s\n' "$theirs" | hosts)"
like "CIDR: 3 hosts up of 4" "$ours" '^rawnet scan done: 4 IP addresses \(3 hosts up\)'

# 4. ARP sweep of A's link, against arp-scan; ping sweep against nmap -sn.
ours=$(in_ns "$NS_A" "$RAWNET" scan --arp 10.77.1.0/29 2>&1); rc=$?
is "--arp exits 0" "$rc" 0
theirs=$(in_ns "$NS_A" arp-scan -I "$IF_A" -q -x 10.77.1.0/29 2>&1)
is "--arp: hosts and MACs as arp-scan" "$(printf '%s\n' "$ours" | grep -E '^[0-9.]+\s' | sort)" \
	"$(printf '%s\n' "$theirs" | awk '{ print $1 "\t" $2 }' | sort)"
like "--arp: two answers (R1 has two addresses)" "$ours" 'Ending ARP scan: 8 addresses scanned in [0-9.]+ seconds, 2 responded'
ours=$(in_ns "$NS_A" "$RAWNET" scan --ping 10.77.3.0/30 2>&1); rc=$?
is "--ping exits 0" "$rc" 0
theirs=$(NS_TIMEOUT=60 in_ns "$NS_A" nmap -sn -n 10.77.3.0/30 2>&1)
is "--ping: hosts as nmap -sn" "$(printf '%s\n' "$ours" | awk '/ is alive / { print $1 }')" \
	"$(printf '%s\n' "$theirs" | awk '/scan report for/ { print $NF }')"
ours=$(in_ns "$NS_A" "$RAWNET" scan --ping -6 fd77:3::1-fd77:3::3 2>&1)
is "--ping IPv6: R2 and B" "$(printf '%s\n' "$ours" | awk '/ is alive / { print $1 }')" "fd77:3::1
fd77:3::2"

# 5. Nothing answers: exit 1. Errors: exit 2, naming the input.
ours=$(in_ns "$NS_A" "$RAWNET" scan -p 80 10.77.11.1 2>&1); rc=$?
is "a silent host: exit 1" "$rc" 1
like "a silent host: its ports filtered (no-response)" "$ours" '^80/tcp +filtered '
like "a silent host: reported as not answering" "$ours" '^Host did not answer\.$'
err=$(in_ns "$NS_A" "$RAWNET" scan -p 0-10 "$IP_B" 2>&1); rc=$?
is "-p 0-10: exit 2" "$rc" 2
like "-p 0-10: says why" "$err" '-p: .*0'
err=$(in_ns "$NS_A" "$RAWNET" scan -p 80 10.77.3.0/33 2>&1); rc=$?
is "a bad CIDR: exit 2" "$rc" 2
like "a bad CIDR: named" "$err" '10\.77\.3\.0/33'
err=$(in_ns "$NS_A" "$RAWNET" scan -p 80 "$IP_B" "$IP6_B" 2>&1); rc=$?
is "mixed families: exit 2" "$rc" 2
err=$(in_ns "$NS_A" "$RAWNET" scan --arp -6 fd77:3::/120 2>&1); rc=$?
is "--arp -6: exit 2" "$rc" 2

done_testing

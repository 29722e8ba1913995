#!/bin/bash
# modes: stock off
# rawnet send between two namespaces: crafted SYNs answered by a listening
# kernel socket at every --layer (IPv4 and IPv6), UDP payloads arriving
# intact, --hex bytes arriving as given, a silent destination (exit 1), bad
# specs (exit 2 with the message), --dry-run sending nothing, and tshark
# finding no bad checksum in anything sent except the ones set wrong on purpose.
. "$(dirname "$0")/lib.sh"
need_root
ns_pair

R=$RAWNET
CAP=$TMP/sent.pcap
# Everything A sends, as B receives it.
capture_start "$NS_B" "$IF_B" "$CAP" -Q in || not_ok "capture started"

BG_OUT=$TMP/tcp4.log bg_ns "$NS_B" socat TCP4-LISTEN:8080,reuseaddr,fork SYSTEM:true
BG_OUT=$TMP/tcp6.log bg_ns "$NS_B" socat TCP6-LISTEN:8080,reuseaddr,fork,ipv6only=1 SYSTEM:true
BG_OUT=$TMP/udp4.err bg_ns "$NS_B" socat -u UDP4-RECV:9000 OPEN:"$TMP/udp4.out",creat,append
BG_OUT=$TMP/udp6.err bg_ns "$NS_B" socat -u UDP6-RECV:9000,ipv6only=1 OPEN:"$TMP/udp6.out",creat,append
wait_port "$NS_B" 8080 || not_ok "listener on 8080"
for _ in $(seq 30); do # both UDP listeners bound
	[ "$(ip netns exec "$NS_B" ss -Hlun 'sport = :9000' | wc -l)" -ge 2 ] && break
	sleep 0.1
done

send() { in_ns "$NS_A" "$R" send "$@"; }

# --- a SYN to a listening socket is answered with a SYN-ACK, at each layer ---
for layer in l2 ip l4; do
	out=$(send --layer $layer --reply -W 2 "ip dst=$IP_B / tcp dport=8080 flags=S seq=1000" 2>&1)
	rc=$?
	is "SYN at --layer $layer: exit 0" "$rc" 0
	like "SYN at --layer $layer: the SYN-ACK is printed" "$out" \
		"^< IP $IP_B\.8080 > $IP_A\.[0-9]+: Flags \[S\.\], seq [0-9]+, ack 1001, .*\(rtt [0-9.]+ ms\)"
	like "SYN at --layer $layer: the probe is printed" "$out" "^> .*$IP_A\.[0-9]+ > $IP_B\.8080: Flags \[S\], seq 1000,"
	like "SYN at --layer $layer: summary" "$out" "^1 packet sent, 1 answered$"
	out=$(send --layer $layer --reply -W 2 "ip6 dst=$IP6_B / tcp dport=8080 flags=S seq=7" 2>&1)
	rc=$?
	is "IPv6 SYN at --layer $layer: exit 0" "$rc" 0
	like "IPv6 SYN at --layer $layer: the SYN-ACK is printed" "$out" \
		"^< IP6 $IP6_B\.8080 > $IP6_A\.[0-9]+: Flags \[S\.\], seq [0-9]+, ack 8, "
done
# By now A's kernel knows B (it sent RSTs to the SYN-ACKs): a dry run at l2
# takes B's MAC from the neighbour table, without soliciting.
for dst in "$IP_B" "$IP6_B"; do
	v=ip; [ "$dst" = "$IP6_B" ] && v=ip6
	out=$(send --dry-run --layer l2 "$v dst=$dst / udp dport=9" 2>&1)
	like "l2 dry run to $dst: MAC from the neighbour table" "$out" "^$MAC_A > $MAC_B, ethertype IPv"
	unlike "l2 dry run to $dst: no warning" "$out" "no MAC address"
done
# A closed port answers RST+ACK; the l2 frame also shows its link header.
out=$(send --reply -W 2 -c 2 -i 0.05 "eth / ip dst=$IP_B / tcp sport=4242 dport=8081 flags=S" 2>&1)
like "RST from a closed port, twice" "$out" "2 packets sent, 2 answered"
like "the RST is printed" "$out" "^< IP $IP_B\.8081 > $IP_A\.4242: Flags \[R\.\]"
like "the l2 frame is printed with its link header" "$out" "^> $MAC_A > $MAC_B, ethertype IPv4"
# ICMP echo with -c: each reply matched by id and seq.
out=$(send --reply -W 2 -c 3 -i 0.05 "ip dst=$IP_B / icmp / raw \"Hello world!\"" 2>&1)
like "ICMP echo x3 answered" "$out" "3 packets sent, 3 answered"
like "echo reply seq 3" "$out" "^< IP $IP_B > $IP_A: ICMP echo reply, id [0-9]+, seq 3, length 20"
out=$(send --reply -W 2 "ip6 dst=$IP6_B hlim=9 / icmp6 id=77 seq=5" 2>&1)
like "ICMPv6 echo answered" "$out" "^< IP6 $IP6_B > $IP6_A: ICMP6, echo reply, id 77, seq 5"
# A neighbour solicitation (hop limit 255 by default, as RFC 4861 requires)
# and B's advertisement.
out=$(send --reply -W 2 "ip6 dst=$IP6_B / icmp6 type=135 target=$IP6_B" 2>&1)
like "ND: the solicitation is answered" "$out" "^< IP6 $IP6_B > $IP6_A: ICMP6, neighbor advertisement, tgt is $IP6_B"
# UDP to a closed port: the ICMP error quoting the probe is its answer.
out=$(send --reply -W 2 "ip dst=$IP_B / udp sport=4343 dport=33434" 2>&1)
like "UDP: the port unreachable quoting it answers" "$out" \
	"^< IP $IP_B > $IP_A: ICMP $IP_B udp port 33434 unreachable"
out=$(send --reply -W 2 "ip6 dst=$IP6_B / udp dport=33434" 2>&1)
like "UDP over IPv6: the port unreachable answers" "$out" \
	"^< IP6 $IP6_B > $IP6_A: ICMP6, destination unreachable, unreachable port, $IP6_B udp port 33434"
# Without --layer an ip spec goes out at ip (IP_HDRINCL): the id set is kept.
send -q "ip dst=$IP_B id=4321 / udp dport=9002"
# ARP who-has and its is-at.
out=$(send --reply -W 2 "arp pdst=$IP_B" 2>&1)
like "ARP request answered" "$out" "^< .*Reply $IP_B is-at $MAC_B"

# --- UDP payloads arrive intact, at each layer and over IPv6 ---
send --layer l2 -q "ip dst=$IP_B / udp sport=5000 dport=9000 / raw \"l2 line\\n\""
send --layer ip -q "ip dst=$IP_B / udp dport=9000 / raw \"ip line\\n\""
send --layer l4 -q ip dst="$IP_B" / udp dport=9000 / raw 'l4 line, a / inside\n'
send -q "ip6 dst=$IP6_B / udp dport=9000 / raw hex=7636206c696e650a"
send --layer l4 -q "ip6 dst=$IP6_B / udp dport=9000 / raw \"v6 l4\\tline\\n\""
sleep 0.3
is "UDP over IPv4 arrives intact" "$(cat "$TMP/udp4.out" 2>/dev/null)" "l2 line
ip line
l4 line, a / inside"
is "UDP over IPv6 arrives intact" "$(cat "$TMP/udp6.out" 2>/dev/null)" "v6 line
v6 l4	line"

# --- --hex: bytes sent as given ---
frame="${MAC_B//:/}${MAC_A//:/}88b5726177206279746573"       # eth, type 0x88b5, "raw bytes"
out=$(send -I "$IF_A" --hex "$frame" 2>&1)
is "--hex at l2 sends" "$?" 0
# An ICMP echo request by hand (checksum included), at l4 with the destination from a spec.
out=$(send --layer l4 --reply -W 2 --hex 0800e5ca12340001 "ip dst=$IP_B proto=icmp" 2>&1)
like "--hex at l4: the echo is answered" "$out" "ICMP echo reply, id 4660, seq 1, length 8"
# A whole IPv4/UDP packet at --layer ip: 10.77.0.1:7 -> 10.77.0.2:9000 "hex!\n".
pkt=45000021abcd0000401100000a4d00010a4d0002
pkt+=00072328000d0000686578210a
send --layer ip -q --hex "$pkt"
sleep 0.2
like "--hex at --layer ip arrives" "$(cat "$TMP/udp4.out")" "hex!"

# --- this host itself over lo (B's lo, B's own listener): --reply sees the
# SYN-ACK; at l2 IPv4 the kernel drops the frame as martian, and says so ---
for layer in ip l4; do
	out=$(in_ns "$NS_B" "$R" send --layer $layer --reply -W 2 "ip dst=127.0.0.1 / tcp dport=8080 flags=S seq=1000" 2>&1)
	like "lo, 127.0.0.1 at --layer $layer: the SYN-ACK" "$out" "^< IP 127\.0\.0\.1\.8080 > 127\.0\.0\.1\.[0-9]+: Flags \[S\.\], seq [0-9]+, ack 1001,"
done
for layer in l2 ip l4; do
	out=$(in_ns "$NS_B" "$R" send --layer $layer --reply -W 2 "ip6 dst=::1 / tcp dport=8080 flags=S seq=7" 2>&1)
	like "lo, ::1 at --layer $layer: the SYN-ACK" "$out" "^< IP6 ::1\.8080 > ::1\.[0-9]+: Flags \[S\.\], seq [0-9]+, ack 8,"
done
out=$(in_ns "$NS_B" "$R" send --layer l2 -W 0.5 --reply "ip dst=127.0.0.1 / tcp dport=8080 flags=S" 2>&1)
like "lo, IPv4 at --layer l2: the martian rule explained" "$out" "--layer l2 on lo: the kernel drops IPv4 frames .*--layer ip reaches it"

# --- failures ---
out=$(send --reply -W 0.5 "ip dst=10.77.0.99 / tcp dport=80" 2>&1)
is "a silent destination: exit 1" "$?" 1
like "... and says so" "$out" "1 packet sent, 0 answered"
out=$(send "ip dst=$IP_B / tcp dport=99999" 2>&1)
is "a bad spec: exit 2" "$?" 2
like "... with the message" "$out" "rawnet send: dport: 99999 is not a port"
like "... pointing at the token" "$out" "^ +\^~~~~~~~~~~$"
out=$(send ip dst="$IP_B" / tcpp 2>&1)
is "an unknown layer: exit 2" "$?" 2
like "... named" "$out" "tcpp: unknown layer"
out=$(send "tcp dport=80" 2>&1)
is "no destination: exit 2" "$?" 2
like "... explained" "$out" "needs an ip or ip6 layer"
out=$(send --layer l4 "ip dst=$IP_B id=5 / tcp" 2>&1)
is "ip id at l4: exit 2" "$?" 2

# --- the source address is the one the kernel's route gives ---
ip -n "$NS_A" addr add 10.77.0.11/24 dev "$IF_A"
ip -n "$NS_A" addr add fd77::11/64 dev "$IF_A" nodad
ip -n "$NS_A" route add 10.77.0.33/32 dev "$IF_A" src 10.77.0.11
ip -n "$NS_A" -6 route add fd77::33/128 dev "$IF_A" src fd77::11
out=$(send --dry-run "ip dst=10.77.0.33 / udp dport=9" 2>&1)
like "source from the route (IPv4): 10.77.0.11" "$out" "^IP 10\.77\.0\.11\.[0-9]+ > 10\.77\.0\.33\.9: UDP"
out=$(send --dry-run "ip6 dst=fd77::33 / udp dport=9" 2>&1)
like "source from the route (IPv6): fd77::11" "$out" "^IP6 fd77::11\.[0-9]+ > fd77::33\.9: UDP"

# --- --dry-run sends nothing ---
out=$(send --dry-run "ip dst=$IP_B / tcp dport=7777 / raw hi" 2>&1)
is "--dry-run: exit 0" "$?" 0
like "--dry-run prints the packet" "$out" "^IP $IP_A\.[0-9]+ > $IP_B\.7777: Flags \[S\]"
like "--dry-run prints the hex dump" "$out" "^	0x0000:  4500 002a "

# --- rates ---
out=$(send --flood -c 200 "ip dst=$IP_B / udp sport=6000 dport=9001" 2>&1)
like "--flood -c 200" "$out" "^200 packets sent \(5600 bytes\)"
out=$(send --rate 100 -c 5 -Z nobody "ip dst=$IP_B / udp sport=6001 dport=9001" 2>&1)
like "--rate 100 -c 5 as nobody" "$out" "^5 packets sent$"
# --rate 40 -c 9: eight gaps of 25 ms, so at least 0.2 s (and not much more).
t0=$(date +%s%N)
send -q --rate 40 -c 9 "ip dst=$IP_B / udp sport=6002 dport=9001"
ms=$((($(date +%s%N) - t0) / 1000000))
check "--rate 40 -c 9 takes 0.2 s (${ms} ms)" test "$ms" -ge 195 -a "$ms" -le 700

# --- checksums set wrong on purpose, and the capture checked by tshark ---
send -q "ip dst=$IP_B / tcp dport=8082 chksum=0xbad"
send -q --layer l2 "ip dst=$IP_B chksum=0x1234 / udp dport=8083"
capture_stop
is "the dry run sent nothing" "$(tshark_count "$CAP" "tcp.dstport==7777")" 0
is "the --hex frame arrived as given" \
	"$(tcpdump -r "$CAP" -xx 'ether proto 0x88b5' 2>/dev/null | sed -n 's/^[[:space:]]*0x[0-9a-f]*:[[:space:]]*//p' | tr -d ' \n')" \
	"${frame}"
is "200 + 5 + 9 UDP packets arrived" "$(tshark_count "$CAP" "udp.dstport==9001")" 214
is "the default layer for an ip spec is ip: the IP header is ours (id 4321)" \
	"$(tshark_count "$CAP" "ip.id==4321 && udp.dstport==9002")" 1
# rawnet sends no RST here: the RSTs are A's kernel's answers to the SYN-ACKs,
# and on a stock veth (IPv6) their checksum is left to the NIC, unfilled.
bad=$(timeout 60 tshark -n -r "$CAP" -o ip.check_checksum:TRUE -o tcp.check_checksum:TRUE \
	-o udp.check_checksum:TRUE \
	-Y '(ip.checksum.status==0 || tcp.checksum.status==0 || udp.checksum.status==0 || icmp.checksum.status==0 || icmpv6.checksum.status==0) && !tcp.flags.reset==1' \
	-T fields -e tcp.dstport -e udp.dstport 2>/dev/null | tr '\t' ' ' | sed 's/ *$//' | sort | tr '\n' ,)
is "tshark: the only bad checksums are the two set on purpose" "$bad" " 8083,8082,"
is "bad_checksums counts them" "$(bad_checksums "$CAP" '!tcp.flags.reset==1')" 2
done_testing

#!/bin/bash
# modes: stock off
# rawnet tcp against kernel peers in namespace A (socat, python3 sockets):
# echo with a full trace and no RST from B's kernel, a foreign address (ARP
# and ND answered by rawnet), upload with the bytes verified at the server,
# reset mid-transfer, connect timeouts, and a receiver whose window stays
# zero for 5 s.
. "$(dirname "$0")/lib.sh"
need_root
ns_pair
PY=/usr/bin/python3
[ -x $PY ] || PY=python3

BG_OUT=$TMP/echo.log bg_ns "$NS_A" socat TCP6-LISTEN:7,reuseaddr,fork,ipv6only=0 EXEC:cat
wait_port "$NS_A" 7 || not_ok "echo server listens"

# --- echo, with B's own address: the nftables rule keeps B's kernel quiet ---
capture_start "$NS_B" "$IF_B" "$TMP/echo.pcap" tcp port 7
out=$(NS_TIMEOUT=20 in_ns "$NS_B" "$RAWNET" tcp --trace --send hello "$IP_A" 7 2>"$TMP/trace")
rc=$?
capture_stop
trace=$(cat "$TMP/trace")
is "echo: exit 0" "$rc" 0
is "echo: the reply is hello" "$out" hello
like "echo: says it adds the firewall rule" "$trace" "10\.77\.0\.2 is this host's address: nftables table inet rawnet_"
like "echo: SYN out" "$trace" "^10\.77\.0\.2:[0-9]+ > 10\.77\.0\.1:7  Flags \[S\]  seq [0-9]+  win [0-9]+  len 0  <mss 1460,sackOK,TS val [0-9]+ ecr 0,nop,wscale [0-9]+>"
like "echo: SYN-ACK in" "$trace" "^10\.77\.0\.1:7 > 10\.77\.0\.2:[0-9]+  Flags \[S\.\]  seq [0-9]+  ack [0-9]+  win"
like "echo: handshake ACK out" "$trace" "^10\.77\.0\.2:[0-9]+ > 10\.77\.0\.1:7  Flags \[\.\]  seq [0-9]+  ack [0-9]+  win [0-9]+  len 0"
like "echo: state change" "$trace" "^SYN-SENT -> ESTABLISHED$"
like "echo: data out" "$trace" "^10\.77\.0\.2:[0-9]+ > 10\.77\.0\.1:7  Flags \[P\.\].*len 5"
like "echo: data in" "$trace" "^10\.77\.0\.1:7 > 10\.77\.0\.2:[0-9]+  Flags \[P\.\].*len 5"
like "echo: our FIN" "$trace" "^10\.77\.0\.2:[0-9]+ > 10\.77\.0\.1:7  Flags \[F\.\]"
like "echo: their FIN" "$trace" "^10\.77\.0\.1:7 > 10\.77\.0\.2:[0-9]+  Flags \[F?P?\.?F?\.\]|^10\.77\.0\.1:7 > 10\.77\.0\.2:[0-9]+  Flags \[F\.\]"
like "echo: reaches TIME-WAIT" "$trace" "-> TIME-WAIT$"
n=$(timeout 10 tcpdump -n -r "$TMP/echo.pcap" 'tcp[tcpflags] & tcp-rst != 0' 2>/dev/null | wc -l)
is "echo: the capture holds no RST" "$n" 0
n=$(timeout 10 tcpdump -n -r "$TMP/echo.pcap" 'src host 10.77.0.2 and tcp[tcpflags] & (tcp-syn|tcp-fin) != 0' 2>/dev/null | wc -l)
is "echo: the capture holds our SYN and FIN" "$n" 2
# what rawnet sent (A's kernel leaves its checksums to the NIC on a stock veth)
is "echo: bad checksums in what rawnet sent" "$(bad_checksums "$TMP/echo.pcap" "ip.src==$IP_B")" 0
tables=$(ip netns exec "$NS_B" nft list tables 2>&1)
unlike "echo: the nftables table is gone at exit" "$tables" rawnet_

# --- an address nobody has: rawnet answers ARP / ND for it itself ---
out=$(NS_TIMEOUT=20 in_ns "$NS_B" "$RAWNET" tcp --send 'foreign\n' --source-ip 10.77.0.3 "$IP_A" 7 2>&1)
is "foreign IPv4: exit 0, reply" "$?:$out" "0:foreign"
neigh=$(ip -n "$NS_A" neigh show 10.77.0.3)
like "foreign IPv4: A learned our MAC by ARP" "$neigh" "lladdr $MAC_B"
out=$(NS_TIMEOUT=20 in_ns "$NS_B" "$RAWNET" tcp --send six --source-ip fd77::3 "$IP6_A" 7 2>&1)
is "foreign IPv6: exit 0, reply" "$?:$out" "0:six"
neigh=$(ip -n "$NS_A" -6 neigh show fd77::3)
like "foreign IPv6: A learned our MAC by ND" "$neigh" "lladdr $MAC_B"
out=$(NS_TIMEOUT=20 in_ns "$NS_B" "$RAWNET" tcp --no-firewall --send x "$IP_A" 7 2>&1)
like "--no-firewall prints the rule" "$out" "nft add rule inet rawnet out ip saddr 10\.77\.0\.2 ip daddr 10\.77\.0\.1 tcp dport 7 tcp flags '&' rst == rst counter drop"
like "--no-firewall: without the rule, B's kernel resets the connection" "$out" "connection reset by peer"
printf '%s\n' "$out" | grep '^nft ' >"$TMP/rules.sh"
ip netns exec "$NS_B" bash "$TMP/rules.sh"
out=$(NS_TIMEOUT=20 in_ns "$NS_B" "$RAWNET" tcp --no-firewall --send pasted "$IP_A" 7 2>/dev/null)
is "--no-firewall: with the printed rules added, exit 0, reply" "$?:$out" "0:pasted"
like "--no-firewall: the printed rule dropped B's kernel's RSTs" "$(ip netns exec "$NS_B" nft list table inet rawnet)" "counter packets [1-9]"
ip netns exec "$NS_B" nft delete table inet rawnet

out=$(NS_TIMEOUT=20 in_ns "$NS_B" "$RAWNET" tcp --send mac --source-ip 10.77.0.3 --source-mac 02:77:00:00:00:03 "$IP_A" 7 2>&1)
is "--source-mac: exit 0, reply" "$?:$out" "0:mac"
like "--source-mac: A learned that MAC" "$(ip -n "$NS_A" neigh show 10.77.0.3)" "lladdr 02:77:00:00:00:03"

# --- a corrupt segment from A (a wrong TCP checksum, sent by rawnet send so
# that no offload is involved) in the middle of a connection is dropped and
# counted; the real data after it arrives as if it had never been ---
go=$TMP/corrupt.go
in_ns "$NS_B" bash -c "for i in \$(seq 150); do [ -e $go ] && break; sleep 0.1; done; printf 'after\n'; sleep 1" |
	NS_TIMEOUT=30 in_ns "$NS_B" "$RAWNET" tcp --trace --source-ip 10.77.0.3 "$IP_A" 7 \
	>"$TMP/corrupt.out" 2>"$TMP/corrupt.trace" &
corrupt_pid=$!
for _ in $(seq 100); do grep -q -- '-> ESTABLISHED' "$TMP/corrupt.trace" 2>/dev/null && break; sleep 0.1; done
synack=$(grep -m1 'Flags \[S\.\]' "$TMP/corrupt.trace")
port=$(sed -n 's/^10\.77\.0\.1:7 > 10\.77\.0\.3:\([0-9]*\) .*/\1/p' <<<"$synack")
seq=$(sed -n 's/.*  seq \([0-9]*\) .*/\1/p' <<<"$synack")
ack=$(sed -n 's/.*  ack \([0-9]*\) .*/\1/p' <<<"$synack")
out=$(in_ns "$NS_A" "$RAWNET" send -q --layer ip \
	"ip src=$IP_A dst=10.77.0.3 / tcp sport=7 dport=${port:-1} seq=$(((${seq:-0} + 1) % 4294967296)) ack=${ack:-0} flags=PA chksum=0xbad / raw EVIL" 2>&1)
is "corrupt segment: sent from A" "$?:$out" "0:"
sleep 0.3
touch "$go"
wait "$corrupt_pid"
is "corrupt segment: exit 0, only the real data arrived" "$?:$(cat "$TMP/corrupt.out")" "0:after"
like "corrupt segment: counted in the stats line" "$(cat "$TMP/corrupt.trace")" "^stats: .*, bad checksum 1,"

# --- this host itself, over lo: an echo server in B on 127.0.0.1 / ::1 and
# B's own address (a fresh namespace's lo); rawnet picks lo by the route ---
BG_OUT=$TMP/echo_b.log bg_ns "$NS_B" socat TCP6-LISTEN:7,reuseaddr,fork,ipv6only=0 EXEC:cat
wait_port "$NS_B" 7 || not_ok "echo server in B listens"
for h in 127.0.0.1 ::1 "$IP_B" "$IP6_B"; do
	out=$(NS_TIMEOUT=20 in_ns "$NS_B" "$RAWNET" tcp --send "lo $h" "$h" 7 2>"$TMP/lo.err")
	is "loopback $h: exit 0, echo" "$?:$out" "0:lo $h"
done
like "loopback: the firewall rule keeps the kernel's RSTs off" "$(cat "$TMP/lo.err")" "is this host's address: nftables table inet rawnet_"
head -c 3000000 /dev/urandom >"$TMP/lo.big"
NS_TIMEOUT=30 in_ns "$NS_B" "$RAWNET" tcp --trace 127.0.0.1 7 <"$TMP/lo.big" >"$TMP/lo.got" 2>"$TMP/lo.trace"
is "loopback: 3 MB echoed byte-exact over 127.0.0.1" "$?:$(cmp "$TMP/lo.big" "$TMP/lo.got" 2>&1)" "0:"
like "loopback: 64 KiB segments in (lo's MTU and TSO)" "$(cat "$TMP/lo.trace")" "^127\.0\.0\.1:7 > 127\.0\.0\.1:[0-9]+  Flags \[P?\.\]  .*len [0-9]{5}"

# --- a connect timeout while the answers did arrive, all with a bad checksum:
# the message says so. A's kernel keeps quiet on port 9 (its RSTs dropped);
# A sends SYN-ACKs with a wrong checksum for our SYN (at l2: past that rule) ---
ip netns exec "$NS_A" nft add table inet quiet
ip netns exec "$NS_A" nft add chain inet quiet out '{ type filter hook output priority 0; }'
ip netns exec "$NS_A" nft add rule inet quiet out tcp sport 9 drop
NS_TIMEOUT=20 in_ns "$NS_B" "$RAWNET" tcp -w 3 --trace --send x --source-ip 10.77.0.3 "$IP_A" 9 \
	>/dev/null 2>"$TMP/badsa.trace" &
badsa_pid=$!
for _ in $(seq 50); do grep -q 'Flags \[S\]' "$TMP/badsa.trace" 2>/dev/null && break; sleep 0.1; done
syn=$(grep -m1 'Flags \[S\]' "$TMP/badsa.trace")
port=$(sed -n 's/^10\.77\.0\.3:\([0-9]*\) .*/\1/p' <<<"$syn")
seq=$(sed -n 's/.*  seq \([0-9]*\) .*/\1/p' <<<"$syn")
in_ns "$NS_A" "$RAWNET" send -q --layer l2 -c 2 -i 0.3 \
	"ip src=$IP_A dst=10.77.0.3 / tcp sport=9 dport=${port:-1} seq=5000 ack=$(((${seq:-0} + 1) % 4294967296)) flags=SA chksum=0xbad"
wait "$badsa_pid"
like "connect timeout after bad-checksum answers: says why in one line" "$(grep -v '^stats' "$TMP/badsa.trace" | tail -n 1)" \
	"^rawnet tcp: connect timeout: no answer from 10\.77\.0\.1:9 after 3 s, but 2 TCP segments arrived with a bad checksum and were dropped"
ip netns exec "$NS_A" nft delete table inet quiet

# --- SIGTERM: the connection is reset and the nftables table removed ---
BG_OUT=$TMP/term.log bg_ns "$NS_B" bash -c "sleep 20 | $RAWNET tcp $IP_A 7"
term_pid=$BG_PID
for _ in $(seq 50); do
	ip netns exec "$NS_B" nft list tables 2>/dev/null | grep -q rawnet_ && break
	sleep 0.1
done
like "SIGTERM: the table exists while connected" "$(ip netns exec "$NS_B" nft list tables)" "table inet rawnet_"
for p in $(ip netns pids "$NS_B"); do # our rawnet only, by its PID
	[ "$(cat "/proc/$p/comm" 2>/dev/null)" = rawnet ] && kill -TERM "$p"
done
for _ in $(seq 50); do
	ip netns exec "$NS_B" nft list tables 2>/dev/null | grep -q rawnet_ || break
	sleep 0.1
done
unlike "SIGTERM: the table is gone" "$(ip netns exec "$NS_B" nft list tables)" rawnet_
like "SIGTERM: says interrupted" "$(cat "$TMP/term.log")" "interrupted"
kill "$term_pid" 2>/dev/null

# --- SIGINT (Ctrl-C) does the same ---
BG_OUT=$TMP/int.log bg_ns "$NS_B" bash -c "sleep 20 | $RAWNET tcp $IP_A 7; echo \"exit \$?\""
int_pid=$BG_PID
for _ in $(seq 50); do
	ip netns exec "$NS_B" nft list tables 2>/dev/null | grep -q rawnet_ && break
	sleep 0.1
done
like "SIGINT: the table exists while connected" "$(ip netns exec "$NS_B" nft list tables)" "table inet rawnet_"
like "the rule matches exactly the 4-tuple" "$(ip netns exec "$NS_B" nft list ruleset)" \
	"ip saddr 10\.77\.0\.2 ip daddr 10\.77\.0\.1 tcp sport [0-9]+ tcp dport 7 tcp flags & rst == rst counter"
for p in $(ip netns pids "$NS_B"); do # our rawnet only, by its PID
	[ "$(cat "/proc/$p/comm" 2>/dev/null)" = rawnet ] && kill -INT "$p"
done
for _ in $(seq 50); do
	grep -q '^exit' "$TMP/int.log" && break
	sleep 0.1
done
unlike "SIGINT: the table is gone" "$(ip netns exec "$NS_B" nft list tables)" rawnet_
like "SIGINT: says interrupted, exit 1" "$(cat "$TMP/int.log")" "interrupted
exit 1"
kill "$int_pid" 2>/dev/null

# --- --source-ip naming the host's own address: the same rule ---
out=$(NS_TIMEOUT=20 in_ns "$NS_B" "$RAWNET" tcp --source-ip 10.77.0.2 --send own "$IP_A" 7 2>"$TMP/err")
is "--source-ip own address: exit 0, reply" "$?:$out" "0:own"
like "--source-ip own address: says it adds the rule" "$(cat "$TMP/err")" "10\.77\.0\.2 is this host's address: nftables table inet rawnet_"

# --- -I names the interface ---
out=$(NS_TIMEOUT=20 in_ns "$NS_B" "$RAWNET" tcp -I "$IF_B" --source-ip 10.77.0.3 --send eye "$IP_A" 7 2>&1)
is "-I $IF_B: exit 0, reply" "$?:$out" "0:eye"
out=$(NS_TIMEOUT=20 in_ns "$NS_B" "$RAWNET" tcp -I nosuch0 --send x "$IP_A" 7 2>&1)
is "-I nosuch0: exit 2" "$?" 2
like "-I nosuch0: names it" "$out" "nosuch0"

# --- IPv6 with B's own address: the rule is an ip6 one, still no RST ---
capture_start "$NS_B" "$IF_B" "$TMP/echo6.pcap" tcp port 7
out=$(NS_TIMEOUT=20 in_ns "$NS_B" "$RAWNET" tcp -6 --send six-own "$IP6_A" 7 2>"$TMP/err6")
rc=$?
capture_stop
is "own IPv6 address: exit 0, reply" "$rc:$out" "0:six-own"
like "own IPv6 address: says it adds the rule" "$(cat "$TMP/err6")" "fd77::2 is this host's address: nftables table inet rawnet_"
n=$(timeout 10 tcpdump -n -r "$TMP/echo6.pcap" 'ip6[13+40] & 4 != 0' 2>/dev/null | wc -l)
m=$(timeout 10 tcpdump -n -r "$TMP/echo6.pcap" 2>/dev/null | wc -l)
is "own IPv6 address: no RST among the $m segments captured" "$n" 0
check "own IPv6 address: the capture holds the exchange ($m)" test "$m" -ge 8

# --- the MSS comes from the interface's MTU ---
ip -n "$NS_A" link set "$IF_A" mtu 1280
ip -n "$NS_B" link set "$IF_B" mtu 1280
out=$(NS_TIMEOUT=20 in_ns "$NS_B" "$RAWNET" tcp --trace --send mtu --source-ip 10.77.0.3 "$IP_A" 7 2>&1)
like "MTU 1280: SYN offers mss 1240" "$out" "^10\.77\.0\.3:[0-9]+ > 10\.77\.0\.1:7  Flags \[S\]  .*<mss 1240,"
out=$(NS_TIMEOUT=20 in_ns "$NS_B" "$RAWNET" tcp --trace --send mtu --source-ip fd77::3 "$IP6_A" 7 2>&1)
like "MTU 1280, IPv6: SYN offers mss 1220" "$out" "^\[fd77::3\]:[0-9]+ > \[fd77::1\]:7  Flags \[S\]  .*<mss 1220,"
ip -n "$NS_A" link set "$IF_A" mtu 1500
ip -n "$NS_B" link set "$IF_B" mtu 1500

# --- half-close: the server answers only after our FIN (end of stdin) ---
BG_OUT=$TMP/wc.log bg_ns "$NS_A" socat TCP-LISTEN:13,reuseaddr,fork SYSTEM:"wc -c"
wait_port "$NS_A" 13
out=$(printf 'half\n' | NS_TIMEOUT=20 in_ns "$NS_B" "$RAWNET" tcp --source-ip 10.77.0.3 "$IP_A" 13 2>&1)
is "half-close: the answer after our FIN reaches stdout, exit 0" "$?:$out" "0:5"

# --- the library without the command line: examples/tcp_get ---
tcp_get=$(dirname "$RAWNET")/examples/tcp_get
if [ -x "$tcp_get" ]; then
	out=$(NS_TIMEOUT=20 in_ns "$NS_B" "$tcp_get" "$IF_B" 10.77.0.3 "$IP_A" 13 2>"$TMP/tcp_get.err")
	# "GET / HTTP/1.0\r\nHost: 10.77.0.1\r\n\r\n" is 35 bytes
	is "examples/tcp_get: request sent, FIN, answer read, exit 0" "$?:$out" "0:35"
	like "examples/tcp_get: traces the handshake" "$(cat "$TMP/tcp_get.err")" "SYN-SENT -> ESTABLISHED"
else
	not_ok "examples/tcp_get is built" "$tcp_get"
fi

# --- upload: 20 MB from stdin, verified by the server ---
head -c 20000000 /dev/urandom >"$TMP/up.src"
BG_OUT=$TMP/up.log bg_ns "$NS_A" socat -u TCP-LISTEN:9,reuseaddr OPEN:"$TMP/up.dst",creat,trunc
up_pid=$BG_PID
wait_port "$NS_A" 9
t0=$SECONDS
NS_TIMEOUT=60 in_ns "$NS_B" "$RAWNET" tcp --source-ip 10.77.0.3 "$IP_A" 9 <"$TMP/up.src" >/dev/null 2>"$TMP/up.err"
is "upload: exit 0" "$?" 0
for _ in $(seq 50); do kill -0 "$up_pid" 2>/dev/null || break; sleep 0.1; done
is "upload: the server got the same 20 MB" "$(sha256sum <"$TMP/up.dst")" "$(sha256sum <"$TMP/up.src")"
echo "# upload took $((SECONDS - t0)) s"

# --- the peer resets mid-transfer ---
cat >"$TMP/rst.py" <<'PY'
import socket, struct
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("10.77.0.1", 10))
s.listen(1)
c, _ = s.accept()
n = 0
while n < 300000:
    d = c.recv(65536)
    if not d:
        break
    n += len(d)
c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
c.close()
PY
bg_ns "$NS_A" $PY "$TMP/rst.py"
wait_port "$NS_A" 10
out=$(NS_TIMEOUT=20 in_ns "$NS_B" "$RAWNET" tcp --source-ip 10.77.0.3 "$IP_A" 10 </dev/zero 2>&1 >/dev/null)
rc=$?
is "reset: exit 1" "$rc" 1
like "reset: says so" "$out" "connection reset by peer"

# --- nobody answers ---
ip netns exec "$NS_A" nft -f - <<'NFT'
table inet drop11 {
	chain in { type filter hook input priority 0; tcp dport 11 drop; }
}
NFT
t0=$(date +%s%N)
out=$(NS_TIMEOUT=20 in_ns "$NS_B" "$RAWNET" tcp -w 2 --source-ip 10.77.0.3 --send x "$IP_A" 11 2>&1)
rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
is "SYNs unanswered: exit 1" "$rc" 1
like "SYNs unanswered: message" "$out" "connect timeout: no answer from 10\.77\.0\.1:11 after 2 s$"
check "SYNs unanswered: gives up after 2 s ($ms ms)" test "$ms" -ge 1900 -a "$ms" -lt 4000
out=$(NS_TIMEOUT=20 in_ns "$NS_B" "$RAWNET" tcp -w 2 --source-ip 10.77.0.3 --send x 10.77.0.99 7 2>&1)
rc=$?
is "no ARP answer: exit 1" "$rc" 1
like "no ARP answer: message" "$out" "connect timeout: no answer from 10\.77\.0\.99:7 after 3 s \(no ARP reply"
out=$(NS_TIMEOUT=20 in_ns "$NS_B" "$RAWNET" tcp --source-ip 10.77.0.3 --send x "$IP_A" 12345 2>&1)
is "closed port: exit 1" "$?" 1
like "closed port: refused" "$out" "connection refused by 10\.77\.0\.1:12345"

# --- the receiver's window stays zero for 5 s, then it reads everything ---
cat >"$TMP/zwin.py" <<'PY'
import hashlib, socket, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.bind(("10.77.0.1", 12))
s.listen(1)
c, _ = s.accept()
time.sleep(5)
h, n = hashlib.sha256(), 0
while True:
    d = c.recv(65536)
    if not d:
        break
    h.update(d)
    n += len(d)
print(n, h.hexdigest(), flush=True)
c.close()
PY
head -c 2000000 /dev/urandom >"$TMP/zw.src"
BG_OUT=$TMP/zwin.out bg_ns "$NS_A" $PY "$TMP/zwin.py"
zw_pid=$BG_PID
wait_port "$NS_A" 12
capture_start "$NS_B" "$IF_B" "$TMP/zw.pcap" "src host 10.77.0.1 and tcp src port 12 and tcp[14:2] = 0"
t0=$SECONDS
NS_TIMEOUT=40 in_ns "$NS_B" "$RAWNET" tcp --source-ip 10.77.0.3 "$IP_A" 12 <"$TMP/zw.src" >/dev/null 2>"$TMP/zw.err"
rc=$?
el=$((SECONDS - t0))
capture_stop
for _ in $(seq 50); do kill -0 "$zw_pid" 2>/dev/null || break; sleep 0.1; done
is "zero window: exit 0" "$rc" 0
is "zero window: the server got every byte" "$(cat "$TMP/zwin.out")" "2000000 $(sha256sum <"$TMP/zw.src" | cut -d' ' -f1)"
check "zero window: it lasted 5 s or more (${el} s)" test "$el" -ge 5
n=$(timeout 10 tcpdump -n -r "$TMP/zw.pcap" 2>/dev/null | wc -l)
check "zero window: the peer advertised window 0 ($n segments)" test "$n" -gt 0

# --- TIME-WAIT: our last ACK is lost once; the peer's FIN sent again is ACKed ---
# The server echoes, then (once our FIN has ended its input) adds a rule in A
# dropping the next pure ACK to its port, only that one (the quota is used up
# by it), and closes. With --time-wait 2 rawnet is still there when A
# retransmits its FIN and ACKs it, and B's kernel stays quiet because the
# nftables rule lives as long as TIME-WAIT. Stdout ends before TIME-WAIT does.
NFT=$(command -v nft)
ip netns exec "$NS_A" nft -f - <<'NFT'
table inet tw {
	chain in { type filter hook input priority 0; policy accept; }
}
NFT
BG_OUT=$TMP/tw.srv bg_ns "$NS_A" socat -t 5 TCP-LISTEN:14,reuseaddr \
	SYSTEM:"cat; $NFT add rule inet tw in tcp dport 14 tcp flags == ack quota until 60 bytes counter drop"
wait_port "$NS_A" 14
mkfifo "$TMP/tw.fifo"
capture_start "$NS_B" "$IF_B" "$TMP/tw.pcap" tcp port 14
t0=$(date +%s%N)
BG_OUT=$TMP/tw.rc bg_ns "$NS_B" bash -c \
	"$RAWNET tcp --trace --time-wait 2 --send tw $IP_A 14 >$TMP/tw.fifo 2>$TMP/tw.err; echo \$? \$(date +%s%N)"
out=$(timeout 20 cat "$TMP/tw.fifo")
t_eof=$(date +%s%N)
for _ in $(seq 100); do [ -s "$TMP/tw.rc" ] && break; sleep 0.1; done
capture_stop
read -r rc t_exit <"$TMP/tw.rc"
is "TIME-WAIT: exit 0, reply" "${rc:-none}:$out" "0:tw"
like "TIME-WAIT: the rule in A dropped our first last ACK" "$(ip netns exec "$NS_A" nft list table inet tw)" "counter packets 1 "
ms=$(((t_exit - t0) / 1000000)) eof_ms=$(((t_eof - t0) / 1000000))
check "TIME-WAIT: rawnet stayed about --time-wait 2 after the close (${ms} ms)" test "$ms" -ge 2000 -a "$ms" -lt 4500
check "TIME-WAIT: stdout ended at ${eof_ms} ms, well before the exit" test "$((ms - eof_ms))" -ge 1500
trace=$(cat "$TMP/tw.err")
n=$(grep -cE '^10\.77\.0\.1:14 > 10\.77\.0\.2:[0-9]+  Flags \[F\.\]' <<<"$trace")
check "TIME-WAIT: the trace shows the peer's FIN twice ($n)" test "$n" -ge 2
like "TIME-WAIT: ends by its timer" "$trace" "^TIME-WAIT -> CLOSED$"
fin=$(timeout 10 tcpdump -n -r "$TMP/tw.pcap" 'src host 10.77.0.1 and tcp[tcpflags] & tcp-fin != 0' 2>/dev/null | wc -l)
check "TIME-WAIT: the capture holds the peer's FIN retransmitted ($fin)" test "$fin" -ge 2
# Our pure ACKs after the peer's first FIN: the dropped one and the one for the retransmission.
acks=$(timeout 10 tcpdump -n -r "$TMP/tw.pcap" 2>/dev/null |
	awk '/10\.77\.0\.1\.14 > .*Flags \[F/ { fin = 1; next } fin && /10\.77\.0\.2\.[0-9]+ > 10\.77\.0\.1\.14: Flags \[\.\]/ { n++ } END { print n + 0 }')
check "TIME-WAIT: each FIN of the peer got our ACK ($acks ACKs)" test "$acks" -ge 2
n=$(timeout 10 tcpdump -n -r "$TMP/tw.pcap" 'tcp[tcpflags] & tcp-rst != 0' 2>/dev/null | wc -l)
is "TIME-WAIT: the capture holds no RST" "$n" 0
unlike "TIME-WAIT: the nftables table is gone at exit" "$(ip netns exec "$NS_B" nft list tables)" rawnet_
ip netns exec "$NS_A" nft delete table inet tw

done_testing

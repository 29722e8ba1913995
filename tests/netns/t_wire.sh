#!/bin/bash
# modes: stock off
# rawnet wire: the impairment bridge between A and B, running in W
# (A a0 -- w_a [rawnet wire] w_b -- b0 B). iputils ping, socat and the
# receiver's own counters are the judges.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/nginx.sh"
need_root
ns_middle
# Only the frames a test sends cross the wire: no ARP (static neighbours), no
# IPv6 chatter (router solicitations, MLD), so that --seed sees the same input.
ip -n "$NS_A" neigh replace "$IP_B" lladdr "$MAC_B" dev "$IF_A" nud permanent
ip -n "$NS_B" neigh replace "$IP_A" lladdr "$MAC_A" dev "$IF_B" nud permanent
for x in "$NS_A:$IF_A" "$NS_B:$IF_B"; do
	in_ns "${x%%:*}" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 \
		net.ipv6.conf."${x#*:}".disable_ipv6=1
done

WLOG=$TMP/wire.log
# wire_start [options]: runs rawnet wire w_a w_b --stats [options] in W and
# waits until it forwards.
wire_start() {
	: >"$WLOG"
	BG_OUT=$WLOG bg_ns "$NS_W" "$RAWNET" wire w_a w_b --stats "$@"
	WIRE=$BG_PID
	local i
	for ((i = 0; i < 50; i++)); do
		grep -q "forwarding" "$WLOG" && return 0
		kill -0 "$WIRE" 2>/dev/null || break
		sleep 0.1
	done
	not_ok "rawnet wire $* starts" "$(cat "$WLOG")"
	return 1
}
# wire_stop: SIGTERM; rawnet prints its counters and exits 0.
wire_stop() {
	kill "$WIRE" 2>/dev/null
	wait "$WIRE"
	WIRE_RC=$?
}
# stat_of DIR FIELD: a counter from the last --stats output (a2b or b2a).
stat_of() {
	grep "^$1 " "$WLOG" | tail -n 1 | grep -o "$2 [0-9]*" | awk '{print $NF}'
}
# pings COUNT INTERVAL: ping A -> B, prints ping's whole output.
pings() {
	in_ns "$NS_A" ping -n -c "$1" -i "$2" -W 1 "$IP_B" 2>&1
}
received_seqs() { sed -n 's/.*icmp_seq=\([0-9]*\) .*/\1/p'; }
loss_pct() { sed -n 's/.* \([0-9.]*\)% packet loss.*/\1/p'; }
avg_rtt() { sed -n 's|^rtt min/avg/max/mdev = [0-9.]*/\([0-9.]*\)/.*|\1|p'; }
# Serves FILE from B on port 8080 (one connection), fetches it in A into
# $TMP/got; prints the seconds the transfer took.
fetch() {
	BG_OUT=$TMP/srv.log bg_ns "$NS_B" socat -u "FILE:$1" TCP-LISTEN:8080,reuseaddr
	wait_port "$NS_B" 8080 || { echo "server did not start"; return 1; }
	rm -f "$TMP/got"
	local t0 t1
	t0=$(date +%s%N)
	NS_TIMEOUT=60 in_ns "$NS_A" socat -u "TCP:$IP_B:8080" "CREATE:$TMP/got" || return 1
	t1=$(date +%s%N)
	echo "$(((t1 - t0) / 1000))" | awk '{printf "%.3f\n", $1 / 1e6}'
	tcp_settle
}
# Waits (bounded) until A and B have closed every TCP connection, so that no
# late FIN crosses the next wire a test starts.
tcp_settle() {
	local i
	for ((i = 0; i < 50; i++)); do
		[ -z "$({ in_ns "$NS_A" ss -Htan; in_ns "$NS_B" ss -Htan; } | grep -vE '^(LISTEN|TIME-WAIT)')" ] && return 0
		sleep 0.1
	done
}

# --- usage errors ---------------------------------------------------------
out=$("$RAWNET" wire w_a 2>&1); rc=$?
is "one interface is a usage error" "$rc" 2
out=$("$RAWNET" wire w_a w_b --loss 150% 2>&1); rc=$?
is "--loss 150% is refused" "$rc" 2
like "the message names the bad value" "$out" "--loss: 150% is not a percentage"
out=$("$RAWNET" wire w_a w_b --reorder 10% 2>&1); rc=$?
like "--reorder without --delay is refused" "$rc:$out" "^2:.*--reorder needs --delay"
out=$("$RAWNET" wire w_a w_b --loss 5% --loss-burst 5%,25% 2>&1); rc=$?
like "--loss with --loss-burst is refused" "$rc:$out" "^2:.*exclude each other"
out=$("$RAWNET" wire w_a w_b --loss-burst 5% 2>&1); rc=$?
like "--loss-burst needs P%,R%" "$rc:$out" "^2:.*--loss-burst: 5% is not P%,R%"
out=$(in_ns "$NS_W" "$RAWNET" wire w_a nosuch0 2>&1); rc=$?
like "an unknown interface is an error naming it" "$rc:$out" "^2:.*nosuch0"
out=$("$RAWNET" wire --help); rc=$?
like "--help prints usage, exit 0" "$rc:$out" "^0:usage: rawnet wire IF_A IF_B"

# --- no impairment: lossless, intact, offloads too ------------------------
wire_start
out=$(pings 500 0.002)
like "500 fast pings, 0% loss" "$out" "500 packets transmitted, 500 received, 0% packet loss"
head -c 20000000 /dev/urandom >"$TMP/file"
secs=$(fetch "$TMP/file")
is "20 MB over TCP arrive intact" "$(sha256sum <"$TMP/got" | cut -c1-64)" "$(sha256sum <"$TMP/file" | cut -c1-64)"
echo "# 20 MB in $secs s"
# The same file over HTTP: curl from A, nginx in B.
mkdir -p "$TMP/www" && ln "$TMP/file" "$TMP/www/big.bin"
if nginx_start "$NS_B" 8081 "$TMP/www"; then
	NS_TIMEOUT=60 in_ns "$NS_A" curl -sS -o "$TMP/got_curl" "http://$IP_B:8081/big.bin"
	is "curl of the 20 MB file through the wire: intact" \
		"$(sha256sum <"$TMP/got_curl" | cut -c1-64)" "$(sha256sum <"$TMP/file" | cut -c1-64)"
	kill "$BG_PID" 2>/dev/null
	tcp_settle
else
	not_ok "nginx listens in B" "$(cat "$TMP/nginx.8081/error.log" 2>/dev/null)"
fi
kill -USR1 "$(pgrep -P "$WIRE")" 2>/dev/null
sleep 0.2
like "SIGUSR1 prints the counters" "$(cat "$WLOG")" "^a2b w_a -> w_b: received [0-9]+, forwarded"
wire_stop
is "rawnet wire exits 0 on SIGTERM" "$WIRE_RC" 0
is "nothing lost a2b" "$(stat_of a2b received)" "$(stat_of a2b forwarded)"
is "nothing lost b2a" "$(stat_of b2a received)" "$(stat_of b2a forwarded)"
is "no kernel drops b2a" "$(stat_of b2a 'kernel drops')" 0

# 802.1Q: the kernel hands packet sockets the tag apart; it must go back in.
# (No 8021q module here: A sends tagged frames itself.)
wire_start
capture_start "$NS_B" "$IF_B" "$TMP/vlan.pcap" vlan 5
in_ns "$NS_A" python3 -c '
import socket, sys
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((sys.argv[1], 0))
dst, src = bytes.fromhex(sys.argv[2].replace(":", "")), bytes.fromhex(sys.argv[3].replace(":", ""))
for i in range(5):
    s.send(dst + src + b"\x81\x00\x00\x05\x88\xb5" + bytes([i]) * 60)
' "$IF_A" "$MAC_B" "$MAC_A"
# A loaded machine (SAN builds) may take a while to forward: wait (bounded).
vlan_frames() { timeout 20 tcpdump -n -e -r "$TMP/vlan.pcap" 2>/dev/null | grep -c "vlan 5, p 0, ethertype .*0x88b5"; }
for _ in $(seq 30); do [ "$(vlan_frames)" -ge 5 ] && break; sleep 0.1; done
capture_stop
wire_stop
vlan=$(vlan_frames)
is "802.1Q frames cross with their tag" "$vlan" 5

# Offloads on (as stock veths are; turned on here in the off mode too): A and
# B send 64 KB TSO bursts with partial checksums; they must cross whole.
for x in "$NS_A:$IF_A" "$NS_B:$IF_B"; do
	ip netns exec "${x%%:*}" ethtool -K "${x#*:}" tx on tso on gso on >/dev/null 2>&1
done
wire_start
fetch "$TMP/file" >/dev/null
is "20 MB with TSO/GSO on arrive intact" "$(sha256sum <"$TMP/got" | cut -c1-64)" "$(sha256sum <"$TMP/file" | cut -c1-64)"
wire_stop
largest=$(stat_of b2a largest)
check "frames larger than the MTU were forwarded ($largest bytes)" test "${largest:-0}" -gt 1514
for x in "$NS_A:$IF_A" "$NS_B:$IF_B"; do # back as the mode says (stock: left on)
	_ns_offloads "${x%%:*}" "${x#*:}"
done

# --- loss, and the same pattern again with the same seed -------------------
wire_start --loss 20% --seed 7
out=$(pings 400 0.002)
wire_stop
loss=$(loss_pct <<<"$out")
check "--loss 20%: ${loss}% of 400 round trips lost (36 +- 8)" \
	awk -v l="$loss" 'BEGIN { exit !(l >= 28 && l <= 44) }'
seqs1=$(received_seqs <<<"$out" | tr '\n' ' ')
dropped=$(stat_of a2b dropped)
check "the a2b counter shows ~80 of 400 lost ($dropped)" test "${dropped:-0}" -ge 50 -a "${dropped:-0}" -le 110
wire_start --loss 20% --seed 7
seqs2=$(pings 400 0.002 | received_seqs | tr '\n' ' ')
wire_stop
is "--seed 7 again: the very same replies come back" "$seqs2" "$seqs1"
wire_start --loss 20% --seed 8
seqs3=$(pings 400 0.002 | received_seqs | tr '\n' ' ')
wire_stop
check "--seed 8: another pattern" test "$seqs3" != "$seqs1"

# --- delay and jitter; one direction only ---------------------------------
wire_start --delay 50ms --jitter 5ms
out=$(pings 20 0.05)
wire_stop
avg=$(avg_rtt <<<"$out")
check "--delay 50ms --jitter 5ms: average RTT $avg ms (100 +- 10)" \
	awk -v a="$avg" 'BEGIN { exit !(a >= 90 && a <= 110) }'
rtts=$(sed -n 's/.*time=\([0-9.]*\) ms/\1/p' <<<"$out" | tr '\n' ' ')
check "every RTT within 90-112 ms: $rtts" \
	awk -v r="$rtts" 'BEGIN { n = split(r, x, " "); for (i = 1; i <= n; i++) if (x[i] < 90 || x[i] > 112) exit 1; exit n != 20 }'
wire_start --b2a --delay 30 -Z nobody
avg=$(pings 10 0.02 | avg_rtt)
user=$(ps -o user= -p "$(pgrep -P "$WIRE")")
wire_stop
is "-Z nobody: forwarding as nobody" "$user" nobody
check "--b2a --delay 30 delays only the replies: RTT $avg ms" \
	awk -v a="$avg" 'BEGIN { exit !(a >= 29.9 && a <= 34) }'

# --- duplication ----------------------------------------------------------
wire_start --dup 100%
out=$(pings 5 0.05)
wire_stop
like "--dup 100%: ping reports DUP!" "$out" "icmp_seq=[0-9]+ .*DUP!"
is "every request was duplicated" "$(stat_of a2b duplicated)" 5

# --- scoping, burst loss, queue limit -------------------------------------
# --a2b and --b2a each take the options after them, and only those.
wire_start --a2b --dup 100% --b2a --delay 20ms
out=$(pings 5 0.05)
wire_stop
like "--a2b --dup 100%: ping reports DUP!" "$out" "icmp_seq=[0-9]+ .*DUP!"
is "--a2b: the requests were duplicated" "$(stat_of a2b duplicated)" 5
is "--a2b: ... and not delayed" "$(stat_of a2b delayed)" 0
is "--b2a: the replies were not duplicated" "$(stat_of b2a duplicated)" 0
is "--b2a --delay: every reply was delayed" "$(stat_of b2a delayed)" "$(stat_of b2a received)"
# Gilbert-Elliott with P(good->bad) 100% and P(bad->good) 0: the first
# request passes, the chain turns bad and stays there.
wire_start --a2b --loss-burst 100%,0%
out=$(pings 10 0.01)
wire_stop
like "--loss-burst 100%,0%: only the first request is answered" "$out" \
	"10 packets transmitted, 1 received, 90% packet loss"
is "--loss-burst: a2b dropped 9" "$(stat_of a2b dropped)" 9
is "--loss-burst on a2b only: b2a dropped none" "$(stat_of b2a dropped)" 0
# --limit 3: ten requests back to back into a 200 ms delay; three fit.
wire_start --a2b --delay 200ms --limit 3
in_ns "$NS_A" ping -n -c 10 -l 10 -i 0.002 -W 1 "$IP_B" >/dev/null 2>&1
wire_stop
is "--limit 3: 7 of 10 requests were queue drops" "$(stat_of a2b 'queue drops')" 7
is "--limit 3: 3 forwarded" "$(stat_of a2b forwarded)" 3
# --distribution: a uniform jitter never makes the 20 ms delay shorter than
# 16 ms; a normal one of deviation 4 ms does for about 1 frame in 6. (Only
# the lower bound is judged: a busy machine can only add time.)
below() { # how many RTTs in ping output $1 are under 15.95 ms
	sed -n 's/.*time=\([0-9.]*\) ms.*/\1/p' <<<"$1" | awk '$1 < 15.95 { n++ } END { print n + 0 }'
}
wire_start --a2b --delay 20ms --jitter 4ms --distribution uniform
out=$(pings 60 0.01)
wire_stop
like "--distribution uniform: 60 replies" "$out" "60 packets transmitted, 60 received"
is "--distribution uniform: no RTT under 20 - 4 ms" "$(below "$out")" 0
wire_start --a2b --delay 20ms --jitter 4ms --distribution normal
out=$(pings 60 0.01)
wire_stop
n=$(below "$out")
check "--distribution normal: $n of 60 RTTs under 20 - 4 ms (about 10)" test "$n" -ge 2 -a "$n" -le 30
out=$("$RAWNET" wire w_a w_b --distribution gaussian 2>&1); rc=$?
like "--distribution takes uniform or normal only" "$rc:$out" "^2:.*--distribution: gaussian is not uniform or normal"

# --- reordering -----------------------------------------------------------
# 100 requests back to back (ping -l 100): the ~30 sent ahead reach B before
# the ~70 delayed ones sent earlier.
wire_start --reorder 30% --delay 10ms
capture_start "$NS_B" "$IF_B" "$TMP/reorder.pcap" icmp and 'icmp[icmptype] == icmp-echo'
in_ns "$NS_A" ping -n -c 100 -l 100 -i 0.002 -W 1 "$IP_B" >/dev/null 2>&1
capture_stop
wire_stop
seqs=$(timeout 20 tcpdump -n -r "$TMP/reorder.pcap" 2>/dev/null | sed -n 's/.*, seq \([0-9]*\),.*/\1/p')
late=$(awk 'NR > 1 && $1 < max { n++ } $1 > max { max = $1 } END { print n + 0 }' <<<"$seqs")
reord=$(stat_of a2b reordered)
is "all 100 requests reached B" "$(wc -l <<<"$seqs")" 100
check "--reorder 30% --delay 10ms: $late requests reached B after a later one" \
	test "$late" -ge 20 -a "$late" -le $((100 - ${reord:-0}))
check "about 30 of 100 sent ahead ($reord)" test "${reord:-0}" -ge 15 -a "${reord:-0}" -le 45

# --- corruption -----------------------------------------------------------
# counters NAME...: the sum of B's absolute SNMP counters (no nstat history).
counters() { in_ns "$NS_B" nstat -az "$@" | awk 'NF >= 2 && $1 !~ /^#/ { s += $2 } END { print s + 0 }'; }
wire_start --corrupt 100% --seed 3
# IpInHdrErrors counts the IP header checksum failures (IpExtInCsumErrors) too.
csum0=$(counters IpExtInCsumErrors IcmpInCsumErrors)
drop0=$(counters IpInHdrErrors IcmpInCsumErrors)
out=$(pings 50 0.01)
csum=$(($(counters IpExtInCsumErrors IcmpInCsumErrors) - csum0))
dropped=$(($(counters IpInHdrErrors IcmpInCsumErrors) - drop0))
wire_stop
like "--corrupt 100%: no request answered" "$out" "50 packets transmitted, 0 received, 100% packet loss"
is "every frame corrupted" "$(stat_of a2b corrupted)" 50
is "B dropped all 50 at its IP header and checksum checks" "$dropped" 50
check "B's checksum checks caught $csum of 50 (the rest: a flipped IP version)" test "$csum" -ge 45


# --- rate -----------------------------------------------------------------
# The bucket's accuracy over 200 kB is judged frame by frame: on a stock veth
# the sender's TSO frames of up to 64 KiB are 0.5 s of a 1 Mbit/s link each,
# too coarse for a 10% bound on a 1.6 s transfer, so from here on the veths
# have their offloads off in either mode.
for x in "$NS_A:$IF_A" "$NS_B:$IF_B" "$NS_W:w_a" "$NS_W:w_b"; do
	_ns_offloads_off "${x%%:*}" "${x#*:}"
done
head -c 200000 /dev/urandom >"$TMP/small"
wire_start --rate 1mbit
secs=$(fetch "$TMP/small")
wire_stop
is "200 kB at 1mbit arrive intact" "$(sha256sum <"$TMP/got" | cut -c1-64)" "$(sha256sum <"$TMP/small" | cut -c1-64)"
mbit=$(awk -v s="$secs" 'BEGIN { printf "%.3f", 200000 * 8 / s / 1e6 }')
check "--rate 1mbit: the transfer ran at $mbit Mbit/s (1 +- 10%)" \
	awk -v m="$mbit" 'BEGIN { exit !(m >= 0.9 && m <= 1.1) }'

done_testing

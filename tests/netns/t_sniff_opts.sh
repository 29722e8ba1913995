# rawnet sniff's capture options that t_sniff.sh does not look at: promiscuous
# mode and -p, the snapshot length -s, nanosecond timestamps (pcap --nano and
# pcapng), SIGTERM leaving a complete file, and the exit counts when a small
# -B ring overflows.
. "$(dirname "$0")/lib.sh"
need_root
ns_pair

# sniff_start NAME ARGS...: rawnet sniff in $NS_B in the background, stderr in
# $TMP/NAME.err; returns once it is listening.
sniff_start() {
	local name=$1; shift
	BG_OUT="$TMP/$name.err" bg_ns "$NS_B" "$RAWNET" sniff "$@"
	SNIFF_PID=$BG_PID
	local i
	for ((i = 0; i < 50; i++)); do
		grep -q "^listening on" "$TMP/$name.err" 2>/dev/null && return 0
		kill -0 "$SNIFF_PID" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}
sniff_stop() { # SIGNAL: stops the sniff started last; its status in $RC
	local i
	kill "-$1" "$SNIFF_PID" 2>/dev/null
	for ((i = 0; i < 50; i++)); do
		kill -0 "$SNIFF_PID" 2>/dev/null || break
		sleep 0.1
	done
	wait "$SNIFF_PID" 2>/dev/null
	RC=$?
}
promiscuity() { in_ns "$NS_B" ip -d link show "$IF_B" | grep -o 'promiscuity [0-9]*'; }
ping3() { in_ns "$NS_A" ping -c 3 -i 0.05 -W 1 "$IP_B" >/dev/null 2>&1; sleep 0.2; }

# 1. Promiscuous unless -p.
sniff_start promisc -i "$IF_B" -w "$TMP/p.pcap" icmp || not_ok "sniff starts"
is "the interface is promiscuous while sniff runs" "$(promiscuity)" "promiscuity 1"
sniff_stop INT
is "... and not after" "$(promiscuity)" "promiscuity 0"
like "the default snapshot length is 262144 (in the file)" \
	"$(timeout 30 tcpdump -n -r "$TMP/p.pcap" 2>&1 | head -n 1)" 'snapshot length 262144$'
sniff_start nopromisc -i "$IF_B" -p -w "$TMP/np.pcap" icmp || not_ok "sniff -p starts"
is "-p: not promiscuous" "$(promiscuity)" "promiscuity 0"
sniff_stop INT

# 2. -s 60 --nano, stopped by SIGTERM: a complete file of cut packets with
# nanosecond timestamps.
sniff_start snap -i "$IF_B" -s 60 --nano -w "$TMP/snap.pcap" icmp || not_ok "sniff -s starts"
ping3
sniff_stop TERM
is "SIGTERM: sniff exits 0" "$RC" 0
like "SIGTERM: the counts are printed" "$(cat "$TMP/snap.err")" $'\n6 packets captured\n'
is "--nano: pcap magic a1b23c4d" "$(head -c 4 "$TMP/snap.pcap" | od -An -tx1 | tr -d ' ')" 4d3cb2a1
fields=$(timeout 30 tshark -n -r "$TMP/snap.pcap" -T fields -e frame.cap_len -e frame.len 2>/dev/null | sort -u)
is "-s 60: 6 packets of 98 bytes, 60 kept (tshark)" "$(timeout 30 tshark -n -r "$TMP/snap.pcap" 2>/dev/null | wc -l) $fields" \
	"6 60	98"
like "-s 60: tcpdump reads the file, snapshot length 60" \
	"$(timeout 30 tcpdump -n -r "$TMP/snap.pcap" 2>&1 | head -n 1)" 'snapshot length 60$'
ns=$(timeout 30 tcpdump -n --time-stamp-precision=nano -tt -r "$TMP/snap.pcap" 2>/dev/null | awk '{print $1}')
like "--nano: nine digits" "$ns" '^[0-9]+\.[0-9]{9}$'
unlike "--nano: the kernel's nanoseconds, not microseconds times 1000" "$(grep -v '000$' <<<"$ns")" '^$'

# 3. pcapng: if_tsresol 9 and real nanoseconds; SIGTERM leaves it complete.
sniff_start ng -i "$IF_B" -w "$TMP/t.pcapng" icmp || not_ok "sniff pcapng starts"
ping3
sniff_stop TERM
is "pcapng after SIGTERM: tshark reads 6 packets, no complaint" \
	"$(timeout 30 tshark -n -r "$TMP/t.pcapng" 2>&1 | grep -vc 'Running as user')" 6
ns=$(timeout 30 tshark -n -r "$TMP/t.pcapng" -T fields -e frame.time_epoch 2>/dev/null)
unlike "pcapng: nanosecond timestamps, not microseconds" "$(grep -v '000$' <<<"$ns")" '^$'

# 3b. Options after the filter, as tcpdump takes them (GNU getopt order).
sniff_start after -i "$IF_B" icmp -c 2 -w "$TMP/after.pcap" || not_ok "sniff FILTER -c 2 starts"
in_ns "$NS_A" ping -c 1 -W 1 "$IP_B" >/dev/null 2>&1
sniff_stop INT
is "options after the filter: exit 0, 2 ICMP packets" \
	"$RC $(timeout 30 tcpdump -n -r "$TMP/after.pcap" icmp 2>/dev/null | wc -l)" "0 2"

# 4. A ring of 64 KiB that nobody reads (sniff stopped) while 400 ICMP packets
# of 1442 bytes come: the kernel drops, and the counts printed at exit are
# PACKET_STATISTICS': received by filter = all 400 = captured + dropped.
sniff_start stopped -i "$IF_B" -B 64 -w "$TMP/stopped.pcap" icmp || not_ok "sniff -B 64 starts"
child=$(pgrep -P "$SNIFF_PID") # timeout's child: rawnet itself
kill -STOP "$child"
NS_TIMEOUT=20 in_ns "$NS_A" ping -c 200 -i 0.002 -s 1400 -W 1 "$IP_B" >/dev/null 2>&1
kill -CONT "$child"
sleep 0.3
sniff_stop INT
c=$(sed -n 's/^\([0-9]*\) packets captured$/\1/p' "$TMP/stopped.err")
r=$(sed -n 's/^\([0-9]*\) packets received by filter$/\1/p' "$TMP/stopped.err")
d=$(sed -n 's/^\([0-9]*\) packets* dropped by kernel$/\1/p' "$TMP/stopped.err")
is "-B 64, reader stopped: 400 packets received by filter" "$r" 400
is "... captured + dropped = received" "$((c + d))" 400
like "... the kernel dropped some ($d)" "$d" '^[1-9][0-9]*$'
is "... the file holds the captured ones" "$(timeout 30 tcpdump -n -r "$TMP/stopped.pcap" 2>/dev/null | wc -l)" "$c"
done_testing

#!/bin/bash
# bench/wire.sh: rawnet wire (no impairment) against a kernel bridge in the
# same A -- W -- B namespaces: TCP throughput (socat, 200 MB, B to A, best of
# 3, offloads off and on) and the median round-trip time of 1000 pings, with
# the latency rawnet adds per crossing. Prints ratios wire / bridge.
# Root; usage: RAWNET=build/rawnet bench/wire.sh
. "$(dirname "$0")/../tests/netns/lib.sh"
need_root
SIZE=${SIZE:-200000000}
ns_middle
head -c "$SIZE" /dev/zero >"$TMP/file"

offloads() { # on|off
	local x
	for x in "$NS_A:$IF_A" "$NS_B:$IF_B" "$NS_W:w_a" "$NS_W:w_b"; do
		ip netns exec "${x%%:*}" ethtool -K "${x#*:}" tx "$1" tso "$1" gso "$1" >/dev/null 2>&1
	done
}
bridge_up() {
	ip -n "$NS_W" link add br0 type bridge
	ip -n "$NS_W" link set w_a master br0
	ip -n "$NS_W" link set w_b master br0
	ip -n "$NS_W" link set br0 up
	sleep 0.2
}
bridge_down() { ip -n "$NS_W" link del br0; }
wire_up() {
	BG_OUT=$TMP/wire.log BG_TIMEOUT=600 bg_ns "$NS_W" "$RAWNET" wire w_a w_b --stats
	WIRE=$BG_PID
	for ((i = 0; i < 50; i++)); do grep -q forwarding "$TMP/wire.log" && break; sleep 0.1; done
}
wire_down() { kill "$WIRE"; wait "$WIRE" 2>/dev/null; }

# Best of 3 transfers, in Mbit/s.
throughput() {
	local best=0 r t0 t1 mbit
	for r in 1 2 3; do
		BG_OUT=/dev/null bg_ns "$NS_B" socat -u "FILE:$TMP/file" TCP-LISTEN:8080,reuseaddr
		wait_port "$NS_B" 8080
		t0=$(date +%s%N)
		NS_TIMEOUT=120 in_ns "$NS_A" socat -u "TCP:$IP_B:8080" - | wc -c >"$TMP/n"
		t1=$(date +%s%N)
		[ "$(cat "$TMP/n")" = "$SIZE" ] || { echo "short transfer: $(cat "$TMP/n") bytes" >&2; }
		mbit=$(awk -v b="$SIZE" -v ns=$((t1 - t0)) 'BEGIN { printf "%.0f", b * 8 / ns * 1000 }')
		[ "$mbit" -gt "$best" ] && best=$mbit
		sleep 0.2
	done
	echo "$best"
}
# Median RTT of 1000 pings 2 ms apart, in microseconds.
median_rtt() {
	in_ns "$NS_A" ping -n -c 1000 -i 0.002 "$IP_B" | sed -n 's/.*time=\([0-9.]*\) ms/\1/p' |
		sort -n | awk '{ a[NR] = $1 } END { printf "%.0f", a[int((NR + 1) / 2)] * 1000 }'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

offloads off
bridge_up
lat_br=$(median_rtt)
tp_br=$(throughput)
offloads on
tp_br_on=$(throughput)
offloads off
bridge_down
wire_up
lat_w=$(median_rtt)
tp_w=$(throughput)
offloads on
tp_w_on=$(throughput)
wire_down

printf 'TCP throughput, offloads off: bridge %6d Mbit/s   rawnet wire %6d Mbit/s   ratio %s\n' \
	"$tp_br" "$tp_w" "$(ratio "$tp_w" "$tp_br")"
printf 'TCP throughput, offloads on:  bridge %6d Mbit/s   rawnet wire %6d Mbit/s   ratio %s\n' \
	"$tp_br_on" "$tp_w_on" "$(ratio "$tp_w_on" "$tp_br_on")"
printf 'median ping RTT:              bridge %6d us       rawnet wire %6d us       ratio %s\n' \
	"$lat_br" "$lat_w" "$(ratio "$lat_w" "$lat_br")"
printf 'latency added per crossing (median RTT difference / 2): %d us\n' $(((lat_w - lat_br) / 2))
grep -E '^(a2b|b2a)' "$TMP/wire.log" | sed 's/^/wire counters: /'

#!/bin/bash
# bench/scan.sh: a TCP SYN scan of 10,000 ports of one host two routers away
# (A - R1 - R2 - B, stock veths), rawnet scan against nmap -sS -T4 on the
# same namespaces; both must find the same open ports. Best of 3 each;
# prints seconds and the ratio nmap / rawnet (above 1: rawnet is faster).
# Root; usage: RAWNET=build/rawnet bench/scan.sh   (PORTS=1-10000)
. "$(dirname "$0")/../tests/netns/lib.sh"
need_root
PORTS=${PORTS:-1-10000}
RN_OFFLOADS=stock
ns_chain 2
for p in 22 80 443 3306 8080 9999; do
	BG_OUT=/dev/null bg_ns "$NS_B" socat TCP-LISTEN:$p,fork,reuseaddr /dev/null
	wait_port "$NS_B" $p || { echo "socat did not listen on $p"; exit 1; }
done
open_ports() { grep -oE '^[0-9]+/tcp +open' | cut -d/ -f1 | tr '\n' ' '; }
# best CMD...: the fastest of 3 runs (seconds); the open ports of the last
# run go to $TMP/open.
best() {
	local b="" r t0 t1 s
	for r in 1 2 3; do
		t0=$(date +%s%N)
		NS_TIMEOUT=120 in_ns "$NS_A" "$@" >"$TMP/out" 2>&1
		t1=$(date +%s%N)
		s=$(awk -v ns=$((t1 - t0)) 'BEGIN { printf "%.3f", ns / 1e9 }')
		if [ -z "$b" ] || awk -v a="$s" -v b="$b" 'BEGIN { exit !(a < b) }'; then b=$s; fi
		open_ports <"$TMP/out" >"$TMP/open"
	done
	echo "$b"
}
n=$(best nmap -sS -T4 -n -Pn -p "$PORTS" "$IP_B"); nmap_open=$(cat "$TMP/open")
r=$(best "$RAWNET" scan -p "$PORTS" "$IP_B"); rawnet_open=$(cat "$TMP/open")
same=no
[ "$nmap_open" = "$rawnet_open" ] && [ -n "$nmap_open" ] && same=yes
printf 'scan %s ports: nmap -sS -T4 %6s s   rawnet scan %6s s   ratio %s   same open ports: %s (%s)\n' \
	"$PORTS" "$n" "$r" "$(awk -v a="$n" -v b="$r" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')" \
	"$same" "$rawnet_open"
[ "$same" = yes ]

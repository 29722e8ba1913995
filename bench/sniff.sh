#!/bin/bash
# bench/sniff.sh: `rawnet sniff -w` against `tcpdump -w` on the fastest flood
# this machine makes (bench/flood.c: minimum-size UDP frames, sendmmsg, qdisc
# bypassed) between two namespaces. Each tool captures the same flood in turn,
# writing to /dev/shm, the flooder on CPU 0 and the capture on CPU 1; printed:
# frames sent, captured, dropped by the kernel, CPU seconds of the capture
# process, and the ratios. Root. Not part of make check.
#   bench/sniff.sh [SECONDS per run (5)] [ring KiB for both (-B, 4096)] [runs (2)]
set -u
cd "$(dirname "$0")/.." || exit 2
RAWNET=${RAWNET:-$PWD/build/rawnet}
SECS=${1:-5} RING=${2:-4096} RUNS=${3:-2}
[ "$(id -u)" = 0 ] || { echo "bench/sniff.sh: needs root" >&2; exit 2; }
[ -x "$RAWNET" ] || { echo "bench/sniff.sh: build rawnet first (make)" >&2; exit 2; }
command -v tcpdump >/dev/null || { echo "bench/sniff.sh: tcpdump is missing" >&2; exit 2; }
. tests/netns/lib.sh >/dev/null
ns_pair
SHM=$(mktemp -d /dev/shm/rn-bench.XXXXXX)
trap '_ns_cleanup; rm -rf "$SHM"' EXIT
cc -O2 -Wall -Wextra -Werror -o "$TMP/flood" bench/flood.c || exit 2
NCPU=$(nproc)
PIN_FLOOD=() PIN_CAP=()
if [ "$NCPU" -ge 2 ]; then PIN_FLOOD=(taskset -c 0) PIN_CAP=(taskset -c 1); fi

# run NAME CMD...: one capture of one flood; prints "sent captured dropped cpu".
run() {
	local name=$1; shift
	local err="$TMP/$name.err" tm="$TMP/$name.time"
	rm -f "$SHM"/*
	ip netns exec "$NS_B" /usr/bin/time -f '%U %S' -o "$tm" "$@" >/dev/null 2>"$err" &
	local pid=$! i
	for ((i = 0; i < 100; i++)); do
		grep -q "listening on" "$err" 2>/dev/null && break
		sleep 0.05
	done
	local sent
	sent=$(ip netns exec "$NS_A" timeout $((SECS + 10)) "${PIN_FLOOD[@]}" \
		"$TMP/flood" "$IF_A" "$MAC_A" "$MAC_B" "$IP_A" "$IP_B" "$SECS")
	sleep 1
	# time(1) ignores SIGINT while it waits: the capture itself is its child.
	local child
	child=$(pgrep -P "$pid")
	kill -INT $child 2>/dev/null
	for ((i = 0; i < 100; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	kill -9 $child "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	local cap drop cpu
	cap=$(sed -n 's/^\([0-9]*\) packets\{0,1\} captured$/\1/p' "$err")
	drop=$(sed -n 's/^\([0-9]*\) packets\{0,1\} dropped by kernel$/\1/p' "$err")
	cpu=$(awk 'NF == 2 && $1 ~ /^[0-9.]+$/ { printf "%.2f", $1 + $2 }' "$tm")
	echo "${sent:-0} ${cap:-0} ${drop:-0} ${cpu:-0}"
}

printf '%d CPUs, %s s floods of 60-byte UDP frames, -B %s KiB for both, files in /dev/shm\n\n' \
	"$NCPU" "$SECS" "$RING"
printf '%-8s %4s %10s %10s %10s %8s %12s\n' tool run sent captured dropped cpu_s "ns/packet"
declare -A tot
for ((r = 1; r <= RUNS; r++)); do
	for tool in rawnet tcpdump; do
		if [ "$tool" = rawnet ]; then
			line=$(run rawnet$r "${PIN_CAP[@]}" "$RAWNET" sniff -i "$IF_B" -B "$RING" -w "$SHM/r.pcap")
		else
			line=$(run tcpdump$r "${PIN_CAP[@]}" tcpdump -n -i "$IF_B" -B "$RING" -Z root -w "$SHM/t.pcap")
		fi
		read -r sent cap drop cpu <<<"$line"
		nspp=$(awk -v c="$cpu" -v n="$cap" 'BEGIN { printf "%.0f", n ? c * 1e9 / n : 0 }')
		printf '%-8s %4d %10d %10d %10d %8.2f %12s\n' "$tool" "$r" "$sent" "$cap" "$drop" "$cpu" "$nspp"
		tot[$tool.sent]=$(( ${tot[$tool.sent]:-0} + sent ))
		tot[$tool.cap]=$(( ${tot[$tool.cap]:-0} + cap ))
		tot[$tool.drop]=$(( ${tot[$tool.drop]:-0} + drop ))
		tot[$tool.cpu]=$(awk -v a="${tot[$tool.cpu]:-0}" -v b="$cpu" 'BEGIN { print a + b }')
	done
done
echo
awk -v rs="${tot[rawnet.sent]}" -v rc="${tot[rawnet.cap]}" -v rd="${tot[rawnet.drop]}" -v ru="${tot[rawnet.cpu]}" \
    -v ts="${tot[tcpdump.sent]}" -v tc="${tot[tcpdump.cap]}" -v td="${tot[tcpdump.drop]}" -v tu="${tot[tcpdump.cpu]}" '
function pct(a, b) { return b ? 100 * a / b : 0 }
BEGIN {
	printf "rawnet:  captured %.1f%% of sent, dropped %d, %.0f ns CPU per packet\n", pct(rc, rs), rd, rc ? ru * 1e9 / rc : 0
	printf "tcpdump: captured %.1f%% of sent, dropped %d, %.0f ns CPU per packet\n", pct(tc, ts), td, tc ? tu * 1e9 / tc : 0
	if (ru > 0 && rc > 0 && tc > 0)
		printf "CPU per captured packet, tcpdump / rawnet: %.2fx\n", (tu / tc) / (ru / rc)
	printf "drops: rawnet %d, tcpdump %d\n", rd, td
}'

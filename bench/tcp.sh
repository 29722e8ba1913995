#!/bin/bash
# bench/tcp.sh: bulk download goodput of rawnet's own TCP (rawnet http) against
# the kernel's (curl), side by side on the same path: nginx in A, the client in
# B, a bridging namespace W between them (veth, MTU 1500). Offloads off: clean,
# then with 5% of frames dropped each way (target ratio >= 0.9 clean); then on
# stock veths (offloads on: the kernel uses TSO/GRO, 64 KiB frames; target
# >= 0.5). Best of 3 each; prints Mbit/s and the ratio rawnet / curl.
# Root; usage: RAWNET=build/rawnet bench/tcp.sh   (SIZE=bytes, LOSS_SIZE=bytes)
. "$(dirname "$0")/../tests/netns/lib.sh"
. "$(dirname "$0")/../tests/netns/nginx.sh"
need_root
SIZE=${SIZE:-200000000}
LOSS_SIZE=${LOSS_SIZE:-20000000}
mkdir -p "$TMP/www"
head -c "$SIZE" /dev/urandom >"$TMP/www/big.bin"
head -c "$LOSS_SIZE" /dev/urandom >"$TMP/www/loss.bin"
setup() { # RN_OFFLOADS mode: a fresh bridged path with nginx in A
	RN_OFFLOADS=$1
	ns_bridged
	BG_TIMEOUT=900 nginx_start "$NS_A" 80 "$TMP/www" || { echo "nginx did not start"; exit 1; }
}
teardown() {
	local ns p
	for p in "${_ns_pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	for ns in "${_ns_made[@]}"; do
		ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null
		ip netns del "$ns" 2>/dev/null
	done
	_ns_made=() _ns_pids=()
}
setup off

# goodput NAME FILE BYTES CMD...: best of 3 runs of CMD (which fetches FILE), Mbit/s.
goodput() {
	local file=$1 bytes=$2 best=0 r t0 t1 mbit; shift 2
	for r in 1 2 3; do
		t0=$(date +%s%N)
		NS_TIMEOUT=300 in_ns "$NS_B" "$@" "http://$IP_A/$file" >"$TMP/out" 2>"$TMP/err"
		t1=$(date +%s%N)
		local n; n=$(wc -c <"$TMP/out")
		if [ "$n" != "$bytes" ]; then
			echo "short transfer ($*): $n bytes" >&2
			tail -3 "$TMP/err" >&2
			continue
		fi
		mbit=$(awk -v b="$bytes" -v ns=$((t1 - t0)) 'BEGIN { printf "%.0f", b * 8 / ns * 1000 }')
		[ "$mbit" -gt "$best" ] && best=$mbit
	done
	echo "$best"
}
# rawnet's TIME-WAIT runs in the foreground (the kernel's costs curl nothing):
# --time-wait 0 keeps it out of the timing.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
line() { # label rawnet curl
	printf '%-36s curl %6s Mbit/s   rawnet http %6s Mbit/s   ratio %s\n' "$1" "$3" "$2" "$(ratio "$2" "$3")"
}

c=$(goodput big.bin "$SIZE" curl -s)
r=$(goodput big.bin "$SIZE" "$RAWNET" http --time-wait 0 --source-ip 10.77.0.3)
line "offloads off, clean, $((SIZE / 1000000)) MB:" "$r" "$c"
ns_loss 5
c=$(goodput loss.bin "$LOSS_SIZE" curl -s)
r=$(goodput loss.bin "$LOSS_SIZE" "$RAWNET" http --time-wait 0 --source-ip 10.77.0.3)
line "offloads off, 5% loss, $((LOSS_SIZE / 1000000)) MB:" "$r" "$c"
teardown
setup stock
c=$(goodput big.bin "$SIZE" curl -s)
r=$(goodput big.bin "$SIZE" "$RAWNET" http --time-wait 0 --source-ip 10.77.0.3)
line "stock offloads, clean, $((SIZE / 1000000)) MB:" "$r" "$c"

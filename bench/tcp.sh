#!/bin/bash
# bench/tcp.sh: bulk download goodput of rawnet's own TCP (rawnet http) against
# the kernel's (curl), side by side on the same path: nginx in A, the client in
# B, a bridging namespace W between them (veth, MTU 1500, offloads off). Clean,
# then with 5% of frames dropped each way. Best of 3 each; prints Mbit/s and
# the ratio rawnet / curl (target: >= 0.5).
# Root; usage: RAWNET=build/rawnet bench/tcp.sh   (SIZE=bytes, LOSS_SIZE=bytes)
. "$(dirname "$0")/../tests/netns/lib.sh"
. "$(dirname "$0")/../tests/netns/nginx.sh"
need_root
SIZE=${SIZE:-200000000}
LOSS_SIZE=${LOSS_SIZE:-20000000}
ns_bridged
mkdir -p "$TMP/www"
head -c "$SIZE" /dev/urandom >"$TMP/www/big.bin"
head -c "$LOSS_SIZE" /dev/urandom >"$TMP/www/loss.bin"
BG_TIMEOUT=900 nginx_start "$NS_A" 80 "$TMP/www" || { echo "nginx did not start"; exit 1; }

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
	printf '%-28s curl %6s Mbit/s   rawnet http %6s Mbit/s   ratio %s\n' "$1" "$3" "$2" "$(ratio "$2" "$3")"
}

c=$(goodput big.bin "$SIZE" curl -s)
r=$(goodput big.bin "$SIZE" "$RAWNET" http --time-wait 0 --source-ip 10.77.0.3)
line "clean, $((SIZE / 1000000)) MB:" "$r" "$c"
ns_loss 5
c=$(goodput loss.bin "$LOSS_SIZE" curl -s)
r=$(goodput loss.bin "$LOSS_SIZE" "$RAWNET" http --time-wait 0 --source-ip 10.77.0.3)
line "5% loss each way, $((LOSS_SIZE / 1000000)) MB:" "$r" "$c"

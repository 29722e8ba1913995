#!/bin/bash
# make demo (scripts/demo.sh): it runs to the end, explains each step in a
# line, pings with "Hello world!" and shows those bytes, prints the SYN-ACK
# its crafted SYN gets, and removes the namespaces it made.
. "$(dirname "$0")/lib.sh"
need_root
cd "$(dirname "$0")/../.." || exit 2

out=$(RAWNET=$RAWNET timeout 120 scripts/demo.sh 2>&1); rc=$?
is "the demo exits 0" "$rc" 0
steps=$(printf '%s\n' "$out" | sed -n 's/^\(\x1b\[1m\)\{0,1\}==> //p')
check "each step is announced by a line ($(printf '%s\n' "$steps" | wc -l) steps)" \
	test "$(printf '%s\n' "$steps" | wc -l)" -ge 6
like "it makes two namespaces" "$out" '^made rn[0-9]+a and rn[0-9]+b$'
like "the ping gets 3 of 3" "$out" '^3 packets transmitted, 3 received, 0% packet loss'
like "the ping carries \"Hello world!\" (20-byte replies)" "$out" '^20 bytes from 10\.77\.0\.2: icmp_seq=3 '
like "the capture shows the payload bytes" "$out" '4865 6c6c.*Hell'
like "... to the end" "$out" '6f20 776f 726c 6421 .*o\.world!'
like "the crafted SYN is printed" "$out" '^> IP 10\.77\.0\.1\.[0-9]+ > 10\.77\.0\.2\.8080: Flags \[S\], seq 1000,'
like "... and the SYN-ACK that comes back" "$out" '^< IP 10\.77\.0\.2\.8080 > 10\.77\.0\.1\.[0-9]+: Flags \[S\.\], seq [0-9]+, ack 1001,'
like "... answered" "$out" '^1 packet sent, 1 answered$'
like "the last step says it cleans up" "$(printf '%s\n' "$steps" | tail -n 1)" '^Cleaning up'
gone=ok
for ns in $(printf '%s\n' "$out" | sed -n 's/^made \(rn[0-9]*a\) and \(rn[0-9]*b\)$/\1 \2/p'); do
	[ -e "/run/netns/$ns" ] && gone="$ns is still there"
done
is "the demo's namespaces are gone" "$gone" ok
done_testing

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
# issue 5: rawnet tcp --trace --send hello against a kernel echo server, rawnet http from nginx
if "$RAWNET" tcp --help >/dev/null 2>&1; then
	like "tcp: the trace shows our SYN" "$out" '^10\.77\.0\.3:[0-9]+ > 10\.77\.0\.2:7  Flags \[S\]  seq [0-9]+  win [0-9]+  len 0  <mss '
	like "tcp: ... the SYN-ACK" "$out" '^10\.77\.0\.2:7 > 10\.77\.0\.3:[0-9]+  Flags \[S\.\]  seq [0-9]+  ack [0-9]+'
	like "tcp: ... the state change" "$out" '^SYN-SENT -> ESTABLISHED$'
	like "tcp: ... hello sent" "$out" '^10\.77\.0\.3:[0-9]+ > 10\.77\.0\.2:7  Flags \[P\.\].*  len 6  '
	like "tcp: ... hello echoed" "$out" '^hello$'
	like "tcp: ... our FIN" "$out" '^10\.77\.0\.3:[0-9]+ > 10\.77\.0\.2:7  Flags \[F\.\]'
	like "tcp: ... theirs" "$out" '^10\.77\.0\.2:7 > 10\.77\.0\.3:[0-9]+  Flags \[F\.\]'
	like "tcp: from A's own address, the nftables rule is announced" "$out" "10\.77\.0\.1 is this host's address: nftables table inet rawnet_"
	like "tcp: ... and hello again comes back" "$out" '^hello again$'
fi
if "$RAWNET" http --help >/dev/null 2>&1 && command -v nginx >/dev/null; then
	like "http: nginx's status line" "$out" $'^HTTP/1\\.1 200 OK\r$'
	like "http: ... and the page" "$out" '^<html><body>Hello from nginx in rn[0-9]+b</body></html>$'
fi
like "the last step says it cleans up" "$(printf '%s\n' "$steps" | tail -n 1)" '^Cleaning up'
gone=ok
for ns in $(printf '%s\n' "$out" | sed -n 's/^made \(rn[0-9]*a\) and \(rn[0-9]*b\)$/\1 \2/p'); do
	[ -e "/run/netns/$ns" ] && gone="$ns is still there"
done
is "the demo's namespaces are gone" "$gone" ok
done_testing

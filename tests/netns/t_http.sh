#!/bin/bash
# modes: stock off
# rawnet http against nginx (and canned socat answers) in namespace A:
# a 20 MB download verified by SHA-256 through `rawnet wire` (delay,
# reordering, duplication), on a clean bridged path and with 5% of frames
# dropped each way; -i, -L, status codes, chunked and read-until-close
# bodies, IPv6, bad and https URLs, the progress bar only on a terminal.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/nginx.sh"
need_root
ns_middle

mkdir -p "$TMP/www"
echo "hello from nginx" >"$TMP/www/hello.txt"
head -c 20000000 /dev/urandom >"$TMP/www/big.bin"
want=$(sha256sum <"$TMP/www/big.bin")
nginx_start "$NS_A" 80 "$TMP/www" || not_ok "nginx listens"

head -c 50000000 /dev/urandom >"$TMP/www/huge.bin"
want_huge=$(sha256sum <"$TMP/www/huge.bin")

# fetch_big NAME ARGS...: downloads big.bin (20 MB; FILE=huge.bin: 50 MB) from
# $HOST_A (default $IP_A) with ARGS, checks exit status and SHA-256.
fetch_big() {
	local name=$1; shift
	local file=${FILE:-big.bin} host=${HOST_A:-$IP_A} sum=$want mb=20
	[ "$file" = huge.bin ] && sum=$want_huge mb=50
	rm -f "$TMP/got.bin"
	local t0=$(date +%s%N)
	NS_TIMEOUT=${FETCH_TIMEOUT:-60} in_ns "$NS_B" "$RAWNET" http "$@" -o "$TMP/got.bin" \
		"http://$host/$file" 2>"$TMP/fetch.err"
	local rc=$? ms=$((($(date +%s%N) - t0) / 1000000))
	is "$name: exit 0" "$rc" 0
	is "$name: SHA-256 of $mb MB" "$(sha256sum <"$TMP/got.bin" 2>/dev/null)" "$sum"
	echo "# $name: $ms ms"
	[ "$rc" = 0 ] || sed 's/^/#   /' "$TMP/fetch.err" | tail -5
}

# --- through rawnet wire: 10 ms delay, 10% reordered, 5% duplicated ---
if "$RAWNET" wire --help >/dev/null 2>&1; then
	BG_OUT=$TMP/wire.log bg_ns "$NS_W" "$RAWNET" wire w_a w_b --delay 10ms --reorder 10% --dup 5% --stats
	wire_pid=$BG_PID
	sleep 0.5
	fetch_big "wire (delay, reorder, dup)" --source-ip 10.77.0.3
	kill "$wire_pid" 2>/dev/null
	wait "$wire_pid" 2>/dev/null
	like "wire: the download's frames were delayed, reordered and duplicated" "$(cat "$TMP/wire.log")" \
		"delayed [1-9][0-9]*, reordered [1-9][0-9]*, duplicated [1-9]"
else
	skip "wire (delay, reorder, dup)" "rawnet wire is not built"
fi

# --- routed: W forwards between 10.77.1.0/24 (A) and 10.77.2.0/24 (B), so
# the next hop is W's address from B's routing table, found by our own ARP ---
ip netns exec "$NS_W" sysctl -qw net.ipv4.ip_forward=1
ip -n "$NS_W" addr add 10.77.1.254/24 dev w_a
ip -n "$NS_W" addr add 10.77.2.254/24 dev w_b
ip -n "$NS_A" addr add 10.77.1.1/24 dev "$IF_A"
ip -n "$NS_A" route add 10.77.2.0/24 via 10.77.1.254
ip -n "$NS_B" addr add 10.77.2.2/24 dev "$IF_B"
ip -n "$NS_B" route add 10.77.1.0/24 via 10.77.2.254
out=$(NS_TIMEOUT=20 in_ns "$NS_B" "$RAWNET" http --trace --source-ip 10.77.2.3 http://10.77.1.1/hello.txt 2>"$TMP/routed.err")
is "routed: exit 0, body" "$?:$out" "0:hello from nginx"
like "routed: ARP asks for the gateway" "$(cat "$TMP/routed.err")" "^ARP: who has 10\.77\.2\.254\? tell 10\.77\.2\.3$"
like "routed: the gateway learned us" "$(ip -n "$NS_W" neigh show 10.77.2.3)" "lladdr $MAC_B"
# the same over IPv6: the gateway found by our own neighbour solicitation
ip netns exec "$NS_W" sysctl -qw net.ipv6.conf.all.forwarding=1
ip -n "$NS_W" addr add fd77:1::fe/64 dev w_a nodad
ip -n "$NS_W" addr add fd77:2::fe/64 dev w_b nodad
ip -n "$NS_A" addr add fd77:1::1/64 dev "$IF_A" nodad
ip -n "$NS_A" route add fd77:2::/64 via fd77:1::fe
ip -n "$NS_B" addr add fd77:2::2/64 dev "$IF_B" nodad
ip -n "$NS_B" route add fd77:1::/64 via fd77:2::fe
out=$(NS_TIMEOUT=20 in_ns "$NS_B" "$RAWNET" http --trace --source-ip fd77:2::3 "http://[fd77:1::1]/hello.txt" 2>"$TMP/routed6.err")
is "routed IPv6: exit 0, body" "$?:$out" "0:hello from nginx"
like "routed IPv6: ND asks for the gateway" "$(cat "$TMP/routed6.err")" "^ND: who has fd77:2::fe\? tell fd77:2::3$"
like "routed IPv6: the gateway learned us" "$(ip -n "$NS_W" -6 neigh show fd77:2::3)" "lladdr $MAC_B"
ip -n "$NS_W" addr flush dev w_a
ip -n "$NS_W" addr flush dev w_b

# --- a plain bridge from here on ---
ip -n "$NS_W" link add br0 type bridge
ip -n "$NS_W" link set w_a master br0
ip -n "$NS_W" link set w_b master br0
ip -n "$NS_W" link set br0 up

# 50 MB, IPv4 and IPv6, from a free address and from B's own
FILE=huge.bin fetch_big "clean path, foreign address" --source-ip 10.77.0.3
FILE=huge.bin fetch_big "clean path, host address"
FILE=huge.bin HOST_A="[$IP6_A]" fetch_big "clean path, IPv6, foreign address" --source-ip fd77::3
FILE=huge.bin HOST_A="[$IP6_A]" fetch_big "clean path, IPv6, host address"

out=$(NS_TIMEOUT=20 in_ns "$NS_B" "$RAWNET" http -i --source-ip 10.77.0.3 "http://$IP_A/hello.txt" 2>"$TMP/err")
rc=$?
is "-i: exit 0" "$rc" 0
like "-i: status line" "$out" $'^HTTP/1.1 200 OK\r$'
like "-i: Content-Length" "$out" $'^Content-Length: 17\r$'
like "-i: body after the empty line" "$out" $'^\r$'
like "-i: body" "$out" "^hello from nginx$"
is "not a terminal: nothing on stderr" "$(cat "$TMP/err")" ""

out=$(NS_TIMEOUT=20 in_ns "$NS_B" "$RAWNET" http --source-ip 10.77.0.3 "http://$IP_A/none" 2>&1)
is "404: exit 1" "$?" 1
like "404: nginx's page" "$out" "404 Not Found"
out=$(NS_TIMEOUT=20 in_ns "$NS_B" "$RAWNET" http --source-ip 10.77.0.3 "http://$IP_A/redirect" 2>&1)
is "302 without -L: exit 1" "$?" 1
out=$(NS_TIMEOUT=20 in_ns "$NS_B" "$RAWNET" http -L -i --source-ip 10.77.0.3 "http://$IP_A/redirect" 2>&1)
is "302 with -L: exit 0" "$?" 0
like "302 with -L: the first answer" "$out" $'^HTTP/1.1 302 Moved Temporarily\r$'
like "302 with -L: then hello.txt" "$out" "^hello from nginx$"

out=$(NS_TIMEOUT=20 in_ns "$NS_B" "$RAWNET" http -H 'X-Test: 1' -H 'User-Agent: tester' --source-ip fd77::3 "http://[$IP6_A]/hello.txt" 2>&1)
is "IPv6: exit 0, body" "$?:$out" "0:hello from nginx"

out=$(in_ns "$NS_B" "$RAWNET" http https://example.com/ 2>&1)
is "https: exit 2" "$?" 2
like "https: TLS is not supported" "$out" "TLS is not supported"
out=$(in_ns "$NS_B" "$RAWNET" http http://:80/ 2>&1)
is "bad URL: exit 2" "$?" 2
like "bad URL: says why" "$out" "empty host"
out=$(in_ns "$NS_B" "$RAWNET" http -H 'Bad header' http://10.77.0.1/ 2>&1)
is "bad -H: exit 2" "$?" 2

# --- chunked and read-until-close bodies, from canned answers ---
# answer.sh FILE: reads the request head, then sends FILE. (An answer sent
# without reading the request made socat, whose child had exited, sometimes
# close the connection before relaying the answer: a FIN without data.)
cat >"$TMP/answer.sh" <<'SH'
cr=$(printf '\r')
while IFS= read -r line; do [ "$line" = "$cr" ] || [ -z "$line" ] && break; done
cat "$1"
SH
printf 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nhello \r\n7;ext=1\r\nchunked\r\n0\r\nX-Trailer: 1\r\n\r\n' >"$TMP/chunked.txt"
printf 'HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil\nclose\n' >"$TMP/close.txt"
BG_OUT=$TMP/c1.log bg_ns "$NS_A" socat TCP-LISTEN:81,reuseaddr,fork SYSTEM:"sh $TMP/answer.sh $TMP/chunked.txt"
BG_OUT=$TMP/c2.log bg_ns "$NS_A" socat TCP-LISTEN:82,reuseaddr,fork SYSTEM:"sh $TMP/answer.sh $TMP/close.txt"
wait_port "$NS_A" 81
wait_port "$NS_A" 82
out=$(NS_TIMEOUT=20 in_ns "$NS_B" "$RAWNET" http --source-ip 10.77.0.3 "http://$IP_A:81/" 2>&1)
is "chunked: exit 0, body" "$?:$out" "0:hello chunked"
out=$(NS_TIMEOUT=20 in_ns "$NS_B" "$RAWNET" http --source-ip 10.77.0.3 "http://$IP_A:82/" 2>&1)
is "until close: exit 0, body" "$?:$out" "0:until
close"

# --- the request: default fields, -H adds, replaces and removes ---
printf 'HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok\n' >"$TMP/ok.txt"
printf 'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort' >"$TMP/short.txt"
BG_OUT=$TMP/c3.log bg_ns "$NS_A" socat -v TCP-LISTEN:83,reuseaddr,fork SYSTEM:"sh $TMP/answer.sh $TMP/ok.txt"
BG_OUT=$TMP/c4.log bg_ns "$NS_A" socat TCP-LISTEN:84,reuseaddr,fork SYSTEM:"sh $TMP/answer.sh $TMP/short.txt"
wait_port "$NS_A" 83
wait_port "$NS_A" 84
out=$(NS_TIMEOUT=20 in_ns "$NS_B" "$RAWNET" http --source-ip 10.77.0.3 "http://$IP_A:83/a?b" 2>&1)
is "request: exit 0, body" "$?:$out" "0:ok"
out=$(NS_TIMEOUT=20 in_ns "$NS_B" "$RAWNET" http -H 'X-Test: 1' -H 'User-Agent: tester' -H 'Accept:' \
	--source-ip 10.77.0.3 "http://$IP_A:83/h" 2>&1)
is "-H: exit 0, body" "$?:$out" "0:ok"
for _ in $(seq 20); do [ "$(grep -c '^GET ' "$TMP/c3.log")" = 2 ] && break; sleep 0.1; done
req1=$(sed -n '/^GET \/a?b /,/^\\r$/p' "$TMP/c3.log")
req2=$(sed -n '/^GET \/h /,/^\\r$/p' "$TMP/c3.log")
like "request: GET /a?b HTTP/1.1" "$req1" '^GET /a\?b HTTP/1\.1\\r$'
like "request: Host with the port" "$req1" '^Host: 10\.77\.0\.1:83\\r$'
like "request: a User-Agent" "$req1" '^User-Agent: rawnet'
like "request: Accept" "$req1" '^Accept: '
like "request: Connection: close" "$req1" '^Connection: close\\r$'
like "-H: the added field is sent" "$req2" '^X-Test: 1\\r$'
like "-H: the replaced field is sent" "$req2" '^User-Agent: tester\\r$'
is "-H: one User-Agent only" "$(grep -c '^User-Agent' <<<"$req2")" 1
unlike "-H 'Accept:': the default field is removed" "$req2" '^Accept'
out=$(NS_TIMEOUT=20 in_ns "$NS_B" "$RAWNET" http --source-ip 10.77.0.3 "http://$IP_A:84/" 2>&1)
is "body cut short: exit 1" "$?" 1
like "body cut short: says so" "$out" "5 of 100 body bytes"

# --- host names through the system resolver (/etc/hosts, in a private mount namespace) ---
printf '10.77.0.1 www.rawnet.test\n' >"$TMP/hosts"
out=$(NS_TIMEOUT=20 in_ns "$NS_B" unshare -m sh -c \
	"mount --bind $TMP/hosts /etc/hosts && exec $RAWNET http --source-ip 10.77.0.3 http://www.rawnet.test:83/n" 2>&1)
is "host name: resolved, exit 0, body" "$?:$out" "0:ok"
for _ in $(seq 20); do grep -q '^GET /n ' "$TMP/c3.log" && break; sleep 0.1; done
like "host name: Host field names it" "$(sed -n '/^GET \/n /,/^\\r$/p' "$TMP/c3.log")" '^Host: www\.rawnet\.test:83\\r$'
# Inside the namespace (no route out), so the resolver's query never leaves it.
out=$(in_ns "$NS_B" "$RAWNET" http http://no-such-host.invalid/ 2>&1)
is "unknown host name: exit 2" "$?" 2
like "unknown host name: one line naming it" "$out" '^rawnet http: no-such-host\.invalid: '
out=$(in_ns "$NS_B" "$RAWNET" tcp no-such-host.invalid 80 2>&1 </dev/null)
is "rawnet tcp, unknown host name: exit 2" "$?" 2
like "rawnet tcp, unknown host name: one line naming it" "$out" '^rawnet tcp: no-such-host\.invalid: '

# --- a progress bar on a terminal ---
if command -v script >/dev/null; then
	out=$(NS_TIMEOUT=30 in_ns "$NS_B" script -qec "$RAWNET http --source-ip 10.77.0.3 -o $TMP/tty.bin http://$IP_A/big.bin" /dev/null 2>&1)
	like "terminal: a progress bar reaching 100%" "$out" "\[#+\] 100%  20\.0 MB / 20\.0 MB"
	out=$(NS_TIMEOUT=20 in_ns "$NS_B" script -qec "$RAWNET http --source-ip 10.77.0.3 http://$IP_A/hello.txt" /dev/null 2>&1)
	is "terminal, small body: no progress bar" "$(tr -d '\r' <<<"$out")" "hello from nginx"
else
	skip "terminal: a progress bar" "no script(1)"
fi

# --- this host itself, over lo: nginx in B on 127.0.0.1, ::1 and B's own
# address (a fresh namespace's lo, as a learner's first try on a laptop) ---
nginx_start "$NS_B" 8080 "$TMP/www" || not_ok "nginx in B listens"
for h in 127.0.0.1 "[::1]" "$IP_B"; do
	FILE=huge.bin HOST_A="$h:8080" fetch_big "loopback, $h"
done
like "loopback: names the firewall rule for lo's own address" "$(cat "$TMP/fetch.err")" \
	"10\.77\.0\.2 is this host's address: nftables table inet rawnet_"

# --- 5% of frames dropped each way ---
ns_loss 5
FETCH_TIMEOUT=90 fetch_big "5% loss each way" --source-ip 10.77.0.3
drops=$(ip netns exec "$NS_W" nft list table bridge rnloss | grep -o 'packets [0-9]*' | cut -d' ' -f2)
# (on a stock veth the bridge forwards TSO frames of up to 64 KiB: fewer, larger drops)
check "5% loss: the bridge dropped frames ($drops)" test "${drops:-0}" -gt 20

done_testing

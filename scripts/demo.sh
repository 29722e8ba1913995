#!/bin/bash
# make demo: a guided tour of rawnet in two network namespaces (root).
# Each step prints one line saying what it does, then what happened.
# Everything it makes (namespaces, veths, listeners) is removed on exit.
set -u
cd "$(dirname "$0")/.." || exit 2
if [ "$(id -u)" != 0 ]; then
	echo "demo: needs root (network namespaces, raw sockets): sudo make demo" >&2
	exit 2
fi
RAWNET=${RAWNET:-$PWD/build/rawnet}
if [ ! -x "$RAWNET" ]; then
	echo "demo: $RAWNET is not built (run make)" >&2
	exit 2
fi
export RAWNET
# The namespace library of the tests: ns_pair, bg_ns, capture_*, cleanup on exit.
. tests/netns/lib.sh

if [ -t 1 ]; then B=$'\033[1m' N=$'\033[0m'; else B= N=; fi
step() { printf '\n%s==> %s%s\n' "$B" "$*" "$N"; }
has_command() { "$RAWNET" "$1" --help >/dev/null 2>&1; }

step "Two network namespaces, A (10.77.0.1, fd77::1) and B (10.77.0.2, fd77::2), joined by a veth pair"
ns_pair
echo "made $NS_A and $NS_B"

step "A pings B: ICMP echo requests built by hand on a raw socket, payload \"Hello world!\""
capture_start "$NS_B" "$IF_B" "$TMP/ping.pcap" icmp
in_ns "$NS_A" "$RAWNET" ping -c 3 -i 0.3 --data "Hello world!" "$IP_B"
capture_stop

step "What B received (tcpdump -X of the first request): the 12 bytes after the ICMP header"
tcpdump -n -r "$TMP/ping.pcap" -X -c 1 'icmp[icmptype] == 8' 2>/dev/null

step "The same over IPv6 (ICMPv6 echo, checksum over the IPv6 pseudo-header)"
in_ns "$NS_A" "$RAWNET" ping -6 -c 2 -i 0.3 "$IP6_B"

step "Without root: user nobody gets an ICMP datagram socket (net.ipv4.ping_group_range allows it)"
in_ns "$NS_A" setpriv --reuid=65534 --regid=65534 --clear-groups "$RAWNET" ping -c 2 -i 0.3 "$IP_B"

step "B listens on TCP port 8080 (socat, a normal kernel socket)"
BG_OUT="$TMP/socat.log" bg_ns "$NS_B" socat TCP-LISTEN:8080,reuseaddr,fork SYSTEM:'echo hello'
if wait_port "$NS_B" 8080 5; then echo "listening"; else echo "socat did not start"; fi

if has_command send; then
	step "A sends a crafted SYN (ip / tcp flags=S seq=1000) and prints the SYN-ACK B's kernel answers"
	in_ns "$NS_A" "$RAWNET" send --reply -W 2 "ip dst=$IP_B / tcp dport=8080 flags=S seq=1000"
	echo "(A's kernel knows no such connection, so it answers that SYN-ACK with a RST.)"
else
	step "A crafted SYN and its SYN-ACK: skipped, this build has no 'rawnet send' yet"
fi

if has_command tcp; then
	step "B runs a kernel echo server on TCP port 7 (socat ... EXEC:cat)"
	BG_OUT="$TMP/echo.log" bg_ns "$NS_B" socat TCP-LISTEN:7,reuseaddr,fork EXEC:cat
	if wait_port "$NS_B" 7 5; then echo "listening"; else echo "socat did not start"; fi

	step "A talks to it with rawnet's own TCP (rawnet tcp --trace --send hello): ARP, handshake, data, FIN both ways"
	echo "(A uses 10.77.0.3, an address nobody has: rawnet answers ARP for it, and A's kernel never sees the connection.)"
	in_ns "$NS_A" "$RAWNET" tcp --trace --source-ip 10.77.0.3 --send 'hello\n' "$IP_B" 7

	step "The same from A's own address 10.77.0.1: an nftables rule keeps A's kernel from resetting the connection"
	in_ns "$NS_A" "$RAWNET" tcp --send 'hello again\n' "$IP_B" 7
fi
if has_command http && command -v nginx >/dev/null; then
	step "B serves a page with nginx; A fetches it with rawnet http (HTTP/1.1 GET over the same TCP stack)"
	. tests/netns/nginx.sh
	mkdir -p "$TMP/www"
	printf '<html><body>Hello from nginx in %s</body></html>\n' "$NS_B" >"$TMP/www/index.html"
	if nginx_start "$NS_B" 80 "$TMP/www"; then
		in_ns "$NS_A" "$RAWNET" http -i --source-ip 10.77.0.3 "http://$IP_B/"
	else
		echo "nginx did not start"
	fi
fi

step "Cleaning up: the namespaces and everything in them are removed"

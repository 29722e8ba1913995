# tests/netns/lib.sh: namespaces, veth pairs and TAP assertions for the
# integration tests. Source it from a test script (bash), then call ns_pair or
# ns_bridged; everything made here is removed on exit, also on failure.
#
# Topology made by ns_pair:
#     $NS_A (veth a0, 10.77.0.1/24, fd77::1/64) <-> $NS_B (veth b0, 10.77.0.2/24, fd77::2/64)
# ns_bridged / ns_middle put a namespace $NS_W between them, holding w_a (to A)
# and w_b (to B); ns_bridged bridges them (br0) and ns_loss drops frames there
# with nftables numgen; ns_middle leaves them unbridged for `rawnet wire`.
#
# ns_chain N puts N routers (forwarding on) between A and B instead:
#     $NS_A a0 --- l0 R1 r0 --- l0 R2 r0 --- ... --- l0 RN r0 --- b0 $NS_B
# Link k (1..N+1) is 10.77.k.0/24 and fd77:k::/64, its left end .1 / ::1 and
# its right end .2 / ::2, so IP_A=10.77.1.1, IP_B=10.77.(N+1).2, and router i
# is NS_R[i] (names rn<pid>r<i>) with ${IP_R[i]}=10.77.i.2 / ${IP6_R[i]}=fd77:i::2
# (the address it answers from towards A: its left leg). Every node has routes
# to every link, so a traceroute from A lists IP_R[1..N], then IP_B. The
# routers and B send ICMP errors without rate limits (icmp_ratelimit=0).
# (Not so IPv4's errors for routes of type unreachable/prohibit, or for no
# route at all: their limit, net.ipv4.route.error_cost, is not per namespace;
# use nft reject rules to make a router answer !N/!H/!X every time.)
#
# Offloads: RN_OFFLOADS=stock leaves every veth as `ip link add` makes it
# (TX checksum offload, TSO, GSO, GRO on: what users have); RN_OFFLOADS=off
# turns them off, for tests about exact on-wire bytes (say so where you set it).
# Set it before calling ns_pair/ns_middle/ns_bridged.
#
# Assertions print TAP lines ("ok N - name" / "not ok N - name") that
# tests/run.sh counts. Every command that touches traffic is bounded by timeout.

set -u
RAWNET=${RAWNET:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/build/rawnet}
RN_SHARED=${RN_SHARED:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)/shared}
# Unique per run, so parallel runs never collide: rn<pid>a, rn<pid>b, rn<pid>w.
NS_PREFIX="rn$$"
NS_A="${NS_PREFIX}a" NS_B="${NS_PREFIX}b" NS_W="${NS_PREFIX}w"
IP_A=10.77.0.1 IP_B=10.77.0.2 IP6_A=fd77::1 IP6_B=fd77::2
IF_A=a0 IF_B=b0
RN_OFFLOADS=${RN_OFFLOADS:-off}
TMP=$(mktemp -d /tmp/rawnet-netns.XXXXXX)
_ns_made=() _ns_pids=() _tap_n=0 _tap_failed=0

_ns_cleanup() {
	local p ns
	for p in "${_ns_pids[@]}"; do
		kill "$p" 2>/dev/null
	done
	for p in "${_ns_pids[@]}"; do
		# give each process a moment, then make sure
		for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$p" 2>/dev/null
	done
	for ns in "${_ns_made[@]}"; do
		# anything still running in a namespace we made dies with it
		ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null
		ip netns del "$ns" 2>/dev/null
	done
	rm -rf "$TMP"
}
trap _ns_cleanup EXIT
trap 'exit 130' INT TERM

# Runs a command inside namespace $1, bounded by ${NS_TIMEOUT:-30} seconds.
in_ns() {
	local ns=$1; shift
	timeout "${NS_TIMEOUT:-30}" ip netns exec "$ns" "$@"
}

# Starts a command inside namespace $1 in the background; its PID is in $BG_PID
# and it is killed at exit. Output goes to the file named by $BG_OUT if set.
bg_ns() {
	local ns=$1; shift
	local out=${BG_OUT:-/dev/null}
	timeout "${BG_TIMEOUT:-120}" ip netns exec "$ns" "$@" >"$out" 2>&1 &
	BG_PID=$!
	_ns_pids+=("$BG_PID")
}

_ns_add() {
	ip netns add "$1" || { echo "not ok - cannot create namespace $1"; exit 1; }
	_ns_made+=("$1")
	ip -n "$1" link set lo up
	ip netns exec "$1" sysctl -qw net.ipv4.ping_group_range="0 2147483647"
	ip netns exec "$1" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
}

_ns_offloads_off() { # ns ifname: always off, whatever the mode
	ip netns exec "$1" ethtool -K "$2" tx off tso off gso off gro off >/dev/null 2>&1 || true
}
_ns_offloads() { # ns ifname: as RN_OFFLOADS says (stock: no ethtool call at all)
	[ "$RN_OFFLOADS" = stock ] || _ns_offloads_off "$1" "$2"
}

_ns_addr() { # ns ifname ipv4 ipv6
	ip -n "$1" addr add "$3/24" dev "$2"
	ip -n "$1" addr add "$4/64" dev "$2" nodad
	ip -n "$1" link set "$2" up
}

# Two namespaces joined by one veth pair.
ns_pair() {
	_ns_add "$NS_A"
	_ns_add "$NS_B"
	ip link add "$IF_A" netns "$NS_A" type veth peer name "$IF_B" netns "$NS_B" ||
		{ echo "not ok - cannot create veth"; exit 1; }
	_ns_offloads "$NS_A" "$IF_A"
	_ns_offloads "$NS_B" "$IF_B"
	_ns_addr "$NS_A" "$IF_A" "$IP_A" "$IP6_A"
	_ns_addr "$NS_B" "$IF_B" "$IP_B" "$IP6_B"
	MAC_A=$(ip -n "$NS_A" -br link show "$IF_A" | awk '{print $3}')
	MAC_B=$(ip -n "$NS_B" -br link show "$IF_B" | awk '{print $3}')
}

# A and B with a middle namespace W: a0 <-> w_a (in W), w_b (in W) <-> b0.
# The two W legs are up but not connected: ns_bridged bridges them, or a test
# runs `rawnet wire w_a w_b` there.
ns_middle() {
	_ns_add "$NS_A"
	_ns_add "$NS_B"
	_ns_add "$NS_W"
	ip link add "$IF_A" netns "$NS_A" type veth peer name w_a netns "$NS_W" &&
		ip link add "$IF_B" netns "$NS_B" type veth peer name w_b netns "$NS_W" ||
		{ echo "not ok - cannot create veth"; exit 1; }
	local x
	for x in "$NS_A:$IF_A" "$NS_B:$IF_B" "$NS_W:w_a" "$NS_W:w_b"; do
		_ns_offloads "${x%%:*}" "${x#*:}"
	done
	ip -n "$NS_W" link set w_a up
	ip -n "$NS_W" link set w_b up
	_ns_addr "$NS_A" "$IF_A" "$IP_A" "$IP6_A"
	_ns_addr "$NS_B" "$IF_B" "$IP_B" "$IP6_B"
	MAC_A=$(ip -n "$NS_A" -br link show "$IF_A" | awk '{print $3}')
	MAC_B=$(ip -n "$NS_B" -br link show "$IF_B" | awk '{print $3}')
}

# N routers in a chain between A and B (see the top of this file).
ns_chain() {
	local n=$1 i k ns
	NS_R=() IP_R=() IP6_R=()
	_ns_add "$NS_A"
	_ns_add "$NS_B"
	for ((i = 1; i <= n; i++)); do
		NS_R[i]="${NS_PREFIX}r$i" IP_R[i]=10.77.$i.2 IP6_R[i]=fd77:$i::2
		_ns_add "${NS_R[i]}"
		ip netns exec "${NS_R[i]}" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
	done
	# No ICMP rate limits in the routers and B: every probe of a parallel
	# traceroute or scan gets its answer, so runs of different tools agree.
	for ns in "${NS_R[@]}" "$NS_B"; do
		ip netns exec "$ns" sysctl -qw net.ipv4.icmp_ratelimit=0 net.ipv4.icmp_ratemask=0 \
			net.ipv6.icmp.ratelimit=0 net.ipv6.icmp.ratemask=
	done
	# link k joins node k-1 (A when k=1) to node k (B when k=n+1)
	local lns lif rns rif
	for ((k = 1; k <= n + 1; k++)); do
		if ((k == 1)); then lns=$NS_A lif=$IF_A; else lns=${NS_R[k-1]} lif=r0; fi
		if ((k == n + 1)); then rns=$NS_B rif=$IF_B; else rns=${NS_R[k]} rif=l0; fi
		ip link add "$lif" netns "$lns" type veth peer name "$rif" netns "$rns" ||
			{ echo "not ok - cannot create veth"; exit 1; }
		_ns_offloads "$lns" "$lif"
		_ns_offloads "$rns" "$rif"
		_ns_addr "$lns" "$lif" "10.77.$k.1" "fd77:$k::1"
		_ns_addr "$rns" "$rif" "10.77.$k.2" "fd77:$k::2"
	done
	ip -n "$NS_A" route add default via 10.77.1.2
	ip -n "$NS_A" -6 route add default via fd77:1::2
	ip -n "$NS_B" route add default via "10.77.$((n + 1)).1"
	ip -n "$NS_B" -6 route add default via "fd77:$((n + 1))::1"
	for ((i = 1; i <= n; i++)); do
		for ((k = 1; k <= n + 1; k++)); do
			if ((k < i)); then
				ip -n "${NS_R[i]}" route add "10.77.$k.0/24" via "10.77.$i.1"
				ip -n "${NS_R[i]}" -6 route add "fd77:$k::/64" via "fd77:$i::1"
			elif ((k > i + 1)); then
				ip -n "${NS_R[i]}" route add "10.77.$k.0/24" via "10.77.$((i + 1)).2"
				ip -n "${NS_R[i]}" -6 route add "fd77:$k::/64" via "fd77:$((i + 1))::2"
			fi
		done
	done
	IP_A=10.77.1.1 IP6_A=fd77:1::1 IP_B=10.77.$((n + 1)).2 IP6_B=fd77:$((n + 1))::2
	MAC_A=$(ip -n "$NS_A" -br link show "$IF_A" | awk '{print $3}')
	MAC_B=$(ip -n "$NS_B" -br link show "$IF_B" | awk '{print $3}')
}

# ns_middle with W bridging its two legs (a plain wire until ns_loss).
ns_bridged() {
	ns_middle
	ip -n "$NS_W" link add br0 type bridge
	ip -n "$NS_W" link set w_a master br0
	ip -n "$NS_W" link set w_b master br0
	ip -n "$NS_W" link set br0 up
}

# Drops PERCENT% of the frames W forwards, each way (nftables numgen).
ns_loss() {
	local pct=$1
	ip netns exec "$NS_W" nft add table bridge rnloss &&
	ip netns exec "$NS_W" nft add chain bridge rnloss fw '{ type filter hook forward priority 0; }' &&
	if [ "$pct" -ge 100 ]; then
		ip netns exec "$NS_W" nft add rule bridge rnloss fw counter drop
	else
		ip netns exec "$NS_W" nft add rule bridge rnloss fw numgen random mod 100 '<' "$pct" counter drop
	fi
}

# --- TAP assertions -------------------------------------------------------
ok() { # name: record a pass
	_tap_n=$((_tap_n + 1)); echo "ok $_tap_n - $1"
}
not_ok() { # name [detail]
	_tap_n=$((_tap_n + 1)); _tap_failed=1; echo "not ok $_tap_n - $1"
	[ $# -gt 1 ] && printf '%s\n' "$2" | sed 's/^/#   /'
	return 0
}
skip() { # name reason
	_tap_n=$((_tap_n + 1)); echo "ok $_tap_n - $1 # SKIP $2"
}
# check NAME CMD...: passes when the command exits 0.
check() {
	local name=$1; shift
	local out
	if out=$("$@" 2>&1); then ok "$name"; else not_ok "$name" "$(printf '%s\n' "$out" | tail -n 15)"; fi
}
# is NAME ACTUAL EXPECTED
is() {
	if [ "$2" == "$3" ]; then ok "$1"; else not_ok "$1" "expected: [$3]
got:      [$2]"; fi
}
# like NAME TEXT REGEX (extended regex, multi-line text)
like() {
	if printf '%s\n' "$2" | grep -Eq -- "$3"; then ok "$1"; else not_ok "$1" "no match for /$3/ in:
$(printf '%s\n' "$2" | head -n 20)"; fi
}
unlike() {
	if printf '%s\n' "$2" | grep -Eq -- "$3"; then not_ok "$1" "unexpected match for /$3/ in:
$(printf '%s\n' "$2" | head -n 20)"; else ok "$1"; fi
}
# Ends the script: exit status 1 when any assertion failed.
done_testing() {
	echo "1..$_tap_n"
	exit "$_tap_failed"
}

need_root() {
	if [ "$(id -u)" != 0 ]; then echo "1..0 # SKIP needs root"; exit 0; fi
}

# Waits (bounded) until a TCP port listens in namespace $1: wait_port NS PORT [SECONDS]
wait_port() {
	local i
	for ((i = 0; i < ${3:-5} * 10; i++)); do
		ip netns exec "$1" ss -Hltn "sport = :$2" 2>/dev/null | grep -q . && return 0
		sleep 0.1
	done
	return 1
}

# --- captures and checksum validation -------------------------------------
# capture_start NS IF FILE [tcpdump filter...]: tcpdump writes FILE (packet-
# buffered) until capture_stop; returns once tcpdump is listening.
capture_start() {
	local ns=$1 ifc=$2 file=$3; shift 3
	local log="$TMP/capture.$RANDOM.log"
	BG_OUT=$log bg_ns "$ns" tcpdump -n -i "$ifc" -U --immediate-mode -Z root -w "$file" "$@"
	CAP_PID=$BG_PID
	local i
	for ((i = 0; i < 50; i++)); do
		grep -q "listening on" "$log" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}
# capture_stop: lets the last packets land, then stops the capture started last.
capture_stop() {
	sleep 0.3
	kill -INT "$CAP_PID" 2>/dev/null
	wait "$CAP_PID" 2>/dev/null
	return 0
}
# bad_checksums FILE: prints how many packets in FILE have a bad IPv4, ICMP,
# ICMPv6, TCP or UDP checksum, as tshark (with validation on) judges them.
bad_checksums() {
	timeout 60 tshark -n -r "$1" \
		-o ip.check_checksum:TRUE -o tcp.check_checksum:TRUE -o udp.check_checksum:TRUE \
		-Y 'ip.checksum.status==0 || tcp.checksum.status==0 || udp.checksum.status==0 || icmp.checksum.status==0 || icmpv6.checksum.status==0' \
		2>/dev/null | wc -l
}
# tshark_count FILE [display filter]: packets in FILE (matching the filter).
tshark_count() {
	if [ $# -gt 1 ]; then
		timeout 60 tshark -n -r "$1" -Y "$2" 2>/dev/null | wc -l
	else
		timeout 60 tshark -n -r "$1" 2>/dev/null | wc -l
	fi
}

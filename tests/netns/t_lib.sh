# The namespace library itself: both topologies come up, carry traffic, and
# loss in the bridging namespace is real.
. "$(dirname "$0")/lib.sh"
need_root
ns_pair
check "A pings B over the veth pair (IPv4)" in_ns "$NS_A" ping -c 1 -W 2 "$IP_B"
check "A pings B over the veth pair (IPv6)" in_ns "$NS_A" ping -6 -c 1 -W 2 "$IP6_B"
off=$(ip netns exec "$NS_A" ethtool -k "$IF_A" | awk '/^tcp-segmentation-offload:/{print $2}')
if [ "$RN_OFFLOADS" = stock ]; then
	is "stock mode: TSO is on on the veth, as ip link add leaves it" "$off" "on"
else
	is "offloads are off on the veth" "$off" "off"
fi
capture_start "$NS_B" "$IF_B" "$TMP/c.pcap" icmp
in_ns "$NS_A" ping -c 2 -i 0.2 -W 2 "$IP_B" >/dev/null
capture_stop
is "the capture helper records the pings (4 packets)" "$(tshark_count "$TMP/c.pcap")" 4
is "kernel ICMP has good checksums per tshark" "$(bad_checksums "$TMP/c.pcap")" 0
# A deliberately broken checksum is caught: corrupt one byte of the ICMP payload.
python3 - "$TMP/c.pcap" "$TMP/bad.pcap" <<'PY'
import sys
b = bytearray(open(sys.argv[1], 'rb').read())
b[24 + 16 + 14 + 20 + 10] ^= 0xff   # global hdr, rec hdr, eth, ip, into the ICMP data
open(sys.argv[2], 'wb').write(b)
PY
is "bad_checksums sees a corrupted ICMP checksum" "$(bad_checksums "$TMP/bad.pcap")" 1
ip netns del "$NS_A"; ip netns del "$NS_B"; _ns_made=()
ns_bridged
check "A pings B through the bridging namespace" in_ns "$NS_A" ping -c 2 -i 0.2 -W 2 "$IP_B"
ns_loss 100
if in_ns "$NS_A" ping -c 2 -i 0.2 -W 1 "$IP_B" >/dev/null 2>&1; then
	not_ok "100% loss in the bridge drops everything"
else
	ok "100% loss in the bridge drops everything"
fi
# Everything a script made is removed at its exit, a failing exit too:
# namespaces, background processes and the temporary directory.
made=$(bash -c '. "$1"; ns_bridged; ns_loss 10; bg_ns "$NS_A" sleep 60
	echo "$NS_A $NS_B $NS_W $BG_PID $TMP"; exit 3' _ "$(dirname "$0")/lib.sh" 2>&1)
read -r na nb nw pid tmp <<<"$made"
left=
for ns in "$na" "$nb" "$nw"; do [ -e "/run/netns/$ns" ] && left+=" $ns"; done
kill -0 "$pid" 2>/dev/null && left+=" process $pid"
[ -e "$tmp" ] && left+=" $tmp"
is "a script's namespaces, processes and files are gone after it failed [$made]" "${left:-none}" none
done_testing

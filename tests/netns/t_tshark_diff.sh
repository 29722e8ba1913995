# Differential test of `rawnet read -T json` against tshark: for every packet
# of the suite's captures (tests/golden/captures, the tcpdump captures in
# ../shared/testdata when present, and traffic made here in namespaces: ARP,
# ping, IPv6 and neighbour discovery, DNS, an HTTP fetch, VLAN frames, ICMP
# port-unreachable errors for UDP over IPv4 and IPv6), every JSON field
# rawnet emits must equal what `tshark -T fields -e NAME` prints for it
# (tests/netns/tshark_diff.py: one tshark run per capture). Also: -V on the
# same packets, and `rawnet sniff -T json` live.
. "$(dirname "$0")/lib.sh"
need_root
DIFF="$(dirname "$0")/tshark_diff.py"
GOLDEN="$(cd "$(dirname "$0")/../golden/captures" 2>/dev/null && pwd)"

ns_pair
mkdir -p "$TMP/www"
printf 'hello from nginx\n' >"$TMP/www/index.html"
cat >"$TMP/nginx.conf" <<EOF
user root; daemon off; worker_processes 1; error_log $TMP/nginx.err; pid $TMP/nginx.pid;
events { worker_connections 64; }
http { access_log off; server { listen $IP_B:80; root $TMP/www; } }
EOF
bg_ns "$NS_B" nginx -c "$TMP/nginx.conf"
# A one-shot DNS responder: answers the first query with a CNAME and an A.
cat >"$TMP/dns.py" <<'EOF'
import socket, struct, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], 53))
s.settimeout(10)
q, peer = s.recvfrom(512)
qid, = struct.unpack("!H", q[:2])
question = q[12:]
r = struct.pack("!HHHHHH", qid, 0x8180, 1, 2, 0, 0) + question
r += b"\xc0\x0c" + struct.pack("!HHIH", 5, 1, 300, 17) + b"\x03web\x07example\x03org\x00"
r += b"\xc0" + bytes([12 + len(question) + 12]) + struct.pack("!HHIH", 1, 1, 60, 4) + bytes([10, 77, 0, 80])
s.sendto(r, peer)
EOF
cat >"$TMP/dnsq.py" <<'EOF'
import socket, struct, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(5)
q = struct.pack("!HHHHHH", 0x2a2a, 0x0100, 1, 0, 0, 0) + b"\x03www\x07example\x03org\x00" + struct.pack("!HH", 1, 1)
s.sendto(q, (sys.argv[1], 53))
print(len(s.recvfrom(512)[0]))
EOF
BG_TIMEOUT=20 bg_ns "$NS_B" /usr/bin/python3 "$TMP/dns.py" "$IP_B"
wait_port "$NS_B" 80 || not_ok "nginx listens"

capture_start "$NS_A" "$IF_A" "$TMP/ns.pcap"
in_ns "$NS_A" ping -c 2 -i 0.2 "$IP_B" >/dev/null
in_ns "$NS_A" ping -6 -c 2 -i 0.2 "$IP6_B" >/dev/null
# VLAN 100 frames (no 8021q module here: tagged by hand on a packet socket).
in_ns "$NS_A" /usr/bin/python3 -c "
import socket, struct
def csum(b):
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff
icmp = struct.pack('!BBHHH', 8, 0, 0, 0x77, 1) + b'vlan-ping'
icmp = icmp[:2] + struct.pack('!H', csum(icmp + b'\\0')) + icmp[4:]
ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(icmp), 1, 0x4000, 64, 1, 0,
                 bytes([10, 77, 100, 1]), bytes([10, 77, 100, 2]))
ip = ip[:10] + struct.pack('!H', csum(ip)) + ip[12:]
mac = lambda m: bytes.fromhex(m.replace(':', ''))
f = mac('$MAC_B') + mac('$MAC_A') + struct.pack('!HHH', 0x8100, 100, 0x0800) + ip + icmp
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(('$IF_A', 0))
for _ in range(2): s.send(f)
"
in_ns "$NS_A" /usr/bin/python3 "$TMP/dnsq.py" "$IP_B" >"$TMP/dns.out" 2>&1
in_ns "$NS_A" curl -s -o /dev/null "http://$IP_B/"
# UDP to closed ports: ICMP and ICMPv6 port unreachable, quoting the datagram.
in_ns "$NS_A" /usr/bin/python3 -c "
import socket
for fam, dst in ((socket.AF_INET, '$IP_B'), (socket.AF_INET6, '$IP6_B')):
    s = socket.socket(fam, socket.SOCK_DGRAM); s.sendto(b'probe', (dst, 33435))
"
sleep 0.3
capture_stop
is "the DNS responder answered" "$(cat "$TMP/dns.out")" 78

# What the namespace capture must hold for the comparison to mean something.
lines=$("$RAWNET" read -n "$TMP/ns.pcap" 2>/dev/null)
for what in 'ARP, Request' 'ICMP echo request' 'ICMP6, echo request' 'neighbor solicitation' \
	'A\? www\.example\.org' 'HTTP: GET / HTTP/1\.1' 'udp port 33435 unreachable' \
	'ICMP6, destination unreachable'; do
	like "the namespace capture holds: $what" "$lines" "$what"
done
like "the namespace capture holds: VLAN 100 frames" "$("$RAWNET" read -e "$TMP/ns.pcap" 2>/dev/null)" \
	'ethertype 802\.1Q \(0x8100\), length 55: vlan 100, p 0, ethertype IPv4'


# ... and the JSON has the fields the comparison is about.
json=$("$RAWNET" read -T json "$TMP/ns.pcap" 2>/dev/null)
for f in '"arp.opcode":1' '"vlan.id":100' '"icmp.seq":2' '"icmpv6.type":135' \
	'"icmpv6.nd.ns.target_address":"fd77::2"' '"dns.qry.name":"www.example.org"' \
	'"dns.a":"10.77.0.80"' '"http.request.method":"GET"' '"http.response.code":200' \
	'"tcp.flags":"0x0012"' '"ip.src":"10.77.0.2,10.77.0.1"' '"udp.dstport":33435'; do
	like "JSON of the namespace capture has $f" "$json" "$f"
done

caps=("$TMP/ns.pcap")
if [ -n "$GOLDEN" ]; then caps+=("$GOLDEN"/*.pcap*); fi
if [ -d "$RN_SHARED/testdata/tcpdump" ]; then
	caps+=("$RN_SHARED"/testdata/tcpdump/*.pcap*)
else
	skip "shared tcpdump captures" "$RN_SHARED/testdata/tcpdump absent"
fi
# Every file: one TAP line from the script (renumbered into ours).
while IFS= read -r l; do
	case "$l" in
	"ok "*) ok "tshark: ${l#ok * - }" ;;
	"not ok "*) not_ok "tshark: ${l#not ok * - }" ;;
	"#"*) echo "$l" ;;
	esac
done < <(/usr/bin/python3 "$DIFF" "$RAWNET" "${caps[@]}" 2>&1)
out=$(/usr/bin/python3 "$DIFF" --complete "$RAWNET" "$TMP/ns.pcap" "$GOLDEN"/n-*.pcap 2>&1)
is "the comparison ran on the namespace captures" "$(grep -c '^ok ' <<<"$out")" 4
is "... and no field we emit for one packet is missing where tshark has it (real traffic)" \
	"$(grep -v '^ok \|^1\.\.' <<<"$out")" ""

# -V over the same packets: one tree per packet, none marked malformed.
tree=$("$RAWNET" read -V "$TMP/ns.pcap" 2>/dev/null)
is "-V: a Frame line per packet" "$(printf '%s\n' "$tree" | grep -c '^Frame [0-9]*: ')" \
	"$(printf '%s\n' "$lines" | wc -l)"
like "-V: the VLAN tag" "$tree" '^802\.1Q Virtual LAN, PRI: 0, DEI: 0, ID: 100$'
like "-V: the DNS answer" "$tree" '^        web\.example\.org: type A, class IN, addr 10\.77\.0\.80$'
like "-V: the quoted datagram" "$tree" '^    User Datagram Protocol, Src Port: [0-9]+, Dst Port: 33435$'
unlike "-V: nothing malformed in real traffic" "$tree" 'Malformed'

# rawnet sniff -T json, live: four ICMP packets, four JSON lines.
BG_OUT="$TMP/sniff.json" BG_TIMEOUT=15 bg_ns "$NS_B" "$RAWNET" sniff -i "$IF_B" -c 4 -T json --immediate icmp
SNIFF=$BG_PID
sleep 0.5
in_ns "$NS_A" ping -c 2 -i 0.2 "$IP_B" >/dev/null
wait "$SNIFF"
json=$(grep '^{' "$TMP/sniff.json")
is "sniff -T json: four lines" "$(printf '%s\n' "$json" | wc -l)" 4
like "sniff -T json: ICMP echo fields" "$json" '"icmp\.type":8,"icmp\.code":0,.*"icmp\.seq":2,'
check "sniff -T json: valid JSON" /usr/bin/python3 -c '
import json, sys
for l in open(sys.argv[1]):
    if l.startswith("{"): json.loads(l)' "$TMP/sniff.json"
done_testing

#!/bin/bash
# Makes the golden captures that come from real traffic in two namespaces
# (tests/golden/captures/n-*.pcap): ping (IPv4 and IPv6, with ARP/ND), a DNS
# query and answer over UDP (a tiny Python responder), and an HTTP fetch
# from nginx with curl. Run it by hand as root when adding cases, then
# tests/golden/regen.sh writes the expected outputs with the installed tcpdump.
. "$(dirname "$0")/../netns/lib.sh"
need_root
OUT=$(cd "$(dirname "$0")" && pwd)/captures
mkdir -p "$OUT"
ns_pair

# ping: the neighbour resolution is part of the capture
capture_start "$NS_A" "$IF_A" "$TMP/ping.pcap"
in_ns "$NS_A" ping -c 2 -i 0.2 -s 24 "$IP_B" >/dev/null
in_ns "$NS_A" ping -6 -c 2 -i 0.2 -s 24 "$IP6_B" >/dev/null
capture_stop

# DNS: one A query, one answer with a CNAME and an address
cat >"$TMP/dns.py" <<'PY'
import socket, struct, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], 53))
q, peer = s.recvfrom(512)
ident, = struct.unpack("!H", q[:2])
end = q.index(b"\0", 12) + 5
question = q[12:end]
name = lambda n: b"".join(bytes([len(x)]) + x.encode() for x in n.split(".")) + b"\0"
cname = name("web.example.org")
ans = b"\xc0\x0c" + struct.pack("!HHIH", 5, 1, 300, len(cname)) + cname
ans += name("web.example.org") + struct.pack("!HHIH", 1, 1, 60, 4) + bytes([10, 77, 0, 80])
s.sendto(struct.pack("!HHHHHH", ident, 0x8180, 1, 2, 0, 0) + question + ans, peer)
PY
cat >"$TMP/dnsq.py" <<'PY'
import socket, struct, sys
q = struct.pack("!HHHHHH", 0x2a2a, 0x0100, 1, 0, 0, 0)
q += b"".join(bytes([len(x)]) + x.encode() for x in "www.example.org".split(".")) + b"\0"
q += struct.pack("!HH", 1, 1)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[2], 40053))
s.settimeout(3)
s.sendto(q, (sys.argv[1], 53))
s.recvfrom(512)
PY
BG_OUT=/dev/null bg_ns "$NS_B" /usr/bin/python3 "$TMP/dns.py" "$IP_B"
sleep 0.5
capture_start "$NS_A" "$IF_A" "$TMP/dns.pcap" udp port 53
in_ns "$NS_A" /usr/bin/python3 "$TMP/dnsq.py" "$IP_B" "$IP_A"
capture_stop

# HTTP: nginx serves a 12-byte file; curl fetches it (offloads are off)
mkdir -p "$TMP/www"
printf 'hello rawnet' >"$TMP/www/index.html"
cat >"$TMP/nginx.conf" <<NG
daemon off;
user root;
pid $TMP/nginx.pid;
error_log $TMP/nginx.err;
events { worker_connections 16; }
http {
    access_log off;
    server_tokens off;
    server { listen $IP_B:80; root $TMP/www; }
}
NG
BG_OUT=/dev/null bg_ns "$NS_B" nginx -c "$TMP/nginx.conf"
wait_port "$NS_B" 80 || { echo "not ok - nginx did not start"; exit 1; }
capture_start "$NS_A" "$IF_A" "$TMP/http.pcap" tcp port 80
in_ns "$NS_A" curl -s -o /dev/null "http://$IP_B/index.html"
capture_stop

cp "$TMP/ping.pcap" "$OUT/n-ping.pcap"
cp "$TMP/dns.pcap" "$OUT/n-dns.pcap"
cp "$TMP/http.pcap" "$OUT/n-http.pcap"
ls -l "$OUT"/n-*.pcap

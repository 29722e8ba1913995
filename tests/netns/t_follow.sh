# modes: stock off
# rawnet follow on real transfers: curl fetches a 2 MB file from nginx across
# a bridge that drops 10% of frames each way, captured on both ends (the
# client's capture has the reordering, the server's the retransmissions).
# --raw gives back the exact bytes; the ascii/hex/hexstream output equals
# tshark -z follow,tcp; a packet cut out of the capture shows as a gap;
# --list, IPv6 nodes, filters and the errors.
. "$(dirname "$0")/lib.sh"
need_root

SIZE=2000000
ns_bridged
ns_loss 10
mkdir -p "$TMP/www"
head -c "$SIZE" /dev/urandom >"$TMP/www/big.bin"
printf 'hello\r\nworld\001\002\377 binary\tdata\n' >"$TMP/www/small.txt"
cat >"$TMP/nginx.conf" <<EOF
user root; daemon off; worker_processes 1; error_log $TMP/nginx.err; pid $TMP/nginx.pid;
events { worker_connections 64; }
http { access_log off; server { listen $IP_B:80; listen [$IP6_B]:80; root $TMP/www; } }
EOF
bg_ns "$NS_B" nginx -c "$TMP/nginx.conf"
wait_port "$NS_B" 80 || { not_ok "nginx listens"; done_testing; }

# Captures with a large buffer (a busy machine must not make the capture
# itself lose packets); tcpdump's drop count is checked below.
cap() { # side ns if
	BG_OUT="$TMP/$1.log" bg_ns "$2" tcpdump -n -i "$3" -U --immediate-mode -B 32768 -Z root \
		-w "$TMP/$1.pcap" tcp port 80
	CAP[$1]=$BG_PID
	for ((i = 0; i < 50; i++)); do
		grep -q "listening on" "$TMP/$1.log" 2>/dev/null && return 0
		sleep 0.1
	done
}
declare -A CAP
cap a "$NS_A" "$IF_A"
cap b "$NS_B" "$IF_B"
NS_TIMEOUT=60 in_ns "$NS_A" curl -s --max-time 50 -o "$TMP/got.small" "http://$IP_B/small.txt"
NS_TIMEOUT=60 in_ns "$NS_A" curl -s --max-time 50 -o "$TMP/got.big" "http://$IP_B/big.bin"
NS_TIMEOUT=60 in_ns "$NS_A" curl -s --max-time 50 -o /dev/null "http://[$IP6_B]/small.txt"
sleep 0.3
kill -INT "${CAP[a]}" "${CAP[b]}" 2>/dev/null
wait "${CAP[a]}" "${CAP[b]}" 2>/dev/null
check "curl fetched the file through the lossy bridge" cmp -s "$TMP/got.big" "$TMP/www/big.bin"

want=$(sha256sum <"$TMP/www/big.bin" | cut -d' ' -f1)
for side in a b; do
	f="$TMP/$side.pcap"
	drops=$(sed -n 's/^\([0-9]*\) packets* dropped by kernel$/\1/p' "$TMP/$side.log")
	if [ "${drops:-0}" != 0 ]; then
		# Then bytes are missing from the capture, and follow must say so.
		"$RAWNET" follow --raw -s 1 "$f" >/dev/null 2>&1
		is "$side: the capture lost $drops packets: --raw exits 1" "$?" 1
		skip "$side: the follow checks" "tcpdump dropped $drops packets"
		continue
	fi
	list=$("$RAWNET" follow --list "$f"); rc=$?
	is "$side: --list exits 0" "$rc" 0
	# "data 0>1" counts payload as captured: the 80-byte request, or a
	# multiple of it when the lossy bridge made the client resend it.
	like "$side: --list shows the big transfer as stream 1" "$list" \
		"^ +1  10\.77\.0\.1:[0-9]+ +10\.77\.0\.2:80 +[0-9]+ +[0-9]+ +(80|160|240) +[0-9]+  [0-9]+\.[0-9]{6}$"
	like "$side: --list shows the IPv6 conversation as stream 2" "$list" \
		"^ +2  \[fd77::1\]:[0-9]+ +\[fd77::2\]:80 "
	"$RAWNET" follow --raw -s 1 "$f" >"$TMP/raw.$side" 2>"$TMP/raw.$side.err"; rc=$?
	is "$side: --raw exits 0 (no gaps)" "$rc" 0
	is "$side: --raw: the body's sha256 is the file's" \
		"$(tail -c "$SIZE" "$TMP/raw.$side" | sha256sum | cut -d' ' -f1)" "$want"
	hdr=$(($(stat -c %s "$TMP/raw.$side") - SIZE))
	head -c "$hdr" "$TMP/raw.$side" | tr -d '\r' >"$TMP/hdr.$side"
	is "$side: --raw: the response headers before it" \
		"$(sed -n '1p;/^Content-Length/p' "$TMP/hdr.$side")" "HTTP/1.1 200 OK
Content-Length: $SIZE"
	is "$side: --raw: headers end with a blank line" \
		"$(head -c "$hdr" "$TMP/raw.$side" | tail -c 4 | od -An -tx1 | tr -d ' ')" "0d0a0d0a"
	like "$side: --raw=client is the request" \
		"$("$RAWNET" follow --raw=client -s 1 "$f" | head -n 1)" "^GET /big\.bin HTTP/1\.1"
done
# The capture really had something to put back in order.
n=$(timeout 60 tshark -n -r "$TMP/a.pcap" -Y 'tcp.analysis.out_of_order || tcp.analysis.retransmission' 2>/dev/null | wc -l)
like "the client's capture holds out-of-order segments ($n)" "$n" '^[1-9][0-9]*$'
n=$(timeout 60 tshark -n -r "$TMP/b.pcap" -Y 'tcp.analysis.retransmission' 2>/dev/null | wc -l)
like "the server's capture holds retransmissions ($n)" "$n" '^[1-9][0-9]*$'

# Byte for byte as tshark (the big stream: every piece, in tshark's order).
same_as_tshark() { # NAME FILE STREAM our-mode tshark-mode
	local ours theirs
	ours=$("$RAWNET" follow "--$4" -s "$3" "$2" | sha256sum)
	theirs=$(timeout 60 tshark -n -r "$2" -q -z "follow,tcp,$5,$3" 2>/dev/null | sha256sum)
	is "$1" "$ours" "$theirs"
}
same_as_tshark "a: stream 1 --ascii as tshark" "$TMP/a.pcap" 1 ascii ascii
same_as_tshark "b: stream 1 --hexstream as tshark's raw" "$TMP/b.pcap" 1 hexstream raw
ours=$("$RAWNET" follow --hex -s 0 "$TMP/a.pcap")
theirs=$(timeout 60 tshark -n -r "$TMP/a.pcap" -q -z follow,tcp,hex,0 2>/dev/null)
is "a: stream 0 --hex as tshark" "$ours" "$theirs"
is "a: stream 0 --raw ends with the small file" \
	"$("$RAWNET" follow --raw -s 0 "$TMP/a.pcap" | tail -c "$(stat -c %s "$TMP/www/small.txt")" | od -An -tx1)" \
	"$(od -An -tx1 <"$TMP/www/small.txt")"
ours=$("$RAWNET" follow -s 2 "$TMP/a.pcap")
theirs=$(timeout 60 tshark -n -r "$TMP/a.pcap" -q -z follow,tcp,ascii,2 2>/dev/null)
is "a: IPv6 stream 2 --ascii as tshark" "$ours" "$theirs"
like "a: IPv6 nodes in brackets" "$ours" $'Node 0: \\[fd77::1\\]:[0-9]+\nNode 1: \\[fd77::2\\]:80'

# A server data packet cut out of the capture: a gap, reported. Pick one
# (past the 50th) whose bytes no other packet carries (not retransmitted).
# On a stock veth the server's capture holds TSO segments of many MSS (the
# kernel segments them later): the gap is as long as the one cut.
read -r nr cutlen < <(tcpdump -n -r "$TMP/b.pcap" 2>/dev/null | awk '
	{ n++ }
	/10\.77\.0\.2\.80 > .* seq [0-9]+:[0-9]+,.*length [1-9]/ {
		match($0, / seq [0-9]+:[0-9]+,/); split(substr($0, RSTART + 5, RLENGTH - 6), r, ":")
		k++; lo[k] = r[1] + 0; hi[k] = r[2] + 0; line[k] = n
	}
	END {
		for (i = 50; i <= k; i++) {
			alone = 1
			for (j = 1; j <= k && alone; j++)
				if (j != i && lo[j] < hi[i] && hi[j] > lo[i]) alone = 0
			if (alone) { print line[i], hi[i] - lo[i]; exit }
		}
	}')
editcap -r "$TMP/b.pcap" "$TMP/cut.pcap" "1-$((nr - 1))" "$((nr + 1))-9999999" >/dev/null 2>&1
"$RAWNET" follow --raw -s 1 "$TMP/cut.pcap" >"$TMP/raw.cut" 2>"$TMP/raw.cut.err"; rc=$?
is "cut: --raw exits 1 when bytes are missing" "$rc" 1
like "cut: --raw says how many ($cutlen)" "$(cat "$TMP/raw.cut.err")" "$cutlen bytes missing in capture \(1 gap\)"
is "cut: --raw wrote everything else" "$(stat -c %s "$TMP/raw.cut")" "$(($(stat -c %s "$TMP/raw.b") - cutlen))"
like "cut: --ascii marks the gap" "$("$RAWNET" follow -s 1 "$TMP/cut.pcap")" \
	$'^\t\\['"$cutlen"$' bytes missing in capture\\]$'

# Filters and errors.
list=$("$RAWNET" follow --list "$TMP/a.pcap" ip6)
like "a filter keeps the IPv6 conversation only (as stream 0)" "$list" '^ +0  \[fd77::1\]'
unlike "... and nothing else" "$list" '^ +1 '
"$RAWNET" follow -s 3 "$TMP/a.pcap" >/dev/null 2>"$TMP/err"; rc=$?
is "no stream 3: exit 2" "$rc" 2
like "no stream 3: says how many there are" "$(cat "$TMP/err")" "no TCP conversation 3 \(there are 3\)"
"$RAWNET" follow "$TMP/a.pcap" 'port nonsense' >/dev/null 2>&1
is "a bad filter exits 2" "$?" 2
"$RAWNET" follow --raw=sideways "$TMP/a.pcap" >/dev/null 2>&1
is "--raw=sideways exits 2" "$?" 2
"$RAWNET" follow "$TMP/nosuch.pcap" >/dev/null 2>&1
is "a missing file exits 2" "$?" 2
done_testing

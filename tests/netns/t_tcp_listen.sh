#!/bin/bash
# rawnet tcp -l in namespace B, kernel clients (socat, curl, python3) in A,
# on stock veths (offloads on, as users have them): one connection both
# ways with half-closes and the passive-open trace, IPv4 and IPv6, the
# host's own address (nftables rule) and free addresses (ARP/ND answered);
# -k --echo with 64 concurrent clients of 512 KB each, byte-exact; -e CMD;
# --max-conns; SYN cookies when the backlog is full; and 16 echo clients
# through a bridge dropping 3% of frames.
. "$(dirname "$0")/lib.sh"
need_root
RN_OFFLOADS=stock
ns_pair
PY=/usr/bin/python3
[ -x $PY ] || PY=python3

# echo clients: N concurrent connections to HOST PORT, SIZE bytes each,
# sent and read back at once; prints "ok N" when every byte came back.
cat >"$TMP/echo.py" <<'EOF'
import asyncio, os, sys
host, port, n, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
async def one(i):
    data = os.urandom(size)
    r, w = await asyncio.open_connection(host, port)
    async def send():
        w.write(data)
        await w.drain()
        w.write_eof()
    t = asyncio.ensure_future(send())
    got = await r.read(-1)
    await t
    w.close()
    return got == data
async def main():
    res = await asyncio.gather(*[one(i) for i in range(n)], return_exceptions=True)
    good = sum(1 for x in res if x is True)
    bad = [repr(x) for x in res if x is not True][:3]
    print("ok %d" % good, *bad)
asyncio.run(main())
EOF

wait_log() { # file regex: up to 5 s for a line
	for _ in $(seq 50); do grep -qE "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
	return 1
}

# --- one connection, B's own address: stdin to the peer, the peer to stdout ---
printf 'from-server\n' >"$TMP/in"
BG_OUT=$TMP/one.err BG_TIMEOUT=20 bg_ns "$NS_B" bash -c \
	"$RAWNET tcp -l --trace $IP_B 7 <$TMP/in >$TMP/one.out"
wait_log "$TMP/one.err" "LISTEN" || not_ok "one: the listener starts"
got=$(printf 'from-client\n' | in_ns "$NS_A" timeout 10 socat -t 5 - TCP:$IP_B:7 2>&1)
is "one: the client got our stdin" "$got" "from-server"
wait "$BG_PID"
is "one: exit 0 after both closed" "$?" 0
is "one: the peer's bytes on stdout" "$(cat "$TMP/one.out")" "from-client"
trace=$(cat "$TMP/one.err")
like "one: says it adds the firewall rule" "$trace" "10\.77\.0\.2 is this host's address: nftables table inet rawnet_[0-9_]+ drops the kernel's RSTs from port 7"
like "one: LISTEN line" "$trace" "^10\.77\.0\.2:7  LISTEN \(this host's address\)$"
like "one: LISTEN -> SYN-RECEIVED tagged by 4-tuple" "$trace" "^10\.77\.0\.1:[0-9]+ > 10\.77\.0\.2:7  LISTEN -> SYN-RECEIVED$"
like "one: SYN-RECEIVED -> ESTABLISHED tagged" "$trace" "^10\.77\.0\.1:[0-9]+ > 10\.77\.0\.2:7  SYN-RECEIVED -> ESTABLISHED$"
like "one: the SYN-ACK answers the kernel's options" "$trace" "^10\.77\.0\.2:7 > 10\.77\.0\.1:[0-9]+  Flags \[S\.\]  seq [0-9]+  ack [0-9]+  win [0-9]+  len 0  <mss 1460,sackOK,TS val [0-9]+ ecr [0-9]+,nop,wscale [0-9]+>"
like "one: ends CLOSED" "$trace" "(LAST-ACK|TIME-WAIT) -> CLOSED$"
unlike "one: the nftables table is gone at exit" "$(ip netns exec "$NS_B" nft list tables 2>&1)" rawnet_

# --- IPv6, B's own address, python client; the server closes first (stdin) ---
BG_OUT=$TMP/six.err BG_TIMEOUT=20 bg_ns "$NS_B" bash -c \
	"$RAWNET tcp -l --time-wait 0 $IP6_B 8080 <$TMP/in >$TMP/six.out"
sleep 0.3
got=$(in_ns "$NS_A" timeout 10 $PY -c "
import socket
s = socket.create_connection(('$IP6_B', 8080))
got = b''
while True:
    b = s.recv(100)
    if not b: break
    got += b
s.sendall(b'after-your-fin')
s.shutdown(socket.SHUT_WR)
print(got.decode().strip())
" 2>&1)
is "ipv6: the client read until our FIN" "$got" "from-server"
wait "$BG_PID"
is "ipv6: exit 0" "$?" 0
is "ipv6: bytes sent after our half-close arrived" "$(cat "$TMP/six.out")" "after-your-fin"

# --- -k --echo on a free address: 64 concurrent clients, 512 KB each ---
BG_OUT=$TMP/echo.err BG_TIMEOUT=100 bg_ns "$NS_B" "$RAWNET" tcp -l -k --echo 10.77.0.5 7
echo_pid=$BG_PID
sleep 0.3
out=$(NS_TIMEOUT=60 in_ns "$NS_A" $PY "$TMP/echo.py" 10.77.0.5 7 64 524288 2>&1)
is "echo: 64 concurrent clients of 512 KB, every byte back" "$out" "ok 64"
like "echo: A learned the free address by ARP" "$(ip -n "$NS_A" neigh show 10.77.0.5)" "lladdr $MAC_B"
out=$(echo six | in_ns "$NS_A" timeout 10 socat - TCP6:[fd77::5]:7 2>&1)
like "echo: nobody has fd77::5 when ADDR is IPv4" "$out" "No route to host|refused"
kill -TERM "$echo_pid"; wait "$echo_pid"
is "echo: -k ends with exit 0 on SIGTERM" "$?" 0

# --- IPv6 free address: curl through -e CMD ---
cat >"$TMP/http.sh" <<'EOF'
read -r line
printf 'HTTP/1.0 200 OK\r\nContent-Length: 9\r\n\r\nfrom-cmd\n'
EOF
BG_OUT=$TMP/exec.err BG_TIMEOUT=30 bg_ns "$NS_B" "$RAWNET" tcp -l -k -e "bash $TMP/http.sh" fd77::5 80
exec_pid=$BG_PID
sleep 0.3
got=$(in_ns "$NS_A" timeout 10 curl -s -g "http://[fd77::5]/" 2>&1)
is "-e: curl over IPv6 gets the command's answer" "$got" "from-cmd"
got=$(in_ns "$NS_A" timeout 10 curl -s -g "http://[fd77::5]/again" 2>&1)
is "-e: a second connection runs the command again" "$got" "from-cmd"
like "-e: A learned the free IPv6 address by ND" "$(ip -n "$NS_A" -6 neigh show fd77::5)" "lladdr $MAC_B"
kill -TERM "$exec_pid"; wait "$exec_pid"

# --- --max-conns 1: a second connection at the same time is reset ---
BG_OUT=$TMP/max.err BG_TIMEOUT=30 bg_ns "$NS_B" "$RAWNET" tcp -l -k --echo --max-conns 1 10.77.0.5 7
max_pid=$BG_PID
sleep 0.3
out=$(in_ns "$NS_A" timeout 10 $PY -c "
import socket, time
a = socket.create_connection(('10.77.0.5', 7)); a.sendall(b'one'); print(a.recv(10).decode())
try:
    b = socket.create_connection(('10.77.0.5', 7))
    b.sendall(b'two'); r = b.recv(10); print('second:', r.decode() or 'closed')
except OSError as e:
    print('second: reset')
" 2>&1)
is "--max-conns 1: the first echoes, the second is reset" "$out" "one
second: reset"
kill -TERM "$max_pid"; wait "$max_pid"

# --- SYN cookies: a backlog of 1 and 16 clients at once, all complete ---
BG_OUT=$TMP/cookie.err BG_TIMEOUT=60 bg_ns "$NS_B" "$RAWNET" tcp -l -k --echo --backlog 1 --trace 10.77.0.5 7
cookie_pid=$BG_PID
wait_log "$TMP/cookie.err" "LISTEN"
# On an idle machine each handshake completes before the next SYN arrives and
# the backlog never fills, so A drops the SYN-ACKs for a moment: the first
# SYN stays half-open, the others must be answered with cookies; once the rule
# is gone the clients' retransmitted SYNs complete (cookie or not).
ip netns exec "$NS_A" nft add table inet rnsynack &&
ip netns exec "$NS_A" nft add chain inet rnsynack in '{ type filter hook input priority 0; }' &&
ip netns exec "$NS_A" nft add rule inet rnsynack in ip saddr 10.77.0.5 tcp sport 7 tcp flags '& (syn|ack) == syn|ack' drop
NS_TIMEOUT=40 in_ns "$NS_A" $PY "$TMP/echo.py" 10.77.0.5 7 16 65536 >"$TMP/cookie.out" 2>&1 &
cookie_clients=$!
sleep 0.5
ip netns exec "$NS_A" nft delete table inet rnsynack
wait "$cookie_clients"
out=$(cat "$TMP/cookie.out")
is "cookies: 16 clients against a backlog of 1, every byte back" "$out" "ok 16"
kill -TERM "$cookie_pid"; wait "$cookie_pid"
like "cookies: SYN cookies were sent and made connections" "$(tail -1 "$TMP/cookie.err")" "SYN cookies sent [1-9][0-9]*, connections from cookies [1-9]"

# --- 16 echo clients through a bridge dropping 3% of frames ---
_ns_cleanup_pair() { ip netns del "$NS_A"; ip netns del "$NS_B"; }
_ns_cleanup_pair
ns_bridged
ns_loss 3
BG_OUT=$TMP/loss.err BG_TIMEOUT=120 bg_ns "$NS_B" "$RAWNET" tcp -l -k --echo 10.77.0.5 7
loss_pid=$BG_PID
sleep 0.3
out=$(NS_TIMEOUT=90 in_ns "$NS_A" $PY "$TMP/echo.py" 10.77.0.5 7 16 524288 2>&1)
is "loss 3%: 16 clients of 512 KB, every byte back" "$out" "ok 16"
like "loss 3%: the bridge did drop frames" "$(ip netns exec "$NS_W" nft list table bridge rnloss)" "counter packets [1-9]"
kill -TERM "$loss_pid"; wait "$loss_pid"

done_testing

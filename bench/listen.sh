#!/bin/bash
# bench/listen.sh: the passive side of rawnet's stack. 1,000 concurrent echo
# connections (python3 asyncio in A, 16 KB each) through one
# `rawnet tcp -l -k --echo` in B, then the connection setup rate (connect,
# 1 byte echoed, close; 200 in a row) against rawnet and against a kernel
# socat listener, printed as a ratio rawnet / kernel. Stock veth.
# Root; usage: RAWNET=build/rawnet bench/listen.sh   (CONNS=n SETUPS=n)
. "$(dirname "$0")/../tests/netns/lib.sh"
need_root
RN_OFFLOADS=stock
CONNS=${CONNS:-1000}
SETUPS=${SETUPS:-200}
ns_pair
PY=/usr/bin/python3
cat >"$TMP/many.py" <<'PYEOF'
import asyncio, os, sys, time, resource
resource.setrlimit(resource.RLIMIT_NOFILE, (8192, 8192))
host, port, n, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
async def one():
    data = os.urandom(size)
    r, w = await asyncio.open_connection(host, port)
    w.write(data); await w.drain(); w.write_eof()
    got = await r.read(-1); w.close()
    return got == data
async def main():
    t0 = time.time()
    res = await asyncio.gather(*[one() for _ in range(n)], return_exceptions=True)
    print("%d of %d echoed byte-exact in %.2f s" % (sum(x is True for x in res), n, time.time() - t0))
asyncio.run(main())
PYEOF
cat >"$TMP/setup.py" <<'PYEOF'
import socket, sys, time
host, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
t0 = time.time()
for _ in range(n):
    s = socket.create_connection((host, port)); s.sendall(b"x"); s.recv(1); s.close()
print("%.1f" % (n / (time.time() - t0)))
PYEOF
BG_OUT=$TMP/l.log BG_TIMEOUT=300 bg_ns "$NS_B" "$RAWNET" tcp -l -k --echo 10.77.0.5 7
sleep 0.5
echo "concurrent: $(NS_TIMEOUT=200 in_ns "$NS_A" $PY "$TMP/many.py" 10.77.0.5 7 "$CONNS" 16384)"
r=$(NS_TIMEOUT=100 in_ns "$NS_A" $PY "$TMP/setup.py" 10.77.0.5 7 "$SETUPS")
BG_OUT=/dev/null bg_ns "$NS_B" socat TCP-LISTEN:9,reuseaddr,fork EXEC:cat
wait_port "$NS_B" 9
k=$(NS_TIMEOUT=100 in_ns "$NS_A" $PY "$TMP/setup.py" "$IP_B" 9 "$SETUPS")
echo "setup rate: rawnet tcp -l $r/s, kernel (socat fork) $k/s, ratio $(awk -v a="$r" -v b="$k" 'BEGIN { printf "%.2f", a / b }')"

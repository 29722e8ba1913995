# scripts/deps.sh: silent, quick and changing nothing when every package is
# there (so make check and make demo can run it each time); otherwise one
# non-interactive `apt-get install --no-install-recommends` of exactly the
# missing ones, or, without root, a message naming them. apt-get, dpkg-query
# and id are fakes here: nothing is installed.
set -u
cd "$(dirname "$0")/../.." || exit 2
n=0 failed=0
t() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=1; fi; }
fake=$(mktemp -d /tmp/rawnet-deps.XXXXXX)
trap 'rm -rf "$fake"' EXIT
cat >"$fake/dpkg-query" <<'SH'
#!/bin/sh
for a; do p=$a; done
case " $FAKE_MISSING " in *" $p "*) echo "dpkg-query: no packages found matching $p" >&2; exit 1 ;; esac
printf installed
SH
cat >"$fake/apt-get" <<'SH'
#!/bin/sh
echo "DEBIAN_FRONTEND=${DEBIAN_FRONTEND:-} $*" >>"$FAKE_LOG"
SH
cat >"$fake/debconf-set-selections" <<'SH'
#!/bin/sh
cat >/dev/null
SH
cat >"$fake/id" <<'SH'
#!/bin/sh
echo "$FAKE_UID"
SH
chmod +x "$fake"/*
export FAKE_LOG=$fake/apt.log FAKE_UID=0 FAKE_MISSING=
deps() { PATH="$fake:$PATH" scripts/deps.sh "$@"; }

# Everything present: no output, no apt-get, exit 0, fast; twice the same.
for run in first second; do
	: >"$FAKE_LOG"
	t0=$(date +%s%N)
	out=$(deps 2>&1); rc=$?
	ms=$((($(date +%s%N) - t0) / 1000000))
	[ "$rc" = 0 ] && [ -z "$out" ]; t $? "all present ($run run): exit 0, silent [$rc: $out]"
	[ ! -s "$FAKE_LOG" ]; t $? "all present ($run run): apt-get not run"
	[ "$ms" -lt 2000 ]; t $? "all present ($run run): fast (${ms} ms)"
done

# Every package the issue names is asked for when missing, in one call.
want="gcc make libpcap-dev libcmocka-dev libpcre2-dev pkg-config iproute2 ethtool nftables tcpdump tshark socat nginx-light curl iputils-ping python3 traceroute nmap arp-scan"
: >"$FAKE_LOG"
FAKE_MISSING=$want deps >/dev/null 2>&1; rc=$?
t "$rc" "all missing, as root: exit 0"
install=$(grep ' install ' "$FAKE_LOG")
[ "$(grep -c ' install ' "$FAKE_LOG")" = 1 ]; t $? "one apt-get install"
for opt in -y --no-install-recommends DEBIAN_FRONTEND=noninteractive; do
	case " $install " in *" $opt "*) r=0 ;; *) r=1 ;; esac
	t $r "apt-get install has $opt"
done
miss=
for p in $want; do case " $install " in *" $p "*) ;; *) miss="$miss $p" ;; esac; done
[ -z "$miss" ]; t $? "apt-get install names every package [missing:$miss]"

# Two missing: only those two.
: >"$FAKE_LOG"
FAKE_MISSING="tshark jq" deps >/dev/null 2>&1
install=$(grep ' install ' "$FAKE_LOG")
[ "$(echo "$install" | grep -oE '(tshark|jq|gcc|curl)( |$)' | tr -d ' ' | sort | tr '\n' ' ')" = "jq tshark " ]
t $? "only the missing packages are installed [$install]"

# Not root: names what is missing, exits 1, installs nothing.
: >"$FAKE_LOG"
err=$(FAKE_UID=1000 FAKE_MISSING="socat" deps 2>&1); rc=$?
[ "$rc" = 1 ] && [ ! -s "$FAKE_LOG" ]; t $? "not root: exit 1 and no apt-get [$rc]"
case "$err" in *socat*) r=0 ;; *) r=1 ;; esac
t $r "not root: the message names the package [$err]"

# The real thing, on this machine: after make check's own deps step, a no-op.
t0=$(date +%s%N)
out=$(scripts/deps.sh 2>&1); rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
if [ "$rc" = 0 ]; then
	[ -z "$out" ] && [ "$ms" -lt 2000 ]; t $? "scripts/deps.sh here: silent no-op in ${ms} ms"
else
	echo "ok $((n += 1)) - scripts/deps.sh here # SKIP packages missing and not root: $out"
fi
echo "1..$n"
exit $failed

#!/bin/sh
# Installs the Debian packages rawnet needs to build and test, if any are missing.
# Idempotent: when everything is present it only runs dpkg-query once and exits.
# Usage: scripts/deps.sh [build|test|all]   (default: all)
set -eu

build_pkgs="gcc clang make libpcap-dev libcmocka-dev libpcre2-dev pkg-config"
test_pkgs="iproute2 ethtool nftables tcpdump tshark socat nginx-light curl iputils-ping python3 jq traceroute nmap arp-scan"

case "${1:-all}" in
build) want="$build_pkgs" ;;
test) want="$test_pkgs" ;;
all) want="$build_pkgs $test_pkgs" ;;
*) echo "usage: $0 [build|test|all]" >&2; exit 2 ;;
esac

missing=""
for p in $want; do
	st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$st" = "installed" ] || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "deps.sh: missing packages:$missing (run as root to install them)" >&2
	exit 1
fi
echo "deps.sh: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; answer no without a prompt.
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections 2>/dev/null || true
apt-get update -qq >/dev/null
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null

#!/bin/bash
# Runs every test and prints one closing line "N passed, N failed".
#   tests/unit/test_*.c    cmocka binaries in $BUILD/tests (TAP output)
#   tests/golden/run.sh    capture + options -> expected output
#   tests/netns/*.sh       root, in namespaces the script makes (TAP output);
#                          a script with a line "# modes: stock off" runs once
#                          per mode, with RN_OFFLOADS set (tests/netns/lib.sh),
#                          and is named netns/t_x.sh[stock], netns/t_x.sh[off]
# An optional argument keeps only the tests whose path contains it.
# Each test script's lines "ok ..." / "not ok ..." are counted; a script that
# exits non-zero without reporting a failure counts as one failure.
set -u
cd "$(dirname "$0")/.." || exit 2
BUILD=${BUILD:-build}
export RAWNET=${RAWNET:-$PWD/$BUILD/rawnet}
export RN_SHARED=${RN_SHARED:-$(cd .. && pwd)/shared}
filter=${1:-}
pass=0 fail=0 skip=0
log=$(mktemp -d /tmp/rawnet-tests.XXXXXX)
trap 'rm -rf "$log"' EXIT

run_one() { # name, command...
	local name=$1; shift
	case "$name" in *"$filter"*) ;; *) return ;; esac
	local out="$log/out" t0=$SECONDS rc
	"$@" >"$out" 2>&1
	rc=$?
	local p f s
	p=$(grep -c '^ok ' "$out")
	f=$(grep -c '^not ok ' "$out")
	s=$(grep -c '^ok .*# *[Ss][Kk][Ii][Pp]' "$out")
	p=$((p - s))
	if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
		f=1
		echo "not ok - $name exited with status $rc" >>"$out"
	fi
	pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + s))
	printf '%-40s %3d passed %3d failed %3d skipped  (%ds)\n' "$name" "$p" "$f" "$s" $((SECONDS - t0))
	if [ "$f" != 0 ] || [ -n "${VERBOSE:-}" ]; then
		grep -v '^ok ' "$out" | sed 's/^/    /' | tail -n 60
	fi
}

for t in "$BUILD"/tests/test_*; do
	[ -x "$t" ] || continue
	run_one "unit/${t##*/}" env CMOCKA_MESSAGE_OUTPUT=TAP timeout 120 "$t"
done
for t in tests/misc/t_*.sh; do
	[ -f "$t" ] || continue
	run_one "misc/${t##*/}" timeout 120 bash "$t"
done
if [ -x tests/golden/run.sh ]; then
	run_one "golden" timeout 300 tests/golden/run.sh
fi
for t in tests/netns/t_*.sh; do
	[ -f "$t" ] || continue
	if [ "$(id -u)" != 0 ]; then
		case "netns/${t##*/}" in *"$filter"*) echo "netns/${t##*/}: skipped (needs root)"; skip=$((skip + 1)) ;; esac
		continue
	fi
	modes=$(sed -n 's/^# modes: *//p' "$t" | head -n 1)
	if [ -z "$modes" ]; then
		run_one "netns/${t##*/}" timeout 400 bash "$t"
		continue
	fi
	for m in $modes; do
		run_one "netns/${t##*/}[$m]" env RN_OFFLOADS="$m" timeout 400 bash "$t"
	done
done
echo
[ "$skip" != 0 ] && echo "($skip skipped)"
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]

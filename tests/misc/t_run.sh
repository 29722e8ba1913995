# tests/run.sh: counts "ok" and "not ok" lines of every test (skips apart),
# counts a test that exits non-zero without a "not ok" as one failure, exits
# non-zero on any failure, and ends with the one line "N passed, N failed".
set -u
cd "$(dirname "$0")/../.." || exit 2
n=0 failed=0
t() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=1; fi; }
b=$(mktemp -d /tmp/rawnet-run.XXXXXX)
trap 'rm -rf "$b"' EXIT
mkdir -p "$b/tests"
printf '#!/bin/sh\necho "ok 1 - a"; echo "ok 2 - b # SKIP no c"; echo "ok 3 - d"\n' >"$b/tests/test_zzfake1"
printf '#!/bin/sh\necho "ok 1 - a"; echo "not ok 2 - b"; exit 1\n' >"$b/tests/test_zzfake2"
printf '#!/bin/sh\necho "ok 1 - a"; exit 3\n' >"$b/tests/test_zzfake3"
chmod +x "$b"/tests/*

out=$(BUILD=$b tests/run.sh unit/test_zzfake1 2>&1); rc=$?
t "$rc" "all passing: exit 0"
[ "$(printf '%s\n' "$out" | tail -n 1)" = "2 passed, 0 failed" ]; t $? "last line: 2 passed, 0 failed [$(printf '%s\n' "$out" | tail -n 1)]"
printf '%s\n' "$out" | grep -qx '(1 skipped)'; t $? "the skip is reported before it"
out=$(BUILD=$b tests/run.sh unit/test_zzfake 2>&1); rc=$?
[ "$rc" != 0 ]; t $? "a failure: exit non-zero"
[ "$(printf '%s\n' "$out" | tail -n 1)" = "4 passed, 2 failed" ]; t $? "a not-ok line and a bare non-zero exit are failures [$(printf '%s\n' "$out" | tail -n 1)]"
printf '%s\n' "$out" | grep -q 'not ok - unit/test_zzfake3 exited with status 3'; t $? "the bare exit is named"
echo "1..$n"
exit $failed

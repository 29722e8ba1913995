#!/bin/bash
# Runs every benchmark script bench/*.sh (root, in namespaces they make) and
# prints their figures; `make bench` calls it. An argument keeps only the
# scripts whose name contains it.
cd "$(dirname "$0")/.." || exit 2
export RAWNET=${RAWNET:-$PWD/build/rawnet}
rc=0
for b in bench/*.sh; do
	[ "$b" = bench/run.sh ] && continue
	case "$b" in *"${1:-}"*) ;; *) continue ;; esac
	echo "== $b"
	bash "$b" || rc=1
done
exit "$rc"

#!/bin/bash
# Writes tests/golden/expected/*.out with the INSTALLED tcpdump, for every line
# of TESTLIST (run after adding captures or cases; review the diff).
set -eu
cd "$(dirname "$0")"
mkdir -p expected
while read -r name cap exp opts; do
	case "$name" in '#'*|'') continue ;; esac
	# shellcheck disable=SC2206
	o=($opts)
	ts=-tttt
	args=()
	for x in "${o[@]}"; do
		if [ "$x" = SPECIAL_t ]; then ts=; else args+=("$x"); fi
	done
	TZ=GMT0 tcpdump -# -n -r "captures/$cap" $ts "${args[@]}" >"expected/$exp" 2>/dev/null || true
done <TESTLIST
ls expected | wc -l

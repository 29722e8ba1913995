# The docs say what the code does: every subcommand that `rawnet --help` lists
# has its own --help, a section in the man page and one in README.md.
set -u
cd "$(dirname "$0")/../.." || exit 2
RAWNET=${RAWNET:-build/rawnet}
n=0 failed=0
t() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=1; fi; }

cmds=$("$RAWNET" --help | awk '/^commands:/{on=1; next} on && /^  [a-z]/{print $1}')
[ -n "$cmds" ]; t $? "rawnet --help lists commands"
for c in $cmds; do
	"$RAWNET" "$c" --help 2>/dev/null | grep -q "rawnet $c"; t $? "rawnet $c --help prints its usage"
	grep -q "^\.SS $c\$" docs/rawnet.8; t $? "man page has a section for $c"
	grep -Eq "^#{2,4} .*rawnet $c\b" README.md; t $? "README has a section for rawnet $c"
done
"$RAWNET" nosuchcommand >/dev/null 2>&1; t $([ $? = 2 ] && echo 0 || echo 1) "an unknown command exits 2"
"$RAWNET" >/dev/null 2>&1; t $([ $? = 2 ] && echo 0 || echo 1) "no command exits 2"
echo "1..$n"
exit $failed

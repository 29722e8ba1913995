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
# Options, for the commands of issues 2, 4 and 5: the ones the code accepts
# (getopt_long's short string and its struct option table), the ones --help
# lists and the ones the man page section names are the same sets.
code_opts() { # the options tools/$1.c hands to getopt_long
	local f=tools/$1.c
	{
		grep -oE 'getopt_long\([^,]+, *[^,]+, *"[^"]*"' "$f" | sed -E 's/.*"([^"]*)"/\1/' |
			tr -d ':+' | grep -o . | sed 's/^/-/'
		awk '/struct option [a-z_]+\[\] *= *\{/, /NULL, 0, NULL, 0/' "$f" |
			grep -oE '\{ *"[a-z0-9-]+"' | tr -d '{" ' | sed 's/^/--/'
	} | grep -vxE -- '-h|--help' | sort -u
}
# Options named in a text; a group of short ones ("-evqx") counts letter by
# letter; -h/--help, every command's, need not be repeated.
opts_in() {
	grep -oE '(^|[][ ,|("])--?[a-zA-Z0-9][a-zA-Z0-9-]*' | sed -E 's/^[][ ,|("]//' |
		sed -E '/^-[a-zA-Z0-9]{2,}$/ { s/^-//; s/./-&\n/g; s/\n$// }' | grep -vxE -- '-h|--help' | sort -u
}
for c in send ping wire tcp http; do
	code=$(code_opts "$c")
	help=$("$RAWNET" "$c" --help | opts_in)
	man=$(awk -v c="$c" '$0 == ".SS " c { on = 1; next } on && /^\.S[SH]/ { exit } on' docs/rawnet.8 |
		sed 's/\\-/-/g' | opts_in)
	[ -n "$code" ] && [ "$code" = "$help" ]; t $? "rawnet $c --help lists exactly the options the code takes"
	[ "$code" = "$help" ] || printf '#   code only: %s\n#   help only: %s\n' \
		"$(comm -23 <(echo "$code") <(echo "$help") | tr '\n' ' ')" "$(comm -13 <(echo "$code") <(echo "$help") | tr '\n' ' ')"
	missing=$(comm -23 <(echo "$code") <(echo "$man") | tr '\n' ' ')
	[ -z "$missing" ]; t $? "the man page section for $c names every option [$missing]"
	extra=$(comm -13 <(echo "$code") <(echo "$man") | tr '\n' ' ')
	[ -z "$extra" ]; t $? "the man page section for $c names no option the code lacks [$extra]"
done
"$RAWNET" nosuchcommand >/dev/null 2>&1; t $([ $? = 2 ] && echo 0 || echo 1) "an unknown command exits 2"
"$RAWNET" >/dev/null 2>&1; t $([ $? = 2 ] && echo 0 || echo 1) "no command exits 2"
# Every option that read, sniff and follow accept (their getopt_long tables)
# is in their man page section.
for c in read sniff follow; do
	sec=$(awk -v c="$c" '/^\.SS /{on=($2==c)} on' docs/rawnet.8 | sed 's/\\-/-/g; s/\\f[BIRP]//g')
	src=tools/$c.c
	missing=
	for o in $(sed -n 's/^[[:space:]]*{ "\([a-z0-9-]*\)", .*/\1/p' "$src"); do
		[ "$o" = help ] && continue
		grep -q -- "--$o\b" <<<"$sec" || missing="$missing --$o"
	done
	shorts=$(sed -n 's/.*getopt_long(argc, argv, "\([^"]*\)".*/\1/p' "$src" | tr -d '+:h')
	for ((i = 0; i < ${#shorts}; i++)); do
		o=${shorts:i:1}
		grep -q -- "-$o\b\|-$o\$\|-$o[^a-zA-Z-]" <<<"$sec" || missing="$missing -$o"
	done
	[ -z "$missing" ]; t $? "man page documents every option of rawnet $c${missing:+ (missing:$missing)}"
done
echo "1..$n"
exit $failed

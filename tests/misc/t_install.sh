# `make install` puts the binary, headers, libraries, rawnet.pc and the man page
# in place, and a program builds against the installed library with pkg-config.
set -u
cd "$(dirname "$0")/../.." || exit 2
n=0 failed=0
t() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=1; fi; }
dest=$(mktemp -d /tmp/rawnet-install.XXXXXX)
trap 'rm -rf "$dest"' EXIT
make -s install BUILD="${BUILD:-build}" DESTDIR="$dest" PREFIX=/usr/local >/dev/null 2>&1; t $? "make install succeeds"
p=$dest/usr/local
for f in bin/rawnet lib/librawnet.a lib/librawnet.so.0 lib/pkgconfig/rawnet.pc \
	include/rawnet/rawnet.h share/man/man8/rawnet.8; do
	[ -e "$p/$f" ]; t $? "installed $f"
done
miss=
for h in include/rawnet/*.h; do cmp -s "$h" "$p/$h" || miss+=" ${h#include/rawnet/}"; done
[ -z "$miss" ]; t $? "every public header is installed under include/rawnet [missing:$miss]"
[ "$(readlink "$p/lib/librawnet.so")" = librawnet.so.0 ]; t $? "lib/librawnet.so links to librawnet.so.0"
grep -qx 'prefix=/usr/local' "$p/lib/pkgconfig/rawnet.pc"; t $? "rawnet.pc names the prefix"
"$p/bin/rawnet" --help 2>/dev/null | grep -q '^commands:'; t $? "the installed rawnet runs"
cmp -s docs/rawnet.8 "$p/share/man/man8/rawnet.8"; t $? "the installed man page is docs/rawnet.8"
for h in include/rawnet/*.h; do
	[ "$h" = include/rawnet/rawnet.h ] && continue
	grep -q "\"rawnet/${h##*/}\"" include/rawnet/rawnet.h || { echo "# rawnet.h lacks ${h##*/}"; missing=1; }
	printf '#include <rawnet/%s>\n' "${h##*/}" | cc -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -I"$p/include" -x c -fsyntax-only - 2>>"$dest/hdr.log" ||
		{ echo "# ${h##*/} does not compile on its own"; missing=1; }
done
[ -z "${missing:-}" ]; t $? "every public header compiles alone and is in rawnet.h"
cat >"$dest/prog.c" <<'C'
#include <rawnet/rawnet.h>
#include <stdio.h>
int main(void)
{
	const unsigned char b[] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };
	printf("%04x %s\n", rn_inet_csum(b, sizeof b), rn_strerror(-RN_ETRUNC));
	return 0;
}
C
flags=$(PKG_CONFIG_SYSROOT_DIR="$dest" PKG_CONFIG_PATH="$p/lib/pkgconfig" pkg-config --cflags --libs rawnet)
# A SAN=1 library needs the program built with the same sanitizers.
san=
if nm -D "$p/lib/librawnet.so.0" 2>/dev/null | grep -q __asan; then san="-fsanitize=address,undefined"; fi
cc $san -o "$dest/prog" "$dest/prog.c" $flags 2>"$dest/cc.log"
t $? "a program compiles and links against the installed library (pkg-config)"
cat "$dest/cc.log"
out=$(LD_LIBRARY_PATH="$p/lib" "$dest/prog" 2>&1)
[ "$out" = "220d truncated" ]; t $? "and runs: [$out]"
man -l "$p/share/man/man8/rawnet.8" >/dev/null 2>&1 || groff -man -Tutf8 "$p/share/man/man8/rawnet.8" >/dev/null 2>&1
t $? "the man page renders"
echo "1..$n"
exit $failed

#!/usr/bin/env bash
# Every public header compiles alone, first in its translation unit, as C99
# and as C++11, warnings as errors:
#   test_headers.sh SOURCE_INCLUDE_DIR BUILD_INCLUDE_DIR CC CXX
# The headers are globbed (include/eclectyc.h, include/eclectyc/*.h,
# include/eclectyc/sys/*.h, and the generated eclectyc/version.h), so a new
# header is covered without touching this test. Before that, a canary header
# that leans on an include it does not make must fail to compile: proof that
# the flags and the "alone" set-up can catch what this test is for.
set -u
src_inc=$1 build_inc=$2 cc=$3 cxx=$4
work=$(mktemp -d "${TMPDIR:-/tmp}/ecl-headers.XXXXXX")
trap 'rm -rf "$work"' EXIT

c_flags=(-std=c99 -Wall -Wextra -Werror -pedantic -fsyntax-only)
cxx_flags=(-std=c++11 -Wall -Wextra -Werror -pedantic -fsyntax-only)

# compile LANG HEADER: include HEADER (by its <path>) alone; print the
# compiler's complaint and return non-zero when it fails.
compile() {
	local lang=$1 header=$2 file out
	if [ "$lang" = c ]; then
		file=$work/alone.c
		printf '#include <%s>\nint ecl_header_test_anchor;\n' "$header" >"$file"
		out=$("$cc" "${c_flags[@]}" -I"$work/inc" -I"$src_inc" -I"$build_inc" "$file" 2>&1)
	else
		file=$work/alone.cpp
		printf '#include <%s>\nint ecl_header_test_anchor;\n' "$header" >"$file"
		out=$("$cxx" "${cxx_flags[@]}" -I"$work/inc" -I"$src_inc" -I"$build_inc" "$file" 2>&1)
	fi
	local rc=$?
	[ -n "$out" ] && printf '%s\n' "$out"
	return $rc
}

failed=0
mkdir -p "$work/inc/canary"
printf '#ifndef CANARY_H\n#define CANARY_H\nsize_t canary(void);\n#endif\n' >"$work/inc/canary/canary.h"
for lang in c c++; do
	if compile "$lang" canary/canary.h >/dev/null; then
		echo "FAIL: canary: a header using size_t without <stddef.h> compiled as $lang"
		failed=1
	fi
done

headers=()
for h in "$src_inc"/eclectyc.h "$src_inc"/eclectyc/*.h "$src_inc"/eclectyc/sys/*.h; do
	headers+=("${h#"$src_inc"/}")
done
[ -f "$build_inc/eclectyc/version.h" ] && headers+=(eclectyc/version.h)
if [ "${#headers[@]}" -lt 20 ]; then
	echo "FAIL: only ${#headers[@]} headers found under $src_inc"
	failed=1
fi

for h in "${headers[@]}"; do
	for lang in c c++; do
		if compile "$lang" "$h"; then
			echo "ok   $h ($lang)"
		else
			echo "FAIL $h does not compile alone as $lang"
			failed=1
		fi
	done
done
echo "${#headers[@]} headers, C99 and C++11"
exit $failed

#!/usr/bin/env bash
# cmake --install into a private prefix, then build programs against the
# installed copy three ways: find_package (shared and static), pkg-config,
# and run the installed eclectyc binary. Usage: test_install.sh BUILD_DIR SOURCE_DIR
set -uo pipefail
build=$1
src=$2
work=$(mktemp -d /tmp/ecl-install.XXXXXX)
trap 'rm -rf "$work"' EXIT
passed=0 failed=0

check() {  # check NAME COMMAND...
	local name=$1; shift
	if "$@" >"$work/out" 2>&1; then
		passed=$((passed + 1)); echo "ok   $name"
	else
		failed=$((failed + 1)); echo "FAIL $name"; sed 's/^/     /' "$work/out"
	fi
}

prefix=$work/prefix
check "cmake --install" cmake --install "$build" --prefix "$prefix"
check "headers installed" test -f "$prefix/include/eclectyc.h" -a -f "$prefix/include/eclectyc/version.h" \
	-a -f "$prefix/include/eclectyc/sys/backend.h"
libdir=$(cd "$prefix" && ls -d lib* | head -n 1)
check "shared library with SONAME" bash -c "objdump -p '$prefix/$libdir/libeclectyc.so' | grep -q 'SONAME *libeclectyc.so.0'"
check "static library installed" test -f "$prefix/$libdir/libeclectyc.a"
check "only ecl_ symbols exported" bash -c \
	"! nm -D --defined-only '$prefix/$libdir/libeclectyc.so' | awk '{print \$3}' | grep -v '^ecl_' | grep -q ."

check "find_package configure" cmake -S "$src/tests/integration/consumer" -B "$work/consumer" \
	-DCMAKE_PREFIX_PATH="$prefix"
check "find_package build" cmake --build "$work/consumer"
check "find_package shared consumer runs" env LD_LIBRARY_PATH="$prefix/$libdir" "$work/consumer/consumer"
check "find_package static consumer runs" "$work/consumer/consumer_static"

export PKG_CONFIG_PATH="$prefix/$libdir/pkgconfig"
check "pkg-config knows eclectyc" pkg-config --exists eclectyc
check "pkg-config build" bash -c "cc \$(pkg-config --cflags eclectyc) '$src/tests/integration/consumer/consumer.c' \
	-o '$work/pc_consumer' \$(pkg-config --libs eclectyc)"
check "pkg-config consumer runs" env LD_LIBRARY_PATH="$prefix/$libdir" "$work/pc_consumer"
check "installed eclectyc runs without LD_LIBRARY_PATH" "$prefix/bin/eclectyc" --version

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

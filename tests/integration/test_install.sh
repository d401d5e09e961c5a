#!/usr/bin/env bash
# The install paths a new user takes, as the README and docs/ give them:
#   - cmake --install into a private prefix; programs built against it with
#     find_package (shared and static) and with pkg-config (and the
#     documented -Wl,-rpath), run without LD_LIBRARY_PATH;
#   - the installed eclectyc, Python package and PHP extension work from that
#     prefix with no environment, and still after the prefix is moved
#     ($ORIGIN-relative RUNPATHs);
#   - `pip install --no-build-isolation --no-index SOURCE` into a venv, the
#     library found by pkg-config (PKG_CONFIG_PATH=P/lib/pkgconfig), then
#     `import eclectyc` with no environment;
#   - the PHP extension loads from the installed ini as written, and the
#     autoload.php it names exists and works;
#   - staged (DESTDIR) with --prefix /usr/local: the Python package lands
#     where Debian's python3 searches and the PHP extension in
#     `php-config --extension-dir`.
# Usage: test_install.sh BUILD_DIR SOURCE_DIR
set -uo pipefail
build=$(cd "$1" && pwd -P)
src=$(cd "$2" && pwd -P)
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
skip() { echo "skip $1"; }
in_dir() {  # in_dir DIR COMMAND...: run COMMAND in DIR
	(cd "$1" && shift && "$@")
}

# A clean environment, as a new user's shell: nothing that points at the
# build tree or the prefix.
clean_env=(env -i "PATH=/usr/local/bin:/usr/bin:/bin" "HOME=$work" "LANG=C.UTF-8")
# The interpreter the build used (CMake's choice: Debian's python3).
py=$(sed -n 's/^Python3_EXECUTABLE:[A-Z]*=//p' "$build/CMakeCache.txt")
[ -n "$py" ] || py=/usr/bin/python3
php=$(sed -n 's/^ECL_PHP_EXECUTABLE:[A-Z]*=//p' "$build/CMakeCache.txt")
php_config=$(sed -n 's/^ECL_PHP_CONFIG:[A-Z]*=//p' "$build/CMakeCache.txt")
have_python=0 have_php=0
[ -f "$build/bindings/python/eclectyc/native.py" ] && have_python=1
[ -f "$build/bindings/php/ext/eclectyc.so" ] && [ -x "${php:-/nonexistent}" ] && have_php=1

# runpath FILE: the RUNPATH (or RPATH) of an ELF file.
runpath() {
	objdump -p "$1" | awk '$1 == "RUNPATH" || $1 == "RPATH" { print $2 }'
}

# ---- C: cmake --install, find_package, pkg-config -------------------------

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

# The README's lines for a program in a non-system prefix.
export PKG_CONFIG_PATH="$prefix/$libdir/pkgconfig"
check "pkg-config knows eclectyc" pkg-config --exists eclectyc
check "pkg-config build (README: -Wl,-rpath from pkg-config's libdir)" bash -c \
	"cc -o '$work/pc_consumer' '$src/tests/integration/consumer/consumer.c' \
	\$(pkg-config --cflags --libs eclectyc) -Wl,-rpath,\$(pkg-config --variable=libdir eclectyc)"
check "pkg-config consumer runs with no environment" "${clean_env[@]}" "$work/pc_consumer"
check "installed eclectyc runs with no environment" "${clean_env[@]}" "$prefix/bin/eclectyc" --version
check "installed eclectyc's RUNPATH is \$ORIGIN/../$libdir" \
	test "$(runpath "$prefix/bin/eclectyc")" = "\$ORIGIN/../$libdir"

# ---- Python: the package cmake --install put in the prefix ---------------

pydir=""
if [ "$have_python" = 1 ]; then
	pydir=$(cd "$prefix" && ls -d "$libdir"/python3*/*-packages 2>/dev/null | head -n 1)
	check "cmake --install put the Python package in the prefix" \
		test -n "$pydir" -a -f "$prefix/$pydir/eclectyc/native.py"
	# The layout the interpreter uses for a prefix: Debian's python3
	# searches <prefix>/lib/python3.X/dist-packages under /usr/local and /usr.
	want=$("$py" -c 'import os, sysconfig
if "posix_local" in sysconfig.get_scheme_names():
    p = sysconfig.get_path("platlib", "posix_local", vars={"base": "/usr", "platbase": "/usr"})
    print(os.path.relpath(p, "/usr/local"))
else:
    p = sysconfig.get_path("platlib", "posix_prefix", vars={"base": "/P", "platbase": "/P"})
    print(os.path.relpath(p, "/P"))')
	check "the package directory is the interpreter's ($want)" test "$pydir" = "$want"
	check "installed Python package imports with only PYTHONPATH" "${clean_env[@]}" \
		"PYTHONPATH=$prefix/$pydir" "$py" -c "import eclectyc, sys
assert eclectyc.__file__.startswith('$prefix/'), eclectyc.__file__
assert eclectyc.Store('sqlite::memory:').list_jobs() == []
lib = [l.split()[-1] for l in open('/proc/self/maps') if 'libeclectyc' in l][0]
assert lib.startswith('$prefix/'), lib"
else
	skip "Python binding not built"
fi

# ---- PHP: the extension and the ini cmake --install wrote -----------------

ext=""
if [ "$have_php" = 1 ]; then
	ext=$(cd "$prefix" && ls "$libdir"/php/*/eclectyc.so 2>/dev/null | head -n 1)
	ini=$prefix/share/eclectyc/php/eclectyc.ini
	check "cmake --install put the PHP extension and the ini in the prefix" \
		test -n "$ext" -a -f "$ini"
	check "php -d extension=<installed eclectyc.so> loads it with no environment" "${clean_env[@]}" \
		"$php" -n -d "extension=$prefix/$ext" -r 'exit(extension_loaded("eclectyc") ? 0 : 1);'
	# The ini as written: the extension line it has, and the autoload.php it
	# names, which must exist and load the Eclectyc\ layer.
	autoload=$(sed -n "s/^;[[:space:]]*require '\\(.*\\)';\$/\\1/p" "$ini")
	check "the installed ini names an autoload.php that exists ($autoload)" test -f "$autoload"
	check "the installed ini names the extension by its full path (private prefix)" \
		grep -qx "extension=$prefix/$ext" "$ini"
	check "php with the installed ini loads the extension and the layer" "${clean_env[@]}" \
		"$php" -n -c "$ini" -r "require '$autoload';
\$s = new Eclectyc\\Store('sqlite::memory:');
exit(Eclectyc\\Store::version() === '$(pkg-config --modversion eclectyc)' && \$s->listJobs() === [] ? 0 : 1);"
else
	skip "PHP binding not built"
fi

# ---- relocation: the prefix moved as a whole ------------------------------

moved=$work/moved
mv "$prefix" "$moved"
check "moved prefix: eclectyc runs" "${clean_env[@]}" "$moved/bin/eclectyc" --version
if [ -n "$pydir" ]; then
	check "moved prefix: the Python package imports" "${clean_env[@]}" "PYTHONPATH=$moved/$pydir" \
		"$py" -c "import eclectyc; assert eclectyc.Store('sqlite::memory:').list_jobs() == []"
fi
if [ -n "$ext" ]; then
	check "moved prefix: the PHP extension loads" "${clean_env[@]}" \
		"$php" -n -d "extension=$moved/$ext" -r 'exit(extension_loaded("eclectyc") ? 0 : 1);'
fi
mv "$moved" "$prefix"

# ---- pip install into a venv, the library found by pkg-config ------------

if [ "$have_python" = 1 ] && "$py" -c 'import ensurepip' 2>/dev/null; then
	# A plain venv has no `wheel`, which setuptools before 70.1 (Debian 12
	# has 66) needs: the build says what to do.
	"$py" -m venv "$work/bare" >/dev/null 2>&1
	if "$work/bare/bin/python" -c 'import sys, setuptools
v = tuple(int(x) for x in setuptools.__version__.split(".")[:2])
try:
    import wheel
except ImportError:
    sys.exit(0 if v < (70, 1) else 1)
sys.exit(1)' 2>/dev/null; then
		check "pip in a venv without wheel says what to do" bash -c \
			"! PKG_CONFIG_PATH='$PKG_CONFIG_PATH' '$work/bare/bin/pip' install -q --no-build-isolation \
			--no-index '$src' >'$work/bare.log' 2>&1 && grep -q -- '--system-site-packages' '$work/bare.log' \
			|| { cat '$work/bare.log'; false; }"
	fi
	venv=$work/venv
	check "python3 -m venv --system-site-packages" "$py" -m venv --system-site-packages "$venv"
	check "pip install --no-build-isolation --no-index SOURCE" "${clean_env[@]}" \
		"PKG_CONFIG_PATH=$PKG_CONFIG_PATH" "$venv/bin/pip" install --no-build-isolation --no-index "$src"
	check "the pip-installed package imports with no environment" in_dir "$work" "${clean_env[@]}" \
		"$venv/bin/python" -c "import eclectyc
assert eclectyc.__file__.startswith('$venv/'), eclectyc.__file__
assert eclectyc.Store('sqlite::memory:').list_jobs() == []
assert eclectyc.__version__ == '$(pkg-config --modversion eclectyc)'
lib = [l.split()[-1] for l in open('/proc/self/maps') if 'libeclectyc' in l][0]
assert lib.startswith('$prefix/'), lib"
	module=$(ls "$venv"/lib/python3*/site-packages/eclectyc/_native*.so 2>/dev/null | head -n 1)
	check "the pip-built module's RUNPATH is the library's directory" \
		test -n "$module" -a "$(runpath "${module:-/nonexistent}")" = "$prefix/$libdir"
	check "pip wrote nothing into the source tree" bash -c \
		"! ls -d '$src'/*.egg-info '$src'/__pycache__ '$src'/build/lib.* '$src'/build/temp.* 2>/dev/null | grep -q ."
else
	skip "pip install (no Python binding, or no ensurepip: apt-get install python3-venv)"
fi

# ---- staged as for /usr/local: where Debian's python3 and PHP look --------

stage=$work/stage
check "DESTDIR=STAGE cmake --install --prefix /usr/local" env DESTDIR="$stage" \
	cmake --install "$build" --prefix /usr/local
if [ "$have_python" = 1 ]; then
	check "/usr/local: the Python package is where python3 searches" "$py" -c "import os, site
want = [d for d in site.getsitepackages() if d.startswith('/usr/local/')]
assert any(os.path.isfile('$stage' + d + '/eclectyc/__init__.py') for d in want), want"
	check "/usr/local: the staged package imports (relative RUNPATH)" "${clean_env[@]}" \
		"PYTHONPATH=$stage/usr/local/$want" "$py" -c "import eclectyc
assert eclectyc.Store('sqlite::memory:').list_jobs() == []
lib = [l.split()[-1] for l in open('/proc/self/maps') if 'libeclectyc' in l][0]
assert lib.startswith('$stage/'), lib"
fi
if [ "$have_php" = 1 ] && [ -n "$php_config" ]; then
	php_ext_dir=$("$php_config" --extension-dir)
	check "/usr/local: the PHP extension is in php-config --extension-dir" \
		test -f "$stage$php_ext_dir/eclectyc.so"
	check "/usr/local: its RUNPATH is /usr/local/$libdir" \
		test "$(runpath "$stage$php_ext_dir/eclectyc.so")" = "/usr/local/$libdir"
	check "/usr/local: the ini loads the extension by name" \
		grep -qx "extension=eclectyc" "$stage/usr/local/share/eclectyc/php/eclectyc.ini"
	check "/usr/local: the ini names /usr/local's autoload.php" \
		grep -q "require '/usr/local/share/eclectyc/php/lib/autoload.php'" \
		"$stage/usr/local/share/eclectyc/php/eclectyc.ini"
	check "/usr/local: PHP loads it by name from its extension directory" "${clean_env[@]}" \
		"LD_LIBRARY_PATH=$stage/usr/local/$libdir" "$php" -n -d "extension_dir=$stage$php_ext_dir" \
		-d extension=eclectyc -r 'exit(extension_loaded("eclectyc") ? 0 : 1);'
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

"""Build the Python package `eclectyc` against an installed libeclectyc.

pyproject.toml holds the metadata; this file holds what setuptools cannot
say declaratively: run SWIG over the interface shared with PHP
(bindings/eclectyc.i, module `eclectyc.native`), and compile and link the
result with the flags pkg-config gives for `eclectyc` and `jansson`.

    python3 -m venv --system-site-packages venv
    PKG_CONFIG_PATH=P/lib/pkgconfig venv/bin/pip install --no-build-isolation --no-index .

The module links the shared libeclectyc and records its directory as a
RUNPATH (absolute: a venv is not inside the library's prefix, and moving the
venv must not break it), so `import eclectyc` needs no LD_LIBRARY_PATH; a
library in a system directory (/usr/lib, ...) gets no RUNPATH. It links the
shared library rather than libeclectyc.a so that a fixed library reaches
Python programs without rebuilding them, and one process holds one copy of
the library (docs/bindings-python.md).
"""
import atexit
import os
import re
import shlex
import shutil
import subprocess
import sys
import sysconfig
import tempfile

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

HERE = os.path.dirname(os.path.abspath(__file__))


class BuildError(SystemExit):
    """A clear one-line reason instead of a traceback."""

    def __init__(self, message):
        super().__init__("eclectyc: " + message)


def source_version():
    """The version in CMakeLists.txt: the one the bindings were written for."""
    with open(os.path.join(HERE, "CMakeLists.txt"), encoding="utf-8") as f:
        match = re.search(r"project\(\s*eclectyc\s+VERSION\s+([0-9][0-9.]*)", f.read())
    if not match:
        raise BuildError("cannot read the version from CMakeLists.txt")
    return match.group(1)


def pkg_config(*args):
    tool = os.environ.get("PKG_CONFIG") or shutil.which("pkg-config")
    if not tool:
        raise BuildError("pkg-config not found (Debian: apt-get install pkg-config)")
    proc = subprocess.run([tool, *args], capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        if args[-1] == "eclectyc":
            raise BuildError(
                "pkg-config cannot find libeclectyc: install it first (cmake --install build "
                "--prefix P) and set PKG_CONFIG_PATH=P/lib/pkgconfig (absolute); pkg-config "
                "said: " + (proc.stderr.strip() or "nothing"))
        raise BuildError("pkg-config %s failed: %s" % (" ".join(args), proc.stderr.strip()))
    return proc.stdout.strip()


def system_libdirs():
    """Directories the dynamic linker searches without being told."""
    dirs = ["/lib", "/usr/lib", "/lib64", "/usr/lib64"]
    multiarch = sysconfig.get_config_var("MULTIARCH")
    if multiarch:
        dirs += ["/lib/" + multiarch, "/usr/lib/" + multiarch]
    return {os.path.realpath(d) for d in dirs}


def find_swig():
    for name in (os.environ.get("SWIG"), "swig4.0", "swig"):
        path = name and shutil.which(name)
        if path:
            return path
    raise BuildError("SWIG not found (Debian: apt-get install swig; SWIG >= 4.1)")


class BuildExt(build_ext):
    """SWIG first (native.py into the package, the C wrapper into build_temp),
    then the extension with pkg-config's flags and the library's RUNPATH."""

    def run(self):
        if self.inplace:
            raise BuildError("in-place (editable) builds are not supported; use the CMake "
                             "build tree (PYTHONPATH=build/bindings/python)")
        self.configure_native(self.extensions[0])
        super().run()

    def configure_native(self, ext):
        want = source_version()
        have = pkg_config("--modversion", "eclectyc")
        if have != want:
            raise BuildError("pkg-config found libeclectyc %s, but these bindings are for %s: "
                             "install the library from this source tree" % (have, want))
        cflags = shlex.split(pkg_config("--cflags", "eclectyc", "jansson"))
        libs = shlex.split(pkg_config("--libs", "eclectyc", "jansson"))
        libdir = os.path.realpath(pkg_config("--variable=libdir", "eclectyc"))
        if not os.path.exists(os.path.join(libdir, "libeclectyc.so")):
            raise BuildError("no libeclectyc.so in %s (pkg-config's libdir for eclectyc)" % libdir)

        wrapper_dir = os.path.join(self.build_temp, "swig")
        package_dir = os.path.join(self.build_lib, "eclectyc")
        os.makedirs(wrapper_dir, exist_ok=True)
        os.makedirs(package_dir, exist_ok=True)
        wrapper = os.path.join(wrapper_dir, "eclectyc_python_wrap.c")
        includes = [f for f in cflags if f.startswith("-I")]
        command = [find_swig(), "-python", "-Ibindings", *includes,
                   "-module", "native", "-interface", "_native",
                   "-outdir", package_dir, "-o", wrapper, "bindings/eclectyc.i"]
        self.announce("running " + " ".join(command), level=2)
        proc = subprocess.run(command, cwd=HERE, check=False)
        if proc.returncode != 0:
            raise BuildError("SWIG failed on bindings/eclectyc.i (SWIG >= 4.1 is needed)")

        ext.sources = [wrapper, "bindings/binding.c"]
        ext.include_dirs = ["bindings"]
        ext.extra_compile_args = cflags + ["-Wno-unused-parameter",
                                           "-Wno-missing-field-initializers"]
        ext.extra_link_args = list(libs)
        if libdir not in system_libdirs():
            ext.extra_link_args += ["-Wl,--enable-new-dtags", "-Wl,-rpath," + libdir]


# setuptools before 70.1 builds wheels with the separate `wheel` package,
# which a plain venv lacks: say how to get it rather than "invalid command".
def _needs_wheel():
    import setuptools
    version = tuple(int(x) for x in re.findall(r"\d+", setuptools.__version__)[:2])
    return version < (70, 1) and bool({"bdist_wheel", "dist_info"} & set(sys.argv))


if _needs_wheel():
    try:
        import wheel  # noqa: F401
    except ImportError:
        raise BuildError("the Python package `wheel` is missing: make the venv with "
                         "`python3 -m venv --system-site-packages` (Debian's python3-wheel and "
                         "python3-setuptools), or install wheel into it") from None

# Build output in a temporary folder, removed at exit: nothing is written
# among the sources (nor into a CMake build tree named build/).
WORK = tempfile.mkdtemp(prefix="eclectyc-setuptools.")
atexit.register(shutil.rmtree, WORK, ignore_errors=True)

setup(
    version=source_version(),
    # binding.c's headers (eclectyc/sys/errors.h, jansson) come from pkg-config.
    ext_modules=[Extension("eclectyc._native", sources=["bindings/binding.c"],
                           define_macros=[("_GNU_SOURCE", None)])],
    cmdclass={"build_ext": BuildExt},
    options={"build": {"build_base": os.path.join(WORK, "build")},
             "egg_info": {"egg_base": WORK}},
)

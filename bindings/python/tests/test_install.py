"""`cmake --install` puts a working package into a chosen prefix: the module
imports from there and loads the libeclectyc installed beside it."""
import os
import shutil
import subprocess
import sys

import pytest


def test_install_into_prefix(tmpdir_path):
    build = os.environ.get("ECL_BUILD_DIR")
    pydir = os.environ.get("ECL_PYTHON_INSTALL_DIR")
    cmake = shutil.which("cmake")
    if not build or not pydir or not cmake:
        pytest.skip("ECL_BUILD_DIR / ECL_PYTHON_INSTALL_DIR not set (ctest sets them)")
    prefix = os.path.join(tmpdir_path, "prefix")
    # The library (CMake's default component) and the Python package; not
    # the other bindings.
    for component in ("Unspecified", "python"):
        proc = subprocess.run([cmake, "--install", build, "--prefix", prefix,
                               "--component", component],
                              capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, proc.stdout + proc.stderr
    site = pydir if os.path.isabs(pydir) else os.path.join(prefix, pydir)
    package = os.path.join(site, "eclectyc")
    for name in ("__init__.py", "__init__.pyi", "py.typed", "native.py", "_native.so"):
        assert os.path.exists(os.path.join(package, name)), name
    code = ("import eclectyc, sys\n"
            "s = eclectyc.Store('sqlite::memory:')\n"
            "assert s.list_jobs() == []\n"
            "print(eclectyc.__file__)\n"
            "print([l.split()[-1] for l in open('/proc/self/maps') if 'libeclectyc' in l][0])\n")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "LD_LIBRARY_PATH")}
    env["PYTHONPATH"] = site
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=env, cwd=tmpdir_path, timeout=60)
    assert proc.returncode == 0, proc.stderr
    module_file, library = proc.stdout.split()
    assert module_file.startswith(os.path.realpath(site)) or module_file.startswith(site)
    assert os.path.realpath(library).startswith(os.path.realpath(prefix)), library

"""Kernel inspection against a real interpreter: a venv made here with a few packages."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from jupyter_containerize import process
from jupyter_containerize.analysis import kernel as K
from jupyter_containerize.analysis.kernel import inspect_interpreter, interpreter_for_kernel
from jupyter_containerize.errors import InterpreterError, KernelNotFound

from ..required import missing


def _fake_dist(site: Path, name: str, version: str, files: dict[str, str], extra_meta: str = "") -> None:
    """An installed distribution as pip leaves it: files plus a dist-info with RECORD."""
    for rel, text in files.items():
        target = site / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    info = site / f"{name.replace('-', '_')}-{version}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.4\nName: {name}\nVersion: {version}\n{extra_meta}")
    (info / "INSTALLER").write_text("pip\n")
    record = [f"{rel},," for rel in files] + [f"{info.name}/METADATA,,", f"{info.name}/RECORD,,"]
    (info / "RECORD").write_text("\n".join(record) + "\n")


@pytest.fixture(scope="session")
def venv(tmp_path_factory):
    root = tmp_path_factory.mktemp("kernel-venv")
    subprocess.run([sys.executable, "-m", "venv", str(root)], check=True)
    python = root / "bin" / "python"
    done = subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", "six==1.16.0", "idna==3.7"],
        capture_output=True, text=True,
    )
    if done.returncode != 0:
        missing(f"cannot install test packages into a venv: {done.stderr[-300:]}")
    site = Path(subprocess.check_output(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], text=True).strip())
    # two distributions sharing the implicit namespace package "acme"
    _fake_dist(site, "acme-widgets", "2.0", {"acme/widgets/__init__.py": "", "acme/widgets/core.py": ""})
    _fake_dist(site, "acme-gadgets", "0.3", {"acme/gadgets/__init__.py": ""},
               extra_meta="Requires-Dist: six>=1.0\n")
    # PEP 794: a distribution declaring the import name it provides
    _fake_dist(site, "zork-impl", "1.1", {"zork/__init__.py": ""}, extra_meta="Import-Name: zork\n")
    return SimpleNamespace(python=str(python), site=site, root=root)


@pytest.fixture
def cache(tmp_path):
    K.clear_memory_cache()
    yield tmp_path / "cache"
    K.clear_memory_cache()


def test_versions_top_levels_and_stdlib(venv, cache):
    env = inspect_interpreter(venv.python, cache_dir=cache)
    assert env.executable == venv.python
    assert env.python_version == ".".join(map(str, sys.version_info[:3]))
    assert env.platform == sys.platform
    assert env.distributions["six"].version == "1.16.0"
    assert env.distributions["idna"].version == "3.7"
    assert env.distributions["six"].top_level == ("six",)
    assert "idna" in env.distributions["idna"].top_level
    assert env.distributions["six"].installer == "pip"
    assert {"json", "os", "sys", "asyncio"} <= env.stdlib
    assert "six" not in env.stdlib
    assert env.prefix == str(venv.root)
    assert env.module_providers("six.moves") == ["six"]


def test_namespace_packages_and_import_name(venv, cache):
    env = inspect_interpreter(venv.python, cache_dir=cache)
    assert env.distributions["acme-widgets"].top_level == ("acme.widgets",)
    assert env.module_providers("acme.widgets.core") == ["acme-widgets"]
    assert env.module_providers("acme.gadgets") == ["acme-gadgets"]
    assert sorted(env.module_providers("acme")) == ["acme-gadgets", "acme-widgets"]
    assert env.distributions["acme-gadgets"].requires == ("six>=1.0",)
    assert env.distributions["zork-impl"].import_names == ("zork",)
    assert env.module_providers("zork") == ["zork-impl"]


def test_cached_in_memory_and_on_disk(venv, cache, monkeypatch):
    first = inspect_interpreter(venv.python, cache_dir=cache)
    [on_disk] = (cache / "kernels").glob("*.json")

    def no_probe(executable):
        raise AssertionError("probed again")

    monkeypatch.setattr(K, "run_probe", no_probe)
    stored = on_disk.read_bytes()
    on_disk.unlink()  # only the memory cache can answer now, without a probe
    again = inspect_interpreter(venv.python, cache_dir=cache)
    assert again is first
    assert not on_disk.exists()  # a memory hit does not write the disk cache again
    on_disk.write_bytes(stored)
    K.clear_memory_cache()  # a new process: only the disk cache is left
    from_disk = inspect_interpreter(venv.python, cache_dir=cache)
    assert from_disk.fingerprint == first.fingerprint
    assert from_disk.distributions["six"].version == "1.16.0"


def test_changed_environment_is_probed_again(venv, cache):
    first = inspect_interpreter(venv.python, cache_dir=cache)
    _fake_dist(venv.site, "late-comer", "0.1", {"late_comer.py": ""})
    try:
        second = inspect_interpreter(venv.python, cache_dir=cache)
        assert second.fingerprint != first.fingerprint
        assert second.distributions["late-comer"].top_level == ("late_comer",)
    finally:
        import shutil

        shutil.rmtree(venv.site / "late_comer-0.1.dist-info")
        (venv.site / "late_comer.py").unlink()


def test_probe_runs_isolated_without_shell(venv, cache, monkeypatch):
    seen = {}
    real = process.subprocess.Popen

    def spy(args, **kwargs):  # every command of the build starts here (jupyter_containerize.process)
        seen["args"], seen["shell"] = args, kwargs.get("shell", False)
        return real(args, **kwargs)

    monkeypatch.setattr(process.subprocess, "Popen", spy)
    inspect_interpreter(venv.python, cache_dir=cache, refresh=True)
    assert isinstance(seen["args"], (list, tuple)) and seen["args"][1] == "-I" and not seen["shell"]


def test_unusable_interpreters(tmp_path, cache):
    with pytest.raises(InterpreterError, match="does not exist"):
        inspect_interpreter(tmp_path / "missing" / "python", cache_dir=cache)
    with pytest.raises(InterpreterError, match="not an executable"):
        inspect_interpreter(tmp_path, cache_dir=cache)
    script = tmp_path / "fake-python"
    script.write_text("#!/bin/sh\necho hello\n")
    script.chmod(0o755)
    with pytest.raises(InterpreterError, match="not a Python interpreter"):
        inspect_interpreter(script, cache_dir=cache)
    failing = tmp_path / "failing"
    failing.write_text("#!/bin/sh\necho boom >&2\nexit 3\n")
    failing.chmod(0o755)
    with pytest.raises(InterpreterError, match="exit 3"):
        inspect_interpreter(failing, cache_dir=cache)


class FakeSpecs:
    def __init__(self, specs):
        self.specs = specs

    def get_kernel_spec(self, name):
        if name not in self.specs:
            raise KeyError(name)
        return self.specs[name]


def spec(argv, language="python", resource_dir="/nowhere", env=None):
    return SimpleNamespace(argv=argv, language=language, resource_dir=resource_dir, env=env or {})


def test_interpreter_for_kernel(venv, tmp_path):
    specs = FakeSpecs({
        "python3": spec(["python", "-m", "ipykernel_launcher", "-f", "{connection_file}"]),
        "myenv": spec([venv.python, "-m", "ipykernel_launcher", "-f", "{connection_file}"]),
        "ir": spec(["R", "--slave"], language="R"),
        "converted": spec([venv.python, "-m", "ipykernel_launcher"], language="python3"),
    })
    assert interpreter_for_kernel("python3", specs) == sys.executable
    assert interpreter_for_kernel("converted", specs) == venv.python
    assert interpreter_for_kernel("myenv", specs) == venv.python
    with pytest.raises(KernelNotFound):
        interpreter_for_kernel("nope", specs)
    with pytest.raises(KernelNotFound):
        interpreter_for_kernel("ir", specs)
    assert interpreter_for_kernel("python3", FakeSpecs({})) == sys.executable


def test_interpreter_for_kernel_in_resource_dir(tmp_path):
    (tmp_path / "python-wrapper").write_text("#!/bin/sh\n")
    specs = FakeSpecs({"wrapped": spec(["python-wrapper", "-m", "ipykernel"], resource_dir=str(tmp_path))})
    assert interpreter_for_kernel("wrapped", specs) == str(tmp_path / "python-wrapper")


def test_real_kernelspec_manager_default():
    assert os.path.exists(interpreter_for_kernel("python3"))


def test_probe_output_shape(venv):
    payload = json.loads(subprocess.check_output([venv.python, "-I", str(K.PROBE)]))
    assert {"python_version", "stdlib", "distributions", "path", "prefix"} <= set(payload)


def _other_python():
    """Any interpreter on this machine whose minor version differs from ours."""
    import glob
    import shutil

    candidates = [shutil.which(f"python3.{minor}") for minor in range(8, 15)]
    candidates += glob.glob(os.path.expanduser("~/.pyenv/versions/3.*/bin/python3"))
    for path in candidates:
        if path and os.path.exists(path):
            version = subprocess.run([path, "-c", "import sys; print(sys.version_info[1])"],
                                     capture_output=True, text=True).stdout.strip()
            if version and int(version) != sys.version_info[1] and int(version) >= 8:
                return path, int(version)
    return None


def test_a_different_python_kernel_reports_its_own_stdlib(cache, tmp_path):
    found = _other_python()
    if found is None:
        missing("no interpreter of another Python version on this machine (python3.X on PATH or a pyenv version)")
    path, minor = found
    env = inspect_interpreter(path, cache_dir=cache)
    assert env.python_version.startswith(f"3.{minor}.")
    assert ("distutils" in env.stdlib) == (minor < 12)
    assert ("tomllib" in env.stdlib) == (minor >= 11)

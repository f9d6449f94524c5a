"""What makes builds fast and images small: uv only in the builder stage, a one-cell edit
changes only the last layer, and `export` writes a context that `docker build DIR` builds."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from jupyter_containerize.image.context import ContextSpec, render_dockerfile
from jupyter_containerize.image.installer import uv_binary

from .conftest import BASE_IMAGE, write_notebook


def _spec(tmp_path: Path, **overrides) -> ContextSpec:
    notebook = write_notebook(tmp_path / "nb.ipynb", "print(1)")
    values = dict(notebook=notebook, base_image="python:3.11-slim", lock_text="", lock_digest="ab" * 32,
                  python_version="3.11.7", wheels=(), uv=Path("/usr/bin/uv"))
    values.update(overrides)
    return ContextSpec(**values)


def test_uv_installs_offline_in_the_builder_stage_only(tmp_path):
    dockerfile = render_dockerfile(_spec(tmp_path))
    builder, final = dockerfile.split("\nFROM python:3.11-slim\n")
    assert "COPY tools/uv /usr/local/bin/uv" in builder
    assert "--offline --no-index" in builder and "--require-hashes" in builder
    assert "uv" not in final.replace("uid", "")
    assert "pip" not in final
    without = render_dockerfile(_spec(tmp_path, uv=None))
    assert "tools/uv" not in without and "-m pip" in without


def test_uv_binary_only_for_the_host_architecture():
    import platform

    from uv import find_uv_bin  # uv is a dependency of the package

    native = {"x86_64": "linux/amd64", "aarch64": "linux/arm64"}.get(platform.machine())
    if native is None:  # a host uv can run in neither target
        assert uv_binary("linux/amd64") is None and uv_binary("linux/arm64") is None
        return
    other = "linux/arm64" if native == "linux/amd64" else "linux/amd64"
    assert uv_binary(other) is None
    found = uv_binary(native)
    assert found == Path(find_uv_bin()) and os.access(found, os.X_OK)


def _cli(*args: str, cache_dir, base: str = BASE_IMAGE) -> subprocess.CompletedProcess:
    env = {**os.environ, "CONTAINERIZE_CACHE": str(cache_dir)}
    return subprocess.run(["jupyter", "containerize", *args, "--base", base], capture_output=True, text=True,
                          env=env, timeout=1200)


def _fresh_base(tmp_path: Path) -> str:
    """A new image id for the base: no environment image exists on it yet."""
    (tmp_path / "base").mkdir()
    (tmp_path / "base" / "Dockerfile").write_text(f"FROM {BASE_IMAGE}\nLABEL test.nonce={time.time_ns()}\n")
    tag = f"containerize-test/base:{time.time_ns()}"
    subprocess.run(["docker", "build", "-q", "-t", tag, str(tmp_path / "base")], check=True, capture_output=True)
    return tag


def _layers(tag: str) -> list[str]:
    out = subprocess.run(["docker", "image", "inspect", "-f", "{{json .RootFS.Layers}}", tag],
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out)


@pytest.mark.engine
def test_one_cell_edit_changes_only_the_last_layer(engine, cache_dir, tmp_path):
    notebook = write_notebook(tmp_path / "edit.ipynb", "x = 1", "print(x)")
    tag = "containerize-test/edit:1"
    first = _cli("build", str(notebook), "--tag", tag, cache_dir=cache_dir)
    assert first.returncode == 0, first.stderr[-2000:]
    before = _layers(tag)
    write_notebook(notebook, "x = 1", "print(x + 1)")
    second = _cli("build", str(notebook), "--tag", tag, cache_dir=cache_dir)
    assert second.returncode == 0, second.stderr[-2000:]
    after = _layers(tag)
    assert len(after) == len(before) and after[:-1] == before[:-1] and after[-1] != before[-1]
    check = subprocess.run(["docker", "run", "--rm", "--user", "0", "--entrypoint", "sh", tag, "-c",
                            "test -x /opt/venv/bin/python && ! command -v uv && ! test -e /tmp/containerize"
                            " && ! ls /opt/venv/bin | grep -qx pip && ! find /opt /home /tmp -name '*.whl' | grep -q ."
                            " && ! test -e /root/.cache/pip && echo clean"],
                           capture_output=True, text=True)
    assert check.stdout.strip() == "clean", check.stdout + check.stderr  # no installer, wheel or cache
    user = subprocess.run(["docker", "image", "inspect", "-f", "{{.Config.User}}", tag], capture_output=True,
                          text=True, check=True).stdout.strip()
    assert user == "1000"


def _link_or_copy(source: str, target: str) -> None:
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


@pytest.mark.engine
def test_a_cache_without_installs_reuses_the_engines_environment_image(engine, cache_dir, tmp_path):
    """Another user's cache on the same engine (or one pruned of its installed wheels): the
    engine has the environment image, so the build installs nothing on the host and leaves
    nothing half-written there."""
    notebook = write_notebook(tmp_path / "reuse.ipynb", "print('reused')")
    first = _cli("build", str(notebook), "--tag", "containerize-test/reuse:1", cache_dir=cache_dir)
    assert first.returncode == 0, first.stderr[-2000:]
    other = tmp_path / "other-cache"  # the same wheels and answers, no installed wheel
    shutil.copytree(cache_dir, other, copy_function=_link_or_copy, ignore=lambda folder, names:
                    ["installed"] if Path(folder) == Path(cache_dir) else [])
    second = _cli("build", str(notebook), "--tag", "containerize-test/reuse:2", cache_dir=other)
    assert second.returncode == 0, second.stderr[-2000:]
    assert "Reusing the environment image" in second.stderr, second.stderr[-2000:]
    assert [p.name for p in (other / "installed").rglob("*") if p.is_file()] == []  # no segment, no temporary


@pytest.mark.engine
def test_export_builds_with_plain_docker_build(engine, cache_dir, tmp_path):
    notebook = write_notebook(tmp_path / "exp.ipynb", "print(6 * 7)")
    proc = _cli("export", str(notebook), "-o", str(tmp_path / "ctx"), cache_dir=cache_dir)
    assert proc.returncode == 0, proc.stderr[-2000:]
    tag = "containerize-test/export:1"
    subprocess.run(["docker", "build", "-q", "-t", tag, str(tmp_path / "ctx")], check=True, capture_output=True)
    check = subprocess.run(["docker", "run", "--rm", "--entrypoint", "sh", tag, "-c",
                            "test -x /opt/venv/bin/python && ! command -v uv && ! test -e /tmp/containerize"
                            " && ! test -e /opt/installer && ! ls /opt/venv/bin | grep -qx pip && echo clean"],
                           capture_output=True, text=True)
    assert check.stdout.strip() == "clean", check.stderr


@pytest.mark.engine
def test_adding_a_package_grows_the_environment_image(engine, cache_dir, tmp_path):
    notebook = write_notebook(tmp_path / "grow.ipynb", "print('grow')")
    base = _fresh_base(tmp_path)
    first = _cli("build", str(notebook), "--json", cache_dir=cache_dir, base=base)
    assert first.returncode == 0, first.stderr[-2000:]
    second = _cli("build", str(notebook), "--json", "--add", "tabulate==0.9.0", cache_dir=cache_dir, base=base)
    assert second.returncode == 0, second.stderr[-2000:]
    env_tags = [ln.split("environment image ")[-1] for ln in (first.stderr + second.stderr).splitlines()
                if "environment image " in ln]
    assert len(env_tags) == 2 and env_tags[0] != env_tags[1], env_tags
    before, after = _layers(env_tags[0]), _layers(env_tags[1])
    assert after[:len(before)] == before and len(after) > len(before)  # grew from it, nothing redone
    check = subprocess.run(["docker", "run", "--rm", "--entrypoint", "/opt/venv/bin/python", json.loads(second.stdout)["tag"],
                            "-c", "import tabulate; print(tabulate.__version__)"], capture_output=True, text=True)
    assert check.stdout.strip() == "0.9.0", check.stderr

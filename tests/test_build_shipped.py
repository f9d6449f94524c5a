"""End to end on the real engine, a lock with shipped wheels: a kernel venv holding a local
folder install, an editable install and a git commit, plus an sdist-only package that only the
resolver finds (``--add``); ``jupyter containerize build`` locks them as wheels built on the
host, ships them in the build context, and the image imports each with the kernel's version."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from jupyter_containerize.engine.docker import DockerEngine
from jupyter_containerize.share.running import run_image

from .conftest import BASE_IMAGE, write_notebook
from .local_packages import git_commit_all, sdist, tiny_package
from .runner_notebooks import outputs

pytestmark = [pytest.mark.engine, pytest.mark.network]

PIP = ["-m", "pip", "install", "-q", "--disable-pip-version-check"]
LOCAL = {"tinyfolder": "0.3.1", "tinyeditable": "1.2.0", "tinygit": "2.0.0"}

PROBE = """\
import importlib.metadata as md
import tinyfolder, tinyeditable, tinygit, tinysdist
for name in ("tinyfolder", "tinyeditable", "tinygit", "tinysdist"):
    print(f"{name}=={md.version(name)} module={__import__(name).VERSION}")
"""


@pytest.fixture(scope="module")
def shipped_build(engine, cache_dir, tmp_path_factory):
    root = tmp_path_factory.mktemp("shipped")
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = str(venv / "bin" / "python")
    subprocess.run([python, *PIP, "ipykernel", "nbclient", "setuptools>=68", "wheel"], check=True)
    src = root / "src"
    subprocess.run([python, *PIP, "--no-build-isolation",
                    str(tiny_package(src, "tinyfolder", version=LOCAL["tinyfolder"]))], check=True)
    subprocess.run([python, *PIP, "--no-build-isolation", "-e",
                    str(tiny_package(src, "tinyeditable", version=LOCAL["tinyeditable"]))], check=True)
    repo = tiny_package(src, "tinygit", version=LOCAL["tinygit"])
    commit = git_commit_all(repo)
    subprocess.run([python, *PIP, "--no-build-isolation", f"git+file://{repo}@{commit}"], check=True)
    links = root / "links"
    sdist(links, "tinysdist", "0.2.0")
    notebook = write_notebook(root / "shipped.ipynb", PROBE)
    env = {**os.environ, "CONTAINERIZE_CACHE": str(cache_dir),
           "PIP_FIND_LINKS": f"{os.environ.get('PIP_FIND_LINKS', '')} {links}".strip()}
    proc = subprocess.run(["jupyter", "containerize", "build", str(notebook), "--python", python,
                           "--base", BASE_IMAGE, "--add", "tinysdist", "--json"],
                          capture_output=True, text=True, env=env, timeout=1200)
    assert proc.returncode == 0, proc.stderr[-3000:]
    kernel_versions = subprocess.run(
        [python, "-c", "import importlib.metadata as md, json; "
                       f"print(json.dumps({{n: md.version(n) for n in {sorted(LOCAL)!r}}}))"],
        capture_output=True, text=True, check=True).stdout
    return json.loads(proc.stdout), json.loads(kernel_versions), commit


def test_the_image_imports_the_shipped_packages_with_the_kernel_versions(shipped_build, tmp_path):
    result, kernel_versions, _ = shipped_build
    assert kernel_versions == LOCAL
    lines = []
    status = run_image(DockerEngine(), result["tag"], tmp_path / "out", on_output=lines.append)
    assert status == 0, "\n".join(lines)
    text = outputs(tmp_path / "out" / "shipped.ipynb")
    for name, version in {**kernel_versions, "tinysdist": "0.2.0"}.items():
        assert f"{name}=={version} module={version}" in text


def test_the_image_lock_pins_them_by_wheel_hash(shipped_build):
    result, _, commit = shipped_build
    lock = DockerEngine().read_file(result["tag"], "/opt/containerize/requirements.lock").decode()
    lines = lock.splitlines()
    for name, version in {**LOCAL, "tinysdist": "0.2.0"}.items():
        start = lines.index(f"{name}=={version} \\")
        assert lines[start + 1].startswith("    --hash=sha256:")
        assert f"    # shipped in the build context: wheels/{name}-{version}-py3-none-any.whl" in lines[start:start + 8]
    assert any(line.startswith("    # from tinygit @ git+file://") and line.endswith(f"@{commit}") for line in lines)
    assert not any("git+" in line.split("#")[0] for line in lines)

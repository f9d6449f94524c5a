"""The environment image without a builder: wheels installed once on the host into tar
segments, concatenated into one layer (each path once) and loaded onto the prepared base."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import subprocess
import sys
import tarfile
import threading
import zipfile
from pathlib import Path

import pytest

from jupyter_containerize.errors import ImageBuildFailed
from jupyter_containerize.image.context import ContextSpec, runtime_config
from jupyter_containerize.image.envbuild import ensure_environment
from jupyter_containerize.image.installed import InstalledWheels, InstallFailed, compiler_for, members_of
from jupyter_containerize.image.layer import child_config, image_id, layer_bytes, plan_layer

from .conftest import BASE_IMAGE, write_notebook

SITE = "opt/venv/lib/python3.11/site-packages"


def make_wheel(folder: Path, name: str, version: str, files: dict[str, str], *, scripts: dict[str, str] = None,
               data: dict[str, str] = None) -> Path:
    """A real wheel: ``files`` at the root, console ``scripts`` (name: module:function),
    ``data`` files under ``.data/data``; RECORD with hashes."""
    dist_info = f"{name}-{version}.dist-info"
    entries = dict(files)
    entries[f"{dist_info}/METADATA"] = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
    entries[f"{dist_info}/WHEEL"] = "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    if scripts:
        entries[f"{dist_info}/entry_points.txt"] = "[console_scripts]\n" + "".join(
            f"{script} = {target}\n" for script, target in scripts.items())
    for rel, text in (data or {}).items():
        entries[f"{name}-{version}.data/data/{rel}"] = text
    record = []
    for path, text in entries.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=").decode()
        record.append(f"{path},sha256={digest},{len(text.encode())}")
    record.append(f"{dist_info}/RECORD,,")
    entries[f"{dist_info}/RECORD"] = "\n".join(record) + "\n"
    wheel = folder / f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for path, text in sorted(entries.items()):
            archive.writestr(path, text)
    return wheel


@pytest.fixture
def wheels(tmp_path) -> list[Path]:
    folder = tmp_path / "wheels"
    folder.mkdir()
    return [
        make_wheel(folder, "alpha", "1.0", {"alpha/__init__.py": "VALUE = 'alpha 1.0'\ndef main():\n    print(VALUE)\n",
                                            "shared_ns/alpha_part.py": "WHO = 'alpha'\n"},
                   scripts={"alpha-tool": "alpha:main"}, data={"share/alpha/readme.txt": "hello\n"}),
        make_wheel(folder, "beta", "2.0", {"beta/__init__.py": "from shared_ns.alpha_part import WHO\n",
                                           "shared_ns/beta_part.py": "WHO = 'beta'\n"}),
    ]


def _segment_members(segment: Path) -> dict[str, tarfile.TarInfo]:
    data = segment.read_bytes() + b"\0" * 1024
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        return {m.name: m for m in tar.getmembers()}


def test_a_wheel_is_installed_once_into_a_deterministic_segment(tmp_path, wheels):
    cache = InstalledWheels(tmp_path / "installed", "3.11", compiler_for("3.11"))
    assert cache.compiler, "this test needs a Python 3.11 interpreter"
    alpha, _ = cache.segments(wheels)
    members = _segment_members(alpha)
    assert f"{SITE}/alpha/__init__.py" in members
    pyc = f"{SITE}/alpha/__pycache__/__init__.cpython-311.pyc"
    assert pyc in members
    with tarfile.open(fileobj=io.BytesIO(alpha.read_bytes() + b"\0" * 1024)) as tar:
        header = tar.extractfile(pyc).read(16)
        script = tar.extractfile("opt/venv/bin/alpha-tool").read().decode()
    assert int.from_bytes(header[4:8], "little") == 0b11  # hash-based and checked: valid whatever the mtimes
    assert script.startswith("#!/opt/venv/bin/python\n") and "from alpha import main" in script
    assert members["opt/venv/bin/alpha-tool"].mode == 0o755 and members[f"{SITE}/alpha/__init__.py"].mode == 0o644
    assert "opt/venv/share/alpha/readme.txt" in members
    assert {m.mtime for m in members.values()} == {0} and {m.uid for m in members.values()} == {0}
    # The index gives each member's byte range in the segment.
    index = members_of(alpha)
    assert [name for name, _, _ in index] == list(members)
    assert index[0][1] == 0 and all(a[2] == b[1] for a, b in zip(index, index[1:]))
    # Installed once: the segment is reused as is; another cache makes the same bytes.
    mtime = alpha.stat().st_mtime_ns
    assert cache.segments(wheels[:1]) == [alpha] and alpha.stat().st_mtime_ns == mtime
    again = InstalledWheels(tmp_path / "other", "3.11", cache.compiler).segments(wheels[:1])[0]
    assert again.read_bytes() == alpha.read_bytes()


def test_a_broken_wheel_is_named_and_leaves_the_cache_clean(tmp_path, wheels):
    """A wheel without its WHEEL file (a bad local build, say) fails the install naming it;
    nothing half-written stays in the cache, and the good wheel installs."""
    broken = tmp_path / "wheels" / "gamma-1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheels[0]) as good, zipfile.ZipFile(broken, "w") as bad:
        for item in good.infolist():
            data = good.read(item)
            name = item.filename.replace("alpha-1.0.dist-info", "gamma-1.0.dist-info")
            if name.endswith("/METADATA"):
                data = data.replace(b"Name: alpha", b"Name: gamma")
            if not name.endswith("/WHEEL"):
                bad.writestr(name, data)
    root = tmp_path / "installed"
    cache = InstalledWheels(root, "3.11", compiler_for("3.11"))
    with pytest.raises(InstallFailed, match=r"Cannot install gamma-1\.0-py3-none-any\.whl"):
        cache.segments([wheels[1], broken])
    # Nothing of the broken one, no temporary or lock file: only the good one's whole segment.
    (segment,) = cache.segments([wheels[1]])
    assert sorted(p.name for p in root.rglob("*") if p.is_file()) == [segment.name, segment.name + ".index.json"]
    assert members_of(segment)


def test_a_layer_holds_each_path_once(tmp_path, wheels):
    segments = InstalledWheels(tmp_path / "installed", "3.11", None).segments(wheels)
    layer = plan_layer([(s, members_of(s)) for s in segments])
    data = b"".join(layer_bytes(layer))
    assert len(data) == layer.size
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        names = [m.name for m in tar.getmembers()]
    assert len(names) == len(set(names))
    assert f"{SITE}/shared_ns/alpha_part.py" in names and f"{SITE}/shared_ns/beta_part.py" in names
    assert names.count(f"{SITE}/shared_ns") == 1 and names.count("opt/venv/lib") == 1


def test_child_config_adds_the_layer_labels_and_runtime():
    parent = json.dumps({"architecture": "amd64", "os": "linux", "config": {
        "Env": ["PATH=/usr/local/bin:/usr/bin", "LANG=C.UTF-8"], "Labels": {"from": "base"}, "Cmd": ["bash"]},
        "rootfs": {"type": "layers", "diff_ids": ["sha256:" + "a" * 64]},
        "history": [{"created_by": "base"}]}).encode()
    config = child_config(parent, "sha256:" + "b" * 64, labels={"mine": "1"}, created_by="packages",
                          runtime=runtime_config())
    data = json.loads(config)
    env = dict(item.split("=", 1) for item in data["config"]["Env"])
    assert env["PATH"] == "/opt/venv/bin:/usr/local/bin:/usr/bin" and env["LANG"] == "C.UTF-8"
    assert env["MPLBACKEND"] == "module://matplotlib_inline.backend_inline" and data["config"]["User"] == "1000"
    assert data["config"]["Labels"] == {"from": "base", "mine": "1"}
    assert data["rootfs"]["diff_ids"] == ["sha256:" + "a" * 64, "sha256:" + "b" * 64]
    assert [h["created_by"] for h in data["history"]] == ["base", "packages"]
    assert config == child_config(parent, "sha256:" + "b" * 64, labels={"mine": "1"}, created_by="packages",
                                  runtime=runtime_config())  # deterministic: the image id is stable
    assert image_id(config) == "sha256:" + hashlib.sha256(config).hexdigest()


def test_the_plan_grows_from_the_largest_subset_and_knows_contents(tmp_path):
    from jupyter_containerize.image import envimage

    folder = tmp_path / "w"
    folder.mkdir()
    six, rich, tab = (make_wheel(folder, n, v, {f"{n}.py": f"# {n} {v}\n"})
                      for n, v in (("six", "1.16.0"), ("rich", "13.7.1"), ("tabulate", "0.9.0")))
    key = envimage.artifact
    env, base = envimage.ENV_REPOSITORY, "sha256:" + "e" * 64
    small = {envimage.PACKAGES_LABEL: key(six)}
    bigger = {envimage.PACKAGES_LABEL: f"{key(rich)} {key(six)}"}
    other = {envimage.PACKAGES_LABEL: f"{key(rich)} {key(six)} numpy==2.0.0#0123456789abcdef"}  # not a subset
    notebook_image = ("sales:1", bigger)  # notebook images inherit the labels: never a parent
    candidates = [(f"{env}:small", small), (f"{env}:bigger", bigger), (f"{env}:other", other), notebook_image]
    plan = envimage.plan("cd" * 32, base, [six, rich, tab], candidates)
    assert plan.parent == f"{env}:bigger" and [w.name for w in plan.wheels] == [tab.name]
    assert plan.tag == f"{env}:{'cd' * 8}-{'e' * 12}"
    assert envimage.plan("cd" * 32, base, [six, rich], candidates).wheels == ()  # all there: reused
    # A local package rebuilt with changes keeps its version, not its content: installed again.
    changed = make_wheel(tmp_path, "rich", "13.7.1", {"rich.py": "# changed\n"})
    again = envimage.plan("cd" * 32, base, [six, changed, tab], candidates)
    assert again.parent == f"{env}:small" and {w.name for w in again.wheels} == {changed.name, tab.name}


def _spec(tmp_path: Path, wheels, python_version: str = "3.11.7") -> ContextSpec:
    notebook = write_notebook(tmp_path / "nb.ipynb", "import alpha")
    digest = hashlib.sha256(b"".join(w.read_bytes() for w in wheels)).hexdigest()
    return ContextSpec(notebook=notebook, base_image=BASE_IMAGE, lock_text="", lock_digest=digest,
                       python_version=python_version, wheels=tuple(wheels))


@pytest.mark.engine
def test_the_environment_image_runs_and_its_id_is_stable(engine, tmp_path, wheels):
    logs: list[str] = []
    ensure = lambda: ensure_environment(  # noqa: E731
        engine, _spec(tmp_path, wheels), cache_dir=tmp_path / "cache", compiler=sys.executable,
        on_progress=lambda item: None, log=logs.append, cancelled=threading.Event())
    tag = ensure()
    assert any("Loading the environment layer" in line for line in logs)
    first = engine.inspect(tag).id
    out = subprocess.run(["docker", "run", "--rm", "--read-only", "--entrypoint", "sh", tag, "-c",
                          "alpha-tool && python -c 'import beta; print(beta.WHO)' && id -u && pwd"
                          " && cat /opt/venv/share/alpha/readme.txt"],
                         capture_output=True, text=True)
    assert out.stdout.split() == ["alpha", "1.0", "alpha", "1000", "/home/jovyan/work", "hello"], out.stderr
    assert ensure() == tag and any("Reusing the environment image" in line for line in logs)
    subprocess.run(["docker", "rmi", tag], check=True, capture_output=True)
    assert ensure() == tag and engine.inspect(tag).id == first  # same packages, same base: same image


@pytest.mark.engine
def test_a_base_image_with_another_python_is_named(engine, tmp_path, wheels):
    with pytest.raises(ImageBuildFailed, match="base image has Python 3.11 but the notebook kernel has 3.12"):
        ensure_environment(engine, _spec(tmp_path, wheels, python_version="3.12.4"),
                           cache_dir=tmp_path / "cache", compiler=None, on_progress=lambda item: None,
                           log=lambda line: None, cancelled=threading.Event())


@pytest.mark.engine
def test_the_engine_describes_an_image_as_its_config_says(engine, tmp_path):
    """What the environment image takes from its parent is read from the engine's inspect
    and history (no export of the image): the same layers, the same history rows with the
    same empty-layer marks, the same runtime settings as the config itself says."""
    (tmp_path / "Dockerfile").write_text(f"FROM {BASE_IMAGE}\nLABEL made.by=test\nENV GREETING=hi\n"
                                         "RUN echo x > /x\nRUN true\nWORKDIR /srv\nUSER 1000\nCMD [\"python3\"]\n")
    tag = "containerize-test/described:1"
    subprocess.run(["docker", "build", "-q", "-t", tag, str(tmp_path)], check=True, capture_output=True)
    exact = json.loads(engine.image_config(tag))
    told = engine.image_settings(tag)
    assert told["rootfs"]["diff_ids"] == exact["rootfs"]["diff_ids"] and len(told["rootfs"]["diff_ids"]) == 2  # RUN true: none
    assert [(h["created_by"], h.get("empty_layer", False)) for h in told["history"]] == \
        [(h.get("created_by", ""), h.get("empty_layer", False)) for h in exact["history"]]
    assert (told["architecture"], told["os"]) == (exact["architecture"], exact["os"])
    for key in ("Env", "Cmd", "Labels", "WorkingDir", "User"):
        assert told["config"][key] == exact["config"][key]
    subprocess.run(["docker", "rmi", tag], capture_output=True)

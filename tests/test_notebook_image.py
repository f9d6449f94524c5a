"""The notebook image on the engine without a builder: the environment image plus the
runner, files and notebook layers, loaded with only the layers the engine lacks."""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import tarfile
import threading
from pathlib import Path

import pytest

from jupyter_containerize.engine.base import ContainerEngine, ImageInfo
from jupyter_containerize.errors import ImageBuildFailed, NotFound, PathOutsideRoot
from jupyter_containerize.image.context import ContextSpec
from jupyter_containerize.image.notebook_image import load_notebook_image
from jupyter_containerize.image.tarentries import Entry, tar_size, tar_stream

from .conftest import BASE_IMAGE, write_notebook


def _cli(*args: str, cache_dir) -> subprocess.CompletedProcess:
    env = {**os.environ, "CONTAINERIZE_CACHE": str(cache_dir)}
    return subprocess.run(["jupyter", "containerize", "build", *args, "--base", BASE_IMAGE], capture_output=True,
                          text=True, env=env, timeout=1200)


def _inspect(tag: str) -> dict:
    out = subprocess.run(["docker", "image", "inspect", tag], capture_output=True, text=True, check=True).stdout
    return json.loads(out)[0]


def _loaded(stderr: str) -> str:
    return next(line.strip() for line in stderr.splitlines() if "of the notebook's" in line)


def _printed(tag: str, out: Path) -> str:
    """What the notebook printed when the image ran it."""
    out.mkdir(parents=True, exist_ok=True)
    out.chmod(0o777)
    run = subprocess.run(["docker", "run", "--rm", "-v", f"{out}:/out", tag], capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    cells = json.loads(next(out.glob("*.ipynb")).read_text())["cells"]
    return "".join("".join(o.get("text", "")) for c in cells for o in c.get("outputs", []))


@pytest.mark.engine
def test_a_rebuild_sends_only_the_layers_that_changed(engine, cache_dir, tmp_path):
    (tmp_path / "helper.py").write_text("def double(x):\n    return 2 * x\n")
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "n.txt").write_text("21\n")
    notebook = write_notebook(tmp_path / "layers.ipynb", "from helper import double",
                              "print('N=%d' % double(int(open('data/n.txt').read())))")
    tag = "containerize-test/layers:1"
    first = _cli(str(notebook), "--tag", tag, cache_dir=cache_dir)
    assert first.returncode == 0, first.stderr[-3000:]
    before = _inspect(tag)

    write_notebook(notebook, "from helper import double", "print('N=%d' % (1 + double(int(open('data/n.txt').read()))))")
    edited = _cli(str(notebook), "--tag", tag, cache_dir=cache_dir)
    assert edited.returncode == 0, edited.stderr[-3000:]
    assert _loaded(edited.stderr).startswith("Loading 1 of the notebook's 3 layer(s)")
    after = _inspect(tag)
    layers_before, layers_after = before["RootFS"]["Layers"], after["RootFS"]["Layers"]
    assert layers_after[:-1] == layers_before[:-1] and layers_after[-1] != layers_before[-1]
    assert _printed(tag, tmp_path / "out1") == "N=43\n"

    (tmp_path / "data" / "n.txt").write_text("50\n")  # the files layer and the notebook's after it
    changed = _cli(str(notebook), "--tag", tag, cache_dir=cache_dir)
    assert changed.returncode == 0, changed.stderr[-3000:]
    assert _loaded(changed.stderr).startswith("Loading 2 of the notebook's 3 layer(s)")
    assert _inspect(tag)["RootFS"]["Layers"][:-2] == layers_before[:-2]
    assert _printed(tag, tmp_path / "out2") == "N=101\n"

    config = _inspect(tag)["Config"]
    assert config["Cmd"] == ["layers.ipynb"] and config["User"] == "1000"
    assert config["WorkingDir"] == "/home/jovyan/work" and config["Entrypoint"][:2] == ["python", "/opt/containerize/run.py"]
    assert config["Labels"]["io.jupyter.containerize.notebook-digest"].startswith("sha256:")
    owners = subprocess.run(["docker", "run", "--rm", "--entrypoint", "stat", tag, "-c", "%u %n",
                             "layers.ipynb", "helper.py", "data", "data/n.txt", "/opt/containerize/run.py", ".",
                             "/home/jovyan"],
                            capture_output=True, text=True, check=True).stdout.split("\n")
    assert owners[:7] == ["1000 layers.ipynb", "1000 helper.py", "1000 data", "1000 data/n.txt",
                          "0 /opt/containerize/run.py", "1000 .", "1000 /home/jovyan"]  # as in the image below


def test_the_tar_size_is_known_before_its_bytes(tmp_path):
    (tmp_path / "f.bin").write_bytes(os.urandom(1000))
    entries = [Entry("home/x/" + "long-name-" * 20 + ".txt", data=b"a" * 513), Entry("home/x/é.py", data=b"print()\n"),
               Entry("home/x/f.bin", source=tmp_path / "f.bin", uid=1000), Entry("home/x", "dir"),
               Entry("home/x/link", "symlink", 0o777, target="f.bin")]
    data = b"".join(tar_stream(entries, 0))
    assert tar_size(entries, 0) == len(data)
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        assert sorted(m.name for m in tar) == sorted(e.name for e in entries)


def test_a_file_swapped_for_a_link_out_of_the_root_is_refused_while_streamed(tmp_path):
    root = tmp_path / "root"
    root.mkdir()
    (root / "data.csv").write_text("a,b\n")
    (tmp_path / "secret.txt").write_text("outside\n")
    entry = Entry("home/jovyan/work/data.csv", source=root / "data.csv", uid=1000, root=root)
    (root / "data.csv").unlink()
    (root / "data.csv").symlink_to(tmp_path / "secret.txt")  # after the analysis checked it
    with pytest.raises(PathOutsideRoot, match="data.csv"):
        b"".join(tar_stream([entry], 0))


class _LoadingEngine(ContainerEngine):
    """An engine holding the environment image, told (by the previous image's layers) that it
    has layers it lost meanwhile: a load that names a layer it lacks fails, as Docker's does."""

    def __init__(self, parent_config: bytes, previous_layers: tuple[str, ...]):
        self.parent_config, self.previous_layers, self.loads = parent_config, previous_layers, []
        self.has = {f"{d.split(':')[1]}/layer.tar" for d in json.loads(parent_config)["rootfs"]["diff_ids"]}

    def ping(self):
        pass

    def build(self, *args, **kwargs):
        raise AssertionError("no Dockerfile build")

    def inspect(self, image: str) -> ImageInfo:
        if image == "env:1":
            return ImageInfo(id=f"sha256:{hashlib.sha256(self.parent_config).hexdigest()}", size=0)
        if image == "nb:1":
            return ImageInfo(id="sha256:" + "0" * 64, size=0, layers=self.previous_layers)
        raise NotFound(image)

    def image_config(self, image: str) -> bytes:
        return self.parent_config

    def remove(self, image):
        pass

    def load(self, archive, *, cancelled):
        with tarfile.open(fileobj=io.BytesIO(b"".join(archive))) as tar:
            names = tar.getnames()
            layers = json.loads(tar.extractfile("manifest.json").read())[0]["Layers"]
        self.loads.append([name for name in layers if name in names])
        lacking = [name for name in layers if name not in names and name not in self.has]
        if lacking:
            raise ImageBuildFailed(f"open /var/lib/docker/tmp/{lacking[0]}: no such file or directory")


def test_a_layer_the_previous_image_lost_is_sent_on_a_second_try(tmp_path):
    notebook = write_notebook(tmp_path / "nb.ipynb", "print(1)")
    spec = ContextSpec(notebook=notebook, base_image=BASE_IMAGE, lock_text="six==1.16.0\n", lock_digest="ab" * 32,
                       python_version="3.11.7", wheels=())
    parent = json.dumps({"rootfs": {"type": "layers", "diff_ids": ["sha256:" + "1" * 64]}, "config": {}}).encode()
    cache = tmp_path / "cache"
    engine = _LoadingEngine(parent, ())
    first = load_notebook_image(engine, spec, "env:1", cache_dir=cache, previous="nb:1",
                                created="2026-01-01T00:00:00Z", cancelled=threading.Event(), log=lambda line: None)
    assert [len(sent) for sent in engine.loads] == [2]  # nothing known: the runner and notebook layers sent
    config = json.loads((cache / "image-configs" / f"{first.split(':')[1]}.json").read_text())
    runner_diff = config["rootfs"]["diff_ids"][1]

    write_notebook(notebook, "print(2)")
    engine = _LoadingEngine(parent, ("sha256:" + "1" * 64, runner_diff, "sha256:" + "9" * 64))
    second = load_notebook_image(engine, spec, "env:1", cache_dir=cache, previous="nb:1",
                                 created="2026-01-01T00:00:00Z", cancelled=threading.Event(), log=lambda line: None)
    assert [len(sent) for sent in engine.loads] == [1, 2]  # the runner layer named, not sent; lost: sent again
    assert second != first
    assert json.loads((cache / "image-configs" / f"{second.split(':')[1]}.json").read_text())["rootfs"]["diff_ids"][1] \
        == runner_diff  # the same runner layer


def test_the_image_holds_the_notebook_its_labels_describe(tmp_path):
    """A notebook saved again during the build (JupyterLab's autosave) does not reach the
    image: it is read once, and its layer and its digest label are of those bytes."""
    from jupyter_containerize.analysis.fingerprint import code_digest
    from jupyter_containerize.analysis.notebook import parse_notebook
    from jupyter_containerize.image.context import NOTEBOOK_DIGEST_LABEL, labels_for
    from jupyter_containerize.image.notebook_layers import notebook_entries
    from jupyter_containerize.models import Analysis, Lock, PythonInfo
    from jupyter_containerize.pipeline import prepare_context
    from jupyter_containerize.settings import Settings

    notebook = write_notebook(tmp_path / "saved.ipynb", "print('as built')")
    built = notebook.read_bytes()
    analysis = Analysis(notebook="saved.ipynb", python=PythonInfo(version="3.11.7", executable="python"))
    lock = Lock(notebook="saved.ipynb", python_version="3.11", platform="linux/amd64")
    prepared = prepare_context(notebook, analysis, lock, Settings(cache_dir=tmp_path / "cache"), None,
                               python_version="3.11.7")
    write_notebook(notebook, "print('saved while building')")
    layer = b"".join(tar_stream(notebook_entries(prepared.spec), 0))
    assert b"as built" in layer and b"while building" not in layer
    assert labels_for(prepared.spec)[NOTEBOOK_DIGEST_LABEL] == f"sha256:{code_digest(parse_notebook(built, 'x'))}"

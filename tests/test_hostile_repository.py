"""A repository nobody audited, built end to end through the server: symlinks out of the
root (a module, a package file, a data file, a folder), paths climbing out, a name with
quotes and ``$``, a name with a line break, 10,000 cells, a binary ``.ipynb``, a large data
file. The image holds what the notebook needs and nothing from outside the root: every
layer of it is searched for the outside files' content and names."""

from __future__ import annotations

import io
import json
import subprocess
import tarfile
import uuid
from pathlib import Path

import nbformat
import pytest
from tornado.httpclient import HTTPClientError

from .conftest import BASE_IMAGE, follow_events, server_config, write_notebook

pytestmark = pytest.mark.engine

MARKER = f"OUTSIDE-SECRET-{uuid.uuid4().hex}"
WEIRD = "we\"ird $HOME 'q' #1.ipynb"


@pytest.fixture
def jp_server_config(jp_server_config, cache_dir):
    return server_config(base_image=BASE_IMAGE, cache_dir=str(cache_dir))


@pytest.fixture
def hostile(jp_root_dir, tmp_path_factory) -> Path:
    """``repo/`` in the server root, and an ``outside`` folder (a home's private files)."""
    outside = tmp_path_factory.mktemp("outside")
    (outside / "id_rsa").write_text(f"-----BEGIN OPENSSH PRIVATE KEY-----\n{MARKER}\n")
    (outside / "secret_helper.py").write_text(f"TOKEN = {MARKER!r}\n")
    repo = jp_root_dir / "repo"
    (repo / "pkg").mkdir(parents=True)
    (repo / "pkg" / "__init__.py").write_text("VALUE = 42\n")
    (repo / "pkg" / "key.pem").symlink_to(outside / "id_rsa")
    (repo / "data").mkdir()
    (repo / "data" / "ok.csv").write_text("region,total\nNorth,3\n")
    (repo / "data" / "creds").symlink_to(outside / "id_rsa")
    (repo / "helper.py").symlink_to(outside / "secret_helper.py")
    (repo / "elsewhere").symlink_to(outside, target_is_directory=True)
    with (repo / "data" / "large.bin").open("wb") as large:  # sparse: large on the wire, not on disk
        large.seek(120 * 1024 * 1024 - 1)
        large.write(b"\0")
    write_notebook(repo / WEIRD,
                   "import pkg\nprint(pkg.VALUE)",
                   "try:\n    import helper\nexcept ImportError:\n    pass",
                   "folder = 'data/'\nimport csv\nrows = list(csv.reader(open('data/ok.csv')))",
                   "import glob, os\nglob.glob('elsewhere/*')\nos.path.exists('../../../outside/id_rsa')\n"
                   "open('data/large.bin', 'rb').close()")
    return repo


def _layers(tag: str):
    """(layer name, member name, content) of every file in every layer of ``tag``."""
    saved = subprocess.run(["docker", "save", tag], capture_output=True, check=True).stdout
    with tarfile.open(fileobj=io.BytesIO(saved)) as outer:
        for member in outer.getmembers():
            if member.name.endswith("layer.tar") or member.name.startswith("blobs/"):
                data = outer.extractfile(member).read()
                try:
                    layer = tarfile.open(fileobj=io.BytesIO(data))
                except tarfile.ReadError:
                    continue  # a config or manifest blob
                for item in layer.getmembers():
                    content = layer.extractfile(item).read() if item.isfile() else b""
                    yield member.name, item.name, content


async def test_nothing_from_outside_the_root_enters_any_layer(hostile, jp_fetch, engine):
    analysis = json.loads((await jp_fetch("containerize", "analysis", params={"path": f"repo/{WEIRD}"})).body)
    text = json.dumps(analysis)
    assert MARKER not in text and "id_rsa" not in text  # outside names are not told either
    assert "pkg/key.pem leads outside" in text and "helper.py leads outside" in text

    tag = "containerize-test/hostile:1"
    job = json.loads((await jp_fetch("containerize", "builds", method="POST",
                                     body=json.dumps({"path": f"repo/{WEIRD}", "tag": tag}))).body)
    await follow_events(jp_fetch, job["id"])
    done = json.loads((await jp_fetch("containerize", "builds", job["id"])).body)
    assert done["state"] == "succeeded", done["error"]
    try:
        names = set()
        for layer, name, content in _layers(tag):
            assert MARKER.encode() not in content, f"{name} in {layer} holds the outside secret"
            assert "id_rsa" not in name and "key.pem" not in name and "creds" not in name, name
            names.add(name)
        workdir = "home/jovyan/work/"
        for wanted in (WEIRD, "data/ok.csv", "data/large.bin", "pkg/__init__.py"):
            assert workdir + wanted in names, wanted  # what the notebook needs is there
        labels = engine.inspect(tag).labels
        assert labels["io.jupyter.containerize.notebook"] == WEIRD
        config = json.loads(subprocess.run(["docker", "inspect", tag], capture_output=True, check=True).stdout)
        assert config[0]["Config"]["Cmd"] == [WEIRD]
    finally:
        engine.remove(tag)


async def test_hostile_names_and_files_are_refused_with_a_reason(jp_root_dir, jp_fetch, engine):
    (jp_root_dir / "repo").mkdir()
    broken = "repo/bad\nRUN touch pwned.ipynb"
    write_notebook(jp_root_dir / broken, "print(1)")
    with pytest.raises(HTTPClientError) as refused:
        await jp_fetch("containerize", "builds", method="POST", body=json.dumps({"path": broken}))
    assert refused.value.code == 400 and b"control character" in refused.value.response.body

    (jp_root_dir / "repo" / "binary.ipynb").write_bytes(bytes(range(256)) * 64)
    with pytest.raises(HTTPClientError) as malformed:
        await jp_fetch("containerize", "analysis", params={"path": "repo/binary.ipynb"})
    assert malformed.value.code == 400


async def test_ten_thousand_cells(jp_root_dir, jp_fetch, engine):
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    notebook.cells = [nbformat.v4.new_code_cell(f"x{i} = {i}") for i in range(10_000)]
    notebook.cells.append(nbformat.v4.new_code_cell("import json\nprint(x9999)"))
    nbformat.write(notebook, jp_root_dir / "many.ipynb")
    tag = "containerize-test/many:1"
    job = json.loads((await jp_fetch("containerize", "builds", method="POST",
                                     body=json.dumps({"path": "many.ipynb", "tag": tag}))).body)
    await follow_events(jp_fetch, job["id"])
    done = json.loads((await jp_fetch("containerize", "builds", job["id"])).body)
    assert done["state"] == "succeeded", done["error"]
    engine.remove(tag)


def test_fixture_notebook_names(tmp_path):
    """The names above are what the file system holds (else the test proves nothing)."""
    write_notebook(tmp_path / WEIRD, "1")
    assert (tmp_path / WEIRD).is_file() and '"' in WEIRD and "$" in WEIRD

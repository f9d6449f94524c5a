"""Names nobody audited reach the Dockerfile only through ``image/dockerfile.py``: values
that fit their place are written escaped, values with line breaks or control characters are
refused naming the cause, and no file outside the root enters a context."""

from __future__ import annotations

import json
import os
import tarfile
from pathlib import Path

import pytest

from jupyter_containerize.errors import InvalidRequest, InvalidTag, PathOutsideRoot
from jupyter_containerize.image.context import ContextSpec, context_tar, labels_for, render_dockerfile, write_context
from jupyter_containerize.image.files import HostFile, copy_inside, expand, layout
from jupyter_containerize.models import Analysis, DataFile, PythonInfo
from jupyter_containerize.pipeline import image_files

from .conftest import write_notebook

# Names a file system accepts and that must be written safely (quoted, JSON-escaped).
ACCEPTED = [
    'we"ird.ipynb', "it's.ipynb", "dollar $HOME ${PATH}.ipynb", "back\\slash.ipynb", "hash # not a comment.ipynb",
    "spaces  and\ttabs.ipynb".replace("\t", " "), "ノート 📓.ipynb", "-rf.ipynb", "semi;colon && rm -rf.ipynb",
    "brackets [\"x\"].ipynb", "LABEL x=y.ipynb",
]
# Names that would end a Dockerfile line: refused.
REFUSED = ["a\nRUN touch /pwned\n.ipynb", "carriage\rreturn.ipynb", "null\x01byte.ipynb", "line\u2028sep.ipynb",
           "del\x7f.ipynb", "tab\tname.ipynb"]


def _spec(tmp_path: Path, name: str, **overrides) -> ContextSpec:
    notebook = write_notebook(tmp_path / "nb" / name, "print(1)")
    values = dict(notebook=notebook, base_image="python:3.11-slim", lock_text="", lock_digest="ab" * 32,
                  python_version="3.11.7", wheels=(), env_image="jupyter-containerize-env:abc")
    values.update(overrides)
    return ContextSpec(**values)


def _instructions(dockerfile: str) -> list[str]:
    """The instruction keywords of a Dockerfile (continuation lines folded)."""
    keywords, continued = [], False
    for line in dockerfile.splitlines():
        if not continued and line.strip() and not line.lstrip().startswith("#"):
            keywords.append(line.split()[0])
        continued = line.endswith("\\")
    return keywords


@pytest.mark.parametrize("name", ACCEPTED)
def test_names_that_fit_are_escaped_in_their_place(tmp_path, name):
    spec = _spec(tmp_path, name)
    rendered = render_dockerfile(spec)
    assert _instructions(rendered) == _instructions(render_dockerfile(_spec(tmp_path, "plain.ipynb")))
    cmd = next(line for line in rendered.splitlines() if line.startswith("CMD "))
    assert json.loads(cmd[4:]) == [name]  # exec form, exactly the name
    label = next(line for line in rendered.splitlines() if "io.jupyter.containerize.notebook=" in line)
    value = label.split("io.jupyter.containerize.notebook=", 1)[1].rstrip(" \\")
    assert value.startswith('"') and value.endswith('"')
    unescaped = value[1:-1].replace('\\"', '"').replace("\\$", "$").replace("\\\\", "\\")
    assert unescaped == name
    assert labels_for(spec)["io.jupyter.containerize.notebook"] == name


@pytest.mark.parametrize("name", REFUSED)
def test_names_with_line_breaks_or_controls_are_refused(tmp_path, name):
    try:
        spec = _spec(tmp_path, name)
    except OSError:
        pytest.skip("this file system refuses the name itself")
    with pytest.raises(InvalidRequest, match="control character"):
        render_dockerfile(spec)


@pytest.mark.parametrize("base", ["python:3.11\nRUN touch /pwned", "python:3.11 AS x", "Python:3.11", "python:3.11\n",
                                  "--platform=linux/arm64 python:3.11", ""])
def test_a_base_image_is_an_image_reference_or_refused(tmp_path, base):
    with pytest.raises(InvalidTag):
        render_dockerfile(_spec(tmp_path, "nb.ipynb", base_image=base, env_image=""))


def test_a_base_image_with_a_digest_is_fine(tmp_path):
    base = "registry.example.com:5000/team/python:3.11@sha256:" + "a" * 64
    assert f"FROM {base} AS builder" in render_dockerfile(_spec(tmp_path, "nb.ipynb", base_image=base, env_image=""))


def test_system_packages_must_be_debian_names(tmp_path):
    with pytest.raises(InvalidRequest, match="Debian package"):
        render_dockerfile(_spec(tmp_path, "nb.ipynb", env_image="", system_packages=("graphviz; curl x | sh",)))


def test_a_folder_and_a_file_inside_it_are_copied_once(tmp_path):
    """``folder = "data/"`` and ``read_csv("data/ok.csv")`` list both (finding 8)."""
    (tmp_path / "nb" / "data").mkdir(parents=True)
    (tmp_path / "nb" / "data" / "ok.csv").write_text("a\n1\n")
    notebook = write_notebook(tmp_path / "nb" / "nb.ipynb", "print(1)")
    analysis = Analysis(notebook="nb.ipynb", python=PythonInfo(version="3.11.7", executable="python"),
                        data_files=[DataFile(path="data", size=4), DataFile(path="data/ok.csv", size=4)])
    placed = image_files(notebook, analysis, tmp_path)
    assert [rel for rel, _ in placed.files] == ["data/ok.csv"]
    spec = _spec(tmp_path, "nb.ipynb", files=placed.files)
    context = write_context(spec, tmp_path / "ctx")
    assert (context / "files" / "data" / "ok.csv").read_text() == "a\n1\n"


def test_files_above_the_notebook_keep_their_place(tmp_path):
    """A module imported from ``../common.py`` lands one level above the notebook in the image."""
    root = tmp_path / "root"
    (root / "project").mkdir(parents=True)
    (root / "common.py").write_text("X = 1\n")
    notebook = write_notebook(root / "project" / "nb.ipynb", "import common")
    analysis = Analysis(notebook="nb.ipynb", python=PythonInfo(version="3.11.7", executable="python"),
                        local_modules=["../common.py"])
    placed = image_files(notebook, analysis, root)
    assert placed.notebook == "project/nb.ipynb" and [rel for rel, _ in placed.files] == ["common.py"]
    spec = _spec(tmp_path, "nb.ipynb", notebook=notebook, files=placed.files, notebook_path=placed.notebook,
                 files_root=root)
    context = write_context(spec, tmp_path / "ctx")
    with tarfile.open(fileobj=context_tar(context)) as tar:
        names = set(tar.getnames())
    assert {"files/common.py", "notebook/project/nb.ipynb"} <= names
    assert 'CMD ["project/nb.ipynb"]' in render_dockerfile(spec)


def test_a_link_swapped_in_after_the_analysis_is_caught_when_copying(tmp_path):
    root, outside = tmp_path / "root", tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    (outside / "id_rsa").write_text("PRIVATE")
    (root / "helper.py").write_text("X = 1\n")
    [listed] = expand(root, root, ["helper.py"]).files  # what the analysis saw: a plain file inside
    (root / "helper.py").unlink()
    (root / "helper.py").symlink_to(outside / "id_rsa")  # then the repository changes under us
    with pytest.raises(PathOutsideRoot, match="helper.py"):
        copy_inside(root / "helper.py", tmp_path / "copy", root)
    assert not (tmp_path / "copy").exists()
    assert listed.rel == "helper.py"


def test_copying_keeps_the_content_and_refuses_what_resolves_outside(tmp_path):
    root = tmp_path / "root"
    (root / "sub").mkdir(parents=True)
    (root / "sub" / "a.txt").write_text("inside")
    copy_inside(root / "sub" / "a.txt", tmp_path / "a", root)
    assert (tmp_path / "a").read_text() == "inside"
    (tmp_path / "elsewhere.txt").write_text("outside")
    with pytest.raises(PathOutsideRoot):
        copy_inside(tmp_path / "elsewhere.txt", tmp_path / "b", root)


def test_a_layout_never_writes_outside_the_context(tmp_path):
    spec = _spec(tmp_path, "nb.ipynb", files=(("../../escape.txt", tmp_path / "nb" / "nb.ipynb"),))
    with pytest.raises(Exception, match="outside the build context"):
        write_context(spec, tmp_path / "ctx")
    assert not (tmp_path / "escape.txt").exists()


def test_layout_of_files_beside_the_notebook_is_unchanged(tmp_path):
    placed = layout(tmp_path / "nb.ipynb", [HostFile("data/x.csv", tmp_path / "data" / "x.csv", 1)])
    assert placed.notebook == "nb.ipynb" and placed.files == (("data/x.csv", tmp_path / "data" / "x.csv"),)
    assert os.sep == "/"

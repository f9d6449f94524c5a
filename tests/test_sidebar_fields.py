"""What the sidebar sends and shows beyond a plain build: optional marks, files left out,
tags with {lock} and a registry, the server's registry and concurrency, the kernel's name and
the sizes of local modules."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

import pytest
from tornado.httpclient import HTTPClientError

from jupyter_containerize import pipeline
from jupyter_containerize.errors import InvalidTag
from jupyter_containerize.image.context import WORKDIR
from jupyter_containerize.models import Analysis, BuildRequest, DataFile, PackageEdits, PythonInfo, Requirement
from jupyter_containerize.settings import Settings
from jupyter_containerize.tags import name_hash, validate_template

from .conftest import BASE_IMAGE, follow_events, server_config, start_build, write_notebook

DIGEST = "0123456789abcdef" * 4


def _analysis(**fields) -> Analysis:
    return Analysis(notebook="nb.ipynb", python=PythonInfo(version="3.11.7", executable="/usr/bin/python3"), **fields)


# ----- the plain core ------------------------------------------------------------------


def test_optional_marks_override_the_analysis():
    analysis = _analysis(requirements=[
        Requirement(name="rich", source="guess"),
        Requirement(name="tqdm", source="kernel", version="4.66.0", optional=True),
    ])
    marked = pipeline.with_optional_marks(analysis, {"Rich": True, "tqdm": False})
    assert [(r.name, r.optional) for r in marked.requirements] == [("rich", True), ("tqdm", False)]
    assert pipeline.with_optional_marks(analysis, {}) is analysis


def test_the_lock_gets_the_marks(monkeypatch, tmp_path):
    seen = {}
    monkeypatch.setattr(pipeline, "make_lock", lambda analysis, *a, **kw: seen.setdefault("analysis", analysis))
    analysis = _analysis(requirements=[Requirement(name="rich", source="guess")])
    pipeline.lock(analysis, None, Settings(cache_dir=tmp_path), edits=PackageEdits(optional={"rich": True}))
    assert seen["analysis"].requirements[0].optional is True


def test_excluded_files_leave_the_analysis():
    analysis = _analysis(local_modules=["helper.py", "pkg"], local_module_sizes={"helper.py": 10, "pkg": 20},
                         data_files=[DataFile(path="data/big.csv", size=9), DataFile(path="small.csv", size=1)])
    kept = pipeline.without_files(analysis, ["pkg", "data/big.csv", "not-listed.txt"])
    assert kept.local_modules == ["helper.py"]
    assert [d.path for d in kept.data_files] == ["small.csv"]


# "Sales Report" is not a slug as it is: its slug carries the hash of the name (finding 15)
SLUG = f"sales-report-{name_hash('Sales Report')}"


@pytest.mark.parametrize("tag,registry,expected", [
    (None, None, f"reg.example:5000/team/{SLUG}:0123456789ab"),  # server template and registry
    (None, "", f"{SLUG}:0123456789ab"),  # the request drops the server's registry
    ("{notebook}-nightly:{lock}", None, f"{SLUG}-nightly:0123456789ab"),
    ("{notebook}:{lock}", "localhost:5000/me/", f"localhost:5000/me/{SLUG}:0123456789ab"),
    ("plain", None, "plain:latest"),
])
def test_image_tag_fills_the_placeholders(tag, registry, expected):
    settings = Settings(tag_template="{notebook}:{lock}", registry="reg.example:5000/team")
    request = BuildRequest(path="Sales Report.ipynb", tag=tag, registry=registry)
    assert pipeline.image_tag(request, settings, Path("/x/Sales Report.ipynb"), DIGEST) == expected


@pytest.mark.parametrize("template,registry", [("{notebook}:{bogus}", ""), ("Bad Tag", ""), ("x:{lock}", "Bad Host!")])
def test_invalid_templates_are_refused(template, registry):
    with pytest.raises(InvalidTag):
        validate_template(template, registry=registry)


def test_kernel_name_is_the_notebooks_unless_chosen(tmp_path):
    notebook = write_notebook(tmp_path / "nb.ipynb", "import json", kernel="my-kernel")
    assert pipeline.kernel_name(notebook) == "my-kernel"
    assert pipeline.kernel_name(notebook, kernel="other") == "other"
    assert pipeline.kernel_name(notebook, python="/usr/bin/python3") is None


# ----- through the server --------------------------------------------------------------


@pytest.fixture
def jp_server_config(jp_server_config, cache_dir):
    return server_config(base_image=BASE_IMAGE, cache_dir=str(cache_dir), registry="reg.example:5000/team",
                         max_concurrent_builds=2)


async def test_info_tells_the_registry_and_concurrency(jp_fetch):
    data = json.loads((await jp_fetch("containerize", "info")).body)
    assert data["registry"] == "reg.example:5000/team"
    assert data["max_concurrent_builds"] == 2


async def test_analysis_names_the_kernel_and_sizes_local_modules(jp_fetch, jp_root_dir):
    write_notebook(jp_root_dir / "nb.ipynb", "import helper\nimport pkg\nopen('data.csv').read()")
    (jp_root_dir / "helper.py").write_text("X = 1\n")
    (jp_root_dir / "pkg").mkdir()
    (jp_root_dir / "pkg" / "__init__.py").write_text("A = 'a'\n")
    (jp_root_dir / "pkg" / "table.json").write_text("[1, 2, 3]")
    (jp_root_dir / "pkg" / "__pycache__").mkdir()
    (jp_root_dir / "pkg" / "__pycache__" / "x.pyc").write_bytes(b"0" * 1000)
    (jp_root_dir / "data.csv").write_text("a,b\n1,2\n")
    data = json.loads((await jp_fetch("containerize", "analysis", params={"path": "nb.ipynb"})).body)
    assert data["kernel"] == "python3"
    assert data["local_modules"] == ["helper.py", "pkg"]
    assert data["local_module_sizes"] == {"helper.py": 6, "pkg": 8 + 9}  # no __pycache__
    assert data["data_files"][0]["path"] == "data.csv" and data["data_files"][0]["size"] == 8


@pytest.mark.parametrize("body,words", [
    ({"tag": "{notebook}:{nope}"}, "not a valid image reference"),
    ({"tag": "x:{lock}", "registry": "Not A Registry"}, "not a valid image reference"),
    ({"registry": "bad host!"}, "not a valid image reference"),
    ({"exclude_files": "data.csv"}, "exclude_files"),
    ({"edits": {"optional": {"rich": "sometimes"}}}, "optional"),
])
async def test_bad_new_fields_are_refused(jp_fetch, jp_root_dir, body, words):
    write_notebook(jp_root_dir / "nb.ipynb", "import json")
    with pytest.raises(HTTPClientError) as info:
        await jp_fetch("containerize", "builds", method="POST", body=json.dumps({"path": "nb.ipynb", **body}))
    assert info.value.code == 400 and words in json.loads(info.value.response.body)["message"]


def _files_in_image(tag: str) -> set[str]:
    import docker

    client = docker.from_env()
    container = client.containers.create(tag)
    try:
        stream, _ = container.get_archive(WORKDIR)
        with tarfile.open(fileobj=io.BytesIO(b"".join(stream))) as tar:
            return {Path(*Path(m.name).parts[1:]).as_posix() for m in tar.getmembers() if m.isfile()}
    finally:
        container.remove()


@pytest.mark.engine
async def test_unchecked_files_stay_out_and_the_lock_fills_the_users_tag(engine, jp_fetch, jp_root_dir):
    write_notebook(jp_root_dir / "files.ipynb", "import helper\nprint(open('keep.csv').read(), open('skip.csv').read())")
    (jp_root_dir / "helper.py").write_text("X = 1\n")
    (jp_root_dir / "keep.csv").write_text("kept\n")
    (jp_root_dir / "skip.csv").write_text("left out\n")
    job = await start_build(jp_fetch, path="files.ipynb", tag="containerize-test/{notebook}-files:{lock}",
                            registry="", exclude_files=["skip.csv"])
    assert job["request"]["exclude_files"] == ["skip.csv"]
    events = await follow_events(jp_fetch, job["id"])
    assert events[-1]["state"] == "succeeded", [e["message"] for e in events[-15:]]
    assert any(e["message"] == "left out of the image: skip.csv" for e in events)
    done = json.loads((await jp_fetch("containerize", "builds", job["id"])).body)
    name, lock = done["tag"].split(":")
    assert name == "containerize-test/files-files" and len(lock) == 12 and lock != "{lock}"
    try:
        files = _files_in_image(done["tag"])
        assert {"files.ipynb", "helper.py", "keep.csv"} <= files and "skip.csv" not in files
    finally:
        engine.untag(done["tag"], done["result"]["image_id"])

"""Every endpoint through a real jupyter_server with authentication required."""

from __future__ import annotations

import json

import pytest
from tornado.httpclient import HTTPClientError

from .conftest import BASE_IMAGE, write_notebook


@pytest.fixture
def jp_server_config(jp_server_config, jp_root_dir):
    return {
        "ServerApp": {"jpserver_extensions": {"jupyter_containerize": True},
                      "allow_unauthenticated_access": False},
        "ContainerizeApp": {"base_image": BASE_IMAGE},
    }


async def _error(call) -> tuple[int, dict]:
    with pytest.raises(HTTPClientError) as info:
        await call
    return info.value.code, json.loads(info.value.response.body)


async def test_info(jp_fetch):
    response = await jp_fetch("containerize", "info")
    data = json.loads(response.body)
    assert data["base_image_template"] == BASE_IMAGE
    assert data["phases"] == ["analyse", "lock", "context", "build", "verify", "push"]


async def test_every_endpoint_requires_authentication(jp_fetch, jp_root_dir):
    write_notebook(jp_root_dir / "nb.ipynb", "import six")
    calls = [("GET", ("info",)), ("GET", ("analysis",)), ("GET", ("builds",)), ("POST", ("builds",)),
             ("GET", ("builds", "0123456789ab")), ("DELETE", ("builds", "0123456789ab")),
             ("POST", ("builds", "0123456789ab", "cancel")), ("POST", ("builds", "0123456789ab", "push")),
             ("GET", ("builds", "0123456789ab", "events")), ("POST", ("builds", "0123456789ab", "share")),
             ("GET", ("parameters",)), ("GET", ("runs",)), ("POST", ("runs",)), ("GET", ("runs", "0123456789ab")),
             ("DELETE", ("runs", "0123456789ab")), ("POST", ("runs", "0123456789ab", "stop")),
             ("GET", ("runs", "0123456789ab", "events")), ("GET", ("images",)), ("GET", ("images", "cache")),
             ("POST", ("images", "prune")), ("DELETE", ("images", "0123456789ab")), ("GET", ("stale",))]
    for method, parts in calls:
        body = b"{}" if method == "POST" else None
        with pytest.raises(HTTPClientError) as info:
            await jp_fetch("containerize", *parts, method=method, body=body, headers={"Authorization": ""})
        assert info.value.code in (401, 403), (method, parts, info.value.code)


async def test_analysis_of_a_notebook(jp_fetch, jp_root_dir):
    write_notebook(jp_root_dir / "sub" / "nb.ipynb", "import json\nimport six")
    response = await jp_fetch("containerize", "analysis", params={"path": "sub/nb.ipynb"})
    data = json.loads(response.body)
    assert data["notebook"] == "sub/nb.ipynb"
    six = next(r for r in data["requirements"] if r["name"] == "six")
    assert six["version"]  # the server's own kernel has six installed
    assert data["python"]["version"].count(".") == 2


@pytest.mark.parametrize("path,status,words", [
    ("missing.ipynb", 404, "No notebook at missing.ipynb"),
    ("../outside.ipynb", 403, "outside the server root"),
    ("/etc/passwd", 400, "not a notebook"),
    ("", 400, "path is required"),
    ("broken.ipynb", 400, "invalid JSON"),
])
async def test_analysis_errors(jp_fetch, jp_root_dir, path, status, words):
    (jp_root_dir / "broken.ipynb").write_text("{not json")
    (jp_root_dir.parent / "outside.ipynb").write_text("{}")
    code, body = await _error(jp_fetch("containerize", "analysis", params={"path": path}))
    assert code == status
    assert words in body["message"]


async def test_analysis_of_an_unknown_kernel(jp_fetch, jp_root_dir):
    write_notebook(jp_root_dir / "nb.ipynb", "import six", kernel="no-such-kernel")
    code, body = await _error(jp_fetch("containerize", "analysis", params={"path": "nb.ipynb"}))
    assert code == 404 and "no-such-kernel" in body["message"]


@pytest.mark.parametrize("body,status,words", [
    ({"path": "nb.ipynb", "tag": "Bad Tag!"}, 400, "not a valid image reference"),
    ({"path": "../nb.ipynb"}, 403, "outside"),
    ({"path": "nope.ipynb"}, 404, "No notebook"),
    ({"path": "nb.ipynb", "push": "maybe"}, 400, "push"),
    ({"path": "nb.ipynb", "python": "/usr/bin/python3"}, 400, "kernel"),
    ({"nothing": 1}, 400, "path"),
])
async def test_start_build_rejects_bad_input(jp_fetch, jp_root_dir, body, status, words):
    write_notebook(jp_root_dir / "nb.ipynb", "import six")
    code, reply = await _error(jp_fetch("containerize", "builds", method="POST", body=json.dumps(body)))
    assert code == status and words in reply["message"]


async def test_unknown_build(jp_fetch):
    for parts, method in ((("builds", "0123456789ab"), "GET"), (("builds", "0123456789ab", "events"), "GET"),
                          (("builds", "0123456789ab", "cancel"), "POST")):
        code, body = await _error(jp_fetch("containerize", *parts, method=method,
                                           body=b"" if method == "POST" else None, allow_nonstandard_methods=True))
        assert code == 404 and "0123456789ab" in body["message"]


async def test_malformed_body(jp_fetch):
    code, body = await _error(jp_fetch("containerize", "builds", method="POST", body=b"[1, 2"))
    assert code == 400 and "JSON" in body["message"]

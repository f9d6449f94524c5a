"""Hostile notebooks and requests through a real jupyter_server: a status that names the
cause (4xx) and a JSON ``{"message", "reason"}`` body, never a 500 or an HTML page."""

from __future__ import annotations

import json
import logging
import os

import pytest
from tornado.httpclient import HTTPClientError

from jupyter_containerize.api_models import BuildJob
from jupyter_containerize.models import BuildRequest
from jupyter_containerize.routes import InfoHandler

from .conftest import BASE_IMAGE, server_config, write_notebook


@pytest.fixture
def jp_server_config(jp_server_config, jp_root_dir):
    return server_config(base_image=BASE_IMAGE, max_request_bytes=64 * 1024)


async def _error(call) -> tuple[int, dict]:
    with pytest.raises(HTTPClientError) as info:
        await call
    body = info.value.response.body
    assert info.value.response.headers.get("Content-Type", "").startswith("application/json"), body[:200]
    reply = json.loads(body)
    assert set(reply) >= {"message", "reason"}, reply
    return info.value.code, reply


def _notebook(metadata) -> str:
    return json.dumps({"cells": [{"cell_type": "code", "source": "import six", "metadata": {}, "outputs": [],
                                  "execution_count": None}],
                       "metadata": metadata, "nbformat": 4, "nbformat_minor": 5})


MALFORMED = [
    ("metadata-list.ipynb", _notebook([1, 2]), "metadata"),
    ("metadata-string.ipynb", _notebook("python"), "metadata"),
    ("kernelspec-string.ipynb", _notebook({"kernelspec": "python3"}), "kernelspec"),
    ("kernelspec-list.ipynb", _notebook({"kernelspec": ["python3"]}), "kernelspec"),
    ("kernel-name-number.ipynb", _notebook({"kernelspec": {"name": 3}}), "kernelspec"),
    ("language-info-string.ipynb", _notebook({"language_info": "python"}), "language_info"),
    ("deep.ipynb", "[" * 100_000 + "]" * 100_000, "nested"),
    ("deep-cells.ipynb", '{"cells": ' + "[" * 100_000 + "]" * 100_000 + "}", "nested"),
    ("worksheets.ipynb", json.dumps({"worksheets": ["x", 3], "metadata": {}}), "worksheets"),
    ("binary.ipynb", b"\x89PNG\r\n\x1a\n\x00\xff", "UTF-8"),
]


@pytest.mark.parametrize("name,content,words", MALFORMED, ids=[row[0] for row in MALFORMED])
async def test_malformed_notebooks_are_400(jp_fetch, jp_root_dir, name, content, words):
    path = jp_root_dir / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    code, body = await _error(jp_fetch("containerize", "analysis", params={"path": name}))
    assert code == 400, body
    assert words in body["message"] and name in body["message"], body
    assert body["reason"] == "Malformed notebook"


async def test_symlink_loop_in_path(jp_fetch, jp_root_dir):
    os.symlink("loop.ipynb", jp_root_dir / "loop.ipynb")
    os.symlink("b", jp_root_dir / "a")
    os.symlink("a", jp_root_dir / "b")
    for path in ("loop.ipynb", "a/nb.ipynb"):
        code, body = await _error(jp_fetch("containerize", "analysis", params={"path": path}))
        assert code == 400 and "symbolic link loop" in body["message"] and path in body["message"], body
        code, body = await _error(jp_fetch("containerize", "builds", method="POST", body=json.dumps({"path": path})))
        assert code == 400 and "symbolic link loop" in body["message"], body


@pytest.mark.parametrize("path", ["a" * 300 + ".ipynb", "d/" + "b" * 300 + "/nb.ipynb", "c/" * 3000 + "nb.ipynb"],
                         ids=["name", "folder", "path"])
async def test_name_too_long_in_path(jp_fetch, jp_root_dir, path):
    (jp_root_dir / "d").mkdir()
    code, body = await _error(jp_fetch("containerize", "analysis", params={"path": path}))
    assert code == 400 and "too long" in body["message"], body


async def test_deeply_nested_request_body(jp_fetch):
    deep = "[" * 20_000 + "]" * 20_000  # 40 KB: under the server's cap
    for body in (deep, '{"path": ' + deep + "}"):
        code, reply = await _error(jp_fetch("containerize", "builds", method="POST", body=body))
        assert code == 400 and "nested" in reply["message"], reply


@pytest.mark.parametrize("since", [str(2**63), str(-(2**63) - 1), "9" * 40, "1e400", "-1"])
async def test_events_since_out_of_range(jp_fetch, jp_serverapp, since):
    manager = jp_serverapp.web_app.settings["containerize"]
    job = BuildJob(id="0123456789ab", notebook="nb.ipynb", request=BuildRequest(path="nb.ipynb"),
                   state="failed", created="2024-01-01T00:00:00Z")
    manager.store.save(job)
    code, body = await _error(jp_fetch("containerize", "builds", job.id, "events", params={"since": since}))
    assert code == 400 and "since" in body["message"], body
    page = json.loads((await jp_fetch("containerize", "builds", job.id, "events",
                                      params={"since": str(2**63 - 1)})).body)
    assert page["events"] == [] and page["done"]


async def test_body_over_the_cap_is_413_before_parsing(jp_fetch, jp_root_dir):
    write_notebook(jp_root_dir / "nb.ipynb", "import six")
    big = json.dumps({"path": "nb.ipynb", "edits": {"add": ["x" * 100 for _ in range(1000)]}})
    assert len(big) > 64 * 1024
    code, body = await _error(jp_fetch("containerize", "builds", method="POST", body=big))
    assert code == 413 and "64 KiB" in body["message"], body
    # the cap holds for every verb, with or without a body the handler reads
    code, body = await _error(jp_fetch("containerize", "builds", "0123456789ab", "cancel", method="POST", body=big))
    assert code == 413


async def test_unexpected_error_is_logged_and_answered_in_json(jp_fetch, monkeypatch, caplog):
    def broken(self):
        raise KeyError("a bug near https://user:s3cret@example.org/simple")

    monkeypatch.setattr(InfoHandler, "get", broken)
    with caplog.at_level(logging.ERROR):
        code, body = await _error(jp_fetch("containerize", "info"))
    assert code == 500 and "KeyError" in body["message"] and body["reason"] == "Internal Server Error"
    logged = "\n".join(r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR)
    assert "Traceback (most recent call last)" in logged and "in broken" in logged and "KeyError" in logged
    assert "s3cret" not in logged and "s3cret" not in body["message"]


async def test_path_that_is_not_a_file_name(jp_fetch):
    body = '{"path": "\\ud800.ipynb"}'  # a lone surrogate: valid JSON, no file name
    code, reply = await _error(jp_fetch("containerize", "builds", method="POST", body=body))
    assert code == 400 and "not a valid file name" in reply["message"], reply


@pytest.mark.parametrize("method,parts", [("GET", ("nothing",)), ("GET", ("builds", "XYZ")),
                                          ("POST", ("builds", "0123456789ab", "nope")), ("DELETE", ("info",)),
                                          ("PUT", ("builds",))])
async def test_unknown_endpoints_and_verbs_answer_json(jp_fetch, method, parts):
    body = b"{}" if method in ("POST", "PUT") else None
    code, reply = await _error(jp_fetch("containerize", *parts, method=method, body=body))
    assert code in (404, 405) and reply["message"], reply


async def test_unknown_endpoints_need_authentication(jp_fetch):
    with pytest.raises(HTTPClientError) as info:
        await jp_fetch("containerize", "nothing", headers={"Authorization": ""})
    assert info.value.code == 403

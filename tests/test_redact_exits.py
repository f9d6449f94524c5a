"""Credentials written in a notebook never come out of the server or the CLI: text is
redacted where it leaves the core (the REST replies, the CLI's output, the server log). The
build's events and job store are checked end to end in ``test_secrets.py``."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys

import pytest

from .conftest import REPO, server_config, write_notebook

USER_SECRET = "UsrT0ken-9f8e7d"
QUERY_SECRET = "QryT0ken-1a2b3c"
LEAKY_CELLS = (
    f"%pip install git+https://user:{USER_SECRET}@git.example/team/x.git",
    f"!pip install --index-url https://pkgs.example/simple?token={QUERY_SECRET} six\nimport six",
    f"%pip install https://pkgs.example/wheels/six.whl?token={QUERY_SECRET}",
)


def _assert_clean(text: str, where: str) -> None:
    for secret in (USER_SECRET, QUERY_SECRET):
        assert secret not in text, f"{secret} leaked into {where}"


@pytest.fixture
def jp_server_config(jp_server_config):
    return server_config()


async def test_the_analysis_reply_holds_no_credential(jp_fetch, jp_root_dir):
    write_notebook(jp_root_dir / "leaky.ipynb", *LEAKY_CELLS)
    body = (await jp_fetch("containerize", "analysis", params={"path": "leaky.ipynb"})).body.decode()
    _assert_clean(body, "GET analysis")
    warnings = json.loads(body)["warnings"]
    # the warnings still say which line they are about
    assert any("git+https://***@git.example/team/x.git" in w for w in warnings), warnings
    assert any("wheels/six.whl?token=***" in w for w in warnings), warnings


async def test_the_server_log_is_redacted(jp_fetch, jp_serverapp, caplog):
    await jp_fetch("containerize", "info")
    with caplog.at_level(logging.INFO):
        jp_serverapp.log.warning("index https://user:%s@pkgs.example/simple", USER_SECRET)
        try:
            raise RuntimeError(f"fetching https://pkgs.example/simple?token={QUERY_SECRET} failed")
        except RuntimeError:
            logging.getLogger("tornado.application").exception("Uncaught exception")
    _assert_clean(caplog.text, "the server log")
    assert "https://***@pkgs.example/simple" in caplog.text and "token=***" in caplog.text


def _cli(*args: str, cwd) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "jupyter_containerize.cli", *args], capture_output=True, text=True,
                          cwd=cwd, env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=120)


@pytest.mark.parametrize("extra", [["--json"], []])
def test_cli_analyze_prints_no_credential(tmp_path, extra):
    notebook = write_notebook(tmp_path / "leaky.ipynb", *LEAKY_CELLS)
    proc = _cli("analyze", str(notebook), "--python", sys.executable, *extra, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    _assert_clean(proc.stdout + proc.stderr, "jupyter containerize analyze " + " ".join(extra))
    assert "git+https://***@git.example/team/x.git" in proc.stdout
    if extra:
        assert any("?token=***" in w for w in json.loads(proc.stdout)["warnings"])


def test_cli_errors_print_no_credential(tmp_path):
    token = "ghp_" + "Ab1" * 12
    proc = _cli("analyze", str(tmp_path / f"{token}.ipynb"), cwd=tmp_path)
    assert proc.returncode == 1
    assert "error: No notebook at" in proc.stderr and "***.ipynb" in proc.stderr
    assert token not in proc.stderr

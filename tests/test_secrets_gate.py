"""A notebook holding a credential is not baked into an image without a word: the analysis
lists the finding, a build refuses it (server job and CLI) unless the request allows it or
leaves the file out."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from .conftest import REPO, follow_events, server_config, start_build, write_notebook

AWS_ID = "AKIAIOSFODNN7EXAMPLE"  # AWS's documented example key
AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
LEAKY = f'import json\nAWS_ACCESS_KEY_ID = "{AWS_ID}"\nAWS_SECRET_ACCESS_KEY = "{AWS_SECRET}"'


@pytest.fixture
def jp_server_config(jp_server_config):
    return server_config()


async def test_the_analysis_lists_findings_without_values(jp_fetch, jp_root_dir):
    write_notebook(jp_root_dir / "team" / "leaky.ipynb", "import json", LEAKY)
    body = (await jp_fetch("containerize", "analysis", params={"path": "team/leaky.ipynb"})).body.decode()
    assert AWS_ID not in body and AWS_SECRET not in body
    secrets = json.loads(body)["secrets"]
    assert {"path": "leaky.ipynb", "cell": 2, "output": False, "line": 2, "kind": "AWS Access Key"} in secrets
    assert {(s["line"], s["kind"]) for s in secrets} >= {(2, "AWS Access Key"), (3, "AWS Access Key"),
                                                       (3, "Secret Keyword")}


async def test_a_build_with_secrets_fails_in_analyse_naming_them(engine, jp_fetch, jp_root_dir):
    write_notebook(jp_root_dir / "leaky.ipynb", "import json", LEAKY)
    job = await start_build(jp_fetch, path="leaky.ipynb")
    events = await follow_events(jp_fetch, job["id"])
    job = json.loads((await jp_fetch("containerize", "builds", job["id"])).body)
    assert job["state"] == "failed" and job["error"]["phase"] == "analyse"
    message = job["error"]["message"]
    assert "leaky.ipynb cell 2 line 2 (AWS Access Key)" in message
    assert "leaky.ipynb cell 2 line 3 (" in message and "Secret Keyword" in message
    assert "allow_secrets" in message
    assert not any(e["phase"] == "lock" for e in events)  # refused before locking
    blob = json.dumps(events) + json.dumps(job)
    assert AWS_ID not in blob and AWS_SECRET not in blob


def _cli(*args: str, cwd) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "jupyter_containerize.cli", *args], capture_output=True, text=True,
                          cwd=cwd, env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=600)


@pytest.fixture
def leaky_folder(tmp_path):
    """A notebook whose only finding is in the local module it imports."""
    (tmp_path / "helpers.py").write_text(f'DB_SECRET = "{AWS_SECRET}"\n')
    write_notebook(tmp_path / "nb.ipynb", "import helpers\nimport json")
    return tmp_path


def test_cli_build_refuses_secrets(engine, tmp_path):
    notebook = write_notebook(tmp_path / "leaky.ipynb", "import json", LEAKY)
    proc = _cli("build", str(notebook), "--python", sys.executable, cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    assert "error: Possible secrets would be copied into the image: leaky.ipynb cell 2 line 2 (AWS Access Key)" \
        in proc.stderr
    assert "--allow-secrets" in proc.stderr
    assert AWS_ID not in proc.stdout + proc.stderr and AWS_SECRET not in proc.stdout + proc.stderr


def test_cli_export_refuses_then_excludes_or_allows(leaky_folder, cache_dir):
    common = ("export", "nb.ipynb", "--python", sys.executable, "--cache-dir", str(cache_dir))
    refused = _cli(*common, "-o", "refused", cwd=leaky_folder)
    assert refused.returncode == 1
    assert "helpers.py line 1 (" in refused.stderr and not (leaky_folder / "refused").exists()

    excluded = _cli(*common, "-o", "excluded", "--exclude", "helpers.py", cwd=leaky_folder)
    assert excluded.returncode == 0, excluded.stderr
    assert not list((leaky_folder / "excluded").rglob("helpers.py"))

    allowed = _cli(*common, "-o", "allowed", "--allow-secrets", cwd=leaky_folder)
    assert allowed.returncode == 0, allowed.stderr
    assert "warning: building with 1 possible secret(s), as allowed: helpers.py line 1" in allowed.stderr
    assert list((leaky_folder / "allowed").rglob("helpers.py"))
    assert AWS_SECRET not in allowed.stdout + allowed.stderr


def test_cli_analyze_lists_findings(leaky_folder):
    proc = _cli("analyze", "nb.ipynb", "--python", sys.executable, cwd=leaky_folder)
    assert proc.returncode == 0, proc.stderr
    assert "Possible secrets (" in proc.stdout and "helpers.py line 1" in proc.stdout
    assert AWS_SECRET not in proc.stdout

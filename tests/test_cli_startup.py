"""`jupyter containerize --help` pays only for the parser: the engine's client, the models,
the templates, the secrets scanner, the analysis and pip are imported by the commands that use
them, not to print help (behaviour checked here; the timing is in benchmarks/cli.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
HEAVY = ("docker", "requests", "pydantic", "jinja2", "detect_secrets", "nbformat", "IPython", "jupyter_client",
         "jupyter_scheduler", "pip", "jupyter_containerize.models", "jupyter_containerize.pipeline")
PROBE = """
import contextlib, io, json, sys
from jupyter_containerize import cli
with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):
    cli.main(sys.argv[1:])
print(json.dumps(sorted(m for m in {heavy} if m in sys.modules)))
"""


@pytest.mark.parametrize("argv", [["--help"], ["build", "--help"], ["--version"]])
def test_help_imports_nothing_heavy(argv):
    out = subprocess.run([sys.executable, "-c", PROBE.format(heavy=HEAVY), *argv], capture_output=True, text=True,
                         check=True, cwd=REPO).stdout
    assert json.loads(out.splitlines()[-1]) == []


PLUGINS_PROBE = """
import os, sys
from jupyter_containerize import cli
cli.main = lambda argv=None: print(os.environ.get("PYDANTIC_DISABLE_PLUGINS"), flush=True) or 0
cli.run()
"""


@pytest.mark.parametrize(("given", "seen"), [(None, "__all__"), ("logfire", "logfire")])
def test_the_cli_turns_pydantic_plugins_off_unless_told_otherwise(given, seen, monkeypatch):
    """Looking for pydantic's plugins reads every distribution's entry points (10 ms of a
    rebuild); a user who names the plugins to leave out keeps the others."""
    if given is None:
        monkeypatch.delenv("PYDANTIC_DISABLE_PLUGINS", raising=False)
    else:
        monkeypatch.setenv("PYDANTIC_DISABLE_PLUGINS", given)
    out = subprocess.run([sys.executable, "-c", PLUGINS_PROBE], capture_output=True, text=True, check=True, cwd=REPO)
    assert out.stdout.strip() == seen

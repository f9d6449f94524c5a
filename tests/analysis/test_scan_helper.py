"""The CLI's secrets helper: a second process that sets detect-secrets up and scans the
notebook while the CLI loads the pipeline. It must find exactly what the CLI's own process
finds, answer in its place, leave no process nor file, never import a module from the
user's folder, and leave the scan to the CLI when it fails or when there is one core."""

from __future__ import annotations

import os
import signal

import nbformat
import pytest

from jupyter_containerize.analysis import detector, scan_helper
from jupyter_containerize.analysis.scan_helper import helping

from .test_secrets_scan import AWS_ID, AWS_SECRET, DB_PASSWORD, _analyse, _notebook


@pytest.fixture(autouse=True)
def _fresh_cache(monkeypatch):
    """Each scan below is run, not read from the cache of an earlier test."""
    monkeypatch.setattr(detector, "_CACHE", type(detector._CACHE)())


@pytest.fixture
def leaky(tmp_path):
    (tmp_path / "helpers.py").write_text(f'DB_SECRET = "{AWS_SECRET}"\n')
    return _notebook(tmp_path / "leaky.ipynb", [
        ("import helpers\nimport os", []),
        (f'AWS_ACCESS_KEY_ID = "{AWS_ID}"', []),
        ("print(os.environ['DB_URL'])",
         [nbformat.v4.new_output("stream", name="stdout", text=f"postgres://admin:{DB_PASSWORD}@db.example/s\n")]),
    ])


def _places(analysis):
    return sorted((f.path, f.cell, f.output, f.line, f.kind) for f in analysis.secrets)


def _no_scan_here(monkeypatch):
    """This process may not set detect-secrets up: every scan must be the helper's answer."""
    def refuse(self):
        raise AssertionError("scanned in the CLI's process")
    monkeypatch.setattr(detector.Detector, "_ready", refuse)


def test_the_helper_answers_what_this_process_would_find(leaky, monkeypatch):
    here = _places(_analyse(leaky))
    assert ("helpers.py", None, False, 1, "Secret Keyword") in here  # a local module's
    assert ("leaky.ipynb", 3, False, 1, "AWS Access Key") in here  # a cell's
    assert ("leaky.ipynb", 4, True, 1, "Basic Auth Credentials") in here  # an output's
    monkeypatch.setattr(detector, "_CACHE", type(detector._CACHE)())
    with helping(leaky, cores=2) as helper:
        assert helper is not None
        _no_scan_here(monkeypatch)
        assert _places(_analyse(leaky)) == here


def test_the_helper_leaves_no_process_and_no_file(leaky, tmp_path, monkeypatch):
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setenv("TMPDIR", str(scratch))  # where the helper writes the texts it scans
    with helping(leaky, cores=2) as helper:
        pid = helper.pid
        assert helper({"text": "extra.py", "body": f'TOKEN = "{AWS_ID}"\n'}) == [(1, "AWS Access Key")]
        assert list(scratch.iterdir()), "the helper keeps the texts it scans in its scratch folder"
        _analyse(leaky)
        assert helper.pid is None, "the analysis has its findings: the helper is told to end"
        assert helper({"text": "extra.py", "body": "x = 1\n"}) is None
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # ended and reaped
    assert list(scratch.iterdir()) == []


def test_a_helper_that_dies_leaves_the_scan_to_this_process(leaky):
    expected = _places(_analyse(leaky))
    detector._CACHE.clear()
    with helping(leaky, cores=2) as helper:
        os.kill(helper.pid, signal.SIGKILL)
        assert _places(_analyse(leaky)) == expected
        assert helper.pid is None  # not asked again


def test_a_helper_that_cannot_start_leaves_the_scan_to_this_process(leaky, monkeypatch):
    monkeypatch.setattr(scan_helper.sys, "executable", "/nonexistent/python")
    with helping(leaky, cores=2) as helper:
        assert helper is None
        assert ("leaky.ipynb", 3, False, 1, "AWS Access Key") in _places(_analyse(leaky))


def test_one_core_starts_no_helper(leaky):
    with helping(leaky, cores=1) as helper:
        assert helper is None


def test_no_helper_where_detect_secrets_is_set_up_already(leaky, monkeypatch):
    """The CLI's build service sets it up before it forks its commands."""
    monkeypatch.setattr(scan_helper, "_set_up_here", False)
    scan_helper.set_up_here()
    with helping(leaky, cores=2) as helper:
        assert helper is None
        assert ("leaky.ipynb", 3, False, 1, "AWS Access Key") in _places(_analyse(leaky))


def test_the_helper_never_imports_a_module_from_the_users_folder(leaky, tmp_path, monkeypatch):
    """A cloned repository may hold a yaml.py (detect-secrets imports yaml): the helper runs
    with the CLI's working folder elsewhere and Python's -P, so it is not imported."""
    marker = tmp_path / "imported"
    for name in ("yaml", "detect_secrets", "json"):
        (leaky.parent / f"{name}.py").write_text(f"open({str(marker)!r}, 'a').write('{name}')\n")
    monkeypatch.chdir(leaky.parent)
    with helping(leaky, cores=2):
        _no_scan_here(monkeypatch)
        assert ("leaky.ipynb", 3, False, 1, "AWS Access Key") in _places(_analyse(leaky))
    assert not marker.exists()

"""The OCI `revision` label names the commit of the notebook's repository, marked `-dirty`
when the notebook in the image is not the one in that commit."""

from __future__ import annotations

import subprocess

from jupyter_containerize.image import provenance
from jupyter_containerize.image.provenance import git_provenance

from .conftest import write_notebook


def _git(repo, *args):
    return subprocess.run(["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.org", *args],
                          check=True, capture_output=True, text=True).stdout.strip()


def test_revision_is_the_commit_and_dirty_when_the_notebook_differs(tmp_path):
    repo = tmp_path / "repo"
    notebook = write_notebook(repo / "report.ipynb", "print(1)")
    other = write_notebook(repo / "other.ipynb", "print(2)")
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    _git(repo, "remote", "add", "origin", "https://someone:s3cret@example.org/team/repo.git")

    assert git_provenance(notebook) == {}  # no commit yet: nothing to claim

    _git(repo, "add", "report.ipynb")
    _git(repo, "commit", "-qm", "report")
    head = _git(repo, "rev-parse", "HEAD")
    # the untracked other.ipynb does not make report.ipynb dirty, but is dirty itself
    assert git_provenance(notebook) == {"revision": head, "source": "https://***@example.org/team/repo.git"}
    assert git_provenance(other)["revision"] == f"{head}-dirty"

    write_notebook(notebook, "print(3)")  # edited after the commit
    assert git_provenance(notebook)["revision"] == f"{head}-dirty"
    _git(repo, "commit", "-qam", "edit")
    assert git_provenance(notebook)["revision"] == _git(repo, "rev-parse", "HEAD")
    nested = write_notebook(repo / "reports" / "q3.ipynb", "print(4)")  # the repository is found above it
    assert git_provenance(nested)["revision"] == f"{_git(repo, 'rev-parse', 'HEAD')}-dirty"


def test_a_notebook_that_no_repository_holds_starts_no_git(tmp_path, monkeypatch):
    def no_git(*args, **kwargs):
        raise AssertionError("git was started")

    monkeypatch.delenv("GIT_DIR", raising=False)
    monkeypatch.setattr(provenance.process, "run", no_git)
    assert git_provenance(write_notebook(tmp_path / "loose.ipynb", "print(1)")) == {}


def test_no_repository_no_labels(tmp_path):
    assert git_provenance(write_notebook(tmp_path / "loose.ipynb", "print(1)")) == {}


def test_a_repositorys_own_configuration_runs_no_command(tmp_path):
    """A notebook may come in a repository nobody audited, .git/config included (an archive of
    a working copy): git status would run its core.fsmonitor command. Provenance runs none,
    and takes no optional lock in the user's repository."""
    repo = tmp_path / "repo"
    notebook = write_notebook(repo / "report.ipynb", "print(1)")
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    _git(repo, "add", "report.ipynb")
    _git(repo, "commit", "-qm", "report")
    marker = tmp_path / "ran"
    hook = tmp_path / "fsmonitor.sh"
    hook.write_text(f"#!/bin/sh\ntouch {marker}\n")
    hook.chmod(0o755)
    _git(repo, "config", "core.fsmonitor", str(hook))
    assert git_provenance(notebook) == {"revision": _git(repo, "rev-parse", "HEAD")}
    assert not marker.exists()

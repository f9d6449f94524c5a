"""The image's SBOM (pure, from the lock) and `jupyter containerize inspect` on the real
engine: labels and files read without running the image."""

from __future__ import annotations

import json
import subprocess

import pytest

from jupyter_containerize.errors import InvalidRequest
from jupyter_containerize.models import Lock, LockedPackage
from jupyter_containerize.share.inspect import describe_image, packages_from_lock
from jupyter_containerize.share.sbom import SBOM_PATH, render_sbom, sbom_document

from .conftest import EXAMPLE
from .runner_notebooks import build_with_cli

LOCK = Lock(notebook="/x/report.ipynb", python_version="3.11", platform="linux/amd64", packages=[
    LockedPackage(name="six", version="1.16.0", source="kernel", hashes=["sha256:" + "a" * 64]),
    LockedPackage(name="nbclient", version="0.10.0", group="runner", source="kernel"),
])


def test_sbom_is_cyclonedx_with_purls_hashes_and_groups():
    doc = sbom_document(LOCK, lock_digest="ab" * 32)
    assert doc["bomFormat"] == "CycloneDX" and doc["specVersion"] == "1.5" and doc["version"] == 1
    assert doc["serialNumber"].startswith("urn:uuid:")
    assert doc["metadata"]["component"]["name"] == "report"
    nbclient, six = doc["components"]
    assert six["purl"] == "pkg:pypi/six@1.16.0" and six["hashes"] == [{"alg": "SHA-256", "content": "a" * 64}]
    assert {"name": "io.jupyter.containerize:group", "value": "runner"} in nbclient["properties"]
    assert doc["dependencies"][0]["dependsOn"] == ["pkg:pypi/nbclient@0.10.0", "pkg:pypi/six@1.16.0"]


def test_sbom_is_deterministic():
    assert render_sbom(LOCK, lock_digest="ab" * 32) == render_sbom(LOCK, lock_digest="ab" * 32)
    assert render_sbom(LOCK, lock_digest="ab" * 32) != render_sbom(LOCK, lock_digest="cd" * 32)


def test_packages_from_a_lock_file():
    from jupyter_containerize.lock import render_lock

    assert [(p.name, p.version, p.group) for p in packages_from_lock(render_lock(LOCK))] == [
        ("six", "1.16.0", "notebook"), ("nbclient", "0.10.0", "runner")]


@pytest.fixture(scope="module")
def example_image(engine, cache_dir) -> str:
    return build_with_cli(EXAMPLE, cache_dir)["tag"]


@pytest.mark.engine
def test_inspect_reads_labels_lock_and_sbom(example_image, engine):
    d = describe_image(engine, example_image)
    assert d.notebook == "sales-report.ipynb" and d.python_version.startswith("3.11")
    assert d.base_image and d.created and d.lock_digest.startswith("sha256:")
    assert d.sbom_path == SBOM_PATH and d.labels["io.jupyter.containerize.sbom"] == SBOM_PATH
    names = {p.name: p.group for p in d.packages}
    assert names["pandas"] == "notebook" and names["nbclient"] == "runner"


@pytest.mark.engine
def test_inspect_cli(example_image):
    proc = subprocess.run(["jupyter", "containerize", "inspect", example_image], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "notebook   sales-report.ipynb" in proc.stdout and "pandas==" in proc.stdout
    proc = subprocess.run(["jupyter", "containerize", "inspect", example_image, "--sbom"], capture_output=True,
                          text=True, timeout=120)
    sbom = json.loads(proc.stdout)
    assert sbom["bomFormat"] == "CycloneDX" and any(c["name"] == "pandas" for c in sbom["components"])
    left = subprocess.run(["docker", "ps", "-aq", "--filter", f"ancestor={example_image}"],
                          capture_output=True, text=True).stdout.split()
    assert left == []  # docker create + get_archive, then removed


@pytest.mark.engine
def test_inspect_refuses_a_foreign_image(engine):
    from .conftest import BASE_IMAGE

    with pytest.raises(InvalidRequest, match="not built by jupyter-containerize"):
        describe_image(engine, BASE_IMAGE)

"""The one seam to pip on the host: resolving and fetching for the target platform.

pip runs as a subprocess of the server's interpreter with an argument list (never a shell
string) and the host's own pip configuration (pip.conf, PIP_* variables: index URLs, CA
bundle, proxies), so corporate set-ups work as they do for the user. Nothing of that
configuration is written anywhere: we keep names, versions and hashes, never URLs.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from packaging.utils import canonicalize_name

from ..errors import LockError
from ..redact import redact
from .target import Target


@dataclass(frozen=True)
class ResolvedArtifact:
    name: str
    version: str
    sha256: str | None
    requested: bool
    requires: tuple[str, ...]


def _run_pip(args: list[str], what: str) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input", *args]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise LockError(f"{what} failed: {_explain(proc.stderr)}")
    return proc


_NOISE = re.compile(r"^WARNING: (Location .* is ignored|Running pip as the 'root' user|You are using pip)")


def _explain(stderr: str) -> str:
    """The lines of pip's error output that name the cause, secrets removed."""
    lines = [ln for ln in stderr.splitlines() if ln.strip() and not _NOISE.match(ln)]
    errors = [ln for ln in lines if ln.startswith("ERROR")]
    return redact("\n".join(errors or lines[-8:]) or "pip exited with an error")


def resolve(specs: list[str], target: Target) -> list[ResolvedArtifact]:
    """Resolve ``specs`` (pins and open specs) for the target; nothing is installed."""
    with tempfile.TemporaryDirectory(prefix="containerize-resolve-") as tmp:
        report = Path(tmp, "report.json")
        requirements = Path(tmp, "requirements.in")
        requirements.write_text("\n".join(specs) + "\n")
        _run_pip(
            [
                "install", "--dry-run", "--ignore-installed", "--quiet",
                "--report", str(report), "--target", str(Path(tmp, "target")),
                *target.pip_platform_args(), "-r", str(requirements),
            ],
            f"Resolving for {target.platform} / Python {target.python_version}",
        )
        data = json.loads(report.read_text())
    artifacts = []
    for item in data.get("install", []):
        meta = item["metadata"]
        hashes = item.get("download_info", {}).get("archive_info", {}).get("hashes", {})
        artifacts.append(
            ResolvedArtifact(
                name=canonicalize_name(meta["name"]),
                version=meta["version"],
                sha256=hashes.get("sha256"),
                requested=bool(item.get("requested")),
                requires=tuple(meta.get("requires_dist", []) or ()),
            )
        )
    return artifacts


def download(lock_file: Path, target: Target, wheelhouse: Path) -> None:
    """Fetch exactly the locked files (hash-checked) into ``wheelhouse`` (a persistent cache)."""
    wheelhouse.mkdir(parents=True, exist_ok=True)
    _run_pip(
        [
            "download", "--no-deps", "--require-hashes", "--quiet",
            "--dest", str(wheelhouse), *target.pip_platform_args(), "-r", str(lock_file),
        ],
        "Downloading the locked packages",
    )

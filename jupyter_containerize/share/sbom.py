"""A CycloneDX 1.5 JSON bill of materials of the image's Python environment, from the lock.

Pure and deterministic (no timestamp, a serial number derived from the lock digest), so the
same lock gives the same bytes and the engine's layer cache still hits. The image carries it
at :data:`SBOM_PATH`, named by the label ``io.jupyter.containerize.sbom``.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

from .._version import __version__
from ..models import Lock

SBOM_PATH = "/opt/containerize/sbom.cdx.json"
LOCK_PATH = "/opt/containerize/requirements.lock"
SBOM_LABEL = "io.jupyter.containerize.sbom"
_NAMESPACE = uuid.UUID("6f1e7d1c-3b8e-4a53-9a57-0c2b1f6a4e11")


def purl(name: str, version: str) -> str:
    return f"pkg:pypi/{name}@{version}"


def _hashes(hashes: list[str]) -> list[dict]:
    algs = {"sha256": "SHA-256", "sha384": "SHA-384", "sha512": "SHA-512"}
    out = []
    for value in hashes:
        alg, _, content = value.partition(":")
        if alg in algs and content:
            out.append({"alg": algs[alg], "content": content})
    return out


def sbom_document(lock: Lock, *, lock_digest: str) -> dict:
    notebook = Path(lock.notebook).stem
    components = []
    for package in sorted(lock.packages, key=lambda p: p.name):
        ref = purl(package.name, package.version)
        component = {
            "type": "library", "bom-ref": ref, "name": package.name, "version": package.version,
            "purl": ref,
            "properties": [{"name": "io.jupyter.containerize:group", "value": package.group},
                           {"name": "io.jupyter.containerize:source", "value": package.source}],
        }
        hashes = _hashes(package.hashes)
        if hashes:
            component["hashes"] = hashes
        components.append(component)
    return {
        "bomFormat": "CycloneDX",
        "specVersion": "1.5",
        "serialNumber": f"urn:uuid:{uuid.uuid5(_NAMESPACE, lock_digest)}",
        "version": 1,
        "metadata": {
            "tools": {"components": [{"type": "application", "name": "jupyter-containerize",
                                      "version": __version__}]},
            "component": {"type": "application", "bom-ref": f"notebook:{notebook}", "name": notebook,
                          "version": lock_digest[:12]},
            "properties": [{"name": "io.jupyter.containerize:python-version", "value": lock.python_version},
                           {"name": "io.jupyter.containerize:platform", "value": lock.platform},
                           {"name": "io.jupyter.containerize:lock-digest", "value": f"sha256:{lock_digest}"}],
        },
        "components": components,
        "dependencies": [{"ref": f"notebook:{notebook}", "dependsOn": [c["bom-ref"] for c in components]}],
    }


def render_sbom(lock: Lock, *, lock_digest: str) -> str:
    return json.dumps(sbom_document(lock, lock_digest=lock_digest), indent=2, sort_keys=True) + "\n"

"""What is inside an image, from its labels and its files, without running it."""

from __future__ import annotations

import json
from typing import Optional

from ..api_models import ImageDescription, ImagePackage
from ..engine import ContainerEngine
from ..errors import InvalidRequest
from .sbom import LOCK_PATH, SBOM_LABEL

PREFIX = "io.jupyter.containerize"


def packages_from_sbom(text: str) -> list[ImagePackage]:
    document = json.loads(text)
    packages = []
    for component in document.get("components") or []:
        props = {p.get("name"): p.get("value") for p in component.get("properties") or []}
        packages.append(ImagePackage(name=component["name"], version=component.get("version", ""),
                                     group=props.get(f"{PREFIX}:group")))
    return packages


def packages_from_lock(text: str) -> list[ImagePackage]:
    """``name==version`` lines of a requirements.lock, with the group from its section titles."""
    packages, group = [], None
    for line in text.splitlines():
        if line.startswith("# --- "):
            group = "runner" if "runs the notebook" in line else "notebook"
        elif line and not line[0].isspace() and not line.startswith("#") and "==" in line:
            name, _, version = line.split(" ", 1)[0].partition("==")
            packages.append(ImagePackage(name=name, version=version, group=group))
    return packages


def describe_image(engine: ContainerEngine, image: str) -> ImageDescription:
    info = engine.inspect(image)
    labels = info.labels
    if f"{PREFIX}.notebook" not in labels:
        raise InvalidRequest(f"{image} was not built by jupyter-containerize "
                             f"(no {PREFIX}.notebook label)")
    sbom_path = labels.get(SBOM_LABEL)
    sbom: Optional[bytes] = engine.read_file(image, sbom_path) if sbom_path else None
    lock = engine.read_file(image, LOCK_PATH)
    if sbom:
        packages = packages_from_sbom(sbom.decode())
    elif lock:
        packages = packages_from_lock(lock.decode())
    else:
        packages = []
    return ImageDescription(
        image=image, id=info.id, tags=list(info.tags), size=info.size,
        notebook=labels[f"{PREFIX}.notebook"],
        python_version=labels.get(f"{PREFIX}.python-version"),
        created=labels.get("org.opencontainers.image.created"),
        lock_digest=labels.get(f"{PREFIX}.lock-digest"),
        built_with=labels.get(f"{PREFIX}.version"),
        base_image=labels.get(f"{PREFIX}.base-image") or labels.get("org.opencontainers.image.base.name"),
        sbom_path=sbom_path if sbom else None,
        lock_path=LOCK_PATH if lock else None,
        packages=packages, labels=labels,
    )


def format_description(d: ImageDescription) -> str:
    lines = [
        f"image      {d.image}  ({d.id[:19]}, {d.size / 1e6:.0f} MB)",
        f"notebook   {d.notebook}",
        f"python     {d.python_version or '?'}",
        f"built      {d.created or '?'} with jupyter-containerize {d.built_with or '?'}",
        f"from       {d.base_image or '?'}",
        f"lock       {d.lock_digest or '?'}" + (f"  ({d.lock_path})" if d.lock_path else ""),
        f"sbom       {d.sbom_path or 'none (built before SBOMs)'}",
        f"packages   {len(d.packages)}",
    ]
    for group in ("notebook", "runner", None):
        members = [p for p in d.packages if p.group == group]
        if members:
            lines.append(f"  {group or 'other'}:")
            lines += [f"    {p.name}=={p.version}" for p in members]
    return "\n".join(lines)

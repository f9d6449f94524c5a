"""The build without an engine: build contexts -> images assembled here -> a registry or an
archive; verified by an engine when one answers.

For the registry, the blobs and the manifest are pushed untagged, the image (what was
pushed, pulled back) is verified when asked and an engine answers, and only then is the tag
put: a registry never shows a tag on an image that did not run. For an archive, the file is
written next to its final name and renamed into place.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional, Sequence

from ..engine import ContainerEngine
from ..errors import Cancelled, ContainerizeError, EngineUnavailable, PushFailed, VerifyFailed
from ..image.context import ContextSpec
from ..image.installed import InstalledWheels
from ..models import BuildResult
from ..settings import Settings
from .assemble import Image, assemble, source_date
from .base import fetch_base
from .blobs import BlobCache
from .credentials import credentials_for
from .reference import Reference, parse
from .registry import RegistryClient, RegistryError
from .sinks import push, tag, write_archive


@dataclass(frozen=True)
class Target:
    output: str  # registry or archive
    reason: str
    tag: str
    archive: Optional[Path] = None


def client_for(reference: Reference, settings: Settings, cancelled: Optional[threading.Event],
               log: Callable[[str], None]) -> RegistryClient:
    return RegistryClient(reference.registry, reference.api_host, credentials_for(reference.registry),
                          insecure=settings.insecure_registries, cancelled=cancelled, on_retry=log)


def build_on_host(specs: Sequence[tuple[str, ContextSpec]], target: Target, *, settings: Settings, reporter,
                  cancelled: threading.Event, engine: Optional[ContainerEngine], verify: bool,
                  installed: InstalledWheels, created: Optional[str] = None,
                  container_labels: Optional[dict] = None) -> BuildResult:
    """The image of each ``(platform, spec)`` assembled here from the segments of ``installed``
    (the host's installed-wheel cache for the image's Python), then pushed or written."""
    started = time.monotonic()
    blobs = BlobCache(settings.cache_dir / "blobs")
    platforms = [platform for platform, _ in specs]
    reporter.phase("build", f"Assembling {target.tag} for {', '.join(platforms)} here ({target.reason})")
    check = _checker(cancelled)
    images: list[Image] = []
    for platform, spec in specs:
        images.append(_assemble_one(platform, spec, settings, blobs, reporter, cancelled, check,
                                    installed, created))
    first_spec = specs[0][1]
    result = dict(tag=target.tag, image_id=images[0].config_digest, size=_image_size(images[0]),
                  output=target.output, output_reason=target.reason, platforms=platforms)
    if target.output == "archive":
        result.update(_deliver_archive(images, target, blobs, settings, reporter, cancelled, engine, verify,
                                       first_spec, container_labels))
    else:
        result.update(_deliver_registry(images, target, blobs, settings, reporter, cancelled, engine, verify,
                                        first_spec, container_labels))
    return BuildResult(**result, duration_s=round(time.monotonic() - started, 3))


def _assemble_one(platform: str, spec: ContextSpec, settings: Settings, blobs: BlobCache, reporter, cancelled,
                  check, installed: InstalledWheels, created) -> Image:
    minor = ".".join(spec.python_version.split(".")[:2])
    if spec.system_packages:
        raise ContainerizeError(
            f"The notebook needs the system packages {', '.join(sorted(spec.system_packages))}, which only a "
            "container engine can install (apt-get runs in a container): build with an engine, or pick a base "
            "image that has them (--base)")
    segments = installed.segments(spec.wheels)
    reference = parse(spec.base_image)
    base = fetch_base(reference, platform, client_for(reference, settings, cancelled, reporter.log), blobs,
                      log=reporter.log)
    reporter.log(f"Base {reference.registry}/{reference.repository}@{base.reference.digest[:19]} for {platform}: "
                 f"Python {minor} at {base.facts.python(minor, spec.base_image)}"
                 + ("" if base.facts.shell else " (no shell)"))
    image = assemble(spec, base, segments, platform=platform, created=created or source_date(spec), cache=blobs,
                     check=check, log=reporter.log)
    reporter.log(f"Image {image.digest[:19]} for {platform}: {len(image.layers)} new layer(s)")
    return image


def _deliver_registry(images, target: Target, blobs, settings, reporter, cancelled, engine, verify, spec,
                      labels) -> dict:
    reference = parse(target.tag)
    reporter.phase("push", f"Pushing {target.tag} (untagged until it is {'verified' if verify else 'complete'})")
    client = client_for(reference, settings, cancelled, reporter.log)
    try:
        report = push(images, reference, client, blobs,
                      lambda image: client_for(image.base.reference, settings, cancelled, reporter.log),
                      log=reporter.log)
    except RegistryError as exc:
        raise PushFailed(str(exc)) from None
    reporter.log(f"Sent {len(report.uploaded)} blob(s), linked {len(report.mounted)}, "
                 f"{len(report.present)} already there")
    digest_ref = f"{reference.registry}/{reference.repository}@{report.digest}"
    verified = None
    if verify:
        verified = _verify(engine, digest_ref, spec, target, reporter, cancelled, labels,
                           fetch=lambda e: e.pull(digest_ref, cancelled=cancelled))
    try:
        tag(images, reference, client)
    except RegistryError as exc:
        raise PushFailed(str(exc)) from None
    reporter.log(f"Tagged {target.tag} in the registry: {digest_ref}")
    return dict(digest=digest_ref, uploaded=report.uploaded, verified=verified)


def _deliver_archive(images, target: Target, blobs, settings, reporter, cancelled, engine, verify, spec,
                     labels) -> dict:
    path = target.archive
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    reporter.log(f"Writing the OCI archive {path.name}")
    began = time.monotonic()
    try:
        with partial.open("wb") as out:
            written = write_archive(images, out, blobs, target.tag,
                                    lambda image: client_for(image.base.reference, settings, cancelled, reporter.log))
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    took = max(time.monotonic() - began, 1e-6)
    reporter.log(f"Wrote {path} ({written / 1e6:.0f} MB in {took:.2f} s, {written / 1e6 / took:.0f} MB/s)")
    verified = None
    if verify:
        def load(e: ContainerEngine) -> str:
            with path.open("rb") as handle:
                e.load(iter(lambda: handle.read(1 << 20), b""), cancelled=cancelled)
            return images[0].config_digest

        verified = _verify(engine, images[0].config_digest, spec, target, reporter, cancelled, labels, fetch=load)
    return dict(archive=str(path), verified=verified)


def _verify(engine, image: str, spec, target, reporter, cancelled, labels, *, fetch) -> bool:
    """Run the notebook in the image an engine got from the registry (or the archive); False,
    said plainly, when no engine answers here."""
    from ..pipeline import verify_image

    try:
        if engine is None:
            raise EngineUnavailable("no engine")
        engine.ping()
    except EngineUnavailable:
        reporter.phase("verify", "Not verified: no container engine answers here")
        reporter.log(f"{target.tag} was not run: verifying needs a container engine. It runs where images run "
                     "(docker, podman, a Kubernetes cluster): `jupyter containerize run IMAGE` there.")
        return False
    try:
        image_id = fetch(engine)
        verify_image(engine, image_id, spec, target.tag, reporter=reporter, cancelled=cancelled, labels=labels)
    except (Cancelled, VerifyFailed):
        raise
    return True


def _checker(cancelled: threading.Event) -> Callable[[], None]:
    def check() -> None:
        if cancelled.is_set():
            raise Cancelled("The build was cancelled")
    return check


def _image_size(image: Image) -> int:
    """Bytes of the image's files, as an engine reports an image's size: the base's layers
    (as read when its facts were taken) and the new layers' tars."""
    return image.base.facts.size + sum(layer.blob.tar_size for layer in image.layers)


__all__ = ["Target", "build_on_host", "Path"]

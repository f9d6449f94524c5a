"""Images built by jupyter-containerize, as jupyter-scheduler runtime environments."""

from __future__ import annotations

from typing import Dict, List

from jupyter_scheduler.environments import EnvironmentManager
from jupyter_scheduler.models import RuntimeEnvironment

from ..engine.docker import DockerEngine
from ..errors import ContainerizeError
from ..share.running import NOTEBOOK_LABEL

OUTPUT_FORMATS = {"ipynb": "Notebook", "html": "HTML"}


def environments_from_images(images) -> List[RuntimeEnvironment]:
    """One environment per tag (the environment's name is the image reference), the most
    recently built first: jupyter-scheduler's Create Job form preselects the first one, so a
    "Schedule..." right after a build offers that build's image."""
    found = []
    for image in images:
        notebook = image.labels.get(NOTEBOOK_LABEL, "")
        python = image.labels.get("io.jupyter.containerize.python-version", "?")
        created = image.labels.get("org.opencontainers.image.created", "")
        for tag in sorted(t for t in image.tags if t != "<none>:<none>"):
            found.append((created, RuntimeEnvironment(
                # jupyter-scheduler's picker takes `label` as the value it stores and then
                # looks the environment up by `name`: the two must be equal
                name=tag, label=tag,
                description=f"Image {tag} built for {notebook} with Python {python}"
                            + (f" on {created}" if created else ""),
                file_extensions=["ipynb"], output_formats=list(OUTPUT_FORMATS),
                metadata={"image": tag, "image_id": image.id, "notebook": notebook, "python_version": python},
                compute_types=None, default_compute_type=None, utc_only=None,
            )))
    found.sort(key=lambda pair: pair[1].name)
    found.sort(key=lambda pair: pair[0], reverse=True)  # ISO 8601 times sort as text
    return [env for _, env in found]


_builds = None  # the BuildManager of this server's jupyter-containerize (see ``serve_registry_images``)


def serve_registry_images(manager) -> None:
    """Called by the extension: images this server pushed are environments too (read from
    the registry by their repositories' tags), so scheduling works with no engine nearby."""
    global _builds
    _builds = manager


def registry_environments(manager, limit: int = 500) -> List[RuntimeEnvironment]:
    """One environment per tag of every repository this server's builds pushed to (the
    registry answers; the build history names the repositories)."""
    from ..oci.build import client_for
    from ..oci.reference import parse

    repositories: dict[str, tuple[object, str]] = {}
    for job in manager.store.list(limit=limit):
        result = job.result
        if result and result.digest and "@" in result.digest:
            reference = parse(result.digest.split("@", 1)[0])
            repositories.setdefault(f"{reference.registry}/{reference.repository}", (reference, job.notebook))
    found = []
    for name, (reference, notebook) in sorted(repositories.items()):
        try:
            tags = client_for(reference, manager.settings, None, lambda message: None).tags(reference.repository)
        except ContainerizeError:
            continue  # this registry does not answer now: its images are not offered
        for tag in sorted(tags):
            image = f"{name}:{tag}"
            found.append(RuntimeEnvironment(
                name=image, label=image, description=f"Image {image} in its registry, built for {notebook}",
                file_extensions=["ipynb"], output_formats=list(OUTPUT_FORMATS),
                metadata={"image": image, "notebook": notebook}, compute_types=None, default_compute_type=None,
                utc_only=None))
    return found


class ImageEnvironmentManager(EnvironmentManager):
    engine_class = DockerEngine

    def list_environments(self) -> List[RuntimeEnvironment]:
        try:
            local = environments_from_images(self.engine_class().images(NOTEBOOK_LABEL))
        except ContainerizeError:
            local = []  # engine down: the registry's images only, or none, rather than failing
        remote = registry_environments(_builds) if _builds is not None else []
        known = {env.name for env in local}
        return local + [env for env in remote if env.name not in known]

    def manage_environments_command(self) -> str:
        return "jupyter containerize build NOTEBOOK"

    def output_formats_mapping(self) -> Dict[str, str]:
        return dict(OUTPUT_FORMATS)

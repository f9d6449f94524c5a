"""What a teammate needs to run a pushed image: pure rendering of copyable lines.

The digest-pinned reference, ``docker pull``, a ``docker run`` line and a ``jupyter
containerize run`` line with the notebook's parameters, and a Kubernetes CronJob for a cron
expression (``schedule --kubernetes``: the same manifest). Every value is quoted for a POSIX
shell (``shlex.quote``); the manifest holds the runner's arguments as a list, no shell.
"""

from __future__ import annotations

import shlex
from pathlib import PurePosixPath
from typing import Any, Optional

from ..api_models import Share
from ..schedule import ScheduleSpec, cronjob_manifest, k8s_name, to_yaml
from .parameters import runner_parameters
from .running import runner_args

OUT_MOUNT = '-v "$PWD/out:/out"'


def _flags(typed: list[tuple[str, str]], raw: list[tuple[str, str]]) -> list[str]:
    return [part for flag, pairs in (("-p", typed), ("-r", raw)) for name, value in pairs
            for part in (flag, name, value)]


def share_lines(reference: str, notebook_in_image: str, values: dict[str, Any], *, cron: Optional[str] = None,
                name: Optional[str] = None) -> Share:
    """The lines for ``reference`` (``repository@sha256:...``) running ``notebook_in_image``
    with ``values`` (checked already), and a CronJob when ``cron`` is given (checked here:
    InvalidRequest naming the problem)."""
    typed, raw = runner_parameters(values)
    quoted = shlex.quote(reference)
    args = runner_args(notebook_in_image, typed, raw=raw) if values else []
    docker_run = " ".join(["docker run --rm", OUT_MOUNT, quoted, *(shlex.quote(a) for a in args)])
    containerize_run = " ".join(["jupyter containerize run", quoted, *(shlex.quote(a) for a in _flags(typed, raw))])
    cronjob = None
    if cron and cron.strip():
        spec = ScheduleSpec(image=reference, notebook=notebook_in_image,
                            name=name or k8s_name(PurePosixPath(notebook_in_image).stem), cron=cron.strip(),
                            parameters=typed, raw_parameters=raw)
        cronjob = to_yaml(cronjob_manifest(spec))
    return Share(reference=reference, pull=f"docker pull {quoted}", docker_run=docker_run,
                 containerize_run=containerize_run, cronjob=cronjob)

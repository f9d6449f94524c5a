"""A crontab line that runs the image with ``docker run`` on a single Linux host."""

from __future__ import annotations

import shlex
from pathlib import Path

from ..share.running import runner_args
from .cron import validate_cron


def crontab_line(cron: str, image: str, notebook: str, output: Path, parameters=(), *, html: bool = False) -> str:
    """One line for ``crontab -e``: each run gets its own timestamped folder under ``output``
    (with the run's log), the container runs as the crontab's user, read-only with a /tmp tmpfs.
    ``%`` is escaped, as cron turns it into a newline."""
    args = " ".join(shlex.quote(a) for a in runner_args(notebook, parameters, html=html))
    folder = shlex.quote(str(output.resolve()))
    command = (f'd={folder}/$(date +%Y%m%dT%H%M%S) && mkdir -p "$d" && '
               f'docker run --rm --read-only --tmpfs /tmp --user "$(id -u):$(id -g)" -v "$d:/out" '
               f'{shlex.quote(image)} {args} >"$d/run.log" 2>&1')
    return f"{validate_cron(cron)} {command.replace('%', chr(92) + '%')}"

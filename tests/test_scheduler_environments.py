"""Our images as jupyter-scheduler environments, as its Create Job form needs them."""

from __future__ import annotations

from types import SimpleNamespace

from .required import import_or_fail

import_or_fail("jupyter_scheduler", 'pip install -e ".[test]"')

from jupyter_containerize.scheduler.environments import environments_from_images  # noqa: E402


def test_the_form_can_select_and_preselect_an_image():
    image = SimpleNamespace(id="sha256:1", tags=["sales-report:7f2b6a0bb8e8"], labels={
        "io.jupyter.containerize.notebook": "sales-report.ipynb",
        "io.jupyter.containerize.python-version": "3.11.2",
        "org.opencontainers.image.created": "2026-01-01T00:00:00Z"})
    [env] = environments_from_images([image])
    # the picker's options carry `label` as their value and the form finds the environment
    # by `name`; the sidebar's "Schedule..." preselects it by the tag
    assert env.name == env.label == "sales-report:7f2b6a0bb8e8"
    assert "Python 3.11.2" in env.description and "sales-report.ipynb" in env.description

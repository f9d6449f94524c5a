"""The server's time limits are options of ``ContainerizeApp`` (traitlets) that reach the
build's settings; the CLI has flags for them."""

from __future__ import annotations

import argparse

import pytest

from jupyter_containerize.cli import common
from jupyter_containerize.settings import Timeouts

from .conftest import server_config


@pytest.fixture
def jp_server_config(jp_server_config):
    return server_config(pip_timeout=5, wheel_build_timeout=6, compile_timeout=7, index_timeout=8)


async def test_server_options_reach_the_build_settings(jp_fetch, jp_serverapp):
    assert (await jp_fetch("containerize", "info")).code == 200
    settings = jp_serverapp.web_app.settings["containerize"].settings
    assert settings.timeouts == Timeouts(pip=5, wheel_build=6, compile=7, index=8)


def _settings(*argv):
    parser = argparse.ArgumentParser()
    common.lock_args(parser)
    common.image_args(parser)
    return common.settings_from(parser.parse_args(list(argv)))


def test_cli_flags_set_the_limits():
    assert _settings().timeouts == Timeouts()
    chosen = _settings("--pip-timeout", "5", "--wheel-build-timeout", "6", "--compile-timeout", "7",
                       "--index-timeout", "8")
    assert chosen.timeouts == Timeouts(pip=5, wheel_build=6, compile=7, index=8)
    for bad in (["--pip-timeout", "0"], ["--index-timeout", "soon"], ["--pip-timeout", "inf"]):
        with pytest.raises(SystemExit):
            _settings(*bad)

"""The server's time limits and the resolution cache's time to live are options of
``ContainerizeApp`` (traitlets) that reach the build's settings; the CLI has flags for them."""

from __future__ import annotations

import argparse

import pytest

from jupyter_containerize.cli import common
from jupyter_containerize.settings import Timeouts

from .conftest import server_config


@pytest.fixture
def jp_server_config(jp_server_config):
    return server_config(pip_timeout=5, wheel_build_timeout=6, compile_timeout=7, index_timeout=8,
                         resolution_cache_ttl=0)


async def test_server_options_reach_the_build_settings(jp_fetch, jp_serverapp):
    assert (await jp_fetch("containerize", "info")).code == 200
    settings = jp_serverapp.web_app.settings["containerize"].settings
    assert settings.timeouts == Timeouts(pip=5, wheel_build=6, compile=7, index=8)
    assert settings.resolution_ttl == 0


def _settings(*argv):
    parser = argparse.ArgumentParser()
    common.lock_args(parser)
    common.image_args(parser)
    return common.settings_from(parser.parse_args(list(argv)))


def test_cli_flags_set_the_limits():
    assert _settings().timeouts == Timeouts() and _settings().resolution_ttl == 24 * 3600
    chosen = _settings("--pip-timeout", "5", "--wheel-build-timeout", "6", "--compile-timeout", "7",
                       "--index-timeout", "8", "--resolution-ttl", "0")
    assert chosen.timeouts == Timeouts(pip=5, wheel_build=6, compile=7, index=8) and chosen.resolution_ttl == 0
    for bad in (["--pip-timeout", "0"], ["--index-timeout", "soon"], ["--resolution-ttl", "-1"]):
        with pytest.raises(SystemExit):
            _settings(*bad)

"""pip's configuration read without importing pip gives what pip's own loader gives: files in
every location pip reads (global, user old and new, site, PIP_CONFIG_FILE), their order of
precedence, PIP_* variables, and PIP_CONFIG_FILE=/dev/null turning the files off."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
COMPARE = """
import json
from pip._internal.configuration import Configuration
from jupyter_containerize.lock.pip import _read_config_items
pip = Configuration(isolated=False)
pip.load()
print(json.dumps([dict(pip.items()), _read_config_items()]))
"""


def _both(tmp_path: Path, env: dict) -> tuple[dict, dict]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "XDG_"))}
    out = subprocess.run([sys.executable, "-c", COMPARE], capture_output=True, text=True, check=True,
                         env={**base, "HOME": str(tmp_path / "home"), "PYTHONPATH": str(REPO), **env}).stdout
    return tuple(json.loads(out))


def _conf(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


@pytest.mark.parametrize("case", ["locations", "env file", "devnull"])
def test_the_configuration_is_the_one_pip_reads(tmp_path, case):
    xdg = tmp_path / "xdg-a"
    _conf(xdg / "pip" / "pip.conf", "[global]\nindex-url = https://global.example/simple\ntimeout = 7\n")
    _conf(tmp_path / "home" / ".pip" / "pip.conf", "[install]\nextra_index_url = https://legacy.example/simple\n")
    _conf(tmp_path / "home" / ".config" / "pip" / "pip.conf",
          "[global]\ntimeout = 9\n[download]\n--find-links = /srv/wheels\n")
    env = {"XDG_CONFIG_DIRS": f"{tmp_path / 'missing'}:{xdg}", "PIP_DEFAULT_TIMEOUT": "11", "PIP_NO_CACHE_DIR": "1"}
    if case == "env file":
        env["PIP_CONFIG_FILE"] = str(_conf(tmp_path / "env.conf", "[global]\nindex-url = https://env.example/simple\n"))
    if case == "devnull":
        env["PIP_CONFIG_FILE"] = os.devnull
    pip, ours = _both(tmp_path, env)
    assert ours == pip
    if case == "locations":  # the user files are read and the newer location wins
        assert pip["global.timeout"] == "9" and pip["install.extra-index-url"] == "https://legacy.example/simple"
    if case == "env file":  # PIP_CONFIG_FILE wins over the global file and turns the user's off
        assert pip["global.index-url"] == "https://env.example/simple" and "download.find-links" not in pip
    if case == "devnull":
        assert not [k for k in pip if not k.startswith(":env:.")]

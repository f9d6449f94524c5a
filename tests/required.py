"""What a test needs from the machine (an engine, a registry, a module, an interpreter): in CI a
missing one fails the run, it never skips. Only a developer's run (neither
CONTAINERIZE_REQUIRE_ENGINE=1, which scripts/test.sh sets, nor CI, which CI services set)
skips the tests whose dependency is missing, saying which."""

from __future__ import annotations

import importlib
import os
from types import ModuleType
from typing import NoReturn

import pytest


def strict() -> bool:
    """True in CI: a missing dependency is an error there."""
    ci = os.environ.get("CI", "").strip().lower()
    return os.environ.get("CONTAINERIZE_REQUIRE_ENGINE") == "1" or ci not in ("", "0", "false", "no")


def missing(what: str, *, module_level: bool = False) -> NoReturn:
    """Fail (CI) or skip (a developer's run) because ``what`` is missing."""
    if strict():
        pytest.fail(f"{what} (in CI a missing dependency fails the run instead of skipping the test)",
                    pytrace=False)
    pytest.skip(what, allow_module_level=module_level)


def import_or_fail(name: str, install: str) -> ModuleType:
    """``pytest.importorskip`` that fails in CI; ``install`` says how to get the module."""
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        missing(f"{name} is not importable ({exc}); {install}", module_level=True)

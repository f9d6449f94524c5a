"""In CI a missing dependency fails the test that needs it; only a developer's run skips it."""

from __future__ import annotations

import pytest

from .required import import_or_fail, missing

CI_SETTINGS = [{"CONTAINERIZE_REQUIRE_ENGINE": "1"}, {"CI": "true"}, {"CI": "1"}]
DEVELOPER_SETTINGS = [{}, {"CI": "false"}, {"CI": "0"}, {"CONTAINERIZE_REQUIRE_ENGINE": "0"}]


def _environment(monkeypatch, settings: dict) -> None:
    for name in ("CI", "CONTAINERIZE_REQUIRE_ENGINE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in settings.items():
        monkeypatch.setenv(name, value)


@pytest.mark.parametrize("settings", CI_SETTINGS)
def test_in_ci_a_missing_dependency_fails(monkeypatch, settings):
    _environment(monkeypatch, settings)
    with pytest.raises(pytest.fail.Exception, match="docker-registry not installed"):
        missing("docker-registry not installed")
    with pytest.raises(pytest.fail.Exception, match="no_such_module_here"):
        import_or_fail("no_such_module_here", "pip install it")


@pytest.mark.parametrize("settings", DEVELOPER_SETTINGS)
def test_a_developer_run_skips_saying_what_is_missing(monkeypatch, settings):
    _environment(monkeypatch, settings)
    with pytest.raises(pytest.skip.Exception, match="docker-registry not installed"):
        missing("docker-registry not installed")
    with pytest.raises(pytest.skip.Exception, match="no_such_module_here.*pip install it"):
        import_or_fail("no_such_module_here", "pip install it")
    assert import_or_fail("json", "it is in the standard library").dumps([]) == "[]"

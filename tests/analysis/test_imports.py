import pytest

from .conftest import names, req


@pytest.mark.parametrize(
    "code, module",
    [
        ("import yaml", "yaml"),
        ("import yaml as y", "yaml"),
        ("import os, yaml", "yaml"),
        ("from yaml import safe_load", "yaml"),
        ("from yaml.loader import Loader as L", "yaml.loader"),
        ("import sklearn.linear_model as lm", "sklearn.linear_model"),
        ("def f():\n    import yaml\n    return yaml", "yaml"),
        ("class A:\n    import yaml", "yaml"),
        ("if True:\n    import yaml", "yaml"),
        ("with open('x') as f:\n    import yaml", "yaml"),
        ("for i in range(2):\n    import yaml", "yaml"),
        ("async def f():\n    import yaml", "yaml"),
        ("import importlib\nm = importlib.import_module('yaml')", "yaml"),
        ("from importlib import import_module\nm = import_module('yaml')", "yaml"),
        ("m = __import__('yaml')", "yaml"),
    ],
)
def test_import_forms(analyze, code, module):
    analysis = analyze(code)
    records = [r for r in analysis.imports if r.module == module]
    assert records, analysis.imports
    assert records[0].kind == "third-party"
    assert records[0].cell == 1
    assert not records[0].optional


@pytest.mark.parametrize(
    "code",
    [
        "try:\n    import yaml\nexcept ImportError:\n    yaml = None",
        "try:\n    import yaml\nexcept ModuleNotFoundError:\n    pass",
        "try:\n    import yaml\nexcept (ImportError, OSError):\n    pass",
        "try:\n    import yaml\nexcept:\n    pass",
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import yaml",
    ],
)
def test_guarded_imports_are_optional(analyze, code):
    analysis = analyze(code)
    assert [r.optional for r in analysis.imports if r.module == "yaml"] == [True]
    assert req(analysis, "pyyaml").optional


def test_optional_and_required_import_is_required(analyze):
    analysis = analyze("try:\n    import yaml\nexcept ImportError:\n    pass", "import yaml")
    assert not req(analysis, "pyyaml").optional


def test_non_literal_dynamic_import_is_ignored(analyze):
    analysis = analyze("import importlib\nname = 'yaml'\nimportlib.import_module(name)")
    assert "pyyaml" not in names(analysis)


def test_relative_and_future_imports(analyze):
    analysis = analyze("from __future__ import annotations\nfrom . import sibling\nfrom .pkg import x")
    assert [r.module for r in analysis.imports] == [".", ".pkg"]
    assert {r.kind for r in analysis.imports} == {"local"}
    assert not analysis.requirements


def test_import_in_docstring_or_string_is_not_an_import(analyze):
    analysis = analyze('"""Example:\n\nimport yaml\n"""\ntext = "import requests"')
    assert not analysis.imports


def test_stdlib_imports(analyze):
    analysis = analyze("import json, os.path\nfrom collections import OrderedDict")
    assert {r.kind for r in analysis.imports} == {"stdlib"}
    assert not analysis.requirements


def test_line_numbers_and_cells(analyze):
    analysis = analyze("md:# Title", "x = 1\n\nimport yaml")
    record = analysis.imports[0]
    assert (record.cell, record.line) == (2, 3)
    assert req(analysis, "pyyaml").reasons == ["import yaml (cell 2)"]


def test_reasons_group_cells(analyze):
    analysis = analyze("import yaml", "import yaml", "from yaml import dump")
    assert req(analysis, "pyyaml").reasons == ["import yaml (cells 1, 2, 3)"]

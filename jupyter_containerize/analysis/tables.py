"""The package's data tables (``analysis/data/*.json``), loaded once."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources


@cache
def load(name: str):
    text = resources.files(__package__).joinpath("data", name).read_text(encoding="utf-8")
    data = json.loads(text)
    if isinstance(data, dict):
        data.pop("_comment", None)
    return data

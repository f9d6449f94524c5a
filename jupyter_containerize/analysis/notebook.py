"""Reading a notebook file: the one place that parses its JSON and checks its shape.

A notebook may come from anyone (a cloned repository, a course's folder), so nothing about
it is trusted: every way it can be malformed (not UTF-8, not JSON, JSON nested too deeply,
``metadata`` or ``kernelspec`` not an object, no cells) becomes :class:`NotebookInvalid`
naming the cause. The accessors below read metadata through the same checks, so the kernel
name and the language are found one way for the analysis and the build alike.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from ..errors import NotebookInvalid, NotebookNotFound

DEFAULT_KERNEL = "python3"
# How notebooks name Python: "python", and, from MyST/Jupytext conversions and older exports,
# "python3", "Python 3", "python3.11", "ipython3"...
_PYTHON = re.compile(r"^i?python\s*\d*(\.\d+)*$", re.IGNORECASE)


def read_notebook(path: Path) -> dict:
    """The notebook at ``path`` as JSON (nbformat >= 4; v3 worksheets are flattened),
    checked to have the shape the rest of the code reads."""
    return parse_notebook(notebook_bytes(path), Path(path).name)


def notebook_bytes(path: Path) -> bytes:
    """The bytes of the notebook file at ``path``; NotebookNotFound or NotebookInvalid
    naming why they cannot be read."""
    path = Path(path)
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise NotebookNotFound(f"No notebook at {path}") from None
    except IsADirectoryError:
        raise NotebookNotFound(f"{path} is a directory, not a notebook") from None
    except OSError as exc:  # a symbolic link loop, a name too long, no permission...
        raise NotebookInvalid(f"{path.name} cannot be read: {exc.strerror or exc}") from None


def parse_notebook(raw: bytes, name: str) -> dict:
    """A notebook's bytes (read from a file or out of an image) as checked JSON."""
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise NotebookInvalid(f"{name} is not a notebook (not UTF-8 text: {exc.reason})") from None
    except RecursionError:
        raise NotebookInvalid(f"{name} is not a notebook (its JSON is nested too deeply)") from None
    except ValueError as exc:
        raise NotebookInvalid(f"{name} is not a notebook (invalid JSON: {exc})") from None
    if not isinstance(data, dict):
        raise NotebookInvalid(f"{name} is not a notebook (the top level is not an object)")
    data = _flatten_worksheets(data, name)
    if not isinstance(data.get("cells"), list):
        raise NotebookInvalid(f"{name} is not a notebook (no cells list)")
    kernel_name(data, name)  # checks metadata, kernelspec and language_info
    language(data, name)
    return data


def _flatten_worksheets(data: dict, name: str) -> dict:
    if "cells" in data or "worksheets" not in data:
        return data
    worksheets = data["worksheets"] or []
    if not isinstance(worksheets, list) or not all(isinstance(ws, dict) for ws in worksheets):
        raise NotebookInvalid(f"{name} is not a notebook (its worksheets are not a list of objects)")
    cells = []
    for worksheet in worksheets:
        found = worksheet.get("cells") or []
        if not isinstance(found, list):
            raise NotebookInvalid(f"{name} is not a notebook (a worksheet's cells are not a list)")
        for cell in found:
            if isinstance(cell, dict) and "input" in cell and "source" not in cell:
                cell = {**cell, "source": cell["input"]}
            cells.append(cell)
    return {**data, "cells": cells}


def _object(value, where: str, name: str) -> dict:
    """``value`` when it is an object, ``{}`` when absent (null), else the error naming ``where``."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise NotebookInvalid(f"{name} is not a notebook ({where} is a {_json_type(value)}, not an object)")
    return value


def _text(value, where: str, name: str):
    if value is not None and not isinstance(value, str):
        raise NotebookInvalid(f"{name} is not a notebook ({where} is a {_json_type(value)}, not a string)")
    return value


def _json_type(value) -> str:
    kinds = {bool: "boolean", int: "number", float: "number", str: "string", list: "list", dict: "object"}
    return kinds.get(type(value), type(value).__name__)


def metadata(notebook: dict, name: str = "the notebook") -> dict:
    return _object(notebook.get("metadata"), "metadata", name)


def kernelspec(notebook: dict, name: str = "the notebook") -> dict:
    return _object(metadata(notebook, name).get("kernelspec"), "metadata.kernelspec", name)


def kernel_name(notebook: dict, name: str = "the notebook") -> str:
    """The kernel the notebook names in its metadata (``python3`` when it names none)."""
    return _text(kernelspec(notebook, name).get("name"), "metadata.kernelspec.name", name) or DEFAULT_KERNEL


def language(notebook: dict, name: str = "the notebook") -> str:
    """The notebook's language: its kernelspec's, else its language_info's, else Python."""
    info = _object(metadata(notebook, name).get("language_info"), "metadata.language_info", name)
    return (_text(kernelspec(notebook, name).get("language"), "metadata.kernelspec.language", name)
            or _text(info.get("name"), "metadata.language_info.name", name) or "python")


def is_python(language: str) -> bool:
    """Whether a kernelspec's or language_info's language names Python (any spelling)."""
    return bool(_PYTHON.match((language or "").strip()))

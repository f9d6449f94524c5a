"""A notebook's code cells (read by :mod:`.notebook`) turned into parseable Python.

IPython's own ``TransformerManager`` is used when IPython is importable; otherwise a
line-preserving fallback turns magics and shell lines into the same
``get_ipython().run_line_magic(...)`` / ``.system(...)`` / ``.run_cell_magic(...)`` calls, so
the rest of the analysis reads one shape of code either way.
"""

from __future__ import annotations

import ast
import re
import warnings
from dataclasses import dataclass
from functools import lru_cache

from ..errors import NotebookInvalid
from .notebook import is_python, read_notebook
from .notebook import language as notebook_language

__all__ = ["Cell", "code_cells", "parse", "read_notebook", "to_python", "transform_cells", "try_parse"]


@dataclass(frozen=True)
class Cell:
    index: int  # 1-based among all the notebook's cells
    source: str  # as written
    python: str  # IPython-transformed source
    tree: ast.Module | None  # None when even the recovery could not parse it
    line_offset: int = 0  # for code parsed out of a magic's body: line of the body in the cell


def code_cells(notebook: dict) -> list[tuple[int, str]]:
    """(1-based index, source) of every code cell."""
    language = notebook_language(notebook)
    if not is_python(language):
        raise NotebookInvalid(f"The notebook's language is {language}, not Python")
    found = []
    for index, cell in enumerate(notebook["cells"], start=1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        if isinstance(source, list):
            source = "".join(str(s) for s in source)
        if not isinstance(source, str):
            raise NotebookInvalid(f"Cell {index} has a source that is not text")
        found.append((index, source))
    return found


# ---------------------------------------------------------------------------------------
# IPython -> Python


@lru_cache(maxsize=None)
def _ipython_transformer():
    """IPython's transformer, imported at the first cell that is not plain Python (IPython
    takes longer to import than a whole warm rebuild)."""
    try:
        from IPython.core.inputtransformer2 import TransformerManager
    except Exception:  # pragma: no cover - depends on the environment
        return None
    return TransformerManager()


def to_python(source: str, use_ipython: bool = True) -> str:
    transformer = _ipython_transformer() if use_ipython else None
    if transformer is not None:
        try:
            return transformer.transform_cell(source)
        except Exception:  # IPython chokes on some inputs (e.g. bad tokens): fall back
            pass
    return fallback_transform(source)


_ASSIGN_MAGIC = re.compile(r"^(\s*[\w.,\s\[\]()*]+?=\s*)([%!])(.*)$")
_HELP = re.compile(r"^\s*[\w.]*\?\??\s*$|^\s*\?\??[\w.]+\s*$")


def fallback_transform(source: str) -> str:
    """Line-preserving IPython -> Python for when IPython is not importable."""
    lines = source.split("\n")
    first = next((i for i, text in enumerate(lines) if text.strip()), None)
    if first is not None and lines[first].lstrip().startswith("%%"):
        head = lines[first].strip()[2:]
        name, _, line = head.partition(" ")
        body = "\n".join(lines[first + 1 :])
        return "\n" * first + f"get_ipython().run_cell_magic({name!r}, {line.strip()!r}, {body!r})"
    out = []
    depth = 0
    in_string: str | None = None
    continued = False
    for raw in lines:
        stripped = raw.lstrip()
        indent = raw[: len(raw) - len(stripped)]
        fresh = depth == 0 and in_string is None and not continued
        if fresh and stripped.startswith(("%", "!")) and not stripped.startswith("!="):
            out.append(indent + _magic_call(stripped))
            continued = raw.rstrip().endswith("\\")
            continue
        if fresh and _HELP.match(raw) and "?" in raw:
            out.append(indent + "pass")
            continue
        match = _ASSIGN_MAGIC.match(raw) if fresh else None
        if match and not match.group(1).rstrip().endswith(("=", "!", "<", ">")):
            out.append(match.group(1) + _magic_call(match.group(2) + match.group(3)))
            continue
        out.append(raw)
        depth, in_string, continued = _scan(raw, depth, in_string)
    return "\n".join(out)


def _magic_call(text: str) -> str:
    text = text.rstrip().rstrip("\\").rstrip()
    if text.startswith("!!"):
        return f"get_ipython().getoutput({text[2:]!r})"
    if text.startswith("!"):
        return f"get_ipython().system({text[1:]!r})"
    name, _, line = text.lstrip("%").partition(" ")
    return f"get_ipython().run_line_magic({name!r}, {line.strip()!r})"


def _scan(line: str, depth: int, in_string: str | None) -> tuple[int, str | None, bool]:
    """Bracket depth and open (triple-quoted) string after ``line``; ends with backslash?"""
    i = 0
    n = len(line)
    while i < n:
        ch = line[i]
        if in_string:
            if ch == "\\":
                i += 2
                continue
            if line.startswith(in_string, i):
                i += len(in_string)
                in_string = None
                continue
            i += 1
            continue
        if ch == "#":
            break
        if ch in "\"'":
            quote = line[i : i + 3] if line[i : i + 3] in ('"""', "'''") else ch
            in_string = quote
            i += len(quote)
            continue
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth = max(0, depth - 1)
        i += 1
    if in_string in ('"', "'"):  # an unterminated one-line string: a syntax error, forget it
        in_string = None
    return depth, in_string, line.rstrip().endswith("\\") and in_string is None


# ---------------------------------------------------------------------------------------
# Parsing with recovery


def parse(python: str) -> ast.Module | None:
    """Parse, blanking lines that fail (up to a bound) so one bad line does not hide the rest."""
    lines = python.split("\n")
    for _ in range(50):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return ast.parse("\n".join(lines))
        except SyntaxError as exc:
            lineno = (exc.lineno or 0) - 1
            if not 0 <= lineno < len(lines) or not lines[lineno].strip():
                # an error at the end (unclosed bracket...): drop the last non-blank line
                lineno = max((i for i, text in enumerate(lines) if text.strip()), default=-1)
                if lineno < 0:
                    return None
            line = lines[lineno]
            indent = line[: len(line) - len(line.lstrip())]
            lines[lineno] = indent + "pass" if line.strip() != "pass" else ""
        except (ValueError, RecursionError):
            return None
    return None


def try_parse(source: str) -> ast.Module | None:
    """Parse without recovery: None unless ``source`` is entirely valid Python."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ast.parse(source)
    except (SyntaxError, ValueError):
        return None


@lru_cache(maxsize=8192)
def _parsed(source: str, use_ipython: bool) -> tuple[str, ast.Module | None]:
    """(Python, tree) of a cell; plain Python (most cells) skips the IPython transform,
    which only ever rewrites lines that are not valid Python. Cached: trees are read-only."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # SyntaxWarning for "\d" in user strings
            return source, ast.parse(source)
    except (SyntaxError, ValueError):
        pass
    python = to_python(source, use_ipython)
    return python, parse(python)


def transform_cells(notebook: dict, use_ipython: bool = True) -> list[Cell]:
    cells = []
    for index, source in code_cells(notebook):
        python, tree = _parsed(source, use_ipython)
        cells.append(Cell(index=index, source=source, python=python, tree=tree))
    return cells

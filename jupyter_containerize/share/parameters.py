"""A notebook's parameters, as papermill reads and types them.

:func:`read_parameters` reads the cell tagged ``parameters``: one parameter per assignment
of a name (``region = "all"``, ``limit: int = 10  # rows``), its default as written, its
type from the annotation or else from the literal default (``None`` and expressions take any
value), and the comment at the end of its line. :func:`check_values` checks typed values
(JSON: a form's or a REST client's) against them, naming the parameter in each error;
:func:`runner_parameters` turns them into the runner's ``-p`` (typed on arrival, as
papermill's ``-p``) and ``-r`` (raw text) arguments so that each value arrives with its type.
"""

from __future__ import annotations

import ast
import io
import json
import math
import tokenize
from typing import Any, Optional

from ..api_models import NotebookParameter, ParameterType
from ..errors import InvalidRequest
from ..runner.run import typed

PARAMETERS_TAG = "parameters"
_ANNOTATIONS: dict[str, ParameterType] = {
    "str": "str", "int": "int", "float": "float", "bool": "bool",
    "list": "list", "List": "list", "tuple": "list", "Tuple": "list", "dict": "dict", "Dict": "dict",
}
_LITERALS: tuple[tuple[type, ParameterType], ...] = (
    (bool, "bool"), (int, "int"), (float, "float"), (str, "str"), (list, "list"), (tuple, "list"), (dict, "dict"))


def parameters_cell(notebook: dict) -> tuple[Optional[int], str]:
    """(1-based index, source) of the first cell tagged ``parameters``; (None, "") without one."""
    for index, cell in enumerate(notebook.get("cells") or [], start=1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        tags = (cell.get("metadata") or {}).get("tags") if isinstance(cell.get("metadata"), dict) else None
        if isinstance(tags, list) and PARAMETERS_TAG in tags:
            source = cell.get("source") or ""
            return index, "".join(source) if isinstance(source, list) else str(source)
    return None, ""


def read_parameters(notebook: dict) -> tuple[Optional[int], list[NotebookParameter]]:
    """The parameters of a notebook (JSON as read by ``analysis.notebook.read_notebook``)."""
    index, source = parameters_cell(notebook)
    return index, parse_parameters(source) if index else []


def parse_parameters(source: str) -> list[NotebookParameter]:
    """The assignments of one cell's source; a cell that is not Python gives none."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return []
    comments = _comments(source)
    found: dict[str, NotebookParameter] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            name, annotation, value = node.targets[0].id, None, node.value
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
            name, annotation, value = node.target.id, node.annotation, node.value
        else:
            continue
        literal, is_literal = _literal(value)
        kind = _annotated(annotation) if annotation is not None else None
        if kind is None and annotation is None and is_literal:
            kind = next((k for t, k in _LITERALS if isinstance(literal, t)), None)
        found[name] = NotebookParameter(
            name=name, type=kind, default=ast.get_source_segment(source, value) or "",
            value=_json(literal) if is_literal else None, help=comments.get(node.end_lineno, ""))
    return list(found.values())


def _literal(node: ast.AST) -> tuple[Any, bool]:
    try:
        return ast.literal_eval(node), True
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return None, False


def _annotated(node: ast.AST) -> Optional[ParameterType]:
    if isinstance(node, ast.Subscript):  # List[int], dict[str, int]
        node = node.value
    if isinstance(node, ast.Attribute):  # typing.List
        node = ast.Name(id=node.attr)
    return _ANNOTATIONS.get(node.id) if isinstance(node, ast.Name) else None


def _json(value: Any) -> Any:
    """A literal as JSON can hold it (tuples as lists, sets and bytes as their repr)."""
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)
    if isinstance(value, (list, tuple)):
        return [_json(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _json(v) for k, v in value.items()}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return repr(value)


def _comments(source: str) -> dict[int, str]:
    """Line number -> the text of the comment ending that line."""
    found = {}
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type == tokenize.COMMENT:
                found[token.start[0]] = token.string.lstrip("#").strip()
    except (tokenize.TokenError, SyntaxError):
        pass
    return found


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    for kind, name in ((bool, "a boolean"), (int, "an integer"), (float, "a number"), (str, "text"),
                       (list, "a list"), (dict, "an object")):
        if isinstance(value, kind):
            return name
    return type(value).__name__


def _fits(kind: Optional[ParameterType], value: Any) -> bool:
    if kind is None:
        return True
    if kind == "float":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    expected = {"str": str, "bool": bool, "list": list, "dict": dict}[kind]
    return isinstance(value, expected)


def check_values(parameters: list[NotebookParameter], values: dict[str, Any], notebook: str) -> dict[str, Any]:
    """``values`` when each names a parameter and has its type; else InvalidRequest naming it."""
    known = {p.name: p for p in parameters}
    for name, value in values.items():
        if name not in known:
            offered = ", ".join(known) or "none: it has no cell tagged parameters"
            raise InvalidRequest(f"Unknown parameter {name!r}: the parameters of {notebook} are {offered}")
        parameter = known[name]
        if not _fits(parameter.type, value):
            raise InvalidRequest(f"Parameter {name!r} takes {_TYPE_WORDS[parameter.type]} (its default is "
                                 f"{parameter.default}), not {_json_type(value)}: {json.dumps(value)[:100]}")
    return values


_TYPE_WORDS = {"str": "text", "int": "an integer", "float": "a number", "bool": "True or False",
               "list": "a list", "dict": "an object"}


def runner_parameters(values: dict[str, Any]) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(``-p`` pairs, ``-r`` pairs) that give the runner each value with its type: text that
    ``-p`` would type as something else (``"123"``, ``"True"``) goes raw."""
    typed_pairs, raw = [], []
    for name, value in values.items():
        if isinstance(value, str):
            (typed_pairs if typed(value) == value and isinstance(typed(value), str) else raw).append((name, value))
        elif isinstance(value, bool) or value is None:
            typed_pairs.append((name, repr(value)))
        elif isinstance(value, (int, float)):
            typed_pairs.append((name, repr(value)))
        else:
            typed_pairs.append((name, json.dumps(value)))
    return typed_pairs, raw

"""One walk over a parsed cell: what its code imports, calls, names and writes.

The result (:class:`CellFacts`) is all later steps look at: import scanning, magics,
implied-need rules, local files. Names bound by imports carry over from cell to cell
(``bindings``), so ``pd.read_parquet`` in cell 5 resolves to ``pandas.read_parquet``
when cell 1 did ``import pandas as pd``.
"""

from __future__ import annotations

import ast
import os
from dataclasses import dataclass, field

from .imports import FoundImport, catches_import_error, is_type_checking, literal

IPYTHON_CALLS = {"run_line_magic", "run_cell_magic", "system", "getoutput"}


@dataclass(frozen=True)
class Call:
    name: str  # the called function's or method's own name ("read_parquet")
    method: bool  # called as an attribute (x.name(...)) rather than a bare name
    qualname: str | None  # fully qualified when the callee resolves through imports
    receiver: str | None  # qualified name of the receiver when it is an imported module
    keywords: dict  # literal keyword values (non-literals as ...)
    strings: tuple[str, ...]  # literal string positional arguments
    line: int


@dataclass(frozen=True)
class Magic:
    kind: str  # "line" | "cell" | "system"
    name: str  # magic name ("pip", "matplotlib", "cython") or "" for system commands
    args: str  # the magic's line (or the shell command)
    body: str  # cell magic body
    line: int
    guarded: bool  # inside an if/try/def: may not run


@dataclass
class CellFacts:
    imports: list[FoundImport] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)
    attributes: list[tuple[str, str | None, int]] = field(default_factory=list)  # (attr, receiver module, line)
    names: set[str] = field(default_factory=set)  # qualified names used (through imports)
    strings: list[tuple[str, int]] = field(default_factory=list)
    magics: list[Magic] = field(default_factory=list)
    environ: dict[str, str] = field(default_factory=dict)
    path_entries: list[str] = field(default_factory=list)  # sys.path.insert/append literals
    chdirs: list[str] = field(default_factory=list)  # os.chdir literals
    defined_magics: set[str] = field(default_factory=set)  # magics the notebook registers itself


def _dotted(node: ast.expr) -> list[str] | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return parts[::-1]
    return None


def _literal_value(node: ast.expr):
    if isinstance(node, ast.Constant):
        return node.value
    return ...


def evaluate_path(node: ast.expr, names: dict[str, str] | None = None) -> str | None:
    """A path expression built from literals: 'a', os.path.join('a', 'b'), Path('a') / 'b',
    os.path.abspath('..'), str(Path('x')), Path().resolve() / 'data', Path.cwd().parent,
    folder.glob('*.csv'); ``names``: variables already bound to such paths (``DATA = Path('data')``)."""
    names = names if names is not None else {}
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Name):
        return names.get(node.id)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
        left, right = evaluate_path(node.left, names), evaluate_path(node.right, names)
        return os.path.join(left, right) if left is not None and right is not None else None
    if isinstance(node, ast.Attribute) and node.attr == "parent":
        inner = evaluate_path(node.value, names)
        return os.path.normpath(os.path.join(inner, "..")) if inner is not None else None  # lexical, as Path.parent
    if isinstance(node, ast.Call):
        dotted = _dotted(node.func) or []
        name = dotted[-1] if dotted else getattr(node.func, "attr", None)
        args = [evaluate_path(a, names) for a in node.args]
        if any(a is None for a in args):
            return None
        method_of = evaluate_path(node.func.value, names) if isinstance(node.func, ast.Attribute) else None
        if name in ("glob", "rglob", "joinpath") and method_of is not None and args:
            return os.path.join(method_of, *args)
        if name in ("resolve", "absolute", "expanduser") and method_of is not None and not args:
            return method_of
        if name == "join" and args:
            return os.path.join(*args)
        if name in ("abspath", "realpath", "normpath", "Path", "PurePath", "str", "expanduser", "resolve") and len(args) == 1:
            return args[0]
        if name in ("Path", "PurePath") and not args and not node.keywords:
            return "."
        if name == "dirname" and len(args) == 1:
            return os.path.dirname(args[0])
        if name in ("getcwd", "cwd") and not args:
            return "."
    return None


class FactsVisitor(ast.NodeVisitor):
    def __init__(self, bindings: dict[str, str], paths: dict[str, str] | None = None) -> None:
        self.bindings = bindings
        self.paths = paths if paths is not None else {}  # variables bound to path expressions
        self.facts = CellFacts()
        self._optional = 0
        self._guarded = 0

    # scopes that may not run ------------------------------------------------------------
    def visit_Try(self, node) -> None:
        guarded = any(catches_import_error(h) for h in node.handlers)
        self._optional += guarded
        self._guarded += 1
        for stmt in node.body:
            self.visit(stmt)
        self._optional -= guarded
        for part in (node.handlers, node.orelse, node.finalbody):
            for stmt in part:
                self.visit(stmt)
        self._guarded -= 1

    visit_TryStar = visit_Try

    def visit_If(self, node: ast.If) -> None:
        self.visit(node.test)
        type_checking = is_type_checking(node.test)
        self._optional += type_checking
        self._guarded += 1
        for stmt in node.body:
            self.visit(stmt)
        self._optional -= type_checking
        for stmt in node.orelse:
            self.visit(stmt)
        self._guarded -= 1

    def _guarded_block(self, node) -> None:
        self._guarded += 1
        self.generic_visit(node)
        self._guarded -= 1

    visit_FunctionDef = visit_AsyncFunctionDef = visit_For = visit_While = _guarded_block

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        for base in node.bases:
            if (_dotted(base) or [""])[-1] == "Magics":
                for item in node.body:
                    if isinstance(item, ast.FunctionDef):
                        self.facts.defined_magics.add(item.name)
        self._guarded_block(node)

    # imports ----------------------------------------------------------------------------
    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._import(alias.name, node.lineno)
            if alias.asname:
                self.bindings[alias.asname] = alias.name
            else:
                top = alias.name.split(".")[0]
                self.bindings.setdefault(top, top)
                if self.bindings[top] != top:
                    self.bindings[top] = top

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.module == "__future__":
            return
        names = tuple(a.name for a in node.names if a.name != "*")
        self._import(node.module or "", node.lineno, level=node.level or 0, names=names)
        if not node.level and node.module:
            for alias in node.names:
                if alias.name != "*":
                    self.bindings[alias.asname or alias.name] = f"{node.module}.{alias.name}"

    def _import(self, module, line, level=0, names=(), dynamic=False) -> None:
        self.facts.imports.append(
            FoundImport(module, line, level=level, optional=self._optional > 0, names=names, dynamic=dynamic)
        )

    # usage ------------------------------------------------------------------------------
    def qualify(self, node: ast.expr) -> str | None:
        dotted = _dotted(node)
        if not dotted or dotted[0] not in self.bindings:
            return None
        return ".".join([self.bindings[dotted[0]], *dotted[1:]])

    def visit_Attribute(self, node: ast.Attribute) -> None:
        qual = self.qualify(node)
        if qual:
            self.facts.names.add(qual)
        else:
            self.facts.attributes.append((node.attr, self.qualify(node.value), node.lineno))
        self.generic_visit(node)

    def visit_Name(self, node: ast.Name) -> None:
        if node.id in self.bindings:
            self.facts.names.add(self.bindings[node.id])

    def visit_Constant(self, node: ast.Constant) -> None:
        if isinstance(node.value, str) and node.value:
            self.facts.strings.append((node.value, getattr(node, "lineno", 0)))

    def _path_string(self, node: ast.expr) -> None:
        path = evaluate_path(node, self.paths)
        if path:
            self.facts.strings.append((path, getattr(node, "lineno", 0)))

    def visit_BinOp(self, node: ast.BinOp) -> None:
        if isinstance(node.op, ast.Div):
            self._path_string(node)
        self.generic_visit(node)

    def visit_Assign(self, node: ast.Assign) -> None:
        if len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            # DATA = Path().resolve() / "data": later cells use DATA / "x.csv"
            path = evaluate_path(node.value, self.paths)
            if path is None:
                self.paths.pop(node.targets[0].id, None)
            else:
                self.paths[node.targets[0].id] = path
                if not isinstance(node.value, ast.Constant):
                    self.facts.strings.append((path, getattr(node, "lineno", 0)))
        for target in node.targets:
            # os.environ["KERAS_BACKEND"] = "jax"
            if isinstance(target, ast.Subscript) and (_dotted(target.value) or [""])[-1] == "environ":
                key, value = literal(target.slice), literal(node.value)
                if key and value is not None:
                    self.facts.environ[key] = value
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr in IPYTHON_CALLS and self._is_get_ipython(func.value):
            self._magic(func.attr, node)
            return
        dotted = _dotted(func)
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
        if name:
            receiver = self.qualify(func.value) if isinstance(func, ast.Attribute) else None
            keywords = {k.arg: _literal_value(k.value) for k in node.keywords if k.arg}
            strings = tuple(a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str))
            self.facts.calls.append(Call(name, isinstance(func, ast.Attribute), self.qualify(func), receiver, keywords,
                                         strings, node.lineno))
            if name in ("join", "Path", "PurePath", "joinpath", "glob", "rglob") and node.args:
                self._path_string(node)
            self._special_call(name, dotted or [], node)
        self.generic_visit(node)

    def _special_call(self, name: str, dotted: list[str], node: ast.Call) -> None:
        if name in ("import_module", "__import__") and node.args:
            module = literal(node.args[0])
            if module:
                level = len(module) - len(module.lstrip("."))
                self._import(module.lstrip("."), node.lineno, level=level, dynamic=True)
        elif dotted[-2:] in (["path", "insert"], ["path", "append"]) and node.args:
            path = evaluate_path(node.args[-1], self.paths)
            if path is not None:
                self.facts.path_entries.append(path)
        elif name == "chdir" and node.args:
            path = evaluate_path(node.args[0], self.paths)
            if path is not None:
                self.facts.chdirs.append(path)
        elif name == "setdefault" and dotted[-2:-1] == ["environ"] and len(node.args) == 2:
            key, value = literal(node.args[0]), literal(node.args[1])
            if key and value is not None:
                self.facts.environ.setdefault(key, value)
        elif name in ("register_line_magic", "register_cell_magic", "register_line_cell_magic", "register_magic_function"):
            for arg in node.args:
                if isinstance(arg, (ast.Name, ast.Constant)):
                    self.facts.defined_magics.add(getattr(arg, "id", None) or str(arg.value))

    def _is_get_ipython(self, node: ast.expr) -> bool:
        return isinstance(node, ast.Call) and getattr(node.func, "id", None) == "get_ipython"

    def _magic(self, kind: str, node: ast.Call) -> None:
        args = [literal(a) for a in node.args]
        guarded = self._guarded > 0
        if kind == "run_line_magic" and len(args) >= 2 and args[0] is not None:
            self.facts.magics.append(Magic("line", args[0], args[1] or "", "", node.lineno, guarded))
        elif kind == "run_cell_magic" and len(args) >= 3 and args[0] is not None:
            self.facts.magics.append(Magic("cell", args[0], args[1] or "", args[2] or "", node.lineno, guarded))
        elif kind in ("system", "getoutput") and args and args[0] is not None:
            self.facts.magics.append(Magic("system", "", args[0], "", node.lineno, guarded))


def _decorated_magics(tree: ast.AST) -> set[str]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for deco in node.decorator_list:
                target = deco.func if isinstance(deco, ast.Call) else deco
                name = (_dotted(target) or [""])[-1]
                if name.endswith("_magic") or name.startswith("register_") and "magic" in name:
                    found.add(node.name)
                    if isinstance(deco, ast.Call) and deco.args and literal(deco.args[0]):
                        found.add(literal(deco.args[0]))
    return found


def cell_facts(tree: ast.AST, bindings: dict[str, str], paths: dict[str, str] | None = None) -> CellFacts:
    """What one cell uses; ``bindings`` (imported names) and ``paths`` (variables bound to
    paths) carry over from the cells before it."""
    visitor = FactsVisitor(bindings, paths)
    visitor.visit(tree)
    visitor.facts.defined_magics |= _decorated_magics(tree)
    return visitor.facts


@dataclass
class Unit:
    """Code run as part of one cell: the cell itself or a magic's Python body."""

    cell: int
    offset: int  # line of the unit's first line within the cell, minus one
    facts: CellFacts

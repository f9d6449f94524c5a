"""Import statements: what counts as a guarded (optional) import, and the record of one."""

from __future__ import annotations

import ast
from dataclasses import dataclass

OPTIONAL_HANDLERS = {"ImportError", "ModuleNotFoundError", "Exception", "BaseException"}


@dataclass(frozen=True)
class FoundImport:
    module: str  # dotted name; for relative imports the part after the dots
    line: int
    level: int = 0  # >0: relative import
    optional: bool = False  # under try/except ImportError (or if TYPE_CHECKING)
    names: tuple[str, ...] = ()  # `from module import a, b` -> (a, b): maybe submodules
    dynamic: bool = False  # importlib.import_module / __import__ with a literal


def catches_import_error(handler: ast.ExceptHandler) -> bool:
    if handler.type is None:
        return True
    types = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    for t in types:
        name = t.attr if isinstance(t, ast.Attribute) else getattr(t, "id", None)
        if name in OPTIONAL_HANDLERS:
            return True
    return False


def is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def literal(node: ast.expr) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def scan_imports(tree: ast.AST) -> list[FoundImport]:
    """Every import in ``tree`` (statements and literal dynamic imports)."""
    from .facts import cell_facts

    return cell_facts(tree, {}).imports

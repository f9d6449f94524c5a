"""Notebook code + kernel environment -> what the notebook needs (:class:`~..models.Analysis`).

The names below load their modules on first use: a process that needs one module of this
package (the secrets helper, :mod:`.scan_helper`) does not import the analyser with it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .analyzer import analyze_notebook
    from .kernel import InstalledDistribution, KernelEnvironment, inspect_interpreter, interpreter_for_kernel
    from .report import format_analysis_table

_HOMES = {
    "InstalledDistribution": ".kernel",
    "KernelEnvironment": ".kernel",
    "analyze_notebook": ".analyzer",
    "format_analysis_table": ".report",
    "inspect_interpreter": ".kernel",
    "interpreter_for_kernel": ".kernel",
}
__all__ = [
    "InstalledDistribution",
    "KernelEnvironment",
    "analyze_notebook",
    "format_analysis_table",
    "inspect_interpreter",
    "interpreter_for_kernel",
]


def __getattr__(name: str):
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(home, __name__), name)

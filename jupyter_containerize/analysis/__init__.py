"""Notebook code + kernel environment -> what the notebook needs (:class:`~..models.Analysis`)."""

from __future__ import annotations

from .analyzer import analyze_notebook
from .kernel import (
    InstalledDistribution,
    KernelEnvironment,
    inspect_interpreter,
    interpreter_for_kernel,
)
from .report import format_analysis_table

__all__ = [
    "InstalledDistribution",
    "KernelEnvironment",
    "analyze_notebook",
    "format_analysis_table",
    "inspect_interpreter",
    "interpreter_for_kernel",
]

import json

import pytest

from jupyter_containerize.analysis import analyze_notebook
from jupyter_containerize.analysis.cells import fallback_transform, parse, to_python
from jupyter_containerize.errors import NotebookInvalid, NotebookNotFound

from .conftest import make_env, names, write_notebook

IPYTHON_CELL = """%matplotlib inline
!ls -la
files = !ls
x = %time 1 + 1
obj?
import yaml
print("total: %d"
      % tuple([1]))
"""


@pytest.mark.parametrize("use_ipython", [True, False])
def test_magics_do_not_break_parsing(use_ipython):
    tree = parse(to_python(IPYTHON_CELL, use_ipython=use_ipython))
    assert tree is not None
    imports = [n for n in tree.body if n.__class__.__name__ == "Import"]
    assert imports and imports[0].names[0].name == "yaml"


def test_fallback_keeps_lines_and_shapes():
    out = fallback_transform("%pip install -q pandas\nimport yaml\n!echo hi")
    lines = out.split("\n")
    assert lines[0] == "get_ipython().run_line_magic('pip', 'install -q pandas')"
    assert lines[1] == "import yaml"
    assert lines[2] == "get_ipython().system('echo hi')"


def test_fallback_continuation_line_is_not_a_magic():
    out = fallback_transform('print("%d"\n% 3)')
    assert "run_line_magic" not in out


def test_fallback_cell_magic_body_is_a_string():
    out = fallback_transform("%%cython\ncdef int x = 1\nimport numpy")
    assert out.startswith("get_ipython().run_cell_magic('cython', '',")
    assert parse(out) is not None


def test_magic_inside_if_block(analyze):
    analysis = analyze("import sys\nif 'google.colab' in sys.modules:\n    %pip install -q urlextract\n")
    assert analysis.requirements[0].name == "urlextract"
    assert analysis.requirements[0].optional


def test_unparseable_line_does_not_hide_the_rest(analyze):
    analysis = analyze("import yaml\nprint 'python 2'\nimport requests")
    assert {"pyyaml", "requests"} <= names(analysis)


def test_cython_cell_body_is_not_python(analyze):
    analysis = analyze("%load_ext Cython", "%%cython\ncimport numpy as cnp\nimport numpy as np\ncdef int f(int x):\n    return x")
    assert "numpy" in names(analysis)
    assert "cython" in names(analysis)
    assert not any("could not be parsed" in w for w in analysis.warnings)


def test_missing_notebook(tmp_path):
    with pytest.raises(NotebookNotFound):
        analyze_notebook(tmp_path / "nope.ipynb", make_env())


@pytest.mark.parametrize("content", ["not json", "[1, 2]", '{"cells": 3}', '{"cells": [{"cell_type": "code", "source": 5}]}'])
def test_malformed_notebook(tmp_path, content):
    path = tmp_path / "bad.ipynb"
    path.write_text(content)
    with pytest.raises(NotebookInvalid):
        analyze_notebook(path, make_env())


def test_non_python_notebook(tmp_path):
    path = write_notebook(tmp_path / "r.ipynb", "library(ggplot2)", language="R")
    with pytest.raises(NotebookInvalid):
        analyze_notebook(path, make_env())


def test_list_sources_and_raw_cells(tmp_path):
    path = tmp_path / "nb.ipynb"
    path.write_text(json.dumps({
        "nbformat": 4, "nbformat_minor": 5, "metadata": {},
        "cells": [
            {"cell_type": "raw", "metadata": {}, "source": ["import nothing"]},
            {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
             "source": ["import yaml\n", "import requests\n"]},
        ],
    }))
    analysis = analyze_notebook(path, make_env(), index=lambda n: None)
    assert names(analysis) == {"pyyaml", "requests"}
    assert {r.cell for r in analysis.imports} == {2}


def test_whole_analysis_without_ipython(analyze, monkeypatch):
    """Without IPython importable, the fallback transform feeds the same analysis."""
    from jupyter_containerize.analysis import cells

    monkeypatch.setattr(cells, "_ipython_transformer", lambda: None)
    cells._parsed.cache_clear()
    try:
        analysis = analyze(
            "%matplotlib widget\n%pip install -q 'pandas<3'\n!apt-get install -y graphviz",
            "%load_ext watermark",
            "%%time\nimport yaml",
            "%%cython\nimport numpy",
            "files = !ls\nimport requests",
        )
    finally:
        cells._parsed.cache_clear()
    assert {"ipympl", "matplotlib", "pandas", "watermark", "pyyaml", "numpy", "cython", "requests"} <= names(analysis)
    assert "graphviz" in {p.name for p in analysis.system_packages}


@pytest.mark.parametrize("language", ["python3", "Python 3", "python3.11", "ipython3", "PYTHON"])
def test_python_spelled_otherwise_is_python(tmp_path, language):
    """MyST/Jupytext conversions and older exports write kernelspec.language "python3"."""
    path = write_notebook(tmp_path / "nb.ipynb", "import yaml", language=language)
    assert "pyyaml" in names(analyze_notebook(path, make_env()))


@pytest.mark.parametrize("language", ["R", "julia", "pythonista", "cpython-ish", "C++14"])
def test_other_languages_still_refused(tmp_path, language):
    path = write_notebook(tmp_path / "nb.ipynb", "x <- 1", language=language)
    with pytest.raises(NotebookInvalid, match="not Python"):
        analyze_notebook(path, make_env())

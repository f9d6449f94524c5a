"""End to end: the Analysis shape, the readable table, and what keeps it fast."""

import json

from jupyter_containerize.analysis import analyze_notebook, format_analysis_table, tables
from jupyter_containerize.models import Analysis

from .conftest import dist, make_env, write_notebook

CELLS = [
    "%matplotlib inline\nimport numpy as np\nimport pandas as pd\nimport matplotlib.pyplot as plt\nimport seaborn as sns",
    "%pip install -q 'scikit-learn>=1.3'",
    "from sklearn.model_selection import train_test_split\nfrom sklearn.linear_model import LogisticRegression",
    "df = pd.read_csv('data/sales.csv')\ndf.to_parquet('out.parquet')",
    "sns.clustermap(df.corr())",
    "df.style.background_gradient()",
    "!wget -q https://example.org/x.zip",
    "import graphviz\ngraphviz.Source('digraph{a->b}')",
]


def test_analysis_shape_and_json(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "sales.csv").write_text("a\n1\n")
    path = write_notebook(tmp_path / "report.ipynb", *CELLS)
    env = make_env(dist("numpy", "2.1.0"), dist("pandas", "2.2.3"))
    analysis = analyze_notebook(path, env, index=lambda n: None)
    assert isinstance(analysis, Analysis)
    data = json.loads(analysis.model_dump_json())
    assert data["notebook"] == "report.ipynb"
    assert data["python"] == {"version": "3.11.7", "executable": "/opt/kernel/bin/python"}
    by_name = {r["name"]: r for r in data["requirements"]}
    assert by_name["numpy"]["version"] == "2.1.0" and by_name["numpy"]["source"] == "kernel"
    assert by_name["scikit-learn"]["version"] is None
    assert by_name["scikit-learn"]["specifier"] == "scikit-learn>=1.3"
    assert {"pyarrow", "scipy", "jinja2", "matplotlib", "seaborn", "graphviz"} <= set(by_name)
    assert {p["name"] for p in data["system_packages"]} >= {"graphviz", "wget"}
    assert data["data_files"] == [{"path": "data/sales.csv", "size": 4, "large": False}]
    for record in data["imports"]:
        assert set(record) == {"module", "cell", "line", "optional", "kind", "distribution", "source"}

    table = format_analysis_table(analysis)
    assert "report.ipynb" in table and "scikit-learn" in table and "data/sales.csv" in table
    assert "System packages" in table


def test_table_without_anything(tmp_path):
    path = write_notebook(tmp_path / "empty.ipynb", "print(1)")
    table = format_analysis_table(analyze_notebook(path, make_env(), index=lambda n: None))
    assert "Requirements (0)" in table and "none" in table


def test_data_tables_are_read_once_per_process(tmp_path):
    """What keeps an analysis fast: the data tables are parsed once, not per analysis or per
    cell. (The time itself is measured by benchmarks/inference.py, not asserted here.)"""
    cells = CELLS * 8  # a 64-cell notebook
    path = write_notebook(tmp_path / "big.ipynb", *cells)
    env = make_env(dist("numpy", "2.1.0"))
    first = analyze_notebook(path, env, index=lambda n: None)
    before = tables.load.cache_info()
    again = analyze_notebook(path, env, index=lambda n: None)
    after = tables.load.cache_info()
    assert after.misses == before.misses, "a data table was read from disk again"
    assert after.hits > before.hits  # the tables were used, from memory
    assert again == first

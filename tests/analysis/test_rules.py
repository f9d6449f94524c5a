"""Every implied-need rule of the table, run on its own example (and counter-example)."""

import pytest

from jupyter_containerize.analysis.kernel import normalize
from jupyter_containerize.analysis.rules import TRIGGERS, implied_rules

RULES = implied_rules()
CONDITIONS = {"imported", "not_imported", "env", "keywords", "not_keywords", "args", "not_args"}


def test_rule_table_is_well_formed():
    ids = [r["id"] for r in RULES]
    assert len(ids) == len(set(ids))
    for rule in RULES:
        assert rule.get("needs") or rule.get("system") or rule.get("warn"), rule["id"]
        assert set(rule["when"]) <= CONDITIONS | set(TRIGGERS), rule["id"]
        assert rule.get("example"), f"{rule['id']} has no example"
        if rule.get("needs") or rule.get("system"):
            assert rule.get("why"), f"{rule['id']} adds packages without saying why"
        assert set(rule) <= {"id", "needs", "system", "warn", "why", "when", "example", "counter"}, rule["id"]


def _implied_by(rule: dict, reasons: list[str]) -> bool:
    """One of ``reasons`` is this rule's: ``implied by <trigger> (cell N): <why>``."""
    return any(r.startswith("implied by ") and r.endswith(f": {rule['why']}") for r in reasons)


def _effects(analysis, rule) -> list[str]:
    """What this rule added to ``analysis``: its needs, system packages and warning."""
    found = [f"needs {r.name}" for r in analysis.requirements if rule.get("why") and _implied_by(rule, r.reasons)]
    found += [f"system {p.name}" for p in analysis.system_packages if rule.get("why") and _implied_by(rule, p.reasons)]
    found += [f"warns {w!r}" for w in analysis.warnings if rule.get("warn") and rule["warn"] in w]
    return found


@pytest.mark.parametrize("rule", RULES, ids=[r["id"] for r in RULES])
def test_rule_example(analyze, rule):
    analysis = analyze(*rule["example"].split("\n\n"))
    requirements = {r.name: r for r in analysis.requirements}
    for need in rule.get("needs", ()):
        name = normalize(need.split("[")[0])
        assert name in requirements, (rule["id"], need, sorted(requirements))
        assert _implied_by(rule, requirements[name].reasons), (rule["id"], need, requirements[name].reasons)
        if "[" in need:  # the extra is kept: psycopg[binary], ray[tune]
            assert requirements[name].specifier == need, (rule["id"], requirements[name].specifier)
    system = {p.name: p for p in analysis.system_packages}
    for package in rule.get("system", ()):
        assert package in system, (rule["id"], package, sorted(system))
        assert _implied_by(rule, system[package].reasons), (rule["id"], package, system[package].reasons)
    if rule.get("warn"):
        assert any(rule["warn"] in w for w in analysis.warnings), (rule["id"], analysis.warnings)


@pytest.mark.parametrize("rule", [r for r in RULES if r.get("counter")], ids=lambda r: r["id"])
def test_rule_counter_example(analyze, rule):
    assert rule.get("why") or rule.get("warn"), f"{rule['id']}: nothing to tell its effects by"
    assert _effects(analyze(*rule["example"].split("\n\n")), rule), rule["id"]  # seen on the example...
    assert _effects(analyze(*rule["counter"].split("\n\n")), rule) == [], rule["id"]  # ...not on the counter


def test_implied_reason_text(analyze):
    analysis = analyze("import pandas as pd", "df = pd.read_parquet('x.parquet')")
    [pyarrow] = [r for r in analysis.requirements if r.name == "pyarrow"]
    assert pyarrow.source == "implied"
    assert pyarrow.reasons == ["implied by read_parquet (cell 2): pandas' default Parquet engine"]


def test_method_of_another_module_does_not_match(analyze):
    analysis = analyze("import pandas as pd\nimport plotly.offline as po\npo.plot(fig)")
    assert "matplotlib" not in {r.name for r in analysis.requirements}


def test_function_the_notebook_defines_does_not_match(analyze):
    analysis = analyze("import pandas as pd\ndef read_parquet(p):\n    return p\nread_parquet('x')")
    assert "pyarrow" not in {r.name for r in analysis.requirements}


def test_rules_see_local_module_code(analyze, tmp_path):
    (tmp_path / "io_helpers.py").write_text("import pandas as pd\ndef load():\n    return pd.read_excel('a.xlsx')\n")
    analysis = analyze("from io_helpers import load")
    assert {"pandas", "openpyxl"} <= {r.name for r in analysis.requirements}


def test_keras_backend_from_env(analyze):
    jax = analyze("import os\nos.environ['KERAS_BACKEND'] = 'jax'", "import keras")
    assert {"keras", "jax"} <= {r.name for r in jax.requirements}
    assert "tensorflow" not in {r.name for r in jax.requirements}
    default_backend = next(r for r in RULES if r["id"] == "keras-default-backend")
    default = analyze("import keras")
    assert _implied_by(default_backend, [x for r in default.requirements if r.name == "tensorflow" for x in r.reasons])
    with_tf = analyze("import keras\nimport tensorflow as tf")
    [tensorflow] = [r for r in with_tf.requirements if r.name == "tensorflow"]
    assert tensorflow.reasons == ["import tensorflow (cell 1)"]  # imported, not implied by the default backend

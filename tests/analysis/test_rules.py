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
        assert set(rule) <= {"id", "needs", "system", "warn", "why", "when", "example", "counter"}, rule["id"]


def _rule_effects(analysis, rule):
    texts = [reason for r in analysis.requirements for reason in r.reasons]
    texts += [reason for p in analysis.system_packages for reason in p.reasons]
    mentioned = rule.get("why") and any(rule["why"] in t for t in texts)
    warned = rule.get("warn") and any(rule["warn"] in w for w in analysis.warnings)
    return bool(mentioned or warned)


@pytest.mark.parametrize("rule", RULES, ids=[r["id"] for r in RULES])
def test_rule_example(analyze, rule):
    analysis = analyze(*rule["example"].split("\n\n"))
    found = {r.name for r in analysis.requirements}
    for need in rule.get("needs", ()):
        assert normalize(need.split("[")[0]) in found, (rule["id"], need, found)
        if "[" in need:
            specifiers = {r.specifier for r in analysis.requirements}
            assert any(s and s.startswith(need) for s in specifiers) or normalize(need.split("[")[0]) in found
    system = {p.name for p in analysis.system_packages}
    for package in rule.get("system", ()):
        assert package in system, (rule["id"], package, system)
    if rule.get("warn"):
        assert any(rule["warn"] in w for w in analysis.warnings), (rule["id"], analysis.warnings)
    if rule.get("needs"):
        reasons = [x for r in analysis.requirements for x in r.reasons if x.startswith("implied by")]
        assert reasons, rule["id"]


@pytest.mark.parametrize("rule", [r for r in RULES if r.get("counter")], ids=lambda r: r["id"])
def test_rule_counter_example(analyze, rule):
    analysis = analyze(*rule["counter"].split("\n\n"))
    assert not _rule_effects(analysis, rule), rule["id"]


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
    default = analyze("import keras")
    assert "tensorflow" in {r.name for r in default.requirements}
    with_tf = analyze("import keras\nimport tensorflow as tf")
    assert all("default TensorFlow backend" not in x for r in with_tf.requirements for x in r.reasons)

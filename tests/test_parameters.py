"""The parameters cell as papermill reads it, typed values checked against it, and the
runner arguments that give each value its type (`-p` typed, `-r` raw text); the share
lines built from them."""

from __future__ import annotations

import shlex

import pytest
import yaml

from jupyter_containerize.errors import InvalidRequest
from jupyter_containerize.runner.run import collect_parameters
from jupyter_containerize.share.parameters import check_values, parse_parameters, read_parameters, runner_parameters
from jupyter_containerize.share.sharing import share_lines

CELL = '''# Parameters
region = "all"  # which region to report
limit: int = 10
ratio = 0.5
verbose = False
regions = ["North", "South"]
options = {"a": 1}
start = None
today = datetime.date.today()
pair = (1, 2)
threshold: float = 1
x, y = 1, 2
'''


def _by_name(source: str) -> dict:
    return {p.name: p for p in parse_parameters(source)}


def test_names_defaults_types_and_help_as_papermill_reads_them():
    found = _by_name(CELL)
    assert list(found) == ["region", "limit", "ratio", "verbose", "regions", "options", "start", "today", "pair",
                           "threshold"]  # a tuple unpacking is not a parameter
    region = found["region"]
    assert (region.type, region.default, region.value, region.help) == ("str", '"all"', "all", "which region to report")
    assert (found["limit"].type, found["limit"].value) == ("int", 10)
    assert found["ratio"].type == "float" and found["verbose"].type == "bool"
    assert (found["regions"].type, found["regions"].value) == ("list", ["North", "South"])
    assert found["options"].type == "dict" and found["pair"].type == "list" and found["pair"].value == [1, 2]
    assert found["start"].type is None  # None: any value
    today = found["today"]
    assert (today.type, today.default, today.value) == (None, "datetime.date.today()", None)
    assert found["threshold"].type == "float" and found["threshold"].value == 1  # the annotation wins


def test_the_first_cell_tagged_parameters_is_read_and_a_notebook_without_one_has_none():
    notebook = {"cells": [
        {"cell_type": "markdown", "metadata": {"tags": ["parameters"]}, "source": "a = 1"},
        {"cell_type": "code", "metadata": {}, "source": ["b = 2"]},
        {"cell_type": "code", "metadata": {"tags": ["parameters"]}, "source": ["c = 3\n", "d = 'x'"]},
    ]}
    cell, found = read_parameters(notebook)
    assert cell == 3 and [p.name for p in found] == ["c", "d"]
    assert read_parameters({"cells": notebook["cells"][:2]}) == (None, [])
    assert parse_parameters("this is not python (") == []


@pytest.mark.parametrize("values,words", [
    ({"regoin": "North"}, "Unknown parameter 'regoin': the parameters of nb.ipynb are region, limit"),
    ({"region": 5}, "Parameter 'region' takes text (its default is \"all\"), not an integer: 5"),
    ({"limit": 2.5}, "'limit' takes an integer"),
    ({"limit": True}, "'limit' takes an integer (its default is 10), not a boolean: true"),
    ({"verbose": "yes"}, "'verbose' takes True or False"),
    ({"regions": "North"}, "'regions' takes a list"),
    ({"options": []}, "'options' takes an object"),
    ({"ratio": "0.5"}, "'ratio' takes a number"),
])
def test_wrong_values_are_refused_naming_the_parameter(values, words):
    with pytest.raises(InvalidRequest) as info:
        check_values(parse_parameters(CELL), values, "nb.ipynb")
    assert words in str(info.value)


def test_right_values_pass():
    values = {"region": "North", "limit": 3, "ratio": 2, "verbose": True, "regions": [], "options": {},
              "start": "2024-01-01", "today": 5}
    assert check_values(parse_parameters(CELL), values, "nb.ipynb") == values
    with pytest.raises(InvalidRequest, match="none: it has no cell tagged parameters"):
        check_values([], {"a": 1}, "nb.ipynb")


def test_each_value_reaches_the_runner_with_its_type():
    values = {"region": "North", "code": "02139", "flag": "True", "empty": "", "n": 3, "x": 0.1, "on": False,
              "none": None, "items": [1, "a"], "map": {"k": [1]}}
    typed, raw = runner_parameters(values)
    assert raw == [("code", "02139"), ("flag", "True")]  # text -p would turn into a number, a boolean
    # the runner (inside the image) types them back exactly
    assert collect_parameters(typed, {}, raw) == values


def test_share_lines_quote_every_value_and_keep_raw_text_raw():
    share = share_lines("reg.example:5000/team/nb@sha256:" + "a" * 64, "work/nb one.ipynb",
                        {"region": "North East", "code": "02139", "n": 3}, cron="@daily")
    ref = "reg.example:5000/team/nb@sha256:" + "a" * 64
    assert shlex.split(share.docker_run) == ["docker", "run", "--rm", "-v", "$PWD/out:/out", ref, "work/nb one.ipynb",
                                             "-p", "region", "North East", "-p", "n", "3", "-r", "code", "02139"]
    assert shlex.split(share.containerize_run) == ["jupyter", "containerize", "run", ref, "-p", "region",
                                                   "North East", "-p", "n", "3", "-r", "code", "02139"]
    manifest = yaml.safe_load(share.cronjob)
    assert manifest["metadata"]["name"] == "nb-one" and manifest["spec"]["schedule"] == "@daily"
    args = manifest["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]["args"]
    assert args == ["work/nb one.ipynb", "-p", "region", "North East", "-p", "n", "3", "-r", "code", "02139"]
    plain = share_lines(ref, "nb.ipynb", {})
    assert plain.docker_run == f'docker run --rm -v "$PWD/out:/out" {ref}' and plain.cronjob is None
    with pytest.raises(InvalidRequest, match="cron"):
        share_lines(ref, "nb.ipynb", {}, cron="now and then")
    with pytest.raises(InvalidRequest, match="not a valid Kubernetes name"):
        share_lines(ref, "nb.ipynb", {}, cron="@daily", name="Not_Valid")

import pytest

from jupyter_containerize.errors import InvalidTag
from jupyter_containerize.tags import default_tag, slug, validate_tag


@pytest.mark.parametrize("ref,expected", [
    ("sales", "sales:latest"),
    ("sales:v1", "sales:v1"),
    ("127.0.0.1:5000/team/sales-report:3f2a", "127.0.0.1:5000/team/sales-report:3f2a"),
    ("ghcr.io/me/a_b__c:1.0-rc", "ghcr.io/me/a_b__c:1.0-rc"),
])
def test_valid_references(ref, expected):
    assert validate_tag(ref) == expected


@pytest.mark.parametrize("ref", ["", "Sales:1", "sales:", "sales::1", "-sales", "sales:-x", "a b",
                                 "sales;rm -rf /", "sales:" + "x" * 129, "a/../b"])
def test_invalid_references(ref):
    with pytest.raises(InvalidTag):
        validate_tag(ref)


def test_default_tag_from_notebook_and_lock():
    tag = default_tag("{notebook}:{lock}", notebook="Sales Report (2026)", lock_digest="ab" * 32,
                      registry="127.0.0.1:5000/team/")
    assert tag == "127.0.0.1:5000/team/sales-report-2026:abababababab"
    assert slug("___") == "notebook"

import pytest

from jupyter_containerize.errors import InvalidTag
from jupyter_containerize.tags import default_tag, name_hash, slug, validate_tag


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
    assert tag == f"127.0.0.1:5000/team/sales-report-2026-{name_hash('Sales Report (2026)')}:abababababab"


def test_slugs_of_different_names_differ():
    """Names that slug to the same text (finding 15) get tags of their own."""
    names = ["---", "ノート 📓", "___", "a b", "a-b", "A-B", "x" * 300, "x" * 301]
    slugs = [slug(n) for n in names]
    assert len(set(slugs[:5])) == 5
    assert slug("a-b") == "a-b" and slug("Sales-Report") == "sales-report"  # already slugs: unchanged
    assert slug("A-B") == slug("a-b")  # case alone does not count
    assert slugs[-2] != slugs[-1] and all(len(s) <= 64 + 9 for s in slugs)
    assert slug("---").startswith("notebook-") and slug("ノート 📓").startswith("notebook-")
    for s in slugs:
        validate_tag(f"{s}:1")


def test_name_hash_is_fnv1a():
    assert name_hash("") == "811c9dc5" and name_hash("a") == "e40c292c"

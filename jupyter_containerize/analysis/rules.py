"""Implied needs: data-driven rules (``data/implied.json``) over what the code does.

A rule fires when all its conditions hold (``imported``, ``not_imported``, ``env``) and at
least one trigger matches (``calls``, ``qualnames``, ``attributes``, ``imports``,
``magics``, ``cell_magics``, ``strings``). It then adds its ``needs`` (PyPI
distributions) and ``system`` (Debian packages), each with the reason
``implied by <trigger> (cell N)``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fnmatch import fnmatchcase
from functools import cache

from .facts import Call, CellFacts
from .tables import load


@dataclass(frozen=True)
class Hit:
    rule: dict
    trigger: str
    cell: int


@dataclass
class Context:
    cells: list[tuple[int, CellFacts]]
    imported: set[str]  # top-level modules imported anywhere (incl. local modules' code)
    environ: dict[str, str]


def implied_rules() -> list[dict]:
    return load("implied.json")["rules"]


@cache
def _regex(pattern: str) -> re.Pattern:
    return re.compile(pattern)


def _keywords_match(wanted: dict, call: Call) -> bool:
    for key, value in wanted.items():
        if key not in call.keywords:
            return False
        actual = call.keywords[key]
        if value is True:
            if actual in (False, None, 0, ""):
                return False
        elif isinstance(value, list):
            if actual not in value:
                return False
        elif isinstance(value, str) and value.startswith("re:"):
            if not isinstance(actual, str) or not _regex(value[3:]).search(actual):
                return False
        elif actual != value:
            return False
    return True


def _call_matches(when: dict, call: Call, imported_rule: list[str] | None) -> bool:
    if call.name not in when["calls"]:
        return False
    if call.method:
        if call.receiver is not None and imported_rule and call.receiver.split(".")[0] not in imported_rule:
            return False  # e.g. plotly.offline.plot is not pandas' .plot
    else:
        if call.qualname is None:
            return False  # a function the notebook defines itself
        if imported_rule and call.qualname.split(".")[0] not in imported_rule:
            return False
    if "keywords" in when and not _keywords_match(when["keywords"], call):
        return False
    if "not_keywords" in when and any(_keywords_match({k: v}, call) for k, v in when["not_keywords"].items()):
        return False
    texts = list(call.strings) + [v for v in call.keywords.values() if isinstance(v, str)]
    if "args" in when and not any(_regex(when["args"]).search(t) for t in texts):
        return False
    if "not_args" in when and any(_regex(when["not_args"]).search(t) for t in texts):
        return False
    return True


def _conditions(rule: dict, ctx: Context) -> bool:
    when = rule["when"]
    if "imported" in when and not ctx.imported.intersection(when["imported"]):
        return False
    if "not_imported" in when and ctx.imported.intersection(when["not_imported"]):
        return False
    for key, pattern in (when.get("env") or {}).items():
        value = ctx.environ.get(key)
        if pattern is None:
            if value is not None:
                return False
        elif value is None or not _regex(pattern).search(value):
            return False
    return True


def _first_trigger(rule: dict, ctx: Context) -> Hit | None:
    when = rule["when"]
    implicit = not any(k in when for k in TRIGGERS)
    if implicit and "imported" in when:
        when = {**when, "imports": when["imported"]}  # the import itself is the trigger
    imported_rule = when.get("imported")
    for index, facts in ctx.cells:
        if "calls" in when:
            for call in facts.calls:
                if _call_matches(when, call, imported_rule):
                    return Hit(rule, call.name, index)
        if "qualnames" in when:
            for name in sorted(facts.names | {c.qualname for c in facts.calls if c.qualname}):
                if any(fnmatchcase(name, p) for p in when["qualnames"]):
                    return Hit(rule, name, index)
        if "attributes" in when:
            for attr, receiver, _ in facts.attributes:
                if attr in when["attributes"] and receiver is None:
                    return Hit(rule, f".{attr}", index)
        if "imports" in when:
            for found in facts.imports:
                if found.level == 0 and any(
                    found.module == m or found.module.startswith(m + ".") for m in when["imports"]
                ):
                    return Hit(rule, f"import {found.module}", index)
                for name in found.names:
                    full = f"{found.module}.{name}"
                    if found.level == 0 and full in when["imports"]:
                        return Hit(rule, f"import {full}", index)
        if "magics" in when:
            for magic in facts.magics:
                pattern = when["magics"].get(magic.name) if magic.kind == "line" else None
                if pattern is not None and _regex(pattern).search(magic.args):
                    return Hit(rule, f"%{magic.name} {magic.args}".strip(), index)
        if "cell_magics" in when:
            for magic in facts.magics:
                if magic.kind == "cell" and magic.name in when["cell_magics"]:
                    return Hit(rule, f"%%{magic.name}", index)
        if "strings" in when:
            for text, _ in facts.strings:
                if _regex(when["strings"]).search(text):
                    return Hit(rule, repr(text if len(text) < 40 else text[:37] + "..."), index)
    if implicit and "imported" in when:  # imported only by local modules' code
        return Hit(rule, "import " + "/".join(sorted(ctx.imported.intersection(when["imported"]))), 0)
    return None


TRIGGERS = ("calls", "qualnames", "attributes", "imports", "magics", "cell_magics", "strings")


def apply_rules(ctx: Context, rules: list[dict] | None = None) -> list[Hit]:
    hits = []
    for rule in rules if rules is not None else implied_rules():
        if not _conditions(rule, ctx):
            continue
        hit = _first_trigger(rule, ctx)
        if hit is not None:
            hits.append(hit)
    return hits


def reason(hit: Hit) -> str:
    where = f" (cell {hit.cell})" if hit.cell else ""
    why = hit.rule.get("why")
    return f"implied by {hit.trigger}{where}" + (f": {why}" if why else "")

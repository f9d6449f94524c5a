"""What a user may add, remove or mark as a package: PEP 508 requirements by name.

A spec typed in the sidebar, sent to the REST API or given to ``--add`` is checked before a
build is accepted, so that a bad one is a 400 naming it, not a failure deep in the lock:
no pip options (``--index-url ...``, ``-r FILE``), no line breaks, no direct references
(``name @ URL``: the lock pins by version and hash from the configured indexes; a package
that only exists as a URL is installed into the kernel instead, and the lock then ships the
wheel built from it).
"""

from __future__ import annotations

import re

from packaging.requirements import InvalidRequirement, Requirement

from .redact import redact

MAX_SPEC = 500
_NAME = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$")


def check_spec(spec: str) -> str:
    """``spec`` stripped, when it is a requirement this product can lock; else ValueError
    (whose message shows the spec with its credentials removed)."""
    text = spec.strip() if isinstance(spec, str) else ""
    shown = redact(text)
    if not text:
        raise ValueError("an empty package spec")
    if len(text) > MAX_SPEC:
        raise ValueError(f"a package spec longer than {MAX_SPEC} characters")
    if any(ch in text for ch in "\r\n\x00"):
        raise ValueError(f"{shown!r} holds a line break: give one package per spec")
    if text.startswith("-"):
        raise ValueError(f"{shown!r} is a pip option, not a package: index URLs and requirement files come "
                         "from the host's pip configuration, not from the build request")
    try:
        requirement = Requirement(text)
    except InvalidRequirement as exc:
        raise ValueError(f"{shown!r} is not a package spec (e.g. rich or rich==13.7.1): {redact(str(exc))}") from None
    if requirement.url:
        raise ValueError(f"{shown!r} is a direct reference (name @ URL), which the lock cannot pin by hash from "
                         "an index: install it into the kernel instead (the lock then ships the wheel built "
                         "from it), or add the package by name and version")
    return text


def check_name(name: str) -> str:
    """A distribution name (to remove, or to mark optional); else ValueError."""
    if not isinstance(name, str) or not _NAME.match(name.strip()):
        raise ValueError(f"{name!r} is not a distribution name")
    return name.strip()

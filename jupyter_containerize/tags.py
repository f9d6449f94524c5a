"""Image references: validation against Docker's reference grammar, and default tags."""

from __future__ import annotations

import re

from .errors import InvalidTag

# After distribution/reference: [domain/]path-component(/path-component)*[:tag]
_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_LABEL = r"[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?"
_DOMAIN = rf"(?:{_LABEL}(?:\.{_LABEL})*(?::[0-9]+)?|\[[0-9a-fA-F:]+\](?::[0-9]+)?)"
_TAG = r"[\w][\w.-]{0,127}"
_DIGEST = r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}"
REFERENCE = re.compile(rf"^(?:(?P<domain>{_DOMAIN})/)?(?P<path>{_COMPONENT}(?:/{_COMPONENT})*)(?::(?P<tag>{_TAG}))?$")
IMAGE_REFERENCE = re.compile(
    rf"^(?:(?P<domain>{_DOMAIN})/)?(?P<path>{_COMPONENT}(?:/{_COMPONENT})*)(?::(?P<tag>{_TAG}))?(?:@(?P<digest>{_DIGEST}))?$")


def validate_tag(reference: str) -> str:
    """Return ``reference`` when it is a valid image reference with a tag, else raise."""
    match = REFERENCE.fullmatch(reference or "")
    if not match:
        raise InvalidTag(
            f"{reference!r} is not a valid image reference: use lowercase letters, digits and "
            "separators (. _ -), optionally a registry host and a :tag"
        )
    path = match.group("path")
    # A first component with a dot or port is a domain only when a slash follows it.
    if len(reference) > 255 or len(path) > 255:
        raise InvalidTag(f"{reference!r} is longer than 255 characters")
    return reference if match.group("tag") else f"{reference}:latest"


def validate_image_reference(reference: str) -> str:
    """``reference`` when it names an image to pull (``[registry/]path[:tag][@digest]``),
    as a base image does; else InvalidTag. Nothing else may stand after ``FROM``."""
    if not isinstance(reference, str) or len(reference) > 512 or not IMAGE_REFERENCE.fullmatch(reference):
        raise InvalidTag(f"{reference!r} is not a valid image reference: [registry/]name[:tag][@sha256:...], "
                         "lowercase name")
    return reference


MAX_SLUG = 64


def name_hash(text: str) -> str:
    """8 hex digits of FNV-1a (32 bit) over the UTF-8 bytes of ``text``: the same in the
    browser (``src/tags.ts``), so the sidebar previews the tag the server makes."""
    value = 0x811C9DC5
    for byte in text.encode("utf-8"):
        value = ((value ^ byte) * 0x01000193) & 0xFFFFFFFF
    return f"{value:08x}"


def slug(text: str) -> str:
    """A valid path component made from any text (a notebook's file name). A name that is
    not already one (other than by case) gets a hash of it, so that ``---`` and ``ノート 📓``
    do not share a tag; long names are cut to fit a reference."""
    value = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    lossless = value == text.lower() and len(value) <= MAX_SLUG
    value = value[:MAX_SLUG].rstrip("-") or "notebook"
    return value if lossless else f"{value}-{name_hash(text)}"


def default_tag(template: str, *, notebook: str, lock_digest: str, registry: str = "") -> str:
    """Fill the tag template: ``{notebook}`` (slug of the file name), ``{lock}`` (12 hex);
    other text, braces included, is kept as it is (and then has to be a valid reference)."""
    prefix = registry.strip().rstrip("/") + "/" if registry and registry.strip() else ""
    filled = template.replace("{notebook}", slug(notebook)).replace("{lock}", lock_digest[:12])
    return validate_tag(prefix + filled)


def validate_template(template: str, *, registry: str = "") -> str:
    """Check a tag that may hold ``{notebook}`` / ``{lock}`` before the lock exists."""
    default_tag(template, notebook="notebook", lock_digest="0" * 12, registry=registry)
    return template

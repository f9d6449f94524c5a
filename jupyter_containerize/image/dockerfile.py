"""The single point where values become Dockerfile text.

Names reach a Dockerfile from places nobody audited: a notebook's file name, a base image
typed in a request, a git remote, a ``!apt-get install`` line. A newline in any of them would
start a new instruction. So every template is rendered here, through one Jinja environment
whose ``finalize`` refuses any value holding a line break or another control character, and
filters that write each value in the grammar of its place:

- ``json``: exec-form arguments (``CMD``/``ENTRYPOINT``), JSON-escaped;
- ``quoted``: a ``LABEL``/``ENV`` value in double quotes (``\\``, ``"`` and ``$`` escaped);
- ``comment``: free text in a comment, control characters replaced;
- ``image``: an image reference (checked against the reference grammar);
- ``debian``: a Debian package name.
"""

from __future__ import annotations

import functools
import json
import re
from importlib import resources
from typing import TYPE_CHECKING

from ..errors import InvalidRequest
from ..tags import validate_image_reference

if TYPE_CHECKING:
    import jinja2

# C0 controls, DEL, C1 controls and the Unicode line/paragraph separators
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_DEBIAN = re.compile(r"^[a-z0-9][a-z0-9+.-]+$")
_PYTHON_MINOR = re.compile(r"^[0-9]+\.[0-9]+$")


class UnsafeValue(InvalidRequest):
    reason = "Value not allowed in a Dockerfile"


def check_text(value: str, what: str) -> str:
    """``value`` when it holds no line break or control character, else UnsafeValue."""
    found = _CONTROL.search(value)
    if found:
        raise UnsafeValue(f"{what} {value!r} holds a control character ({found.group()!r}); "
                          "rename it without line breaks or control characters")
    return value


def _finalize(value):
    if isinstance(value, str):
        check_text(value, "The value")
    return value


def _quoted(value: object) -> str:
    text = check_text(str(value), "The label or environment value")
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("$", "\\$") + '"'


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=True)


def _comment(value: object) -> str:
    return _CONTROL.sub("?", str(value))


def _image(value: object) -> str:
    return validate_image_reference(str(value))


def _debian(value: object) -> str:
    if not _DEBIAN.match(str(value)):
        raise UnsafeValue(f"{value!r} is not a Debian package name")
    return str(value)


def _python_minor(value: object) -> str:
    if not _PYTHON_MINOR.match(str(value)):
        raise UnsafeValue(f"{value!r} is not a Python version (major.minor)")
    return str(value)


@functools.lru_cache(maxsize=None)
def _environment() -> jinja2.Environment:
    import jinja2  # only when a Dockerfile is rendered (a rebuild often renders none)

    environment = jinja2.Environment(undefined=jinja2.StrictUndefined, keep_trailing_newline=True,
                                     autoescape=False, finalize=_finalize)
    environment.filters.update(json=_json, quoted=_quoted, comment=_comment, image=_image, debian=_debian,
                               python_minor=_python_minor)
    return environment


def template_text(name: str) -> str:
    return resources.files(__package__).joinpath(name).read_text()


@functools.lru_cache(maxsize=None)
def _template(name: str) -> jinja2.Template:
    return _environment().from_string(template_text(name))


def render(name: str, **values) -> str:
    """Render the template file ``name`` (beside this module) with ``values``."""
    return _template(name).render(**values)

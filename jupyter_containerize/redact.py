"""Remove credentials from text before it leaves the core: HTTP replies, the job store and
its events, the CLI's output, the server log and the image's labels.

:func:`redact` handles one string; :func:`redact_model` every string of a model (what the
handlers and the CLI print); :class:`RedactingFilter` the records of a logger. What goes:

- URL userinfo (``scheme://user:password@host``, also when the password holds ``@`` or ``/``),
- credentials in query strings (``?token=``, ``access_token``, ``api_key``, ``sig``,
  ``X-Amz-Signature``, ``X-Amz-Credential``...: any parameter whose name ends in one of
  :data:`_QUERY_NAMES`, case-insensitive),
- tokens with a well-known prefix anywhere (GitHub ``ghp_``/``github_pat_``, GitLab
  ``glpat-``, Hugging Face ``hf_``, PyPI ``pypi-``, Slack ``xox?-``, npm ``npm_``, OpenAI
  ``sk-``, Google ``AIza``, AWS ``AKIA``/``ASIA``...),
- URL path segments that look random: 16+ letters and digits, mixed case, changing between
  upper case, lower case and digits at least every third character (a Gemfury
  ``https://pypi.fury.io/TOKEN/user/``). Hex digests (``sha256:...``, image ids, lock
  digests) are one case only and wheel file names hold ``-``/``.``: they stay readable.

It runs on every log line, so each rule is guarded by a cheap substring test.
"""

from __future__ import annotations

import enum
import logging
import re
import sys
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:  # pydantic is imported by whoever makes models, not to redact text
    from pydantic import BaseModel

MASK = "***"

_TOKEN = re.compile(
    r"(?<![A-Za-z0-9_-])(?:"
    r"gh[pousr]_[A-Za-z0-9]{30,}"
    r"|github_pat_[A-Za-z0-9_]{22,}"
    r"|glpat-[A-Za-z0-9_-]{20,}"
    r"|hf_[A-Za-z0-9]{30,}"
    r"|pypi-[A-Za-z0-9_-]{40,}"
    r"|xox[abposr]-[A-Za-z0-9-]{10,}"
    r"|npm_[A-Za-z0-9]{36}"
    r"|sk-(?:proj-|ant-)?[A-Za-z0-9_-]{32,}"
    r"|AIza[0-9A-Za-z_-]{35}"
    r"|(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z0-9]{16}"
    r")(?![A-Za-z0-9])"
)
# a cheap first test: every prefix above holds one of these
_TOKEN_HINTS = ("gh", "_pat_", "glpat-", "hf_", "pypi-", "xox", "npm_", "sk-", "AIza", "A")

_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s'\"<>`]+")
_PORT = re.compile(r"\d*")

_QUERY_NAMES = (
    "token", "secret", "password", "passwd", "pwd", "pass", "apikey", "api_key", "api-key", "key",
    "sig", "signature", "credential", "credentials", "auth", "authorization",
)
_QUERY = re.compile(
    r"(?i)(?<=[?&;])((?:[a-z0-9_.-]*[_.-])?(?:" + "|".join(map(re.escape, _QUERY_NAMES)) + r")=)[^&#\s'\"<>]+"
)
_SEGMENT = re.compile(r"(?<=/)[A-Za-z0-9]{16,}(?=[/?#]|$)")


def _random_segment(segment: str) -> bool:
    if segment.islower() or segment.isupper() or segment.isdigit() or not segment.isascii():
        return False  # hex digests, plain names, numbers
    kinds = ["u" if c.isupper() else "l" if c.islower() else "d" for c in segment]
    changes = sum(a != b for a, b in zip(kinds, kinds[1:]))
    return changes * 3 >= len(segment)


def _segment(match: re.Match) -> str:
    return MASK if _random_segment(match.group(0)) else match.group(0)


def _split(rest: str) -> int:
    """Where the authority of ``rest`` (a URL after its ``scheme://``) ends."""
    cut = len(rest)
    for sep in "/?#":
        at = rest.find(sep, 0, cut)
        if at != -1:
            cut = at
    return cut


def _userinfo_end(rest: str) -> int:
    """The index of the ``@`` that ends the userinfo of ``rest``, or -1."""
    cut = _split(rest)
    at = rest.rfind("@", 0, cut)  # user:p@ss@host: the host follows the last @
    if at != -1:
        return at
    authority = rest[:cut]
    if ":" in authority and not authority.startswith("[") and not _PORT.fullmatch(authority.split(":", 1)[1]):
        return rest.find("@", cut)  # user:pa/ss@host: "host:" and no port can only be a password
    return -1


def _url(match: re.Match) -> str:
    url = match.group(0)
    scheme_end = url.index("://") + 3
    rest = url[scheme_end:]
    at = _userinfo_end(rest)
    if at != -1:
        rest = rest[at + 1:]
    cut = _split(rest)
    authority, tail = rest[:cut], rest[cut:]
    if len(tail) > 16:
        path_end = len(tail)
        for sep in "?#":
            found = tail.find(sep, 0, path_end)
            if found != -1:
                path_end = found
        tail = _SEGMENT.sub(_segment, tail[:path_end]) + tail[path_end:]
    return url[:scheme_end] + (MASK + "@" if at != -1 else "") + authority + tail


def redact(text: str, secrets: tuple[str, ...] = ()) -> str:
    """``text`` without the credentials it holds (and without each of ``secrets``)."""
    if not text:
        return text
    if "://" in text:
        text = _URL.sub(_url, text)
    if "=" in text:
        text = _QUERY.sub(r"\1" + MASK, text)
    if any(hint in text for hint in _TOKEN_HINTS):
        text = _TOKEN.sub(MASK, text)
    for secret in secrets:
        if secret:
            text = text.replace(secret, MASK)
    return text


def _walk(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value
    if isinstance(value, str):
        return redact(value)
    if _is_model(value):
        return value.model_copy(update={name: _walk(getattr(value, name)) for name in type(value).model_fields})
    if isinstance(value, dict):
        return {_walk(k): _walk(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_walk(v) for v in value)
    return value


def _is_model(value: Any) -> bool:
    pydantic = sys.modules.get("pydantic")  # no model exists before pydantic is imported
    return pydantic is not None and isinstance(value, pydantic.BaseModel)


M = TypeVar("M", bound="BaseModel")


def redact_model(model: M) -> M:
    """A copy of ``model`` with every string in it (keys too) redacted: what leaves the
    core is serialised from this (REST replies, the job store, the CLI's JSON). The copy is
    not validated again: a redacted value need not follow its field's grammar."""
    return _walk(model)


class RedactingFilter(logging.Filter):
    """A logging filter that redacts a record's message and its traceback text."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


def redact_logs(*loggers: logging.Logger) -> None:
    """Redact every record of ``loggers`` (once per logger)."""
    for logger in loggers:
        if not any(isinstance(f, RedactingFilter) for f in logger.filters):
            logger.addFilter(RedactingFilter())

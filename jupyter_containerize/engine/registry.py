"""Image references and registry answers: the repository part of a tag, and a push error
turned into a message that says what to do (401, 403, unreachable)."""

from __future__ import annotations

import re

from ..errors import PullFailed, PushFailed
from ..redact import redact

_UNAUTHORISED = re.compile(r"unauthori[sz]ed|authentication required|no basic auth credentials|401", re.I)
_FORBIDDEN = re.compile(r"denied|forbidden|403", re.I)
_UNREACHABLE = re.compile(r"connection refused|no such host|dial tcp|i/o timeout|server gave HTTP response"
                          r"|connection reset|network is unreachable|TLS handshake", re.I)


def repository_of(tag: str) -> str:
    """``host:5000/team/name:tag`` -> ``host:5000/team/name`` (a port is not a tag)."""
    head, sep, tail = tag.rpartition(":")
    return head if sep and "/" not in tail else tag


def registry_of(tag: str) -> str:
    first, sep, _ = tag.partition("/")
    if sep and ("." in first or ":" in first or first == "localhost"):
        return first
    return "docker.io"


def push_error(tag: str, message: str) -> PushFailed:
    message = redact((message or "unknown error").strip())
    registry = registry_of(tag)
    if _UNAUTHORISED.search(message):
        return PushFailed(f"401 Unauthorized: {registry} refused to let us push {tag} without valid "
                          f"credentials; run `docker login {registry}` ({message})")
    if _FORBIDDEN.search(message):
        return PushFailed(f"403 Forbidden: the credentials for {registry} may not push to "
                          f"{repository_of(tag)} ({message})")
    if _UNREACHABLE.search(message):
        return PushFailed(f"Registry {registry} is unreachable ({message})")
    return PushFailed(f"Pushing {tag} failed: {message}")


def pull_error(reference: str, message: str) -> PullFailed:
    message = redact((message or "unknown error").strip())
    registry = registry_of(reference)
    if _UNAUTHORISED.search(message) or _FORBIDDEN.search(message):
        return PullFailed(f"{registry} refused to let us pull {reference}: run `docker login {registry}` "
                          f"with credentials that may read it ({message})")
    if _UNREACHABLE.search(message):
        return PullFailed(f"Registry {registry} is unreachable ({message})")
    if "not found" in message.lower() or "manifest unknown" in message.lower():
        return PullFailed(f"{registry} has no image {reference} ({message})")
    return PullFailed(f"Pulling {reference} failed: {message}")

"""Domain errors. The core raises these; the HTTP layer maps each to one status code
(``status``) in a single place, and the CLI prints the message and exits non-zero."""

from __future__ import annotations


class ContainerizeError(Exception):
    """Base of every error the core reports to a user. The message names the cause."""

    status = 500
    reason = "Containerize error"


class InvalidRequest(ContainerizeError):
    status = 400
    reason = "Bad request"


class NotebookInvalid(InvalidRequest):
    reason = "Malformed notebook"


class InvalidTag(InvalidRequest):
    reason = "Invalid image tag"


class RequestTooLarge(ContainerizeError):
    status = 413
    reason = "Request body too large"


class SecretsFound(InvalidRequest):
    reason = "Possible secrets in the image"


class PathOutsideRoot(ContainerizeError):
    status = 403
    reason = "Path outside the server root"


class NotFound(ContainerizeError):
    status = 404
    reason = "Not found"


class NotebookNotFound(NotFound):
    reason = "Notebook not found"


class KernelNotFound(NotFound):
    reason = "Kernel not found"


class BuildNotFound(NotFound):
    reason = "Build not found"


class RunNotFound(NotFound):
    reason = "Run not found"


class ImageNotFound(NotFound):
    reason = "Image not found"


class InterpreterError(InvalidRequest):
    reason = "Unusable interpreter"


class Conflict(ContainerizeError):
    status = 409
    reason = "Conflict"


class LockError(ContainerizeError):
    status = 422
    reason = "Cannot lock the environment"


class EngineUnavailable(ContainerizeError):
    status = 503
    reason = "Container engine unavailable"


class ImageBuildFailed(ContainerizeError):
    status = 500
    reason = "Image build failed"


class PushFailed(ContainerizeError):
    status = 502
    reason = "Push failed"


class PullFailed(ContainerizeError):
    status = 502
    reason = "Pull failed"


class NoSpace(ContainerizeError):
    status = 507
    reason = "No space left"


class Cancelled(ContainerizeError):
    status = 409
    reason = "Cancelled"


class TimedOut(ContainerizeError):
    """A command or a request to a server (e.g. the package index) took longer than its
    limit; the message names what and the limit."""

    status = 504
    reason = "Timed out"


class RunFailed(ContainerizeError):
    """A run of an image ended with a failing cell or status (the message names it)."""

    status = 422
    reason = "The notebook failed"


class VerifyFailed(ContainerizeError):
    status = 422
    reason = "The image does not run the notebook"


class DataFetchFailed(ContainerizeError):
    """A URL or nltk package asked to be fetched at build time could not be fetched."""

    status = 502

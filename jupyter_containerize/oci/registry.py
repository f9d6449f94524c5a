"""A client of the OCI distribution API: the part a builder needs, and nothing else.

Manifests (get, put), blobs (exists, get, upload, cross-repository mount) and tags, with:

- authentication as registries ask for it: ``Basic``, or ``Bearer`` tokens from the realm the
  registry names (anonymous, or with the Docker configuration's credentials), one token per
  scope, asked again when it expires;
- retries with backoff on 429 (honouring ``Retry-After``), 5xx and broken connections; a
  blob upload starts again from its first byte, a manifest is put only after its blobs;
- cancel (checked between requests and between the chunks of an upload) and timeouts;
- errors that name the registry and what it answered, never a credential.

Built on ``requests`` (see the note in the README on why not oras-py or python-dxf).
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Callable, Iterable, Iterator, Optional

import requests

from ..errors import Cancelled, ContainerizeError
from ..redact import redact
from .credentials import Credentials
from .reference import is_insecure

RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
MANIFEST_TYPES = (
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.docker.distribution.manifest.v2+json",
)
_CHALLENGE = re.compile(r'(\w+)="([^"]*)"')
SYSTEM_CA = "/etc/ssl/certs/ca-certificates.crt"


class RegistryError(ContainerizeError):
    """A registry answered with an error (``status``) or could not be reached (``None``)."""

    status = 502
    reason = "Registry error"

    def __init__(self, message: str, registry: str, http_status: Optional[int] = None):
        super().__init__(message)
        self.registry, self.http_status = registry, http_status


@dataclass
class RetryPolicy:
    delays: tuple[float, ...] = (0.5, 1.0, 2.0, 4.0)  # waits before the 2nd, 3rd... attempt
    max_retry_after: float = 30.0

    def attempts(self) -> int:
        return len(self.delays) + 1


@dataclass
class RegistryClient:
    registry: str  # host[:port], as in references (docker.io is spoken to at registry-1.docker.io)
    api_host: str
    credentials: Optional[Credentials] = None
    insecure: tuple[str, ...] = ()
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    timeout: tuple[float, float] = (10.0, 120.0)  # connect, read (one socket operation)
    cancelled: Optional[threading.Event] = None
    on_retry: Callable[[str], None] = lambda message: None

    def __post_init__(self) -> None:
        self.scheme = "http" if is_insecure(self.registry, self.insecure) else "https"
        self.session = requests.Session()
        bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("SSL_CERT_FILE")
        if bundle or os.path.isfile(SYSTEM_CA):  # the host's CAs (a TLS-intercepting proxy's too)
            self.session.verify = bundle or SYSTEM_CA
        self._tokens: dict[str, str] = {}
        self._basic = False

    # -- the API ----------------------------------------------------------------------------
    def get_manifest(self, repository: str, ref: str) -> tuple[bytes, str, str]:
        """(bytes, media type, digest) of a manifest or an index."""
        response = self._request("GET", f"/v2/{repository}/manifests/{ref}", repository, "pull",
                                 headers={"Accept": ", ".join(MANIFEST_TYPES)})
        data = response.content
        digest = f"sha256:{hashlib.sha256(data).hexdigest()}"
        if ref.startswith("sha256:") and ref != digest:
            raise RegistryError(f"{self.registry} sent a manifest for {repository}@{ref} whose digest is {digest}",
                                self.registry)
        media_type = response.headers.get("Content-Type", "").split(";")[0].strip()
        return data, media_type, digest

    def put_manifest(self, repository: str, ref: str, data: bytes, media_type: str) -> str:
        self._request("PUT", f"/v2/{repository}/manifests/{ref}", repository, "pull,push",
                      headers={"Content-Type": media_type}, data=lambda: data, expect=(201,))
        return f"sha256:{hashlib.sha256(data).hexdigest()}"

    def blob_exists(self, repository: str, digest: str) -> bool:
        response = self._request("HEAD", f"/v2/{repository}/blobs/{digest}", repository, "pull",
                                 expect=(200, 404))
        return response.status_code == 200

    def get_blob(self, repository: str, digest: str) -> Iterator[bytes]:
        """The blob's bytes, streamed (the caller checks the digest: see ``BlobCache.put``)."""
        response = self._request("GET", f"/v2/{repository}/blobs/{digest}", repository, "pull", stream=True)
        try:
            for chunk in response.iter_content(1 << 20):
                self._check_cancel()
                yield chunk
        except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError) as exc:
            raise RegistryError(f"The download of {digest[:19]} from {self.registry} broke off: "
                                f"{redact(str(exc))}", self.registry) from None
        finally:
            response.close()

    def mount_blob(self, repository: str, digest: str, source: str) -> bool:
        """Ask the registry to link ``digest`` from ``source`` into ``repository`` (no upload);
        False when it would rather have it uploaded."""
        response = self._request("POST", f"/v2/{repository}/blobs/uploads/", repository, "pull,push",
                                 params={"mount": digest, "from": source}, expect=(201, 202),
                                 extra_scope=f"repository:{source}:pull", data=lambda: b"")
        if response.status_code == 202:  # an upload session was opened instead: close it
            location = response.headers.get("Location")
            if location:
                try:
                    self._request("DELETE", location, repository, "pull,push", expect=(200, 202, 204, 404, 405))
                except RegistryError:
                    pass
        return response.status_code == 201

    def upload_blob(self, repository: str, digest: str, size: int, chunks: Callable[[], Iterable[bytes]]) -> None:
        """Upload a blob of ``size`` bytes; ``chunks`` gives its bytes from the start (called
        again when the upload has to start over)."""
        def attempt() -> requests.Response:
            started = self._request("POST", f"/v2/{repository}/blobs/uploads/", repository, "pull,push",
                                    expect=(202,), data=lambda: b"", retry=False)
            location = started.headers.get("Location")
            if not location:
                raise RegistryError(f"{self.registry} opened an upload without a Location", self.registry)
            separator = "&" if "?" in location else "?"
            return self._request("PUT", f"{location}{separator}digest={digest}", repository, "pull,push",
                                 expect=(201,), data=lambda: _Body(chunks(), size, self._check_cancel),
                                 headers={"Content-Type": "application/octet-stream",
                                          "Content-Length": str(size)}, retry=False)

        self._with_retries(attempt, f"uploading {digest[:19]}")

    def tags(self, repository: str) -> list[str]:
        found: list[str] = []
        path: Optional[str] = f"/v2/{repository}/tags/list?n=1000"
        while path:
            response = self._request("GET", path, repository, "pull", expect=(200, 404))
            if response.status_code == 404:
                return []
            found += (response.json() or {}).get("tags") or []
            link = response.headers.get("Link", "")
            match = re.search(r"<([^>]+)>", link)
            path = match.group(1) if match else None
        return found

    # -- requests ---------------------------------------------------------------------------
    def _url(self, path: str) -> str:
        return path if path.startswith(("http://", "https://")) else f"{self.scheme}://{self.api_host}{path}"

    def _check_cancel(self) -> None:
        if self.cancelled is not None and self.cancelled.is_set():
            raise Cancelled(f"Talking to {self.registry}: cancelled")

    def _request(self, method: str, path: str, repository: str, actions: str, *, expect=(200,),
                 headers: Optional[dict] = None, data: Optional[Callable] = None, params=None, stream=False,
                 extra_scope: str = "", retry: bool = True) -> requests.Response:
        scope = " ".join(filter(None, [f"repository:{repository}:{actions}", extra_scope]))

        def once() -> requests.Response:
            self._check_cancel()
            response = self._send(method, path, scope, headers, data, params, stream)
            if response.status_code == 401:
                self._authenticate(response, scope)
                response = self._send(method, path, scope, headers, data, params, stream)
            if response.status_code not in expect:
                raise self._error(method, path, response)
            return response

        return self._with_retries(once, f"{method} {_short(path)}") if retry else once()

    def _send(self, method, path, scope, headers, data, params, stream) -> requests.Response:
        all_headers = dict(headers or {})
        token = self._tokens.get(scope)
        if token:
            all_headers["Authorization"] = f"Bearer {token}"
        auth = (self.credentials.username, self.credentials.secret) if self._basic and self.credentials else None
        try:
            return self.session.request(method, self._url(path), headers=all_headers, params=params, stream=stream,
                                        data=data() if data else None, auth=auth, timeout=self.timeout,
                                        allow_redirects=True)
        except requests.exceptions.SSLError as exc:
            raise RegistryError(f"Registry {self.registry}: TLS failed ({redact(str(exc))[:300]}); if it is a "
                                "plain-HTTP registry, list it in ContainerizeApp.insecure_registries",
                                self.registry) from None

    def _authenticate(self, response: requests.Response, scope: str) -> None:
        challenge = response.headers.get("WWW-Authenticate", "")
        kind = challenge.split(" ", 1)[0].lower()
        if kind == "basic":
            if not self.credentials:
                raise self._unauthorised(response)
            self._basic = True
            return
        if kind != "bearer":
            raise self._unauthorised(response)
        params = dict(_CHALLENGE.findall(challenge))
        realm = params.pop("realm", "")
        if not realm:
            raise self._unauthorised(response)
        query = {"service": params.get("service", ""), "scope": scope.split(" ")}
        auth = (self.credentials.username, self.credentials.secret) if self.credentials else None
        try:
            answer = self.session.get(realm, params=query, auth=auth, timeout=self.timeout)
        except requests.RequestException as exc:
            raise RegistryError(f"The token service of {self.registry} is unreachable: {redact(str(exc))[:300]}",
                                self.registry) from None
        if answer.status_code != 200:
            raise self._unauthorised(answer)
        body = answer.json() if answer.content else {}
        token = body.get("token") or body.get("access_token")
        if not token:
            raise self._unauthorised(answer)
        self._tokens[scope] = token

    def _with_retries(self, call: Callable[[], requests.Response], what: str) -> requests.Response:
        attempts = self.retry.attempts()
        for attempt in range(attempts):
            try:
                return call()
            except RegistryError as exc:
                if attempt == attempts - 1 or exc.http_status not in RETRY_STATUS:
                    raise
                delay = max(self.retry.delays[attempt], getattr(exc, "retry_after", 0.0))
            except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError, requests.Timeout) as exc:
                if attempt == attempts - 1:
                    raise RegistryError(f"Registry {self.registry} is unreachable ({_cause(exc)}) after {attempts} "
                                        "attempts", self.registry) from None
                delay = self.retry.delays[attempt]
            self.on_retry(f"{what} on {self.registry}: trying again in {delay:g} s")
            deadline = time.monotonic() + delay
            while time.monotonic() < deadline:
                self._check_cancel()
                time.sleep(min(0.1, max(0.0, deadline - time.monotonic())))
        raise AssertionError("unreachable")

    def _error(self, method: str, path: str, response: requests.Response) -> RegistryError:
        status = response.status_code
        if status in (401, 403):
            return self._unauthorised(response)
        detail = _detail(response)
        error = RegistryError(f"Registry {self.registry} answered {status} {response.reason or ''} to {method} "
                              f"{_short(path)}{': ' + detail if detail else ''}".replace("  ", " "),
                              self.registry, status)
        retry_after = response.headers.get("Retry-After", "")
        error.retry_after = min(float(retry_after), self.retry.max_retry_after) if retry_after.isdigit() else 0.0
        return error

    def _unauthorised(self, response: requests.Response) -> RegistryError:
        status = response.status_code
        detail = _detail(response)
        if status == 403:
            message = f"403 Forbidden: the credentials for {self.registry} may not do this"
        else:
            status = 401
            hint = "the stored credentials were refused" if self.credentials else "no credentials are stored for it"
            message = f"401 Unauthorized: {self.registry} asks for a login ({hint}); run `docker login {self.registry}`"
        return RegistryError(message + (f" ({detail})" if detail else ""), self.registry, status)


class _Body:
    """A request body of a known length read from chunks, so requests sends Content-Length
    and streams it; cancel is checked between chunks."""

    def __init__(self, chunks: Iterable[bytes], size: int, check: Callable[[], None]):
        self._chunks, self._size, self._check, self._buffer = iter(chunks), size, check, b""

    def __len__(self) -> int:
        return self._size

    def read(self, n: int = -1) -> bytes:
        self._check()
        while n < 0 or len(self._buffer) < n:
            try:
                self._buffer += next(self._chunks)
            except StopIteration:
                break
        if n < 0:
            out, self._buffer = self._buffer, b""
        else:
            out, self._buffer = self._buffer[:n], self._buffer[n:]
        return out


def _short(path: str) -> str:
    path = re.sub(r"^https?://[^/]+", "", path).split("?")[0]
    return redact(path if len(path) <= 80 else path[:77] + "...")


def _detail(response: requests.Response) -> str:
    try:
        errors = response.json().get("errors") or []
        return redact("; ".join(str(e.get("message") or e.get("code")) for e in errors if isinstance(e, dict)))[:300]
    except (ValueError, AttributeError):
        return ""


def _cause(exc: Exception) -> str:
    text = str(exc)
    for known in ("Connection refused", "Name or service not known", "timed out", "Connection reset",
                  "Connection aborted", "RemoteDisconnected", "IncompleteRead"):
        if known.lower() in text.lower():
            return known.lower()
    return redact(text)[:200]

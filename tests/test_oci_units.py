"""Units of the registry output that need no registry: the base's facts (a base with another
Python is refused naming both), references, credentials from the Docker configuration, and
reproducible layers."""

from __future__ import annotations

import base64
import gzip
import io
import json
import tarfile

import pytest

from jupyter_containerize.image.tarentries import Entry, folders, tar_stream
from jupyter_containerize.oci.base import BaseFacts, BaseImageError
from jupyter_containerize.oci.credentials import credentials_for
from jupyter_containerize.oci.reference import is_insecure, parse
from jupyter_containerize.oci.tarlayer import gzip_members


def test_a_base_with_another_python_is_refused_naming_both():
    facts = BaseFacts(pythons={"3.10": "/usr/local/bin/python3.10"})
    assert facts.python("3.10", "python:3.10-slim") == "/usr/local/bin/python3.10"
    with pytest.raises(BaseImageError, match=r"has Python 3.10, but the notebook's kernel has 3.11.*python:3.11-slim"):
        facts.python("3.11", "python:3.10-slim")


@pytest.mark.parametrize("text,registry,repository,tag,digest", [
    ("python:3.11-slim", "docker.io", "library/python", "3.11-slim", None),
    ("jupyter/scipy-notebook", "docker.io", "jupyter/scipy-notebook", "latest", None),
    ("127.0.0.1:5000/team/nb:1", "127.0.0.1:5000", "team/nb", "1", None),
    ("ghcr.io/o/r@sha256:" + "a" * 64, "ghcr.io", "o/r", None, "sha256:" + "a" * 64),
    ("localhost/x:2", "localhost", "x", "2", None),
])
def test_references(text, registry, repository, tag, digest):
    ref = parse(text)
    assert (ref.registry, ref.repository, ref.tag, ref.digest) == (registry, repository, tag, digest)


def test_loopback_registries_are_plain_http_others_need_listing():
    assert is_insecure("127.0.0.1:5000") and is_insecure("localhost:5000") and is_insecure("[::1]:5000")
    assert not is_insecure("ghcr.io") and is_insecure("registry.lan:5000", ["registry.lan:5000"])


def test_credentials_from_auths_and_helpers(tmp_path, monkeypatch):
    helper = tmp_path / "bin" / "docker-credential-fake"
    helper.parent.mkdir()
    helper.write_text('#!/bin/sh\nread server\necho "{\\"Username\\": \\"robot\\", \\"Secret\\": \\"from-$server\\"}"\n')
    helper.chmod(0o755)
    monkeypatch.setenv("PATH", f"{helper.parent}:/usr/bin:/bin")
    config = tmp_path / "config.json"
    config.write_text(json.dumps({
        "auths": {"reg.example": {"auth": base64.b64encode(b"user:s3cret").decode()},
                  "https://index.docker.io/v1/": {"auth": base64.b64encode(b"hub:hubsecret").decode()}},
        "credHelpers": {"helped.example": "fake"}}))
    assert credentials_for("reg.example", config).secret == "s3cret"
    assert credentials_for("docker.io", config).username == "hub"
    helped = credentials_for("helped.example", config)
    assert (helped.username, helped.secret) == ("robot", "from-helped.example")
    assert credentials_for("other.example", config) is None
    assert "s3cret" not in repr(credentials_for("reg.example", config))


def test_layers_are_the_same_bytes_whatever_the_order_and_host(tmp_path):
    source = tmp_path / "data.csv"
    source.write_text("a,b\n1,2\n")
    entries = [Entry("w/data.csv", source=source, uid=1000), Entry("w/nb.ipynb", data=b"{}", uid=1000),
               *folders(["w/data.csv"], uid=1000)]
    one = b"".join(gzip_members(tar_stream(entries, 0)))
    two = b"".join(gzip_members(tar_stream(list(reversed(entries)), 0)))
    assert one == two
    with tarfile.open(fileobj=io.BytesIO(gzip.decompress(one))) as tar:
        members = tar.getmembers()
    assert [m.name for m in members] == ["w", "w/data.csv", "w/nb.ipynb"]
    assert {(m.mtime, m.uid, m.uname) for m in members} == {(0, 1000, "")}
    assert one[4:8] == b"\0\0\0\0"  # no time in the gzip header

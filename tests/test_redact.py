"""What :mod:`redact` removes from text, what it must leave readable, and how fast it is."""

from __future__ import annotations

import logging
import time
from datetime import datetime, timezone

import pytest

from jupyter_containerize.api_models import BuildEvent, BuildJob
from jupyter_containerize.models import BuildRequest, PackageEdits
from jupyter_containerize.redact import RedactingFilter, redact, redact_model

SECRET = "S3cr3tV4lue"

LEAKY = [
    # userinfo, also with "@" or "/" in the password
    (f"git+https://user:{SECRET}@host.example/x.git@v1.0", "git+https://***@host.example/x.git@v1.0"),
    (f"https://{SECRET}@host.example/simple", "https://***@host.example/simple"),
    (f"https://u:p@ss{SECRET}@host.example/simple", "https://***@host.example/simple"),
    (f"https://u:ab/cd{SECRET}@host.example/simple/x", "https://***@host.example/simple/x"),
    (f"pip install --index-url=https://u:{SECRET}@host.example/simple foo",
     "pip install --index-url=https://***@host.example/simple foo"),
    # query strings
    (f"pip install --index-url https://host.example/simple?token={SECRET}&page=2 foo",
     "pip install --index-url https://host.example/simple?token=***&page=2 foo"),
    (f"https://h.example/f.csv?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential={SECRET}%2F20240101"
     f"&X-Amz-Signature={SECRET}&X-Amz-Security-Token={SECRET}",
     "https://h.example/f.csv?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=***&X-Amz-Signature=***"
     "&X-Amz-Security-Token=***"),
    (f"https://h.example/a?API_KEY={SECRET}&apikey={SECRET}&key={SECRET}&private_token={SECRET}"
     f"&access_token={SECRET}&sig={SECRET}&auth={SECRET}&password={SECRET}&client_secret={SECRET}&author=me",
     "https://h.example/a?API_KEY=***&apikey=***&key=***&private_token=***&access_token=***&sig=***&auth=***"
     "&password=***&client_secret=***&author=me"),
    # tokens in paths, and well-known token formats anywhere
    ("https://pypi.fury.io/3NwZMw7rqzq7rGhxAqLh/acme/", "https://pypi.fury.io/***/acme/"),
    ("https://h.example/simple/1AbCdEfGhIjKlMnOpQrS", "https://h.example/simple/***"),
    ("GH=ghp_abcdefghijklmnopqrstuvwxyz0123456789!", "GH=***!"),
    ("github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz", "***"),
    ("git clone https://oauth2:glpat-AbCdEfGh1234567890xyz@gitlab.example/g/r.git",
     "git clone https://***@gitlab.example/g/r.git"),
    ("token glpat-AbCdEfGh1234567890xyz end", "token *** end"),
    ("login(hf_abcdefghijklmnopqrstuvwxyzABCDEFG)", "login(***)"),
    ("TWINE_PASSWORD=pypi-AgEIcHlwaS5vcmcCJGQ0YjVhNTQwLTc3ZjItNDZmMC1hZmQ3LWQ3", "TWINE_PASSWORD=***"),
    ("slack xoxb-123456789012-abcdefghijkl", "slack ***"),
    ("key AKIAIOSFODNN7EXAMPLE used", "key *** used"),
    ("npm_abcdefghijklmnopqrstuvwxyz0123456789", "***"),
]


@pytest.mark.parametrize("text, expected", LEAKY)
def test_credentials_are_masked(text, expected):
    assert redact(text) == expected
    assert redact(expected) == expected  # idempotent


READABLE = [
    "sha256:3b5d5c3712955042212316173ccf37be800b2e4c1d9d6cf1d1c5d6f0e1f2a3b4",
    "--hash=sha256:3b5d5c3712955042212316173ccf37be800b2e4c1d9d6cf1d1c5d6f0e1f2a3b4",
    "registry.local:5000/team/img@sha256:3b5d5c3712955042212316173ccf37be800b2e4c1d9d6cf1d1c5d6f0e1f2a3b4",
    "https://registry.example/v2/team/img/manifests/sha256:3b5d5c3712955042212316173ccf37be800b2e4c1d9d6cf1d1c5",
    "Successfully built 3b5d5c371295",
    "sales-report:3b5d5c371295",
    "image 3B5D5C3712955042212316173CCF37BE",
    "https://files.pythonhosted.org/packages/a1/bc/d4ef1bde496cfa2c87ae30183552ce5ea06e636caa26fa8b6fc4282f134c/"
    "numpy-1.26.4-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl#sha256=3b5d5c3712955042",
    "numpy-1.26.4-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
    "https://github.com/MyOrganisation/DeepLearningTutorial2023/blob/main/Chapter01Introduction.ipynb",
    "https://host.example:8080/path@v1",
    "http://[::1]:8080/x@y",
    "git+https://github.com/org/repo.git@3b5d5c3712955042212316173ccf37be800b2e4c",
    "https://host.example/simple?page=2&author=me&keyword=x",
    "pandas==2.2.2 ; python_version >= '3.9'",
    "ASKING FOR A FRIEND",
    "Analysing sales-report.ipynb with its kernel's environment",
]


@pytest.mark.parametrize("text", READABLE)
def test_digests_names_and_plain_text_stay_readable(text):
    assert redact(text) == text


def test_explicit_secrets_are_masked_too():
    assert redact(f"the value {SECRET} here", (SECRET, "")) == "the value *** here"


def test_redact_model_walks_every_string():
    job = BuildJob(id="0123456789ab", notebook="n.ipynb", created=datetime.now(timezone.utc),
                   request=BuildRequest(path="n.ipynb", tag="team/n:1",
                                        exclude_files=[f"https://u:{SECRET}@h.example/six.whl"],
                                        edits=PackageEdits(add=["six==1.16.0"], optional={f"ghp_{'a1' * 18}": True})))
    out = redact_model(job)
    assert isinstance(out, BuildJob)
    assert SECRET not in out.model_dump_json() and "ghp_" not in out.model_dump_json()
    assert out.request.exclude_files == ["https://***@h.example/six.whl"]
    assert out.created == job.created and out.request.tag == "team/n:1"
    assert SECRET in job.model_dump_json()  # the original is left as it was
    event = BuildEvent(seq=0, time=job.created, kind="log", message=f"?token={SECRET}")
    assert redact_model(event).message == "?token=***"


def test_logging_filter_redacts_messages_and_tracebacks(caplog):
    logger = logging.getLogger("test_redact.filter")
    logger.addFilter(RedactingFilter())
    try:
        with caplog.at_level(logging.INFO, logger=logger.name):
            logger.info("pip said %s", f"https://u:{SECRET}@h.example/simple")
            try:
                raise RuntimeError(f"index https://h.example/simple?token={SECRET} unreachable")
            except RuntimeError:
                logger.exception("the build failed")
        assert SECRET not in caplog.text
        assert "https://***@h.example/simple" in caplog.text and "token=***" in caplog.text
    finally:
        logger.filters.clear()


def test_a_log_line_takes_microseconds():
    """Every build log line goes through redact: it must stay cheap (measured here, so a
    regex that backtracks shows up as a failure, not as a slow build)."""
    lines = [
        "Step 3/7 : RUN uv pip install --no-deps -r /tmp/lock.txt",
        "Collecting numpy==1.26.4 (from -r /tmp/lock.txt (line 12))",
        "  Downloading https://files.pythonhosted.org/packages/a1/bc/d4ef1bde496cfa2c87ae30183552ce5ea06e636caa26f"
        "a8b6fc4282f134c/numpy-1.26.4-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl (18.2 MB)",
        "Successfully tagged sales-report:3b5d5c371295",
        "\x1b[91mWARNING: Running pip as the 'root' user can result in broken permissions\x1b[0m",
        " + pandas==2.2.2",
    ] * 500
    started = time.perf_counter()
    for line in lines:
        redact(line)
    per_line = (time.perf_counter() - started) / len(lines)
    assert per_line < 100e-6, f"{per_line * 1e6:.1f} µs per line"
    hostile = "https://" + "a:" * 5000 + "@" * 5000  # no catastrophic backtracking
    started = time.perf_counter()
    redact(hostile + " " + "x=" * 5000 + "?token=" * 2000)
    assert time.perf_counter() - started < 0.5

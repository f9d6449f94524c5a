"""A helper process that checks a notebook for secrets while the CLI loads the rest.

Setting detect-secrets up (its detectors' patterns, its file transformers) and scanning the
notebook's texts takes a CLI build about 60 ms. The build does not need the findings before
its analysis is done, so :func:`helping` starts this module in a second interpreter first:
it sets detect-secrets up and scans the notebook on the machine's other core while the CLI
imports the pipeline and the engine's client. :class:`.detector.Detector` then asks it
instead of setting detect-secrets up again. A helper that cannot start, fails or does not
answer leaves the scan to the CLI's own process, as on a machine with one core.

The protocol is JSON lines on the helper's stdin and stdout, one answer per request. A
request is ``{"text": name, "body": text}`` or ``{"file": path}``, and an answer is
``{"hits": [[line, kind], ...]}`` or ``{"error": why}``. As everywhere, a hit never carries
the value found.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Iterator, Optional

from . import detector
from .detector import Detector, Hits, scan_texts
from .notebook import read_notebook

ANSWER_TIMEOUT = 60  # seconds for one answer: a scan of MAX_LINES lines takes about 4 s
EXIT_TIMEOUT = 5  # seconds for the helper to remove its files once its input ends
PACKAGE_PARENT = Path(__file__).resolve().parents[2]  # the folder jupyter_containerize is imported from


class Helper:
    """The helper process, answering :class:`.detector.Detector`'s requests one at a time
    until the analysis has its findings (:meth:`finish`)."""

    def __init__(self, notebook: Path):
        # -P (3.11+), and as working folder the one this package is imported from (already on
        # sys.path), not the user's: a module named like a library in the user's folder (a
        # cloned repository's yaml.py) is never imported
        safe_path = ["-P"] if sys.version_info >= (3, 11) else []
        self._process = subprocess.Popen(
            [sys.executable, *safe_path, "-m", __name__, os.path.abspath(notebook)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, cwd=PACKAGE_PARENT)
        self._answering = True
        self._lock = threading.Lock()

    @property
    def pid(self) -> Optional[int]:
        """The helper's process id while it answers, else None."""
        return self._process.pid if self._answering else None

    def __call__(self, request: dict) -> Optional[Hits]:
        with self._lock:
            if not self._answering:
                return None
            if "file" in request:
                request = {"file": os.path.abspath(request["file"])}
            process = self._process
            try:
                process.stdin.write(json.dumps(request).encode() + b"\n")
                process.stdin.flush()
                ready, _, _ = select.select([process.stdout], [], [], ANSWER_TIMEOUT)
                answer = json.loads(process.stdout.readline() if ready else b"")
                return [(int(line), str(kind)) for line, kind in answer["hits"]]
            except (OSError, ValueError, KeyError, TypeError):  # gone, hung or an error: no more asking
                self._answering = False
                process.kill()
                return None

    def finish(self) -> None:
        """No more requests: the helper removes its files and ends, while this process goes on."""
        with self._lock:
            self._answering = False
            with contextlib.suppress(OSError):
                self._process.stdin.close()

    def close(self) -> None:
        """Finish, and wait for the helper to end: no process is left."""
        self.finish()
        process = self._process
        if process.returncode is None:
            # its output ends when it exits (Popen.wait with a time-out polls, sleeping up to 50 ms)
            ended, _, _ = select.select([process.stdout], [], [], EXIT_TIMEOUT)
            if not ended:
                process.kill()
            process.wait()
        process.stdout.close()


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - macOS
        return os.cpu_count() or 1


_set_up_here = False


def set_up_here() -> None:
    """This process has set detect-secrets up already (the CLI's build service, before it
    forks its commands): :func:`helping` starts no helper."""
    global _set_up_here
    _set_up_here = True


@contextlib.contextmanager
def helping(notebook: Path, *, cores: Optional[int] = None) -> Iterator[Optional[Helper]]:
    """Scans for secrets in this block are answered by a helper started now on ``notebook``;
    none with one core (``cores``: how many this process may use), where detect-secrets is
    set up already (:func:`set_up_here`), or when it cannot start."""
    helper = None
    if (cores if cores is not None else _cores()) >= 2 and not _set_up_here:
        with contextlib.suppress(OSError):
            helper = Helper(notebook)
    if helper is None:
        yield None
        return
    detector.answered_by(helper)
    try:
        yield helper
    finally:
        detector.answered_by(None)
        helper.close()


def serve(notebook: Path) -> None:
    """The helper's side: scan ``notebook``'s texts, then answer requests until stdin ends."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the CLI's: it ends this helper
    with Detector() as scans:
        with contextlib.suppress(Exception):  # a notebook it cannot read gets no head start
            for combined, text in scan_texts(read_notebook(notebook)):
                scans.text(combined.name, text)
        for line in sys.stdin.buffer:
            try:
                request = json.loads(line)
                if "file" in request:
                    hits = scans.file(Path(request["file"]))
                else:
                    hits = scans.text(request["text"], request["body"])
                answer: dict = {"hits": hits}
            except Exception as exc:  # noqa: BLE001 - the CLI scans it itself, and says why
                answer = {"error": f"{type(exc).__name__}: {exc}"}
            sys.stdout.write(json.dumps(answer) + "\n")
            sys.stdout.flush()


if __name__ == "__main__":
    serve(Path(sys.argv[1]))
    os._exit(0)  # its files are removed; the interpreter's own clean-up is not needed

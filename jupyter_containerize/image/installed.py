"""Each locked wheel installed once on the host, at its final place in the image.

A wheel is installed (PyPA ``installer``: files, ``.data`` schemes, console scripts whose
shebang is the image's interpreter) into a staging directory, its modules are compiled to
hash-checked ``.pyc`` files (valid whatever the files' timestamps) by an interpreter of the
image's Python version, and the result is kept as a *tar segment*: the tar members of the
installed files, without the end-of-archive marker, under ``opt/venv/...``. An environment
layer is then the concatenation of its packages' segments (see ``layer.py``): no installer
runs in a container, and a package installed for one image is never installed again.

Segments are keyed by the wheel's content and the Python version, written atomically, and
deterministic: sorted entries, owner root, time 0, mode 0755 for executables else 0644.
"""

from __future__ import annotations

import json
import os
import sys
import tarfile
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Optional, Sequence

from installer import install
from installer.destinations import SchemeDictionaryDestination
from installer.sources import WheelFile

from .. import process
from ..errors import Cancelled, ContainerizeError, TimedOut
from ..lock.wheelhouse import file_sha256
from ..settings import Timeouts

VENV = "/opt/venv"
FORMAT = "1"  # bump when the content of a segment changes for the same wheel


class InstallFailed(ContainerizeError):
    status = 500


@dataclass(frozen=True)
class InstalledWheels:
    """The segment cache for one Python version (``"3.11"``) of the image."""

    root: Path  # the cache directory for installed wheels (all Python versions)
    python_version: str  # major.minor of the image's interpreter
    compiler: Optional[str] = None  # an interpreter of that version; None: no .pyc files
    timeout: Optional[float] = Timeouts.compile  # for compiling the packages of one call
    cancelled: Optional[threading.Event] = field(default=None, compare=False)

    @property
    def site_packages(self) -> str:
        return f"{VENV}/lib/python{self.python_version}/site-packages"

    def segment_path(self, wheel: Path) -> Path:
        digest = file_sha256(wheel)[:16]
        return self.root / f"python{self.python_version}" / f"{wheel.name}.{digest}.v{FORMAT}.tar"

    def segments(self, wheels: Iterable[Path]) -> list[Path]:
        """The segment of every wheel, in the given order, installing the missing ones."""
        wheels = list(wheels)
        paths = [self.segment_path(w) for w in wheels]
        missing = [(w, p) for w, p in zip(wheels, paths) if not (p.is_file() and index_of(p).is_file())]
        if missing:
            self._install(missing)
        return paths

    def _install(self, missing: Sequence[tuple[Path, Path]]) -> None:
        destination = self.root / f"python{self.python_version}"
        destination.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix="staging-", dir=destination) as tmp:
            staged = []
            for wheel, segment in missing:
                if self.cancelled is not None and self.cancelled.is_set():
                    raise Cancelled("Installing the packages on the host: cancelled")
                stage = Path(tmp) / wheel.name
                self._stage(wheel, stage)
                staged.append((stage, segment))
            self._compile([stage for stage, _ in staged])
            for stage, segment in staged:
                _write_segment(stage, segment)

    def _stage(self, wheel: Path, stage: Path) -> None:
        lib = self.site_packages
        scheme = {"purelib": lib, "platlib": lib, "scripts": f"{VENV}/bin", "data": VENV,
                  "headers": f"{VENV}/include/site/python{self.python_version}"}
        destination = SchemeDictionaryDestination(scheme, interpreter=f"{VENV}/bin/python",
                                                  script_kind="posix", destdir=str(stage))
        try:
            with WheelFile.open(wheel) as source:
                install(source, destination, additional_metadata={"INSTALLER": b"jupyter-containerize\n"})
        except Exception as exc:  # a broken wheel: name it, keep the cache clean
            raise InstallFailed(f"Cannot install {wheel.name}: {exc}") from None

    def _compile(self, stages: Sequence[Path]) -> None:
        """Compile every staged package's modules in one run of an interpreter of the
        image's version, recording the paths they have in the image."""
        if not self.compiler:
            return
        dirs = [str(stage / self.site_packages.lstrip("/")) for stage in stages]
        dirs = [d for d in dirs if os.path.isdir(d)]
        if not dirs:
            return
        # Files that do not compile (templates, other Pythons' code) are skipped, as pip does:
        # its exit status is not judged. A time-out or a cancel fails the build.
        process.run([self.compiler, "-m", "compileall", "-q", "-q", "-j", "0",
                     "--invalidation-mode", "checked-hash", "-d", self.site_packages, *dirs],
                    purpose=f"Compiling {len(dirs)} packages for Python {self.python_version}",
                    timeout=self.timeout, cancelled=self.cancelled)


PROBE_TIMEOUT = 30.0  # seconds an interpreter may take to say its version


def compiler_for(python_version: str, *candidates: Optional[str],
                 cancelled: Optional[threading.Event] = None) -> Optional[str]:
    """The first interpreter among ``candidates`` (then this one) whose major.minor is
    ``python_version``: .pyc files are only valid for that version. One that cannot run or
    does not answer within :data:`PROBE_TIMEOUT` is passed over."""
    for candidate in (*candidates, sys.executable):
        if not candidate or not os.path.exists(candidate):
            continue
        if candidate == sys.executable:
            version = "%d.%d" % sys.version_info[:2]
        else:
            try:
                version = process.run([candidate, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                                      purpose=f"Asking {candidate} its version", timeout=PROBE_TIMEOUT,
                                      cancelled=cancelled).stdout.strip()
            except (OSError, TimedOut):
                continue
        if version == python_version:
            return candidate
    return None


def _write_segment(stage: Path, segment: Path) -> None:
    """Write the segment and, beside it, its index: each member's name and byte range, so
    that a layer can leave out a second copy of a path (the engine refuses duplicates)."""
    tmp = segment.with_name(segment.name + f".tmp-{os.getpid()}-{threading.get_ident()}")
    members = []
    with tmp.open("wb") as out:
        tar = tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT)
        for path in sorted(stage.rglob("*")):
            info = _member(path, path.relative_to(stage).as_posix())
            start = tar.offset
            if info.isdir():
                tar.addfile(info)
            else:
                with path.open("rb") as handle:
                    tar.addfile(info, handle)
            members.append((info.name, start, tar.offset))
        end = tar.offset  # the members end here; what close() adds is the end-of-archive marker
        tar.fileobj = _Discard()
        tar.close()
        out.truncate(end)
    index = index_of(segment)
    index_tmp = index.with_name(index.name + f".tmp-{os.getpid()}-{threading.get_ident()}")
    index_tmp.write_text(json.dumps(members, separators=(",", ":")))
    os.replace(index_tmp, index)  # both files appear whole; the segment last (it marks "done")
    os.replace(tmp, segment)


def index_of(segment: Path) -> Path:
    return segment.with_name(segment.name + ".index.json")


def members_of(segment: Path) -> list[tuple[str, int, int]]:
    """(name, start, end) of each member of a segment, in order."""
    return [tuple(m) for m in json.loads(index_of(segment).read_text())]


def _member(path: Path, name: str) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.mtime, info.uid, info.gid, info.uname, info.gname = 0, 0, 0, "", ""
    if path.is_dir():
        info.type, info.mode = tarfile.DIRTYPE, 0o755
        return info
    stat = path.stat()
    info.size, info.mode = stat.st_size, 0o755 if stat.st_mode & 0o111 else 0o644
    return info


class _Discard:
    def write(self, data):
        return len(data)

    def tell(self):
        return 0



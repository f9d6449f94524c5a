"""The streaming installer: each wheel read from its zip straight into a tar segment (no
unpacking to disk), checked against its RECORD, its modules compiled in memory by an
interpreter of the image's Python (or the kernel's compiled copy of the very same source
renamed), installed once even when two processes ask at the same moment; and the wheelhouse
downloading exactly the locked files."""

from __future__ import annotations

import csv
import hashlib
import http.server
import importlib.util
import io
import marshal
import os
import signal
import subprocess
import sys
import tarfile
import textwrap
import threading
import time
import zipfile
from pathlib import Path

import pytest

from jupyter_containerize import cachedir
from jupyter_containerize.errors import LockError
from jupyter_containerize.image.installed import InstalledWheels, InstallFailed, members_of
from jupyter_containerize.image.layer import tar_header
from jupyter_containerize.lock import pip
from jupyter_containerize.lock.target import Target
from jupyter_containerize.lock.wheelhouse import Wheelhouse, file_sha256
from jupyter_containerize.models import Lock, LockedPackage

from .test_environment_image import make_wheel

SITE = "opt/venv/lib/python3.11/site-packages"
REPO = Path(__file__).resolve().parents[1]


def _tar(segment: Path) -> dict[str, tuple[tarfile.TarInfo, bytes]]:
    with tarfile.open(fileobj=io.BytesIO(segment.read_bytes() + b"\0" * 1024)) as tar:
        return {m.name: (m, tar.extractfile(m).read() if m.isfile() else b"") for m in tar.getmembers()}


def _code(pyc: bytes):
    assert pyc[:4] == importlib.util.MAGIC_NUMBER and int.from_bytes(pyc[4:8], "little") == 0b11
    return marshal.loads(pyc[16:])


@pytest.fixture
def gamma(tmp_path) -> Path:
    folder = tmp_path / "wheels"
    folder.mkdir()
    return make_wheel(folder, "gamma", "1.0", {
        "gamma/__init__.py": "def main():\n    return 'gamma'\n",
        "nsroot/gamma_part/__init__.py": "PART = 'gamma'\n",  # a namespace package: no nsroot/__init__.py
        "gamma-1.0.data/scripts/gamma-run": "#!python\nimport gamma\nprint(gamma.main())\n",
        "gamma-1.0.data/scripts/gamma.sh": "#!/bin/sh\necho gamma\n",
        "gamma-1.0.data/purelib/gamma_extra.py": "EXTRA = 1\n",
        "gamma-1.0.data/data/share/gamma/notes.txt": "notes\n",
    }, scripts={"gamma-tool": "gamma:main"})


def _children() -> list[int]:
    """Live compiler processes this one started (``python -I -S -c WORKER``, image/bytecode.py);
    other children (a server or registry another test's fixture keeps) do not count."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            status = (entry / "status").read_text() if entry.name.isdigit() else ""
            argv = (entry / "cmdline").read_bytes().split(b"\0") if status else []
        except OSError:
            continue
        fields = dict(line.split(":\t", 1) for line in status.splitlines() if ":\t" in line)
        if fields.get("PPid", "").strip() == str(os.getpid()) and not fields.get("State", "").startswith("Z") \
                and argv[1:4] == [b"-I", b"-S", b"-c"]:
            found.append(int(entry.name))
    return found


def test_data_scripts_console_scripts_record_and_namespace_packages(tmp_path, gamma):
    cache = InstalledWheels(tmp_path / "installed", "3.11", sys.executable)
    (segment,) = cache.segments([gamma])
    assert _children() == []  # the compilers end with the call (no close() needed)
    members = _tar(segment)
    # .data/scripts: the #!python shebang becomes the image's interpreter; others are kept; both executable
    run, sh = members["opt/venv/bin/gamma-run"], members["opt/venv/bin/gamma.sh"]
    assert run[1].startswith(b"#!/opt/venv/bin/python\n") and run[0].mode == 0o755
    assert sh[1] == b"#!/bin/sh\necho gamma\n" and sh[0].mode == 0o755
    tool = members["opt/venv/bin/gamma-tool"]
    assert tool[1].startswith(b"#!/opt/venv/bin/python\n") and b"from gamma import main" in tool[1]
    assert tool[0].mode == 0o755
    # .data/purelib and .data/data land in their schemes; a namespace package needs no __init__
    assert f"{SITE}/gamma_extra.py" in members and "opt/venv/share/gamma/notes.txt" in members
    assert f"{SITE}/nsroot/gamma_part/__init__.py" in members and f"{SITE}/nsroot/__init__.py" not in members
    # every folder comes before what it holds
    names = list(members)
    assert all(names.index(n.rsplit("/", 1)[0]) < names.index(n) for n in names if "/" in n)
    # modules get a checked-hash .pyc naming the module's path in the image
    code = _code(members[f"{SITE}/__pycache__/gamma_extra.cpython-311.pyc"][1])
    assert code.co_filename == f"/{SITE}/gamma_extra.py"
    assert _code(members[f"{SITE}/nsroot/gamma_part/__pycache__/__init__.cpython-311.pyc"][1]).co_filename \
        == f"/{SITE}/nsroot/gamma_part/__init__.py"
    # RECORD lists what was installed with the installed content's hash (scripts relative to site-packages)
    rows = list(csv.reader(io.StringIO(members[f"{SITE}/gamma-1.0.dist-info/RECORD"][1].decode())))
    listed = {path: (digest, size) for path, digest, size in rows}
    assert "../../../bin/gamma-run" in listed and "../../../bin/gamma-tool" in listed
    assert "gamma-1.0.dist-info/INSTALLER" in listed and listed["gamma-1.0.dist-info/RECORD"] == ("", "")
    for path, (digest, size) in listed.items():
        if not digest:
            continue
        name = os.path.normpath(f"{SITE}/{path}")
        data = members[name][1]
        expected = "sha256=" + __import__("base64").urlsafe_b64encode(hashlib.sha256(data).digest()).decode().rstrip("=")
        assert (digest, int(size)) == (expected, len(data)), path
    assert members_of(segment)[-1][2] == segment.stat().st_size


def test_a_file_that_does_not_match_its_record_is_refused(tmp_path, gamma):
    tampered = tmp_path / "tampered" / gamma.name
    tampered.parent.mkdir()
    with zipfile.ZipFile(gamma) as good, zipfile.ZipFile(tampered, "w") as bad:
        for item in good.infolist():
            data = good.read(item)
            bad.writestr(item, data.replace(b"'gamma'", b"'evil!'") if item.filename == "gamma/__init__.py" else data)
    root = tmp_path / "installed"
    with pytest.raises(InstallFailed, match=r"gamma/__init__\.py does not match the hash its RECORD gives: refused"):
        InstalledWheels(root, "3.11", sys.executable).segments([tampered])
    assert [p for p in root.rglob("*") if p.is_file()] == []


def _plant_kernel(site: Path, source: str, planted: str, *, stale: bool = False) -> None:
    """A kernel's installed alpha/__init__.py and its timestamp .pyc, compiled from ``planted``."""
    module = site / "alpha" / "__init__.py"
    module.parent.mkdir(parents=True, exist_ok=True)
    module.write_text(source)
    stat = module.stat()
    code = compile(planted, str(module), "exec", dont_inherit=True)
    pyc = module.parent / "__pycache__" / f"__init__.{sys.implementation.cache_tag}.pyc"
    pyc.parent.mkdir(exist_ok=True)
    mtime = int(stat.st_mtime) + (1 if stale else 0)
    pyc.write_bytes(importlib.util.MAGIC_NUMBER + b"\0\0\0\0" + (mtime & 0xFFFFFFFF).to_bytes(4, "little")
                    + stat.st_size.to_bytes(4, "little") + marshal.dumps(code))


@pytest.mark.parametrize("case", ["same source", "other source", "stale pyc"])
def test_the_kernels_bytecode_is_reused_only_for_the_very_same_source(tmp_path, case):
    source = "VALUE = 'from the wheel'\n"
    wheel = make_wheel(tmp_path, "alpha", "1.0", {"alpha/__init__.py": source})
    site = tmp_path / "kernel-site"
    _plant_kernel(site, source if case != "other source" else source + "# edited in the kernel\n",
                  "VALUE = 'planted'\n", stale=case == "stale pyc")
    cache = InstalledWheels(tmp_path / "installed", "3.11", sys.executable, bytecode_from=(site,))
    (segment,) = cache.segments([wheel])
    code = _code(_tar(segment)[f"{SITE}/alpha/__pycache__/__init__.cpython-311.pyc"][1])
    assert code.co_filename == f"/{SITE}/alpha/__init__.py"  # renamed: no host path in the image
    reused = "planted" in code.co_consts
    assert reused == (case == "same source"), code.co_consts
    assert str(tmp_path) not in repr(code.co_consts)


SLOW_COMPILER = """#!/bin/sh
sleep 1
exec {python} "$@"
"""

INSTALL = """
import sys
from pathlib import Path
from jupyter_containerize.image.installed import InstalledWheels
go = Path(sys.argv[3])
while not go.exists():
    pass
cache = InstalledWheels(Path(sys.argv[1]), "3.11", sys.argv[4], log=lambda line: print(line, flush=True))
print(cache.segments([Path(sys.argv[2])])[0])
"""


def test_two_processes_asking_at_once_install_a_wheel_once(tmp_path, gamma):
    """The second waits for the first's lock, then reuses its segment (the compiler is slow,
    so both ask while the first is installing)."""
    compiler = tmp_path / "python3.11"
    compiler.write_text(SLOW_COMPILER.format(python=sys.executable))
    compiler.chmod(0o755)
    go = tmp_path / "go"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    procs = [subprocess.Popen([sys.executable, "-c", INSTALL, str(tmp_path / "shared"), str(gamma), str(go),
                               str(compiler)], stdout=subprocess.PIPE, text=True, env=env) for _ in range(2)]
    go.touch()
    outputs = [p.communicate(timeout=60)[0].splitlines() for p in procs]
    assert [p.returncode for p in procs] == [0, 0]
    installs = [line for out in outputs for line in out if line.startswith(f"Installed {gamma.name}")]
    assert len(installs) == 1, outputs
    assert outputs[0][-1] == outputs[1][-1]
    segment = Path(outputs[0][-1])
    assert members_of(segment) and sorted(p.name for p in segment.parent.iterdir()) == \
        [segment.name, segment.name + ".index.json"]


CLOSE_AND_EXIT = """
import os, sys, time
from pathlib import Path
from jupyter_containerize.image.installed import InstalledWheels
cache = InstalledWheels(Path(sys.argv[1]), "3.11", sys.argv[3])
cache.start(Path(sys.argv[2]))
time.sleep(0.3)  # the install has its temporary file and waits for the (slow) compiler
print(sorted(p.name for p in Path(sys.argv[1], "python3.11").iterdir()), flush=True)
cache.close()
os._exit(0)  # as the CLI ends: no clean-up after this
"""


def test_a_build_that_ends_mid_install_leaves_no_temporary_file(tmp_path, gamma):
    """A build that did not need the install it began (the engine had the environment image)
    stops it when it ends; the process may exit at once, and the cache keeps no half-written
    file and no lock (the next build installs the wheel whole)."""
    compiler = tmp_path / "python3.11"
    compiler.write_text(SLOW_COMPILER.format(python=sys.executable))
    compiler.chmod(0o755)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.run([sys.executable, "-c", CLOSE_AND_EXIT, str(tmp_path / "shared"), str(gamma), str(compiler)],
                          capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 0, proc.stderr
    during = proc.stdout.strip()
    assert ".tmp'" in during, during  # it was mid-install when closed
    assert sorted(p.name for p in (tmp_path / "shared" / "python3.11").iterdir()) == []
    assert _children() == []
    (segment,) = InstalledWheels(tmp_path / "shared", "3.11", sys.executable).segments([gamma])
    assert f"{SITE}/gamma/__pycache__/__init__.cpython-311.pyc" in _tar(segment)


KILLED_MID_INSTALL = """
import sys, time
from pathlib import Path
from jupyter_containerize.image.installed import InstalledWheels
InstalledWheels(Path(sys.argv[1]), "3.11", sys.argv[3]).start(Path(sys.argv[2]))
time.sleep(60)  # killed before the (slow) compiler answers
"""


def test_a_temporary_file_a_killed_process_left_is_removed_once_a_day_old(tmp_path, gamma, monkeypatch):
    """A server killed mid-install (culled, out of memory) cannot clean up: its temporary file
    stays until it has been untouched for a day, then the next process writing there removes it;
    a younger one (a writer may still be at work) and the cache's entries are left alone."""
    compiler = tmp_path / "python3.11"
    compiler.write_text(SLOW_COMPILER.format(python=sys.executable))
    compiler.chmod(0o755)
    shared = tmp_path / "shared"
    proc = subprocess.Popen([sys.executable, "-c", KILLED_MID_INSTALL, str(shared), str(gamma), str(compiler)],
                            env={**os.environ, "PYTHONPATH": str(REPO)}, start_new_session=True)
    folder = shared / "python3.11"
    for _ in range(200):
        if folder.is_dir() and any(p.suffix == ".tmp" for p in folder.iterdir()):
            break
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    (left,) = [p for p in folder.iterdir() if p.suffix == ".tmp"]
    young = folder / ".other.whl.abcd1234.v2.tar.k3j4h5g6.tmp"
    young.write_bytes(b"being written")
    old_entry = folder / "old.whl.0123456789abcdef.v2.tar"
    old_entry.write_bytes(b"an entry")
    day_and_more = time.time() - cachedir.STALE_TEMPORARY_S - 60
    for path in (left, old_entry):
        os.utime(path, (day_and_more, day_and_more))

    (segment,) = InstalledWheels(shared, "3.11", sys.executable).segments([gamma])
    assert not left.exists() and young.exists() and old_entry.exists() and members_of(segment)

    os.utime(young, (day_and_more, day_and_more))  # looked at once an hour per folder and process
    cachedir.write_atomic(folder / "note.json", "{}")
    assert young.exists()
    monkeypatch.setattr(cachedir, "SWEEP_EVERY_S", 0.0)
    cachedir.write_atomic(folder / "note.json", "{}")
    assert not young.exists() and old_entry.exists()


@pytest.mark.parametrize("name,size,kind", [("opt/venv/x.py", 12, tarfile.REGTYPE), ("opt", 0, tarfile.DIRTYPE),
                                            ("a" * 100, 3, tarfile.REGTYPE), ("b" * 99, 0, tarfile.DIRTYPE),
                                            ("c/" * 80 + "long.py", 5, tarfile.REGTYPE), ("d" * 995, 0, tarfile.DIRTYPE),
                                            ("é.py", 1, tarfile.REGTYPE)])
def test_tar_headers_are_the_ones_tarfile_writes(name, size, kind):
    info = tarfile.TarInfo(name)
    info.type, info.mode, info.size = kind, 0o644, size
    info.mtime, info.uid, info.gid, info.uname, info.gname = 0, 0, 0, "", ""
    assert tar_header(name, size, 0o644, kind) == info.tobuf(tarfile.PAX_FORMAT, "utf-8", "surrogateescape")


class _Index(http.server.BaseHTTPRequestHandler):
    """A PEP 503 index listing one file under the locked hash, serving ``body`` for it."""

    listed = ""
    body = b""

    def do_GET(self):  # noqa: N802
        if self.path.endswith("/"):
            page = textwrap.dedent(f'<a href="/files/{self.listed}">{self.listed}</a>').encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)
        else:
            self.send_response(200)
            self.send_header("Content-Length", str(len(self.body)))
            self.end_headers()
            self.wfile.write(self.body)

    def log_message(self, *args):
        pass


@pytest.mark.parametrize("tampered", [False, True])
def test_the_wheelhouse_downloads_only_the_locked_file(tmp_path, monkeypatch, tampered):
    wheel = make_wheel(tmp_path, "alpha", "1.0", {"alpha/__init__.py": "X = 1\n"})
    sha = file_sha256(wheel)
    body = wheel.read_bytes() + (b"junk" if tampered else b"")

    class Handler(_Index):
        listed = f"{wheel.name}#sha256={sha}"

    Handler.body = body
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/simple"
    monkeypatch.setattr(pip, "host_index_config", lambda: pip.IndexConfig(index_urls=(url,)))
    lock = Lock(notebook="nb.ipynb", python_version="3.11", platform="linux/amd64",
                packages=[LockedPackage(name="alpha", version="1.0", source="kernel", hashes=[f"sha256:{sha}"])])
    house = tmp_path / "house"
    ready = []
    try:
        if tampered:
            with pytest.raises(LockError, match=rf"alpha==1\.0: the file downloaded for it \({wheel.name}\) has "
                                                rf"sha256 .*not the locked {sha[:16]}\.\.\.: refused"):
                Wheelhouse(house).wheels_for(lock, Target("linux/amd64", "3.11.7"), on_download=ready.append)
            assert [p.name for p in house.iterdir() if p.suffix == ".whl" or ".tmp" in p.name] == []
        else:
            (got,) = Wheelhouse(house).wheels_for(lock, Target("linux/amd64", "3.11.7"), on_download=ready.append)
            assert got == house / wheel.name and got.read_bytes() == wheel.read_bytes() and ready == [got]
            again = []  # the file is here now: nothing new to tell (no install to begin early)
            assert Wheelhouse(house).wheels_for(lock, Target("linux/amd64", "3.11.7"), on_download=again.append) == [got]
            assert again == []
    finally:
        server.shutdown()


@pytest.mark.parametrize("platform,machine", [("linux/amd64", "x86_64"), ("linux/arm64", "aarch64")])
def test_a_shared_wheelhouse_gives_each_platform_its_own_file(tmp_path, platform, machine):
    """The lock hashes every Linux file of a pin; a cache shared by amd64 and arm64 builds
    holds both: each build takes the one its platform installs."""
    house = tmp_path / "house"
    house.mkdir()
    hashes = []
    for arch in ("aarch64", "x86_64"):  # aarch64 sorts first, as in the lock
        wheel = make_wheel(tmp_path, "alpha", "1.0", {"alpha/__init__.py": f"ARCH = '{arch}'\n"})
        placed = house / f"alpha-1.0-cp311-cp311-manylinux_2_17_{arch}.whl"
        wheel.rename(placed)
        hashes.append(f"sha256:{file_sha256(placed)}")
    lock = Lock(notebook="nb.ipynb", python_version="3.11", platform=platform,
                packages=[LockedPackage(name="alpha", version="1.0", source="kernel", hashes=hashes)])
    (got,) = Wheelhouse(house).wheels_for(lock, Target(platform, "3.11.7"))
    assert got.name == f"alpha-1.0-cp311-cp311-manylinux_2_17_{machine}.whl"

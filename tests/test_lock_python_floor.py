"""A package with a patch-level Python floor (``Requires-Python: >=3.11.5``) is fetched for a
kernel on 3.11.7: pip is asked for the kernel's full version, not "3.11" (read as 3.11.0)."""

import hashlib
import zipfile
from pathlib import Path

import pytest

from jupyter_containerize.errors import LockError
from jupyter_containerize.lock import pip
from jupyter_containerize.lock.target import Target


def floor_wheel(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    wheel = folder / "floorpkg-1.0-py3-none-any.whl"
    dist = "floorpkg-1.0.dist-info"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("floorpkg.py", "")
        archive.writestr(f"{dist}/METADATA", "Metadata-Version: 2.1\nName: floorpkg\nVersion: 1.0\n"
                                             "Requires-Python: >=3.11.5\n")
        archive.writestr(f"{dist}/WHEEL", "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n")
        archive.writestr(f"{dist}/RECORD", "")
    return wheel


@pytest.fixture
def offline_index(tmp_path, monkeypatch):
    """pip sees only a folder holding the wheel (no index is asked)."""
    wheel = floor_wheel(tmp_path / "links")
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(wheel.parent))
    lock = tmp_path / "requirements.lock"
    lock.write_text(f"floorpkg==1.0 --hash=sha256:{hashlib.sha256(wheel.read_bytes()).hexdigest()}\n")
    return lock


def test_the_full_python_version_is_what_pip_compares():
    assert Target("linux/amd64", "3.11.7").pip_python_version == "3.11.7"
    assert Target("linux/amd64", "3.13.0rc1").pip_python_version == "3.13.0"
    args = Target("linux/arm64", "3.11.7").pip_platform_args()
    assert args[args.index("--python-version") + 1] == "3.11.7"


def test_a_patch_level_floor_is_downloaded_for_a_kernel_above_it(offline_index, tmp_path):
    pip.download(offline_index, Target("linux/amd64", "3.11.7"), tmp_path / "wheelhouse", timeout=120)
    assert (tmp_path / "wheelhouse" / "floorpkg-1.0-py3-none-any.whl").is_file()


def test_a_kernel_below_the_floor_is_still_refused(offline_index, tmp_path):
    with pytest.raises(LockError, match="floorpkg"):
        pip.download(offline_index, Target("linux/amd64", "3.11.2"), tmp_path / "wheelhouse", timeout=120)

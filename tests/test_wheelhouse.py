"""The wheel cache holds the files of every platform a lock pins (amd64 and arm64 builds share
it): a build takes the file its target installs, never another platform's."""

import hashlib
import zipfile
from pathlib import Path

from jupyter_containerize.lock.target import Target
from jupyter_containerize.lock.wheelhouse import Wheelhouse
from jupyter_containerize.models import Lock, LockedPackage


def wheel(folder: Path, arch: str) -> Path:
    path = folder / f"tinyext-1.0-cp311-cp311-manylinux_2_17_{arch}.manylinux2014_{arch}.whl"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(f"tinyext.cpython-311-{arch}-linux-gnu.so", arch)
    return path


def test_each_platform_gets_its_own_wheel_from_a_shared_cache(tmp_path):
    cache = tmp_path / "wheels"
    cache.mkdir()
    arm, intel = wheel(cache, "aarch64"), wheel(cache, "x86_64")
    hashes = [f"sha256:{hashlib.sha256(p.read_bytes()).hexdigest()}" for p in (arm, intel)]
    lock = Lock(notebook="nb.ipynb", python_version="3.11", platform="linux/amd64",
                packages=[LockedPackage(name="tinyext", version="1.0", source="kernel", hashes=hashes)])
    house = Wheelhouse(cache)
    assert house.wheels_for(lock, Target("linux/amd64", "3.11.7")) == [intel]
    assert house.wheels_for(lock.model_copy(update={"platform": "linux/arm64"}), Target("linux/arm64", "3.11.7")) == [arm]

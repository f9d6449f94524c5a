"""The wheel cache holds the files of every platform a lock pins (amd64 and arm64 builds share
it): a build takes the file its target installs, never another platform's."""

import hashlib
import json
import time
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


def test_a_build_reads_only_its_own_wheels_of_a_shared_cache(tmp_path):
    """Other notebooks' wheels (thousands in a hub's shared cache) are neither hashed nor
    parsed by a build; a build that hashes nothing new does not rewrite the hash index."""
    cache = tmp_path / "wheels"
    cache.mkdir()
    intel = wheel(cache, "x86_64")
    other = cache / "Other_Pkg-2.0-py3-none-any.whl"
    other.write_bytes(b"another notebook's wheel")
    lock = Lock(notebook="nb.ipynb", python_version="3.11", platform="linux/amd64",
                packages=[LockedPackage(name="tinyext", version="1.0", source="kernel",
                                        hashes=[f"sha256:{hashlib.sha256(intel.read_bytes()).hexdigest()}"])])
    assert Wheelhouse(cache).wheels_for(lock, Target("linux/amd64", "3.11.7")) == [intel]
    index = cache / "sha256-index.json"
    assert json.loads(index.read_text()).keys() == {intel.name}  # the other wheel is not hashed
    written = index.stat().st_mtime_ns
    time.sleep(0.01)
    assert Wheelhouse(cache).wheels_for(lock, Target("linux/amd64", "3.11.7")) == [intel]
    assert index.stat().st_mtime_ns == written  # nothing new: not written again
    other_lock = Lock(notebook="other.ipynb", python_version="3.11", platform="linux/amd64",
                      packages=[LockedPackage(name="other-pkg", version="2.0", source="kernel",
                                              hashes=[f"sha256:{hashlib.sha256(other.read_bytes()).hexdigest()}"])])
    assert Wheelhouse(cache).wheels_for(other_lock, Target("linux/amd64", "3.11.7")) == [other]
    assert json.loads(index.read_text()).keys() == {intel.name, other.name}


def test_two_builds_add_their_hashes_to_the_index_without_losing_each_others(tmp_path):
    """Two servers sharing a cache read the index, hash their own wheels and write it back:
    the second writer keeps what the first added."""
    cache = tmp_path / "wheels"
    cache.mkdir()
    intel = wheel(cache, "x86_64")
    other = cache / "other_pkg-2.0-py3-none-any.whl"
    other.write_bytes(b"another notebook's wheel")

    def lock_of(name, path):
        return Lock(notebook="nb.ipynb", python_version="3.11", platform="linux/amd64",
                    packages=[LockedPackage(name=name, version="1.0", source="kernel",
                                            hashes=[f"sha256:{hashlib.sha256(path.read_bytes()).hexdigest()}"])])

    first, second = Wheelhouse(cache), Wheelhouse(cache)  # both read the empty index
    first.wheels_for(lock_of("tinyext", intel), Target("linux/amd64", "3.11.7"))
    second.wheels_for(lock_of("other-pkg", other), Target("linux/amd64", "3.11.7"))
    assert json.loads((cache / "sha256-index.json").read_text()).keys() == {intel.name, other.name}
    assert not list(cache.glob("*.lock"))

"""A locked version's hashes cover its files for every platform: the wheel cache must hand
the arm64 build the aarch64 file even when the x86_64 one is there too (and the other way)."""

import hashlib

from jupyter_containerize.lock.target import Target
from jupyter_containerize.lock.wheelhouse import Wheelhouse
from jupyter_containerize.models import Lock, LockedPackage

NAMES = {"x86_64": "rpds_py-0.30.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
         "aarch64": "rpds_py-0.30.0-cp311-cp311-manylinux_2_17_aarch64.manylinux2014_aarch64.whl"}


def test_each_platform_gets_its_own_file(tmp_path):
    hashes = []
    for machine, name in NAMES.items():
        (tmp_path / name).write_bytes(f"wheel for {machine}".encode())
        hashes.append("sha256:" + hashlib.sha256(f"wheel for {machine}".encode()).hexdigest())
    package = LockedPackage(name="rpds-py", version="0.30.0", source="kernel", hashes=sorted(hashes))
    house = Wheelhouse(tmp_path)
    for platform, machine in (("linux/arm64", "aarch64"), ("linux/amd64", "x86_64")):
        lock = Lock(notebook="nb.ipynb", python_version="3.11", platform=platform, packages=[package])
        [wheel] = house.wheels_for(lock, Target(platform, "3.11.7"))
        assert wheel.name == NAMES[machine]


def test_a_wheel_built_here_for_this_machine_still_counts(tmp_path):
    """A local package is built into a ``linux_x86_64`` wheel on the host: no manylinux tag,
    yet the amd64 image takes it (and the arm64 one does not)."""
    name = "localpkg-0.1-cp311-cp311-linux_x86_64.whl"
    (tmp_path / name).write_bytes(b"built here")
    package = LockedPackage(name="localpkg", version="0.1", source="kernel",
                            hashes=["sha256:" + hashlib.sha256(b"built here").hexdigest()], wheel=name)
    lock = Lock(notebook="nb.ipynb", python_version="3.11", platform="linux/amd64", packages=[package])
    assert [p.name for p in Wheelhouse(tmp_path).wheels_for(lock, Target("linux/amd64", "3.11.7"))] == [name]

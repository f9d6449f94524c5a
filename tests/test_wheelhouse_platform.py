"""The wheel cache serves each build the files of its own platform: a lock holds the hashes of
every platform's artifacts, and an arm64 wheel another build fetched must not be picked for an
amd64 image (it was, and the image failed with `No module named 'rpds.rpds'`)."""

from __future__ import annotations

import hashlib

from jupyter_containerize.lock.target import Target
from jupyter_containerize.lock.wheelhouse import Wheelhouse
from jupyter_containerize.models import Lock, LockedPackage

NAMES = {"arm64": "fastthing-1.0-cp311-cp311-manylinux_2_17_aarch64.manylinux2014_aarch64.whl",
         "amd64": "fastthing-1.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"}


def test_each_platform_gets_its_own_wheel(tmp_path):
    hashes = []
    for arch in ("arm64", "amd64"):  # the arm64 file first: the one a plain hash lookup found
        content = f"wheel for {arch}".encode()
        (tmp_path / NAMES[arch]).write_bytes(content)
        hashes.append(f"sha256:{hashlib.sha256(content).hexdigest()}")
    lock = Lock(notebook="nb.ipynb", python_version="3.11", platform="linux/amd64",
                packages=[LockedPackage(name="fastthing", version="1.0", source="kernel", hashes=hashes)])
    house = Wheelhouse(tmp_path)
    assert [p.name for p in house.wheels_for(lock, Target("linux/amd64", "3.11.7"))] == [NAMES["amd64"]]
    assert [p.name for p in house.wheels_for(lock, Target("linux/arm64", "3.11.7"))] == [NAMES["arm64"]]

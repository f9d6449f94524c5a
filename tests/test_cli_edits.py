"""The sidebar's choices from the command line: `--optional NAME` and `--exclude PATH`."""

from __future__ import annotations

import os
import subprocess

from .conftest import write_notebook


def _cli(*args: str, cache_dir, cwd) -> subprocess.CompletedProcess:
    env = {**os.environ, "CONTAINERIZE_CACHE": str(cache_dir)}
    return subprocess.run(["jupyter", "containerize", *args], capture_output=True, text=True, env=env, cwd=cwd,
                          timeout=600)


def test_optional_leaves_out_an_import_the_kernel_lacks(six_kernel, cache_dir, tmp_path):
    notebook = write_notebook(tmp_path / "nb.ipynb", "import six", "import tabulate")
    required = _cli("lock", str(notebook), "--python", str(six_kernel), cache_dir=cache_dir, cwd=tmp_path)
    assert required.returncode == 0, required.stderr[-2000:]
    assert "\ntabulate==" in required.stdout  # the resolver finds what the kernel lacks
    optional = _cli("lock", str(notebook), "--python", str(six_kernel), "--optional", "tabulate",
                    cache_dir=cache_dir, cwd=tmp_path)
    assert optional.returncode == 0, optional.stderr[-2000:]
    assert "\nsix==1.16.0" in optional.stdout and "tabulate==" not in optional.stdout


def test_exclude_leaves_a_file_out_of_the_context(six_kernel, cache_dir, tmp_path):
    (tmp_path / "helpers.py").write_text("FACTOR = 2\n")
    (tmp_path / "sales.csv").write_text("region,amount\nNorth,1\n")
    notebook = write_notebook(tmp_path / "nb.ipynb", "import helpers", "open('sales.csv').read()")
    proc = _cli("export", str(notebook), "--python", str(six_kernel), "-o", str(tmp_path / "ctx"),
                "--exclude", "sales.csv", cache_dir=cache_dir, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert (tmp_path / "ctx" / "files" / "helpers.py").is_file()
    assert not (tmp_path / "ctx" / "files" / "sales.csv").exists()

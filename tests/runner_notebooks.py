"""A small stdlib-only notebook for runner and run tests: parameters, a failure on demand,
a sleep (timeouts, SIGTERM) and a probe of the read-only root filesystem."""

from __future__ import annotations

from pathlib import Path

import nbformat

CELLS = [
    ("fail = False\nsleep = 0\nlabel = 'default'\nitems = []", ["parameters"]),
    ("import os, time\nprint(f'LABEL={label!r} TYPES={type(sleep).__name__},{type(items).__name__}')", []),
    ("try:\n    open('/opt/probe', 'w')\n    print('ROOTFS=writable')\n"
     "except OSError:\n    print('ROOTFS=read-only')\n"
     "open('written-here.txt', 'w').write('x')\nprint('WORKDIR=writable')\n"
     "print('HOME=' + ('writable' if os.access(os.path.expanduser('~'), os.W_OK) else 'read-only'))", []),
    ("if fail:\n    raise ValueError('asked to fail')", []),
    ("time.sleep(sleep)\nprint('SLEPT')", []),
    ("print('DONE')", []),
]


def write_jobs_notebook(path: Path) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(src, metadata={"tags": tags} if tags else {}) for src, tags in CELLS]
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


def outputs(notebook: Path) -> str:
    nb = nbformat.read(notebook, as_version=4)
    return "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", []))


def build_with_cli(notebook: Path, cache_dir: Path) -> dict:
    """`jupyter containerize build NOTEBOOK --json`, as a user runs it."""
    import json
    import os
    import subprocess

    from .conftest import BASE_IMAGE

    env = {**os.environ, "CONTAINERIZE_CACHE": str(cache_dir)}
    proc = subprocess.run(["jupyter", "containerize", "build", str(notebook), "--base", BASE_IMAGE, "--json"],
                          capture_output=True, text=True, env=env, timeout=1200)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout)

"""Fetching at build time what a notebook downloads (build with fetch_data): the URLs written
in its code are served from the image without the network, nltk data lands where nltk looks.
The "internet" here is an HTTP server on 127.0.0.1 that is stopped (or out of the container's
reach) when the notebook runs."""

from __future__ import annotations

import hashlib
import http.server
import json
import subprocess
import sys
import threading
import zipfile
from pathlib import Path

import nbformat
import pytest

from jupyter_containerize.analysis import analyze_notebook
from jupyter_containerize.analysis.kernel import inspect_interpreter
from jupyter_containerize.errors import DataFetchFailed
from jupyter_containerize.image.context import OFFLINE_PTH
from jupyter_containerize.image.fetch import fetch_data
from jupyter_containerize.runner import run as runner

OFFLINE_PY = Path(runner.__file__).with_name("offline.py")


class Site:
    def __init__(self, folder: Path):
        handler = lambda *a, **kw: http.server.SimpleHTTPRequestHandler(*a, directory=str(folder), **kw)  # noqa: E731
        http.server.SimpleHTTPRequestHandler.log_message = lambda *a: None
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def site(tmp_path):
    folder = tmp_path / "www"
    folder.mkdir()
    (folder / "sales.csv").write_text("region,amount\nNorth,3\n")
    (folder / "notes.txt").write_text("fetched at build time")
    served = Site(folder)
    yield served
    served.stop()


def notebook(path: Path, *cells: str) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(c) for c in cells]
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


def test_fetched_urls_are_served_without_the_network(site, tmp_path):
    nb = notebook(tmp_path / "nb" / "report.ipynb",
                  f"import urllib.request, requests\ntext = urllib.request.urlopen('{site.url}/sales.csv').read()",
                  f"notes = requests.get('{site.url}/notes.txt').text")
    analysis = analyze_notebook(nb, inspect_interpreter(sys.executable))
    assert [u.fetchable for u in analysis.network] == [True, True]
    image = tmp_path / "opt-containerize"  # as /opt/containerize is in the image
    fetched = fetch_data(analysis, sys.executable, tmp_path / "fetched", timeout=30)
    (image / "urls").mkdir(parents=True)
    for _url, path in fetched.urls:
        (image / "urls" / path.name).write_bytes(path.read_bytes())
    (image / "urls" / "index.json").write_text(json.dumps({u: p.name for u, p in fetched.urls}))
    (image / "offline.py").write_text(OFFLINE_PY.read_text())
    site.stop()  # no network from here on
    pth = OFFLINE_PTH.replace("/opt/containerize/offline.py", str(image / "offline.py"))
    script = (pth + "import urllib.request, requests\n"
              f"print(urllib.request.urlopen('{site.url}/sales.csv').read().decode())\n"
              f"print(requests.get('{site.url}/notes.txt').text)\n"
              "try:\n"
              f"    urllib.request.urlopen('{site.url}/not-fetched.csv', timeout=5)\n"
              "except OSError:\n    print('NOT FETCHED: network')\n")
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "North,3" in proc.stdout and "fetched at build time" in proc.stdout and "NOT FETCHED: network" in proc.stdout


def test_a_url_that_cannot_be_fetched_fails_naming_it(site, tmp_path):
    nb = notebook(tmp_path / "nb.ipynb", f"import urllib.request\nurllib.request.urlretrieve('{site.url}/gone.csv', 'g')")
    analysis = analyze_notebook(nb, inspect_interpreter(sys.executable))
    with pytest.raises(DataFetchFailed, match="gone.csv"):
        fetch_data(analysis, sys.executable, tmp_path / "fetched", timeout=30)


@pytest.fixture(scope="module")
def nltk_python(tmp_path_factory) -> str:
    """A kernel with the real nltk (from the package index)."""
    venv = tmp_path_factory.mktemp("nltk-kernel") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "nltk"], check=True, timeout=600)
    return str(venv / "bin" / "python")


def test_nltk_data_is_fetched_where_nltk_looks(tmp_path, nltk_python, monkeypatch):
    """nltk refuses loopback addresses (its SSRF guard): the index and package are file URLs,
    in a folder nltk reads (its NLTK_DATA)."""
    www = tmp_path / "nltk-index"
    www.mkdir()
    package = www / "tinycorpus.zip"
    with zipfile.ZipFile(package, "w") as archive:
        archive.writestr("tinycorpus/words.txt", "alpha\nbeta\n")
    data = package.read_bytes()
    (www / "index.xml").write_text(
        f'<?xml version="1.0"?>\n<nltk_data><packages>\n<package id="tinycorpus" name="Tiny" subdir="corpora" '
        f'url="{package.as_uri()}" size="{len(data)}" unzipped_size="11" unzip="1" '
        f'checksum="{hashlib.md5(data).hexdigest()}" />\n</packages><collections /></nltk_data>\n')
    monkeypatch.setenv("NLTK_DATA", str(www))
    nb = notebook(tmp_path / "nb.ipynb", "import nltk\nnltk.download('tinycorpus')")
    analysis = analyze_notebook(nb, inspect_interpreter(nltk_python))
    fetched = fetch_data(analysis, nltk_python, tmp_path / "fetched", timeout=60,
                         nltk_index=(www / "index.xml").as_uri())
    package.unlink()
    proc = subprocess.run([nltk_python, "-c", "import nltk; print(nltk.data.find('corpora/tinycorpus/words.txt'))"],
                          capture_output=True, text=True, env={"NLTK_DATA": str(fetched.nltk_data)}, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "tinycorpus" in proc.stdout


@pytest.mark.engine
def test_an_image_built_with_fetch_data_runs_without_the_network(site, tmp_path, engine, cache_dir):
    """The container cannot reach the host's 127.0.0.1: the notebook's URL read succeeds only
    because the build fetched it into the image."""
    import os

    from jupyter_containerize.share.running import run_image

    from .conftest import BASE_IMAGE
    from .runner_notebooks import outputs

    nb = notebook(tmp_path / "project" / "report.ipynb",
                  f"import urllib.request\ntext = urllib.request.urlopen('{site.url}/sales.csv').read().decode()\n"
                  "print('GOT', text.splitlines()[1])")
    env = {**os.environ, "CONTAINERIZE_CACHE": str(cache_dir)}
    proc = subprocess.run(["jupyter", "containerize", "build", str(nb), "--base", BASE_IMAGE, "--json", "--fetch-data",
                           "--tag", "containerize-test/fetched:1"], capture_output=True, text=True, env=env,
                          timeout=1200, cwd=nb.parent)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Needs network at run time: cell 1 line 2: urllib.request.urlopen" in proc.stderr
    assert f"fetched {site.url}/sales.csv" in proc.stderr
    site.stop()
    lines = []
    status = run_image(engine, "containerize-test/fetched:1", tmp_path / "out", on_output=lines.append)
    assert status == 0, lines
    assert "GOT North,3" in outputs(tmp_path / "out" / "report.ipynb")

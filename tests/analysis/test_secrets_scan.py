"""Possible secrets in what an image ships: found by detect-secrets in the notebook's cells and
text outputs, its local modules and data files; reported by place and kind, never by value;
quiet on ordinary notebooks (digests, ids, data paths, images in outputs)."""

from __future__ import annotations

import base64
import json
import random
import threading

import nbformat
import pytest
from nbclient import NotebookClient

from jupyter_containerize.analysis import analyze_notebook
from jupyter_containerize.analysis.secrets import check_secrets, find_secrets, unconfirmed
from jupyter_containerize.errors import SecretsFound
from jupyter_containerize.models import Analysis, PythonInfo, SecretFinding

from .conftest import dist, make_env

AWS_ID = "AKIAIOSFODNN7EXAMPLE"  # AWS's documented example key
AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
DB_PASSWORD = "Sup3rS3cretPassw0rd"
PNG = base64.b64encode(random.Random(0).randbytes(6000)).decode()


def _notebook(path, cells):
    """``cells``: (source, outputs) pairs, written with nbformat."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_markdown_cell("# Sales")]
    for source, outputs in cells:
        cell = nbformat.v4.new_code_cell(source)
        cell.outputs = outputs
        nb.cells.append(cell)
    nbformat.write(nb, path)
    return path


def _analyse(path):
    return analyze_notebook(path, make_env(dist("pandas", "2.2.3")), index=lambda n: None)


def test_credentials_in_cells_and_outputs_are_reported_by_place_and_kind(tmp_path):
    path = _notebook(tmp_path / "leaky.ipynb", [
        ("import pandas as pd\ndf = pd.read_csv('data.csv')", []),
        (f'import os\nAWS_ACCESS_KEY_ID = "{AWS_ID}"\nAWS_SECRET_ACCESS_KEY = "{AWS_SECRET}"', []),
        ("print(os.environ['DB_URL'])",
         [nbformat.v4.new_output("stream", name="stdout", text=f"postgres://admin:{DB_PASSWORD}@db.example/sales\n")]),
    ])
    analysis = _analyse(path)
    places = {(f.path, f.cell, f.output, f.line, f.kind) for f in analysis.secrets}
    assert ("leaky.ipynb", 3, False, 2, "AWS Access Key") in places
    assert ("leaky.ipynb", 3, False, 3, "Secret Keyword") in places
    assert ("leaky.ipynb", 4, True, 1, "Basic Auth Credentials") in places
    assert not any(f.cell == 2 for f in analysis.secrets)  # pd.read_csv("data.csv")
    text = analysis.model_dump_json()
    for secret in (AWS_ID, AWS_SECRET, DB_PASSWORD, "AWS_SECRET_ACCESS_KEY"):
        assert secret not in text  # neither the value nor the line's text


def test_images_digests_and_ids_are_not_reported(tmp_path):
    digest = "3b5d5c3712955042212316173ccf37be800b2e4c1d9d6cf1d1c5d6f0e1f2a3b4"
    path = _notebook(tmp_path / "quiet.ipynb", [
        (f"%pip install pandas==2.2.3 --hash=sha256:{digest}\n"
         f'image = "sha256:{digest}"\ncommit = "{digest[:40]}"\nrun_id = "{digest[:32]}"\n'
         'model = "bert-base-uncased"\ncolour = "#a1b2c3"\npassword = getpass.getpass()\n'
         'token = os.environ["HF_TOKEN"]\nurl = "https://huggingface.co/datasets/squad/resolve/main/train.json"',
         [nbformat.v4.new_output("display_data", data={"image/png": PNG, "text/plain": "<Figure size 640x480>"}),
          nbformat.v4.new_output("execute_result", execution_count=1, data={
              "text/html": f'<img src="data:image/png;base64,{PNG[:2000]}"/>', "text/plain": "<IPython.Image>"}),
          nbformat.v4.new_output("stream", name="stdout",
                                 text=f"sha256:{digest}\n{digest[:12]}\n1c9a2f6e-8b0d-4c53-9d8e-0f4a3b2c1d0e\n")]),
    ])
    assert _analyse(path).secrets == []


@pytest.fixture(scope="module")
def executed_notebook(tmp_path_factory):
    """A realistic notebook run by a real kernel: DataFrames (HTML), a matplotlib figure (PNG),
    ids, digests and JSON printed."""
    folder = tmp_path_factory.mktemp("realistic")
    cells = [
        "import hashlib, json, uuid\nimport numpy as np\nimport pandas as pd\nimport matplotlib\n"
        "matplotlib.use('agg')\nimport matplotlib.pyplot as plt\n%matplotlib inline",
        "rng = np.random.default_rng(0)\n"
        "df = pd.DataFrame({'id': [uuid.UUID(int=int(rng.integers(2**62)) << 64).hex for _ in range(30)],\n"
        "                   'digest': [hashlib.sha256(str(i).encode()).hexdigest() for i in range(30)],\n"
        "                   'value': rng.normal(size=30), 'region': rng.choice(['north', 'south'], 30)})\n"
        "df.to_csv('sales.csv', index=False)\ndf",
        "df = pd.read_csv('sales.csv')\ndf.describe()",
        "df.groupby('region').value.agg(['mean', 'std']).style.background_gradient()",
        "fig, ax = plt.subplots()\nax.plot(rng.normal(size=200).cumsum())\nplt.show()",
        "print(hashlib.md5(b'x').hexdigest(), uuid.UUID(int=7))\n"
        "print(json.dumps({'model': 'bert-base-uncased', 'revision': hashlib.sha1(b'r').hexdigest()}, indent=1))",
    ]
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(c) for c in cells]
    NotebookClient(nb, timeout=120, resources={"metadata": {"path": str(folder)}}).execute()
    kinds = {k for cell in nb.cells for out in cell.outputs for k in (out.get("data") or {})}
    assert {"text/html", "image/png", "text/plain"} <= kinds, kinds
    nbformat.write(nb, folder / "report.ipynb")
    return folder / "report.ipynb"


def test_a_realistic_executed_notebook_has_no_finding(executed_notebook):
    analysis = _analyse(executed_notebook)
    assert "sales.csv" in [d.path for d in analysis.data_files]  # its data file is scanned too
    assert analysis.secrets == []


def test_local_modules_and_text_data_files_are_scanned(tmp_path):
    (tmp_path / "helpers.py").write_text(f'DB_SECRET = "{AWS_SECRET}"\n\ndef f():\n    return 1\n')
    (tmp_path / "conf").mkdir()
    (tmp_path / "conf" / "settings.ini").write_text(f"[db]\nhost = db.example\npassword = {DB_PASSWORD}\n")
    (tmp_path / "conf" / "blob.bin").write_bytes(b"\0\1" + f"password = {DB_PASSWORD}".encode())
    path = _notebook(tmp_path / "nb.ipynb", [("import helpers\nCONF = 'conf/'\nprint(open(CONF + 'settings.ini'))", [])])
    analysis = _analyse(path)
    assert "helpers.py" in analysis.local_modules and "conf" in [d.path for d in analysis.data_files]
    places = {(f.path, f.cell, f.line, f.kind) for f in analysis.secrets}
    assert ("helpers.py", None, 1, "Secret Keyword") in places
    assert ("conf/settings.ini", None, 3, "Secret Keyword") in places
    assert not any(f.path == "conf/blob.bin" for f in analysis.secrets)  # binary: not read
    assert DB_PASSWORD not in analysis.model_dump_json()


def test_an_allowlisted_line_is_not_reported(tmp_path):
    path = _notebook(tmp_path / "nb.ipynb", [
        (f'KEY = "{AWS_ID}"  # pragma: allowlist secret\nOTHER = "{AWS_ID}"', [])])
    assert [(f.line, f.kind) for f in _analyse(path).secrets] == [(2, "AWS Access Key")]


def test_concurrent_scans_agree(tmp_path):
    """detect-secrets keeps its settings in a global: scans in threads (the server's) must not mix."""
    nb = {"cells": [{"cell_type": "code", "source": f'k = "{AWS_ID}"\npw = "{DB_PASSWORD}"', "outputs": []}]}
    bare = Analysis(notebook="nb.ipynb", python=PythonInfo(version="3.11.7", executable="python"))
    expected = find_secrets(nb, "nb.ipynb", tmp_path, bare)
    assert expected
    results = []
    barrier = threading.Barrier(8)

    def scan(i):
        # long and short scans at once (the cache missed): a short one that ended must not
        # take the detectors away from a long one still running
        source = f'k = "{AWS_ID}"\npw = "{DB_PASSWORD}"\n' + f"x = {i}\n" * (400 if i % 2 else 1)
        barrier.wait()
        results.append(find_secrets({"cells": [{**nb["cells"][0], "source": source}]}, "nb.ipynb", tmp_path, bare))

    for round_ in range(3):
        threads = [threading.Thread(target=scan, args=(round_ * 8 + i,)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert results == [expected] * 24


def test_a_huge_notebook_is_scanned_up_to_a_budget_and_says_so(tmp_path, monkeypatch):
    from jupyter_containerize.analysis import secrets

    monkeypatch.setattr(secrets, "MAX_LINES", 50)
    path = _notebook(tmp_path / "huge.ipynb", [("x = 1\n" * 40, []), (f'KEY = "{AWS_ID}"', []),
                                               ("y = 2\n" * 40, []), (f'OTHER = "{AWS_ID}"', [])])
    analysis = _analyse(path)
    assert [(f.cell, f.kind) for f in analysis.secrets] == [(3, "AWS Access Key")]
    assert any("stopped after 50 lines" in w for w in analysis.warnings)


# -- the build's gate ----------------------------------------------------------------------

FINDINGS = [
    SecretFinding(path="nb.ipynb", cell=3, line=2, kind="AWS Access Key"),
    SecretFinding(path="nb.ipynb", cell=3, line=2, kind="Secret Keyword"),
    SecretFinding(path="nb.ipynb", cell=4, output=True, line=1, kind="Basic Auth Credentials"),
    SecretFinding(path="conf/settings.ini", line=3, kind="Secret Keyword"),
]


def _with(findings):
    return Analysis(notebook="nb.ipynb", python=PythonInfo(version="3.11.7", executable="python"), secrets=findings)


def test_the_gate_names_every_place_and_kind():
    with pytest.raises(SecretsFound) as info:
        check_secrets(_with(FINDINGS), [], allow=False, log=print)
    message = str(info.value)
    assert ("nb.ipynb cell 3 line 2 (AWS Access Key, Secret Keyword); nb.ipynb cell 4 output line 1 "
            "(Basic Auth Credentials); conf/settings.ini line 3 (Secret Keyword)") in message
    assert "allow_secrets" in message and "--allow-secrets" in message
    assert info.value.status == 400


def test_the_gate_passes_when_allowed_and_says_so():
    logged = []
    check_secrets(_with(FINDINGS), [], allow=True, log=logged.append)
    assert len(logged) == 1 and "3 possible secret(s), as allowed" in logged[0]
    check_secrets(_with([]), [], allow=False, log=logged.append)
    assert len(logged) == 1


def test_leaving_a_file_out_clears_its_findings_but_not_the_notebooks():
    files_only = [f for f in FINDINGS if f.cell is None]
    check_secrets(_with(files_only), ["conf"], allow=False, log=print)  # a folder leaves out what it holds
    check_secrets(_with(files_only), ["conf/settings.ini"], allow=False, log=print)
    assert unconfirmed(files_only, ["con"]) == files_only  # a prefix of a name is not a folder
    assert unconfirmed(FINDINGS, ["nb.ipynb", "conf"]) == FINDINGS[:3]
    with pytest.raises(SecretsFound):
        check_secrets(_with(FINDINGS), ["conf"], allow=False, log=print)


def test_the_analysis_json_lists_findings_without_values(tmp_path):
    path = _notebook(tmp_path / "nb.ipynb", [(f'AWS_ACCESS_KEY_ID = "{AWS_ID}"', [])])
    data = json.loads(_analyse(path).model_dump_json())
    assert data["secrets"] == [{"path": "nb.ipynb", "cell": 2, "output": False, "line": 1, "kind": "AWS Access Key"}]


def test_lines_holding_digests_or_inline_images_are_skipped(tmp_path):
    """A credential-looking assignment is a finding, and none when its value is a digest or
    an inline image (the line filter the scan runs with)."""
    blob = base64.b64encode(random.Random(1).randbytes(48)).decode()
    digest = "9f" * 32
    path = _notebook(tmp_path / "inline.ipynb", [
        (f'api_token = "sha256:{digest}"\nsecret_logo = "data:image/png;base64,{blob}"', []),
        (f'api_token = "{blob}"', []),
    ])
    assert {(f.cell, f.line) for f in _analyse(path).secrets} == {(3, 1)}


def test_a_data_uri_wrapped_over_many_lines_is_data_and_lines_after_it_are_still_scanned(tmp_path):
    """An HTML output embedding an animation (``<video><source src="data:video/mp4;base64,...``,
    as matplotlib's ``to_html5_video`` writes it) wraps its base64 over thousands of lines; one
    of them looked like an AWS key to the scan and the build was refused (scientific-python-
    lectures' Lecture 4). The payload is data; a credential after it is still found, on its line."""
    payload = base64.encodebytes(random.Random(2).randbytes(40000)).decode()  # 76-character lines
    lines = payload.count("\n")
    planted = "iGF2YzEAAAAAAAAAAQAAAAAAAAAAAAAAAAAAAAABaAFoAEgAAABIAAAAAAAAAAEAAAAAAAAAAAAA\n"  # the line it was
    html = f'<video controls>\n<source type="video/mp4" src="data:video/mp4;base64,\n{payload}{planted}">\n</video>\n'
    html += f"<p>postgres://admin:{DB_PASSWORD}@db.example/sales</p>\n"
    path = _notebook(tmp_path / "animation.ipynb", [
        ("HTML(anim.to_html5_video())",
         [nbformat.v4.new_output("execute_result", data={"text/html": html, "text/plain": "<IPython.HTML>"},
                                 execution_count=1)]),
    ])
    found = {(f.cell, f.output, f.line, f.kind) for f in _analyse(path).secrets}
    assert found == {(2, True, 2 + lines + 1 + 2 + 1, "Basic Auth Credentials")}, found

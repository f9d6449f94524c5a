"""Magics and shell lines: install lines, extensions, environment, custom magics."""

from jupyter_containerize.analysis.install_lines import conda_specs, parse_install, pip_specs
from jupyter_containerize.analysis.magics import cython_imports, shell_commands

from .conftest import names, req


def test_pip_magic_with_specifiers(analyze):
    analysis = analyze('%pip install -q -U "pandas<2" transformers[sentencepiece]==4.40 --index-url https://x/simple')
    assert names(analysis) == {"pandas", "transformers"}
    assert req(analysis, "pandas").specifier == "pandas<2"
    assert req(analysis, "transformers").specifier == "transformers[sentencepiece]==4.40"
    assert req(analysis, "pandas").source == "magic"
    assert req(analysis, "pandas").reasons == ["%pip install line (cell 1)"]


def test_shell_pip_variants(analyze):
    analysis = analyze(
        "!pip install -q wget",
        "!pip3 install requests",
        "import sys\n!{sys.executable} -m pip install six",
        "!python -m pip install --upgrade idna && echo done",
        "# !pip install commented-out",
    )
    assert names(analysis) == {"wget", "requests", "six", "idna"}


def test_requirements_file(analyze, tmp_path):
    (tmp_path / "requirements.txt").write_text("numpy>=1.26\n# comment\n-r more.txt\n")
    (tmp_path / "more.txt").write_text("scipy\n")
    analysis = analyze("%pip install -r requirements.txt")
    assert names(analysis) == {"numpy", "scipy"}
    assert req(analysis, "numpy").specifier == "numpy>=1.26"
    assert "requirements.txt" in {d.path for d in analysis.data_files}


def test_missing_requirements_file_warns(analyze):
    analysis = analyze("%pip install -r nowhere.txt")
    assert any("nowhere.txt not found" in w for w in analysis.warnings)


def test_conda_install(analyze):
    analysis = analyze("%conda install -y -c conda-forge pytorch=2.1 py-xgboost graphviz")
    assert names(analysis) == {"torch", "xgboost"}
    assert req(analysis, "torch").specifier == "torch==2.1.*"


def test_vcs_install_warns(analyze):
    analysis = analyze("%pip install git+https://github.com/x/y.git")
    assert not analysis.requirements
    assert any("git+https://github.com/x/y.git" in w for w in analysis.warnings)


def test_load_ext(analyze):
    analysis = analyze("%load_ext watermark\n%load_ext autoreload\n%reload_ext tensorboard")
    assert names(analysis) == {"watermark", "tensorboard"}
    assert req(analysis, "watermark").reasons == ["%load_ext watermark (cell 1)"]
    record = [r for r in analysis.imports if r.module == "watermark"][0]
    assert record.source == "magic"


def test_env_magic_sets_environment_for_rules(analyze):
    analysis = analyze("%env KERAS_BACKEND=jax", "import keras")
    assert {"keras", "jax"} <= names(analysis)
    assert "tensorflow" not in names(analysis)


def test_python_cell_magic_bodies(analyze):
    analysis = analyze("%%time\nimport yaml", "%%capture out\nimport requests", "%timeit -n 3 import bs4")
    assert {"pyyaml", "requests", "beautifulsoup4"} <= names(analysis)


def test_custom_cell_magic_defined_in_notebook(analyze):
    analysis = analyze(
        "from IPython.core.magic import register_cell_magic\n@register_cell_magic\ndef backend(line, cell):\n    pass",
        "%%backend torch\nimport torch",
    )
    assert req(analysis, "torch").optional
    assert any("%%backend" in w for w in analysis.warnings)


def test_non_python_cell_magics_are_not_parsed(analyze):
    analysis = analyze("%%bash\nimport os\necho hi", "%%html\n<b>import yaml</b>", "%%writefile notes.txt\nimport yaml")
    assert not analysis.requirements


def test_unknown_cell_magic_warns(analyze):
    analysis = analyze("%%mystery\nselect * from t")
    assert any("%%mystery" in w for w in analysis.warnings)


def test_shell_commands_to_system_packages(analyze):
    analysis = analyze("!wget -q https://x/data.zip && unzip data.zip", "!apt-get install -y graphviz libsm6",
                       "!kaggle datasets list")
    system = {p.name for p in analysis.system_packages}
    assert {"wget", "unzip", "graphviz", "libsm6"} <= system
    assert "kaggle" in names(analysis)


def test_bash_cell_commands(analyze):
    analysis = analyze("%%bash\ngit clone https://x/y\nffmpeg -i a.mp4 b.gif")
    assert {"git", "ffmpeg"} <= {p.name for p in analysis.system_packages}


def test_nvidia_smi_warns(analyze):
    analysis = analyze("!nvidia-smi")
    assert any("GPU" in w for w in analysis.warnings)


def test_parsers():
    line = parse_install("pip install -q a==1 'b[x]>2' -c constraints.txt --extra-index-url u c")
    assert line.specs == ["a==1", "b[x]>2", "c"]
    assert parse_install("ls -la") is None
    specs, bad = pip_specs(["ok>=1", "not a spec!!"])
    assert [s.name for s in specs] == ["ok"] and bad == ["not a spec!!"]
    specs, skipped = conda_specs(["conda-forge::numpy>=1.2", "cudatoolkit=11", "r-base"])
    assert [s.text for s in specs] == ["numpy>=1.2"] and len(skipped) == 2
    assert cython_imports("cimport numpy as cnp\nfrom libc.math cimport sqrt\nimport scipy.special\n") == [
        ("numpy", 1), ("scipy.special", 3)]
    assert [c.program for c in shell_commands("sudo apt-get update; FOO=1 wget x | tar xz")] == ["apt-get", "wget", "tar"]

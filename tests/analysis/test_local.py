"""Local modules (analysed recursively) and data files."""


from jupyter_containerize.analysis import analyze_notebook

from .conftest import dist, make_env, names, write_notebook


def test_local_module_next_to_notebook(analyze, tmp_path):
    (tmp_path / "helpers.py").write_text("import yaml\nfrom . import nothing\n")
    analysis = analyze("import helpers\nfrom helpers import load")
    assert analysis.local_modules == ["helpers.py"]
    assert {r.kind for r in analysis.imports} == {"local"}
    assert names(analysis) == {"pyyaml"}
    assert analysis.requirements[0].reasons == ["import yaml (helpers.py)"]


def test_local_package_recursive(analyze, tmp_path):
    pkg = tmp_path / "mylib"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("from .sub import tools\n")
    (pkg / "sub" / "__init__.py").write_text("")
    (pkg / "sub" / "tools.py").write_text("import requests\nimport helpers2\n")
    (tmp_path / "helpers2.py").write_text("import bs4\n")
    analysis = analyze("from mylib.sub.tools import x")
    assert analysis.local_modules == ["helpers2.py", "mylib"]
    assert names(analysis) == {"requests", "beautifulsoup4"}


def test_local_module_shadows_a_pypi_name(analyze, tmp_path):
    (tmp_path / "utils.py").write_text("")
    env = make_env(dist("utils", "1.0"))
    analysis = analyze("import utils", env=env)
    assert not analysis.requirements and analysis.local_modules == ["utils.py"]


def test_module_in_server_root(tmp_path):
    root = tmp_path / "root"
    (root / "shared").mkdir(parents=True)
    (root / "common.py").write_text("import yaml\n")
    path = write_notebook(root / "project" / "nb.ipynb", "import common")
    analysis = analyze_notebook(path, make_env(), root=root, index=lambda n: None)
    assert analysis.local_modules == ["../common.py"]
    assert names(analysis) == {"pyyaml"}


def test_sys_path_insert_and_chdir(tmp_path):
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "check.py").write_text("import requests\n")
    (tmp_path / "fmt").mkdir()
    (tmp_path / "fmt" / "formats.py").write_text("import yaml\n")
    path = write_notebook(
        tmp_path / "notebooks" / "nb.ipynb",
        "import sys, os\nsys.path.insert(0, os.path.join('..', 'lib'))\nfrom check import check_packages",
        "os.chdir('../fmt')\nfrom formats import load_style",
    )
    analysis = analyze_notebook(path, make_env(), root=tmp_path, index=lambda n: None)
    assert analysis.local_modules == ["../fmt/formats.py", "../lib/check.py"]
    assert names(analysis) == {"requests", "pyyaml"}
    # with no root, the boundary is the notebook's folder: nothing beside it is read
    alone = analyze_notebook(path, make_env(), index=lambda n: None)
    assert alone.local_modules == [] and not {"requests", "pyyaml"} & names(alone)


def test_writefile_module(analyze):
    analysis = analyze("%%writefile mymod.py\nimport yaml\n", "import mymod")
    assert names(analysis) == {"pyyaml"}
    assert [r.kind for r in analysis.imports] == ["local"]


def test_run_script_and_notebook(analyze, tmp_path):
    (tmp_path / "setup_env.py").write_text("import requests\n")
    write_notebook(tmp_path / "other.ipynb", "import yaml")
    analysis = analyze("%run setup_env.py", "%run other.ipynb", "!python setup_env.py")
    assert names(analysis) == {"requests", "pyyaml"}
    assert set(analysis.local_modules) == {"setup_env.py", "other.ipynb"}


def test_data_files(analyze, tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "sales.csv").write_text("a,b\n1,2\n")
    (tmp_path / "config.yaml").write_text("x: 1\n")
    (tmp_path / "images").mkdir()
    for i in range(3):
        (tmp_path / "images" / f"{i}.png").write_bytes(b"x" * 10)
    big = tmp_path / "data" / "big.bin"
    with big.open("wb") as f:
        f.seek(60 * 1024 * 1024 - 1)
        f.write(b"\0")
    analysis = analyze(
        "import pandas as pd, os, glob\n"
        "df = pd.read_csv('data/sales.csv')\n"
        "cfg = open('config.yaml')\n"
        "pics = glob.glob('images/*.png')\n"
        "blob = open(os.path.join('data', 'big.bin'), 'rb')\n"
        "missing = pd.read_csv('data/missing.csv')\n"
        "url = pd.read_csv('https://example.org/x.csv')\n"
        "here = os.listdir('.')\n"
    )
    files = {d.path: d for d in analysis.data_files}
    assert set(files) == {"data/sales.csv", "config.yaml", "images/0.png", "images/1.png", "images/2.png", "data/big.bin"}
    assert files["data/sales.csv"].size == 8
    assert files["data/big.bin"].large and not files["config.yaml"].large
    assert any("large" in w for w in analysis.warnings)


def test_large_file_flagged(analyze, tmp_path):
    big = tmp_path / "big.parquet"
    with big.open("wb") as f:
        f.seek(60 * 1024 * 1024 - 1)
        f.write(b"\0")
    analysis = analyze("import pandas as pd\npd.read_parquet('big.parquet')")
    [data] = analysis.data_files
    assert data.large and data.size == 60 * 1024 * 1024


def test_absolute_path_outside_is_not_included_nor_disclosed(analyze, tmp_path):
    analysis = analyze("open('/etc/hostname')\nopen('/etc/no-such-file')")
    assert not analysis.data_files
    assert not [w for w in analysis.warnings if "/etc" in w]  # whether it exists is not told


def test_a_library_docs_notebook_imports_the_installed_library_not_its_source(tmp_path):
    """In a library's repository (statsmodels, geopandas) the docs notebooks import the library
    installed in the kernel: its source folder at the root is not on the kernel's sys.path, and
    shipping it would break the image (uncompiled extensions) and scan it for secrets."""
    from jupyter_containerize.analysis import analyze_notebook

    from .conftest import dist, make_env, names, write_notebook

    (tmp_path / "mylib").mkdir()
    (tmp_path / "mylib" / "__init__.py").write_text("password = 'hunter2'\n")
    (tmp_path / "helpers.py").write_text("")
    nb = write_notebook(tmp_path / "docs" / "examples" / "tour.ipynb", "import mylib\nimport helpers")
    installed = analyze_notebook(nb, make_env(dist("mylib", "2.0")), root=tmp_path, index=lambda n: None)
    assert "mylib" in names(installed) and installed.local_modules == ["../../helpers.py"]
    # not installed in the kernel: the folder at the root is still found, as before
    source = analyze_notebook(nb, make_env(), root=tmp_path, index=lambda n: None)
    assert sorted(source.local_modules) == ["../../helpers.py", "../../mylib"]


def test_data_files_a_local_module_reads_are_shipped(analyze, tmp_path):
    """numpy-100: `%run initialise.py` imports generators.py, which reads source/headers.ktx at
    import: the file goes into the image with the module (it ran from the notebook's folder)."""
    (tmp_path / "source").mkdir()
    (tmp_path / "source" / "headers.ktx").write_text("<h1\nquestions\n")
    (tmp_path / "generators.py").write_text("import os\nHEADERS = open(os.path.join('source', 'headers.ktx')).read()\n")
    (tmp_path / "initialise.py").write_text("import generators as ge\n")
    analysis = analyze("%run initialise.py")
    assert sorted(analysis.local_modules) == ["generators.py", "initialise.py"]
    assert [d.path for d in analysis.data_files] == ["source/headers.ktx"]


def test_a_file_downloaded_only_when_missing_is_shipped_when_present(analyze, tmp_path):
    """ThinkStats2: download(url) fetches basename(url) unless it exists; in the repository it
    does, so the kernel never downloads: the image gets the file, not a network call."""
    (tmp_path / "2002FemPreg.dct").write_text("dictionary {}\n")
    analysis = analyze(
        "from os.path import basename, exists\n"
        "def download(url):\n    filename = basename(url)\n    if not exists(filename):\n"
        "        from urllib.request import urlretrieve\n        urlretrieve(url, filename)\n",
        'download("https://github.com/AllenDowney/ThinkStats2/raw/master/code/2002FemPreg.dct")\n'
        'download("https://github.com/AllenDowney/ThinkStats2/raw/master/code/absent.csv")')
    assert [d.path for d in analysis.data_files] == ["2002FemPreg.dct"]
    # only that one needs the network (and the urlretrieve inside download(), whose URL is made at run time)
    assert [u.url.rsplit("/", 1)[1] for u in analysis.network if u.url] == ["absent.csv"]

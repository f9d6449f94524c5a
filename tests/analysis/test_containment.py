"""Nothing outside the root is read, listed or sized: links and paths that lead out of the
server root (or, without one, the notebook's folder) are refused by name, never followed."""

from pathlib import Path

import pytest

from jupyter_containerize.analysis import analyze_notebook

from .conftest import make_env, names, write_notebook


@pytest.fixture
def layout(tmp_path):
    """root/ (the server root) with project/nb.ipynb, and outside/ beside root holding a
    private file and a module that imports yaml."""
    root, outside = tmp_path / "root", tmp_path / "outside"
    (root / "project").mkdir(parents=True)
    outside.mkdir()
    (outside / "id_rsa").write_text("-----BEGIN OPENSSH PRIVATE KEY-----\n" + "x" * 321)
    (outside / "secret_helper.py").write_text("import yaml\n")
    (outside / "hosts").write_text("127.0.0.1 localhost\n")
    return root, root / "project", outside


def analyse(root, project, *cells):
    return analyze_notebook(write_notebook(project / "nb.ipynb", *cells), make_env(), root=root,
                            index=lambda name: None)


def test_a_module_linking_outside_is_refused_and_not_read(layout):
    root, project, outside = layout
    (project / "helper.py").symlink_to(outside / "secret_helper.py")
    analysis = analyse(root, project, "import helper")
    assert analysis.local_modules == []
    assert "pyyaml" not in names(analysis)  # its content was never read
    assert [r.kind for r in analysis.imports] == ["local"]  # not guessed as a PyPI package either
    assert any(w.startswith("helper.py leads outside the server root through a link") for w in analysis.warnings)


def test_a_package_file_linking_outside_is_left_out_and_named(layout):
    root, project, outside = layout
    (project / "mylib").mkdir()
    (project / "mylib" / "__init__.py").write_text("X = 1\n")
    (project / "mylib" / "key.pem").symlink_to(outside / "id_rsa")
    analysis = analyse(root, project, "import mylib")
    assert analysis.local_modules == ["mylib"]
    assert analysis.local_module_sizes == {"mylib": len("X = 1\n")}  # the outside file is not counted
    assert any("mylib/key.pem leads outside the server root" in w for w in analysis.warnings)


def test_a_data_folder_link_outside_is_left_out_and_its_size_not_told(layout):
    root, project, outside = layout
    (project / "data").mkdir()
    (project / "data" / "ok.csv").write_text("a\n1\n")
    (project / "data" / "creds").symlink_to(outside / "id_rsa")
    (project / "elsewhere").symlink_to(outside, target_is_directory=True)
    analysis = analyse(root, project, "import os\nos.listdir('data/')\nopen('elsewhere/hosts')")
    assert [(d.path, d.size) for d in analysis.data_files] == [("data", 4)]
    text = " ".join(analysis.warnings)
    assert "data/creds leads outside the server root" in text and "elsewhere leads outside" in text
    assert "hosts" not in text  # the link is named, never what lies behind it
    assert "id_rsa" not in text and "321" not in text


def test_paths_climbing_out_of_the_root_are_not_listed(layout):
    root, project, _ = layout
    analysis = analyse(root, project, "import glob\nglob.glob('../../outside/host*')\nopen('../../outside/hosts')\n"
                       "open('../../../../../../etc/hostname')")
    assert analysis.data_files == []
    assert not [w for w in analysis.warnings if "hosts" in w or "hostname" in w]


def test_files_beside_the_notebook_inside_the_root_still_count(layout):
    root, project, _ = layout
    (root / "shared").mkdir()
    (root / "shared" / "prices.csv").write_text("p\n1\n")
    (project / "alias.csv").symlink_to(root / "shared" / "prices.csv")  # a link that stays inside
    analysis = analyse(root, project, "open('../shared/prices.csv')\nopen('alias.csv')")
    assert sorted((d.path, d.size) for d in analysis.data_files) == [("../shared/prices.csv", 4), ("alias.csv", 4)]
    assert not [w for w in analysis.warnings if "outside" in w]


def test_requirement_files_outside_the_root_are_not_read(layout):
    root, project, outside = layout
    (outside / "requirements.txt").write_text("leaky-package==1.0\n")
    (project / "requirements.txt").write_text("-r ../../outside/requirements.txt\nrich==13.7.1\n")
    analysis = analyse(root, project, "%pip install -r requirements.txt", "%pip install -r ../../outside/requirements.txt")
    assert "rich" in names(analysis) and "leaky-package" not in names(analysis)


def test_a_symlink_loop_is_a_warning_not_a_crash(layout):
    root, project, _ = layout
    (project / "loop.py").symlink_to(project / "loop.py")
    (project / "data").symlink_to(project / "data")
    analysis = analyse(root, project, "import loop\nopen('data')")
    assert analysis.data_files == [] and analysis.local_modules == []


def test_without_a_root_the_notebook_folder_is_the_boundary(tmp_path):
    (tmp_path / "secret.txt").write_text("s")
    path = write_notebook(tmp_path / "project" / "nb.ipynb", "open('../secret.txt')")
    analysis = analyze_notebook(path, make_env(), index=lambda name: None)
    assert analysis.data_files == [] and Path(tmp_path / "secret.txt").exists()

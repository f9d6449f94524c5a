"""Data paths built with pathlib across cells, as real notebooks write them (a variable bound
to ``Path().resolve() / "data"`` in one cell, joined and globbed in later ones; a folder
reached through ``.parent``): the files they name are found and shipped. Before, only string
literals with a slash or a dot counted, and such notebooks failed in their image for want of
their data (the Automating-GIS-processes and learn-python3 notebooks of the corpus)."""

from jupyter_containerize.analysis import analyze_notebook

from .conftest import make_env, write_notebook


def _paths(notebook, root):
    return {d.path for d in analyze_notebook(notebook, make_env(), root=root, index=lambda n: None).data_files}


def test_a_folder_variable_joined_and_globbed_in_later_cells(tmp_path):
    shapes = tmp_path / "lesson" / "data" / "topographic"
    shapes.mkdir(parents=True)
    for suffix in ("shp", "shx", "dbf", "prj"):  # a shapefile is several files
        (shapes / f"m_L4132R_p.{suffix}").write_bytes(b"x")
    (tmp_path / "lesson" / "elsewhere.csv").write_text("a\n")
    notebook = write_notebook(
        tmp_path / "lesson" / "intro.ipynb",
        "import pathlib\nNOTEBOOK_PATH = pathlib.Path().resolve()\nDATA_DIRECTORY = NOTEBOOK_PATH / 'data'",
        "TOPOGRAPHIC = DATA_DIRECTORY / 'topographic'\nTOPOGRAPHIC",
        "input_filename = list(TOPOGRAPHIC.glob('m*p.shp'))[0]",
    )
    found = _paths(notebook, tmp_path)
    assert {"data", "data/topographic", "data/topographic/m_L4132R_p.shp"} <= found
    assert "elsewhere.csv" not in found


def test_a_folder_reached_through_parent(tmp_path):
    (tmp_path / "beginner" / "data").mkdir(parents=True)
    (tmp_path / "beginner" / "data" / "simple_file.txt").write_text("hello\n")
    notebook = write_notebook(
        tmp_path / "beginner" / "notebooks" / "file_io.ipynb",
        "from pathlib import Path\ncurrent_file = Path('file_io.ipynb').resolve()\ncurrent_dir = current_file.parent\n"
        "data_dir = current_dir.parent / 'data'",
        "file_path = data_dir / 'simple_file.txt'\nwith open(file_path) as f:\n    print(f.read())",
    )
    assert "../data/simple_file.txt" in _paths(notebook, tmp_path)


def test_a_rebound_variable_no_longer_names_a_path(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "a.csv").write_text("a\n")
    notebook = write_notebook(
        tmp_path / "nb.ipynb",
        "from pathlib import Path\nfolder = Path.cwd() / 'data'",
        "folder = make_folder()\nopen(folder / 'a.csv')",
    )
    found = _paths(notebook, tmp_path)
    assert "data" in found  # named by the first cell
    assert "data/a.csv" not in found  # the second cell's folder is no longer 'data'

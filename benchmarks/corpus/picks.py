"""Write ``manifest.json`` from the picks below and the fetched repositories.

    python benchmarks/corpus/picks.py --mirror /work/.mirror [--output benchmarks/corpus/manifest.json]

Each pick is a repository (``owner/name``), its licence as the repository states it, its domain
tags and the notebook paths taken from it. The commit is the repository's HEAD in the mirror
(a bare git directory ``MIRROR/owner+name/repo``); features are read from the notebook at that
commit (magics, shell lines, file formats it reads, URLs, helper modules and data folders
beside it). Only references are written: no notebook is copied into this repository.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
from pathlib import Path, PurePosixPath

HERE = Path(__file__).resolve().parent

# repo: (licence, domains, [paths])
PICKS: dict[str, tuple[str, list[str], list[str]]] = {
    "wesm/pydata-book": ("MIT", ["data-analysis", "teaching"], [
        "ch02.ipynb", "ch04.ipynb", "ch05.ipynb", "ch06.ipynb", "ch07.ipynb", "ch08.ipynb", "ch09.ipynb",
        "ch10.ipynb", "ch11.ipynb", "ch13.ipynb", "appa.ipynb"]),
    "chris1610/pbpython": ("BSD-3-Clause", ["data-analysis", "excel", "scraping"], [
        "notebooks/pandas-styling.ipynb", "notebooks/case_study_weather/1-dwd_konverter_download.ipynb",
        "notebooks/Combining-Multiple-Excel-File-with-Pandas.ipynb", "notebooks/Excel_Diff_Update.ipynb",
        "notebooks/Monte_Carlo_Simulation.ipynb", "notebooks/Pandas-Pivot-Table-Explained.ipynb",
        "notebooks/Amortization-Corrected-Final.ipynb", "notebooks/Simple_Graphing.ipynb",
        "notebooks/Natural_Breaks.ipynb"]),
    "statsmodels/statsmodels": ("BSD-3-Clause", ["statistics"], [
        "examples/notebooks/ols.ipynb", "examples/notebooks/glm.ipynb", "examples/notebooks/glm_formula.ipynb",
        "examples/notebooks/kernel_density.ipynb", "examples/notebooks/lowess.ipynb",
        "examples/notebooks/mixed_lm_example.ipynb", "examples/notebooks/quantile_regression.ipynb",
        "examples/notebooks/exponential_smoothing.ipynb", "examples/notebooks/regression_plots.ipynb",
        "examples/notebooks/markov_autoregression.ipynb"]),
    "CamDavidsonPilon/Probabilistic-Programming-and-Bayesian-Methods-for-Hackers": ("MIT", ["statistics", "bayesian"], [
        "Chapter1_Introduction/Ch1_Introduction_PyMC_current.ipynb"]),
    "ageron/handson-ml2": ("Apache-2.0", ["classic-ml", "teaching"], [
        "03_classification.ipynb", "06_decision_trees.ipynb", "02_end_to_end_machine_learning_project.ipynb",
        "tools_numpy.ipynb", "tools_pandas.ipynb", "tools_matplotlib.ipynb", "math_linear_algebra.ipynb"]),
    "bokeh/bokeh-notebooks": ("BSD-3-Clause", ["plotting"], [
        "tutorial/03 - Data Sources and Transformations.ipynb", "tutorial/01 - Basic Plotting.ipynb"]),
    "ethen8181/machine-learning": ("MIT", ["classic-ml"], [
        "trees/decision_tree.ipynb", "trees/lightgbm.ipynb", "trees/xgboost.ipynb"]),
    "geopandas/geopandas": ("BSD-3-Clause", ["geo"], [
        "doc/source/gallery/choropleths.ipynb", "doc/source/docs/user_guide/interactive_mapping.ipynb",
        "doc/source/gallery/create_geopandas_from_pandas.ipynb", "doc/source/gallery/spatial_joins.ipynb",
        "doc/source/gallery/overlays.ipynb"]),
    "hb20007/hands-on-nltk-tutorial": ("MIT", ["nlp"], [
        "2-2-Detecting-Text-Language-by-Counting-Stop-Words.ipynb", "3-4-Parts-of-Speech-and-Meaning.ipynb",
        "1-1-Downloading-and-Checking-Packages.ipynb", "3-1-Bigrams-Stemming-and-Lemmatizing.ipynb"]),
    "ipython-books/cookbook-2nd-code": ("MIT", ["teaching", "hpc", "plotting", "statistics"], [
        "chapter14_graphgeo/03_dag.ipynb", "chapter05_hpc/05_cython.ipynb", "chapter11_image/05_faces.ipynb",
        "chapter01_basic/04_magic.ipynb", "chapter05_hpc/02_numba.ipynb", "chapter07_stats/04_correlation.ipynb",
        "chapter04_optimization/09_hdf5_array.ipynb", "chapter10_signal/02_filter.ipynb",
        "chapter12_deterministic/03_ode.ipynb"]),
    "jorisvandenbossche/geopandas-tutorial": ("BSD-3-Clause", ["geo", "teaching"], [
        "01-introduction-geospatial-data.ipynb", "02-coordinate-reference-systems.ipynb",
        "03-spatial-relationships-joins.ipynb", "04-spatial-operations-overlays.ipynb"]),
    "mwaskom/seaborn": ("BSD-3-Clause", ["plotting"], [
        "doc/_docstrings/clustermap.ipynb", "doc/_tutorial/regression.ipynb", "doc/_docstrings/color_palette.ipynb",
        "doc/_docstrings/axes_style.ipynb"]),
    "rasbt/machine-learning-book": ("MIT", ["classic-ml", "nlp"], ["ch08/ch08.ipynb", "ch02/ch02.ipynb"]),
    "scikit-image/skimage-tutorials": ("CC0-1.0 (repository; some data files excepted)", ["images", "teaching"], [
        "lectures/1_image_filters.ipynb", "lectures/3_morphological_operations.ipynb",
        "lectures/00_images_are_arrays.ipynb", "lectures/4_segmentation.ipynb"]),
    "uwdata/visualization-curriculum": ("BSD-3-Clause", ["plotting", "teaching"], [
        "altair_introduction.ipynb", "altair_marks_encoding.ipynb"]),
    "jvns/pandas-cookbook": ("CC-BY-SA-4.0", ["data-analysis", "teaching"], [
        "cookbook/A quick tour of IPython Notebook.ipynb", "cookbook/Chapter 1 - Reading from a CSV.ipynb",
        "cookbook/Chapter 2 - Selecting data & finding the most common complaint type.ipynb",
        "cookbook/Chapter 4 - Find out on which weekday people bike the most with groupby and aggregate.ipynb",
        "cookbook/Chapter 5 - Combining dataframes and scraping Canadian weather data.ipynb",
        "cookbook/Chapter 7 - Cleaning up messy data.ipynb", "cookbook/Chapter 8 - How to deal with timestamps.ipynb",
        "cookbook/Chapter 9 - Loading data from SQL databases.ipynb"]),
    "jrjohansson/scientific-python-lectures": ("CC-BY-3.0", ["teaching", "hpc"], [
        "Lecture-2-Numpy.ipynb", "Lecture-3-Scipy.ipynb", "Lecture-4-Matplotlib.ipynb", "Lecture-5-Sympy.ipynb",
        "Lecture-6B-HPC.ipynb"]),
    "AllenDowney/ThinkBayes2": ("MIT", ["statistics", "bayesian", "teaching"], [
        "examples/cookie.ipynb", "examples/dirichlet.ipynb", "examples/monty.ipynb", "examples/height.ipynb",
        "examples/world_cup.ipynb", "notebooks/chap02.ipynb", "notebooks/chap03.ipynb"]),
    "guipsamora/pandas_exercises": ("BSD-3-Clause", ["data-analysis", "teaching"], [
        "01_Getting_&_Knowing_Your_Data/Chipotle/Exercise_with_Solutions.ipynb",
        "02_Filtering_&_Sorting/Fictional_Army/Exercise_with_solutions.ipynb",
        "05_Merge/Housing_Market/Exercises_with_solutions.ipynb",
        "08_Creating_Series_and_DataFrames/Pokemon/Exercises-with-solutions-and-code.ipynb",
        "06_Stats/Wind_Stats/Exercises_with_solutions.ipynb"]),
    "amueller/introduction_to_ml_with_python": ("BSD-2-Clause (mglearn)", ["classic-ml", "teaching"], [
        "01-introduction.ipynb", "04-representing-data-feature-engineering.ipynb",
        "05-model-evaluation-and-improvement.ipynb", "06-algorithm-chains-and-pipelines.ipynb",
        "07-working-with-text-data.ipynb"]),
    "jakevdp/sklearn_tutorial": ("BSD-3-Clause", ["classic-ml", "teaching"], [
        "notebooks/02.1-Machine-Learning-Intro.ipynb", "notebooks/03.1-Classification-SVMs.ipynb",
        "notebooks/04.2-Clustering-KMeans.ipynb", "notebooks/05-Validation.ipynb"]),
    "rougier/numpy-100": ("MIT", ["teaching"], ["100_Numpy_exercises.ipynb", "100_Numpy_random.ipynb"]),
    "CamDavidsonPilon/lifelines": ("MIT", ["statistics"], [
        "examples/Cox residuals.ipynb", "examples/Custom Regression Models.ipynb",
        "examples/Proportional hazard assumption.ipynb", "examples/B-splines.ipynb"]),
    "jupyter-widgets/ipywidgets": ("BSD-3-Clause", ["widgets"], [
        "docs/source/examples/Widget Basics.ipynb", "docs/source/examples/Using Interact.ipynb",
        "docs/source/examples/Output Widget.ipynb", "docs/source/examples/Lorenz Differential Equations.ipynb",
        "docs/source/examples/Factoring.ipynb"]),
    "QuantEcon/lecture-python-programming.notebooks": ("CC-BY-SA-4.0 (QuantEcon lectures)", ["teaching", "myst"], [
        "about_py.ipynb", "functions.ipynb", "matplotlib.ipynb", "need_for_speed.ipynb", "names.ipynb",
        "getting_started.ipynb"]),
    "pysal/mapclassify": ("BSD-3-Clause", ["geo"], [
        "notebooks/01_maximum_breaks.ipynb", "notebooks/03_choropleth.ipynb", "notebooks/06_api.ipynb"]),
    "mwouts/jupytext": ("MIT", ["jupytext"], [
        "tests/data/notebooks/outputs/script_to_ipynb/python_notebook_sample.ipynb",
        "tests/data/notebooks/outputs/sphinx_to_ipynb/plot_notebook.ipynb",
        "tests/data/notebooks/inputs/ipynb_py/text_outputs_and_images.ipynb",
        "tests/data/notebooks/outputs/md_to_ipynb/jupytext_markdown.ipynb"]),
    "jakevdp/PythonDataScienceHandbook": ("MIT (code)", ["data-analysis", "plotting", "classic-ml", "teaching"], [
        "notebooks/01.03-Magic-Commands.ipynb", "notebooks/02.02-The-Basics-Of-NumPy-Arrays.ipynb",
        "notebooks/03.08-Aggregation-and-Grouping.ipynb", "notebooks/03.09-Pivot-Tables.ipynb",
        "notebooks/03.11-Working-with-Time-Series.ipynb", "notebooks/04.05-Histograms-and-Binnings.ipynb",
        "notebooks/04.12-Three-Dimensional-Plotting.ipynb", "notebooks/05.02-Introducing-Scikit-Learn.ipynb",
        "notebooks/05.05-Naive-Bayes.ipynb", "notebooks/05.11-K-Means.ipynb"]),
    "jakevdp/WhirlwindTourOfPython": ("CC0-1.0", ["teaching"], [
        "02-Basic-Python-Syntax.ipynb", "06-Built-in-Data-Structures.ipynb", "09-Errors-and-Exceptions.ipynb",
        "12-Generators.ipynb"]),
    "altair-viz/altair_notebooks": ("BSD-3-Clause", ["plotting"], [
        "notebooks/02-Tutorial.ipynb", "notebooks/08-CarsDataset.ipynb", "notebooks/examples/anscombe_plot.ipynb"]),
    "AllenDowney/ThinkStats2": ("GPL-3.0", ["statistics", "teaching"], [
        "code/chap01ex.ipynb", "code/chap02ex.ipynb", "examples/central_limit_theorem.ipynb",
        "examples/mann_whitney.ipynb", "workshop/hypothesis.ipynb"]),
    "AllenDowney/ModSimPy": ("MIT", ["teaching", "simulation"], [
        "chapters/chap01.ipynb", "chapters/chap26.ipynb", "examples/queue.ipynb"]),
    "amueller/scipy-2018-sklearn": ("CC0-1.0", ["classic-ml", "teaching"], [
        "notebooks/03.Data_Representation_for_Machine_Learning.ipynb", "notebooks/05.Supervised_Learning-Classification.ipynb",
        "notebooks/08.Unsupervised_Learning-Clustering.ipynb", "notebooks/10.Case_Study-Titanic_Survival.ipynb",
        "notebooks/11.Text_Feature_Extraction.ipynb", "notebooks/15.Pipelining_Estimators.ipynb"]),
    "pysal/esda": ("BSD-3-Clause", ["geo", "statistics"], [
        "docs/source/user-guide/global_morans_i.ipynb", "docs/source/user-guide/shape-measures.ipynb"]),
    "scipy/scipy-cookbook": ("BSD-3-Clause", ["teaching", "statistics"], []),  # filled in main() below
    "jerry-git/learn-python3": ("MIT", ["teaching"], [
        "notebooks/beginner/notebooks/10_file_io.ipynb", "notebooks/beginner/notebooks/13_modules_and_packages.ipynb",
        "notebooks/beginner/notebooks/15_std_lib.ipynb", "notebooks/intermediate/notebooks/01_std_lib2.ipynb",
        "notebooks/beginner/notebooks/16_testing2.ipynb"]),
    "matplotlib/mplfinance": ("mplfinance licence (BSD-style)", ["plotting", "finance"], [
        "examples/addplot.ipynb", "examples/styles.ipynb", "examples/savefig.ipynb",
        "examples/scratch_pad/issues/issue282_addplot.ipynb", "examples/indicators/golden_cross.ipynb"]),
    "jupyter/notebook": ("BSD-3-Clause", ["teaching"], [
        "docs/source/examples/Notebook/Importing Notebooks.ipynb", "docs/source/examples/Notebook/Running Code.ipynb",
        "binder/example.ipynb"]),
    "piskvorky/gensim": ("LGPL-2.1", ["nlp"], [
        "docs/notebooks/Corpora_and_Vector_Spaces.ipynb", "docs/notebooks/Topics_and_Transformations.ipynb"]),
    "Automating-GIS-processes/site": ("MIT", ["geo", "teaching"], [
        "docs/lessons/lesson-1/geometry-objects.ipynb", "docs/lessons/lesson-2/geopandas-an-introduction.ipynb",
        "docs/lessons/lesson-2/managing-file-paths.ipynb", "docs/lessons/lesson-3/point-in-polygon-queries.ipynb",
        "docs/lessons/lesson-4/reclassifying-data.ipynb"]),
    "nteract/papermill": ("BSD-3-Clause", ["parameters"], [
        "binder/cli-simple/simple_input.ipynb", "papermill/tests/notebooks/complex_parameters.ipynb",
        "papermill/tests/notebooks/broken1.ipynb", "papermill/tests/notebooks/line_magic_error.ipynb"]),
}

# Paths picked from a listing where names are unwieldy: (repo, regex, how many).
PICK_BY_PATTERN = {
    "scipy/scipy-cookbook": (r"^ipython/(LinearRegression|SignalSmooth|Matplotlib_.*Plot.*|KDTree.*|FittingData|"
                             r"SavitzkyGolay|Interpolation|BrownianMotion|Ndimage|OptimizationDemo1|LoktaVolterraTutorial)"
                             r"\.ipynb$", 8),
}


def git(gitdir: Path, *args: str) -> str:
    return subprocess.run(["git", "--git-dir", str(gitdir), *args], check=True, capture_output=True,
                          text=True, errors="replace").stdout


FEATURES = [
    (r"^\s*[%!]\s*pip3?\s+install", "pip-in-notebook"),
    (r"^\s*!\s*(sudo\s+)?apt(-get)?\s", "apt-in-notebook"),
    (r"^\s*%run\s", "%run"),
    (r"^%%writefile", "%%writefile"),
    (r"^\s*%load_ext\s", "%load_ext"),
    (r"^%%cython", "%%cython"),
    (r"^\s*!", "shell-command"),
    (r"read_excel|ExcelFile|to_excel|openpyxl|xlrd", "excel"),
    (r"parquet", "parquet"),
    (r"sqlite3|create_engine\(['\"]sqlite|read_sql", "sqlite"),
    (r"HDFStore|read_hdf|to_hdf|h5py|tables\.", "hdf5"),
    (r"imread|Image\.open|io\.imread|cv2\.imread", "images"),
    (r"['\"]https?://", "url-in-code"),
    (r"nltk\.download", "nltk-download"),
    (r"datasets\.fetch_|fetch_openml|load_dataset\(|data\.download|urlretrieve|requests\.get", "downloads-data"),
    (r"sys\.path\.(insert|append)", "sys.path-edit"),
    (r"os\.chdir|%cd\s", "chdir"),
    (r"ipywidgets|interact\(|widgets\.", "widgets"),
]


def features(gitdir: Path, commit: str, path: str, tree: set[str]) -> tuple[list[str], dict]:
    nb = json.loads(git(gitdir, "show", f"{commit}:{path}"))
    cells = nb.get("cells") or [c for ws in nb.get("worksheets", []) for c in ws.get("cells", [])]

    def text(cell):
        src = cell.get("source", cell.get("input", ""))
        return "".join(src) if isinstance(src, list) else src

    code = "\n".join(text(c) for c in cells if c.get("cell_type") == "code")
    found = [tag for pattern, tag in FEATURES if re.search(pattern, code, re.M)]
    minor = nb.get("nbformat_minor", 0)
    if nb.get("nbformat") == 4 and minor <= 2:
        found.append(f"nbformat-4.{minor}")
    kernelspec = (nb.get("metadata") or {}).get("kernelspec") or {}
    if not kernelspec:
        found.append("no-kernelspec")
    elif kernelspec.get("language") not in (None, "python"):
        found.append(f"kernelspec-language:{kernelspec.get('language')}")
    if kernelspec.get("name") not in (None, "python3"):
        found.append(f"kernel-name:{kernelspec.get('name')}")
    folder = PurePosixPath(path).parent
    here = {p for p in tree if PurePosixPath(p).parent == folder}
    imports = set(re.findall(r"^\s*(?:from|import)\s+([A-Za-z_]\w*)", code, re.M))
    local = sorted(m for m in imports if any(p.startswith(f"{(folder / m).as_posix()}".lstrip("./"))
                                             and (p.endswith(".py") or "/" in p[len((folder / m).as_posix()):])
                                             for p in tree if (folder / m).as_posix() != "."))
    if local:
        found.append("helper-module")
    data_dirs = {d for d in ("data", "datasets", "Data", "images", "fig_code")
                 for p in tree if p.startswith(((folder / d).as_posix() + "/").lstrip("./"))
                 or p.startswith(((folder.parent / d).as_posix() + "/").lstrip("./"))}
    if data_dirs:
        found.append("data-folder")
    del here
    return found, {"nbformat": f"{nb.get('nbformat')}.{minor}", "local_modules": local}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mirror", type=Path, required=True)
    parser.add_argument("--output", type=Path, default=HERE / "manifest.json")
    args = parser.parse_args(argv)
    entries = []
    for repo, (licence, domains, paths) in PICKS.items():
        gitdir = args.mirror / repo.replace("/", "+") / "repo"
        commit = git(gitdir, "rev-parse", "HEAD").strip()
        tree = set(git(gitdir, "ls-tree", "-r", "--name-only", commit).splitlines())
        if repo in PICK_BY_PATTERN:
            pattern, count = PICK_BY_PATTERN[repo]
            paths = paths + sorted(p for p in tree if re.search(pattern, p))[:count]
        for path in paths:
            if path not in tree:
                raise SystemExit(f"{repo}: no {path} at {commit}")
            found, extra = features(gitdir, commit, path, tree)
            entries.append({"id": f"{repo}:{path}", "repo": repo, "commit": commit, "path": path,
                            "license": licence, "domains": domains, "features": found, **extra})
    manifest = {"schema_version": 1,
                "description": "Public notebooks as pinned references (repository, commit, path, licence); "
                               "benchmarks/corpus.py lays out each repository at its commit and runs them.",
                "count": len(entries), "repositories": len({e["repo"] for e in entries}), "notebooks": entries}
    args.output.write_text(json.dumps(manifest, indent=1) + "\n")
    print(f"{len(entries)} notebooks from {manifest['repositories']} repositories -> {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

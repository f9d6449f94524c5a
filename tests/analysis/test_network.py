"""Network and data honesty: what a notebook fetches when it runs is listed and said."""

from .conftest import dist, make_env


def uses(analysis):
    return [(u.cell, u.call, u.kind, u.url, u.resource, u.fetchable) for u in analysis.network]


def test_url_reads_downloads_and_loaders_are_listed(analyze):
    env = make_env(dist("pandas", "2.2"), dist("requests", "2.32"), dist("scikit-learn", "1.5", top_level=["sklearn"]),
                   dist("seaborn", "0.13"), dist("nltk", "3.9"))
    analysis = analyze(
        "import pandas as pd\ndf = pd.read_csv('https://example.org/data/sales.csv')",
        "import requests\nfrom urllib.request import urlretrieve\nr = requests.get(base + '/x.json')\n"
        "urlretrieve('https://example.org/a.zip', 'a.zip')",
        "from sklearn.datasets import fetch_openml\nmnist = fetch_openml('mnist_784')",
        "import seaborn as sns\ntips = sns.load_dataset('tips')",
        "import nltk\nnltk.download('punkt')",
        "!wget -q https://example.org/b.txt",
        "print('see https://example.org/docs')\nfrom IPython.display import HTML\nHTML('https://example.org')",
        env=env)
    found = uses(analysis)
    assert (1, "pandas.read_csv", "url", "https://example.org/data/sales.csv", None, True) in found
    assert (2, "requests.get", "download", None, None, False) in found
    assert (2, "urllib.request.urlretrieve", "url", "https://example.org/a.zip", None, True) in found
    assert (3, "sklearn.datasets.fetch_openml", "dataset", None, "mnist_784", False) in found
    assert (4, "seaborn.load_dataset", "dataset",
            "https://raw.githubusercontent.com/mwaskom/seaborn-data/master/tips.csv", "tips", True) in found
    assert (5, "nltk.download", "nltk", None, "punkt", True) in found
    assert (6, "!wget", "shell", "https://example.org/b.txt", None, False) in found
    assert not any(u[0] == 7 for u in found)  # a URL printed or shown is not read
    said = [w for w in analysis.warnings if w.startswith("Needs network at run time")]
    assert len(said) == len(found)
    assert any("cell 1 line 2: pandas.read_csv(https://example.org/data/sales.csv)" in w
               and "--fetch-data" in w for w in said)


def test_a_notebook_without_network_says_nothing(analyze):
    analysis = analyze("import json\nprint(json.dumps({'a': 1}))\nopen('data.csv')")
    assert analysis.network == [] and not any("network" in w for w in analysis.warnings)

"""What a notebook fetches from the network when it runs: reads of URLs written in its code
(``pd.read_csv("https://...")``, ``requests.get``, ``urlretrieve``), dataset loaders that
download (``sklearn.datasets.fetch_*``, ``seaborn.load_dataset``...), ``nltk.download`` data
and ``!wget``/``!curl`` lines. An image often runs where there is no network: each is listed
(``Analysis.network``) and said in the warnings, and those whose URL is static can be fetched
at build time into the image (see :mod:`..image.fetch`)."""

from __future__ import annotations

import posixpath
import re
import shlex
import urllib.parse

from ..models import NetworkUse
from .facts import Unit

URL = re.compile(r"^(https?|ftp)://[^\s'\"<>]+$", re.IGNORECASE)
# Functions that read what a URL argument points at (pandas, numpy, geopandas, xarray, PIL,
# imageio, skimage, urllib, requests, httpx...); a URL given to print() or HTML() is not read.
_READER = re.compile(r"^(read\w*|load\w*|open\w*|get|post|head|request|urlopen|urlretrieve|retrieve|download\w*|"
                     r"fetch\w*|imread|from_url|Request|DataSource|genfromtxt|ExcelFile|HDFStore)$")
# HTTP clients and downloaders: the network is used whatever the URL (often built at run time).
_DOWNLOADERS = {
    "requests.get", "requests.post", "requests.head", "requests.request", "requests.put",
    "urllib.request.urlopen", "urllib.request.urlretrieve", "urllib.urlopen", "urllib.urlretrieve",
    "urllib2.urlopen", "httpx.get", "httpx.post", "wget.download", "pooch.retrieve", "gdown.download",
}
# Loaders that download a named dataset: qualified-name pattern -> what they fetch from.
_LOADERS = [
    (re.compile(r"^sklearn\.datasets\.fetch_\w+$"), "scikit-learn's dataset servers (OpenML, figshare...)"),
    (re.compile(r"^seaborn\.load_dataset$"), "the seaborn-data repository"),
    (re.compile(r"^(tensorflow\.)?keras\.datasets\.\w+\.load_data$"), "Keras' dataset storage"),
    (re.compile(r"^torchvision\.datasets\.\w+$"), "torchvision's dataset mirrors"),
    (re.compile(r"^statsmodels\.(api\.)?datasets\.get_rdataset$"), "the Rdatasets repository"),
    (re.compile(r"^bokeh\.sampledata\.download$"), "Bokeh's sample data bucket"),
    (re.compile(r"^gensim\.downloader\.load$"), "gensim-data"),
    (re.compile(r"^datasets\.load_dataset$"), "the Hugging Face Hub"),
    (re.compile(r"^tensorflow_datasets\.load$"), "TensorFlow Datasets"),
    (re.compile(r"^yfinance\.download$"), "Yahoo Finance"),
    (re.compile(r"^pandas_datareader\.\w+"), "the data reader's web service"),
    (re.compile(r"^(vega_datasets\.data|geodatasets)\.\w+"), "the data sets' web mirrors"),
    (re.compile(r"^libpysal\.examples\.(load_example|get_path)$"), "PySAL's example data"),
    (re.compile(r"^spacy\.cli\.download$"), "spaCy's model releases"),
]
SEABORN_DATA = "https://raw.githubusercontent.com/mwaskom/seaborn-data/master/{name}.csv"
_SHELL = {"wget", "curl"}


def network_uses(units: list[Unit]) -> list[NetworkUse]:
    found: list[NetworkUse] = []
    for unit in units:
        for call in unit.facts.calls:
            use = _from_call(call, unit.cell, unit.offset)
            if use is not None:
                found.append(use)
        for magic in unit.facts.magics:
            if magic.kind == "system":
                found += _from_shell(magic.args, unit.cell, unit.offset + magic.line)
    unique: dict[tuple, NetworkUse] = {}
    for use in found:
        unique.setdefault((use.cell, use.line, use.call, use.url, use.resource), use)
    return list(unique.values())


def _from_call(call, cell: int, offset: int) -> NetworkUse | None:
    name = call.qualname or call.name
    line = offset + call.line
    literal = [s for s in (*call.strings, *(v for v in call.keywords.values() if isinstance(v, str)))]
    urls = [s for s in literal if URL.match(s)]
    if name == "nltk.download":
        resource = next(iter(call.strings), None) or call.keywords.get("info_or_id")
        return NetworkUse(cell=cell, line=line, call=name, kind="nltk",
                          resource=resource if isinstance(resource, str) else None,
                          fetchable=isinstance(resource, str) and resource not in ("all", "popular", "book"))
    if name == "seaborn.load_dataset":
        dataset = next(iter(call.strings), None)
        url = SEABORN_DATA.format(name=dataset) if dataset and re.match(r"^[\w-]+$", dataset) else None
        return NetworkUse(cell=cell, line=line, call=name, kind="dataset", resource=dataset, url=url,
                          fetchable=url is not None)
    for pattern, _where in _LOADERS:
        if pattern.match(name):
            return NetworkUse(cell=cell, line=line, call=name, kind="dataset", resource=next(iter(call.strings), None))
    if urls and _READER.match(call.name):
        return NetworkUse(cell=cell, line=line, call=name, kind="url", url=urls[0], fetchable=True)
    if name in _DOWNLOADERS:
        return NetworkUse(cell=cell, line=line, call=name, kind="download")
    return None


def _from_shell(command: str, cell: int, line: int) -> list[NetworkUse]:
    try:
        words = shlex.split(command, comments=True)
    except ValueError:
        words = command.split()
    if not words or words[0] not in _SHELL:
        return []
    urls = [w for w in words[1:] if URL.match(w)]
    return [NetworkUse(cell=cell, line=line, call=f"!{words[0]}", kind="shell", url=u) for u in urls] or \
        [NetworkUse(cell=cell, line=line, call=f"!{words[0]}", kind="shell")]


def url_file_name(url: str) -> str:
    """The last segment of a URL's path ("" for none): where "download unless present" code
    keeps the file."""
    return posixpath.basename(urllib.parse.urlsplit(url).path)


def describe(use: NetworkUse) -> str:
    what = use.url or use.resource or "a URL made at run time"
    return f"cell {use.cell} line {use.line}: {use.call}({what})" if use.kind != "shell" else \
        f"cell {use.cell} line {use.line}: {use.call} {what}"


def network_warnings(uses: list[NetworkUse], limit: int = 8) -> list[str]:
    """One warning per use (at most ``limit``, then how many more), saying which can be fetched
    at build time."""
    if not uses:
        return []
    lines = []
    for use in uses[:limit]:
        hint = " (a build with --fetch-data takes it into the image)" if use.fetchable else ""
        lines.append(f"Needs network at run time: {describe(use)}{hint}")
    if len(uses) > limit:
        lines.append(f"Needs network at run time: {len(uses) - limit} more uses of the network")
    return lines

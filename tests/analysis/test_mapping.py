"""Import -> distribution: kernel first (namespaces, Import-Name), alias table, guesses."""

import sys

from jupyter_containerize.analysis.mapping import Mapper, guess_name

from .conftest import FakeIndex, dist, make_env, names, req


def test_kernel_version_and_source(analyze):
    env = make_env(dist("scikit-learn", "1.5.2", top_level=["sklearn"]))
    analysis = analyze("from sklearn.linear_model import LinearRegression", env=env)
    r = req(analysis, "scikit-learn")
    assert (r.version, r.source) == ("1.5.2", "kernel")
    record = analysis.imports[0]
    assert (record.module, record.distribution, record.source) == ("sklearn.linear_model", "scikit-learn", "kernel")


def test_kernel_beats_alias(analyze):
    env = make_env(dist("opencv-python-headless", "4.10", top_level=["cv2"]))
    analysis = analyze("import cv2", env=env)
    assert names(analysis) == {"opencv-python-headless"}


def test_alias_when_kernel_lacks_it(analyze):
    analysis = analyze("import cv2, PIL.Image, yaml, bs4, skimage, Crypto, dateutil, jwt, magic, docx, fitz")
    assert names(analysis) == {
        "opencv-python", "pillow", "pyyaml", "beautifulsoup4", "scikit-image", "pycryptodome",
        "python-dateutil", "pyjwt", "python-magic", "python-docx", "pymupdf",
    }
    assert {r.source for r in analysis.requirements} == {"alias"}
    assert req(analysis, "pillow").version is None
    assert any("cv2: using opencv-python; also provided by" in w for w in analysis.warnings)


def test_dotted_aliases(analyze):
    analysis = analyze("import google.protobuf\nfrom mpl_toolkits.mplot3d import Axes3D\nimport pkg_resources")
    assert names(analysis) == {"protobuf", "matplotlib", "setuptools"}


def test_namespace_package_in_kernel(analyze):
    env = make_env(
        dist("google-cloud-storage", "2.1", top_level=["google.cloud.storage"]),
        dist("google-cloud-core", "2.4", top_level=["google.cloud.client", "google.cloud.exceptions"]),
        dist("protobuf", "5.0", top_level=["google.protobuf"]),
    )
    analysis = analyze("import google.cloud.storage\nfrom google.cloud import storage", env=env)
    assert names(analysis) == {"google-cloud-storage"}
    assert req(analysis, "google-cloud-storage").version == "2.1"


def test_namespace_without_kernel_uses_alias_then_guess(analyze):
    analysis = analyze("from google.cloud import bigquery\nimport azure.storage.blob\nimport google.colab")
    assert names(analysis) == {"google-cloud-bigquery", "azure-storage-blob"}
    assert any("google.colab is not installable" in w for w in analysis.warnings)
    assert guess_name("google.cloud.speech_v9") == "google-cloud-speech-v9"


def test_import_name_metadata(analyze):
    env = make_env(dist("zork-impl", "1.1", top_level=["_zork_private"], import_names=["zork"]))
    analysis = analyze("import zork", env=env)
    assert names(analysis) == {"zork-impl"}


def test_several_installed_providers_warn(analyze):
    env = make_env(
        dist("opencv-python", "4.10", top_level=["cv2"]),
        dist("opencv-python-headless", "4.10", top_level=["cv2"]),
    )
    analysis = analyze("import cv2", env=env)
    assert names(analysis) == {"opencv-python"}  # the alias table's preference among installed
    assert any("several installed distributions" in w and "opencv-python-headless" in w for w in analysis.warnings)


def test_guess_verified_on_index(analyze):
    index = FakeIndex(known={"frobnicate"})
    analysis = analyze("import frobnicate\nimport notonpypi_xyz", index=index)
    assert names(analysis) == {"frobnicate"}
    assert req(analysis, "frobnicate").source == "guess"
    assert set(index.asked) == {"frobnicate", "notonpypi-xyz"}
    assert any("frobnicate: guessed" in w and "index.example" in w for w in analysis.warnings)
    assert any("notonpypi-xyz" in w and "left out" in w for w in analysis.warnings)
    record = [r for r in analysis.imports if r.module == "frobnicate"][0]
    assert record.source == "guess"


def test_guess_unverified_offline(analyze):
    analysis = analyze("import frobnicate", index=lambda name: None)
    assert names(analysis) == {"frobnicate"}
    assert any("not verified" in w for w in analysis.warnings)


def test_kernel_stdlib_of_a_different_python(analyze):
    """The kernel's stdlib decides, not the server's: distutils left the stdlib in 3.12."""
    stdlib_312 = frozenset(sys.stdlib_module_names) - {"distutils", "imp", "asynchat", "asyncore", "smtpd"}
    new = analyze("from distutils.version import LooseVersion", env=make_env(version="3.12.4", stdlib=stdlib_312))
    assert names(new) == {"setuptools"}
    assert new.python.version == "3.12.4"
    old = analyze("from distutils.version import LooseVersion", env=make_env(version="3.11.7"))
    assert not old.requirements
    assert old.imports[0].kind == "stdlib"
    assert any("distutils is removed from the standard library in Python 3.12" in w for w in old.warnings)
    # a module that exists only in a future stdlib is third-party for an older kernel
    tomllib_less = frozenset(sys.stdlib_module_names) - {"tomllib"}
    older = analyze("import tomllib", env=make_env(version="3.10.12", stdlib=tomllib_less))
    assert [r.kind for r in older.imports] == ["third-party"]


def test_mapper_caches():
    mapper = Mapper(make_env())
    assert mapper.resolve("sklearn.svm") is mapper.resolve("sklearn.svm")


def test_python2_stdlib_is_not_guessed(analyze):
    analysis = analyze("import urllib2\nimport cPickle as pickle\nfrom StringIO import StringIO")
    assert not analysis.requirements
    assert any("urllib2 is Python 2's standard library" in w for w in analysis.warnings)

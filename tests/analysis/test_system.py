"""System packages: from distributions (incl. the kernel's installed dependencies),
stdlib modules, shell commands and rules."""

from .conftest import dist, make_env


def system(analysis):
    return {p.name: p.reasons for p in analysis.system_packages}


def test_distribution_table(analyze):
    analysis = analyze("import pytesseract\nimport cv2\nimport graphviz")
    found = system(analysis)
    assert {"tesseract-ocr", "libgl1", "libglib2.0-0", "graphviz"} <= set(found)
    assert any("dot program" in r for r in found["graphviz"])


def test_headless_opencv_needs_no_libgl(analyze):
    env = make_env(dist("opencv-python-headless", "4.10", top_level=["cv2"]))
    assert "libgl1" not in system(analyze("import cv2", env=env))


def test_installed_dependencies_are_followed(analyze):
    env = make_env(
        dist("face-recognition", "1.3", top_level=["face_recognition"], requires=["dlib>=19.7", "numpy"]),
        dist("dlib", "19.24", top_level=["dlib"]),
    )
    found = system(analyze("import face_recognition", env=env))
    assert "cmake" in found
    assert any("required by face-recognition" in r for r in found["cmake"])


def test_stdlib_module_needing_a_system_package(analyze):
    found = system(analyze("import tkinter"))
    assert "python3-tk" in found


def test_cython_cell_needs_a_compiler(analyze):
    found = system(analyze("%load_ext cython", "%%cython\ndef f(x):\n    return x"))
    assert {"gcc", "python3-dev"} <= set(found)


def test_runtime_compilers_get_the_python_headers(analyze):
    """PyMC runs clean in the kernel but, in an image with g++ and no Python.h, pytensor's
    compilation fails: the headers come with the compiler (through pymc's dependency too)."""
    env = make_env(dist("pymc", "5.16", requires=["pytensor>=2.25"]), dist("pytensor", "2.25"))
    found = system(analyze("import pymc as pm", env=env))
    assert {"g++", "python3-dev"} <= set(found)
    assert any("required by pymc" in r for r in found["python3-dev"])
    for module in ("pytensor", "theano", "aesara"):
        assert {"g++", "python3-dev"} <= set(system(analyze(f"import {module}"))), module

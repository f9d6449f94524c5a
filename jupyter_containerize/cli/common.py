"""Arguments and helpers that several subcommands share."""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

from ..redact import redact, redact_model
from ..settings import DEFAULT_BASE_IMAGE_TEMPLATE, DEFAULT_TAG_TEMPLATE, RESOLUTION_TTL, Settings, Timeouts


def print_model(model, *, indent=None) -> None:
    """A model as JSON on stdout, redacted: every subcommand's ``--json`` prints through here."""
    print(redact_model(model).model_dump_json(indent=indent))


def print_text(text: str, stream=None) -> None:
    """Text for the user (tables, warnings, the lock), redacted."""
    print(redact(text), file=stream or sys.stdout, flush=True)


class ConsoleReporter:
    """Progress on stderr (redacted), so that stdout carries only the result."""

    def __init__(self, stream=None):
        self.stream = stream or sys.stderr

    def phase(self, name: str, message: str) -> None:
        print_text(f"==> [{name}] {message}", self.stream)

    def log(self, message: str) -> None:
        print_text(f"    {message}", self.stream)

    def progress(self, step: int, steps: int, percent: float, message: str) -> None:
        print_text(f"    {message}", self.stream)


def environment_args(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--python", metavar="PATH", help="the kernel's interpreter (default: the notebook's kernel)")
    group.add_argument("--kernel", metavar="NAME", help="a kernel name instead of the notebook's")


def lock_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--platform", default="linux/amd64", help="linux/amd64 (default) or linux/arm64")
    parser.add_argument("--add", action="append", default=[], metavar="SPEC", help="add a package, e.g. rich==13.7.1")
    parser.add_argument("--remove", action="append", default=[], metavar="NAME", help="leave a package out")
    parser.add_argument("--optional", action="append", default=[], metavar="NAME",
                        help="mark an imported package optional: left out when the kernel lacks it")
    parser.add_argument("--cache-dir", type=Path, help="host cache for wheels and resolutions")
    parser.add_argument("--pip-timeout", type=_seconds, metavar="S",
                        help=f"seconds one pip resolve or download may take (default {Timeouts.pip:g})")
    parser.add_argument("--wheel-build-timeout", type=_seconds, metavar="S",
                        help=f"seconds building one wheel on the host may take (default {Timeouts.wheel_build:g})")
    parser.add_argument("--index-timeout", type=_seconds, metavar="S",
                        help=f"seconds one request to a package index may take (default {Timeouts.index:g})")
    parser.add_argument("--resolution-ttl", type=lambda text: _seconds(text, zero=True), metavar="S",
                        help=f"seconds a cached resolution is reused, 0: never (default {RESOLUTION_TTL:g})")


def image_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--base", metavar="IMAGE", help=f"base image (default: {DEFAULT_BASE_IMAGE_TEMPLATE})")
    parser.add_argument("--tag", help=f"image reference (default: {DEFAULT_TAG_TEMPLATE} from the lock digest)")
    parser.add_argument("--registry", default="", help="registry prefix for the default tag")
    parser.add_argument("--exclude", action="append", default=[], metavar="PATH",
                        help="leave a local module or data file (as `analyze` lists it) out of the image")
    parser.add_argument("--allow-secrets", action="store_true",
                        help="build even when the analysis finds possible secrets in what the image ships")
    parser.add_argument("--fetch-data", action="store_true",
                        help="fetch the URLs the notebook reads (written in its code) and its nltk data at build "
                             "time into the image, which then runs without the network")
    parser.add_argument("--compile-timeout", type=_seconds, metavar="S",
                        help=f"seconds compiling one environment layer's packages may take (default {Timeouts.compile:g})")


def _seconds(text: str, zero: bool = False) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not (value >= 0 if zero else value > 0) or value == float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r} is not a {'' if zero else 'positive '}number of seconds")
    return value


def settings_from(args) -> Settings:
    kwargs = {}
    if getattr(args, "cache_dir", None):
        kwargs["cache_dir"] = args.cache_dir
    if getattr(args, "base", None):
        kwargs["base_image"] = args.base
    if getattr(args, "registry", None):
        kwargs["registry"] = args.registry
    if getattr(args, "resolution_ttl", None) is not None:
        kwargs["resolution_ttl"] = args.resolution_ttl
    timeouts = {kind: getattr(args, f"{kind}_timeout") for kind in ("pip", "wheel_build", "index", "compile")
                if getattr(args, f"{kind}_timeout", None) is not None}
    return Settings(**kwargs, timeouts=dataclasses.replace(Timeouts(), **timeouts))


def edits_from(args):
    from ..models import PackageEdits  # pydantic: imported by the commands that use it, not for --help

    return PackageEdits(add=args.add, remove=args.remove, optional={name: True for name in args.optional})


def root_for(notebook: Path) -> Path:
    """Local modules may live anywhere under the current directory, as under a server root."""
    cwd = Path.cwd().resolve()
    return cwd if cwd in notebook.parents else notebook.parent


def analysed(args):
    """(notebook path, kernel environment, analysis) for a subcommand's arguments."""
    from ..analysis.scan_helper import helping

    notebook = args.notebook.resolve()
    with helping(notebook):  # first: it checks the notebook for secrets while the pipeline loads
        from .. import pipeline

        environment = pipeline.kernel_environment(notebook, python=args.python, kernel=args.kernel)
        kernel = pipeline.kernel_name(notebook, python=args.python, kernel=args.kernel)
        return notebook, environment, pipeline.analyse(notebook, environment, root_for(notebook), kernel=kernel)

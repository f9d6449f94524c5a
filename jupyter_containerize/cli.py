"""``jupyter containerize``: the same core as the server, from a terminal.

    jupyter containerize analyze NOTEBOOK [--python PATH | --kernel NAME] [--json]
    jupyter containerize lock NOTEBOOK [--python PATH | --kernel NAME] [--platform P]
                                       [--add SPEC]... [--remove NAME]... [-o FILE]
    jupyter containerize export NOTEBOOK -o DIR [options of build]
    jupyter containerize build NOTEBOOK [--tag TAG] [--base IMAGE] [--python PATH] [--json]

Errors print their cause on stderr and exit with status 1 (2 for bad arguments).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ._version import __version__
from .analysis import format_analysis_table
from .errors import ContainerizeError
from .models import BuildRequest, PackageEdits
from .settings import DEFAULT_BASE_IMAGE_TEMPLATE, DEFAULT_TAG_TEMPLATE, Settings


class ConsoleReporter:
    """Progress on stderr, so that stdout carries only the result."""

    def __init__(self, stream=sys.stderr):
        self.stream = stream

    def phase(self, name: str, message: str) -> None:
        print(f"==> [{name}] {message}", file=self.stream, flush=True)

    def log(self, message: str) -> None:
        print(f"    {message}", file=self.stream, flush=True)

    def progress(self, step: int, steps: int, percent: float, message: str) -> None:
        print(f"    {message}", file=self.stream, flush=True)


def _environment_args(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--python", metavar="PATH", help="the kernel's interpreter (default: the notebook's kernel)")
    group.add_argument("--kernel", metavar="NAME", help="a kernel name instead of the notebook's")


def _lock_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--platform", default="linux/amd64", help="linux/amd64 (default) or linux/arm64")
    parser.add_argument("--add", action="append", default=[], metavar="SPEC", help="add a package, e.g. rich==13.7.1")
    parser.add_argument("--remove", action="append", default=[], metavar="NAME", help="leave a package out")


def _image_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--base", metavar="IMAGE", help=f"base image (default: {DEFAULT_BASE_IMAGE_TEMPLATE})")
    parser.add_argument("--tag", help=f"image reference (default: {DEFAULT_TAG_TEMPLATE} from the lock digest)")
    parser.add_argument("--registry", default="", help="registry prefix for the default tag")
    parser.add_argument("--cache-dir", type=Path, help="host cache for wheels and resolutions")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="jupyter containerize", description="Turn a notebook into a container image.")
    parser.add_argument("--version", action="version", version=__version__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("analyze", help="what the notebook needs, from its code and its kernel")
    p.add_argument("notebook", type=Path)
    _environment_args(p)
    p.add_argument("--json", action="store_true", help="print one JSON object")

    p = sub.add_parser("lock", help="write the pinned, hashed requirements for the image")
    p.add_argument("notebook", type=Path)
    _environment_args(p)
    _lock_args(p)
    p.add_argument("-o", "--output", type=Path, help="file to write (default: stdout)")
    p.add_argument("--cache-dir", type=Path, help="host cache for wheels and resolutions")

    for name, text in (("build", "build the image"), ("export", "write the build context to a folder")):
        p = sub.add_parser(name, help=text)
        p.add_argument("notebook", type=Path)
        _environment_args(p)
        _lock_args(p)
        _image_args(p)
        if name == "build":
            p.add_argument("--json", action="store_true", help="print the result as one JSON object")
        else:
            p.add_argument("-o", "--output", type=Path, required=True, help="folder for the context")
    return parser


def _settings(args) -> Settings:
    kwargs = {}
    if getattr(args, "cache_dir", None):
        kwargs["cache_dir"] = args.cache_dir
    if getattr(args, "base", None):
        kwargs["base_image"] = args.base
    if getattr(args, "registry", None):
        kwargs["registry"] = args.registry
    return Settings(**kwargs)


def _edits(args) -> PackageEdits:
    return PackageEdits(add=args.add, remove=args.remove)


def _root(notebook: Path) -> Path:
    cwd = Path.cwd().resolve()
    return cwd if cwd in notebook.parents else notebook.parent


def run(args) -> int:
    from . import pipeline

    notebook = args.notebook.resolve()
    settings = _settings(args)
    if args.command == "build":
        from .engine.docker import DockerEngine

        request = BuildRequest(path=str(notebook), tag=args.tag, base_image=args.base, python=args.python,
                               kernel=args.kernel, platform=args.platform, edits=_edits(args))
        result = pipeline.containerize(request, notebook, root=_root(notebook), settings=settings,
                                       engine=DockerEngine(), reporter=ConsoleReporter())
        if args.json:
            print(result.model_dump_json())
        else:
            print(f"Built {result.tag} ({result.size / 1e6:.0f} MB) in {result.duration_s:.1f}s")
            print(f'Run it: mkdir -p out && docker run --rm -v "$PWD/out:/out" {result.tag}')
        return 0

    environment = pipeline.kernel_environment(notebook, python=args.python, kernel=args.kernel)
    analysis = pipeline.analyse(notebook, environment, _root(notebook))
    if args.command == "analyze":
        print(analysis.model_dump_json(indent=2) if args.json else format_analysis_table(analysis))
        return 0
    the_lock = pipeline.lock(analysis, environment, settings, platform=args.platform, edits=_edits(args))
    for warning in the_lock.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if args.command == "lock":
        from .lock import render_lock

        text = render_lock(the_lock)
        if args.output:
            args.output.write_text(text)
        else:
            sys.stdout.write(text)
        return 0
    # export
    prepared = pipeline.prepare_context(notebook, analysis, the_lock, settings, args.output.resolve(),
                                        python_version=environment.python_version)
    print(f"Wrote the build context to {prepared.directory}; build it with: docker build {args.output}")
    return 0


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return run(args)
    except ContainerizeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())

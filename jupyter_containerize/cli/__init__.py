"""``jupyter containerize``: the same core as the server, from a terminal.

Each subcommand is a module of this package with ``register(subparsers)`` and
``run(args) -> int``; errors print their cause (redacted) on stderr and exit with status 1
(argparse exits with 2 for bad arguments).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys

from .._version import __version__
from ..errors import ContainerizeError
from ..redact import redact
from . import analyze, build, inspect, lock, run, schedule

COMMANDS = (analyze, lock, build, run, inspect, schedule)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="jupyter containerize",
                                     description="Turn a notebook into a container image.")
    parser.add_argument("--version", action="version", version=__version__)
    subparsers = parser.add_subparsers(dest="command", required=True)
    for command in COMMANDS:
        command.register(subparsers)
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except ContainerizeError as exc:
        print(f"error: {redact(str(exc))}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def run() -> None:
    """The ``jupyter-containerize`` script: the build service runs the command when one
    answers (:mod:`.service`), else :func:`main` runs it here and starts one for the next
    commands; then an exit without tearing the interpreter down (:func:`finish`).
    pydantic's plugins (tracing of validations) are off unless the environment says
    otherwise: a command's models are its own data, and finding the plugins reads every
    installed distribution's entry points (10 ms with 200)."""
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    from .service import Client

    argv = sys.argv[1:]
    client = Client.for_command(argv)
    code = client.run(argv) if client else None
    if code is None:
        code = main(argv)
        if client:
            client.start()
    finish(code)


def finish(code: int) -> None:
    """Exit with ``code`` without tearing the interpreter down. The command is done, its files
    closed and its output flushed here; freeing the tens of thousands of objects a build
    leaves costs every command 0.07-0.1 s (a third of a rebuild after a one-cell edit)."""
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BrokenPipeError:  # the reader went away (``| head``)
        code = code or 1
    logging.shutdown()
    os._exit(code)


if __name__ == "__main__":
    run()

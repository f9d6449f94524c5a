"""``jupyter containerize lock NOTEBOOK [--python PATH | --kernel NAME] [--platform P]
[--add SPEC]... [--remove NAME]... [-o FILE]``"""

from __future__ import annotations

import sys
from pathlib import Path

from .common import analysed, edits_from, environment_args, lock_args, print_text, settings_from


def register(subparsers) -> None:
    parser = subparsers.add_parser("lock", help="write the pinned, hashed requirements for the image")
    parser.add_argument("notebook", type=Path)
    environment_args(parser)
    lock_args(parser)
    parser.add_argument("-o", "--output", type=Path, help="file to write (default: stdout)")
    parser.set_defaults(run=run)


def run(args) -> int:
    from .. import pipeline
    from ..lock import render_lock
    from ..redact import redact

    _, environment, analysis = analysed(args)
    the_lock = pipeline.lock(analysis, environment, settings_from(args), platform=args.platform,
                             edits=edits_from(args))
    for warning in the_lock.warnings:
        print_text(f"warning: {warning}", sys.stderr)
    text = redact(render_lock(the_lock))
    if args.output:
        args.output.write_text(text)
    else:
        sys.stdout.write(text)
    return 0

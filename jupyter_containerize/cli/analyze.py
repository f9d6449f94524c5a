"""``jupyter containerize analyze NOTEBOOK [--python PATH | --kernel NAME] [--json]``"""

from __future__ import annotations

from pathlib import Path

from .common import analysed, environment_args, print_model, print_text


def register(subparsers) -> None:
    parser = subparsers.add_parser("analyze", help="what the notebook needs, from its code and its kernel")
    parser.add_argument("notebook", type=Path)
    environment_args(parser)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(run=run)


def run(args) -> int:
    from ..analysis import format_analysis_table

    _, _, analysis = analysed(args)
    if args.json:
        print_model(analysis, indent=2)
    else:
        print_text(format_analysis_table(analysis))
    return 0

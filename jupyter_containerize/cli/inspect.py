"""``jupyter containerize inspect IMAGE [--json] [--sbom]``: what is inside an image."""

from __future__ import annotations


def register(subparsers) -> None:
    parser = subparsers.add_parser("inspect", help="what a built image holds (notebook, Python, packages)")
    parser.add_argument("image")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--json", action="store_true", help="print one JSON object")
    group.add_argument("--sbom", action="store_true", help="print the image's CycloneDX SBOM")
    parser.set_defaults(run=run)


def run(args) -> int:
    from ..engine.docker import DockerEngine
    from ..errors import NotFound
    from ..share.inspect import describe_image, format_description
    from .common import print_model, print_text

    engine = DockerEngine()
    engine.ping()
    description = describe_image(engine, args.image)
    if args.sbom:
        if not description.sbom_path:
            raise NotFound(f"{args.image} carries no SBOM (built before SBOMs were added)")
        print(engine.read_file(args.image, description.sbom_path).decode(), end="")
    elif args.json:
        print_model(description, indent=2)
    else:
        print_text(format_description(description))
    return 0

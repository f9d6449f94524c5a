"""``jupyter containerize build NOTEBOOK [--tag TAG] [--base IMAGE] [--python PATH] [--json]``
and ``jupyter containerize export NOTEBOOK -o DIR`` (the same context, for ``docker build``)."""

from __future__ import annotations

from pathlib import Path

from .common import (
    ConsoleReporter,
    analysed,
    edits_from,
    environment_args,
    image_args,
    lock_args,
    print_model,
    print_text,
    root_for,
    settings_from,
)


def register(subparsers) -> None:
    parser = subparsers.add_parser("build", help="build the notebook's image")
    parser.add_argument("notebook", type=Path)
    environment_args(parser)
    lock_args(parser)
    image_args(parser)
    parser.add_argument("--verify", action="store_true",
                        help="run the notebook headless in the new image; fail the build when it does not run")
    parser.add_argument("--push", action="store_true",
                        help="push the image with the Docker configuration's credentials (after --verify)")
    parser.add_argument("--json", action="store_true", help="print the result as one JSON object")
    parser.set_defaults(run=run_build)

    parser = subparsers.add_parser("export", help="write the build context to a folder")
    parser.add_argument("notebook", type=Path)
    environment_args(parser)
    lock_args(parser)
    image_args(parser)
    parser.add_argument("-o", "--output", type=Path, required=True, help="folder for the context")
    parser.set_defaults(run=run_export)


def run_build(args) -> int:
    from .. import pipeline
    from ..engine.docker import DockerEngine
    from ..models import BuildRequest

    notebook = args.notebook.resolve()
    request = BuildRequest(path=str(notebook), tag=args.tag, base_image=args.base, python=args.python,
                           kernel=args.kernel, platform=args.platform, edits=edits_from(args),
                           verify=args.verify, push=args.push, exclude_files=args.exclude,
                           allow_secrets=args.allow_secrets, fetch_data=args.fetch_data)
    result = pipeline.containerize(request, notebook, root=root_for(notebook), settings=settings_from(args),
                                   engine=DockerEngine(), reporter=ConsoleReporter())
    if args.json:
        print_model(result)
    else:
        print_text(f"Built {result.tag} ({result.size / 1e6:.0f} MB) in {result.duration_s:.1f}s")
        if result.digest:
            print_text(f"Pushed {result.digest}")
        print_text(f'Run it: mkdir -p out && docker run --rm -v "$PWD/out:/out" {result.tag}')
    return 0


def run_export(args) -> int:
    import tempfile

    from .. import pipeline
    from ..analysis.secrets import check_secrets
    from ..image.fetch import fetch_data

    settings = settings_from(args)
    notebook, environment, analysis = analysed(args)
    check_secrets(analysis, args.exclude, allow=args.allow_secrets, log=ConsoleReporter().log)
    analysis = pipeline.without_files(analysis, args.exclude)
    the_lock = pipeline.lock(analysis, environment, settings, platform=args.platform, edits=edits_from(args))
    with tempfile.TemporaryDirectory(prefix="containerize-fetch-") as tmp:
        fetched = fetch_data(analysis, environment.executable, Path(tmp), timeout=settings.timeouts.index,
                             nltk_index=settings.nltk_index_url, log=ConsoleReporter().log) if args.fetch_data else None
        prepared = pipeline.prepare_context(notebook, analysis, the_lock, settings, args.output.resolve(),
                                            python_version=environment.python_version, root=root_for(notebook),
                                            fetched=fetched)
    print(f"Wrote the build context to {prepared.directory}; build it with: docker build {args.output}")
    return 0

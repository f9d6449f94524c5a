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
    parser.add_argument("--output", choices=("engine", "registry", "archive"),
                        help="engine: the container engine builds it; registry: assembled here and pushed (no "
                             "engine needed); archive: assembled here, written to -o FILE (default: the engine "
                             "when one answers, else the registry the tag names)")
    parser.add_argument("-o", dest="archive_file", type=Path, metavar="FILE.tar",
                        help="the OCI archive to write (--output archive)")
    parser.add_argument("--created", metavar="YYYY-MM-DDTHH:MM:SSZ",
                        help="the image's creation time (default: SOURCE_DATE_EPOCH, else the Unix epoch)")
    parser.add_argument("--insecure-registry", action="append", default=[], metavar="HOST[:PORT]",
                        help="a registry spoken to over plain HTTP (loopback ones always are)")
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
    from ..analysis.scan_helper import helping

    notebook = args.notebook.resolve()
    with helping(notebook):  # first: it checks the notebook for secrets while the pipeline loads
        result = _build(args, notebook)
    if args.json:
        print_model(result)
        return 0
    made = {"engine": "Built", "registry": "Assembled and pushed", "archive": "Assembled"}[result.output]
    print_text(f"{made} {result.tag} ({result.size / 1e6:.0f} MB) in {result.duration_s:.1f}s "
               f"[{result.output}: {result.output_reason}]")
    if result.digest:
        print_text(f"Pushed {result.digest}")
    if result.archive:
        print_text(f"Wrote {result.archive}: docker load -i {result.archive}  (or podman load, skopeo copy "
                   f"oci-archive:{result.archive} ...)")
    if result.verified is False:
        print_text("Not verified: no container engine answers here")
    reference = result.digest or result.tag
    print_text(f'Run it: mkdir -p out && docker run --rm -v "$PWD/out:/out" {reference}')
    return 0


def _build(args, notebook: Path):
    import dataclasses

    from .. import pipeline
    from ..engine.docker import DockerEngine
    from ..models import BuildRequest

    platforms = [p.strip() for p in args.platform.split(",") if p.strip()]
    request = BuildRequest(path=str(notebook), tag=args.tag, base_image=args.base, python=args.python,
                           kernel=args.kernel, platform=platforms[0],
                           platforms=platforms if len(platforms) > 1 else [], edits=edits_from(args),
                           verify=args.verify, push=args.push, exclude_files=args.exclude,
                           allow_secrets=args.allow_secrets, output=args.output, created=args.created,
                           fetch_data=args.fetch_data)
    settings = settings_from(args)
    if args.insecure_registry:
        settings = dataclasses.replace(settings, insecure_registries=tuple(args.insecure_registry))
    archive = args.archive_file.resolve() if args.archive_file else None
    return pipeline.containerize(request, notebook, root=root_for(notebook), settings=settings,
                                 engine=DockerEngine(), reporter=ConsoleReporter(), archive=archive)


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

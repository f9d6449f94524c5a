"""The server extension: configuration (traitlets), wiring, and nothing else."""

from __future__ import annotations

import logging
from pathlib import Path

from jupyter_server.extension.application import ExtensionApp
from traitlets import Float, Int, List, Type, Unicode, default

from ._version import __version__
from .builds import HISTORY_MAX_BUILDS, HISTORY_MAX_DAYS, BuildManager
from .engine import ContainerEngine
from .engine.docker import DockerEngine
from .images import CACHE_MAX_AGE, PRUNE_MIN_AGE, ImageService
from .redact import redact_logs
from .routes import MAX_REQUEST_BYTES, setup_route_handlers
from .runs import RUNS_FOLDER, RunService
from .settings import (
    DEFAULT_BASE_IMAGE_TEMPLATE,
    DEFAULT_TAG_TEMPLATE,
    RESOLUTION_TTL,
    Settings,
    Timeouts,
    default_cache_dir,
)
from .share.stale import StaleChecker
from .store import JobStore, default_store_path


class ContainerizeApp(ExtensionApp):
    name = "jupyter_containerize"
    description = "Turn notebooks into container images"

    base_image_template = Unicode(
        DEFAULT_BASE_IMAGE_TEMPLATE, config=True,
        help="Base image for a kernel's Python version; {major} and {minor} are filled in.",
    )
    base_image = Unicode(
        "", config=True, help="A fixed base image for every build (overrides base_image_template)."
    )
    tag_template = Unicode(
        DEFAULT_TAG_TEMPLATE, config=True,
        help="Default image reference: {notebook} (name slug) and {lock} (12 hex of the lock digest).",
    )
    registry = Unicode("", config=True, help="Registry prefix for default tags, e.g. ghcr.io/me")
    insecure_registries = List(Unicode(), config=True,
                               help="Registries spoken to over plain HTTP by the registry output (loopback "
                                    "registries always are).")
    cache_dir = Unicode(config=True, help="Host cache for wheels and resolutions.")
    max_concurrent_builds = Int(1, config=True, help="Builds that run at once; the rest queue.")
    max_concurrent_runs = Int(2, config=True, help="Runs of images that run at once; the rest queue.")
    runs_folder = Unicode(RUNS_FOLDER, config=True,
                          help="Folder under the server root where runs land (FOLDER/NOTEBOOK/TIMESTAMP/); "
                               "the sidebar's setting overrides it.")
    prune_min_age = Float(PRUNE_MIN_AGE, min=0.0, config=True,
                          help="Seconds an environment image this server made is kept by Prune even when no "
                               "image uses it (a build of another process may be about to).")
    cache_max_age_days = Float(CACHE_MAX_AGE / 86400, min=0.0, config=True,
                               help="Days a host cache entry (a wheel, an installed package...) is kept by Prune "
                                    "after it was last used.")
    store_path = Unicode(config=True, help="SQLite file holding build jobs and their events "
                         "(default: {jupyter_data_dir}/containerize/builds.sqlite).")
    engine_class = Type(DockerEngine, klass=ContainerEngine, config=True,
                        help="The container engine implementation.")
    max_request_bytes = Int(MAX_REQUEST_BYTES, config=True,
                            help="Largest request body accepted; a larger one is answered 413.")
    history_max_builds = Int(HISTORY_MAX_BUILDS, config=True,
                             help="Finished builds kept in the history, newest first (0: no limit).")
    history_max_days = Float(HISTORY_MAX_DAYS, config=True,
                             help="Days a finished build is kept in the history (0: no limit).")
    pip_timeout = Float(Timeouts.pip, min=1.0, config=True,
                        help="Seconds one pip resolve or download may take; then the build fails.")
    wheel_build_timeout = Float(Timeouts.wheel_build, min=1.0, config=True,
                                help="Seconds building one wheel on the host (an sdist, a local folder, "
                                     "a VCS commit) may take.")
    compile_timeout = Float(Timeouts.compile, min=1.0, config=True,
                            help="Seconds compiling the packages of one environment layer may take.")
    index_timeout = Float(Timeouts.index, min=1.0, config=True,
                          help="Seconds one request to a package index may take, connection to last byte "
                               "(pip's own timeout bounds each wait for data).")
    push_timeout = Float(Timeouts.push, min=1.0, config=True,
                         help="Seconds pushing one image to its registry may take; then the push fails.")
    resolution_cache_ttl = Float(RESOLUTION_TTL, min=0.0, config=True,
                                 help="Seconds a cached pip resolution is reused (0: never cached).")

    @default("cache_dir")
    def _default_cache_dir(self) -> str:
        return str(default_cache_dir())

    @default("store_path")
    def _default_store_path(self) -> str:
        return str(default_store_path())

    def initialize_settings(self) -> None:
        # the server's log and tornado's (handler exceptions) leave the core: redacted
        redact_logs(self.log, self.serverapp.log, logging.getLogger("tornado.application"))
        settings = Settings(
            base_image_template=self.base_image_template, base_image=self.base_image,
            tag_template=self.tag_template, registry=self.registry, cache_dir=Path(self.cache_dir),
            timeouts=Timeouts(pip=self.pip_timeout, wheel_build=self.wheel_build_timeout,
                              compile=self.compile_timeout, index=self.index_timeout, push=self.push_timeout),
            resolution_ttl=self.resolution_cache_ttl, insecure_registries=tuple(self.insecure_registries),
        )
        self.build_manager = BuildManager(
            root=Path(self.serverapp.root_dir), settings=settings, engine_factory=self.engine_class,
            max_concurrent=self.max_concurrent_builds,
            kernel_spec_manager=self.serverapp.kernel_spec_manager, store=JobStore(self.store_path),
            log=self.log, history_max_builds=self.history_max_builds, history_max_days=self.history_max_days,
            max_concurrent_runs=self.max_concurrent_runs,
        )
        if self.build_manager.interrupted:
            self.log.warning("Marked %d build(s) left running by a stopped server as interrupted: %s",
                             len(self.build_manager.interrupted), ", ".join(self.build_manager.interrupted))
        if self.build_manager.swept:
            self.log.warning("Removed %d container(s) that interrupted builds left running",
                             len(self.build_manager.swept))
        try:  # jupyter-scheduler, when installed, offers the images this server pushed
            from .scheduler.environments import serve_registry_images

            serve_registry_images(self.build_manager)
        except ImportError:
            pass
        self.settings.update({"containerize_runs": RunService(self.build_manager, runs_folder=self.runs_folder),
                              "containerize_images": ImageService(self.build_manager, min_age=self.prune_min_age,
                                                                  cache_max_age=self.cache_max_age_days * 86400),
                              "containerize_stale": StaleChecker(self.build_manager)})
        self.settings.update({"containerize": self.build_manager, "containerize_settings": settings,
                              "containerize_version": __version__,
                              "containerize_max_request_bytes": self.max_request_bytes})

    def initialize_handlers(self) -> None:
        setup_route_handlers(self.serverapp.web_app, self.settings)

    async def stop_extension(self) -> None:
        manager = getattr(self, "build_manager", None)
        if manager is not None:
            manager.shutdown()
            manager.store.close()

"""Server configuration for the Galata tests (`jlpm start`): a temporary root holding a copy
of the repository's `examples/` and of `ui-tests/fixtures/`, and the base image given by CONTAINERIZE_BASE_IMAGE (a local
image: no registry is reachable from the test machines). When CONTAINERIZE_UI_REGISTRY names
a loopback HOST:PORT (playwright.config.js sets it), a registry (Debian's docker-registry,
no authentication, a temporary folder) serves there for the push and share tests, and stops
with the server.

Opens the server without any authentication: never use it for anything but the tests.
"""

import atexit
import ctypes
import os
import shutil
import signal
import subprocess
from pathlib import Path
from tempfile import mkdtemp

from jupyterlab.galata import configure_jupyter_server

c = get_config()  # noqa: F821
configure_jupyter_server(c)
c.ServerApp.allow_root = True

root = os.environ.get("JUPYTERLAB_GALATA_ROOT_DIR") or mkdtemp(prefix="galata-containerize-")
here = Path(__file__).resolve().parent
for source, target in ((here.parent / "examples", "examples"), (here / "fixtures", "fixtures")):
    if source.is_dir():
        shutil.copytree(source, Path(root) / target, dirs_exist_ok=True)
c.ServerApp.root_dir = root
# the build history of this test server only (not the user's, nor another test run's)
c.ContainerizeApp.store_path = str(Path(mkdtemp(prefix="galata-store-")) / "builds.sqlite")

# jupyter-scheduler (a test dependency) runs jobs in our images; its database stays out of
# the user's data directory
try:
    import jupyter_scheduler  # noqa: F401
except ImportError:
    pass
else:
    c.SchedulerApp.environment_manager_class = "jupyter_containerize.scheduler.ImageEnvironmentManager"
    c.SchedulerApp.scheduler_class = "jupyter_containerize.scheduler.ImageScheduler"
    c.Scheduler.execution_manager_class = "jupyter_containerize.scheduler.ImageExecutionManager"
    c.SchedulerApp.db_url = "sqlite:///" + str(Path(mkdtemp(prefix="galata-scheduler-")) / "scheduler.sqlite")

# a history of this server's own: the tests see their builds and runs only (the user's store
# may hold jobs of other versions)
c.ContainerizeApp.store_path = str(Path(mkdtemp(prefix="galata-store-")) / "builds.sqlite")

base_image = os.environ.get("CONTAINERIZE_BASE_IMAGE")
if base_image:
    c.ContainerizeApp.base_image = base_image

registry = os.environ.get("CONTAINERIZE_UI_REGISTRY", "")
if registry.startswith("127.0.0.1:") and shutil.which("docker-registry"):
    storage = Path(mkdtemp(prefix="galata-registry-"))
    (storage / "config.yml").write_text(
        f"version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: {storage / 'data'}\n"
        f"http:\n  addr: {registry}\n")

    def _die_with_the_server() -> None:  # PR_SET_PDEATHSIG: the registry ends when the server does
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)

    _registry = subprocess.Popen(["docker-registry", "serve", str(storage / "config.yml")],
                                 stdout=(storage / "registry.log").open("wb"), stderr=subprocess.STDOUT,
                                 preexec_fn=_die_with_the_server)
    atexit.register(_registry.terminate)
    # the base image in the registry, for the builds made without the engine (registry.spec.ts)
    for _ in range(100):
        if subprocess.run(["curl", "-fs", f"http://{registry}/v2/"], capture_output=True).returncode == 0:
            break
        import time

        time.sleep(0.1)
    if base_image:
        subprocess.run(["docker", "tag", base_image, f"{registry}/base/python:3.11"], check=True)
        subprocess.run(["docker", "push", f"{registry}/base/python:3.11"], check=True, capture_output=True)

# Uncomment to set server log level to debug level
# c.ServerApp.log_level = "DEBUG"

"""Server configuration for the Galata tests (`jlpm start`): a temporary root holding a copy
of the repository's `examples/` and of `ui-tests/fixtures/`, and the base image given by CONTAINERIZE_BASE_IMAGE (a local
image: no registry is reachable from the test machines).

Opens the server without any authentication: never use it for anything but the tests.
"""

import os
import shutil
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

base_image = os.environ.get("CONTAINERIZE_BASE_IMAGE")
if base_image:
    c.ContainerizeApp.base_image = base_image


def start_registry(host: str, image: str) -> None:
    """A local registry (Debian's docker-registry, no auth, 127.0.0.1 only) holding the base
    image, for the builds made without the engine (registry.spec.ts). Stopped at exit."""
    import atexit
    import signal
    import subprocess
    import time

    folder = Path(mkdtemp(prefix="galata-registry-"))
    (folder / "config.yml").write_text(f"version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n"
                                       f"    rootdirectory: {folder / 'data'}\nhttp:\n  addr: {host}\n")
    server = subprocess.Popen(["docker-registry", "serve", str(folder / "config.yml")], start_new_session=True,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    atexit.register(lambda: os.killpg(server.pid, signal.SIGTERM))
    for _ in range(100):
        if subprocess.run(["curl", "-fs", f"http://{host}/v2/"], capture_output=True).returncode == 0:
            break
        time.sleep(0.1)
    target = f"{host}/base/python:3.11"
    subprocess.run(["docker", "tag", image, target], check=True)
    subprocess.run(["docker", "push", target], check=True, capture_output=True)


registry_host = os.environ.get("CONTAINERIZE_GALATA_REGISTRY", "127.0.0.1:5099")
if base_image and shutil.which("docker-registry"):
    start_registry(registry_host, base_image)

# Uncomment to set server log level to debug level
# c.ServerApp.log_level = "DEBUG"

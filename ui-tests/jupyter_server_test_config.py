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

# Uncomment to set server log level to debug level
# c.ServerApp.log_level = "DEBUG"

"""jupyter-scheduler integration (optional: ``pip install jupyter_containerize[scheduler]``).

Enable it in ``jupyter_server_config.py``::

    c.SchedulerApp.environment_manager_class = "jupyter_containerize.scheduler.ImageEnvironmentManager"
    c.SchedulerApp.scheduler_class = "jupyter_containerize.scheduler.ImageScheduler"
    c.Scheduler.execution_manager_class = "jupyter_containerize.scheduler.ImageExecutionManager"

Then "Create Job" offers the images built by this extension as environments, a job runs the
notebook inside the chosen image on the container engine, and stopping a job removes its
container (``ImageScheduler``). Importing this package needs
jupyter-scheduler; nothing else in jupyter_containerize imports it.
"""

from .environments import ImageEnvironmentManager
from .execution import ImageExecutionManager
from .jobs import ImageScheduler

__all__ = ["ImageEnvironmentManager", "ImageExecutionManager", "ImageScheduler"]

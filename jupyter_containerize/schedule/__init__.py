"""Schedules outside JupyterLab: Kubernetes CronJob/Job manifests and a crontab line.

Rendering is pure: a :class:`ScheduleSpec` in, a manifest (dict, then YAML) or a line out.
"""

from .cron import validate_cron
from .crontab import crontab_line
from .kubernetes import ScheduleSpec, cronjob_manifest, job_manifest, k8s_name, to_yaml

__all__ = ["ScheduleSpec", "cronjob_manifest", "job_manifest", "k8s_name", "to_yaml", "crontab_line",
           "validate_cron"]

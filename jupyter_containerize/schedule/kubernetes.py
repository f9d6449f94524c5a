"""Kubernetes CronJob and Job manifests that run a notebook image.

The pod runs as uid 1000 (the image's user) with a read-only root filesystem; ``/out`` is an
emptyDir (or a PersistentVolumeClaim) and ``/tmp`` an emptyDir. Parameters are container
``args`` after the image's entrypoint, exactly as ``docker run IMAGE NOTEBOOK -p NAME VALUE``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Optional

from ..errors import InvalidRequest
from ..share.running import runner_args
from .cron import validate_cron

UID = 1000
_LABEL = "app.kubernetes.io/name"


def k8s_name(text: str, limit: int = 52) -> str:
    """A DNS-1123 label (CronJob names are limited to 52 characters)."""
    name = re.sub(r"[^a-z0-9-]+", "-", text.lower()).strip("-")[:limit].strip("-")
    if not name:
        raise InvalidRequest(f"Cannot make a Kubernetes name out of {text!r}; pass --name")
    return name


@dataclass
class ScheduleSpec:
    image: str
    notebook: str
    name: str
    cron: Optional[str] = None
    parameters: list[tuple[str, str]] = field(default_factory=list)
    raw_parameters: list[tuple[str, str]] = field(default_factory=list)  # kept as text (the runner's -r)
    namespace: Optional[str] = None
    timezone: Optional[str] = None
    cpu_request: str = "250m"
    memory_request: str = "512Mi"
    cpu_limit: str = "2"
    memory_limit: str = "2Gi"
    pvc: Optional[str] = None
    pull_secrets: list[str] = field(default_factory=list)
    backoff_limit: int = 1
    history_limit: int = 3
    failed_history_limit: int = 3
    deadline_s: Optional[int] = None
    starting_deadline_s: int = 300
    html: bool = False

    def __post_init__(self):
        if self.name != k8s_name(self.name):
            raise InvalidRequest(f"{self.name!r} is not a valid Kubernetes name (lowercase letters, digits "
                                 f"and '-', at most 52 characters)")
        if self.cron is not None:
            self.cron = validate_cron(self.cron)


def _metadata(spec: ScheduleSpec) -> dict:
    meta = {"name": spec.name, "labels": {_LABEL: spec.name, "app.kubernetes.io/managed-by": "jupyter-containerize"},
            "annotations": {"io.jupyter.containerize.notebook": spec.notebook}}
    if spec.namespace:
        meta["namespace"] = spec.namespace
    return meta


def _pod_spec(spec: ScheduleSpec) -> dict:
    out = ({"name": "out", "persistentVolumeClaim": {"claimName": spec.pvc}} if spec.pvc
           else {"name": "out", "emptyDir": {}})
    pod = {
        "restartPolicy": "Never",
        "securityContext": {"runAsNonRoot": True, "runAsUser": UID, "runAsGroup": UID, "fsGroup": UID,
                            "seccompProfile": {"type": "RuntimeDefault"}},
        "containers": [{
            "name": "notebook",
            "image": spec.image,
            "args": runner_args(spec.notebook, spec.parameters, html=spec.html, raw=spec.raw_parameters),
            "resources": {"requests": {"cpu": spec.cpu_request, "memory": spec.memory_request},
                          "limits": {"cpu": spec.cpu_limit, "memory": spec.memory_limit}},
            "securityContext": {"readOnlyRootFilesystem": True, "allowPrivilegeEscalation": False,
                                "capabilities": {"drop": ["ALL"]}},
            "volumeMounts": [{"name": "out", "mountPath": "/out"}, {"name": "tmp", "mountPath": "/tmp"}],
        }],
        "volumes": [out, {"name": "tmp", "emptyDir": {}}],
    }
    if spec.pull_secrets:
        pod["imagePullSecrets"] = [{"name": s} for s in spec.pull_secrets]
    return pod


def _job_spec(spec: ScheduleSpec) -> dict:
    job = {"backoffLimit": spec.backoff_limit,
           "template": {"metadata": {"labels": {_LABEL: spec.name}}, "spec": _pod_spec(spec)}}
    if spec.deadline_s:
        job["activeDeadlineSeconds"] = spec.deadline_s
    return job


def job_manifest(spec: ScheduleSpec) -> dict:
    return {"apiVersion": "batch/v1", "kind": "Job", "metadata": _metadata(spec), "spec": _job_spec(spec)}


def cronjob_manifest(spec: ScheduleSpec) -> dict:
    if not spec.cron:
        raise InvalidRequest("A CronJob needs a schedule: pass --cron EXPR (or --job for a one-off Job)")
    body = {
        "schedule": spec.cron,
        "concurrencyPolicy": "Forbid",
        "startingDeadlineSeconds": spec.starting_deadline_s,
        "successfulJobsHistoryLimit": spec.history_limit,
        "failedJobsHistoryLimit": spec.failed_history_limit,
        "jobTemplate": {"metadata": {"labels": {_LABEL: spec.name}}, "spec": _job_spec(spec)},
    }
    if spec.timezone:
        body["timeZone"] = spec.timezone
    return {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": _metadata(spec), "spec": body}


def to_yaml(manifest: dict) -> str:
    import yaml

    return yaml.safe_dump(manifest, sort_keys=False, default_flow_style=False)

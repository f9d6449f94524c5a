"""Kubernetes manifests and the crontab line: pure rendering, every manifest validated
against the Kubernetes schema (kubernetes-validate, strict), fields checked."""

from __future__ import annotations

import subprocess

import pytest
import yaml

from jupyter_containerize.cli import main
from jupyter_containerize.errors import InvalidRequest
from jupyter_containerize.schedule import ScheduleSpec, cronjob_manifest, crontab_line, job_manifest, to_yaml, validate_cron

from .required import import_or_fail

kubernetes_validate = import_or_fail("kubernetes_validate", 'pip install -e ".[test]"')
K8S = "1.30"  # timeZone is stable since 1.27


def _valid(manifest: dict) -> dict:
    kubernetes_validate.validate(manifest, K8S, strict=True)
    return manifest


def _spec(**kw) -> ScheduleSpec:
    values = dict(image="registry.example/sales-report:7f2b6a0bb8e8", notebook="sales-report.ipynb",
                  name="sales-report", cron="0 6 * * 1-5", parameters=[("region", "North"), ("n", "3")])
    values.update(kw)
    return ScheduleSpec(**values)


def test_cronjob_has_everything_the_job_needs():
    m = _valid(cronjob_manifest(_spec(pull_secrets=["regcred"], timezone="Europe/Paris")))
    assert m["kind"] == "CronJob" and m["spec"]["schedule"] == "0 6 * * 1-5"
    assert m["spec"]["concurrencyPolicy"] == "Forbid" and m["spec"]["timeZone"] == "Europe/Paris"
    assert m["spec"]["successfulJobsHistoryLimit"] == 3 and m["spec"]["failedJobsHistoryLimit"] == 3
    job = m["spec"]["jobTemplate"]["spec"]
    assert job["backoffLimit"] == 1
    pod = job["template"]["spec"]
    assert pod["restartPolicy"] == "Never"
    assert pod["securityContext"]["runAsNonRoot"] is True and pod["securityContext"]["runAsUser"] == 1000
    assert pod["imagePullSecrets"] == [{"name": "regcred"}]
    (container,) = pod["containers"]
    assert container["image"] == "registry.example/sales-report:7f2b6a0bb8e8"
    assert container["args"] == ["sales-report.ipynb", "-p", "region", "North", "-p", "n", "3"]
    assert "command" not in container  # args follow the image's entrypoint
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert container["resources"] == {"requests": {"cpu": "250m", "memory": "512Mi"},
                                      "limits": {"cpu": "2", "memory": "2Gi"}}
    mounts = {v["mountPath"]: v["name"] for v in container["volumeMounts"]}
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert volumes[mounts["/out"]] == {"name": "out", "emptyDir": {}}
    assert volumes[mounts["/tmp"]] == {"name": "tmp", "emptyDir": {}}


def test_job_with_a_pvc_and_custom_resources():
    m = _valid(job_manifest(_spec(cron=None, pvc="reports", cpu_request="1", memory_request="1Gi",
                                  cpu_limit="4", memory_limit="8Gi", deadline_s=3600, namespace="data",
                                  backoff_limit=0)))
    assert m["kind"] == "Job" and m["metadata"]["namespace"] == "data"
    assert m["spec"]["activeDeadlineSeconds"] == 3600 and m["spec"]["backoffLimit"] == 0
    pod = m["spec"]["template"]["spec"]
    assert {"name": "out", "persistentVolumeClaim": {"claimName": "reports"}} in pod["volumes"]
    assert pod["containers"][0]["resources"]["limits"] == {"cpu": "4", "memory": "8Gi"}
    assert "imagePullSecrets" not in pod


def test_yaml_round_trips_and_validates():
    text = to_yaml(cronjob_manifest(_spec()))
    _valid(yaml.safe_load(text))


@pytest.mark.parametrize("expr", ["0 6 * * 1-5", "*/15 * * * *", "0 0 1 JAN,jul ?", "5 4 * * sun",
                                  "@daily", "@hourly", "0-30/10 8-18 * * MON-FRI", "0 0 * * 7"])
def test_good_cron_expressions(expr):
    assert validate_cron(expr)
    _valid(cronjob_manifest(_spec(cron=expr)))


@pytest.mark.parametrize("expr, why", [
    ("61 * * * *", "minute 61 is outside 0-59"), ("* * * *", "expected 5 fields"),
    ("0 24 * * *", "hour 24"), ("0 0 0 * *", "day of month 0"), ("*/0 * * * *", "step of 0"),
    ("@sometimes", "unknown macro"), ("0 0 * FOO *", "not a valid month"), ("0 18-9 * * *", "goes backwards"),
    ("TZ=UTC 0 6 * * *", "--timezone"), ("", "expected 5 fields"),
])
def test_bad_cron_expressions_are_clear_errors(expr, why):
    with pytest.raises(InvalidRequest, match=why):
        validate_cron(expr)


def test_bad_name_is_refused():
    with pytest.raises(InvalidRequest, match="not a valid Kubernetes name"):
        _spec(name="Sales_Report")


def test_crontab_line_runs_docker_read_only_and_escapes_percent(tmp_path):
    line = crontab_line("0 6 * * *", "sales-report:1", "sales-report.ipynb", tmp_path, [("region", "North East")])
    assert line.startswith("0 6 * * * ")
    assert "docker run --rm --read-only --tmpfs /tmp" in line
    assert f"{tmp_path}/$(date +\\%Y\\%m\\%dT\\%H\\%M\\%S)" in line
    assert "sales-report:1 sales-report.ipynb -p region 'North East'" in line
    # what cron runs (after un-escaping %) is valid sh
    command = line[len("0 6 * * * "):].replace("\\%", "%")
    assert subprocess.run(["sh", "-n", "-c", command]).returncode == 0


def test_cli_prints_a_valid_cronjob(capsys):
    status = main(["schedule", "img:1", "--notebook", "report.ipynb", "--cron", "@daily", "--kubernetes",
                   "-p", "region", "North", "--pull-secret", "regcred", "--pvc", "out"])
    assert status == 0
    m = _valid(yaml.safe_load(capsys.readouterr().out))
    assert m["metadata"]["name"] == "report" and m["spec"]["schedule"] == "@daily"


def test_cli_job_and_bad_cron(capsys):
    assert main(["schedule", "img:1", "--notebook", "report.ipynb", "--kubernetes", "--job"]) == 0
    assert _valid(yaml.safe_load(capsys.readouterr().out))["kind"] == "Job"
    assert main(["schedule", "img:1", "--notebook", "r.ipynb", "--kubernetes", "--cron", "0 25 * * *"]) == 1
    assert "hour 25 is outside 0-23" in capsys.readouterr().err


def test_the_validator_would_catch_a_broken_manifest():
    broken = cronjob_manifest(_spec())
    broken["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]["resource"] = {}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, K8S, strict=True)

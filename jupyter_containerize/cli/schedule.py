"""``jupyter containerize schedule IMAGE --cron EXPR [--name NAME] [-p NAME VALUE]...
(--kubernetes [--job] | --crontab)``: print a Kubernetes CronJob (or Job) manifest, or a
crontab line with ``docker run``. Schedules on this machine from JupyterLab go through
jupyter-scheduler (see the README)."""

from __future__ import annotations

from pathlib import Path


def register(subparsers) -> None:
    parser = subparsers.add_parser("schedule", help="a Kubernetes CronJob/Job manifest or a crontab line")
    parser.add_argument("image")
    parser.add_argument("--cron", metavar="EXPR", help="five-field cron expression or @daily, @hourly...")
    parser.add_argument("--name", help="name of the CronJob/Job (default: from the notebook)")
    parser.add_argument("--notebook", help="notebook in the image (default: read from its labels)")
    parser.add_argument("-p", "--parameter", nargs=2, action="append", default=[], metavar=("NAME", "VALUE"))
    parser.add_argument("--html", action="store_true", help="also write an HTML report")
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--kubernetes", action="store_true", help="print a CronJob manifest (YAML)")
    target.add_argument("--crontab", action="store_true", help="print a crontab line running docker")
    k8s = parser.add_argument_group("Kubernetes")
    k8s.add_argument("--job", action="store_true", help="a one-off Job instead of a CronJob")
    k8s.add_argument("--namespace")
    k8s.add_argument("--timezone", help="IANA time zone of the schedule, e.g. Europe/Paris")
    k8s.add_argument("--cpu", default="250m", help="CPU request (250m)")
    k8s.add_argument("--memory", default="512Mi", help="memory request (512Mi)")
    k8s.add_argument("--cpu-limit", default="2", help="CPU limit (2)")
    k8s.add_argument("--memory-limit", default="2Gi", help="memory limit (2Gi)")
    k8s.add_argument("--pvc", metavar="NAME", help="PersistentVolumeClaim for /out (default: emptyDir)")
    k8s.add_argument("--pull-secret", action="append", default=[], metavar="NAME", help="imagePullSecrets entry")
    k8s.add_argument("--backoff-limit", type=int, default=1)
    k8s.add_argument("--history", type=int, default=3, help="successful and failed jobs kept (3)")
    k8s.add_argument("--deadline", type=int, metavar="S", help="activeDeadlineSeconds of each Job")
    host = parser.add_argument_group("crontab")
    host.add_argument("--output", type=Path, default=Path("out"), help="folder for the runs' outputs (./out)")
    parser.set_defaults(run=run)


def _notebook(args) -> str:
    if args.notebook:
        return args.notebook
    from ..engine.docker import DockerEngine
    from ..errors import InvalidRequest, NotFound
    from ..share.running import NOTEBOOK_LABEL

    try:
        labels = DockerEngine().inspect(args.image).labels
    except NotFound:
        raise NotFound(f"No image {args.image} on this engine to read the notebook from; pass --notebook") from None
    if NOTEBOOK_LABEL not in labels:
        raise InvalidRequest(f"{args.image} was not built by jupyter-containerize; pass --notebook")
    return labels[NOTEBOOK_LABEL]


def run(args) -> int:
    from ..errors import InvalidRequest
    from ..schedule import ScheduleSpec, cronjob_manifest, crontab_line, job_manifest, k8s_name, to_yaml

    if args.crontab:
        if not args.cron:
            raise InvalidRequest("--crontab needs --cron EXPR")
        print(crontab_line(args.cron, args.image, _notebook(args), args.output, args.parameter, html=args.html))
        return 0
    if not args.job and not args.cron:
        raise InvalidRequest("Pass --cron EXPR for a CronJob, or --job for a one-off Job")
    notebook = _notebook(args)
    spec = ScheduleSpec(
        image=args.image, notebook=notebook, name=args.name or k8s_name(Path(notebook).stem),
        cron=None if args.job else args.cron, parameters=args.parameter, namespace=args.namespace,
        timezone=args.timezone, cpu_request=args.cpu, memory_request=args.memory, cpu_limit=args.cpu_limit,
        memory_limit=args.memory_limit, pvc=args.pvc, pull_secrets=args.pull_secret,
        backoff_limit=args.backoff_limit, history_limit=args.history, failed_history_limit=args.history,
        deadline_s=args.deadline, html=args.html,
    )
    print(to_yaml(job_manifest(spec) if args.job else cronjob_manifest(spec)), end="")
    return 0

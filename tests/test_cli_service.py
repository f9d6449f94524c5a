"""The CLI's build service (jupyter_containerize/cli/service.py), with real processes: the
``jupyter-containerize`` script, the service it starts, and the children it forks.

Each test has a runtime folder of its own (``XDG_RUNTIME_DIR``), hence services of its own,
stopped at its end. The rest of the suite runs its ``jupyter containerize`` commands through
the session's services too (tests/conftest.py)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from jupyter_containerize.cli import service

from .conftest import BASE_IMAGE, EXAMPLE, write_notebook
from .processes import SilentServer, alive, wait_until, with_environment
from .service_processes import children, service_pids, stop_services

SCRIPT = str(Path(sys.executable).parent / "jupyter-containerize")
FAKE_KEY = "AKIAIOSFODNN7EXAMPLF"  # detect-secrets' AWS key pattern, not a real key


@pytest.fixture
def runtime(tmp_path):
    """An environment whose services live in a folder of this test's."""
    folder = tmp_path / "runtime"
    folder.mkdir(mode=0o700)
    env = {**os.environ, "XDG_RUNTIME_DIR": str(folder)}
    env.pop("CONTAINERIZE_SERVICE", None)
    yield env
    stop_services(folder / "jupyter-containerize")


def _sockets(env: dict) -> Path:
    return Path(env["XDG_RUNTIME_DIR"]) / "jupyter-containerize"


def cli(*args: str, env: dict, cwd: Path, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([SCRIPT, *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=300, **kwargs)


def served_lines(env: dict) -> list[str]:
    """The commands the services of ``env`` ran (their logs' lines)."""
    return [line for log in sorted(_sockets(env).glob("*.log")) for line in log.read_text().splitlines()
            if ": exit " in line]


def wait_for_service(env: dict) -> int:
    """The pid of the service the last command started, once it answers."""
    assert wait_until(lambda: service_pids(_sockets(env)) and list(_sockets(env).glob("*.sock")), 60), \
        [log.read_text() for log in _sockets(env).glob("*.log")]
    return service_pids(_sockets(env))[0]


@pytest.fixture
def kernel_path(tmp_path) -> Path:
    """A kernelspec that only JUPYTER_PATH finds: the notebook's kernel."""
    spec = tmp_path / "jupyter-path" / "kernels" / "svc-kernel"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "service test", "language": "python"}))
    return spec.parents[1]


def test_the_next_command_is_served_and_prints_what_its_own_process_would(tmp_path, runtime, kernel_path):
    notebook = write_notebook(tmp_path / "nb.ipynb", f"import json\nkey = '{FAKE_KEY}'", kernel="svc-kernel")
    env = {**runtime, "JUPYTER_PATH": str(kernel_path)}

    own = cli("analyze", notebook.name, "--json", env={**env, "CONTAINERIZE_SERVICE": "0"}, cwd=tmp_path)
    assert own.returncode == 0, own.stderr
    assert not _sockets(env).exists() or not list(_sockets(env).iterdir())  # turned off: none started

    first = cli("analyze", notebook.name, "--json", env=env, cwd=tmp_path)  # runs here, then starts one
    assert first.returncode == 0, first.stderr
    wait_for_service(env)
    assert served_lines(env) == []
    second = cli("analyze", notebook.name, "--json", env=env, cwd=tmp_path)
    assert second.returncode == 0, second.stderr
    assert len(served_lines(env)) == 1 and "analyze: exit 0" in served_lines(env)[0]
    assert json.loads(second.stdout) == json.loads(own.stdout) == json.loads(first.stdout)
    assert json.loads(second.stdout)["secrets"][0]["kind"] == "AWS Access Key"  # detect-secrets, set up by the service
    assert second.stderr == own.stderr


def test_each_command_has_its_callers_environment_folder_and_exit_status(tmp_path, runtime, kernel_path):
    notebook = write_notebook(tmp_path / "nb.ipynb", "import json", kernel="svc-kernel")
    assert cli("analyze", notebook.name, env={**runtime, "JUPYTER_PATH": str(kernel_path)}, cwd=tmp_path).returncode == 0
    wait_for_service(runtime)

    found = cli("analyze", notebook.name, "--json", env={**runtime, "JUPYTER_PATH": str(kernel_path)}, cwd=tmp_path)
    assert found.returncode == 0, found.stderr
    assert json.loads(found.stdout)["kernel"] == "svc-kernel"
    missing = cli("analyze", notebook.name, env=runtime, cwd=tmp_path)  # the same service, no JUPYTER_PATH
    assert missing.returncode == 1
    assert "No kernel named 'svc-kernel'" in missing.stderr
    elsewhere = cli("analyze", notebook.name, env=runtime, cwd=tmp_path.parent)  # a relative path, another folder
    assert elsewhere.returncode == 1 and "nb.ipynb" in elsewhere.stderr
    wrong = cli("analyze", notebook.name, "--no-such-option", env=runtime, cwd=tmp_path)  # argparse's own exit status
    assert wrong.returncode == 2 and "unrecognized arguments" in wrong.stderr
    assert [line.split(": ", 1)[1].split(" in ")[0] for line in served_lines(runtime)] == [
        "exit 0", "exit 1", "exit 1", "exit 2"]


def _modes(folder: Path) -> dict[str, int]:
    return {str(path.relative_to(folder)): path.lstat().st_mode for path in folder.rglob("*")}


def test_a_served_export_writes_with_the_callers_umask(tmp_path, runtime, cache_dir):
    args = ("export", str(EXAMPLE), "--base", BASE_IMAGE, "--cache-dir", str(cache_dir))
    private = {"preexec_fn": lambda: os.umask(0o077)}
    own = cli(*args, "-o", str(tmp_path / "own"), env={**runtime, "CONTAINERIZE_SERVICE": "0"}, cwd=tmp_path, **private)
    assert own.returncode == 0, own.stderr[-2000:]
    assert cli(*args, "-o", str(tmp_path / "first"), env=runtime, cwd=tmp_path).returncode == 0
    wait_for_service(runtime)
    proc = cli(*args, "-o", str(tmp_path / "ctx"), env=runtime, cwd=tmp_path, **private)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "export: exit 0" in served_lines(runtime)[-1]
    assert _modes(tmp_path / "ctx") == _modes(tmp_path / "own")
    assert (tmp_path / "ctx" / "Dockerfile").stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "first" / "Dockerfile").stat().st_mode & 0o777 == 0o644  # the test's own umask, 022
    assert (tmp_path / "ctx" / "Dockerfile").read_text() == (tmp_path / "own" / "Dockerfile").read_text()


def _hung_lock(tmp_path: Path, env: dict, silent: SilentServer) -> subprocess.Popen:
    """A served ``lock`` that asks a package index that never answers."""
    notebook = write_notebook(tmp_path / "nb.ipynb", "import json")
    hung = {**env, "PIP_INDEX_URL": f"http://127.0.0.1:{silent.port}/simple", "PIP_TIMEOUT": "120"}
    process = subprocess.Popen([SCRIPT, "lock", str(notebook), "--python", sys.executable, "--add", "tinydb==4.8.0",
                                "--cache-dir", str(tmp_path / "cache"), "--index-timeout", "120", "--pip-timeout", "120"],
                               env=hung, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert wait_until(lambda: silent.accepted > 0, 60), process.poll()
    return process


def _start_service(tmp_path: Path, env: dict) -> int:
    notebook = write_notebook(tmp_path / "warm.ipynb", "import json")
    assert cli("analyze", str(notebook), "--python", sys.executable, env=env, cwd=tmp_path).returncode == 0
    return wait_for_service(env)


def _pip_gone(silent: SilentServer) -> bool:
    """No process asking ``silent`` is left (the lock's pip), within 10 s."""
    return wait_until(lambda: not [p for p in with_environment(f"127.0.0.1:{silent.port}") if p != os.getpid()], 10)


def test_ctrl_c_interrupts_the_served_command_and_what_it_started(tmp_path, runtime, silent):
    pid = _start_service(tmp_path, runtime)
    process = _hung_lock(tmp_path, runtime, silent)
    assert len(children(pid)) == 1  # the command runs in the service's child
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert "interrupted" in stderr and "Traceback" not in stderr
    assert wait_until(lambda: not children(pid), 10)
    assert _pip_gone(silent)
    assert served_lines(runtime)[-1].split(": ")[1].startswith("exit 130")
    assert alive(pid)  # the service goes on


def test_a_killed_caller_takes_its_served_command_with_it(tmp_path, runtime, silent):
    pid = _start_service(tmp_path, runtime)
    process = _hung_lock(tmp_path, runtime, silent)
    assert len(children(pid)) == 1
    process.kill()
    process.wait(timeout=10)
    assert wait_until(lambda: not children(pid), 10)
    assert _pip_gone(silent)
    assert alive(pid)


def test_a_killed_service_leaves_its_callers_an_error_and_no_command_running(tmp_path, runtime, silent):
    pid = _start_service(tmp_path, runtime)
    process = _hung_lock(tmp_path, runtime, silent)
    [child] = children(pid)
    os.kill(pid, signal.SIGKILL)
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 1
    assert "the build service ended before the command" in stderr
    assert wait_until(lambda: not alive(child), 15)
    assert _pip_gone(silent)


def test_the_service_keeps_no_callers_secrets_in_its_environment(tmp_path, runtime):
    pid = _start_service(tmp_path, {**runtime, "PIP_INDEX_URL": "https://user:tok3n-svc@127.0.0.1:9/simple"})
    assert b"tok3n-svc" not in Path(f"/proc/{pid}/environ").read_bytes()
    assert "tok3n-svc" not in "".join(log.read_text() for log in _sockets(runtime).glob("*.log"))


def test_an_idle_service_ends_and_removes_its_socket(tmp_path, runtime):
    env = {**runtime, "CONTAINERIZE_SERVICE_IDLE": "2"}
    pid = _start_service(tmp_path, env)
    assert wait_until(lambda: not alive(pid), 30)
    assert list(_sockets(env).glob("*.sock")) == []
    assert cli("analyze", str(tmp_path / "warm.ipynb"), "--python", sys.executable, env=env,
               cwd=tmp_path).returncode == 0  # runs in its own process again, and starts one
    assert wait_for_service(env) != pid
    # the new service's log starts afresh: no line of the one that ended
    assert "ended" not in "".join(log.read_text() for log in _sockets(env).glob("*.log"))


def test_a_service_that_cannot_load_is_not_started_again_for_a_while(tmp_path, runtime):
    broken = tmp_path / "broken" / "docker"  # a docker SDK that fails to import: the service needs it
    broken.mkdir(parents=True)
    (broken / "__init__.py").write_text("raise ImportError('a broken docker SDK')\n")
    env = {**runtime, "PYTHONPATH": os.pathsep.join(filter(None, [str(broken.parent), runtime.get("PYTHONPATH")]))}
    notebook = write_notebook(tmp_path / "nb.ipynb", "import json")
    for attempt in range(3):
        proc = cli("analyze", str(notebook), "--python", sys.executable, env=env, cwd=tmp_path)
        assert proc.returncode == 0, proc.stderr  # analyze needs no engine client: it runs in its own process
        if attempt == 0:
            assert wait_until(lambda: list(_sockets(env).glob("*.failed")), 60)
            assert wait_until(lambda: not service_pids(_sockets(env)), 10)
    time.sleep(1)
    log = "".join(path.read_text() for path in _sockets(env).glob("*.log"))
    assert log.count("could not load the pipeline") == 1 and "a broken docker SDK" in log
    assert not service_pids(_sockets(env)) and not list(_sockets(env).glob("*.sock"))


def test_no_service_in_a_folder_others_may_enter(tmp_path, runtime):
    _sockets(runtime).mkdir(mode=0o755)
    _sockets(runtime).chmod(0o755)
    notebook = write_notebook(tmp_path / "nb.ipynb", "import json")
    for _ in range(2):
        proc = cli("analyze", str(notebook), "--python", sys.executable, env=runtime, cwd=tmp_path)
        assert proc.returncode == 0, proc.stderr
    time.sleep(1)
    assert list(_sockets(runtime).iterdir()) == []


@pytest.mark.skipif(os.getuid() != 0 or not shutil.which("python3", path="/usr/bin"),
                    reason="needs root, to knock as another user")
def test_the_service_answers_only_its_own_user(tmp_path):
    # a runtime folder the other user may reach (pytest's folders are private to root)
    runtime = Path(tempfile.mkdtemp(prefix="containerize-service-", dir="/tmp"))
    env = {**os.environ, "XDG_RUNTIME_DIR": str(runtime)}
    try:
        pid = _start_service(tmp_path, env)
        folder = _sockets(env)
        runtime.chmod(0o711)
        folder.chmod(0o711)
        socket_path = next(folder.glob("*.sock"))
        socket_path.chmod(0o666)
        knock = ("import json, socket, struct, sys\n"
                 "s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])\n"
                 "body = json.dumps({'key': 'x', 'argv': ['analyze'], 'cwd': '/', 'env': {}, 'umask': 18,"
                 " 'streams': [None, None, None]}).encode()\n"
                 "socket.send_fds(s, [struct.pack('>I', len(body)) + body], [0, 1, 2])\n"
                 "try:\n    print(repr(s.recv(100)))\n"
                 "except ConnectionResetError:\n    print('reset')\n")
        proc = subprocess.run(["/usr/bin/python3", "-c", knock, str(socket_path)], capture_output=True, text=True,
                              user=65534, group=65534, timeout=30, cwd="/")
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.strip() in ("b''", "reset")  # closed without an answer
        assert wait_until(lambda: "refused a caller: PermissionError" in
                          "".join(log.read_text() for log in folder.glob("*.log")), 10)
        assert alive(pid) and not children(pid)
    finally:
        stop_services(_sockets(env))
        shutil.rmtree(runtime, ignore_errors=True)


def test_the_key_changes_with_the_code_and_the_path(tmp_path, monkeypatch):
    package = tmp_path / "package"
    (package / "sub" / "__pycache__").mkdir(parents=True)
    (package / "a.py").write_text("")
    (package / "sub" / "b.py").write_text("")
    (package / "sub" / "__pycache__" / "b.cpython-311.pyc").write_bytes(b"")
    monkeypatch.setattr(service, "PACKAGE", package)
    before = service.key()
    assert service.code_stamp()[0] == 2  # modules only
    os.utime(package / "sub" / "b.py", ns=(time.time_ns() + 10**9,) * 2)
    edited = service.key()
    assert edited != before
    monkeypatch.setattr(sys, "path", [*sys.path, str(tmp_path)])
    assert service.key() != edited


def test_commands_that_do_not_build_and_unusual_interpreters_run_in_their_own_process(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    tmp_path.chmod(0o700)
    assert service.Client.for_command(["build", "nb.ipynb"]) is not None
    assert service.Client.for_command(["run", "image"]) is None
    assert service.Client.for_command(["--help"]) is None
    monkeypatch.setattr(sys, "_xoptions", {"importtime": True})
    assert service.Client.for_command(["build", "nb.ipynb"]) is None
    monkeypatch.setattr(sys, "_xoptions", {})
    monkeypatch.setenv("CONTAINERIZE_SERVICE", "0")
    assert service.Client.for_command(["build", "nb.ipynb"]) is None

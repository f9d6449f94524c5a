"""What IPython magics and shell lines tell about a notebook's needs.

Pure parsing helpers; the analyzer turns their answers into requirements."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass

# IPython's own extensions: nothing to install
BUILTIN_EXTENSIONS = {"autoreload", "storemagic", "IPython.extensions.autoreload", "IPython.extensions.storemagic"}

# cell magics whose body is Python code run in the kernel
PYTHON_CELL_MAGICS = {"time", "timeit", "capture", "prun", "debug", "memit", "px", "python", "python3", "pypy", "mprun"}
# line magics whose argument is a Python statement (after options)
PYTHON_LINE_MAGICS = {"time", "timeit", "prun", "debug", "memit", "px"}
SHELL_CELL_MAGICS = {"bash", "sh", "system", "sx"}
BUILTIN_CELL_MAGICS = PYTHON_CELL_MAGICS | SHELL_CELL_MAGICS | {
    "html", "HTML", "javascript", "js", "latex", "markdown", "svg", "perl", "ruby", "script",
    "writefile", "file", "capture", "python2", "pypy", "sx", "system",
}
_OPTION_VALUE = {"timeit": {"-n", "-r", "-p"}, "prun": {"-l", "-s", "-T", "-D"}, "memit": {"-r", "-t", "-i"}}
_CYTHON_IMPORT = re.compile(r"^\s*(?:from\s+([\w.]+)\s+c?import\b|c?import\s+([\w.]+(?:\s*,\s*[\w.]+)*))", re.M)
CYTHON_BUILTINS = {"cython", "libc", "libcpp", "cpython", "posix", "openmp", "numpy.math"}


def magic_statement(name: str, args: str) -> str | None:
    """The Python statement in ``%time x`` / ``%timeit -n 10 f()`` style line magics."""
    if name not in PYTHON_LINE_MAGICS:
        return None
    words = args.split(" ")
    takes_value = _OPTION_VALUE.get(name, set())
    i = 0
    while i < len(words) and words[i].startswith("-"):
        i += 2 if words[i] in takes_value else 1
    statement = " ".join(words[i:]).strip()
    return statement or None


def cython_imports(body: str) -> list[tuple[str, int]]:
    """Python-level modules a %%cython body imports (cimport of libc etc. excluded)."""
    found = []
    for match in _CYTHON_IMPORT.finditer(body):
        line = body.count("\n", 0, match.start()) + 1
        modules = [match.group(1)] if match.group(1) else [m.strip() for m in match.group(2).split(",")]
        for module in modules:
            module = module.split(" as ")[0].strip()
            if module and module.split(".")[0] not in CYTHON_BUILTINS and module not in CYTHON_BUILTINS:
                found.append((module, line))
    return found


@dataclass(frozen=True)
class ShellCommand:
    program: str
    args: list[str]
    text: str


def shell_commands(command: str) -> list[ShellCommand]:
    """Simple commands of a shell line (split on ;, &&, ||, |), env assignments and sudo skipped."""
    found = []
    for line in command.splitlines():
        line = line.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        for part in re.split(r"&&|\|\||;|\|", line):
            try:
                words = shlex.split(part, posix=True)
            except ValueError:
                words = part.split()
            while words and (re.match(r"^[A-Za-z_]\w*=", words[0]) or words[0] in ("sudo", "time", "nohup", "exec", "env")):
                words = words[1:]
            if words:
                found.append(ShellCommand(words[0].rsplit("/", 1)[-1], words[1:], part.strip()))
    return found


def apt_packages(args: list[str]) -> list[str]:
    """Packages of an ``apt-get install`` argument list."""
    if "install" not in args:
        return []
    rest = args[args.index("install") + 1 :]
    return [a for a in rest if not a.startswith("-") and re.match(r"^[a-z0-9][a-z0-9+.-]+(=\S+)?$", a)]


def load_ext_name(args: str) -> str | None:
    words = args.split()
    return words[0] if words else None


def run_target(args: str) -> tuple[str, str] | None:
    """(kind, target) of a ``%run`` line: ("module", name) for -m, else ("file", path)."""
    try:
        words = shlex.split(args)
    except ValueError:
        words = args.split()
    i = 0
    while i < len(words):
        word = words[i]
        if word == "-m" and i + 1 < len(words):
            return "module", words[i + 1]
        if word in ("-t", "-N", "-p", "-d", "-b", "-e", "-i", "-n", "-r", "-T", "-D", "-l", "-s", "-G", "-q"):
            i += 2 if word in ("-N", "-b", "-T", "-D", "-l", "-s") else 1
            continue
        if word.startswith("-"):
            i += 1
            continue
        return "file", word
    return None


def env_assignment(args: str) -> tuple[str, str] | None:
    """``%env KEY=VALUE`` / ``%env KEY VALUE`` / ``%set_env KEY=VALUE``."""
    args = args.strip()
    match = re.match(r"^([A-Za-z_]\w*)\s*[= ]\s*(.*)$", args)
    if not match or not match.group(2):
        return None
    return match.group(1), match.group(2).strip().strip("'\"")


def writefile_target(args: str) -> str | None:
    words = [w for w in args.split() if not w.startswith("-")]
    return words[0].strip("'\"") if words else None

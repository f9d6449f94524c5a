"""Parsing package-installing shell lines: ``pip install``, ``conda install``, ``uv pip``.

A line like ``!{sys.executable} -m pip install -q "pandas<2" transformers[torch] -r req.txt``
becomes requirement specs plus the requirement files it names."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement

from ..image.files import lexically_within, within
from .tables import load

# options taking a value (pip and conda); the value is not a package
PIP_VALUE_OPTIONS = {
    "-i", "--index-url", "--extra-index-url", "-f", "--find-links", "-c", "--constraint",
    "-t", "--target", "--prefix", "--root", "--trusted-host", "--platform", "--python-version",
    "--implementation", "--abi", "--no-binary", "--only-binary", "--progress-bar", "--cache-dir",
    "--src", "--upgrade-strategy", "-C", "--config-settings", "--global-option", "--log",
    "--proxy", "--retries", "--timeout", "--exists-action", "--cert", "--client-cert",
    "--python", "-p",
}
CONDA_VALUE_OPTIONS = {"-c", "--channel", "-n", "--name", "-p", "--prefix", "--file", "--repodata-fn"}


@dataclass
class InstallLine:
    tool: str  # pip | conda
    specs: list[str] = field(default_factory=list)  # PEP 508 strings (pip) or conda specs
    files: list[str] = field(default_factory=list)  # -r / --file arguments
    urls: list[str] = field(default_factory=list)  # VCS/URL/path installs
    editable: list[str] = field(default_factory=list)


_PIP = re.compile(
    r"^(?:sudo\s+)?(?:\S*python[\d.]*\s+-m\s+|\{sys\.executable\}\s+-m\s+|\$\S+\s+-m\s+|uv\s+)?"
    r"(?P<tool>pip[\d.]*|conda|mamba|micromamba)\s+install\b(?P<rest>.*)$"
)


def parse_install(command: str, magic: str | None = None) -> InstallLine | None:
    """The install request in a ``%pip``/``%conda`` magic line (``magic`` = its name, ``command``
    = its arguments) or a shell command (``magic`` None). None if it installs nothing."""
    command = command.split("#", 1)[0].strip() if " #" in command else command.strip()
    for part in re.split(r"&&|;|\|\|", command):
        part = part.strip()
        if magic in ("pip", "conda", "mamba", "micromamba", "uv"):
            text = f"{'pip' if magic == 'uv' else magic} {part}"
            if magic == "uv":
                text = re.sub(r"^pip\s+pip\s+", "pip ", text)
        else:
            text = part
        match = _PIP.match(text)
        if match:
            tool = "pip" if match.group("tool").startswith("pip") else "conda"
            return _parse_args(tool, match.group("rest"))
    return None


def _parse_args(tool: str, rest: str) -> InstallLine:
    try:
        words = shlex.split(rest)
    except ValueError:
        words = rest.split()
    line = InstallLine(tool)
    value_options = PIP_VALUE_OPTIONS if tool == "pip" else CONDA_VALUE_OPTIONS
    i = 0
    while i < len(words):
        word = words[i]
        i += 1
        if word in ("-r", "--requirement", "--file") or (tool == "conda" and word == "--file"):
            if i < len(words):
                line.files.append(words[i])
                i += 1
            continue
        if word.startswith(("--requirement=", "--file=")):
            line.files.append(word.split("=", 1)[1])
            continue
        if word.startswith("-r") and len(word) > 2 and tool == "pip":
            line.files.append(word[2:])
            continue
        if word in ("-e", "--editable"):
            if i < len(words):
                line.editable.append(words[i])
                i += 1
            continue
        if word.startswith("-"):
            if word in value_options and "=" not in word:
                i += 1
            continue
        if word.startswith(("{", "$")):  # a Python/shell variable: unknown
            line.urls.append(word)
            continue
        if "://" in word or word.startswith(("git+", ".", "/")) or word.endswith((".whl", ".tar.gz", ".zip")):
            if " @ " in word or re.match(r"^[A-Za-z0-9._-]+\s*@", word):
                line.specs.append(word)
            else:
                line.urls.append(word)
            continue
        line.specs.append(word)
    return line


@dataclass(frozen=True)
class Spec:
    name: str
    text: str  # the requirement as written (PEP 508), None-free


def pip_specs(specs: list[str]) -> tuple[list[Spec], list[str]]:
    """Parsed PEP 508 specs and the unparseable ones."""
    found, bad = [], []
    for text in specs:
        try:
            req = Requirement(text)
        except InvalidRequirement:
            bad.append(text)
            continue
        found.append(Spec(req.name, str(req)))
    return found, bad


_CONDA_SPEC = re.compile(r"^(?:(?P<channel>[\w.-]+)::)?(?P<name>[A-Za-z0-9._-]+)\s*(?P<version>.*)$")


def conda_specs(specs: list[str]) -> tuple[list[Spec], list[str]]:
    """Conda specs mapped to PyPI names (``pytorch`` -> ``torch``); conda-only packages dropped."""
    table = load("conda.json")
    found, skipped = [], []
    for text in specs:
        match = _CONDA_SPEC.match(text.strip())
        if not match:
            skipped.append(text)
            continue
        name = match.group("name").lower()
        pypi = table.get(name, name)
        if pypi == "-" or name.startswith(("r-", "cuda", "libcu")):
            skipped.append(text)
            continue
        version = match.group("version").strip().replace(" ", "")
        if version.startswith("=") and not version.startswith("=="):
            version = "==" + version[1:] + ("" if version.endswith("*") else ".*")
        elif version and version[0].isdigit():
            version = "==" + version
        try:
            spec = str(Requirement(pypi + version)) if version else pypi
        except InvalidRequirement:
            spec = pypi
        found.append(Spec(pypi, spec))
    return found, skipped


def read_requirement_file(path: Path, depth: int = 0, *, root: Path) -> tuple[list[str], list[str]]:
    """Requirement lines of a requirements file (following nested -r inside ``root``), and
    problems."""
    specs, problems = [], []
    inside = within(path, root) if lexically_within(path, root) else None
    if inside is None or not inside.is_file():
        return [], [f"requirements file {path.name} not found inside the root"]
    try:
        text = inside.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return [], [f"requirements file {path.name} cannot be read"]
    for raw in text.splitlines():
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith(("-r ", "--requirement ")) and depth < 5:
            nested, more = read_requirement_file(path.parent / line.split(None, 1)[1].strip(), depth + 1, root=root)
            specs += nested
            problems += more
            continue
        if line.startswith("-"):
            continue
        specs.append(line)
    return specs, problems

"""Probe run *inside* a kernel's interpreter (as a script, under ``-I``): prints one JSON
object describing the interpreter and its installed distributions.

Keep this file compatible with every Python a kernel may run (3.8+), free of third-party
imports, and free of side effects: it only reads metadata.
"""

import json
import os
import platform
import site
import sys
import sysconfig

try:
    from importlib import metadata
except ImportError:  # pragma: no cover - Python < 3.8 has no importlib.metadata
    metadata = None

MODULE_SUFFIXES = (".py", ".pyc", ".so", ".pyd")


def module_name(part):
    """'six.py' -> 'six', 'x.cpython-311-x86_64-linux-gnu.so' -> 'x'; None if not a module."""
    if not part.endswith(MODULE_SUFFIXES):
        return None
    name = part.split(".", 1)[0]
    return name if name.isidentifier() else None


def modules_from_files(paths):
    """Importable modules a distribution provides, from its RECORD file list.

    Regular packages and modules are reported by their top-level name. A directory
    without ``__init__`` (a namespace package, e.g. ``google``) is not owned by one
    distribution: descend and report the first regular packages below it, dotted
    (``google.cloud.storage``)."""
    tree = {}
    for path in paths:
        parts = path.replace("\\", "/").split("/")
        if not parts or parts[0] in ("..", "") or parts[0].endswith((".dist-info", ".egg-info", ".data")):
            continue
        if "__pycache__" in parts:
            continue
        node = tree
        for part in parts[:-1]:
            if not part.isidentifier():
                node = None
                break
            node = node.setdefault(part, {})
        if node is not None:
            node.setdefault(None, []).append(parts[-1])
    found = []

    def walk(node, prefix):
        files = node.get(None, [])
        for file in files:
            name = module_name(file)
            if name and name != "__init__":
                found.append(prefix + name)
        for name, child in node.items():
            if name is None:
                continue
            if any(module_name(f) == "__init__" for f in child.get(None, [])):
                found.append(prefix + name)
            else:
                walk(child, prefix + name + ".")

    walk(tree, "")
    return found


def describe(dist):
    meta = dist.metadata
    name = meta["Name"] or ""
    top_level = []
    text = dist.read_text("top_level.txt")
    if text:
        top_level.extend(line.strip().replace("/", ".") for line in text.splitlines() if line.strip())
    try:
        files = dist.files
    except Exception:
        files = None
    if files:
        for module in modules_from_files(str(f) for f in files):
            if module not in top_level:
                top_level.append(module)
    direct_url = dist.read_text("direct_url.json")
    try:
        direct_url = json.loads(direct_url) if direct_url else None
    except ValueError:
        direct_url = None
    installer = dist.read_text("INSTALLER")
    import_names = [v.split(";")[0].strip() for v in (meta.get_all("Import-Name") or [])]
    return {
        "name": name,
        "version": meta["Version"] or "",
        "requires": list(dist.requires or []),
        "top_level": top_level,
        "installer": installer.strip() if installer else None,
        "direct_url": direct_url,
        "import_names": [n for n in import_names if n],
    }


def stdlib_names():
    names = getattr(sys, "stdlib_module_names", None)
    if names:
        return sorted(names)
    # Python < 3.10: builtins plus what the stdlib directory holds.
    found = set(sys.builtin_module_names)
    stdlib = sysconfig.get_paths()["stdlib"]
    for directory in (stdlib, os.path.join(stdlib, "lib-dynload")):
        try:
            entries = os.listdir(directory)
        except OSError:
            continue
        for entry in entries:
            if entry in ("site-packages", "dist-packages"):
                continue
            name = module_name(entry) if "." in entry else (entry if entry.isidentifier() else None)
            if name:
                found.add(name)
    return sorted(found)


def search_path():
    """The kernel's sys.path as a normal (non-isolated) start would see it, minus the cwd."""
    paths = [p for p in sys.path if p]
    try:
        user_site = site.getusersitepackages()
    except Exception:
        user_site = None
    if user_site and os.path.isdir(user_site) and user_site not in paths:
        paths.append(user_site)
    extra = os.environ.get("PYTHONPATH")
    if extra:
        paths = [p for p in extra.split(os.pathsep) if p] + paths
    return paths


def main():
    paths = search_path()
    dists = {}
    if metadata is not None:
        for dist in metadata.distributions(path=paths):
            try:
                info = describe(dist)
            except Exception:
                continue
            key = info["name"].lower()
            if info["name"] and key not in dists:  # first on the path wins, as for imports
                dists[key] = info
    json.dump(
        {
            "executable": sys.executable,
            "python_version": platform.python_version(),
            "platform": sys.platform,
            "machine": platform.machine(),
            "prefix": sys.prefix,
            "conda": os.path.isdir(os.path.join(sys.prefix, "conda-meta")),
            "path": paths,
            "stdlib": stdlib_names(),
            "distributions": list(dists.values()),
        },
        sys.stdout,
    )


if __name__ == "__main__":
    main()

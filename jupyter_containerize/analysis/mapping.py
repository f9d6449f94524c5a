"""Module name -> distribution: the kernel first (its installed distributions' modules and
PEP 794 Import-Name), then the alias table, then an unverified guess."""

from __future__ import annotations

from dataclasses import dataclass, field

from .kernel import KernelEnvironment, normalize
from .tables import load

NOT_INSTALLABLE = "-"  # alias value for modules no index provides (google.colab, js, ...)
# namespace packages whose distributions are named after the dotted path
# Python 2's standard library: no package provides these under Python 3
PYTHON2_STDLIB = {
    "urllib2", "urlparse", "cPickle", "cStringIO", "StringIO", "ConfigParser", "Queue", "Tkinter",
    "tkMessageBox", "tkFileDialog", "ttk", "httplib", "HTMLParser", "htmlentitydefs", "commands",
    "__builtin__", "thread", "dummy_thread", "cookielib", "Cookie", "xmlrpclib", "SimpleXMLRPCServer",
    "SocketServer", "BaseHTTPServer", "SimpleHTTPServer", "CGIHTTPServer", "copy_reg", "anydbm",
    "dbhash", "whichdb", "robotparser", "UserDict", "UserList", "UserString", "md5", "sha", "sets",
    "exceptions", "new", "popen2", "sgmllib",
}
NAMESPACE_TOPS = {"google", "azure", "jaraco", "zope", "backports", "sphinxcontrib", "ruamel", "flufl", "oslo"}


@dataclass(frozen=True)
class Resolution:
    distribution: str | None
    source: str | None  # kernel | alias | guess | None (not installable)
    candidates: tuple[str, ...] = ()  # every installed distribution seen providing the module
    note: str | None = None
    matched: str | None = None  # the module (prefix) the distribution was found by
    namespace: bool = False  # only distributions below this namespace package provide it
    alternatives: tuple[str, ...] = ()  # other distributions the alias table knows for it


def aliases() -> dict[str, str | list[str]]:
    return load("aliases.json")


def alias_for(module: str) -> tuple[str, list[str]] | None:
    """(matched prefix, distributions: default first) of the longest alias-table prefix."""
    table = aliases()
    parts = module.split(".")
    for i in range(len(parts), 0, -1):
        prefix = ".".join(parts[:i])
        if prefix in table:
            value = table[prefix]
            return prefix, [value] if isinstance(value, str) else list(value)
    return None


def guess_name(module: str) -> str:
    parts = module.split(".")
    if parts[0] in NAMESPACE_TOPS and len(parts) > 1:
        return normalize("-".join(parts[: 3 if parts[1] in ("cloud", "storage", "mgmt") and len(parts) > 2 else 2]))
    return normalize(parts[0])


@dataclass
class Mapper:
    environment: KernelEnvironment
    _cache: dict[str, Resolution] = field(default_factory=dict)

    def resolve(self, module: str) -> Resolution:
        hit = self._cache.get(module)
        if hit is None:
            hit = self._cache[module] = self._resolve(module)
        return hit

    def _resolve(self, module: str) -> Resolution:
        top = module.split(".")[0]
        if top in PYTHON2_STDLIB and top not in self.environment.stdlib:
            return Resolution(None, None, note=f"{top} is Python 2's standard library: the code needs porting to Python 3",
                              matched=top)
        matched, providers = self.environment.module_match(module)
        alias = alias_for(module)
        if providers:
            chosen = providers[0]
            if alias:
                preferred = [normalize(a) for a in alias[1] if normalize(a) in providers]
                if preferred:
                    chosen = preferred[0]
            if matched is None and alias and alias[1][0] != NOT_INSTALLABLE:
                # only sub-packages are installed (a namespace); the alias names the package itself
                return Resolution(normalize(alias[1][0]), "alias", tuple(providers), matched=alias[0],
                                  namespace=True)
            return Resolution(chosen, "kernel", tuple(providers), matched=matched, namespace=matched is None)
        if alias:
            prefix, dists = alias
            if dists[0] == NOT_INSTALLABLE:
                return Resolution(None, None, note=f"{prefix} is not installable from a package index", matched=prefix)
            names = tuple(normalize(d) for d in dists)
            return Resolution(names[0], "alias", (names[0],), matched=prefix, alternatives=names[1:])
        name = guess_name(module)
        return Resolution(name, "guess", (name,), matched=None)

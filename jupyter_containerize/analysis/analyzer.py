"""The analysis step: one notebook + the kernel's environment -> :class:`Analysis`.

Order of work: cells -> facts (imports, calls, magics) -> local code (analysed
recursively) -> import mapping -> magics and shell lines -> implied-need rules ->
system packages -> data files -> guesses checked against the index -> warnings -> secrets
in what the image ships."""

from __future__ import annotations

import ast
import dataclasses
import os
from pathlib import Path

from ..image.files import expand, lexically_within, within
from ..models import Analysis, ImportRecord, PythonInfo
from . import magics as M
from .cells import parse, read_notebook, to_python, transform_cells, try_parse
from .datafiles import LARGE_FILE_BYTES, find_data_files, refused_warning
from .facts import Unit, cell_facts
from .imports import FoundImport
from .index import IndexCheck, default_index
from .kernel import KernelEnvironment
from .local import LocalModule, LocalResolver, relative
from .mapping import Mapper
from .network import URL, network_uses, network_warnings, url_file_name
from .requirements import Needs
from .rules import Context, apply_rules
from .rules import reason as rule_reason
from .secrets import find_secrets
from .shell_needs import MagicNeeds
from .system import SystemRules
from .tables import load

MAX_LOCAL_FILES = 500


def analyze_notebook(
    path: Path,
    environment: KernelEnvironment,
    root: Path | None = None,
    *,
    index: IndexCheck | None = None,
    large_file_bytes: int = LARGE_FILE_BYTES,
) -> Analysis:
    """What the notebook at ``path`` needs, given the kernel's ``environment``.

    ``root``: the server root, also searched for local modules; no file outside it (default:
    outside the notebook's folder) is read, listed or shipped. ``index``: existence check
    for guessed distribution names (default: the index pip is configured with)."""
    path = Path(path)
    notebook = read_notebook(path)
    session = _Session(path, environment, root, index if index is not None else default_index())
    session.files_large = large_file_bytes
    session.run(notebook)
    analysis = session.result()
    warnings = list(analysis.warnings)
    found = find_secrets(notebook, analysis.notebook, session.base, analysis, warnings, root=session.boundary)
    return analysis.model_copy(update={"secrets": found, "warnings": warnings})


class _Session(MagicNeeds):
    def __init__(self, path: Path, environment: KernelEnvironment, root: Path | None, index: IndexCheck):
        self.path = path
        self.base = path.parent.resolve()
        self.root = Path(root).resolve() if root is not None else None
        self.boundary = self.root or self.base  # nothing outside it is read or shipped
        self.refused: list[str] = []  # local files that lead outside the boundary
        self.environment = environment
        self.index = index
        self.mapper = Mapper(environment)
        self.needs = Needs(environment)
        self.records: list[ImportRecord] = []
        self.units: list[Unit] = []
        self.local_units: list[Unit] = []
        self.bindings: dict[str, str] = {}
        self.paths: dict[str, str] = {}  # variables bound to path expressions, across cells
        self.environ: dict[str, str] = {}
        self.imported: set[str] = set()
        self.locals: dict[Path, LocalModule] = {}
        self.local_files: list[Path] = []
        self.extra_strings: list[str] = []
        self.written: dict[str, Path] = {}
        self.pending: list[tuple[str, Unit]] = []  # code the notebook writes to .py files
        self.files_large = LARGE_FILE_BYTES
        self.system = SystemRules()

    # -- collection ----------------------------------------------------------------------
    def run(self, notebook: dict) -> None:
        for cell in transform_cells(notebook):
            if cell.tree is None:
                self.needs.warn(f"Cell {cell.index} could not be parsed as Python; its imports are unknown")
                continue
            self._add_unit(cell.index, 0, cell.tree)
        for unit in list(self.units):
            self.environ.update(unit.facts.environ)
        self.defined_magics = set().union(*(u.facts.defined_magics for u in self.units)) if self.units else set()
        self.resolver = LocalResolver(self._search_dirs(), self.written)
        # The root (server root, CLI project folder) is not on the kernel's sys.path: a module
        # there is the notebook's only when nothing installed in the kernel provides it (a
        # library's own docs notebooks import the installed library, not its source tree).
        self.root_resolver = LocalResolver([self.root] if self.root is not None else [])
        for unit in list(self.units):
            self._imports(unit)
        for label, unit in self.pending:
            for found in unit.facts.imports:
                if not found.level:
                    self._import(found, unit.cell, found.line, via=label)
        for unit in list(self.units):
            self._magics(unit)
        self._rules()
        self._system()
        self._guesses()

    def _add_unit(self, cell: int, offset: int, tree: ast.AST) -> Unit:
        unit = Unit(cell, offset, cell_facts(tree, self.bindings, self.paths))
        self.units.append(unit)
        for magic in unit.facts.magics:
            body = None
            if magic.kind == "cell" and magic.name in M.PYTHON_CELL_MAGICS:
                body = magic.body
            elif magic.kind == "line":
                body = M.magic_statement(magic.name, magic.args)
                if magic.name in ("env", "set_env"):
                    pair = M.env_assignment(magic.args)
                    if pair:
                        unit.facts.environ[pair[0]] = pair[1]
            elif magic.kind == "cell" and magic.name in ("writefile", "file"):
                self._writefile(cell, magic)
            if body:
                sub = parse(to_python(body))
                if sub is not None:
                    self._add_unit(cell, offset + magic.line if magic.kind == "cell" else offset + magic.line - 1, sub)
            elif (magic.kind == "cell" and magic.name not in M.BUILTIN_CELL_MAGICS
                  and not self.system.known_cell_magic(magic.name)):
                self._custom_magic_body(cell, offset, magic)
        return unit

    def _custom_magic_body(self, cell: int, offset: int, magic: M.Magic) -> None:
        """A cell magic nobody is known to provide (often defined by the notebook itself):
        when its body is Python, its imports count, as optional ones."""
        tree = try_parse(magic.body)
        if tree is None:
            return
        unit = self._add_unit(cell, offset + magic.line, tree)
        if unit.facts.imports:
            unit.facts.imports[:] = [dataclasses.replace(f, optional=True) for f in unit.facts.imports]
            self.needs.warn(f"Cell {cell}: the body of %%{magic.name} is read as Python; its imports are marked optional")

    def _writefile(self, cell: int, magic: M.Magic) -> None:
        target = M.writefile_target(magic.args)
        if not target or not target.endswith(".py"):
            return
        path = (self.base / target).resolve()
        name = Path(target).stem
        self.written[name] = path
        tree = parse(magic.body)
        if tree is not None:
            unit = Unit(cell, magic.line, cell_facts(tree, {}))
            self.local_units.append(unit)
            self.pending.append((f"{target}, written by %%writefile in cell {cell}", unit))

    def _search_dirs(self) -> list[Path]:
        dirs = [self.base]
        facts = [u.facts for u in self.units]
        for f in facts:
            for d in f.chdirs:
                dirs.append((self.base / os.path.expanduser(d)).resolve())
        for f in facts:
            for d in f.path_entries:
                dirs.append((self.base / os.path.expanduser(d)).resolve())
        dirs = [d for d in dict.fromkeys(dirs) if lexically_within(d, self.boundary) and within(d, self.boundary)]
        self.data_dirs = [d for d in dirs if d != self.root] or [self.base]
        return dirs

    # -- imports ---------------------------------------------------------------------------
    def _imports(self, unit: Unit) -> None:
        for found in unit.facts.imports:
            self._import(found, unit.cell, unit.offset + found.line)

    def _import(self, found: FoundImport, cell: int, line: int, via: str | None = None, package: Path | None = None):
        if found.level:
            module = "." * found.level + found.module
            if via is None:
                self.records.append(ImportRecord(module=module, cell=cell, line=line, optional=found.optional, kind="local"))
            return
        if not found.module:
            return
        module = found.module
        top = module.split(".")[0]
        self.imported.add(top)
        local = self._local(module)
        if local is not None:
            if via is None:
                self.records.append(ImportRecord(module=module, cell=cell, line=line, optional=found.optional, kind="local"))
            return
        if self.environment.is_stdlib(module):
            self._removed_stdlib(top)
            if via is None:
                self.records.append(ImportRecord(module=module, cell=cell, line=line, optional=found.optional, kind="stdlib"))
            self.system.module(module, cell, via, self.needs)
            return
        for resolution, name in self._resolutions(found):
            where = via or f"cell {cell}"
            if via is None:
                self.records.append(
                    ImportRecord(module=name, cell=cell, line=line, optional=found.optional, kind="third-party",
                                 distribution=resolution.distribution, source=resolution.source)
                )
            if resolution.note:
                self.needs.warn(f"{name} (cell {cell}): {resolution.note}")
            if resolution.distribution:
                shown = ".".join(name.split(".")[:2]) if resolution.matched and "." in resolution.matched else top
                self.needs.add(resolution.distribution, resolution.source or "guess", f"import {shown} ({where})",
                               optional=found.optional)
                self._multi(name, resolution)

    def _removed_stdlib(self, top: str) -> None:
        removed = load("removed_stdlib.json").get(top)
        if removed and self.environment.version_info[:2] < tuple(int(p) for p in removed[0].split(".")):
            advice = f"; {removed[1]}" if removed[1] else ""
            self.needs.warn(f"{top} is removed from the standard library in Python {removed[0]}: an image with a "
                            f"newer Python than the kernel's {self.environment.python_version} breaks{advice}")

    def _resolutions(self, found: FoundImport):
        """One resolution per distinct distribution: ``from google.cloud import storage,
        bigquery`` names two distributions that ``google.cloud`` alone cannot tell."""
        base = self.mapper.resolve(found.module)
        results = []
        if found.names and (base.source in ("guess", None) or len(base.candidates) > 1 or base.namespace):
            for name in found.names:
                full = f"{found.module}.{name}"
                sub = self.mapper.resolve(full)
                if sub.source in ("kernel", "alias") and (sub.matched or "").count(".") > found.module.count(".") - 1:
                    if sub.distribution != base.distribution or base.source == "guess":
                        results.append((sub, full))
            if results:
                return results
        return [(base, found.module)]

    def _multi(self, module: str, resolution) -> None:
        others = [c for c in resolution.candidates if c != resolution.distribution]
        if others and resolution.source == "kernel":
            self.needs.warn(
                f"{module} is provided by several installed distributions ({', '.join(resolution.candidates)}); "
                f"using {resolution.distribution}"
            )
        elif resolution.alternatives:
            self.needs.warn(
                f"{module}: using {resolution.distribution}; also provided by {', '.join(resolution.alternatives)}"
            )

    def _local(self, module: str) -> LocalModule | None:
        local = self.resolver.find(module)
        if local is None and not self.environment.is_stdlib(module) and not self.environment.module_providers(module):
            local = self.resolver.find(module, namespace_ok=True) or self.root_resolver.find(module)
        if local is not None and local.path not in self.locals:
            self.locals[local.path] = local
            if local.path.exists() and within(local.path, self.boundary) is None:
                self.refused.append(relative(local.path, self.base))  # a link out: never read
            else:
                self._analyse_local(local)
        return local

    def _analyse_local(self, local: LocalModule) -> None:
        for file in local.files(self.boundary):
            if len(self.local_files) >= MAX_LOCAL_FILES:
                self.needs.warn(f"Stopped following local modules after {MAX_LOCAL_FILES} files")
                return
            self.local_files.append(file)
            try:
                source = file.read_text(encoding="utf-8", errors="replace")
            except OSError:
                continue
            tree = parse(source) if file.suffix == ".py" else None
            if tree is None:
                if file.suffix == ".pyx":
                    for module, line in M.cython_imports(source):
                        self._import(FoundImport(module, line), 0, line, via=relative(file, self.base))
                continue
            facts = cell_facts(tree, {})
            self.local_units.append(Unit(0, 0, facts))
            label = relative(file, self.base)
            for found in facts.imports:
                if found.level:
                    continue  # inside its own package, which is included whole
                self._import(found, 0, found.line, via=label)

    # -- rules, system packages, guesses -----------------------------------------------------
    def _rules(self) -> None:
        cells = [(u.cell, u.facts) for u in self.units] + [(0, u.facts) for u in self.local_units]
        for unit in self.local_units:
            for found in unit.facts.imports:
                if not found.level and found.module:
                    self.imported.add(found.module.split(".")[0])
        ctx = Context(cells=cells, imported=self.imported, environ=self.environ)
        for hit in apply_rules(ctx):
            text = rule_reason(hit)
            for dist in hit.rule.get("needs", ()):
                self.needs.add(dist.split("[")[0], "implied", text, specifier=dist if "[" in dist else None)
            for package in hit.rule.get("system", ()):
                self.needs.add_system(package, text)
            if hit.rule.get("warn"):
                where = f" (cell {hit.cell})" if hit.cell else ""
                self.needs.warn(hit.rule["warn"] + where)

    def _system(self) -> None:
        self.system.distributions(self.needs, self.environment)

    def _guesses(self) -> None:
        for requirement in list(self.needs.guessed()):
            exists = self.index(requirement)
            where = getattr(self.index, "url", None) or "the package index"
            if exists is False:
                self.needs.drop_guess(requirement)
                self.needs.warn(
                    f"{requirement}: no installed distribution or known alias provides this import, and no "
                    f"distribution of that name exists on {where}; it is left out (local module not found?)"
                )
            elif exists is True:
                self.needs.warn(
                    f"{requirement}: guessed from the import name (not installed in the kernel, not in the alias "
                    f"table); a distribution of that name exists on {where}, check it is the right one (or is it a "
                    f"local module missing from the notebook's directory?)"
                )
            else:
                self.needs.warn(
                    f"{requirement}: guessed from the import name and not verified on the package index; check it "
                    f"(or is it a local module missing from the notebook's directory?)"
                )

    # -- result ---------------------------------------------------------------------------
    @property
    def _boundary_name(self) -> str:
        return "server root" if self.root is not None else "notebook's folder"

    def result(self) -> Analysis:
        local_paths = []
        local_sizes: dict[str, int] = {}
        exclude = {self.path.resolve()}
        for local in self.locals.values():
            if not local.path.exists():
                continue  # written by the notebook itself (%%writefile)
            rel = relative(local.path, self.base)
            exclude.add(within(local.path, self.boundary) or local.path)
            if rel in self.refused:
                continue
            shipped = expand(self.base, self.boundary, [rel])
            self.refused += shipped.refused
            if shipped.files:
                local_paths.append(rel)
                local_sizes[rel] = sum(f.size for f in shipped.files)
        # paths the notebook names, and those its local modules name (they run from the
        # notebook's folder too: numpy-100's generators.py reads source/headers.ktx)
        strings = [s for u in [*self.units, *self.local_units] for s, _ in u.facts.strings] + self.extra_strings
        for unit in self.units:
            for magic in unit.facts.magics:
                if magic.kind != "cell":
                    strings += [w.strip("'\"") for w in magic.args.split()]
        # "download it unless it is here": a URL whose file name is beside the notebook is read
        # from there in the kernel (AllenDowney's books: download(url) keeps basename(url))
        strings += [url_file_name(s) for s in strings if URL.match(s)]
        warnings = [refused_warning(name, self._boundary_name) for name in dict.fromkeys(self.refused)]
        data = find_data_files(strings, self.base, self.data_dirs, exclude, warnings, self.files_large,
                               root=self.boundary, root_name=self._boundary_name)
        present = {d.path for d in data}  # a URL whose file is here is not fetched (see above)
        network = [u for u in network_uses(self.units) if not (u.url and url_file_name(u.url) in present)]
        for text in warnings + network_warnings(network):
            self.needs.warn(text)
        return Analysis(
            notebook=self.path.name,
            python=PythonInfo(version=self.environment.python_version, executable=self.environment.executable),
            imports=self.records,
            requirements=self.needs.requirements(),
            system_packages=self.needs.system_packages(),
            local_modules=sorted(set(local_paths)),
            local_module_sizes=dict(sorted(local_sizes.items())),
            data_files=data,
            network=network,
            warnings=self.needs.warnings,
        )

"""Needs that magics and shell lines reveal: ``%pip``/``!pip``/``%conda`` installs (with
``-r`` files), ``%load_ext``, ``%run``/``!python`` of local files, cell magics and shell
commands. A part of the analysis session (:mod:`.analyzer`), kept apart by topic."""

from __future__ import annotations

from pathlib import Path

from ..image.files import lexically_within, within
from ..models import ImportRecord
from . import magics as M
from .cells import read_notebook, transform_cells
from .facts import Unit, cell_facts
from .imports import FoundImport
from .install_lines import conda_specs, parse_install, pip_specs, read_requirement_file
from .local import LocalModule, relative


class MagicNeeds:
    """Mixed into the analysis session; uses its needs, records, mapper, resolver and units."""

    def _magics(self, unit: Unit) -> None:
        for magic in unit.facts.magics:
            cell, line = unit.cell, unit.offset + magic.line
            if magic.kind == "line":
                self._line_magic(magic, cell, line)
            elif magic.kind == "cell":
                self._cell_magic(magic, cell, line)
            else:
                self._shell(magic.args, cell, magic.guarded)

    def _line_magic(self, magic: M.Magic, cell: int, line: int) -> None:
        name = magic.name
        if name in ("pip", "conda", "mamba", "micromamba", "uv"):
            self._install(magic.args, name, cell, magic.guarded)
        elif name in ("load_ext", "reload_ext"):
            ext = M.load_ext_name(magic.args)
            if ext and ext not in M.BUILTIN_EXTENSIONS:
                self._extension(ext, cell, line, magic)
        elif name in ("sx", "system"):
            self._shell(magic.args, cell, magic.guarded)
        elif name == "run":
            target = M.run_target(magic.args)
            if target and target[0] == "module":
                self._import(FoundImport(target[1], line, optional=magic.guarded), cell, line)
            elif target:
                self._run_file(target[1], cell)
        elif name == "load":
            target = magic.args.split()[-1] if magic.args.split() else ""
            if target.endswith(".py"):
                self._run_file(target, cell)

    def _extension(self, ext: str, cell: int, line: int, magic: M.Magic) -> None:
        top = ext.split(".")[0]
        self.imported.add(top)
        local = self._local(ext)
        if local is not None:
            self.records.append(ImportRecord(module=ext, cell=cell, line=line, kind="local", source="magic"))
            return
        resolution = self.mapper.resolve(ext)
        self.records.append(
            ImportRecord(module=ext, cell=cell, line=line, optional=magic.guarded, kind="third-party",
                         distribution=resolution.distribution, source="magic")
        )
        if resolution.distribution:
            source = "magic" if resolution.source != "guess" else "guess"
            self.needs.add(resolution.distribution, source, f"%load_ext {ext} (cell {cell})", optional=magic.guarded)
            self._multi(ext, resolution)

    def _cell_magic(self, magic: M.Magic, cell: int, line: int) -> None:
        name = magic.name
        if name in M.SHELL_CELL_MAGICS or (name == "script" and magic.args.split()[:1] in (["bash"], ["sh"])):
            self._shell(magic.body, cell, magic.guarded)
        elif name == "script" and magic.args.split():
            self._shell(magic.args, cell, magic.guarded)
        elif name in ("perl", "ruby"):
            self._shell(name, cell, magic.guarded)
        elif name in ("cython", "cython_inline", "cython_pyximport"):
            for module, offset in M.cython_imports(magic.body):
                self._import(FoundImport(module, line + offset), cell, line + offset)
        elif name in ("pip", "conda"):
            for text in magic.body.splitlines():
                self._install(text, name, cell, magic.guarded)
        elif name not in M.BUILTIN_CELL_MAGICS and name not in self.defined_magics and not self._known_magic(name):
            self.needs.warn(
                f"Cell {cell} uses the cell magic %%{name}, which no loaded extension or rule is known to provide"
            )

    def _known_magic(self, name: str) -> bool:
        if any(m.name in ("load_ext", "reload_ext") for u in self.units for m in u.facts.magics):
            return True
        return self.system.known_cell_magic(name)

    def _install(self, text: str, magic: str | None, cell: int, guarded: bool) -> None:
        install = parse_install(text, magic)
        if install is None:
            return
        label = f"%{magic}" if magic else "!pip"
        reason = f"{'%conda' if install.tool == 'conda' else label} install line (cell {cell})"
        specs, bad = pip_specs(install.specs) if install.tool == "pip" else conda_specs(install.specs)
        for file in install.files:
            found = self._find_file(file)
            if found is None:
                self.needs.warn(f"Cell {cell}: requirements file {file} not found inside the {self._boundary_name}")
                continue
            lines, problems = read_requirement_file(found, root=self.boundary)
            for problem in problems:
                self.needs.warn(f"Cell {cell}: {problem}")
            more, worse = pip_specs(lines)
            for spec in more:
                self.needs.add(spec.name, "magic", f"{file} via {label} install -r (cell {cell})", guarded,
                               specifier=spec.text)
            bad += worse
            self.extra_strings.append(file)
        for spec in specs:
            self.needs.add(spec.name, "magic", reason, guarded, specifier=spec.text if spec.text != spec.name else None)
        for text in bad + install.urls + install.editable:
            self.needs.warn(f"Cell {cell}: cannot turn {text!r} from an install line into a package name; add it by hand")

    def _find_file(self, name: str) -> Path | None:
        """The file ``name`` names (the notebook's folder first), when it lies inside the
        boundary: nothing outside it is read."""
        for directory in self.data_dirs:
            candidate = directory / name
            if lexically_within(candidate, self.boundary):
                found = within(candidate, self.boundary)
                if found is not None and found.is_file():
                    return found
        return None

    def _shell(self, command: str, cell: int, guarded: bool) -> None:
        for cmd in M.shell_commands(command):
            if parse_install(cmd.text) is not None:
                self._install(cmd.text, None, cell, guarded)
                continue
            if cmd.program.startswith("python") and cmd.args:
                if cmd.args[0] == "-m" and len(cmd.args) > 1:
                    if cmd.args[1] not in ("pip", "venv", "ipykernel"):
                        self._import(FoundImport(cmd.args[1], 0, optional=guarded), cell, 0)
                    continue
                if cmd.args[0].endswith(".py"):
                    self._run_file(cmd.args[0], cell)
                continue
            self.system.command(cmd, cell, self.needs, guarded)

    def _run_file(self, target: str, cell: int) -> None:
        resolved = self._find_file(target)
        if resolved is None:
            self.needs.warn(f"Cell {cell} runs {target}, which does not exist inside the {self._boundary_name}")
            return
        if resolved in self.locals:
            return
        if resolved.suffix == ".ipynb":
            try:
                nested = read_notebook(resolved)
            except Exception as exc:  # a broken nested notebook is a warning, not a failure
                self.needs.warn(f"Cell {cell} runs {target}, which cannot be read: {exc}")
                return
            local = LocalModule(resolved.stem, resolved, package=False)
            self.locals[resolved] = local
            label = relative(resolved, self.base)
            for nested_cell in transform_cells(nested):
                if nested_cell.tree is not None:
                    facts = cell_facts(nested_cell.tree, {})
                    self.local_units.append(Unit(0, 0, facts))
                    for found in facts.imports:
                        self._import(found, cell, 0, via=f"{label} cell {nested_cell.index}")
            return
        local = LocalModule(resolved.stem, resolved, package=False)
        self.locals[resolved] = local
        self._analyse_local(local)


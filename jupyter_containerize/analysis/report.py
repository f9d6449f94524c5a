"""Readable (non-JSON) rendering of an :class:`Analysis` for the CLI."""

from __future__ import annotations

from ..models import Analysis


def _table(headers: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]
    line = lambda cells: "  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip()  # noqa: E731
    return [line(headers), line(["-" * w for w in widths])] + [line(r) for r in rows]


def format_analysis_table(analysis: Analysis) -> str:
    out = [f"Notebook: {analysis.notebook}", f"Python:   {analysis.python.version} ({analysis.python.executable})", ""]
    rows = [
        [r.name + (" (optional)" if r.optional else ""), r.version or "-", r.source, "; ".join(r.reasons)]
        for r in analysis.requirements
    ]
    out.append(f"Requirements ({len(rows)})")
    out += _table(["package", "version", "source", "why"], rows) if rows else ["  none"]
    if analysis.system_packages:
        out += ["", f"System packages ({len(analysis.system_packages)})"]
        out += _table(["package", "why"], [[p.name, "; ".join(p.reasons)] for p in analysis.system_packages])
    if analysis.local_modules:
        out += ["", "Local modules: " + ", ".join(analysis.local_modules)]
    if analysis.data_files:
        out += ["", f"Data files ({len(analysis.data_files)})"]
        out += _table(
            ["path", "size", ""],
            [[d.path, _size(d.size), "LARGE" if d.large else ""] for d in analysis.data_files],
        )
    if analysis.warnings:
        out += ["", f"Warnings ({len(analysis.warnings)})"] + [f"  ! {w}" for w in analysis.warnings]
    if analysis.secrets:
        from .secrets import place_of

        out += ["", f"Possible secrets ({len(analysis.secrets)}): a build refuses them unless they are removed, "
                "their files left out (--exclude) or they are allowed (--allow-secrets)"]
        out += _table(["where", "kind"], [[place_of(f), f.kind] for f in analysis.secrets])
    return "\n".join(out) + "\n"


def _size(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return str(n)

"""Sharing an image: what is inside it (``inspect``) and its software bill of materials."""

from .sbom import SBOM_PATH, render_sbom

__all__ = ["SBOM_PATH", "render_sbom"]

"""Container engines: the one seam to the outside world that builds and runs images."""

from .base import BuildProgress, ContainerEngine, DiskUsage, ImageInfo, LayerRow, RunOutcome

__all__ = ["BuildProgress", "ContainerEngine", "DiskUsage", "ImageInfo", "LayerRow", "RunOutcome"]

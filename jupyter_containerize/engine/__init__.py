"""Container engines: the one seam to the outside world that builds and runs images."""

from .base import BuildProgress, ContainerEngine, ImageInfo, RunOutcome

__all__ = ["BuildProgress", "ContainerEngine", "ImageInfo", "RunOutcome"]

"""Container engines: the one seam to the outside world that builds and runs images."""

from .base import BuildProgress, ContainerEngine, ImageInfo

__all__ = ["BuildProgress", "ContainerEngine", "ImageInfo"]

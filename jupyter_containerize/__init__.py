"""jupyter-containerize: turn a notebook into a container image (extension points only)."""

try:
    from ._version import __version__
except ImportError:  # pragma: no cover - running from a source tree that was never built
    import warnings

    warnings.warn("Importing 'jupyter_containerize' outside a proper installation.", stacklevel=2)
    __version__ = "dev"


def _jupyter_labextension_paths():
    return [{"src": "labextension", "dest": "jupyter-containerize"}]


def _jupyter_server_extension_points():
    from .app import ContainerizeApp

    return [{"module": "jupyter_containerize", "app": ContainerizeApp}]

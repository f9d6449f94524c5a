"""Images without a builder: read from a registry, assembled on the host, pushed to a
registry or written as an archive.

An image is files plus JSON (go-containerregistry's lesson): a base read from its registry,
layers written on the host (the prepared base, the locked environment, the runner, the
notebook's files, the notebook), a config and a manifest. ``reference`` names images,
``registry`` speaks the OCI distribution API, ``blobs`` caches what was downloaded,
``base`` reads a base image, ``tarlayer`` writes reproducible layers, ``assemble`` makes the
image model from a build context, ``sinks`` push it or write it as an archive.
"""

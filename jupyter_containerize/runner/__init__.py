"""What runs inside the image: ``run.py`` executes the notebook headless.

``run.py`` is copied into every image as a plain script; it imports only the standard
library, nbformat and nbclient (the lock's runner group).
"""

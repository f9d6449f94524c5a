import sys

from . import main

sys.exit(main())  # a normal exit: profilers and coverage run under ``python -m`` see its end

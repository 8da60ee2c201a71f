"""``python -m torch_reference`` is ``nn-verify``."""

import sys

from .cli import main

sys.exit(main())

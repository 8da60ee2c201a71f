"""``python -m torch_reference.experiments``: see :func:`torch_reference.experiments.main`."""

from . import main

raise SystemExit(main())

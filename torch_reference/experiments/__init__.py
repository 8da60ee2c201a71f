"""The notes' claims and the digits assignment, run as experiments (issue 6).

Catalogue IDs: CLAIM-SYMMETRY, CLAIM-LINEAR, CLAIM-SATURATION, CLAIM-DEPTH, CLAIM-LR-CONVEX,
CLAIM-MNIST (and PRED-METRICS, LR-FWD's θ form through them).

Modules: :mod:`.claims` (data, hand-built networks and measurements of each claim), :mod:`.digits`
(the assignment: sklearn's 8x8 digits, 64-25-10 network, learning-rate sweep, NumPy against PyTorch),
:mod:`.figures` (matplotlib, imported lazily), :mod:`.command` (``main``).

Command line::

    python -m torch_reference.experiments digits --output lr_sweep.png
    python -m torch_reference.experiments claims --output-dir figures/

scikit-learn (the digits) and matplotlib (the figures) are imported only when used.
"""

from .command import digits_main, main

__all__ = ["digits_main", "main"]

"""Every course assignment the checker recognizes, in one place.

:mod:`.course` holds the recognizer and the assignments of the first course (logistic regression,
the step-by-step and application networks, initialization, regularization, gradient checking);
:mod:`.course_optimization` adds the optimization assignment's roles to it. Importing this module
imports both, so what is recognized does not depend on which module happened to be imported first;
the arrows run one way (assignments -> course_optimization -> course -> registry), with no cycle.
"""

from __future__ import annotations

from . import course_optimization  # noqa: F401  (registers the optimization assignment's roles)
from .course import ROLES, course_entries, recognize

__all__ = ["ROLES", "course_entries", "recognize"]

"""Project-only pytest settings. The options (``--device``, ``--dtype``, ``--impl``), the fixtures
(``device``, ``dtype``, ``impl``, ``np_dtype``, ``rng``) and the hooks live in the installed plugin
``torch_reference/pytest_plugin.py`` (entry point ``nn_verify``), so they work from any directory."""

from __future__ import annotations

try:  # hypothesis profiles: "ci" (default, fast) and "thorough" (run with -m slow)
    from hypothesis import HealthCheck, settings

    settings.register_profile("ci", max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    settings.register_profile("thorough", max_examples=500, deadline=None)
    settings.load_profile("ci")
except ImportError:  # pragma: no cover - hypothesis is in the test extra
    pass


import pytest


@pytest.fixture(scope="module")
def references_once():
    """The modules that check many students' files on the same cases (test_course, test_zoo, ...)
    compute each case's draw and PyTorch references once per module, as ``nn-verify grade`` does
    (torch_reference/refcache.py; tests/test_grade.py checks that the cache changes no row)."""
    from torch_reference.refcache import reference_cache

    with reference_cache():
        yield

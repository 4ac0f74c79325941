"""Hypothesis profiles: ``quick`` by default (a developer's run), ``full`` with CI=true (or
HYPOTHESIS_PROFILE=full). Each fuzz test names its full count; the quick profile runs a tenth."""

from __future__ import annotations

import os

from hypothesis import settings

FULL = os.environ.get("CI", "").lower() == "true" or os.environ.get("HYPOTHESIS_PROFILE") == "full"

settings.register_profile("full", deadline=None)
settings.register_profile("quick", deadline=None)
settings.load_profile("full" if FULL else "quick")


def examples(full: int) -> int:
    """The number of examples of a test whose full count is ``full``."""
    return full if FULL else max(20, full // 10)

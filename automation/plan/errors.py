"""The offline plan's one error: the program cannot be planned for these settings, or a plan file
given to the diff is not a plan."""

from __future__ import annotations

from automation.errors import ConfigurationError


class PlanError(ConfigurationError, ValueError):
    """The program cannot be planned for these settings (a clear message, no traceback)."""

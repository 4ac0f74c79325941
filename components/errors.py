"""The root of every error private-eks raises on purpose, at the bottom of the layers.

The layers import downwards only (settings → components → program → automation → CLI), and the
settings loader raises errors a user gets (a stack file's problems) as surely as the runner does.
So the root lives here, importing nothing: ``components.settings.SettingsError`` is a
:class:`PrivateEksError` without the settings layer knowing of ``automation``, and
``automation.errors`` re-exports the root with the rest of the hierarchy. Embedders catch one type.

The exit codes are the CLI contract (README): 1 the operation failed and nothing is left exposed,
2 bad input (config, arguments, environment), 3 a security problem.
"""

from __future__ import annotations

from typing import ClassVar

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT, EXIT_SECURITY = 0, 1, 2, 3


class PrivateEksError(Exception):
    """Base of every error private-eks raises on purpose."""

    exit_code: ClassVar[int] = EXIT_FAILED
    summary: ClassVar[str] = "failed"  # the cell of the several-stacks summary table

    def render(self) -> str:
        """The message the CLI prints (stderr)."""
        return f"private-eks: {self}"

"""One error root for the whole tool: :class:`PrivateEksError` carries its exit code.

The exit codes are the CLI contract (README): 1 the operation failed and nothing is left exposed,
2 bad input (config, arguments, environment), 3 a security problem (public endpoint left on, audit
finding). Embedders catch ``PrivateEksError``; the CLI prints ``render()`` and exits ``exit_code``.

The root, :class:`PrivateEksError`, is defined in ``components.errors`` (the bottom layer) so that
``components.settings.SettingsError`` is one too; :class:`InvalidSettings` is that error with the
exit code of bad input, raised wherever ``automation`` loads settings (:mod:`automation.project`).
"""

from __future__ import annotations

from typing import Any, Sequence

from components.errors import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK, EXIT_SECURITY, PrivateEksError
from components.settings import SettingsError

__all__ = ["EXIT_BAD_INPUT", "EXIT_FAILED", "EXIT_OK", "EXIT_SECURITY", "PrivateEksError"]


# ------------------------------------------------------------------------------- exit 2: bad input


class ConfigurationError(PrivateEksError):
    """Bad input or environment (arguments, no CLI, no passphrase, no bootstrap CIDR): nothing was run."""

    exit_code = EXIT_BAD_INPUT
    summary = "bad input"

    def render(self) -> str:
        return f"private-eks: error: {self}"


class UsageError(ConfigurationError):
    """Bad command-line arguments."""


class ProjectNotFound(ConfigurationError):
    """No Pulumi project where one was looked for."""


class InvalidSettings(ConfigurationError, SettingsError):
    """The stack settings are invalid; ``problems`` holds every one of them (see SettingsError)."""

    summary = "bad settings"

    @classmethod
    def wrap(cls, e: SettingsError) -> InvalidSettings:
        return cls(e.source, e.problems)

    def render(self) -> str:
        return SettingsError.render(self)


class KubernetesApiNeeded(ConfigurationError):
    """``--bootstrap never``, but the change needs the Kubernetes API (reachable from outside the VPC
    only through a bootstrap window): refused before anything was created or changed. ``needs``
    holds each resource and why (:class:`automation.kubernetes_api.KubernetesApiNeed`)."""

    summary = "refused: needs the Kubernetes API"

    def __init__(self, message: str, needs: Sequence[Any]):
        super().__init__(message)
        self.needs = list(needs)

    def render(self) -> str:
        return "\n".join([super().render(), *[f"  - {n}" for n in self.needs]])


class PreflightFailed(ConfigurationError):
    """The preflight checks found problems that would make pass 1 fail; nothing was created."""

    def __init__(self, message: str, findings: Sequence[Any]):
        super().__init__(message)
        self.findings = list(findings)

    def render(self) -> str:
        return "\n".join([super().render(), *[f"  {f}" for f in self.findings]])


# ------------------------------------------------------------------ exit 1: failed, nothing exposed


class OperationFailed(PrivateEksError):
    """The operation failed and nothing is left exposed (the window is closed or was never open)."""

    summary = "failed (nothing exposed)"

    def __init__(self, message: str, *, errors: Sequence[str] = ()):
        super().__init__(message)
        self.errors = list(errors)

    def render(self) -> str:
        return "\n".join([f"private-eks: {self}", *[f"  error: {x}" for x in short_errors(self.errors)]])


class StackLocked(OperationFailed):
    """Another update of the stack is running (or a crashed one left its lock)."""


class Interrupted(OperationFailed):
    """The run was interrupted (SIGINT, SIGTERM: ``Runner.interrupt``); the running Pulumi operation
    was cancelled and nothing is left exposed (when the window stays open: WindowLeftOpen)."""

    summary = "interrupted (nothing exposed)"


# ------------------------------------------------------------------------ exit 3: security problem


class SecurityProblem(PrivateEksError):
    """Something is exposed that should not be."""

    exit_code = EXIT_SECURITY
    summary = "security problem"


class WindowLeftOpen(SecurityProblem):
    """The cluster's public endpoint is still on and the runner could not turn it off."""

    summary = "PUBLIC ENDPOINT LEFT ON"

    def __init__(self, message: str, *, stack: str, cidrs: Sequence[str] = (), errors: Sequence[str] = ()):
        super().__init__(message)
        self.stack = stack
        self.cidrs = list(cidrs)
        self.errors = list(errors)

    def render(self) -> str:
        bar = "!" * 100
        return "\n".join([bar, str(self), *[f"  cause: {x}" for x in short_errors(self.errors)], bar])


class LockedWithWindowOpen(WindowLeftOpen, StackLocked):
    """Another update holds the stack's lock while the public endpoint is on (exit 3, not 1).

    A run in progress closes its own window; a crashed run's lock leaves it open until the lock is
    removed. The runner cannot tell the two apart, so it does not fight over the window, but it
    does not call the outcome safe either.
    """

    exit_code = EXIT_SECURITY  # explicit: StackLocked's 1 must never win

    def __init__(self, message: str, *, stack: str, errors: Sequence[str] = ()):
        WindowLeftOpen.__init__(self, message, stack=stack, errors=errors)


def short_errors(errors: Sequence[str], lines: int = 6) -> list[str]:
    """Each error's last lines (a provider's traceback ends with the message)."""
    out = []
    for e in errors:
        parts = [p for p in e.strip().splitlines() if p.strip()]
        out.append(" / ".join(parts[-lines:]) if len(parts) > lines else " ".join(p.strip() for p in parts))
    return out

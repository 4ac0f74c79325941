"""Automation for private-eks: the two-pass runner, offline plan, reports, AWS checks and the CLI.

``from automation import Runner`` works; the runner (and Pulumi's automation API) is imported on
first use so that offline commands such as ``validate`` start fast. Every error raised on purpose
is a :class:`PrivateEksError` carrying its exit code.
"""

from importlib import import_module
from typing import Any

_HOMES = {
    "automation.errors": [
        "ConfigurationError", "Interrupted", "InvalidSettings", "KubernetesApiNeeded", "LockedWithWindowOpen",
        "OperationFailed", "PreflightFailed",
        "PrivateEksError", "ProjectNotFound", "SecurityProblem", "StackLocked", "UsageError", "WindowLeftOpen",
    ],
    "automation.kubernetes_api": ["KubernetesApiNeed", "kubernetes_api_needs"],
    "automation.passes": ["BOOTSTRAP_MODES", "Pass", "PendingOperation", "StackState", "decide_passes",
                          "resolve_bootstrap_cidrs"],
    "automation.project": ["Project"],
    "automation.results": ["DestroyResult", "PassResult", "PreviewResult", "RemainingResource", "StatusResult",
                           "UpResult"],
    "automation.runner": ["Runner"],
    "automation.window": ["Window"],
}
__all__ = sorted(name for names in _HOMES.values() for name in names)


def __getattr__(name: str) -> Any:
    for module, names in _HOMES.items():
        if name in names:
            return getattr(import_module(module), name)
    raise AttributeError(f"module 'automation' has no attribute {name!r}")

"""Automation for private-eks: the two-pass runner, offline plan, reports, AWS checks and the CLI.

``from automation import Runner`` works; the runner (and Pulumi's automation API) is imported on
first use so that offline commands such as ``validate`` start fast.
"""

from typing import Any

__all__ = [
    "ConfigurationError", "DestroyResult", "LockedWithWindowOpen", "OperationFailed", "Pass", "PassResult", "PreflightFailed", "PreviewResult",
    "RemainingResource", "Runner", "RunnerError", "StackLocked", "StackState", "StatusResult", "UpResult",
    "WindowLeftOpen", "decide_passes", "resolve_bootstrap_cidrs",
]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from automation import runner

        return getattr(runner, name)
    raise AttributeError(f"module 'automation' has no attribute {name!r}")

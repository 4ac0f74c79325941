"""Automation for private-eks: the two-pass runner, offline plan, reports, AWS checks and the CLI.

``from automation import Runner`` works, and so do the offline functions ``validate_stack``,
``offline_plan`` and ``plan_diff`` (:mod:`automation.api`); the runner (and Pulumi's automation API) is imported on
first use so that offline commands such as ``validate`` start fast. Every error raised on purpose
is a :class:`PrivateEksError` carrying its exit code.
"""

from typing import TYPE_CHECKING

from automation.lazy import lazy_exports

_HOMES = {
    "automation.api": ["Phase", "Plan", "ValidationResult", "offline_plan", "plan_diff", "validate_stack"],
    "automation.errors": [
        "ConfigurationError", "Interrupted", "InvalidSettings", "KubernetesApiNeeded", "LockedWithWindowOpen",
        "OperationFailed", "PreflightFailed",
        "PrivateEksError", "ProjectNotFound", "SecurityProblem", "StackLocked", "UsageError", "WindowLeftOpen",
    ],
    "automation.kubernetes_api": ["KubernetesApiNeed", "kubernetes_api_needs"],
    "automation.passes": ["BOOTSTRAP_MODES", "BootstrapMode", "Pass", "PendingOperation", "StackState", "decide_passes",
                          "resolve_bootstrap_cidrs"],
    "automation.plan": ["PlanDiff"],
    "automation.project": ["Project"],
    "automation.results": ["DestroyResult", "PassResult", "PreviewResult", "RemainingResource", "StatusResult",
                           "UpResult"],
    "automation.runner": ["Runner"],
    "automation.window": ["Window"],
}
__all__, __getattr__ = lazy_exports(__name__, _HOMES)


# What a type checker sees (the names are imported on first use at run time): without these, an
# embedder's `Runner(...).up(bootstrap="sometimes")` would type-check against Any.
if TYPE_CHECKING:
    from automation.api import Phase, Plan, ValidationResult, offline_plan, plan_diff, validate_stack  # noqa: F401
    from automation.errors import (  # noqa: F401
        ConfigurationError,
        Interrupted,
        InvalidSettings,
        KubernetesApiNeeded,
        LockedWithWindowOpen,
        OperationFailed,
        PreflightFailed,
        PrivateEksError,
        ProjectNotFound,
        SecurityProblem,
        StackLocked,
        UsageError,
        WindowLeftOpen,
    )
    from automation.kubernetes_api import KubernetesApiNeed, kubernetes_api_needs  # noqa: F401
    from automation.passes import (  # noqa: F401
        BOOTSTRAP_MODES,
        BootstrapMode,
        Pass,
        PendingOperation,
        StackState,
        decide_passes,
        resolve_bootstrap_cidrs,
    )
    from automation.plan import PlanDiff  # noqa: F401
    from automation.project import Project  # noqa: F401
    from automation.results import DestroyResult, PassResult, PreviewResult, RemainingResource, StatusResult, UpResult  # noqa: F401
    from automation.runner import Runner  # noqa: F401
    from automation.window import Window  # noqa: F401

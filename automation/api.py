"""The offline work from Python: validate a stack file, plan it, diff two plans. No AWS, no Pulumi CLI.

    from automation import offline_plan, plan_diff, validate_stack

    result = validate_stack("stacks/Pulumi.dev.yaml")   # ValidationResult; never raises for bad settings
    before = offline_plan("stacks/Pulumi.dev.yaml")     # Plan (raises InvalidSettings when invalid)
    diff = plan_diff(before, offline_plan("other.yaml"))  # PlanDiff: create/update/replace/delete

The plan function is ``offline_plan``, not ``plan``: ``automation.plan`` is the module that makes
plans, and a package attribute cannot be both. Every error raised is a
:class:`~automation.errors.PrivateEksError` (bad settings: :class:`~automation.errors.InvalidSettings`,
exit code 2).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Mapping, Optional, Sequence, Union

from automation.errors import InvalidSettings, UsageError
from components.settings import SettingsError, StackSettings, load_stack_file

if TYPE_CHECKING:
    from automation.plan import PlanDiff

Phase = Literal["bootstrap", "private", "both"]
PHASE_CHOICES: tuple[Phase, ...] = ("bootstrap", "private", "both")
StackSource = Union[str, "os.PathLike[str]", StackSettings]


@dataclass(frozen=True)
class ValidationResult:
    """One stack file's verdict: ``valid``, and every problem (``path: message``) when not."""

    source: str
    stack: str
    valid: bool
    problems: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    region: Optional[str] = None
    endpoint_services: tuple[str, ...] = ()
    settings: Optional[StackSettings] = field(default=None, repr=False, compare=False)
    error: Optional[InvalidSettings] = field(default=None, repr=False, compare=False)

    def raise_for_problems(self) -> StackSettings:
        """The settings, or :class:`InvalidSettings` naming every problem."""
        if self.error is not None:
            raise self.error
        assert self.settings is not None
        return self.settings


@dataclass(frozen=True)
class Plan:
    """An offline plan (the JSON of ``private-eks plan --json``) with its headline facts typed."""

    stack: str
    region: str
    phases: tuple[str, ...]
    findings: tuple[str, ...]
    endpoint_cost_per_hour: float
    kubernetes_api_needed: bool
    data: Mapping[str, Any] = field(repr=False, compare=False)

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | str) -> Plan:
        """A plan read back (``plan --json`` output, as text or parsed); PlanError when it is not one."""
        from automation import plan as offline

        parsed = json.loads(data) if isinstance(data, str) else data
        offline.validate_plan(parsed)
        return cls(stack=parsed["stack"], region=parsed["region"],
                   phases=tuple(p["phase"] for p in parsed["passes"]), findings=tuple(parsed["findings"]),
                   endpoint_cost_per_hour=float(parsed["endpointCostPerHour"]),
                   kubernetes_api_needed=bool((parsed.get("kubernetesApi") or {}).get("needed")), data=parsed)

    @property
    def kubernetes_api_path(self) -> str:
        """How ``up`` reaches the Kubernetes API: ``relay``, ``bootstrap-window`` or ``none-needed``."""
        return str((self.data.get("kubernetesApi") or {}).get("path", ""))

    def to_json(self) -> str:
        """The canonical text, byte-identical to ``private-eks plan --json``."""
        from automation import plan as offline

        return offline.plan_json(self.data)


def _load(source: StackSource, stack: Optional[str]) -> StackSettings:
    if isinstance(source, StackSettings):
        return source
    if not isinstance(source, (str, os.PathLike)):
        raise UsageError(f"expected a stack file path or StackSettings, not {type(source).__name__}")
    try:
        return load_stack_file(Path(source), stack=stack)
    except InvalidSettings:
        raise
    except SettingsError as e:
        raise InvalidSettings.wrap(e) from None


def validate_stack(path: Union[str, "os.PathLike[str]"], *, stack: Optional[str] = None) -> ValidationResult:
    """Validate a stack file; bad settings are a result (``valid`` False), not an exception."""
    try:
        settings = _load(path, stack)
    except InvalidSettings as e:
        return ValidationResult(source=e.source, stack=stack or "", valid=False,
                                problems=tuple(str(p) for p in e.problems), error=e)
    return ValidationResult(source=settings.source, stack=settings.stack, valid=True,
                            warnings=tuple(settings.warnings), region=settings.region,
                            endpoint_services=tuple(s.name for s in settings.endpoint_services()), settings=settings)


def offline_plan(source: StackSource, *, phase: Phase = "both", bootstrap_cidrs: Sequence[str] = (),
                 stack: Optional[str] = None) -> Plan:
    """The offline plan of a stack file (or of settings already loaded), as ``private-eks plan``."""
    from automation import plan as offline

    if phase not in PHASE_CHOICES:
        raise UsageError(f"phase {phase!r}: must be one of {', '.join(PHASE_CHOICES)}")
    settings = _load(source, stack)
    phases = offline.PHASES if phase == "both" else (phase,)
    data = json.loads(offline.plan_json(offline.plan_stack(settings, phases, bootstrap_cidrs=bootstrap_cidrs)))
    return Plan.from_json(data)


def plan_diff(old: Plan | Mapping[str, Any], new: Plan | Mapping[str, Any]) -> PlanDiff:
    """What changes between two plans; each resource change is create, update, replace or delete."""
    from automation import plan as offline

    return offline.diff_plans(old.data if isinstance(old, Plan) else old, new.data if isinstance(new, Plan) else new)

"""The offline plan: the program under Pulumi's mock runtime, once per phase, and a diff between plans.

Where each part lives:

- ``mocks``: the engine's stand-in (deterministic invokes and ids) and the recording monitor;
- ``build``: runs the program per phase and makes the plan's JSON; ``review``: its findings and cost;
- ``render``: the plan as a tree; ``diff``: two plans compared, as text or a pull-request comment
  (``comment``), replacements from the provider's force-new inputs (``replacements``) closed over
  the plan's references (``replacement_closure``);
- ``pulumi_internals``: every private part of the Pulumi SDK the plan uses, in one place.

``from automation.plan import plan_stack`` (and the other names below) keeps working; the modules
load on first use, so that ``automation.plan.replacements`` (plain data other code reads) stays a
light import. The library never prints: the renderers return strings for the CLI.
"""

from typing import TYPE_CHECKING

from automation.lazy import lazy_exports

_HOMES = {
    "automation.plan.build": ["EGRESS_PLACEHOLDER", "PhaseRun", "child_inputs", "plan_json", "plan_stack", "run_phase",
                              "run_program"],
    "automation.plan.diff": ["MARKDOWN_LIMIT", "MAX_PLAN_BYTES", "MAX_PLAN_DEPTH", "InputChange", "PlanDiff",
                             "ResourceDiff", "cluster_replaced_line", "diff_plans", "render_diff_markdown",
                             "render_diff_text", "validate_plan"],
    "automation.plan.errors": ["PlanError"],
    "automation.plan.mocks": ["MOCK_ACCOUNT", "ExistingSubnet", "PlanMocks", "RecordingMonitor", "Registration",
                              "region_zones"],
    "automation.plan.render": ["render_plan_text"],
    "automation.plan.review": ["DEFAULT_ENDPOINT_HOURLY_PRICE", "ENDPOINT_HOURLY_PRICE", "endpoint_price", "findings",
                               "kubernetes_api_finding"],
    # The phases a plan may hold, as the CLI and the library API choose among them.
    "components.settings": ["PHASES"],
}
__all__, __getattr__ = lazy_exports(__name__, _HOMES)

if TYPE_CHECKING:
    from automation.plan.build import (  # noqa: F401
        EGRESS_PLACEHOLDER,
        PhaseRun,
        child_inputs,
        plan_json,
        plan_stack,
        run_phase,
        run_program,
    )
    from automation.plan.diff import (  # noqa: F401
        MARKDOWN_LIMIT,
        MAX_PLAN_BYTES,
        MAX_PLAN_DEPTH,
        InputChange,
        PlanDiff,
        ResourceDiff,
        cluster_replaced_line,
        diff_plans,
        render_diff_markdown,
        render_diff_text,
        validate_plan,
    )
    from automation.plan.errors import PlanError  # noqa: F401
    from automation.plan.mocks import (  # noqa: F401
        MOCK_ACCOUNT,
        ExistingSubnet,
        PlanMocks,
        RecordingMonitor,
        Registration,
        region_zones,
    )
    from automation.plan.render import render_plan_text  # noqa: F401
    from automation.plan.review import (  # noqa: F401
        DEFAULT_ENDPOINT_HOURLY_PRICE,
        ENDPOINT_HOURLY_PRICE,
        endpoint_price,
        findings,
        kubernetes_api_finding,
    )
    from components.settings import PHASES  # noqa: F401

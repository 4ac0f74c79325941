"""The offline plan of a stack: the program under the mocks (automation/plan/mocks.py), once per
phase, and the plan made of what it registers — every resource with its inputs as Pulumi registers
them (camelCase), byte-identical for the same input. Its JSON shape::

    {"stack", "region", "findings", "endpointCostPerHour", "kubernetesApi",
     "passes": [{"phase", "resources": [{"type", "name", "parent", "inputs", "dependsOn"?, "childInputs"?}]}]}
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Mapping, Optional, Sequence

import pulumi

from automation.kubernetes_api import kubernetes_api_needs
from automation.plan import pulumi_internals as sdk
from automation.plan.errors import PlanError
from automation.plan.mocks import PlanMocks, RecordingMonitor, Registration
from automation.plan.review import findings, image_findings, kubernetes_api_finding, kubernetes_api_path, selection_findings
from automation.relay.run import relay_function_name
from components.settings import PHASES, PROJECT, StackSettings
from components.transforms import ChildInputs, merge_inputs

# Stands in for the runner's egress address when the stack file names no bootstrap CIDRs: the
# runner resolves them (--bootstrap-cidr, or its own address) before pass 1.
EGRESS_PLACEHOLDER = "<runner egress address>/32"


@dataclass
class PhaseRun:
    """One phase of the program under the mocks: the registrations in order, and the outputs."""

    phase: str
    registrations: list[Registration]
    outputs: dict[str, Any]
    secret_outputs: frozenset[str] = frozenset()
    read_names: Mapping[str, str] = field(default_factory=dict)

    def by_type(self, typ: str) -> list[Registration]:
        return [r for r in self.registrations if r.type == typ]

    def one(self, typ: str) -> Registration:
        found = self.by_type(typ)
        if len(found) != 1:
            raise LookupError(f"expected one {typ}, found {len(found)}")
        return found[0]

    def children(self, parent: Registration) -> list[Registration]:
        return [r for r in self.registrations if r.parent_urn == parent.urn]


def run_phase(
    settings: StackSettings,
    phase: str,
    *,
    mocks: Optional[PlanMocks] = None,
    bootstrap_cidrs: Sequence[str] = (),
) -> PhaseRun:
    """Run ``components.program.build`` for one phase under the mocks and record what it registers.

    A ValueError from the program (unavailable endpoint service, subnet on the main route table,
    …) is raised as a PlanError with the program's message."""
    from components.program import build

    return run_program(settings, phase, lambda: build(settings, phase, bootstrap_cidrs=bootstrap_cidrs),  # type: ignore[arg-type]
                       mocks=mocks)


def run_program(
    settings: StackSettings,
    phase: str,
    program_fn: Callable[[], Any],
    *,
    mocks: Optional[PlanMocks] = None,
) -> PhaseRun:
    """Run any program function under the mocks (``run_phase`` runs ``build``); its return value,
    when a mapping, is taken as the outputs."""
    mocks = mocks or PlanMocks(settings)
    monitor = RecordingMonitor(mocks)
    outputs: dict[str, Any] = {}

    secret: set[str] = set()

    def program() -> None:
        built = program_fn()
        if not isinstance(built, Mapping):
            return
        outputs.update(sdk.sync_await(pulumi.Output.from_input(built).future()) or {})
        secret.update(k for k, v in built.items() if isinstance(v, pulumi.Output) and sdk.sync_await(v.is_secret()))

    # A fresh event loop per run: the SDK binds futures to the loop current at registration.
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        sdk.reset_runtime()
        pulumi.runtime.set_mocks(mocks, project=PROJECT, stack=settings.stack, preview=False, monitor=monitor)
        sdk.sync_await(sdk.run_pulumi_func(program))
        _resolve_child_inputs(monitor.registrations)
    except ValueError as e:
        raise PlanError(str(e)) from None
    except Exception as e:  # an invoke the mocks refuse (e.g. an unknown subnet id), from the SDK
        raise PlanError(f"{settings.source}: {phase} phase: {_clean(e)}") from None
    finally:
        sdk.reset_runtime()
        # Outputs nobody awaited (remote components' unused properties) are still pending: cancel
        # them so that closing the loop is quiet.
        pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
        for task in pending:
            task.cancel()
        if pending:
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        asyncio.set_event_loop(None)
        loop.close()
        # Leave the SDK as an unconfigured process has it: no mock monitor behind later programs.
        sdk.reset_options()
    return PhaseRun(phase, monitor.registrations, outputs, frozenset(secret), dict(monitor.read_names))


def _resolve_child_inputs(registrations: list[Registration]) -> None:
    """ChildInputs whose values are outputs (an id known once a resource exists) as the mocks resolve
    them, while the program's event loop still runs: the plan shows values, not Output objects."""
    for r in registrations:
        r.transforms = [
            # replace: a subclass (components/nodes/mixed_instances.py) stays what it is.
            replace(t, inputs=sdk.sync_await(pulumi.Output.from_input(dict(t.inputs)).future()))
            if isinstance(t, ChildInputs) and _has_output(t.inputs) else t
            for t in r.transforms]


def _has_output(value: Any) -> bool:
    if isinstance(value, pulumi.Output):
        return True
    if isinstance(value, Mapping):
        return any(_has_output(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(_has_output(v) for v in value)
    return False


def _clean(e: BaseException) -> str:
    text = str(e).strip()
    return text.splitlines()[-1] if text else type(e).__name__


def _jsonable(value: Any, names: Mapping[str, str]) -> Any:
    """Inputs as plain JSON: resources by name, secrets hidden, unknowns marked."""
    if isinstance(value, dict):
        if value.get(sdk.SIG_KEY) == sdk.SECRET_SIG:
            return "[secret]"
        if value.get(sdk.SIG_KEY) == sdk.RESOURCE_SIG:
            urn = value.get("urn", "")
            return {"ref": names.get(urn, urn)}
        return {str(k): _jsonable(v, names) for k, v in sorted(value.items()) if v is not None}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v, names) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)  # the wire has only doubles; sizes and ports read better as integers
    if isinstance(value, str):
        if value == sdk.UNKNOWN:
            return "<computed>"
        return names.get(value, value)  # a resource sent as its URN (no resource references)
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, pulumi.AssetArchive):
        return {"archive": {name: _jsonable(a, names) for name, a in sorted(value.assets.items())}}
    if isinstance(value, pulumi.StringAsset):
        # The text's digest and size: a code change shows in the plan, the plan stays short.
        data = value.text.encode()
        return {"asset": f"sha256:{hashlib.sha256(data).hexdigest()}", "bytes": len(data)}
    return str(value)


def child_inputs(r: Registration) -> dict[str, Any]:
    """What the registration's ChildInputs transforms set on the children a component creates, by
    the children's type (the mock runtime creates no children to apply them to)."""
    out: dict[str, Any] = {}
    for t in r.transforms:
        if isinstance(t, ChildInputs):
            out[t.key] = merge_inputs(out.get(t.key), t.inputs)
    return out


# The program's order: the network, then the endpoints, then the cluster.
_COMPONENT_ORDER = {"private-eks:network:PrivateNetwork": 0, "private-eks:endpoints:EndpointSet": 1,
                    "private-eks:cluster:PrivateCluster": 2}


def _resources(run: PhaseRun) -> list[dict[str, Any]]:
    # URNs (components) and the mocks' ids (custom resources) read as the resource's name, so a
    # plan says "dev-private-network-private-us-west-2a" rather than a made-up subnet id.
    names = {r.id: r.name for r in run.registrations if r.id}
    names.update({r.urn: r.name for r in run.registrations})
    names.update(run.read_names)
    out = []
    for r in run.registrations:
        inputs = {}
        for k, v in sorted(r.inputs.items()):
            if v is not None:
                inputs[k] = _jsonable(v, names)
        entry: dict[str, Any] = {"type": r.type, "name": r.name, "parent": names.get(r.parent_urn), "inputs": inputs}
        # What the engine waits for before creating it: the explicit dependencies and those its
        # inputs carry, components expanded to their resources (as the SDK sends them).
        depends_on = sorted({names.get(u, u) for u in r.dependencies})
        if depends_on:
            entry["dependsOn"] = depends_on
        set_on_children = child_inputs(r)
        if set_on_children:
            entry["childInputs"] = set_on_children
        out.append(entry)
    # Registration order follows the program; sorting by the parent chain keeps each component's
    # resources together and makes the order independent of asyncio scheduling.
    by_name = {r["name"]: r for r in out}

    def chain(r: dict[str, Any]) -> tuple:
        parts: list[tuple[int, str, str]] = []
        cur: dict[str, Any] | None = r
        while cur is not None:
            parts.append((_COMPONENT_ORDER.get(cur["type"], len(_COMPONENT_ORDER)), cur["type"], cur["name"]))
            cur = by_name.get(cur["parent"]) if cur["parent"] else None
        return tuple(reversed(parts))

    return sorted(out, key=chain)


def plan_stack(
    settings: StackSettings,
    phases: Sequence[str] = PHASES,
    *,
    bootstrap_cidrs: Sequence[str] = (),
    mocks_factory=None,
) -> dict[str, Any]:
    """The offline plan of one stack: the JSON shape above, deterministic for the same input.

    ``mocks_factory(settings) -> PlanMocks`` lets tests describe another region (services missing
    from some AZs, subnets without an explicit route table)."""
    for phase in phases:
        if phase not in PHASES:
            raise PlanError(f"unknown phase {phase!r}; expected one of {', '.join(PHASES)}")
    cidrs = list(bootstrap_cidrs) or list(settings.cluster.vpc.public_access_cidrs) or [EGRESS_PLACEHOLDER]
    passes: list[dict[str, Any]] = []
    for phase in phases:
        mocks = mocks_factory(settings) if mocks_factory else PlanMocks(settings)
        run = run_phase(settings, phase, mocks=mocks, bootstrap_cidrs=cidrs)
        passes.append({"phase": phase, "resources": _resources(run)})
    notes, cost = findings(passes, settings.region)
    selection = settings.endpoint_selection()
    notes += selection_findings(selection, skip=settings.cluster.private_cluster.skip_endpoint_creation)
    notes += image_findings(settings, passes[-1]["resources"] if passes else [], selection)
    needs = kubernetes_api_needs(passes[-1]["resources"] if passes else [],
                                 authentication_mode=settings.cluster.access_config.authentication_mode)
    relay = relay_function_name(settings) if settings.cluster.private_cluster.api_relay.enabled else None
    notes.append(kubernetes_api_finding(needs, relay))
    if "bootstrap" in phases and cidrs == [EGRESS_PLACEHOLDER]:
        notes.append("bootstrap: vpc.publicAccessCIDRs is not set: the runner opens the window to "
                     "--bootstrap-cidr or its own egress address")
    for w in settings.warnings:
        notes.append(f"warning: {w}")
    return {"stack": settings.stack, "region": settings.region, "passes": passes,
            "findings": notes, "endpointCostPerHour": cost,
            "kubernetesApi": {"needed": bool(needs), "reasons": [str(n) for n in needs],
                              "path": kubernetes_api_path(needs, relay)}}


def plan_json(plan: Mapping[str, Any] | Sequence[Mapping[str, Any]]) -> str:
    """The canonical text of a plan (or of a list of plans): sorted keys, so equal plans are byte-identical."""
    return json.dumps(plan, indent=2, sort_keys=True, ensure_ascii=False) + "\n"

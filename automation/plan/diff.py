"""What changed between two plans (``private-eks plan-diff``): resources created, deleted, updated
(by input path) and replaced — with what each replacement drags along — per phase; the findings,
cost and region that changed; and the diff as text for a terminal or as a pull-request comment.
A plan file is checked for its shape (``validate_plan``) before it is diffed."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any, Iterable, Mapping, Optional

from automation import upgrades
from automation.plan import comment
from automation.plan.errors import PlanError
from automation.plan.render import ABSENT, comparable, short
from automation.plan.replacement_closure import close_replacements
from automation.plan.replacements import CLUSTER_TYPES
from automation.report import MARKDOWN_LIMIT as COMMENT_LIMIT
from components import input_files


@dataclass(frozen=True)
class InputChange:
    path: str
    old: Any
    new: Any


@dataclass(frozen=True)
class ResourceDiff:
    phase: str
    op: str  # "create" | "delete" | "update" | "replace"
    type: str
    name: str
    changes: tuple[InputChange, ...] = ()
    # A replacement: why (force-new inputs, or a reference to a replaced resource), and the
    # directly replaced resource it is dragged along by (its own name when replaced directly).
    reasons: tuple[str, ...] = ()
    cause: str = ""


@dataclass(frozen=True)
class PlanDiff:
    old_stack: str
    new_stack: str
    resources: tuple[ResourceDiff, ...]
    findings_added: tuple[str, ...]
    findings_removed: tuple[str, ...]
    cost_old: float
    cost_new: float
    phases_added: tuple[str, ...] = ()
    phases_removed: tuple[str, ...] = ()
    region_old: str = ""
    region_new: str = ""
    # What `up` of the new plan does to the public endpoint (automation/plan/comment.py).
    exposure: Any = None
    # automation/upgrades.py: what EKS refuses or the autoscaler owns, and a version bump's steps.
    notes: tuple[str, ...] = ()
    steps: tuple[Any, ...] = ()

    @property
    def changed(self) -> bool:
        return bool(self.resources or self.findings_added or self.findings_removed or self.phases_added
                     or self.phases_removed or self.cost_old != self.cost_new or self.region_old != self.region_new)

    def counts(self) -> dict[str, int]:
        out = {"create": 0, "update": 0, "replace": 0, "delete": 0}
        for r in self.resources:
            out[r.op] += 1
        return out

    @property
    def replaced_clusters(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(r.name for r in self.resources if r.op == "replace" and r.type in CLUSTER_TYPES))


# A plan holds every resource's inputs (a few hundred KB for a big stack); --all plans are larger.
MAX_PLAN_BYTES = 32 * 1024 * 1024
# Resource inputs nest a few levels (a launch template's block devices); the diff walks them.
MAX_PLAN_DEPTH = 64


def _finite(number: int | float) -> bool:
    try:
        return math.isfinite(number)
    except OverflowError:  # an integer too large for a float
        return False


def validate_plan(plan: Any, source: str = "plan") -> None:
    """Check a plan's shape (automation/plan/build.py) before diffing; a PlanError names what is wrong."""
    if not isinstance(plan, dict):
        raise PlanError(f"{source}: not a plan (expected a JSON object)")
    for key, kind in (("stack", str), ("region", str), ("passes", list), ("findings", list)):
        if not isinstance(plan.get(key), kind):
            raise PlanError(f"{source}: not a plan: {key!r} is missing or not a {kind.__name__}")
    cost = plan.get("endpointCostPerHour")
    if not isinstance(cost, (int, float)) or isinstance(cost, bool) or not _finite(cost):
        raise PlanError(f"{source}: not a plan: 'endpointCostPerHour' is missing or not a finite number")
    if not input_files.json_depth_ok(plan, MAX_PLAN_DEPTH):
        raise PlanError(f"{source}: not a plan: nested more than {MAX_PLAN_DEPTH} levels deep")
    for i, p in enumerate(plan["passes"]):
        if not isinstance(p, dict) or not isinstance(p.get("phase"), str) or not isinstance(p.get("resources"), list):
            raise PlanError(f"{source}: not a plan: passes[{i}] needs 'phase' and 'resources'")
        for j, r in enumerate(p["resources"]):
            if not isinstance(r, dict) or not all(isinstance(r.get(k), str) for k in ("type", "name")) \
                    or not isinstance(r.get("inputs"), dict):
                raise PlanError(f"{source}: not a plan: passes[{i}].resources[{j}] needs type, name and inputs")


def diff_plans(old: Mapping[str, Any], new: Mapping[str, Any]) -> PlanDiff:
    """What changed between two plans: resources created, deleted and updated (input paths), per phase."""
    validate_plan(old, "old plan")
    validate_plan(new, "new plan")
    old_passes = {p["phase"]: p for p in old["passes"]}
    new_passes = {p["phase"]: p for p in new["passes"]}
    out: list[ResourceDiff] = []
    for phase in [p["phase"] for p in new["passes"]] + [p for p in old_passes if p not in new_passes]:
        a = {(r["type"], r["name"]): r for r in (old_passes.get(phase) or {}).get("resources", [])}
        b = {(r["type"], r["name"]): r for r in (new_passes.get(phase) or {}).get("resources", [])}
        if phase not in old_passes or phase not in new_passes:
            continue  # a whole pass added or removed is reported once, not per resource
        start = len(out)
        for key in sorted(set(a) | set(b)):
            if key not in a:
                out.append(ResourceDiff(phase, "create", *key))
            elif key not in b:
                out.append(ResourceDiff(phase, "delete", *key))
            else:
                fa, fb = comparable(a[key]), comparable(b[key])
                changes = tuple(InputChange(k, fa.get(k), fb.get(k)) for k in sorted(set(fa) | set(fb))
                                if fa.get(k, ABSENT) != fb.get(k, ABSENT))
                parent_moved = a[key].get("parent") != b[key].get("parent")
                if parent_moved:
                    changes += (InputChange("(parent)", a[key].get("parent"), b[key].get("parent")),)
                if changes:
                    out.append(ResourceDiff(phase, "update", *key, changes=changes))
        out[start:] = _mark_replacements(phase, out[start:], b.values(), set(a) & set(b))
    fo, fn = list(old["findings"]), list(new["findings"])

    last = new["passes"][-1]["phase"] if new["passes"] else ""
    ops = {(r.type, r.name): r.op for r in out if r.phase == last and r.op != "delete"}
    changed = [{**r, "op": ops[(r["type"], r["name"])]} for r in (new_passes.get(last) or {}).get("resources", [])
               if (r["type"], r["name"]) in ops]
    return PlanDiff(
        notes=tuple(upgrades.version_findings(old, new)), steps=tuple(upgrades.upgrade_steps(old, new)),
        old_stack=old["stack"], new_stack=new["stack"], resources=tuple(out),
        findings_added=tuple(f for f in fn if f not in fo), findings_removed=tuple(f for f in fo if f not in fn),
        cost_old=float(old["endpointCostPerHour"]), cost_new=float(new["endpointCostPerHour"]),
        phases_added=tuple(p for p in new_passes if p not in old_passes),
        phases_removed=tuple(p for p in old_passes if p not in new_passes),
        region_old=old["region"], region_new=new["region"],
        exposure=comment.exposure(old, new, changed),
    )


def _mark_replacements(phase: str, diffs: list[ResourceDiff], resources: Iterable[Mapping[str, Any]],
                       existing: set[tuple[str, str]]) -> list[ResourceDiff]:
    """Updates that the provider replaces become ``replace``; resources a replacement drags along
    (no input of their own changed) are added as ``replace`` too."""
    changed = {(d.type, d.name): [c.path for c in d.changes] for d in diffs if d.op == "update"}
    replaced = close_replacements(resources, existing, changed)
    out = []
    for d in diffs:
        rep = replaced.pop((d.type, d.name), None)
        out.append(replace(d, op="replace", reasons=rep.reasons, cause=rep.cause[1]) if rep and d.op == "update" else d)
    for key, rep in replaced.items():
        out.append(ResourceDiff(phase, "replace", *key, reasons=rep.reasons, cause=rep.cause[1]))
    return sorted(out, key=lambda d: (d.type, d.name))


# GitHub refuses comments above 65,536 characters; the findings come after the table.
MARKDOWN_LIMIT = COMMENT_LIMIT - 4_000
_OP_SIGN = {"create": "+", "delete": "-", "update": "~", "replace": "+-"}


def _diff_head(d: PlanDiff) -> str:
    c = d.counts()
    stack = d.new_stack if d.old_stack == d.new_stack else f"{d.old_stack} → {d.new_stack}"
    if not d.changed:
        return f"stack {stack}: no changes"
    return (f"stack {stack}: {c['create']} to create, {c['update']} to update, {c['replace']} to replace, "
            f"{c['delete']} to delete")


def cluster_replaced_line(d: PlanDiff) -> str:
    """Said first when the change replaces the EKS cluster."""
    names = ", ".join(d.replaced_clusters)
    return (f"THE EKS CLUSTER IS REPLACED ({names}): a new cluster, API endpoint and certificates; "
            "every node and workload is recreated")


def render_diff_text(d: PlanDiff) -> str:
    lines = [_diff_head(d)]
    if d.replaced_clusters:
        lines.insert(0, "!!! " + cluster_replaced_line(d))
    if d.region_old != d.region_new:
        lines.append(f"  region: {d.region_old} → {d.region_new}")
    for p in d.phases_added:
        lines.append(f"  + pass {p} (new)")
    for p in d.phases_removed:
        lines.append(f"  - pass {p} (removed)")
    for r in d.resources:
        lines.append(f"  {_OP_SIGN[r.op]} [{r.phase}] {r.type} {r.name}" + (" (REPLACE)" if r.op == "replace" else ""))
        lines += [f"      replaced: {x}" for x in r.reasons]
        dragged = [x.name for x in d.resources if x.phase == r.phase and x.cause == r.name and x.name != r.name]
        if r.cause == r.name and dragged:
            lines.append(f"      drags along: {', '.join(dragged)}")
        for c in r.changes:
            lines.append(f"      {c.path}: {short(c.old)} → {short(c.new)}")
    for note in d.notes:
        lines.append(f"  ! {note}")
    if d.steps:
        lines.append("  upgrade, in this order:")
        lines += [f"    {i}. {step.what} — disrupts: {step.disrupts}" for i, step in enumerate(d.steps, 1)]
    if d.cost_old != d.cost_new:
        lines.append(f"  endpoint cost: ${d.cost_old:.4f}/hour → ${d.cost_new:.4f}/hour")
    for f in d.findings_removed:
        lines.append(f"  finding removed: {f}")
    for f in d.findings_added:
        lines.append(f"  finding added: {f}")
    return "\n".join(lines) + "\n"


def render_diff_markdown(d: PlanDiff, *, window_seconds: Optional[float] = None) -> str:
    """The diff as a pull-request comment, risk first (automation/plan/comment.py). Everything in
    a plan file is the pull request's to write, so every name, path, value and finding is escaped."""
    return comment.render(d, d.exposure, window_seconds=window_seconds, limit=MARKDOWN_LIMIT)

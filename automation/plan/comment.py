"""The pull-request comment of a plan diff, risk first.

What a reviewer must know before merging comes first: what the merge does to exposure (does
``private-eks up`` open the bootstrap window, to which CIDRs, for how long on the last measured
run), then what is replaced (the EKS cluster loudest), then every other change once (a change seen
in both passes is one row), and the per-pass detail folded in ``<details>``, as Pulumi's GitHub
Action folds its report. The whole stays below the report's 64,000 characters.

Every string that comes from a plan file (names, types, paths, values, findings, CIDRs) is printed
through :func:`_user` or :func:`_user_code`, one place to change how user text is escaped.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Mapping, Optional, Sequence

from automation.kubernetes_api import kubernetes_api_needs
from automation.plan.resource_types import EKS_CLUSTER
from automation.plan.review import PATH_RELAY
from automation.report import MARKDOWN_LIMIT, md_code, md_text

OPEN_TO_ALL = frozenset({"0.0.0.0/0", "::/0"})


def _user(text: Any) -> str:
    return md_text(text)


def _user_code(text: Any, *, table: bool = False) -> str:
    return md_code(text, table=table)


@dataclass(frozen=True)
class Exposure:
    """What ``private-eks up`` of the new plan does to the cluster's public endpoint."""

    window: bool  # a bootstrap pass turns the public endpoint on for a while
    why: str
    window_cidrs: tuple[str, ...] = ()
    stays_public: bool = False  # the private pass leaves the endpoint public
    final_cidrs: tuple[str, ...] = ()
    was_public: bool = False

    @property
    def open_to_all(self) -> bool:
        return bool(OPEN_TO_ALL & set(self.window_cidrs if self.window else ()) | OPEN_TO_ALL & set(self.final_cidrs))


def _cluster(plan: Mapping[str, Any], phase: str) -> Optional[Mapping[str, Any]]:
    for p in plan.get("passes", []):
        if p.get("phase") == phase:
            for r in p.get("resources", []):
                if r.get("type") == EKS_CLUSTER:
                    return r.get("inputs") or {}
    return None


def _public(inputs: Optional[Mapping[str, Any]]) -> tuple[bool, tuple[str, ...]]:
    if not inputs or not inputs.get("endpointPublicAccess"):
        return False, ()
    # No publicAccessCidrs with public access on: EKS opens the endpoint to 0.0.0.0/0.
    return True, tuple(str(c) for c in (inputs.get("publicAccessCidrs") or ["0.0.0.0/0"]))


def exposure(old: Mapping[str, Any], new: Mapping[str, Any], changed: Sequence[Mapping[str, Any]]) -> Exposure:
    """``changed``: the new plan's resources of its last pass that the diff creates, updates or
    replaces, each with ``op``. The runner's rule (automation/passes.py ``decide_passes``): a new
    stack opens the window to create; an existing one only when the change needs the Kubernetes API;
    a stack with the relay never (``kubernetesApi.path``)."""
    final_phase = new["passes"][-1]["phase"] if new.get("passes") else "private"
    stays_public, final_cidrs = _public(_cluster(new, final_phase))
    was_public, _ = _public(_cluster(old, old["passes"][-1]["phase"])) if old.get("passes") else (False, ())
    boot_public, window_cidrs = _public(_cluster(new, "bootstrap"))
    is_new = not any(p.get("resources") for p in old.get("passes", []))
    cluster = _cluster(new, final_phase) or {}
    mode = str(cluster.get("authenticationMode") or "CONFIG_MAP")
    needs = kubernetes_api_needs(
        [{**r, "op": "create" if r.get("op") == "replace" else r.get("op", "create")} for r in changed],
        authentication_mode=mode)
    if (new.get("kubernetesApi") or {}).get("path") == PATH_RELAY:
        window, why = False, ("the stack has the Kubernetes API relay: up writes through it in the private pass alone "
                              "(docs/architecture.md §11)")
    elif is_new:
        window, why = boot_public, "a new stack: the bootstrap pass creates the cluster with the public endpoint on"
    elif needs:
        window, why = boot_public, "the change needs the Kubernetes API: " + "; ".join(str(n) for n in needs)
    else:
        window, why = False, "the change needs no Kubernetes API, so up applies it in the private pass alone"
    return Exposure(window, why, window_cidrs if window else (), stays_public, final_cidrs, was_public)


def exposure_lines(e: Exposure, window_seconds: Optional[float]) -> list[str]:
    lines = []
    if e.window:
        cidrs = ", ".join(_user_code(c) for c in e.window_cidrs)
        how_long = (f"about {round(window_seconds)} s on the last measured run" if window_seconds
                    else "how long: not measured yet (`private-eks status --json` reports it after a run)")
        lines.append(f"**Exposure: merging opens a bootstrap window** — the public API endpoint is on, "
                     f"reachable from {cidrs}, {how_long}. Why: {_user(e.why)}.")
    else:
        lines.append(f"**Exposure: no window** — merging never turns the public API endpoint on. {_user(e.why)}.")
    if e.stays_public:
        lines.append(f"**⚠️ The public API endpoint stays ON after the run**, reachable from "
                     f"{', '.join(_user_code(c) for c in e.final_cidrs)}"
                     + ("" if e.was_public else " (it is private today)") + ".")
    elif e.was_public:
        lines.append("The public API endpoint, on today, is turned off.")
    if e.open_to_all:
        lines.append("**⚠️ `0.0.0.0/0`: the Kubernetes API is open to the whole internet.**")
    return lines


def _short(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, separators=(",", ":"))
    return text if len(text) <= 70 else text[:67] + "..."


def _changes(diffs: Sequence[Any]) -> str:
    """The changed inputs of one resource, each path once across the passes."""
    changes = {x.path: x for r in diffs for x in r.changes}
    return "<br>".join(f"{_user_code(x.path, table=True)}: {_user_code(_short(x.old), table=True)} → "
                       f"{_user_code(_short(x.new), table=True)}" for x in changes.values())


def render(d: Any, ex: Optional[Exposure], *, window_seconds: Optional[float] = None,
           limit: int = MARKDOWN_LIMIT - 4_000) -> str:
    """``d``: an :class:`automation.plan.PlanDiff`."""
    stack = (_user_code(d.new_stack) if d.old_stack == d.new_stack
             else f"{_user_code(d.old_stack)} → {_user_code(d.new_stack)}")
    lines = [f"### Offline plan diff: {stack}", ""]
    if ex is not None:
        lines += [*exposure_lines(ex, window_seconds), ""]
    if not d.changed:
        lines.append("No changes.")
        return "\n".join(lines) + "\n"
    if d.replaced_clusters:
        lines += [f"**⚠️ THE EKS CLUSTER IS REPLACED** ({', '.join(_user_code(n) for n in d.replaced_clusters)}): "
                  "a new cluster, API endpoint and certificates; every node and workload is recreated.", ""]

    # Each resource once: a change seen in both passes is one row, with the passes named.
    merged: dict[tuple[str, str], list[Any]] = {}
    for r in d.resources:
        merged.setdefault((r.type, r.name), []).append(r)
    rank = {"replace": 0, "delete": 1, "create": 2, "update": 3}

    def op_of(rs: list[Any]) -> str:
        return min((r.op for r in rs), key=lambda o: rank[o])

    c = {"create": 0, "update": 0, "replace": 0, "delete": 0}
    for rs in merged.values():
        c[op_of(rs)] += 1
    lines.append(f"**{c['replace']} to replace, {c['create']} to create, {c['update']} to update, "
                 f"{c['delete']} to delete**"
                 + (f" · endpoint cost ${d.cost_old:.4f}/h → ${d.cost_new:.4f}/h" if d.cost_old != d.cost_new else ""))
    lines.append("")
    if d.region_old != d.region_new:
        lines.append(f"- region: {_user_code(d.region_old)} → {_user_code(d.region_new)}")
    lines += [f"- pass {_user_code(p)} added" for p in d.phases_added]
    lines += [f"- pass {_user_code(p)} removed" for p in d.phases_removed]
    lines += [f"- ⚠️ {_user(note)}" for note in d.notes]
    if d.steps:
        lines += ["", "**Upgrade, in this order:**", "", "| step | what | disrupts |", "|---|---|---|"]
        lines += [f"| {i} | {_user(step.what)} | {_user(step.disrupts)} |" for i, step in enumerate(d.steps, 1)]
        lines.append("")

    # The cluster first, then what is replaced for its own inputs, then what is dragged along.
    replaced = sorted(((k, rs) for k, rs in merged.items() if op_of(rs) == "replace"),
                      key=lambda kr: (kr[0][1] not in d.replaced_clusters,
                                      any(r.cause != kr[0][1] for r in kr[1] if r.op == "replace"), kr[0]))
    rows: list[str] = []
    if replaced:
        rows += ["", f"#### Replacements ({len(replaced)})", "",
                 "| type | name | why | changed inputs | drags along |", "|---|---|---|---|---|"]
        for (typ, name), rs in replaced:
            r = next(x for x in rs if x.op == "replace")
            dragged = sorted({x.name for x in d.resources if x.cause == name and x.name != name})
            rows.append(f"| {_user_code(typ, table=True)} | {_user_code(name, table=True)} | "
                        f"{'<br>'.join(_user(x) for x in r.reasons)} | {_changes(rs)} | "
                        f"{', '.join(_user_code(x, table=True) for x in dragged)} |")
    others = [(k, rs) for k, rs in merged.items() if op_of(rs) != "replace"]
    if others:
        rows += ["", f"#### Other changes ({len(others)})", "",
                 "| op | type | name | passes | changed inputs |", "|---|---|---|---|---|"]
        for (typ, name), rs in others:
            rows.append(f"| {op_of(rs)} | {_user_code(typ, table=True)} | {_user_code(name, table=True)} | "
                        f"{', '.join(_user(r.phase) for r in rs)} | {_changes(rs)} |")
    detail = ["", "<details><summary>Per-pass detail</summary>", "",
              "| pass | op | type | name | changed inputs |", "|---|---|---|---|---|"] if d.resources else []
    for r in d.resources:
        detail.append(f"| {_user(r.phase)} | {r.op} | {_user_code(r.type, table=True)} | "
                      f"{_user_code(r.name, table=True)} | {_changes([r])} |")
    detail += ["", "</details>"] if d.resources else []
    findings: list[str] = []
    if d.findings_added or d.findings_removed:
        findings += ["", "<details><summary>Findings changed</summary>", ""]
        findings += [f"- ➖ {_user(f)}" for f in d.findings_removed] + [f"- ➕ {_user(f)}" for f in d.findings_added]
        findings += ["", "</details>"]

    size = sum(len(x) + 1 for x in lines + findings)
    out = list(lines)
    for block, closing in ((rows, []), (detail[:-2], detail[-2:])):
        if not block:
            continue
        for i, row in enumerate(block):
            if size + len(row) + 1 + sum(len(x) + 1 for x in closing) > limit:
                out.append(f"\n_{len(block) - i} more rows left out; run `private-eks plan-diff` for all._")
                break
            out.append(row)
            size += len(row) + 1
        if "<details><summary>Per-pass detail</summary>" in out or not closing:
            out += closing
    out += findings
    return "\n".join(out) + "\n"

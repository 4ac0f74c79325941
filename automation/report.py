"""Engine events → per-resource changes → Markdown (for pull requests) and JSON.

The Markdown follows the conventions of Pulumi's GitHub Action comment: a heading per stack, a
one-line change summary, the details in a collapsible ``<details>`` block, and a note when the
text had to be trimmed to stay under GitHub's comment limit (65,536; we keep below 64,000).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Iterable, Literal, Mapping, Sequence

from pulumi.automation.events import EngineEvent, OpType

MARKDOWN_LIMIT = 64_000

# Operations that change nothing in the cloud: left out of the change lists, counted as unchanged.
NO_CHANGE_OPS = frozenset({OpType.SAME.value, OpType.READ.value, OpType.REFRESH.value})
ROOT_STACK_TYPE = "pulumi:pulumi:Stack"
EKS_CLUSTER_TYPE = "aws:eks/cluster:Cluster"

_OP_SYMBOL = {
    "create": "+", "update": "~", "delete": "-", "replace": "+-", "create-replacement": "++",
    "delete-replaced": "--", "import": "=", "import-replacement": "=>", "discard": "-",
    "discard-replaced": "-", "remove-pending-replace": "-",
}


@dataclass(frozen=True)
class ResourceChange:
    op: str
    type: str
    name: str
    urn: str
    changed: tuple[str, ...] = ()
    replace_keys: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"op": self.op, "type": self.type, "name": self.name, "urn": self.urn,
                "changedProperties": list(self.changed), "replaceKeys": list(self.replace_keys)}


@dataclass(frozen=True)
class PassPreview:
    """What one pass would change. ``kind`` says whether the engine previewed it or it was derived
    from the program (pass 2 after a pass 1 that has not run yet cannot be previewed for real)."""

    number: int
    phase: Literal["bootstrap", "private"]
    purpose: str
    kind: Literal["previewed", "derived"]
    changes: tuple[ResourceChange, ...]
    unchanged: int = 0
    description: str = ""

    def counts(self) -> dict[str, int]:
        return change_counts(self.changes, self.unchanged)

    def to_json(self) -> dict[str, Any]:
        return {"number": self.number, "phase": self.phase, "purpose": self.purpose, "kind": self.kind,
                "summary": self.counts(), "description": self.description,
                "changes": [c.to_json() for c in self.changes]}


@dataclass(frozen=True)
class StackPreview:
    stack: str
    region: str
    passes: tuple[PassPreview, ...]
    final_public_access: bool = False
    final_private_access: bool = True
    bootstrap_cidrs: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"stack": self.stack, "region": self.region,
                "passes": [p.to_json() for p in self.passes],
                "bootstrapCidrs": list(self.bootstrap_cidrs),
                "finalEndpointAccess": {"public": self.final_public_access, "private": self.final_private_access},
                "notes": list(self.notes)}


# ------------------------------------------------------------------------------------- events


def change_counts(changes: Iterable[ResourceChange], unchanged: int = 0) -> dict[str, int]:
    """Changes by operation, and the unchanged resources as ``same``."""
    counts = Counter(c.op for c in changes)
    if unchanged:
        counts["same"] = unchanged
    return dict(counts)


def resource_name(urn: str) -> str:
    return urn.rsplit("::", 1)[-1] if "::" in urn else urn


def is_default_provider(urn: str) -> bool:
    return "::pulumi:providers:" in urn and resource_name(urn).startswith("default")


@dataclass
class EventCollector:
    """Collects what an operation does from its engine events (pass it as, or call it from, on_event)."""

    changes: list[ResourceChange] = field(default_factory=list)
    unchanged: int = 0
    errors: list[str] = field(default_factory=list)
    failed_urns: list[str] = field(default_factory=list)
    events: list[EngineEvent] = field(default_factory=list)
    _seen: set[tuple[str, str]] = field(default_factory=set)

    def __call__(self, event: EngineEvent) -> None:
        self.events.append(event)
        pre = event.resource_pre_event
        if pre is not None:
            self._step(pre.metadata)
        diag = event.diagnostic_event
        if diag is not None and diag.severity == "error":
            message = diag.message.strip()
            if message and message not in self.errors:
                self.errors.append(message)
        failed = event.res_op_failed_event
        if failed is not None:
            self.failed_urns.append(failed.metadata.urn)

    def _step(self, meta: Any) -> None:
        op = meta.op.value if isinstance(meta.op, OpType) else str(meta.op)
        if meta.type == ROOT_STACK_TYPE and op in NO_CHANGE_OPS:
            return
        if is_default_provider(meta.urn):
            # The engine's own bookkeeping (it re-registers a default provider whenever the stack
            # config changes); Pulumi's display hides these too. Explicit providers are kept.
            return
        key = (meta.urn, op)
        if key in self._seen:
            return
        self._seen.add(key)
        if op in NO_CHANGE_OPS:
            self.unchanged += 1
            return
        changed = list(meta.diffs or [])
        if not changed and meta.detailed_diff:
            changed = list(meta.detailed_diff)
        if not changed and op in ("update", "replace") and meta.old is not None and meta.new is not None:
            # Providers that report no diff keys (dynamic providers): compare the inputs.
            olds, news = meta.old.inputs or {}, meta.new.inputs or {}
            changed = [k for k in set(olds) | set(news) if not k.startswith("__") and olds.get(k) != news.get(k)]
        self.changes.append(ResourceChange(
            op=op, type=meta.type, name=resource_name(meta.urn), urn=meta.urn,
            changed=tuple(sorted(changed)), replace_keys=tuple(sorted(meta.keys or ())) if op != "create" else (),
        ))

    def cluster_candidates(self) -> list[tuple[str, str, Mapping[str, Any]]]:
        """(urn, type, inputs) of the steps that touch the Kubernetes control plane's endpoint."""
        found: list[tuple[str, str, Mapping[str, Any]]] = []
        for event in self.events:
            pre = event.resource_pre_event
            if pre is None:
                continue
            meta = pre.metadata
            state = meta.new or meta.old
            inputs = dict(state.inputs or {}) if state is not None else {}
            custom = state.custom if state is not None else True
            if is_cluster_resource(meta.type, inputs, custom=custom) and meta.urn not in {f[0] for f in found}:
                found.append((meta.urn, meta.type, inputs))
        return found


def is_cluster_resource(type_: str, properties: Mapping[str, Any], *, custom: bool | None = True) -> bool:
    """The resource that holds the API endpoint's access settings: the EKS cluster itself, or any
    custom resource with a top-level ``endpointPublicAccess`` property (stand-ins in tests)."""
    if type_ == ROOT_STACK_TYPE or custom is False:
        return False
    return type_ == EKS_CLUSTER_TYPE or "endpointPublicAccess" in properties


def endpoint_public_access(properties: Mapping[str, Any]) -> Any:
    """A cluster resource's public access: top-level (stand-ins) or in ``vpcConfig`` (EKS)."""
    if "endpointPublicAccess" in properties:
        return properties.get("endpointPublicAccess")
    return (properties.get("vpcConfig") or {}).get("endpointPublicAccess")


def endpoint_access_properties(type_: str) -> tuple[str, ...]:
    if type_ == EKS_CLUSTER_TYPE:
        return ("vpcConfig.endpointPublicAccess", "vpcConfig.publicAccessCidrs")
    return ("endpointPublicAccess", "publicAccessCidrs")


# ----------------------------------------------------------------------------------- markdown


def summary_line(counts: Mapping[str, int]) -> str:
    order = ["create", "update", "replace", "create-replacement", "delete-replaced", "delete", "import", "same"]
    words = {"same": "unchanged", "create-replacement": "create replacement", "delete-replaced": "delete replaced"}
    parts = [f"{counts[op]} to {words.get(op, op)}" if op != "same" else f"{counts[op]} unchanged"
             for op in order if counts.get(op)]
    parts += [f"{n} {op}" for op, n in counts.items() if op not in order and n]
    return ", ".join(parts) or "no changes"


# Whatever a pull request can name (resources, properties, tags, findings in a plan file) is
# printed through these two, so that no name can close the <details> block, start a heading, or
# bring in HTML: the comment's structure is the renderer's alone.
_MD_PUNCTUATION = re.compile(r"([\\`*_{}\[\]()#+!|~])")


def md_text(text: Any) -> str:
    """Text that Markdown shows as written, on one line: every mark that could start markup is
    backslash-escaped (CommonMark: any ASCII punctuation may be), HTML's ``<``, ``>`` and ``&``
    are entities, and line breaks (which would start a new block) are spaces. Safe in table cells."""
    text = " ".join(str(text).split())
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MD_PUNCTUATION.sub(r"\\\1", text)


def md_code(text: Any, *, table: bool = False) -> str:
    """A code span showing ``text`` as written: fenced with more backticks than it holds, on one
    line; in a table, ``|`` escaped (GFM splits cells before it reads code spans)."""
    text = " ".join(str(text).split())
    if not text:
        return ""
    if table:
        text = text.replace("|", "\\|")
    fence = "`" * (max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text[0] == "`" or text[-1] == "`" else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _pass_title(p: PassPreview) -> str:
    how = "previewed by the engine" if p.kind == "previewed" else "derived from the program"
    return f"Pass {p.number} — {md_code(p.phase)} ({md_text(p.purpose)}; {how})"


def _rows(p: PassPreview) -> list[str]:
    rows = []
    for c in p.changes:
        changed = md_text(", ".join(c.changed)) or " "
        if c.replace_keys:
            changed += f" (replace: {md_text(', '.join(c.replace_keys))})"
        rows.append(f"| {_OP_SYMBOL.get(c.op, '?')} {md_text(c.op)} | {md_code(c.type, table=True)} | "
                    f"{md_text(c.name)} | {changed} |")
    return rows


def _access(public: bool, private: bool) -> str:
    return f"public {'**ON**' if public else 'off'}, private {'on' if private else 'off'}"


def stack_markdown(preview: StackPreview, *, limit: int = MARKDOWN_LIMIT) -> str:
    """One stack's section, trimmed so the whole section stays below ``limit`` characters."""
    head = [f"#### :tropical_drink: `preview` on {md_text(preview.stack)}", ""]
    head += risk_lines(preview)
    summary = "; ".join(f"pass {p.number} ({md_code(p.phase)}): {md_text(summary_line(p.counts()))}"
                        for p in preview.passes)
    head.append(f"**{summary or 'no passes'}** — final API endpoint access: "
                f"{_access(preview.final_public_access, preview.final_private_access)}")
    head.append("")
    for p in preview.passes:
        if p.phase == "private" and p.description:
            head.append(f"- Pass {p.number}: {md_text(p.description)}")
    if preview.bootstrap_cidrs:
        head.append(f"- Bootstrap window limited to: {', '.join(md_code(c) for c in preview.bootstrap_cidrs)}")
    head += [f"- {md_text(n)}" for n in preview.notes]
    head += ["", "<details><summary>Pulumi report</summary>", ""]
    tail = ["", "</details>", ""]

    sections = [(_section_head(p), _rows(p), _section_tail(p)) for p in preview.passes]

    def render(rows_per_pass: list[list[str]], note: list[str]) -> str:
        body: list[str] = []
        for (section_head, _, section_tail), rows in zip(sections, rows_per_pass):
            body += section_head
            if rows:
                body += ["| operation | type | name | changed properties |", "|---|---|---|---|", *rows]
            body += section_tail
        return "\n".join(head + body + tail + note)

    text = render([rows for _, rows, _ in sections], [])
    if len(text) <= limit:
        return text
    # Too long: keep every heading and as many rows as fit, shared between the passes so that a
    # small pass (pass 2: the endpoint change) is never crowded out by a big one.
    total = sum(len(rows) for _, rows, _ in sections)
    note = ["**Warn**: the report was too long and was trimmed: {shown} of {total} resource rows shown. "
            "The JSON report (`--json FILE`) has every change.", ""]
    budget = limit - len(render([[] for _ in sections], note)) - 200
    kept: list[list[str]] = [[] for _ in sections]
    order = sorted(range(len(sections)), key=lambda i: len(sections[i][1]))
    for position, i in enumerate(order):
        share = budget // (len(order) - position)
        used = 0
        for row in sections[i][1]:
            if used + len(row) + 1 > share:
                break
            kept[i].append(row)
            used += len(row) + 1
        budget -= used
    shown = sum(len(k) for k in kept)
    return render(kept, [note[0].format(shown=shown, total=total), ""])


REPLACE_OPS = frozenset({"replace", "create-replacement", "delete-replaced"})


def risk_lines(preview: StackPreview) -> list[str]:
    """What a reviewer reads first: exposure (is a bootstrap window opened, to which CIDRs; does
    the endpoint stay public), then what is replaced, the EKS cluster loudest."""
    window = any(p.phase == "bootstrap" for p in preview.passes)
    if window:
        cidrs = ", ".join(md_code(c) for c in preview.bootstrap_cidrs) or "the runner's egress address"
        lines = [f"**Exposure: a bootstrap window opens** — the public API endpoint is on for pass 1, reachable from "
                 f"{cidrs}."]
    else:
        lines = ["**Exposure: no window** — the public API endpoint is never turned on."]
    if preview.final_public_access:
        lines.append("**⚠️ The public API endpoint stays ON after the run.**")
    replaced = list(dict.fromkeys((c.type, c.name) for p in preview.passes for c in p.changes if c.op in REPLACE_OPS))
    if any(t == EKS_CLUSTER_TYPE for t, _ in replaced):
        lines.append("**⚠️ THE EKS CLUSTER IS REPLACED**: a new cluster, API endpoint and certificates; every node "
                     "and workload is recreated.")
    if replaced:
        lines.append(f"**Replaced ({len(replaced)}):** " + ", ".join(f"{md_code(n)} ({md_code(t)})" for t, n in replaced))
    return lines + [""]


def _section_head(p: PassPreview) -> list[str]:
    lines = [f"##### {_pass_title(p)}", ""]
    if p.description:
        lines += [md_text(p.description), ""]
    if not p.changes:
        lines.append("No resource changes.")
    return lines


def _section_tail(p: PassPreview) -> list[str]:
    return (["", f"{p.unchanged} resource(s) unchanged."] if p.unchanged else []) + [""]


def markdown(previews: Sequence[StackPreview], *, limit: int = MARKDOWN_LIMIT) -> str:
    """Every stack's section; the limit is shared so the whole document stays below it."""
    if not previews:
        return ""
    share = limit // len(previews) - 2
    return "\n".join(stack_markdown(p, limit=share) for p in previews)


def to_json(previews: Sequence[StackPreview] | StackPreview) -> str:
    items: Iterable[StackPreview] = [previews] if isinstance(previews, StackPreview) else previews
    data = [p.to_json() for p in items]
    return json.dumps(data[0] if isinstance(previews, StackPreview) else {"stacks": data}, indent=2, sort_keys=False)

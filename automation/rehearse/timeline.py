"""The rehearsal's timeline in simulated AWS minutes.

Each operation lasts the minutes its rule gave it (the journal). Within a pass an operation starts
when the last resource it depends on is done: the engine's recorded dependencies (the resource's
own and its parents', from the checkpoint), or, for an operation the checkpoint does not hold (a
failed create, a delete), every operation that had ended before it began. Passes follow each other.
The critical path is the chain of operations that ends last; the window runs from the operation
that turned the cluster's public access on to the one that turned it off."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Iterable, Optional


@dataclass
class Step:
    name: str
    type: str
    op: str
    pass_index: int
    start: float
    end: float
    error: Optional[str] = None
    public: Optional[bool] = None
    urn: str = ""


@dataclass
class Timeline:
    steps: list[Step]
    total: float
    critical_path: list[Step]
    window_opened: Optional[float] = None
    window_closed: Optional[float] = None
    passes: list[tuple[float, float]] = field(default_factory=list)

    @property
    def window_minutes(self) -> float:
        if self.window_opened is None:
            return 0.0
        return (self.window_closed if self.window_closed is not None else self.total) - self.window_opened

    @property
    def serial_minutes(self) -> float:
        """Every AWS wait one after the other: what the up would take with no parallelism."""
        return sum(s.end - s.start for s in self.steps)

    @property
    def critical_minutes(self) -> float:
        return sum(s.end - s.start for s in self.critical_path)

    def to_json(self) -> dict[str, Any]:
        return {"totalMinutes": round(self.total, 2), "criticalPathMinutes": round(self.critical_minutes, 2),
                "serialMinutes": round(self.serial_minutes, 2),
                "window": {"openedAtMinute": _r(self.window_opened), "closedAtMinute": _r(self.window_closed),
                           "minutes": round(self.window_minutes, 2)},
                "passes": [{"startMinute": round(a, 2), "endMinute": round(b, 2)} for a, b in self.passes],
                "criticalPath": [s.name for s in self.critical_path],
                "steps": [{k: (round(v, 2) if isinstance(v, float) else v) for k, v in asdict(s).items()
                           if v is not None and k != "urn"} for s in self.steps]}


def _r(v: Optional[float]) -> Optional[float]:
    return None if v is None else round(v, 2)


def dependencies(resources: Iterable[dict[str, Any]]) -> dict[str, set[str]]:
    """URN → the URNs it waits for: its own dependencies and its ancestors'; a dependency on a
    component is one on everything under it (the engine waits for a component's children)."""
    by_urn = {r["urn"]: r for r in resources}
    children: dict[str, list[str]] = {}
    for urn, r in by_urn.items():
        if r.get("parent"):
            children.setdefault(r["parent"], []).append(urn)

    def under(urn: str) -> set[str]:
        found, todo = {urn}, [urn]
        while todo:
            for kid in children.get(todo.pop(), ()):
                if kid not in found:
                    found.add(kid)
                    todo.append(kid)
        return found

    out: dict[str, set[str]] = {}
    for urn, r in by_urn.items():
        deps: set[str] = set(r.get("dependencies") or [])
        for prop_deps in (r.get("propertyDependencies") or {}).values():
            deps |= set(prop_deps)
        parent = r.get("parent")
        while parent in by_urn:
            deps |= set(by_urn[parent].get("dependencies") or [])
            parent = by_urn[parent].get("parent")
        out[urn] = set().union(*(under(d) for d in deps)) - under(urn) if deps else set()
    return out


def build(journal: list[dict[str, Any]], pass_starts: list[float], deps: dict[str, set[str]]) -> Timeline:
    """``pass_starts``: wall times at which each pass began (the journal is in wall time)."""
    bounds = sorted(pass_starts) or [min((e["start"] for e in journal), default=0.0)]
    steps: list[Step] = []
    reason: dict[int, Optional[int]] = {}
    offset = 0.0
    passes: list[tuple[float, float]] = []
    last_of_previous: Optional[int] = None
    for i, begin in enumerate(bounds):
        until = bounds[i + 1] if i + 1 < len(bounds) else float("inf")
        ops = sorted((e for e in journal if begin <= e["start"] < until), key=lambda e: e["start"])
        done: dict[str, int] = {}  # urn → index in steps of its last finished operation in this pass
        mine: list[tuple[int, dict[str, Any]]] = []
        for e in ops:
            wanted = deps.get(e["urn"])
            if wanted is not None:
                before = [done[u] for u in wanted if u in done]
            else:
                before = [j for j, other in mine if other["end"] <= e["start"]]
            start = max((steps[j].end for j in before), default=offset)
            # Nothing of this pass before it: it waited for the previous pass to end.
            reason[len(steps)] = (max(before, key=lambda j: steps[j].end) if before
                                  else (last_of_previous if last_of_previous is not None else None))
            steps.append(Step(e["name"], e["type"], e["op"], i + 1, start, start + float(e.get("minutes", 0.0)),
                              e.get("error"), e.get("public"), e["urn"]))
            done[e["urn"]] = len(steps) - 1
            mine.append((len(steps) - 1, e))
        end = max((s.end for s in steps if s.pass_index == i + 1), default=offset)
        if mine:
            last_of_previous = max((j for j, _ in mine), key=lambda j: steps[j].end)
        passes.append((offset, end))
        offset = end
    total = offset
    path: list[Step] = []
    if steps:
        j: Optional[int] = max(range(len(steps)), key=lambda k: steps[k].end)
        while j is not None:
            path.append(steps[j])
            j = reason.get(j)
    opened = closed = None
    for s in sorted(steps, key=lambda s: s.end):
        if s.public is True and opened is None and s.error is None:
            opened = s.end
        elif s.public is False and opened is not None and closed is None and s.error is None:
            closed = s.end
    return Timeline(steps, total, list(reversed(path)), opened, closed, passes)


def render(t: Timeline) -> list[str]:
    lines = [f"{'start':>7} {'end':>7}  pass  operation"]
    for s in sorted(t.steps, key=lambda s: (s.start, s.end)):
        if s.end - s.start < 0.5 and not s.error and s not in t.critical_path:
            continue  # API calls that return at once: listed in --json
        mark = "*" if s in t.critical_path else " "
        lines.append(f"{s.start:7.1f} {s.end:7.1f}  {s.pass_index:>4} {mark}{s.op:<6} {s.name} ({s.type})"
                     + (f"  FAILED: {s.error}" if s.error else ""))
    lines.append(f"whole up: {t.total:.1f} AWS minutes ({t.serial_minutes:.1f} if every wait ran one after the "
                 f"other); critical path (*): {t.critical_minutes:.1f} minutes through {len(t.critical_path)} operations")
    if t.window_opened is None:
        lines.append("window: the public endpoint was never on")
    else:
        closed = f"closed at minute {t.window_closed:.1f}" if t.window_closed is not None else "NOT closed"
        lines.append(f"window: opened at minute {t.window_opened:.1f}, {closed}; {t.window_minutes:.1f} minutes")
    return lines

"""The bootstrap window, measured: when the cluster's public endpoint was turned on and off.

Two sources, each honest about what it knows, and both giving a window that contains the true one:

- **engine events** (``Runner.up``): the window opens at the engine's timestamp of the start of the
  cluster operation (create or update) that turns public access on — whole seconds, rounded down
  by the engine — and closes when the runner receives the engine's event that the operation
  turning it off is done. The cluster resource is found as the preview report finds it
  (:func:`automation.report.is_cluster_resource`): the EKS cluster, or a stand-in in tests.
- **the stack's update history** (``Runner.status``): updates only, not resources: from the start
  of the first bootstrap pass of the last window to the end of the private pass that closed it.
  Coarser (the bootstrap pass also creates the network before the cluster), but it is what the
  state backend keeps after the run.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

from pulumi.automation.events import EngineEvent, OpType

from automation import report
from automation.passes import StackState, update_phase

EVENTS = "engine events"
HISTORY = "update history"
# The operations that apply a cluster's endpoint access (a replacement applies it when created).
APPLYING_OPS = frozenset({"create", "update", "create-replacement", "import"})


def _utc(ts: float) -> _dt.datetime:
    return _dt.datetime.fromtimestamp(ts, _dt.UTC)


def _aware(t: _dt.datetime | None) -> _dt.datetime | None:
    """The SDK parses the history's times (``...Z``, UTC) into naive datetimes: made UTC-aware."""
    return t.replace(tzinfo=_dt.UTC) if t is not None and t.tzinfo is None else t


def _now() -> _dt.datetime:
    return _dt.datetime.now(_dt.UTC)


@dataclass(frozen=True)
class Window:
    """One period with the cluster's public endpoint on. ``closed_at`` None: still open.
    ``opened_at`` None: open since before anything this source can see."""

    opened_at: _dt.datetime | None
    closed_at: _dt.datetime | None
    source: str

    @property
    def open(self) -> bool:
        return self.closed_at is None

    def seconds(self, now: _dt.datetime | None = None) -> float | None:
        """How long it was (or has been, while open) on; None when its opening is unknown."""
        if self.opened_at is None:
            return None
        return max(0.0, ((self.closed_at or now or _now()) - self.opened_at).total_seconds())

    def to_json(self) -> dict[str, Any]:
        """``seconds`` only for a closed window: the JSON of an open one depends on the state alone
        (two machines reading one stack print the same), ``openedAt`` says since when."""
        seconds = None if self.open else self.seconds()
        return {"openedAt": self.opened_at.isoformat() if self.opened_at else None,
                "closedAt": self.closed_at.isoformat() if self.closed_at else None,
                "seconds": round(seconds, 1) if seconds is not None else None,
                "open": self.open, "source": self.source}


def no_window_json(source: str) -> dict[str, Any]:
    """The same shape when no window was ever open (what ``--bootstrap never`` leaves)."""
    return {"openedAt": None, "closedAt": None, "seconds": 0, "open": False, "source": source}


@dataclass
class ClusterStep:
    urn: str
    op: str
    public: bool
    started_at: _dt.datetime
    done_at: _dt.datetime | None = None
    failed: bool = False


@dataclass
class AccessClock:
    """Observes one pass's engine events (an ``on_event`` callback): the cluster operations that
    apply an endpoint access, when each started (engine timestamp) and when it was done (the
    runner's clock, on receiving the engine's outputs event)."""

    now: Callable[[], _dt.datetime] = _now
    steps: list[ClusterStep] = field(default_factory=list)

    def __call__(self, event: EngineEvent) -> None:
        pre = event.resource_pre_event
        if pre is not None:
            meta = pre.metadata
            op = meta.op.value if isinstance(meta.op, OpType) else str(meta.op)
            state = meta.new
            inputs = dict(state.inputs or {}) if state is not None else {}
            if (op in APPLYING_OPS and state is not None
                    and report.is_cluster_resource(meta.type, inputs, custom=state.custom)):
                public = report.endpoint_public_access(inputs)
                if isinstance(public, bool):
                    self.steps.append(ClusterStep(meta.urn, op, public, _utc(event.timestamp)))
            return
        outputs = event.res_outputs_event
        if outputs is not None:
            step = self._pending(outputs.metadata.urn)
            if step is not None:
                step.done_at = self.now()
            return
        failed = event.res_op_failed_event
        if failed is not None:
            step = self._pending(failed.metadata.urn)
            if step is not None:
                step.failed = True

    def _pending(self, urn: str) -> ClusterStep | None:
        return next((s for s in reversed(self.steps) if s.urn == urn and s.done_at is None and not s.failed), None)


class WindowTracker:
    """Follows the public access across the passes of one run. ``open_since``: the window was
    already open when the run began, since then (None: since an unknown time)."""

    def __init__(self, *, already_open: bool = False, open_since: _dt.datetime | None = None,
                 open_since_source: str = HISTORY):
        self._open = already_open
        self._opened_at = open_since
        self._opened_source = open_since_source
        self.windows: list[Window] = []

    def add(self, clock: AccessClock) -> None:
        for step in clock.steps:
            if step.failed:
                continue
            if step.public and not self._open:
                self._open, self._opened_at, self._opened_source = True, step.started_at, EVENTS
            elif not step.public and self._open and step.done_at is not None:
                source = EVENTS if self._opened_source == EVENTS else f"opened: {self._opened_source}; closed: {EVENTS}"
                self.windows.append(Window(self._opened_at, step.done_at, source))
                self._open, self._opened_at = False, None


def last_window(history: Sequence[Any], state: StackState) -> Window | None:
    """The last window in the stack's update history (newest first, as ``Stack.history`` returns
    it), or None when it holds none. A bootstrap pass opens a window from its start; the next
    succeeded private-phase update closes it at its end. A bootstrap pass with no closing update
    after it is the window still open — unless the stack is not open now (the pass failed before
    the cluster existed): then it opened nothing that can be seen."""
    closed: Window | None = None
    opened_at: _dt.datetime | None = None
    pending = False
    for h in reversed(list(history)):  # oldest first
        phase = update_phase(h)
        if phase == "bootstrap":
            if not pending:
                pending, opened_at = True, _aware(h.start_time)
        elif phase is not None and pending and h.result == "succeeded":
            closed = Window(opened_at, _aware(h.end_time or h.start_time), HISTORY)
            pending, opened_at = False, None
    if state is StackState.BOOTSTRAP:
        if pending:
            return Window(opened_at, None, HISTORY)
        return Window(None, None, HISTORY)  # open, but no bootstrap pass in the history says since when
    return closed

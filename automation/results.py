"""The Runner's typed results (as ``pulumi.automation`` returns ``UpResult``, ``PreviewResult``)."""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from typing import Any

from automation import report
from automation.passes import PendingOperation, StackState
from automation.report import ResourceChange, StackPreview
from automation.window import EVENTS, HISTORY, Window, no_window_json
from components.settings import Phase


@dataclass(frozen=True)
class PassResult:
    number: int
    phase: Phase
    purpose: str
    changes: tuple[ResourceChange, ...]
    summary: dict[str, int]
    duration_seconds: float


@dataclass(frozen=True)
class UpResult:
    stack: str
    passes: tuple[PassResult, ...]
    outputs: dict[str, Any]
    initial_state: StackState
    bootstrap_cidrs: tuple[str, ...] = ()
    bootstrap_cidrs_source: str = ""
    endpoint_public_access: bool = False
    warnings: tuple[str, ...] = ()
    # The post-deploy audit (docs/architecture.md §8): its findings, None when it did not run (audit_error says why).
    audit_findings: tuple[Any, ...] | None = None
    audit_error: str | None = None
    # Every period of this run with the public endpoint on, measured from the engine's events
    # (automation/window.py); empty when it was never on (always with bootstrap="never").
    windows: tuple[Window, ...] = ()
    bootstrap: str = "auto"

    @property
    def audit_clean(self) -> bool:
        return self.audit_findings is not None and not self.audit_findings

    @property
    def window_opened_at(self) -> _dt.datetime | None:
        return self.windows[0].opened_at if self.windows else None

    @property
    def window_closed_at(self) -> _dt.datetime | None:
        return self.windows[-1].closed_at if self.windows else None

    @property
    def window_seconds(self) -> float:
        """How long the public endpoint was on during this run, in all (0 when it never was)."""
        return sum(w.seconds() or 0.0 for w in self.windows)

    def window_json(self) -> dict[str, Any]:
        if not self.windows:
            return no_window_json(EVENTS)
        first, last = self.windows[0].to_json(), self.windows[-1].to_json()
        return {**first, "closedAt": last["closedAt"], "open": False, "seconds": round(self.window_seconds, 1),
                "windows": len(self.windows)}


@dataclass(frozen=True)
class PreviewResult:
    stack: str
    report: StackPreview
    initial_state: StackState
    warnings: tuple[str, ...] = ()

    def markdown(self) -> str:
        return report.stack_markdown(self.report)

    def json(self) -> str:
        return report.to_json(self.report)


@dataclass(frozen=True)
class StatusResult:
    stack: str
    exists: bool
    state: StackState
    phase: str | None = None
    endpoint_public_access: bool | None = None
    since: _dt.datetime | None = None
    last_update: str | None = None
    outputs: dict[str, Any] = field(default_factory=dict)
    pending_operations: tuple[PendingOperation, ...] = ()
    # The cluster's public access as AWS has it (DescribeCluster); None when AWS could not be
    # asked or has no such cluster (``aws_note`` says which).
    aws_public_access: bool | None = None
    aws_note: str = ""
    # The last window in the stack's update history (None: it holds none, the endpoint was never on).
    window: Window | None = None

    # AWS was asked about a cluster the state holds and could not answer (aws_note says why).
    aws_failed: bool = False

    @property
    def window_open(self) -> bool:
        """Whether the public endpoint is (or may be) on: the state says so, AWS says so, or a run
        died applying public access and AWS cannot be asked (automation.window_state.window_open)."""
        from automation.window_state import window_open

        return window_open(self.state, self.pending_operations, self.aws_public_access)

    @property
    def window_unknown(self) -> bool:
        """Not known to be open, but AWS could not be asked about the cluster: never "closed"."""
        return self.aws_failed and not self.window_open

    def to_json(self) -> dict[str, Any]:
        return {"stack": self.stack, "exists": self.exists, "state": self.state.value, "phase": self.phase,
                "endpointPublicAccess": self.endpoint_public_access, "windowOpen": self.window_open,
                "since": self.since.isoformat() if self.since else None, "lastUpdate": self.last_update,
                "window": self.window.to_json() if self.window else no_window_json(HISTORY),
                "outputs": self.outputs, "pendingOperations": [op.to_json() for op in self.pending_operations],
                "awsEndpointPublicAccess": self.aws_public_access, "awsNote": self.aws_note,
                "windowUnknown": self.window_unknown}


@dataclass(frozen=True)
class RemainingResource:
    urn: str
    type: str
    name: str


@dataclass(frozen=True)
class DestroyResult:
    stack: str
    existed: bool
    remaining: tuple[RemainingResource, ...] = ()
    errors: tuple[str, ...] = ()

    @property
    def complete(self) -> bool:
        return not self.remaining

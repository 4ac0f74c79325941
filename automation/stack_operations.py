"""One stack's Pulumi operations as the Runner uses them: a pass (``pulumi up`` of a phase), a
preview of a phase, a refresh, the state read back and whether the window is open (the state, its
pending operations and AWS: :mod:`automation.window_state`), each interruptible by
:meth:`StackOperations.interrupt`; and the loud errors for a window that stays open or that AWS
cannot tell about. The Runner (:mod:`automation.runner`) builds the fail-closed sequence on these.
"""

from __future__ import annotations

import contextlib
import functools
import os
import time
from typing import Any, Callable, Iterator, Mapping, Sequence, TypeVar, cast

from pulumi import automation as auto
from pulumi.automation.events import EngineEvent

from automation import report
from automation.errors import Interrupted, PrivateEksError, WindowLeftOpen
from automation.passes import EgressLookup, Pass, StackState, cluster_resources, dedupe, deployment_outputs, stack_state
from automation.project import Project
from automation.report import EventCollector
from automation.results import PassResult
from automation.window import AccessClock, WindowTracker
from automation.window_state import AwsAnswer, WindowVerdict, ask_aws, judge
from automation.workspace import Workspace, command_summary, pulumi_errors
from components.settings import Phase, StackSettings

Program = Callable[[StackSettings, Phase, Sequence[str]], Any]
OnOutput = Callable[[str], None]
OnEvent = Callable[[EngineEvent], None]
Preflight = Callable[[StackSettings], Sequence[Any]]
Audit = Callable[[StackSettings, Mapping[str, Any]], Sequence[Any]]

UPDATE_MESSAGE = "private-eks: {phase} pass"

_Method = TypeVar("_Method", bound=Callable[..., Any])


def typed_errors(method: _Method) -> _Method:
    """A Pulumi CLI failure that escapes a public method becomes one of the runner's errors. Typed
    to return the method's own signature, so that a type checker still sees ``bootstrap``'s Literal."""

    @functools.wraps(method)
    def wrapper(self: "StackOperations", *args: Any, **kwargs: Any) -> Any:
        try:
            with pulumi_errors(self.stack_name):
                return method(self, *args, **kwargs)
        finally:
            self.workspace.tighten()

    return cast(_Method, wrapper)


class StackOperations:
    """The Pulumi operations and state reads of one stack; :class:`automation.runner.Runner` sets
    the attributes below in its constructor (its docstring says what each option does)."""

    project: Project
    project_dir: os.PathLike[str] | str
    stack_name: str
    settings: StackSettings
    workspace: Workspace
    _on_output: OnOutput | None
    _on_event: OnEvent | None
    _env: dict[str, str]
    _program: Program
    _egress_lookup: EgressLookup | None
    _preflight: Preflight | None
    _audit: Audit | None
    _cluster_access: Callable[[StackSettings], Any] | None
    _interrupts: int
    _aws_clients: Callable[[str], Any] | None

    def interrupt(self) -> None:
        """Stop the run in progress (thread-safe; safe to call from a signal handler).

        The running Pulumi operation is asked to cancel, once: Pulumi finishes the AWS calls in
        flight, saves the state and releases the stack's lock. The run then closes the window if
        it is open and raises :class:`Interrupted`, or :class:`WindowLeftOpen` when the window
        stays open. A second interrupt while the window is being closed stops that too."""
        self._interrupts += 1
        self.workspace.stop()

    def _check_interrupt(self) -> None:
        if self._interrupts:
            raise Interrupted(f"stack {self.stack_name}: interrupted")

    @contextlib.contextmanager
    def _interruptible(self, what: str, closing: bool = False) -> Iterator[None]:
        """A Pulumi operation cancelled by :meth:`interrupt` fails: that failure is the interrupt."""
        try:
            yield
        except (PrivateEksError, auto.CommandError) as e:
            if self._interrupts and not closing:
                raise Interrupted(f"stack {self.stack_name}: interrupted during {what}",
                                  errors=list(getattr(e, "errors", []) or [command_summary(e)])) from None
            raise

    def _run_pass(self, stk: auto.Stack, number: int, total: int, p: Pass, cidrs: Sequence[str],
                  *, label: str = "pass", closing: bool = False, tracker: WindowTracker | None = None) -> PassResult:
        if not closing:
            self._check_interrupt()
        what = "the cluster alone" if p.cluster_only else "the whole program"
        access = f"public access ON for {', '.join(cidrs)}" if p.phase == "bootstrap" else "public access off"
        self._say(f"=== {self.stack_name}: {label} {number}/{total}: {p.phase} ({p.purpose}; {what}; {access}) ===")
        collector = EventCollector()
        clock = AccessClock()
        started = time.monotonic()
        kwargs: dict[str, Any] = {}
        if p.cluster_only:
            urns = [u for u, _ in cluster_resources(self._resources(stk))]
            if urns:
                kwargs = {"target": urns, "target_dependents": False}
        with self._interruptible(f"pass {number} ({p.phase})", closing), \
                pulumi_errors(self.stack_name, f"pass {number} ({p.phase}) of stack {self.stack_name} failed",
                              errors=lambda: collector.errors):
            stk.up(program=self._inline(p.phase, cidrs), on_output=self._on_output, on_error=self._on_output,
                   on_event=self._events(collector, clock), message=UPDATE_MESSAGE.format(phase=p.phase), **kwargs)
        if tracker is not None:
            tracker.add(clock)
        summary = report.change_counts(collector.changes, collector.unchanged)
        duration = time.monotonic() - started
        self._say(f"=== {self.stack_name}: {label} {number}/{total} done in {duration:.1f} s "
                  f"({report.summary_line(summary)}) ===")
        return PassResult(number, p.phase, p.purpose, tuple(collector.changes), summary, duration)

    def _preview_phase(self, stk: auto.Stack, phase: Phase, cidrs: Sequence[str]) -> EventCollector:
        collector = EventCollector()
        with self._interruptible(f"the {phase} preview"), \
                pulumi_errors(self.stack_name, f"preview of the {phase} phase of stack {self.stack_name} failed",
                              errors=lambda: collector.errors):
            stk.preview(program=self._inline(phase, cidrs), on_output=self._on_output, on_error=self._on_output,
                        on_event=self._events(collector), message=f"private-eks: {phase} preview")
        return collector

    def _refresh(self, stk: auto.Stack, *, closing: bool = False) -> None:
        if not closing:
            self._check_interrupt()
        with self._interruptible("the refresh", closing), \
                pulumi_errors(self.stack_name, f"stack {self.stack_name}: reading the state back from AWS (refresh) failed"):
            stk.refresh(on_output=self._on_output, on_error=self._on_output, message="private-eks: refresh from AWS")

    def _clear_dead_lock(self, stk: auto.Stack) -> None:
        """Remove the stack's lock when the run holding it is dead (killed on this machine): no one
        else would ever release it. A lock held by a live process, or by another machine, stays."""
        pids = self.workspace.dead_locks()
        if pids:
            self._say(f"=== {self.stack_name}: removing the lock left by a run that was killed "
                      f"(pid {', '.join(map(str, pids))}, this machine) ===")
            stk.cancel()

    def _inline(self, phase: Phase, cidrs: Sequence[str]) -> Callable[[], None]:
        settings, program, frozen = self.settings, self._program, tuple(cidrs) if phase == "bootstrap" else ()

        def run() -> None:
            import pulumi

            outputs = program(settings, phase, frozen)
            if isinstance(outputs, Mapping):
                for name, value in outputs.items():
                    pulumi.export(name, value)

        return run

    def _events(self, collector: EventCollector, clock: AccessClock | None = None) -> OnEvent:
        user = self._on_event

        def on_event(event: EngineEvent) -> None:
            collector(event)
            if clock is not None:
                clock(event)
            if user is not None:
                user(event)

        return on_event

    def _say(self, line: str) -> None:
        if self._on_output is not None:
            self._on_output(line)

    # ------------------------------------------------------------------- state

    def _state(self, stk: auto.Stack) -> StackState:
        deployment = self.workspace.deployment(stk)
        return stack_state(deployment_outputs(deployment), list(deployment.get("resources") or []))

    def _resources(self, stk: auto.Stack) -> list[dict[str, Any]]:
        return list(self.workspace.deployment(stk).get("resources") or [])

    def _stack(self, *, create: bool) -> auto.Stack | None:
        return self.workspace.select(self._inline("private", ()), create=create)

    def _ask_aws(self) -> AwsAnswer:
        return ask_aws(self._cluster_access, self.settings)

    def _verdict(self, stk: auto.Stack) -> WindowVerdict:
        """Whether the window is open: state, pending operations and AWS (automation.window_state)."""
        return judge(self.workspace.deployment(stk), self._ask_aws)

    def _verdict_or_none(self, stk: auto.Stack, errors: list[str]) -> WindowVerdict | None:
        try:
            return self._verdict(stk)
        except Exception as e:  # state unreadable: treated as open by the callers
            errors.append(f"reading the stack state: {e}")
            return None

    def _window_open(self, stk: auto.Stack) -> bool:
        """Open, or possibly open (AWS could not be asked, the state unreadable): assume the worst."""
        try:
            verdict = self._verdict(stk)
        except Exception:
            return True
        return verdict.open or verdict.unknown

    def _left_open(self, stk: auto.Stack, cidrs: Sequence[str], errors: Sequence[str], why: str) -> WindowLeftOpen:
        """The loud error for a window that stays open: what is open, to whom, and what closes it."""
        return WindowLeftOpen(
            f"SECURITY: stack {self.stack_name}: the cluster's PUBLIC API endpoint is still ON "
            f"(reachable from {', '.join(cidrs) or 'the CIDRs recorded in the stack'}): {why}. Turn it off now: run "
            f"`private-eks up --stack {self.stack_name}`, or `aws eks update-cluster-config --name "
            f"{self.settings.cluster.metadata.name} --resources-vpc-config endpointPublicAccess=false,endpointPrivateAccess=true`.",
            stack=self.stack_name, cidrs=cidrs, errors=dedupe(errors),
        )

    def _unknown(self, verdict: WindowVerdict, errors: Sequence[str]) -> WindowLeftOpen:
        """AWS could not be asked about a cluster that may exist: never reported as closed."""
        return WindowLeftOpen(
            f"SECURITY: stack {self.stack_name}: {verdict.describe()}. The runner cannot tell whether the "
            f"cluster's PUBLIC API endpoint is on; check with `private-eks status --stack {self.stack_name}` or "
            f"`aws eks describe-cluster --name {self.settings.cluster.metadata.name}`, and close it with "
            f"`private-eks close --stack {self.stack_name}`.", stack=self.stack_name, errors=dedupe(errors))

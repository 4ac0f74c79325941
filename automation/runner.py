"""The Runner: the two passes of DESIGN §6 on Pulumi's automation API, failing closed.

Pass 1 (``bootstrap``) builds everything with the API endpoint reachable publicly from a short CIDR
list; pass 2 (``private``) turns public access off. The phase is an argument of an inline
program, so stack files are never edited and a plain ``pulumi up`` always builds ``private``.

The runner fails closed: whenever an operation fails while the cluster's public access is on, it
runs the private pass (again, then targeted at the cluster alone) before giving up with
:class:`WindowLeftOpen`. A stack found with the window open (an interrupted run) is closed first.

Which passes run is decided in :mod:`automation.passes`; the Pulumi workspace (CLI, backend,
secrets, the copy of the stack file) is :mod:`automation.workspace`; errors are
:mod:`automation.errors`; results :mod:`automation.results`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import os
import time
from typing import Any, Callable, Iterator, Mapping, Sequence, TypeVar, cast

from pulumi import automation as auto
from pulumi.automation.events import EngineEvent

from automation import proxy, report, upgrades
from automation.aws import pending_creates
from automation.errors import (
    ConfigurationError,
    Interrupted,
    KubernetesApiNeeded,
    LockedWithWindowOpen,
    OperationFailed,
    PreflightFailed,
    PrivateEksError,
    StackLocked,
    UsageError,
    WindowLeftOpen,
)
from automation.kubernetes_api import KubernetesApiNeed, preview_needs
from automation.passes import (
    BootstrapMode,
    EgressLookup,
    Pass,
    StackState,
    check_bootstrap_mode,
    checkip_egress,
    cluster_resources,
    decide_passes,
    dedupe,
    deployment_outputs,
    derived_close,
    parse_bootstrap_cidrs,
    pending_operations,
    phase_since,
    resolve_bootstrap_cidrs,
    stack_state,
)
from automation.project import Project
from automation.report import EventCollector, PassPreview, StackPreview
from automation.results import DestroyResult, PassResult, PreviewResult, RemainingResource, StatusResult, UpResult
from automation.upgrades import UpgradeRefused
from automation.window import AccessClock, WindowTracker, last_window
from automation.window_state import AwsAnswer, WindowVerdict, ask_aws, judge
from automation.workspace import (
    Workspace,
    command_summary,
    locked_message,
    passphrase_error,
    plain_outputs,
    pulumi_errors,
)
from components.settings import Phase, StackSettings, wide_window

Program = Callable[[StackSettings, Phase, Sequence[str]], Any]
OnOutput = Callable[[str], None]
OnEvent = Callable[[EngineEvent], None]
Preflight = Callable[[StackSettings], Sequence[Any]]
Audit = Callable[[StackSettings, Mapping[str, Any]], Sequence[Any]]

UPDATE_MESSAGE = "private-eks: {phase} pass"
# How long an interrupted Pulumi operation may take to cancel (finish what AWS is doing, save the
# state, release the lock) before the runner stops waiting for it.
INTERRUPT_GRACE = 120.0
# `close`: how long a run in progress (its lock, EKS creating the cluster) is waited for.
CLOSE_WAIT = 1800.0
BUSY_CLUSTER = frozenset({"CREATING", "UPDATING"})


_Method = TypeVar("_Method", bound=Callable[..., Any])


def _typed_errors(method: _Method) -> _Method:
    """A Pulumi CLI failure that escapes a public method becomes one of the runner's errors. Typed
    to return the method's own signature, so that a type checker still sees ``bootstrap``'s Literal."""

    @functools.wraps(method)
    def wrapper(self: "Runner", *args: Any, **kwargs: Any) -> Any:
        try:
            with pulumi_errors(self.stack_name):
                return method(self, *args, **kwargs)
        finally:
            self.workspace.tighten()

    return cast(_Method, wrapper)


def _default_preflight(settings: StackSettings) -> Sequence[Any]:
    from automation.aws.preflight import preflight  # lazily: boto3 is slow to import

    return preflight(settings)


def _default_audit(settings: StackSettings, outputs: Mapping[str, Any]) -> Sequence[Any]:
    from automation.aws.audit import audit_stack

    return audit_stack(settings, outputs)


def _default_cluster_access(settings: StackSettings) -> Any:
    from automation.aws.endpoint_access import cluster_endpoint_access

    return cluster_endpoint_access(settings.region, settings.cluster.metadata.name)


def _default_program(settings: StackSettings, phase: Phase, bootstrap_cidrs: Sequence[str]) -> Any:
    from components.program import build  # lazily: the runner imports without the components

    return build(settings, phase, bootstrap_cidrs=tuple(bootstrap_cidrs))



def _no_cidrs_with_never(bootstrap: str, explicit: Sequence[str]) -> None:
    if bootstrap == "never" and explicit:
        raise UsageError("--bootstrap-cidr has no use with --bootstrap never: the public endpoint is never turned on")

class Runner:
    """Runs one stack of a private-eks project. Output goes to ``on_output`` (engine text and the
    runner's progress lines) and ``on_event`` (engine events); the library never prints.

    ``project_dir`` is the project folder (or a :class:`Project`). ``env`` adds to (and overrides)
    the process environment for every decision and every Pulumi command.
    ``program(settings, phase, bootstrap_cidrs)`` replaces ``components.program.build`` (tests pass
    stand-ins); ``pulumi_command`` replaces the CLI found on ``PATH``. ``egress_lookup(timeout)``
    finds this machine's public address (the last resort for the bootstrap CIDRs; None: never
    look). ``preflight(settings)`` returns problems found before a new stack's pass 1 (any stops
    the run with :class:`PreflightFailed` before anything is created); ``audit(settings, outputs)``
    returns the post-deploy findings ``up()`` puts in its result. Both default to the boto3 checks
    of :mod:`automation.aws`; None skips them. ``cluster_access(settings)`` tells the
    cluster's endpoint access as AWS has it (default: boto3's DescribeCluster; None: never ask),
    which ``status`` and ``up`` compare with the state. :meth:`interrupt` (from a signal handler
    or another thread) stops a run cleanly.
    """

    close_retry_delay = 5.0
    settle_poll = 15.0

    def __init__(
        self,
        project_dir: str | os.PathLike[str] | Project,
        stack: str,
        *,
        on_output: OnOutput | None = None,
        on_event: OnEvent | None = None,
        env: Mapping[str, str] | None = None,
        program: Program | None = None,
        pulumi_command: auto.PulumiCommand | None = None,
        egress_lookup: EgressLookup | None = checkip_egress,
        preflight: Preflight | None = _default_preflight,
        audit: Audit | None = _default_audit,
        cluster_access: Callable[[StackSettings], Any] | None = _default_cluster_access,
    ):
        self.project = project_dir if isinstance(project_dir, Project) else Project.load(project_dir)
        self.project_dir = self.project.dir
        self.stack_name = stack
        self._on_output = on_output
        self._on_event = on_event
        self._env = {**os.environ, **(env or {})}
        self._program = program or _default_program
        self._egress_lookup = egress_lookup
        self._preflight = preflight
        self._audit = audit
        self._cluster_access = cluster_access
        self._interrupts = 0
        self._aws_clients: Callable[[str], Any] | None = None
        self.stack_file = self.project.stack_file(stack)
        self.settings: StackSettings = self.project.settings(stack)
        self.workspace = Workspace(self.project, stack, self.settings, env=self._env, extra_env=env or {},
                                   pulumi_command=pulumi_command)

    # ------------------------------------------------------------------------- public API

    @_typed_errors
    def up(self, *, bootstrap: BootstrapMode = "auto", bootstrap_cidrs: Sequence[str] = (),
           apply_desired_size: bool = False) -> UpResult:
        """Create or update the stack (DESIGN §6). ``bootstrap``: ``auto`` opens the window on
        create and when a change needs the Kubernetes API; ``always`` opens it for this run;
        ``never`` never turns public access on: one private pass, and a change that needs the
        Kubernetes API is refused with :class:`KubernetesApiNeeded` before anything is created or
        changed (a window found open is still closed: that turns public access off).
        ``apply_desired_size``: set the node groups' desired size to the stack file's (otherwise it
        is the starting size only: after creation it is the autoscaler's)."""
        check_bootstrap_mode(bootstrap)
        if apply_desired_size:
            self.settings = dataclasses.replace(self.settings, apply_desired_size=True)
        # Contradictory flags are refused like any bad argument, before anything runs.
        _no_cidrs_with_never(bootstrap, bootstrap_cidrs)
        warnings = self._warn_proxy()
        cidrs: list[str] = []
        source = ""
        checked = created = False
        self._check_interrupt()
        stk = self._stack(create=False)
        if stk is not None:
            self._check_versions(stk)
        if stk is None:
            # A new stack: what can be checked is checked before the stack is created, so that a
            # bad CIDR or a preflight problem leaves nothing behind in the backend.
            explicit = parse_bootstrap_cidrs(bootstrap_cidrs)
            if bootstrap != "never":
                cidrs, source = resolve_bootstrap_cidrs(self.settings, explicit, egress_lookup=self._egress_lookup)
            self._run_preflight()
            checked = created = True
            stk = self._stack(create=True)
            assert stk is not None
        results: list[PassResult] = []
        needs: list[KubernetesApiNeed] = []
        state = StackState.NONE
        tracker = WindowTracker(already_open=False, open_since=None)
        try:
            self._clear_dead_lock(stk)
            # The state can be behind AWS (a run killed while EKS was applying a change): it is
            # brought up to date first, so that a window AWS has open is seen, and closed.
            state = self._recover(stk)
            if state is StackState.BOOTSTRAP:
                self._say(f"=== {self.stack_name}: the public endpoint was found ON (an interrupted run?): "
                          "closing it first ===")
                tracker = WindowTracker(already_open=True, open_since=self._window_opened_at(stk))
            self._refresh_desired_sizes(stk)
            # Parsed here, not before: a bad flag must not keep a window found open from closing
            # (the private pass needs no CIDR); it is refused once the window is closed.
            explicit = parse_bootstrap_cidrs(bootstrap_cidrs)
            # With --bootstrap always the decision needs no preview (and must not depend on one:
            # it is the way out when the private-phase preview itself cannot run). With never,
            # even a new stack is previewed: what needs the Kubernetes API is refused before a change.
            if bootstrap == "never" or (state is not StackState.NONE and bootstrap == "auto"):
                self._check_interrupt()
                self._say(f"=== {self.stack_name}: previewing the private phase to decide the passes ===")
                collector = self._preview_phase(stk, "private", ())
                needs = preview_needs(collector.changes,
                                      authentication_mode=self.settings.cluster.access_config.authentication_mode)
            passes = decide_passes(state, kubernetes_changes=bool(needs), bootstrap=bootstrap)
            if any(p.phase == "bootstrap" for p in passes):
                if not checked:
                    cidrs, source = resolve_bootstrap_cidrs(self.settings, explicit, egress_lookup=self._egress_lookup)
                    if state is StackState.NONE:
                        self._run_preflight()
                wide = wide_window(cidrs)
                if wide:
                    self._say(f"warning: {self.stack_name}: {wide}")
            for number, p in enumerate(passes, 1):
                results.append(self._run_pass(stk, number, len(passes), p, cidrs, tracker=tracker))
        except (PrivateEksError, auto.CommandError, KeyboardInterrupt) as e:
            # Whatever failed — the deciding preview, the CIDRs, a pass, an interrupt — a window
            # found or left open is closed before the error is reported.
            if isinstance(e, KeyboardInterrupt):
                self._interrupts = max(self._interrupts, 1)
            self._fail_closed(stk, e, cidrs)
            raise  # _fail_closed always raises; this keeps type checkers honest
        if bootstrap == "never" and needs:
            self._refuse(stk, needs, closed=state is StackState.BOOTSTRAP, remove=created and state is StackState.NONE)
        final = self._state(stk)
        if final is StackState.BOOTSTRAP:
            self._fail_closed(stk, OperationFailed("the private pass succeeded but public access is still on"), cidrs)
        outputs = plain_outputs(stk.outputs())
        findings, audit_error = self._run_audit(outputs)
        return UpResult(self.stack_name, tuple(results), outputs, state, tuple(cidrs), source,
                        endpoint_public_access=bool(outputs.get("endpointPublicAccess", False)),
                        warnings=tuple(warnings), audit_findings=findings, audit_error=audit_error,
                        windows=tuple(tracker.windows), bootstrap=bootstrap)

    def _remove_preview_stack(self, stk: auto.Stack) -> None:
        """Remove the empty stack entry a run made to preview against; a failure is only a warning."""
        try:
            stk.workspace.remove_stack(self.stack_name)
        except auto.CommandError as e:
            self._say(f"warning: {self.stack_name}: could not remove the empty stack created for the preview: "
                      f"{command_summary(e)}")

    def _refuse(self, stk: auto.Stack, needs: Sequence[KubernetesApiNeed], *, closed: bool, remove: bool) -> None:
        """--bootstrap never and the change needs the Kubernetes API: bad input, nothing applied
        (but a window found open, which has just been closed)."""
        if remove:
            # The stack entry this run made to preview against: a refused create leaves nothing behind.
            self._remove_preview_stack(stk)
        done = ("the public endpoint found on was turned off (the cluster alone); nothing else was changed"
                if closed else "nothing was created or changed")
        raise KubernetesApiNeeded(
            f"stack {self.stack_name}: --bootstrap never, but {len(needs)} change(s) need the Kubernetes API, which "
            f"is reachable from outside the VPC only through a bootstrap window: {done}. Run with --bootstrap auto "
            "to open a window limited to the bootstrap CIDRs, or change the stack (`private-eks plan` says what "
            "needs the API):", needs)

    def _window_opened_at(self, stk: auto.Stack) -> Any:
        """When the window found open was opened, per the stack's update history (None: unknown)."""
        try:
            window = last_window(stk.history(page_size=50), StackState.BOOTSTRAP)
        except auto.CommandError:
            return None
        return window.opened_at if window else None

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

    @_typed_errors
    def preview(self, *, bootstrap: BootstrapMode = "auto", bootstrap_cidrs: Sequence[str] = ()) -> PreviewResult:
        """What ``up`` would do, pass by pass.

        Passes that run against the current state are previewed by the engine. A pass that
        follows a bootstrap pass cannot be: its starting state does not exist yet. The two phases
        differ only in the cluster's endpoint access, so that closing pass is derived from the
        bootstrap pass's preview: the cluster resource(s) updated to public access off, CIDRs
        dropped. The report says which passes were previewed and which were derived.
        """
        check_bootstrap_mode(bootstrap)
        explicit = parse_bootstrap_cidrs(bootstrap_cidrs)
        warnings = self._warn_proxy()
        stk = self._stack(create=False)
        if stk is not None:
            upgrades.check_versions(self.settings, self._resources(stk))
            return self._preview(stk, self._state(stk), explicit, bootstrap, warnings)
        # A preview needs a stack to preview against: an empty one, removed afterwards, so that a
        # pull-request preview leaves nothing behind in the backend.
        stk = self._stack(create=True)
        assert stk is not None
        try:
            return self._preview(stk, StackState.NONE, explicit, bootstrap, warnings)
        finally:
            self._remove_preview_stack(stk)

    def _preview(self, stk: auto.Stack, state: StackState, explicit: Sequence[str], bootstrap: BootstrapMode,
                 warnings: Sequence[str]) -> PreviewResult:
        private: EventCollector | None = None
        needs: list[KubernetesApiNeed] = []
        if state is not StackState.NONE or bootstrap == "never":
            private = self._preview_phase(stk, "private", ())
            needs = preview_needs(private.changes,
                                  authentication_mode=self.settings.cluster.access_config.authentication_mode)
        if bootstrap == "never" and needs:
            closes = "up would close the window found open (the cluster alone) and refuse the rest" \
                if state is StackState.BOOTSTRAP else "up would refuse it before any change"
            raise KubernetesApiNeeded(f"stack {self.stack_name}: --bootstrap never, but {len(needs)} change(s) need the "
                                      f"Kubernetes API: {closes}:", needs)
        passes = decide_passes(state, kubernetes_changes=bool(needs), bootstrap=bootstrap)
        cidrs: list[str] = []
        notes: list[str] = []
        if any(p.phase == "bootstrap" for p in passes):
            cidrs, source = resolve_bootstrap_cidrs(self.settings, explicit, egress_lookup=self._egress_lookup)
            notes.append(f"bootstrap CIDRs from {source}")
        previews: list[PassPreview] = []
        bootstrap_seen: EventCollector | None = None
        for number, p in enumerate(passes, 1):
            if p.phase == "bootstrap":
                self._say(f"=== {self.stack_name}: preview of pass {number}/{len(passes)}: bootstrap ({p.purpose}) ===")
                bootstrap_seen = self._preview_phase(stk, "bootstrap", cidrs)
                previews.append(PassPreview(number, "bootstrap", p.purpose, "previewed", tuple(bootstrap_seen.changes),
                                            bootstrap_seen.unchanged,
                                            description=f"public API access on, limited to {', '.join(cidrs)}"))
            elif bootstrap_seen is None:
                assert private is not None
                description = "public API access off" + (", the cluster alone (no dependents)" if p.cluster_only else "")
                changes = private.changes
                if p.cluster_only:
                    urns = {u for u, _, _ in private.cluster_candidates()}
                    changes = [c for c in changes if c.urn in urns]
                previews.append(PassPreview(number, "private", p.purpose, "previewed", tuple(changes),
                                            private.unchanged, description=description))
            else:
                previews.append(derived_close(number, p, bootstrap_seen))
        result = StackPreview(self.stack_name, self.settings.region, tuple(previews),
                              final_public_access=False, final_private_access=True,
                              bootstrap_cidrs=tuple(cidrs), notes=tuple(notes + [f"current state: {state.value}"]))
        return PreviewResult(self.stack_name, result, state, tuple(warnings))

    @_typed_errors
    def status(self) -> StatusResult:
        stk = self._stack(create=False)
        if stk is None:
            return StatusResult(self.stack_name, False, StackState.NONE)
        # Everything from the exported deployment: no secret is decrypted, so a wrong passphrase
        # still gets the truth about the window.
        deployment = self.workspace.deployment(stk)
        outputs = deployment_outputs(deployment)
        verdict = judge(deployment, self._ask_aws)
        state, pending, aws_public, note = verdict.state, verdict.pending, verdict.aws.public, verdict.aws.note
        try:
            history = stk.history(page_size=50)
        except auto.CommandError as e:
            if not passphrase_error(e):
                raise
            history = []  # it decrypts the config: without the passphrase, no "since"
        phase = outputs.get("endpointPhase") or (None if state is StackState.NONE else state.value)
        since = phase_since(history, state)
        last = None
        if history:
            h = history[0]
            last = f"{h.kind} {h.result} at {h.end_time or h.start_time}"
        public = outputs.get("endpointPublicAccess")
        if state is StackState.BOOTSTRAP:
            public = True
        return StatusResult(self.stack_name, True, state, phase, public, since, last, outputs, pending,
                            aws_public, note, window=last_window(history, state), aws_failed=verdict.aws.failed)

    @_typed_errors
    def close(self, *, wait: float = CLOSE_WAIT) -> str:
        """Close the bootstrap window and change nothing else: the cluster alone, private phase.

        A run still in progress (its lock, or EKS still creating or updating the cluster) is waited
        for, up to ``wait`` seconds: EKS refuses an access change while the cluster is busy, and
        the run being cancelled may still close its own window. Returns what was done; raises
        :class:`WindowLeftOpen` (exit 3) when the window stays open or AWS cannot say."""
        stk = self._stack(create=False)
        if stk is None:
            return "no such stack: nothing to close"
        deadline = time.monotonic() + wait
        errors: list[str] = []
        self._clear_dead_lock(stk)
        self._wait_cluster_settled(deadline)
        for attempt in range(1, 4):
            verdict = self._verdict(stk)
            if verdict.unknown:
                raise self._unknown(verdict, errors)
            if not verdict.open:
                return "the window is closed (public access off)" if attempt > 1 else \
                    f"nothing to close: {verdict.describe()}"
            self._say(f"=== {self.stack_name}: {verdict.describe()}: closing it (the cluster alone) ===")
            step = Pass("private", "close", cluster_only=True)
            try:
                if verdict.behind or verdict.pending:
                    self._locked_retry(deadline, functools.partial(self._recover, stk, closing=True))
                if not cluster_resources(self._resources(stk)):
                    # Without the cluster in the state the pass could not be limited to it.
                    raise self._left_open(stk, (), errors, "the state holds no cluster resource to target, and "
                                          "close changes nothing but the cluster")
                self._locked_retry(deadline, functools.partial(self._run_pass, stk, attempt, 3, step, (),
                                                               label="closing attempt", closing=True))
            except WindowLeftOpen:
                raise
            except StackLocked as e:
                raise self._left_open(stk, (), errors + [str(e)], f"another run still holds the stack's lock after "
                                      f"{wait:.0f} s") from None
            except (PrivateEksError, auto.CommandError) as e:
                errors += list(getattr(e, "errors", []) or [str(e)])
            if self._interrupts:
                break
            self._wait_cluster_settled(deadline)
        raise self._left_open(stk, (), errors, "the close command could not turn it off")

    def _locked_retry(self, deadline: float, step: Callable[[], Any]) -> Any:
        """``step()``, again while another run holds the lock and the deadline is not passed."""
        while True:
            try:
                return step()
            except StackLocked:
                if time.monotonic() + self.close_retry_delay >= deadline or self._interrupts:
                    raise
                self._say(f"=== {self.stack_name}: the stack is locked by a run in progress: waiting ===")
                time.sleep(self.close_retry_delay)

    def _wait_cluster_settled(self, deadline: float) -> None:
        """Until EKS is no longer creating or updating the cluster (AWS asked; unknown: no wait)."""
        while self._cluster_access is not None and time.monotonic() < deadline and not self._interrupts:
            try:
                access = self._cluster_access(self.settings)
            except Exception:  # said by the verdict that follows
                return
            if access is None or str(getattr(access, "status", "")).upper() not in BUSY_CLUSTER:
                return
            self._say(f"=== {self.stack_name}: EKS is still {access.status} the cluster: waiting ===")
            time.sleep(max(0.1, min(self.settle_poll, deadline - time.monotonic())))

    @_typed_errors
    def destroy(self, *, force: bool = False) -> DestroyResult:
        stk = self._stack(create=False)
        if stk is None:
            return DestroyResult(self.stack_name, False)
        # EKS would refuse to delete the cluster only after the node groups and the rest are gone.
        upgrades.check_destroy(self.settings, self._resources(stk))
        errors: list[str] = []
        self._say(f"=== {self.stack_name}: destroy ===")
        attempts = 2 if force else 1
        for attempt in range(attempts):
            collector = EventCollector()
            try:
                # --force: delete whatever can be deleted even when some deletions fail, then once
                # more (a deletion can fail only because of the order), then report what is left.
                stk.destroy(on_output=self._on_output, on_error=self._on_output, on_event=self._events(collector),
                            message="private-eks: destroy", continue_on_error=True if force else None)
                break
            except auto.ConcurrentUpdateError as e:
                raise StackLocked(locked_message(self.stack_name), errors=[command_summary(e)]) from None
            except auto.CommandError as e:
                errors += collector.errors or [command_summary(e)]
                if not force:
                    self._destroy_left_open(stk, errors, "the destroy failed")
                    raise OperationFailed(f"destroy of stack {self.stack_name} failed (use --force to carry on past errors)",
                                          errors=errors) from None
                if attempt + 1 < attempts:
                    self._say(f"=== {self.stack_name}: destroy failed; carrying on past errors (--force): retrying ===")
        remaining = tuple(
            RemainingResource(r["urn"], r.get("type", ""), report.resource_name(r["urn"]))
            for r in self._resources(stk)
            if r.get("custom") and not r.get("type", "").startswith("pulumi:providers:")
        )
        if remaining:
            self._destroy_left_open(stk, errors, f"the destroy left {len(remaining)} resource(s), the cluster among them")
        return DestroyResult(self.stack_name, True, remaining, tuple(dedupe(errors)))

    def _destroy_left_open(self, stk: auto.Stack, errors: Sequence[str], what: str) -> None:
        """A destroy that ends with the cluster still there and public is a security problem (exit 3)."""
        try:
            verdict = self._verdict(stk)
        except Exception:  # the state unreadable: assume the worst
            verdict = None
        if verdict is not None and verdict.unknown:
            raise self._unknown(verdict, errors)
        if verdict is None or verdict.open:
            raise self._left_open(stk, (), errors, f"{what}. Close the window first with close, then destroy again")

    @_typed_errors
    def audit(self, *, session: Any = None) -> list[Any]:
        """Post-deploy checks (automation.aws.audit) against this stack's outputs."""
        from automation.aws.audit import audit_stack  # lazily: boto3 checks live elsewhere

        stk = self._stack(create=False)
        outputs = plain_outputs(stk.outputs()) if stk is not None else {}
        return audit_stack(self.settings, outputs, session=session)

    def check_environment(self) -> None:
        """Raise ConfigurationError now if the Pulumi CLI, the state backend or its passphrase is missing."""
        self.workspace.check()

    # ----------------------------------------------------------------------- the passes

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

    def _run_preflight(self) -> None:
        if self._preflight is None:
            return
        self._say(f"=== {self.stack_name}: preflight checks ===")
        try:
            findings = list(self._preflight(self.settings))
        except PrivateEksError:
            raise
        except Exception as e:  # AWS unreachable, credentials refused: nothing was checked
            raise OperationFailed(f"stack {self.stack_name}: the preflight checks could not run: {e}") from None
        if findings:
            raise PreflightFailed(
                f"stack {self.stack_name}: the preflight checks found {len(findings)} problem(s); nothing was created",
                findings)

    def _run_audit(self, outputs: Mapping[str, Any]) -> tuple[tuple[Any, ...] | None, str | None]:
        """DESIGN §8: the audit after the last pass. It cannot undo the run, so a failure to run it
        is reported in the result, not raised."""
        if self._audit is None:
            return None, "no audit configured"
        self._say(f"=== {self.stack_name}: post-deploy audit ===")
        try:
            findings = tuple(self._audit(self.settings, outputs))
        except Exception as e:  # AWS unreachable, credentials refused: nothing is known
            self._say(f"warning: {self.stack_name}: the post-deploy audit could not run: {e}")
            return None, str(e)
        if findings:
            self._say(f"{self.stack_name}: the post-deploy audit found {len(findings)} problem(s):")
            for f in findings:
                self._say(f"  [{getattr(f, 'check', '?')}] {f}")
        else:
            self._say(f"{self.stack_name}: post-deploy audit: no findings")
        return findings, None

    def _fail_closed(self, stk: auto.Stack, cause: BaseException, cidrs: Sequence[str]) -> None:
        """Raise the right error for a failed run, closing the window first when it is open."""
        errors = list(getattr(cause, "errors", []) or [])
        if not errors and isinstance(cause, auto.CommandError):
            errors = [command_summary(cause)]
        interrupted = self._interrupts > 0
        if interrupted:
            # The cancelled Pulumi operation ends first: it holds the lock every closing attempt needs.
            if not self.workspace.wait(INTERRUPT_GRACE):
                raise self._left_open(stk, cidrs, errors, f"interrupted, and the Pulumi operation did not end within "
                                      f"{INTERRUPT_GRACE:.0f} s (it still holds the stack's lock)")
            self.workspace.resume()
            self._clear_dead_lock(stk)
            cause = Interrupted(f"stack {self.stack_name}: interrupted", errors=errors)
        if isinstance(cause, StackLocked):
            # Another run holds the stack: any open window is that run's to close, and every
            # closing attempt of ours would hit the same lock. But an open window is said loudly.
            if self._window_open(stk) and not isinstance(cause, LockedWithWindowOpen):
                raise LockedWithWindowOpen(
                    f"SECURITY: stack {self.stack_name}: the cluster's PUBLIC API endpoint is ON and {cause}. "
                    "A run in progress closes its own window; if none is running, remove the lock and run "
                    f"`private-eks up --stack {self.stack_name}` to close it.",
                    stack=self.stack_name, errors=errors) from None
            raise cause
        verdict = self._verdict_or_none(stk, errors)
        if verdict is not None and verdict.unknown:
            raise self._unknown(verdict, errors)
        if verdict is not None and not verdict.open:
            if isinstance(cause, Interrupted):
                raise Interrupted(f"{cause}; the public endpoint is off (the window is closed)", errors=errors) from None
            if isinstance(cause, PrivateEksError):
                raise cause
            raise OperationFailed(f"stack {self.stack_name}: {_describe(cause)}", errors=errors) from None
        self._say(f"=== {self.stack_name}: {'INTERRUPTED' if interrupted else 'FAILED'} with the public endpoint ON "
                  "— closing the window (fail closed) ===")
        if not interrupted:
            # The Pulumi CLI may have died alone, leaving its lock: no one else would release it.
            with contextlib.suppress(auto.CommandError):
                self._clear_dead_lock(stk)
        attempts = [Pass("private", "fail closed"), Pass("private", "fail closed, retry"),
                    Pass("private", "fail closed, cluster only", cluster_only=True)]
        for i, p in enumerate(attempts, 1):
            if self._interrupts > 1:
                errors.append("interrupted again while closing the window: the closing attempts were stopped")
                break
            if i > 1 and self.close_retry_delay:
                time.sleep(self.close_retry_delay)
            try:
                if verdict is None or verdict.behind or verdict.pending:
                    # The state is behind AWS (a pending create, or public access it never heard
                    # of): a private pass against it would change nothing. Read AWS back first.
                    self._recover(stk, closing=True)
                self._run_pass(stk, i, len(attempts), p, cidrs, label="closing attempt", closing=True)
            except (PrivateEksError, auto.CommandError) as e:
                errors += list(getattr(e, "errors", []) or [str(e)])
            try:
                verdict = self._verdict(stk)
                if verdict.unknown:
                    raise self._unknown(verdict, errors)
                if not verdict.open:
                    self._say(f"=== {self.stack_name}: the window is closed (public access off) ===")
                    if isinstance(cause, ConfigurationError):
                        raise ConfigurationError(f"{cause} (the public endpoint found on was turned off)") from None
                    kind = Interrupted if interrupted else OperationFailed
                    raise kind(
                        f"stack {self.stack_name}: {_describe(cause)}; the public endpoint was turned off again "
                        "(the window is closed)", errors=dedupe(errors)) from None
            except PrivateEksError:
                raise
            except Exception as e:  # state unreadable: try the next attempt
                errors.append(f"reading the stack state: {e}")
        raise self._left_open(stk, cidrs, errors, ("interrupted, and " if interrupted else "")
                              + f"the runner could not turn it off ({len(attempts)} attempts at most)")

    def _left_open(self, stk: auto.Stack, cidrs: Sequence[str], errors: Sequence[str], why: str) -> WindowLeftOpen:
        """The loud error for a window that stays open: what is open, to whom, and what closes it."""
        return WindowLeftOpen(
            f"SECURITY: stack {self.stack_name}: the cluster's PUBLIC API endpoint is still ON "
            f"(reachable from {', '.join(cidrs) or 'the CIDRs recorded in the stack'}): {why}. Turn it off now: run "
            f"`private-eks up --stack {self.stack_name}`, or `aws eks update-cluster-config --name "
            f"{self.settings.cluster.metadata.name} --resources-vpc-config endpointPublicAccess=false,endpointPrivateAccess=true`.",
            stack=self.stack_name, cidrs=cidrs, errors=dedupe(errors),
        )

    def _recover(self, stk: auto.Stack, *, closing: bool = False) -> StackState:
        """The stack's state, first brought up to date with AWS when a killed run left it behind:
        pending operations (the cluster's create or update that AWS carried out while the state
        never heard of it), or a cluster whose public access differs between AWS and the state.
        A pending create of the cluster that AWS has is adopted (what ``pulumi refresh
        --import-pending-creates`` does: the operation becomes the resource, with the cluster's
        name as its id), then a refresh reads every resource back from AWS."""
        deployment = self.workspace.deployment(stk)
        resources = list(deployment.get("resources") or [])
        state = stack_state(deployment_outputs(deployment), resources)
        pending = pending_operations(deployment)
        has_cluster = bool(cluster_resources(resources)) or any(op.cluster for op in pending)
        if not has_cluster and not pending:
            return state
        answer = self._ask_aws() if has_cluster else AwsAnswer(None, "")
        aws_public, note = answer.public, answer.note
        behind = aws_public is not None and aws_public != (state is StackState.BOOTSTRAP)
        if not pending and not behind:
            return state
        what = ", ".join(f"{op.type} {report.resource_name(op.urn)}" for op in pending) or \
            f"AWS has public access {'ON' if aws_public else 'off'}"
        self._say(f"=== {self.stack_name}: the state is behind AWS ({what}{'; ' + note if note else ''}): "
                  "reading it back from AWS ===")
        if any(op.type == "creating" for op in pending):
            # A refresh first: it takes the stack's lock, so a run still in progress (whose
            # operations are pending too) is never overwritten by the adoption below.
            self._refresh(stk, closing=closing)
            exported = stk.export_stack()
            deployment, done = pending_creates.resolve(dict(exported.deployment or {}), self._find_created)
            for line in done.lines():
                self._say(f"=== {self.stack_name}: {line} ===")
            if done.adopted or done.cleared:
                stk.import_stack(auto.Deployment(version=exported.version, deployment=deployment))
        self._refresh(stk, closing=closing)
        state = self._state(stk)
        return StackState.BOOTSTRAP if aws_public else state

    def _check_versions(self, stk: auto.Stack) -> None:
        """EKS's upgrade order, against the deployed versions: refused before anything runs. Closing
        a window found open would apply the refused version, so such a refusal is the loud exit 3."""
        try:
            upgrades.check_versions(self.settings, self._resources(stk))
        except UpgradeRefused as refused:
            errors: list[str] = []
            verdict = self._verdict_or_none(stk, errors)
            if verdict is None or verdict.open:
                raise self._left_open(stk, (), errors, f"{refused}; the window found open was not closed, as "
                                      "closing it would apply the refused version: fix metadata.version and run "
                                      "`private-eks up` again") from None
            if verdict.unknown:
                raise self._unknown(verdict, errors) from None
            raise

    def _refresh_desired_sizes(self, stk: auto.Stack) -> None:
        """Read the node groups' sizes back from AWS before a run: with the desired size ignored
        (the autoscaler's), a change to min or max sends the desired size the state holds, which
        must be the autoscaler's, not the one the stack last applied."""
        urns = [] if self.settings.apply_desired_size else upgrades.autoscaled_urns(self._resources(stk))
        if not urns:
            return
        self._check_interrupt()
        self._say(f"=== {self.stack_name}: reading {len(urns)} node group size(s) back from AWS "
                  "(the autoscaler owns the desired size) ===")
        with self._interruptible("the refresh"), \
                pulumi_errors(self.stack_name, f"stack {self.stack_name}: reading the node groups back from AWS failed"):
            stk.refresh(target=urns, on_output=self._on_output, on_error=self._on_output,
                        message="private-eks: refresh node group sizes")

    def _find_created(self, resource: Mapping[str, Any]) -> str | None:
        """AWS's id for a pending create (automation.aws.pending_creates); the cluster through
        ``cluster_access``, which also knows the engine tests' stand-in."""
        inputs = resource.get("inputs") or {}
        if report.is_cluster_resource(resource.get("type", ""), inputs, custom=resource.get("custom", True)):
            answer = self._ask_aws()
            if answer.failed or self._cluster_access is None:
                raise pending_creates.CannotTell(answer.note)
            return None if answer.public is None else str(inputs.get("name") or self.settings.cluster.metadata.name)
        if self._aws_clients is None:
            self._aws_clients = pending_creates.boto3_clients(self.settings.region)
        return pending_creates.find(resource, self._aws_clients)

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

    def _preview_phase(self, stk: auto.Stack, phase: Phase, cidrs: Sequence[str]) -> EventCollector:
        collector = EventCollector()
        with self._interruptible(f"the {phase} preview"), \
                pulumi_errors(self.stack_name, f"preview of the {phase} phase of stack {self.stack_name} failed",
                              errors=lambda: collector.errors):
            stk.preview(program=self._inline(phase, cidrs), on_output=self._on_output, on_error=self._on_output,
                        on_event=self._events(collector), message=f"private-eks: {phase} preview")
        return collector

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

    def _warn_proxy(self) -> list[str]:
        warnings = proxy.proxy_warnings(self._env, self.settings)
        for w in warnings:
            self._say(f"warning: {self.stack_name}: {w}")
        return warnings

    # ------------------------------------------------------------------- state

    def _state(self, stk: auto.Stack) -> StackState:
        deployment = self.workspace.deployment(stk)
        return stack_state(deployment_outputs(deployment), list(deployment.get("resources") or []))

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

    def _unknown(self, verdict: WindowVerdict, errors: Sequence[str]) -> WindowLeftOpen:
        """AWS could not be asked about a cluster that may exist: never reported as closed."""
        return WindowLeftOpen(
            f"SECURITY: stack {self.stack_name}: {verdict.describe()}. The runner cannot tell whether the "
            f"cluster's PUBLIC API endpoint is on; check with `private-eks status --stack {self.stack_name}` or "
            f"`aws eks describe-cluster --name {self.settings.cluster.metadata.name}`, and close it with "
            f"`private-eks close --stack {self.stack_name}`.", stack=self.stack_name, errors=dedupe(errors))

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

    def _window_open(self, stk: auto.Stack) -> bool:
        """Open, or possibly open (AWS could not be asked, the state unreadable): assume the worst."""
        try:
            verdict = self._verdict(stk)
        except Exception:
            return True
        return verdict.open or verdict.unknown

    def _resources(self, stk: auto.Stack) -> list[dict[str, Any]]:
        return list(self.workspace.deployment(stk).get("resources") or [])

    def _stack(self, *, create: bool) -> auto.Stack | None:
        return self.workspace.select(self._inline("private", ()), create=create)


def _describe(cause: BaseException) -> str:
    if isinstance(cause, KeyboardInterrupt):
        return "interrupted"
    return str(cause) or type(cause).__name__

"""The Runner: the two passes on Pulumi's automation API, failing closed (docs/architecture.md).

Pass 1 (``bootstrap``) builds everything with the API endpoint reachable publicly from a short CIDR
list; pass 2 (``private``) turns public access off. The phase is an argument of an inline
program, so stack files are never edited and a plain ``pulumi up`` always builds ``private``.

The runner fails closed: whenever an operation fails while the cluster's public access is on, it
runs the private pass (again, then targeted at the cluster alone) before giving up with
:class:`WindowLeftOpen`. A stack found with the window open (an interrupted run) is closed first.

This module is the sequence; its parts are beside it: which passes run is decided in
:mod:`automation.passes`; the Pulumi operations, the state and the window's verdict are
:mod:`automation.stack_operations`; bringing the state back in line with AWS is
:mod:`automation.recovery`; closing the window (fail closed, ``close``) is :mod:`automation.closing`;
the preview's passes :mod:`automation.previewing`. The Pulumi workspace (CLI, backend, secrets, the
copy of the stack file) is :mod:`automation.workspace`; errors are :mod:`automation.errors`;
results :mod:`automation.results`.
"""

from __future__ import annotations

import dataclasses
import os
from typing import Any, Callable, Mapping, Sequence

from pulumi import automation as auto

from automation import proxy, report, upgrades
from automation.closing import CLOSE_WAIT, INTERRUPT_GRACE, Closing
from automation.errors import (
    KubernetesApiNeeded,
    OperationFailed,
    PreflightFailed,
    PrivateEksError,
    StackLocked,
    UsageError,
)
from automation.kubernetes_api import KubernetesApiNeed, preview_needs
from automation.passes import (
    BootstrapMode,
    EgressLookup,
    StackState,
    check_bootstrap_mode,
    checkip_egress,
    decide_passes,
    dedupe,
    deployment_outputs,
    parse_bootstrap_cidrs,
    phase_since,
    resolve_bootstrap_cidrs,
)
from automation.previewing import Previewing
from automation.project import Project
from automation.relay.run import InvokerFactory, lambda_invoker, uses_relay
from automation.report import EventCollector
from automation.results import DestroyResult, PassResult, PreviewResult, RemainingResource, StatusResult, UpResult
from automation.stack_operations import UPDATE_MESSAGE, Audit, OnEvent, OnOutput, Preflight, Program, typed_errors
from automation.window import WindowTracker, last_window
from automation.window_state import judge
from automation.workspace import Workspace, command_summary, locked_message, passphrase_error, plain_outputs
from components.settings import Phase, StackSettings, wide_window

__all__ = ["CLOSE_WAIT", "INTERRUPT_GRACE", "UPDATE_MESSAGE", "Runner"]


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

class Runner(Closing, Previewing):
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
    which ``status`` and ``up`` compare with the state. ``relay_invoker(settings, function_name)``
    returns what invokes the stack's relay function with one request event (default: boto3's Lambda
    Invoke; docs/architecture.md §11). :meth:`interrupt` (from a signal handler or another thread)
    stops a run cleanly.
    """

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
        relay_invoker: InvokerFactory = lambda_invoker,
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
        self._relay_invoker = relay_invoker
        self._interrupts = 0
        self._aws_clients: Callable[[str], Any] | None = None
        self.stack_file = self.project.stack_file(stack)
        self.settings: StackSettings = self.project.settings(stack)
        self.workspace = Workspace(self.project, stack, self.settings, env=self._env, extra_env=env or {},
                                   pulumi_command=pulumi_command)

    # ------------------------------------------------------------------------- public API

    @typed_errors
    def up(self, *, bootstrap: BootstrapMode = "auto", bootstrap_cidrs: Sequence[str] = (),
           apply_desired_size: bool = False) -> UpResult:
        """Create or update the stack (docs/architecture.md, the runner). ``bootstrap``: ``auto`` opens the window on
        create and when a change needs the Kubernetes API; ``always`` opens it for this run;
        ``never`` never turns public access on: one private pass, and a change that needs the
        Kubernetes API is refused with :class:`KubernetesApiNeeded` before anything is created or
        changed (a window found open is still closed: that turns public access off). A stack with
        ``privateCluster.apiRelay`` writes through the relay: one private pass, no window, under
        ``auto`` and ``never`` alike; ``always`` still opens the window.
        ``apply_desired_size``: set the node groups' desired size to the stack file's (otherwise it
        is the starting size only: after creation it is the autoscaler's)."""
        check_bootstrap_mode(bootstrap)
        if apply_desired_size:
            self.settings = dataclasses.replace(self.settings, apply_desired_size=True)
        # Contradictory flags are refused like any bad argument, before anything runs.
        _no_cidrs_with_never(bootstrap, bootstrap_cidrs)
        relay = uses_relay(self.settings, bootstrap)
        # Through the relay nothing needs a window: the passes are those of `never` with no need.
        mode: BootstrapMode = "never" if relay else bootstrap
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
            if mode != "never":
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
            # Parsed here, not before: a bad flag must not keep a window found open from closing
            # (the private pass needs no CIDR); it is refused once the window is closed.
            explicit = parse_bootstrap_cidrs(bootstrap_cidrs)
            # With --bootstrap always the decision needs no preview (and must not depend on one:
            # it is the way out when the private-phase preview itself cannot run). With never,
            # even a new stack is previewed: what needs the Kubernetes API is refused before a change.
            if not relay and (mode == "never" or (state is not StackState.NONE and mode == "auto")):
                self._check_interrupt()
                self._say(f"=== {self.stack_name}: previewing the private phase to decide the passes ===")
                collector = self._preview_phase(stk, "private", ())
                needs = preview_needs(collector.changes,
                                      authentication_mode=self.settings.cluster.access_config.authentication_mode)
            passes = decide_passes(state, kubernetes_changes=bool(needs), bootstrap=mode)
            if any(p.phase == "bootstrap" for p in passes):
                if not checked:
                    cidrs, source = resolve_bootstrap_cidrs(self.settings, explicit, egress_lookup=self._egress_lookup)
                    if state is StackState.NONE:
                        self._run_preflight()
                wide = wide_window(cidrs)
                if wide:
                    self._say(f"warning: {self.stack_name}: {wide}")
            if passes:
                # Only before a pass applies anything: a refused run leaves the state as it found it.
                self._refresh_desired_sizes(stk)
            # Under --bootstrap always too: the stack's provider reaches the API only through the relay.
            with self._relay(stk, self.settings.cluster.private_cluster.api_relay.enabled):
                for number, p in enumerate(passes, 1):
                    results.append(self._run_pass(stk, number, len(passes), p, cidrs, tracker=tracker))
        except (PrivateEksError, auto.CommandError, KeyboardInterrupt) as e:
            # Whatever failed — the deciding preview, the CIDRs, a pass, an interrupt — a window
            # found or left open is closed before the error is reported.
            if isinstance(e, KeyboardInterrupt):
                self._interrupts = max(self._interrupts, 1)
            self._fail_closed(stk, e, cidrs)
            raise  # _fail_closed always raises; this keeps type checkers honest
        if mode == "never" and needs:
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

    @typed_errors
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

    @typed_errors
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

    @typed_errors
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
                with self._relay(stk, self.settings.cluster.private_cluster.api_relay.enabled):
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

    @typed_errors
    def audit(self, *, session: Any = None) -> list[Any]:
        """Post-deploy checks (automation.aws.audit) against this stack's outputs."""
        from automation.aws.audit import audit_stack  # lazily: boto3 checks live elsewhere

        stk = self._stack(create=False)
        outputs = plain_outputs(stk.outputs()) if stk is not None else {}
        return audit_stack(self.settings, outputs, session=session)

    def check_environment(self) -> None:
        """Raise ConfigurationError now if the Pulumi CLI, the state backend or its passphrase is missing."""
        self.workspace.check()

    # ----------------------------------------------------------------- before and after the passes

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
        """The audit after the last pass (docs/architecture.md, invariants). It cannot undo the run, so a failure to run it
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

    def _warn_proxy(self) -> list[str]:
        warnings = proxy.proxy_warnings(self._env, self.settings)
        for w in warnings:
            self._say(f"warning: {self.stack_name}: {w}")
        return warnings

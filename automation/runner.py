"""The runner: the two passes of DESIGN §6 on Pulumi's automation API.

Pass 1 (``bootstrap``) builds everything with the API endpoint reachable publicly from a short CIDR
list; pass 2 (``private``) turns public access off. The phase is an argument of an inline
program, so stack files are never edited and a plain ``pulumi up`` always builds ``private``.

The runner fails closed: whenever an operation fails while the cluster's public access is on, it
runs the private pass (again, then targeted at the cluster alone) before giving up with
:class:`WindowLeftOpen`. A stack found with the window open (an interrupted run) is closed first.

Stack files stay untouched: the Pulumi CLI writes secrets-provider keys (``encryptionsalt``) into
the stack's config file, so the runner's workspace is a copy of ``Pulumi.yaml`` and the stack
file under ``.pulumi-state/workspaces/<stack>/``, refreshed from the user's files before every
operation and keeping only the keys Pulumi added.

Bootstrap CIDRs, in order of precedence:
  1. ``bootstrap_cidrs`` (``--bootstrap-cidr``): an explicit choice for this run wins;
  2. ``vpc.publicAccessCIDRs`` of the stack file;
  3. the runner's egress address (``/32``), when a lookup finds it within a few seconds.
Otherwise :class:`ConfigurationError`. ``0.0.0.0/0`` is used only when written out.
"""

from __future__ import annotations

import datetime as _dt
import functools
import ipaddress
import json
import os
import re
import shutil
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any, Callable, Iterable, Literal, Mapping, Sequence

import yaml
from pulumi import automation as auto
from pulumi.automation.events import EngineEvent

from automation import proxy, report
from automation.report import EventCollector, PassPreview, ResourceChange, StackPreview
from components.settings import Phase, StackSettings, load_project_stack

BootstrapMode = Literal["auto", "always"]
Program = Callable[[StackSettings, Phase, Sequence[str]], Any]
EgressLookup = Callable[[float], str]
OnOutput = Callable[[str], None]
OnEvent = Callable[[EngineEvent], None]

STATE_DIR = ".pulumi-state"
DIY_SCHEMES = ("file://", "s3://", "gs://", "azblob://")
SECRETS_KEYS = ("encryptionsalt", "secretsprovider", "encryptedkey")
UPDATE_MESSAGE = "private-eks: {phase} pass"
EGRESS_TIMEOUT = 5.0
CHECKIP_URL = "https://checkip.amazonaws.com"


# -------------------------------------------------------------------------------------- errors


class RunnerError(Exception):
    """Base of the runner's errors."""


class ConfigurationError(RunnerError):
    """Bad input or environment (no CLI, no passphrase, no bootstrap CIDR): nothing was run. Exit 2."""


class PreflightFailed(ConfigurationError):
    """The preflight checks found problems that would make pass 1 fail; nothing was created."""

    def __init__(self, message: str, findings: Sequence[Any]):
        super().__init__(message)
        self.findings = list(findings)


class OperationFailed(RunnerError):
    """The operation failed and nothing is left exposed (the window is closed or was never open). Exit 1."""

    def __init__(self, message: str, *, errors: Sequence[str] = ()):
        super().__init__(message)
        self.errors = list(errors)


class StackLocked(OperationFailed):
    """Another update of the stack is running (or a crashed one left its lock)."""


class WindowLeftOpen(RunnerError):
    """The cluster's public endpoint is still on and the runner could not turn it off. Exit 3."""

    def __init__(self, message: str, *, stack: str, cidrs: Sequence[str] = (), errors: Sequence[str] = ()):
        super().__init__(message)
        self.stack = stack
        self.cidrs = list(cidrs)
        self.errors = list(errors)


class LockedWithWindowOpen(WindowLeftOpen, StackLocked):
    """Another update holds the stack's lock while the public endpoint is on. Exit 3.

    A run in progress closes its own window; a crashed run's lock leaves it open until the lock is
    removed. The runner cannot tell the two apart, so it does not fight over the window, but it
    does not call the outcome safe either.
    """

    def __init__(self, message: str, *, stack: str, errors: Sequence[str] = ()):
        WindowLeftOpen.__init__(self, message, stack=stack, errors=errors)



# ----------------------------------------------------------------------------- pass decision


class StackState(str, Enum):
    NONE = "none"            # no stack, or nothing of the cluster yet
    BOOTSTRAP = "bootstrap"  # the window is open (public access on)
    PRIVATE = "private"      # the cluster exists, public access off


@dataclass(frozen=True)
class Pass:
    phase: Phase
    purpose: str
    # Only the cluster resource(s), without dependents: closes the window without touching
    # anything that would need the (about to be unreachable) Kubernetes API.
    cluster_only: bool = False


def decide_passes(state: StackState, *, kubernetes_changes: bool, bootstrap: BootstrapMode = "auto") -> list[Pass]:
    """The passes an ``up`` runs, from the stack's state, whether the private-phase preview needs
    the Kubernetes API, and the ``bootstrap`` option.

    - new stack: open (create everything), then close;
    - window found open (resume): close first — the whole private pass when that needs no
      Kubernetes API, else the cluster alone and then a fresh bootstrap/private pair;
    - private stack: the private pass alone, unless the change needs the Kubernetes API or
      ``bootstrap="always"``: then open, apply, close.
    """
    if bootstrap not in ("auto", "always"):
        raise ConfigurationError(f"bootstrap must be 'auto' or 'always', not {bootstrap!r}")
    reopen = kubernetes_changes or bootstrap == "always"
    if state is StackState.NONE:
        return [Pass("bootstrap", "create"), Pass("private", "close")]
    if state is StackState.BOOTSTRAP:
        if not reopen:
            return [Pass("private", "resume: close")]
        return [Pass("private", "resume: close", cluster_only=True),
                Pass("bootstrap", "apply (Kubernetes API)"), Pass("private", "close")]
    if not reopen:
        return [Pass("private", "apply")]
    return [Pass("bootstrap", "apply (Kubernetes API)"), Pass("private", "close")]


KUBERNETES_MAPPING_TYPES = frozenset({"eks:index:NodeGroup", "eks:index:NodeGroupV2", "eks:index:ManagedNodeGroup"})


def needs_kubernetes_api(changes: Iterable[ResourceChange], authentication_mode: str = "API") -> bool:
    """Whether applying these changes talks to the Kubernetes API: any change to a ``kubernetes:``
    resource; with a ConfigMap authentication mode also aws-auth changes, which node groups cause."""
    configmap = authentication_mode in ("CONFIG_MAP", "API_AND_CONFIG_MAP")
    for c in changes:
        if c.op in report.NO_CHANGE_OPS:
            continue
        if c.type.startswith("kubernetes:"):
            return True
        if configmap and ("aws-auth" in c.name or c.type in KUBERNETES_MAPPING_TYPES):
            return True
    return False


def stack_state(outputs: Mapping[str, Any], resources: Sequence[Mapping[str, Any]]) -> StackState:
    """The state from the stack's outputs and its resources (``export_stack`` form).

    The resources win over the outputs: a failed update does not refresh the outputs, but the
    cluster resource's recorded state tells whether public access is on."""
    clusters = cluster_resources(resources)
    if any(public for _, public in clusters):
        return StackState.BOOTSTRAP
    phase = outputs.get("endpointPhase")
    if phase == "bootstrap" or outputs.get("endpointPublicAccess") is True:
        return StackState.BOOTSTRAP if not clusters else StackState.PRIVATE
    if phase == "private" or clusters:
        return StackState.PRIVATE
    return StackState.NONE


def cluster_resources(resources: Sequence[Mapping[str, Any]]) -> list[tuple[str, bool]]:
    """(urn, public access on) of the cluster resources in a deployment."""
    found = []
    for r in resources:
        if r.get("delete"):
            continue
        props = r.get("outputs") or r.get("inputs") or {}
        if not report.is_cluster_resource(r.get("type", ""), props, custom=r.get("custom", True)):
            continue
        if "endpointPublicAccess" in props:
            public = props.get("endpointPublicAccess")
        else:
            public = (props.get("vpcConfig") or {}).get("endpointPublicAccess")
        found.append((r.get("urn", ""), public is True))
    return found


# ---------------------------------------------------------------------------- bootstrap CIDRs


def checkip_egress(timeout: float) -> str:
    """The address this machine reaches the internet from, per AWS's checkip service."""
    with urllib.request.urlopen(CHECKIP_URL, timeout=timeout) as response:  # noqa: S310 (fixed https URL)
        return response.read(64).decode("ascii", "replace").strip()


def resolve_bootstrap_cidrs(
    settings: StackSettings,
    explicit: Sequence[str] = (),
    *,
    egress_lookup: EgressLookup | None = checkip_egress,
    timeout: float = EGRESS_TIMEOUT,
) -> tuple[list[str], str]:
    """The CIDRs allowed to reach the public endpoint during the window, and where they came from."""
    if explicit:
        return parse_bootstrap_cidrs(explicit), "--bootstrap-cidr"
    if settings.cluster.vpc.public_access_cidrs:
        return list(settings.cluster.vpc.public_access_cidrs), f"{settings.source}: vpc.publicAccessCIDRs"
    hint = (f"pass --bootstrap-cidr CIDR (the address you reach AWS from) or set vpc.publicAccessCIDRs "
            f"in {settings.source}")
    if egress_lookup is None:
        raise ConfigurationError(f"no bootstrap CIDR for the public API window: {hint}")
    result: dict[str, Any] = {}

    def look() -> None:
        try:
            result["address"] = egress_lookup(timeout)
        except Exception as e:  # any failure means "not found"; reported below
            result["error"] = e

    worker = threading.Thread(target=look, daemon=True)
    worker.start()
    worker.join(timeout + 1.0)
    address = result.get("address")
    try:
        ip = ipaddress.ip_address(str(address).strip()) if address else None
    except ValueError:
        ip = None
    if ip is None:
        why = result.get("error") or ("no answer within %.0f s" % timeout if worker.is_alive() else f"got {address!r}")
        raise ConfigurationError(f"no bootstrap CIDR for the public API window: the egress address lookup failed "
                                 f"({why}); {hint}")
    return [str(ipaddress.ip_network(f"{ip}/{ip.max_prefixlen}"))], "egress address lookup"


# ------------------------------------------------------------------------------------ results


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

    @property
    def window_open(self) -> bool:
        return self.state is StackState.BOOTSTRAP

    def to_json(self) -> dict[str, Any]:
        return {"stack": self.stack, "exists": self.exists, "state": self.state.value, "phase": self.phase,
                "endpointPublicAccess": self.endpoint_public_access, "windowOpen": self.window_open,
                "since": self.since.isoformat() if self.since else None, "lastUpdate": self.last_update,
                "outputs": self.outputs}


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


# ------------------------------------------------------------------------------------- runner


def _typed_errors(method: Callable[..., Any]) -> Callable[..., Any]:
    """A Pulumi CLI failure that escapes a public method becomes one of the runner's errors."""

    @functools.wraps(method)
    def wrapper(self: "Runner", *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except auto.ConcurrentUpdateError as e:
            raise StackLocked(_locked_message(self.stack_name), errors=[_command_summary(e)]) from None
        except auto.CommandError as e:
            summary = _command_summary(e)
            if "passphrase" in summary.lower():
                raise ConfigurationError(f"stack {self.stack_name}: {summary}") from None
            raise OperationFailed(f"stack {self.stack_name}: a Pulumi command failed", errors=[summary]) from None

    return wrapper


def _default_program(settings: StackSettings, phase: Phase, bootstrap_cidrs: Sequence[str]) -> Any:
    from components.program import build  # lazily: the runner imports without the components

    return build(settings, phase, bootstrap_cidrs=tuple(bootstrap_cidrs))


class Runner:
    """Runs one stack of a private-eks project. Output goes to ``on_output`` (engine text and the
    runner's banners) and ``on_event`` (engine events); the library never prints.

    ``env`` adds to (and overrides) the process environment for every decision and every Pulumi
    command. ``program(settings, phase, bootstrap_cidrs)`` replaces ``components.program.build``
    (tests pass stand-ins); ``pulumi_command`` replaces the CLI found on ``PATH``.
    ``egress_lookup(timeout)`` finds this machine's public address (the last resort for the
    bootstrap CIDRs; None: never look). ``preflight(settings)`` returns problems found before a
    new stack's pass 1 (the CLI passes ``automation.aws_checks.preflight``); any problem stops the
    run with :class:`PreflightFailed` before anything is created.
    """

    close_retry_delay = 5.0

    def __init__(
        self,
        project_dir: str | os.PathLike[str],
        stack: str,
        *,
        on_output: OnOutput | None = None,
        on_event: OnEvent | None = None,
        env: Mapping[str, str] | None = None,
        program: Program | None = None,
        pulumi_command: auto.PulumiCommand | None = None,
        egress_lookup: EgressLookup | None = checkip_egress,
        preflight: Callable[[StackSettings], Sequence[Any]] | None = None,
    ):
        self.project_dir = Path(project_dir).resolve()
        self.stack_name = stack
        self._on_output = on_output
        self._on_event = on_event
        self._env = {**os.environ, **(env or {})}
        self._extra_env = dict(env or {})
        self._program = program or _default_program
        self._pulumi_command = pulumi_command
        self._egress_lookup = egress_lookup
        self._preflight = preflight
        self._project = _read_project(self.project_dir)
        config_dir = self._project.get("stackConfigDir", ".")
        self.stack_file = self.project_dir / config_dir / f"Pulumi.{_short(stack)}.yaml"
        self.settings: StackSettings = load_project_stack(self.project_dir, stack, config_dir=config_dir)
        self._workspace_env: dict[str, str] | None = None

    # ------------------------------------------------------------------------- public API

    @_typed_errors
    def up(self, *, bootstrap: BootstrapMode = "auto", bootstrap_cidrs: Sequence[str] = ()) -> UpResult:
        if bootstrap not in ("auto", "always"):
            raise ConfigurationError(f"bootstrap must be 'auto' or 'always', not {bootstrap!r}")
        explicit = parse_bootstrap_cidrs(bootstrap_cidrs)
        warnings = self._warn_proxy()
        cidrs: list[str] = []
        source = ""
        checked = False
        stk = self._stack(create=False)
        if stk is None:
            # A new stack: what can be checked is checked before the stack is created, so that a
            # bad CIDR or a preflight problem leaves nothing behind in the backend.
            cidrs, source = resolve_bootstrap_cidrs(self.settings, explicit, egress_lookup=self._egress_lookup)
            self._run_preflight()
            checked = True
            stk = self._stack(create=True)
            assert stk is not None
        state = self._state(stk)
        if state is StackState.BOOTSTRAP:
            self._say(f"=== {self.stack_name}: the public endpoint was found ON (an interrupted run?): closing it first ===")
        results: list[PassResult] = []
        try:
            kubernetes = False
            # With --bootstrap always the decision needs no preview (and must not depend on one:
            # it is the way out when the private-phase preview itself cannot run).
            if state is not StackState.NONE and bootstrap == "auto":
                self._say(f"=== {self.stack_name}: previewing the private phase to decide the passes ===")
                collector = self._preview_phase(stk, "private", ())
                kubernetes = needs_kubernetes_api(collector.changes,
                                                  self.settings.cluster.access_config.authentication_mode)
            passes = decide_passes(state, kubernetes_changes=kubernetes, bootstrap=bootstrap)
            if any(p.phase == "bootstrap" for p in passes):
                if not checked:
                    cidrs, source = resolve_bootstrap_cidrs(self.settings, explicit, egress_lookup=self._egress_lookup)
                    if state is StackState.NONE:
                        self._run_preflight()
                if any(ipaddress.ip_network(c).prefixlen == 0 for c in cidrs):
                    self._say(f"warning: {self.stack_name}: the bootstrap window is open to the whole internet "
                              f"({', '.join(cidrs)})")
            for number, p in enumerate(passes, 1):
                results.append(self._run_pass(stk, number, len(passes), p, cidrs))
        except (RunnerError, auto.CommandError, KeyboardInterrupt) as e:
            # Whatever failed — the deciding preview, the CIDRs, a pass — a window found or left
            # open is closed before the error is reported.
            self._fail_closed(stk, e, cidrs)
            raise  # _fail_closed always raises; this keeps type checkers honest
        final = self._state(stk)
        if final is StackState.BOOTSTRAP:
            self._fail_closed(stk, OperationFailed("the private pass succeeded but public access is still on"), cidrs)
        outputs = _plain_outputs(stk.outputs())
        return UpResult(self.stack_name, tuple(results), outputs, state, tuple(cidrs), source,
                        endpoint_public_access=bool(outputs.get("endpointPublicAccess", False)),
                        warnings=tuple(warnings))

    @_typed_errors
    def preview(self, *, bootstrap: BootstrapMode = "auto", bootstrap_cidrs: Sequence[str] = ()) -> PreviewResult:
        """What ``up`` would do, pass by pass.

        Passes that run against the current state are previewed by the engine. A pass that
        follows a bootstrap pass cannot be: its starting state does not exist yet. The two phases
        differ only in the cluster's endpoint access, so that closing pass is derived from the
        bootstrap pass's preview: the cluster resource(s) updated to public access off, CIDRs
        dropped. The report says which passes were previewed and which were derived.
        """
        explicit = parse_bootstrap_cidrs(bootstrap_cidrs)
        warnings = self._warn_proxy()
        stk = self._stack(create=False)
        if stk is not None:
            return self._preview(stk, self._state(stk), explicit, bootstrap, warnings)
        # A preview needs a stack to preview against: an empty one, removed afterwards, so that a
        # pull-request preview leaves nothing behind in the backend.
        stk = self._stack(create=True)
        assert stk is not None
        try:
            return self._preview(stk, StackState.NONE, explicit, bootstrap, warnings)
        finally:
            try:
                stk.workspace.remove_stack(self.stack_name)
            except auto.CommandError as e:
                self._say(f"warning: {self.stack_name}: could not remove the empty stack created for the preview: "
                          f"{_command_summary(e)}")

    def _preview(self, stk: auto.Stack, state: StackState, explicit: Sequence[str], bootstrap: BootstrapMode,
                 warnings: Sequence[str]) -> PreviewResult:
        private: EventCollector | None = None
        kubernetes = False
        if state is not StackState.NONE:
            private = self._preview_phase(stk, "private", ())
            kubernetes = needs_kubernetes_api(private.changes, self.settings.cluster.access_config.authentication_mode)
        passes = decide_passes(state, kubernetes_changes=kubernetes, bootstrap=bootstrap)
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
                previews.append(_derived_close(number, p, bootstrap_seen))
        result = StackPreview(self.stack_name, self.settings.region, tuple(previews),
                              final_public_access=False, final_private_access=True,
                              bootstrap_cidrs=tuple(cidrs), notes=tuple(notes + [f"current state: {state.value}"]))
        return PreviewResult(self.stack_name, result, state, tuple(warnings))

    @_typed_errors
    def status(self) -> StatusResult:
        stk = self._stack(create=False)
        if stk is None:
            return StatusResult(self.stack_name, False, StackState.NONE)
        outputs = _plain_outputs(stk.outputs())
        state = self._state(stk)
        history = stk.history(page_size=50)
        phase = outputs.get("endpointPhase") or (None if state is StackState.NONE else state.value)
        since = phase_since(history, state)
        last = None
        if history:
            h = history[0]
            last = f"{h.kind} {h.result} at {h.end_time or h.start_time}"
        public = outputs.get("endpointPublicAccess")
        if state is StackState.BOOTSTRAP:
            public = True
        return StatusResult(self.stack_name, True, state, phase, public, since, last, outputs)

    @_typed_errors
    def destroy(self, *, force: bool = False) -> DestroyResult:
        stk = self._stack(create=False)
        if stk is None:
            return DestroyResult(self.stack_name, False)
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
                raise StackLocked(_locked_message(self.stack_name), errors=[_command_summary(e)]) from None
            except auto.CommandError as e:
                errors += collector.errors or [_command_summary(e)]
                if not force:
                    raise OperationFailed(f"destroy of stack {self.stack_name} failed (use --force to carry on past errors)",
                                          errors=errors) from None
                if attempt + 1 < attempts:
                    self._say(f"=== {self.stack_name}: destroy failed; carrying on past errors (--force): retrying ===")
        remaining = tuple(
            RemainingResource(r["urn"], r.get("type", ""), report.resource_name(r["urn"]))
            for r in self._resources(stk)
            if r.get("custom") and not r.get("type", "").startswith("pulumi:providers:")
        )
        return DestroyResult(self.stack_name, True, remaining, tuple(_dedupe(errors)))

    @_typed_errors
    def audit(self, *, session: Any = None) -> list[Any]:
        """Post-deploy checks (automation.aws_checks) against this stack's outputs."""
        from automation.aws_checks import audit_stack  # lazily: boto3 checks live elsewhere

        stk = self._stack(create=False)
        outputs = _plain_outputs(stk.outputs()) if stk is not None else {}
        return audit_stack(self.settings, outputs, session=session)

    def check_environment(self) -> None:
        """Raise ConfigurationError now if the Pulumi CLI, the state backend or its passphrase is missing."""
        self._prepare()
        self._command()

    # ----------------------------------------------------------------------- the passes

    def _run_pass(self, stk: auto.Stack, number: int, total: int, p: Pass, cidrs: Sequence[str],
                  *, label: str = "pass") -> PassResult:
        what = "the cluster alone" if p.cluster_only else "the whole program"
        access = f"public access ON for {', '.join(cidrs)}" if p.phase == "bootstrap" else "public access off"
        self._say(f"=== {self.stack_name}: {label} {number}/{total}: {p.phase} ({p.purpose}; {what}; {access}) ===")
        collector = EventCollector()
        started = time.monotonic()
        kwargs: dict[str, Any] = {}
        if p.cluster_only:
            urns = [u for u, _ in cluster_resources(self._resources(stk))]
            if urns:
                kwargs = {"target": urns, "target_dependents": False}
        try:
            stk.up(program=self._inline(p.phase, cidrs), on_output=self._on_output, on_error=self._on_output, on_event=self._events(collector),
                   message=UPDATE_MESSAGE.format(phase=p.phase), **kwargs)
        except auto.ConcurrentUpdateError as e:
            raise StackLocked(_locked_message(self.stack_name), errors=[_command_summary(e)]) from None
        except auto.CommandError as e:
            raise OperationFailed(f"pass {number} ({p.phase}) of stack {self.stack_name} failed",
                                  errors=collector.errors or [_command_summary(e)]) from None
        summary = report.change_counts(collector.changes, collector.unchanged)
        return PassResult(number, p.phase, p.purpose, tuple(collector.changes), summary, time.monotonic() - started)

    def _run_preflight(self) -> None:
        if self._preflight is None:
            return
        self._say(f"=== {self.stack_name}: preflight checks ===")
        try:
            findings = list(self._preflight(self.settings))
        except RunnerError:
            raise
        except Exception as e:  # AWS unreachable, credentials refused: nothing was checked
            raise OperationFailed(f"stack {self.stack_name}: the preflight checks could not run: {e}") from None
        if findings:
            raise PreflightFailed(
                f"stack {self.stack_name}: the preflight checks found {len(findings)} problem(s); nothing was created",
                findings)

    def _fail_closed(self, stk: auto.Stack, cause: BaseException, cidrs: Sequence[str]) -> None:
        """Raise the right error for a failed run, closing the window first when it is open."""
        errors = list(getattr(cause, "errors", []) or [])
        if not errors and isinstance(cause, auto.CommandError):
            errors = [_command_summary(cause)]
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
        if not self._window_open(stk):
            if isinstance(cause, RunnerError):
                raise cause
            if isinstance(cause, KeyboardInterrupt):
                raise cause
            raise OperationFailed(f"stack {self.stack_name}: {_describe(cause)}", errors=errors) from None
        self._say(f"=== {self.stack_name}: FAILED with the public endpoint ON — closing the window (fail closed) ===")
        attempts = [Pass("private", "fail closed"), Pass("private", "fail closed, retry"),
                    Pass("private", "fail closed, cluster only", cluster_only=True)]
        for i, p in enumerate(attempts, 1):
            if i > 1 and self.close_retry_delay:
                time.sleep(self.close_retry_delay)
            try:
                self._run_pass(stk, i, len(attempts), p, cidrs, label="closing attempt")
            except (RunnerError, auto.CommandError) as e:
                errors += list(getattr(e, "errors", []) or [str(e)])
            try:
                if self._state(stk) is not StackState.BOOTSTRAP:
                    self._say(f"=== {self.stack_name}: the window is closed (public access off) ===")
                    if isinstance(cause, ConfigurationError):
                        raise ConfigurationError(f"{cause} (the public endpoint found on was turned off)") from None
                    raise OperationFailed(
                        f"stack {self.stack_name}: {_describe(cause)}; the public endpoint was turned off again",
                        errors=_dedupe(errors)) from None
            except RunnerError:
                raise
            except Exception as e:  # state unreadable: try the next attempt
                errors.append(f"reading the stack state: {e}")
        raise WindowLeftOpen(
            f"SECURITY: stack {self.stack_name}: the cluster's PUBLIC API endpoint is still ON "
            f"(reachable from {', '.join(cidrs) or 'the CIDRs recorded in the stack'}) and the runner could not "
            f"turn it off after {len(attempts)} attempts. Turn it off now: run `private-eks up --stack "
            f"{self.stack_name}` again, or `aws eks update-cluster-config --name "
            f"{self.settings.cluster.metadata.name} --resources-vpc-config endpointPublicAccess=false,endpointPrivateAccess=true`.",
            stack=self.stack_name, cidrs=cidrs, errors=_dedupe(errors),
        )

    def _preview_phase(self, stk: auto.Stack, phase: Phase, cidrs: Sequence[str]) -> EventCollector:
        collector = EventCollector()
        try:
            stk.preview(program=self._inline(phase, cidrs), on_output=self._on_output, on_error=self._on_output, on_event=self._events(collector),
                        message=f"private-eks: {phase} preview")
        except auto.ConcurrentUpdateError as e:
            raise StackLocked(_locked_message(self.stack_name), errors=[_command_summary(e)]) from None
        except auto.CommandError as e:
            raise OperationFailed(f"preview of the {phase} phase of stack {self.stack_name} failed",
                                  errors=collector.errors or [_command_summary(e)]) from None
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

    def _events(self, collector: EventCollector) -> OnEvent:
        user = self._on_event

        def on_event(event: EngineEvent) -> None:
            collector(event)
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

    # ------------------------------------------------------------------- state, workspace

    def _state(self, stk: auto.Stack) -> StackState:
        return stack_state(_plain_outputs(stk.outputs()), self._resources(stk))

    def _window_open(self, stk: auto.Stack) -> bool:
        try:
            return self._state(stk) is StackState.BOOTSTRAP
        except Exception:  # cannot read the state: assume the worst
            return True

    def _resources(self, stk: auto.Stack) -> list[dict[str, Any]]:
        deployment = stk.export_stack().deployment or {}
        return list(deployment.get("resources") or [])

    def _stack(self, *, create: bool) -> auto.Stack | None:
        env = self._prepare()
        work_dir = self._shadow_workspace()
        opts = auto.LocalWorkspaceOptions(work_dir=str(work_dir), env_vars=env, pulumi_command=self._command())
        project = self._project.get("name", "private-eks")
        try:
            if create:
                return auto.create_or_select_stack(self.stack_name, project_name=project,
                                                   program=self._inline("private", ()), opts=opts)
            return auto.select_stack(self.stack_name, project_name=project, program=self._inline("private", ()), opts=opts)
        except auto.StackNotFoundError:
            return None
        except auto.CommandError as e:
            raise OperationFailed(f"stack {self.stack_name}: cannot open the stack in the state backend",
                                  errors=[_command_summary(e)]) from None

    def _command(self) -> auto.PulumiCommand:
        if self._pulumi_command is None:
            found = shutil.which("pulumi", path=self._env.get("PATH"))
            if not found:
                raise ConfigurationError(
                    "the Pulumi CLI was not found on PATH: install it (https://www.pulumi.com/docs/install/) "
                    "or build it with scripts/install-pulumi-cli and put the folder it prints on PATH")
            # PulumiCommand runs <root>/bin/pulumi: the folder on PATH, else the symlink's target.
            roots = [p.parent.parent for p in (Path(found), Path(found).resolve()) if p.parent.name == "bin"]
            if not roots:
                raise ConfigurationError(f"the Pulumi CLI at {found} is not in a bin/ folder: put the folder "
                                         "holding bin/pulumi on PATH as <folder>/bin")
            try:
                self._pulumi_command = auto.PulumiCommand(root=str(roots[0]), skip_version_check=True)
            except Exception as e:
                raise ConfigurationError(f"the Pulumi CLI at {found} does not run: {e}") from None
        return self._pulumi_command

    def _prepare(self) -> dict[str, str]:
        """The environment of every Pulumi command: backend, proxy bypass; checked once."""
        if self._workspace_env is not None:
            return self._workspace_env
        env = dict(self._extra_env)
        backend = backend_url(self.project_dir, self._env, self._project)
        local = backend is None
        if local:
            backend = (self.project_dir / STATE_DIR).as_uri()
            env["PULUMI_BACKEND_URL"] = backend
        assert backend is not None
        if backend.startswith(DIY_SCHEMES) and not self._has_other_secrets_provider():
            if not (self._env.get("PULUMI_CONFIG_PASSPHRASE") or self._env.get("PULUMI_CONFIG_PASSPHRASE_FILE")):
                raise ConfigurationError(
                    f"the state backend {backend} keeps secrets (the kubeconfig) encrypted with a passphrase: "
                    "set PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE (or use another backend with "
                    "PULUMI_BACKEND_URL / `pulumi login`)")
        if local:
            (self.project_dir / STATE_DIR).mkdir(parents=True, exist_ok=True)
        env.update(proxy.proxy_environment(self._env, self.settings))
        env.setdefault("PULUMI_SKIP_UPDATE_CHECK", "true")
        self._workspace_env = env
        return env

    def _has_other_secrets_provider(self) -> bool:
        doc = _read_yaml(self.stack_file)
        provider = doc.get("secretsprovider") if isinstance(doc, Mapping) else None
        return bool(provider) and provider != "passphrase"

    def _shadow_workspace(self) -> Path:
        """The workspace the CLI runs in: copies of Pulumi.yaml and the stack file (see module doc)."""
        work = self.project_dir / STATE_DIR / "workspaces" / _safe(self.stack_name)
        config_dir = work / self._project.get("stackConfigDir", ".")
        config_dir.mkdir(parents=True, exist_ok=True)
        project_text = (self.project_dir / _project_file(self.project_dir).name).read_text(encoding="utf-8")
        _write_if_changed(work / "Pulumi.yaml", project_text)
        shadow = config_dir / self.stack_file.name
        user_text = self.stack_file.read_text(encoding="utf-8")
        _write_if_changed(shadow, merge_secrets_keys(user_text, shadow.read_text(encoding="utf-8") if shadow.exists() else ""))
        return work


# ------------------------------------------------------------------------------- helpers


def backend_url(project_dir: Path, env: Mapping[str, str], project: Mapping[str, Any] | None = None) -> str | None:
    """The configured state backend: PULUMI_BACKEND_URL, Pulumi.yaml's backend.url, the current
    `pulumi login`; None when nothing is configured (the runner then uses .pulumi-state/)."""
    if env.get("PULUMI_BACKEND_URL"):
        return env["PULUMI_BACKEND_URL"]
    project = project if project is not None else _read_project(project_dir)
    url = (project.get("backend") or {}).get("url") if isinstance(project.get("backend"), Mapping) else None
    if url:
        return str(url)
    home = Path(env.get("PULUMI_HOME") or Path(env.get("HOME") or Path.home()) / ".pulumi")
    try:
        credentials = json.loads((home / "credentials.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    current = credentials.get("current") if isinstance(credentials, Mapping) else None
    return str(current) if current else None


def merge_secrets_keys(user_text: str, shadow_text: str) -> str:
    """The user's stack file, plus the secrets-provider keys Pulumi added to the runner's copy."""
    try:
        user = yaml.safe_load(user_text) or {}
        shadow = yaml.safe_load(shadow_text) or {} if shadow_text else {}
    except yaml.YAMLError:
        return user_text
    if not isinstance(user, Mapping) or not isinstance(shadow, Mapping):
        return user_text
    extra = {k: shadow[k] for k in SECRETS_KEYS if k in shadow and k not in user}
    if not extra:
        return user_text
    return user_text.rstrip("\n") + "\n" + yaml.safe_dump(extra, default_flow_style=False, sort_keys=True)


def phase_since(history: Sequence[Any], state: StackState) -> _dt.datetime | None:
    """When the current phase began: the end of the oldest of the latest run of updates in the
    same phase (the runner tags its updates; an untagged update is a plain `pulumi up`: private)."""
    if state is StackState.NONE:
        return None
    since = None
    for h in history:  # newest first
        if getattr(h, "kind", "update") != "update":
            continue
        m = re.match(r"private-eks: (\w+) pass", getattr(h, "message", "") or "")
        phase = m.group(1) if m else "private"
        if phase != state.value:
            if since is None and h.result != "succeeded":
                continue  # a failed update in another phase changes nothing we can tell
            break
        since = h.end_time or h.start_time
    return since


def _derived_close(number: int, p: Pass, bootstrap: EventCollector) -> PassPreview:
    changes = []
    for urn, type_, _ in bootstrap.cluster_candidates():
        changes.append(ResourceChange("update", type_, report.resource_name(urn), urn,
                                      report.endpoint_access_properties(type_)))
    description = ("public API access off and the CIDR list dropped on the cluster; nothing else changes, "
                   "because the two phases differ only there")
    if not changes:
        description = "public API access off on the cluster (its resource is not in pass 1's preview: " \
                      "the stand-in or component did not report it)"
    return PassPreview(number, "private", p.purpose, "derived", tuple(changes), 0, description)


def _describe(cause: BaseException) -> str:
    if isinstance(cause, KeyboardInterrupt):
        return "interrupted"
    return str(cause) or type(cause).__name__


def _plain_outputs(outputs: Mapping[str, Any]) -> dict[str, Any]:
    return {k: ("[secret]" if getattr(v, "secret", False) else getattr(v, "value", v)) for k, v in outputs.items()}


def parse_bootstrap_cidrs(values: Sequence[str] | str) -> list[str]:
    """``--bootstrap-cidr`` values as networks (host bits allowed: 203.0.113.7/24 is its /24), deduped."""
    if isinstance(values, str):
        values = [values]
    cidrs = []
    for value in values:
        try:
            cidrs.append(str(ipaddress.ip_network(value.strip(), strict=False)))
        except ValueError:
            raise ConfigurationError(f"--bootstrap-cidr {value!r} is not a CIDR (for example 203.0.113.7/32)") from None
    return _dedupe(cidrs)


def _command_summary(e: BaseException) -> str:
    """The useful lines of a CLI failure (its error lines), not the whole command dump."""
    text = str(e)
    lines = [re.sub(r"^(stderr|stdout): ", "", ln.strip()) for ln in text.splitlines()]
    errors = [ln for ln in lines if re.search(r"\berror\b", ln, re.I)]
    picked = errors or [ln for ln in lines if ln][-10:]
    return "\n".join(_dedupe(picked))[:4000]


def _locked_message(stack: str) -> str:
    return (f"stack {stack} is locked by another update. If none is running (a crashed run left the lock), "
            "remove it: `pulumi cancel` on Pulumi Cloud, or delete the stack's lock file under .pulumi/locks/ "
            "in a file/S3 backend; then run again")


def _read_project(project_dir: Path) -> dict[str, Any]:
    path = _project_file(project_dir)
    doc = _read_yaml(path)
    if not isinstance(doc, Mapping):
        raise ConfigurationError(f"{path}: not a Pulumi project file")
    return dict(doc)


def _project_file(project_dir: Path) -> Path:
    for name in ("Pulumi.yaml", "Pulumi.yml"):
        if (project_dir / name).is_file():
            return project_dir / name
    raise ConfigurationError(f"{project_dir}: no Pulumi.yaml (not a Pulumi project)")


def _read_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as e:
        raise ConfigurationError(f"{path}: cannot read: {e}") from None


def _write_if_changed(path: Path, text: str) -> None:
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")


def _short(stack: str) -> str:
    return stack.rsplit("/", 1)[-1]


def _safe(stack: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", stack)


def _dedupe(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))

"""The pure pass decision of docs/architecture.md §6: the stack's state, the changes and the bootstrap option
decide which passes an ``up`` runs, and what the bootstrap window opens to.

Nothing here runs Pulumi: the decision is tested on its own (tests/automation/test_passes.py) and
the Runner (automation/runner.py) only sequences what it returns.

Bootstrap CIDRs, in order of precedence:
  1. ``bootstrap_cidrs`` (``--bootstrap-cidr``): an explicit choice for this run wins;
  2. ``vpc.publicAccessCIDRs`` of the stack file;
  3. the runner's egress address (``/32``), when a lookup finds it within a few seconds.
Otherwise :class:`ConfigurationError`. ``0.0.0.0/0`` is used only when written out.
"""

from __future__ import annotations

import datetime as _dt
import ipaddress
import re
import threading
import urllib.request
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Any, Callable, Iterable, Literal, Mapping, Sequence

from automation.errors import ConfigurationError, UsageError
from components.settings import Phase, StackSettings

if TYPE_CHECKING:  # automation.report imports the Pulumi SDK: the CLI's parser imports this module without it
    from automation.report import EventCollector, PassPreview

BootstrapMode = Literal["auto", "always", "never"]
BOOTSTRAP_MODES: tuple[BootstrapMode, ...] = ("auto", "always", "never")
EgressLookup = Callable[[float], str]

EGRESS_TIMEOUT = 5.0
CHECKIP_URL = "https://checkip.amazonaws.com"


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


def check_bootstrap_mode(bootstrap: str) -> BootstrapMode:
    """``bootstrap`` if it is one of the three modes, else :class:`UsageError` listing them."""
    if bootstrap not in BOOTSTRAP_MODES:
        raise UsageError(f"--bootstrap {bootstrap!r}: must be one of {', '.join(BOOTSTRAP_MODES)} (auto: open the "
                         "window when needed; always: open it for this run; never: never turn public access on)")
    return bootstrap


def decide_passes(state: StackState, *, kubernetes_changes: bool, bootstrap: BootstrapMode = "auto") -> list[Pass]:
    """The passes an ``up`` runs, from the stack's state, whether the private-phase preview needs
    the Kubernetes API, and the ``bootstrap`` option.

    ``auto`` and ``always``:

    - new stack: open (create everything), then close;
    - window found open (resume): close first — the whole private pass when that needs no
      Kubernetes API, else the cluster alone and then a fresh bootstrap/private pair;
    - private stack: the private pass alone, unless the change needs the Kubernetes API or
      ``bootstrap="always"``: then open, apply, close.

    ``never`` has no bootstrap pass at all:

    - new or private stack: the private pass alone; when the change needs the Kubernetes API,
      nothing (the runner refuses the change: :class:`~automation.errors.KubernetesApiNeeded`);
    - window found open: closing it turns public access off, which ``never`` allows: the whole
      private pass, or the cluster alone when the rest needs the Kubernetes API (that rest is
      then refused).
    """
    check_bootstrap_mode(bootstrap)
    if bootstrap == "never":
        if state is StackState.BOOTSTRAP:
            return [Pass("private", "resume: close", cluster_only=kubernetes_changes)]
        if kubernetes_changes:
            return []
        return [Pass("private", "create" if state is StackState.NONE else "apply")]
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
    from automation import report

    found = []
    for r in resources:
        if r.get("delete"):
            continue
        props = r.get("outputs") or r.get("inputs") or {}
        if not report.is_cluster_resource(r.get("type", ""), props, custom=r.get("custom", True)):
            continue
        found.append((r.get("urn", ""), report.endpoint_public_access(props) is True))
    return found


@dataclass(frozen=True)
class PendingOperation:
    """An operation a run started and never finished (it was killed): AWS may be ahead of the state."""

    type: str  # creating, updating, deleting, reading, importing
    urn: str
    resource_type: str
    cluster: bool  # on the resource that holds the API endpoint's access
    public_access: bool | None  # the endpoint access the operation was applying (cluster only)

    def to_json(self) -> dict[str, Any]:
        return {"type": self.type, "urn": self.urn, "resourceType": self.resource_type}


def pending_operations(deployment: Mapping[str, Any]) -> list[PendingOperation]:
    """The ``pending_operations`` of a deployment (``export_stack`` form)."""
    from automation import report

    found = []
    for op in deployment.get("pending_operations") or []:
        r = op.get("resource") or {}
        props = r.get("inputs") or {}
        cluster = report.is_cluster_resource(r.get("type", ""), props, custom=r.get("custom", True))
        found.append(PendingOperation(str(op.get("type", "")), str(r.get("urn", "")), str(r.get("type", "")), cluster,
                                      report.endpoint_public_access(props) is True if cluster else None))
    return found


# Pulumi's mark of a secret value in a deployment (sdk/go/common/resource/sig: Secret).
SECRET_SIG = "4dabf18193072939515e22adb298388d"


def deployment_outputs(deployment: Mapping[str, Any]) -> dict[str, Any]:
    """The stack's outputs as recorded in the deployment: readable without the secrets passphrase
    (a secret stays ``[secret]``)."""
    from automation import report

    for r in deployment.get("resources") or []:
        if r.get("type") == report.ROOT_STACK_TYPE and not r.get("parent"):
            return {k: "[secret]" if isinstance(v, Mapping) and SECRET_SIG in v else v
                    for k, v in (r.get("outputs") or {}).items()}
    return {}


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
        why = result.get("error") or (f"no answer within {timeout:.0f} s" if worker.is_alive() else f"got {address!r}")
        raise ConfigurationError(f"no bootstrap CIDR for the public API window: the egress address lookup failed "
                                 f"({why}); {hint}")
    return [str(ipaddress.ip_network(f"{ip}/{ip.max_prefixlen}"))], "egress address lookup"



def phase_since(history: Sequence[Any], state: StackState) -> _dt.datetime | None:
    """When the current phase began: the end of the oldest of the latest run of updates in the
    same phase (the runner tags its updates; an untagged update is a plain `pulumi up`: private)."""
    if state is StackState.NONE:
        return None
    since = None
    for h in history:  # newest first
        phase = update_phase(h)
        if phase is None:
            continue
        if phase != state.value:
            if since is None and h.result != "succeeded":
                continue  # a failed update in another phase changes nothing we can tell
            break
        since = h.end_time or h.start_time
    return since


def update_phase(h: Any) -> str | None:
    """The phase an entry of the stack's update history ran in: the runner tags its updates
    (``private-eks: <phase> pass``); an untagged update is a plain `pulumi up`, which builds the
    private phase; None for what is not an update (destroy, refresh)."""
    if getattr(h, "kind", "update") != "update":
        return None
    m = re.match(r"private-eks: (\w+) pass", getattr(h, "message", "") or "")
    return m.group(1) if m else "private"


def derived_close(number: int, p: Pass, bootstrap: EventCollector) -> PassPreview:
    from automation import report
    from automation.report import PassPreview, ResourceChange

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


def parse_bootstrap_cidrs(values: Sequence[str] | str) -> list[str]:
    """``--bootstrap-cidr`` values as networks, deduped. A bare address is its host network; host
    bits are refused (203.0.113.7/3 is a typo, not 192.0.0.0/3), as the stack file refuses them."""
    if isinstance(values, str):
        values = [values]
    cidrs = []
    for value in values:
        try:
            net = ipaddress.ip_network(value.strip(), strict=False)
        except ValueError:
            raise ConfigurationError(f"--bootstrap-cidr {value!r} is not a CIDR (for example 203.0.113.7/32)") from None
        if not _no_host_bits(value.strip()):
            raise ConfigurationError(f"--bootstrap-cidr {value!r} has host bits set: did you mean {net} or "
                                     f"{value.strip().split('/')[0]}/{net.max_prefixlen}?")
        cidrs.append(str(net))
    return dedupe(cidrs)


def _no_host_bits(cidr: str) -> bool:
    try:
        ipaddress.ip_network(cidr, strict=True)
        return True
    except ValueError:
        return False



def dedupe(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))

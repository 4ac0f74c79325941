"""Offline plan: the program under Pulumi's mock runtime, once per phase, and a diff between plans.

No AWS, no Pulumi CLI, no provider plugins: ``pulumi.runtime.set_mocks`` stands in for the engine,
``PlanMocks`` answers the program's invokes deterministically (the region's AZs, which AZs offer
each endpoint service, the adopted subnets and their route tables) and gives every resource a
deterministic id. The resources the program registers, with their inputs as Pulumi registers them
(camelCase), make the plan: the JSON of docs/architecture.md §8, byte-identical for the same input.

The library never prints: ``render_plan_text``, ``render_diff_text`` and ``render_diff_markdown``
return strings for the CLI.
"""

from __future__ import annotations

import asyncio
import hashlib
import ipaddress
import json
import math
import threading
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Iterable, Mapping, Optional, Sequence

import pulumi

from automation import pulumi_internals as sdk
from automation.errors import ConfigurationError
from automation.kubernetes_api import kubernetes_api_needs
from automation.report import MARKDOWN_LIMIT as COMMENT_LIMIT
from components import catalog, input_files
from components.settings import PHASES, PROJECT, StackSettings, subnet_zone
from components.transforms import ChildInputs, merge_inputs

# Stands in for the runner's egress address when the stack file names no bootstrap CIDRs: the
# runner resolves them (--bootstrap-cidr, or its own address) before pass 1.
EGRESS_PLACEHOLDER = "<runner egress address>/32"
MOCK_ACCOUNT = "123456789012"

# Interface endpoint price, USD per endpoint per AZ per hour (data processing not included).
# Source: https://aws.amazon.com/privatelink/pricing/ ("Interface Endpoint pricing"), recorded
# 2026-11-25 from the published prices as known then, without a live check of the page (this
# project is built offline); prices change — treat the estimate as an order of magnitude.
ENDPOINT_HOURLY_PRICE: dict[str, float] = {
    "us-east-1": 0.01, "us-east-2": 0.01, "us-west-1": 0.011, "us-west-2": 0.01,
    "ca-central-1": 0.011, "eu-west-1": 0.011, "eu-west-2": 0.011, "eu-west-3": 0.0117,
    "eu-central-1": 0.012, "eu-north-1": 0.011, "ap-south-1": 0.011, "ap-northeast-1": 0.014,
    "ap-northeast-2": 0.013, "ap-southeast-1": 0.013, "ap-southeast-2": 0.013, "sa-east-1": 0.0175,
    "us-gov-west-1": 0.012, "us-gov-east-1": 0.012, "cn-north-1": 0.0156, "cn-northwest-1": 0.0156,
}
# Unknown regions (new regions, isolated partitions): the us-east-1 price, labelled as a default.
DEFAULT_ENDPOINT_HOURLY_PRICE = 0.01

IGW = "aws:ec2/internetGateway:InternetGateway"
EGRESS_IGW = "aws:ec2/egressOnlyInternetGateway:EgressOnlyInternetGateway"
NAT = "aws:ec2/natGateway:NatGateway"
EIP = "aws:ec2/eip:Eip"
ROUTE = "aws:ec2/route:Route"
ROUTE_TABLE = "aws:ec2/routeTable:RouteTable"
SUBNET = "aws:ec2/subnet:Subnet"
VPC_ENDPOINT = "aws:ec2/vpcEndpoint:VpcEndpoint"
EKS_CLUSTER = "eks:index:Cluster"
NODE_GROUP_TYPES = ("eks:index:NodeGroupV2", "eks:index:NodeGroup", "eks:index:ManagedNodeGroup")


class PlanError(ConfigurationError, ValueError):
    """The program cannot be planned for these settings (a clear message, no traceback)."""


# ------------------------------------------------------------------------------------- mocks


def _digest(*parts: str, n: int = 17) -> str:
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()[:n]


def region_zones(region: str, count: int = 4) -> list[str]:
    """The deterministic stand-in for the region's AZs: ``<region>a`` … (four, like most regions)."""
    return [f"{region}{chr(ord('a') + i)}" for i in range(count)]


@dataclass
class ExistingSubnet:
    """An adopted subnet as the mocks describe it; ``route_table`` None means only the main one."""

    id: str
    az: str
    vpc_id: str
    cidr: str
    route_table: Optional[str]
    map_public_ip_on_launch: bool = False


class PlanMocks(pulumi.runtime.Mocks):
    """Deterministic answers to the program's invokes and resource registrations.

    ``service_zones`` overrides which AZs offer a service (short name like ``ecr.dkr`` or the full
    service name); by default every service is offered in every AZ of the region. ``subnets``
    overrides the description of adopted subnets, by id; by default each configured subnet is in
    its configured AZ (else an AZ derived from its id), in the configured VPC, with an explicit
    route table of its own.
    """

    def __init__(
        self,
        settings: StackSettings,
        *,
        zones: Optional[Sequence[str]] = None,
        service_zones: Optional[Mapping[str, Sequence[str]]] = None,
        subnets: Optional[Mapping[str, ExistingSubnet]] = None,
        vpc_cidr: Optional[str] = None,
    ):
        self.settings = settings
        self.region = settings.region
        self.partition = catalog.partition(self.region)
        self.zones = list(zones) if zones is not None else region_zones(self.region)
        self.service_zones = dict(service_zones or {})
        cfg = settings.cluster
        self.vpc_cidr = vpc_cidr or cfg.vpc.cidr or "10.42.0.0/16"
        described = dict(subnets or {})
        vpc_id = cfg.vpc.id or f"vpc-{_digest('vpc', *sorted(s.id or '' for s in cfg.private_subnets.values()))}"
        adopted = not settings.cluster.new_vpc
        # A subnet given without its CIDR gets one inside the VPC's primary block, as a real one is in one of its blocks.
        primary = ipaddress.ip_network(self.vpc_cidr, strict=False)
        invented = list(primary.subnets(new_prefix=max(primary.prefixlen + 4, min(20, primary.max_prefixlen))))
        for i, (key, spec) in enumerate(cfg.private_subnets.items()):
            # A subnet given by CIDR (with vpc.id) is found by the VPC and the CIDR: give it an id.
            sid = spec.id or (f"subnet-{_digest('subnet', vpc_id, spec.cidr or '')}" if adopted else None)
            if sid and sid not in described:
                az = subnet_zone(key, spec) or self.zones[i % len(self.zones)]
                described[sid] = ExistingSubnet(
                    id=sid, az=az, vpc_id=vpc_id, cidr=spec.cidr or str(invented[i % len(invented)]),
                    route_table=f"rtb-{_digest('rtb', sid)}",
                )
        self.subnets = described

    # invokes -------------------------------------------------------------------------------

    def call(self, args: pulumi.runtime.MockCallArgs):
        token, a = args.token, args.args
        if token == "aws:index/getAvailabilityZones:getAvailabilityZones":
            return {"names": list(self.zones), "zoneIds": [f"{self.region}-az{i + 1}" for i in range(len(self.zones))],
                    "id": self.region}
        if token == "aws:ec2/getVpcEndpointService:getVpcEndpointService":
            name = a.get("serviceName") or catalog.service_name(a.get("service", ""), self.region)
            short = name.split(f".{self.region}.", 1)[-1]
            zones = self.service_zones.get(name, self.service_zones.get(short, self.zones))
            return {"serviceName": name, "service": short, "availabilityZones": list(zones),
                    "serviceType": a.get("serviceType", "Interface"), "id": name,
                    "privateDnsName": f"{short}.{self.region}.amazonaws.com"}
        if token == "aws:ec2/getSubnet:getSubnet":
            sid = a.get("id")
            if sid:
                s = self.subnets.get(sid)
                if s is None:
                    raise Exception(f"InvalidSubnetID.NotFound: the subnet ID '{sid}' does not exist")
            else:
                found = [x for x in self.subnets.values()
                         if x.cidr == a.get("cidrBlock") and x.vpc_id == a.get("vpcId")]
                if len(found) != 1:
                    raise Exception(f"no matching EC2 Subnet found (VPC {a.get('vpcId')}, CIDR {a.get('cidrBlock')})")
                s = found[0]
            return {"id": s.id, "availabilityZone": s.az, "vpcId": s.vpc_id, "cidrBlock": s.cidr,
                    "mapPublicIpOnLaunch": s.map_public_ip_on_launch,
                    "availabilityZoneId": f"{self.region}-az{ord(s.az[-1]) - ord('a') + 1}"}
        if token == "aws:ec2/getRouteTables:getRouteTables":
            wanted: list[str] = []
            for f in a.get("filters") or []:
                if f.get("name") == "association.subnet-id":
                    wanted += list(f.get("values") or [])
            ids = []
            for sid in wanted:
                s = self.subnets.get(sid)
                if s is not None and s.route_table and s.route_table not in ids:
                    ids.append(s.route_table)
            return {"ids": ids, "id": self.region}
        if token == "aws:ec2/getVpc:getVpc":
            # The primary block, and as secondary blocks the adopted subnets' CIDRs it does not hold
            # (a subnet is always inside one of its VPC's blocks).
            primary = ipaddress.ip_network(self.vpc_cidr, strict=False)
            blocks = [self.vpc_cidr, *dict.fromkeys(
                s.cidr for s in self.subnets.values() if s.vpc_id == a.get("id")
                and not ipaddress.ip_network(s.cidr, strict=False).subnet_of(primary))]  # type: ignore[arg-type]
            return {"id": a.get("id"), "cidrBlock": self.vpc_cidr, "enableDnsSupport": True,
                    "enableDnsHostnames": True,
                    "cidrBlockAssociations": [{"associationId": f"vpc-cidr-assoc-{_digest('assoc', b)}",
                                               "cidrBlock": b, "state": "associated"} for b in blocks]}
        if token == "aws:eks/getCluster:getCluster":
            # The security group EKS makes for the cluster, as the cluster's mock state names it.
            cluster = str(a.get("name"))
            return {"id": cluster, "name": cluster,
                    "vpcConfig": {"clusterSecurityGroupId": f"sg-{_digest('clustersg', cluster)}"}}
        if token == "aws:eks/getAddonVersion:getAddonVersion":
            # A made-up version that says what was asked: newest, or EKS's default, for the Kubernetes version.
            which = "latest" if a.get("mostRecent") else "default"
            return {"addonName": a.get("addonName"), "kubernetesVersion": a.get("kubernetesVersion"),
                    "mostRecent": bool(a.get("mostRecent")), "id": a.get("addonName"),
                    "version": f"{which}-for-{a.get('kubernetesVersion')}"}
        if token == "aws:ec2/getLaunchTemplate:getLaunchTemplate":
            # A managed node group's own launch template without a version: offline, its default
            # version is taken to be 1 (preflight reads the real template).
            return {"id": a.get("id"), "name": a.get("id"), "defaultVersion": 1, "latestVersion": 1}
        raise Exception(f"the offline plan has no answer for the invoke {token}")

    # resources -----------------------------------------------------------------------------

    def new_resource(self, args: pulumi.runtime.MockResourceArgs):
        typ, name, inputs = args.typ, args.name, dict(args.inputs)
        short = typ.rsplit(":", 1)[-1]
        prefix = {"Vpc": "vpc", "Subnet": "subnet", "RouteTable": "rtb", "SecurityGroup": "sg",
                  "VpcEndpoint": "vpce", "RouteTableAssociation": "rtbassoc"}.get(short, short.lower())
        rid = f"{prefix}-{_digest(typ, name)}"
        arn = f"arn:{self.partition}:mock:{self.region}:{MOCK_ACCOUNT}:{short.lower()}/{name}"
        state: dict[str, Any] = {**inputs, "arn": arn}
        if typ == "aws:iam/role:Role":
            state.update(name=inputs.get("name") or f"{name}-{_digest(name, n=7)}",
                         arn=f"arn:{self.partition}:iam::{MOCK_ACCOUNT}:role/{name}")
        elif typ == "aws:iam/instanceProfile:InstanceProfile":
            state.update(name=inputs.get("name") or f"{name}-{_digest(name, n=7)}",
                         arn=f"arn:{self.partition}:iam::{MOCK_ACCOUNT}:instance-profile/{name}")
        elif typ == EKS_CLUSTER:
            cluster = inputs.get("name") or name
            issuer = f"oidc.eks.{self.region}.amazonaws.com/id/{_digest('oidc', cluster, n=32).upper()}"
            kubeconfig = {"apiVersion": "v1", "kind": "Config",
                          "clusters": [{"name": cluster, "cluster": {
                              "server": f"https://{_digest('api', cluster, n=32).upper()}.gr7.{self.region}.eks.amazonaws.com"}}]}
            state.update(
                kubeconfig=kubeconfig,
                kubeconfigJson=json.dumps(kubeconfig, sort_keys=True),
                clusterSecurityGroupId=f"sg-{_digest('clustersg', cluster)}",
                nodeSecurityGroupId=f"sg-{_digest('nodesg', cluster)}",
                oidcIssuer=issuer if inputs.get("createOidcProvider") else None,
                oidcProviderArn=(f"arn:{self.partition}:iam::{MOCK_ACCOUNT}:oidc-provider/{issuer}"
                                 if inputs.get("createOidcProvider") else None),
            )
        return rid, state


# ---------------------------------------------------------------------------------- recording


@dataclass
class Registration:
    type: str
    name: str
    urn: str
    id: str
    parent_urn: str
    custom: bool
    inputs: dict[str, Any]
    dependencies: list[str]
    transforms: list[Any] = field(default_factory=list)
    # The URNs the resource had before (its aliases), as the engine would look them up.
    aliases: list[Any] = field(default_factory=list)


class _RecordingMonitor(sdk.MockMonitor):
    """The mock monitor, also keeping what each registration asked for (parent, inputs, dependencies).

    It does not offer resource references: the SDK then sends a resource input (``cluster=`` of a
    node group) as its URN, which the plan shows by name. With references, the mock monitor would
    rehydrate the referenced component on its own thread and event loop, which the SDK rejects."""

    def __init__(self, mocks: PlanMocks):
        super().__init__(mocks)
        self.registrations: list[Registration] = []
        # Existing resources the program reads (SecurityGroup.get): URN -> name, so that an input
        # naming one reads as its name.
        self.read_names: dict[str, str] = {}

    def SupportsFeature(self, request):
        if request.id == "resourceReferences":
            return type("SupportsFeatureResponse", (object,), {"hasSupport": False})
        return super().SupportsFeature(request)

    def GetDeploymentInfo(self, request):
        info = super().GetDeploymentInfo(request)
        kept = [f for f in info.supportedFeatures if f != sdk.RESOURCE_REFERENCES_FEATURE]
        return sdk.DeploymentInfo(supportedFeatures=kept)

    # The mock monitor answers on the SDK's worker threads and gives each thread an event loop of
    # its own (pulumi.runtime.mocks, _ensure_event_loop), never closed: left to the garbage
    # collector, such a loop may be finalised at interpreter exit after its sockets, and prints
    # "Invalid file descriptor: -1". Each answer closes its thread's loop instead.
    def Invoke(self, request):
        try:
            return super().Invoke(request)
        finally:
            _close_worker_loop()

    def ReadResource(self, request):
        try:
            response = super().ReadResource(request)
            self.read_names[response.urn] = request.name
            return response
        finally:
            _close_worker_loop()

    def RegisterResource(self, request):
        try:
            return self._register(request)
        finally:
            _close_worker_loop()

    def _register(self, request):
        response = super().RegisterResource(request)
        if request.type != "pulumi:pulumi:Stack":
            self.registrations.append(Registration(
                type=request.type, name=request.name, urn=response.urn, id=response.id, parent_urn=request.parent,
                custom=bool(request.custom), inputs=sdk.deserialize_properties(request.object),
                dependencies=list(request.dependencies),
                transforms=sdk.resolve_callbacks(request.transforms),
                aliases=[*request.aliasURNs, *request.aliases],
            ))
        return response


def _close_worker_loop() -> None:
    if threading.current_thread() is threading.main_thread():
        return  # the plan's own loop, closed by run_program
    try:
        loop = asyncio.get_event_loop_policy().get_event_loop()
    except RuntimeError:
        return  # no loop on this thread
    if not loop.is_running():
        loop.close()
        asyncio.set_event_loop(None)


@dataclass
class PhaseRun:
    """One phase of the program under the mocks: the registrations in order, and the outputs."""

    phase: str
    registrations: list[Registration]
    outputs: dict[str, Any]
    secret_outputs: frozenset[str] = frozenset()
    read_names: Mapping[str, str] = field(default_factory=dict)

    def by_type(self, typ: str) -> list[Registration]:
        return [r for r in self.registrations if r.type == typ]

    def one(self, typ: str) -> Registration:
        found = self.by_type(typ)
        if len(found) != 1:
            raise LookupError(f"expected one {typ}, found {len(found)}")
        return found[0]

    def children(self, parent: Registration) -> list[Registration]:
        return [r for r in self.registrations if r.parent_urn == parent.urn]


def run_phase(
    settings: StackSettings,
    phase: str,
    *,
    mocks: Optional[PlanMocks] = None,
    bootstrap_cidrs: Sequence[str] = (),
) -> PhaseRun:
    """Run ``components.program.build`` for one phase under the mocks and record what it registers.

    A ValueError from the program (unavailable endpoint service, subnet on the main route table,
    …) is raised as a PlanError with the program's message."""
    from components.program import build

    return run_program(settings, phase, lambda: build(settings, phase, bootstrap_cidrs=bootstrap_cidrs),  # type: ignore[arg-type]
                       mocks=mocks)


def run_program(
    settings: StackSettings,
    phase: str,
    program_fn: Callable[[], Any],
    *,
    mocks: Optional[PlanMocks] = None,
) -> PhaseRun:
    """Run any program function under the mocks (``run_phase`` runs ``build``); its return value,
    when a mapping, is taken as the outputs."""
    mocks = mocks or PlanMocks(settings)
    monitor = _RecordingMonitor(mocks)
    outputs: dict[str, Any] = {}

    secret: set[str] = set()

    def program() -> None:
        built = program_fn()
        if not isinstance(built, Mapping):
            return
        outputs.update(sdk.sync_await(pulumi.Output.from_input(built).future()) or {})
        secret.update(k for k, v in built.items() if isinstance(v, pulumi.Output) and sdk.sync_await(v.is_secret()))

    # A fresh event loop per run: the SDK binds futures to the loop current at registration.
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        sdk.reset_runtime()
        pulumi.runtime.set_mocks(mocks, project=PROJECT, stack=settings.stack, preview=False, monitor=monitor)
        sdk.sync_await(sdk.run_pulumi_func(program))
        _resolve_child_inputs(monitor.registrations)
    except ValueError as e:
        raise PlanError(str(e)) from None
    except Exception as e:  # an invoke the mocks refuse (e.g. an unknown subnet id), from the SDK
        raise PlanError(f"{settings.source}: {phase} phase: {_clean(e)}") from None
    finally:
        sdk.reset_runtime()
        # Outputs nobody awaited (remote components' unused properties) are still pending: cancel
        # them so that closing the loop is quiet.
        pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
        for task in pending:
            task.cancel()
        if pending:
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        asyncio.set_event_loop(None)
        loop.close()
        # Leave the SDK as an unconfigured process has it: no mock monitor behind later programs.
        sdk.reset_options()
    return PhaseRun(phase, monitor.registrations, outputs, frozenset(secret), dict(monitor.read_names))


def _resolve_child_inputs(registrations: list[Registration]) -> None:
    """ChildInputs whose values are outputs (an id known once a resource exists) as the mocks resolve
    them, while the program's event loop still runs: the plan shows values, not Output objects."""
    for r in registrations:
        r.transforms = [
            # replace: a subclass (components/mixed_instances.py) stays what it is.
            replace(t, inputs=sdk.sync_await(pulumi.Output.from_input(dict(t.inputs)).future()))
            if isinstance(t, ChildInputs) and _has_output(t.inputs) else t
            for t in r.transforms]


def _has_output(value: Any) -> bool:
    if isinstance(value, pulumi.Output):
        return True
    if isinstance(value, Mapping):
        return any(_has_output(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(_has_output(v) for v in value)
    return False


def _clean(e: BaseException) -> str:
    text = str(e).strip()
    return text.splitlines()[-1] if text else type(e).__name__


# --------------------------------------------------------------------------------------- plan


def _jsonable(value: Any, names: Mapping[str, str]) -> Any:
    """Inputs as plain JSON: resources by name, secrets hidden, unknowns marked."""
    if isinstance(value, dict):
        if value.get(sdk.SIG_KEY) == sdk.SECRET_SIG:
            return "[secret]"
        if value.get(sdk.SIG_KEY) == sdk.RESOURCE_SIG:
            urn = value.get("urn", "")
            return {"ref": names.get(urn, urn)}
        return {str(k): _jsonable(v, names) for k, v in sorted(value.items()) if v is not None}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v, names) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)  # the wire has only doubles; sizes and ports read better as integers
    if isinstance(value, str):
        if value == sdk.UNKNOWN:
            return "<computed>"
        return names.get(value, value)  # a resource sent as its URN (no resource references)
    if value is None or isinstance(value, (bool, int, float)):
        return value
    return str(value)


def _child_inputs(r: Registration) -> dict[str, Any]:
    """What the registration's ChildInputs transforms set on the children a component creates, by
    the children's type (the mock runtime creates no children to apply them to)."""
    out: dict[str, Any] = {}
    for t in r.transforms:
        if isinstance(t, ChildInputs):
            out[t.key] = merge_inputs(out.get(t.key), t.inputs)
    return out


def _comparable(r: Mapping[str, Any]) -> dict[str, Any]:
    """A resource's inputs as flat paths, with what transforms set on its children under ``childInputs``."""
    flat = _flatten(r["inputs"])
    if r.get("childInputs"):
        flat.update(_flatten(r["childInputs"], "childInputs"))
    return flat


# The program's order: the network, then the endpoints, then the cluster.
_COMPONENT_ORDER = {"private-eks:network:PrivateNetwork": 0, "private-eks:endpoints:EndpointSet": 1,
                    "private-eks:cluster:PrivateCluster": 2}


def _resources(run: PhaseRun) -> list[dict[str, Any]]:
    # URNs (components) and the mocks' ids (custom resources) read as the resource's name, so a
    # plan says "dev-private-network-private-us-west-2a" rather than a made-up subnet id.
    names = {r.id: r.name for r in run.registrations if r.id}
    names.update({r.urn: r.name for r in run.registrations})
    names.update(run.read_names)
    out = []
    for r in run.registrations:
        inputs = {}
        for k, v in sorted(r.inputs.items()):
            if v is not None:
                inputs[k] = _jsonable(v, names)
        entry: dict[str, Any] = {"type": r.type, "name": r.name, "parent": names.get(r.parent_urn), "inputs": inputs}
        # What the engine waits for before creating it: the explicit dependencies and those its
        # inputs carry, components expanded to their resources (as the SDK sends them).
        depends_on = sorted({names.get(u, u) for u in r.dependencies})
        if depends_on:
            entry["dependsOn"] = depends_on
        child_inputs = _child_inputs(r)
        if child_inputs:
            entry["childInputs"] = child_inputs
        out.append(entry)
    # Registration order follows the program; sorting by the parent chain keeps each component's
    # resources together and makes the order independent of asyncio scheduling.
    by_name = {r["name"]: r for r in out}

    def chain(r: dict[str, Any]) -> tuple:
        parts: list[tuple[int, str, str]] = []
        cur: dict[str, Any] | None = r
        while cur is not None:
            parts.append((_COMPONENT_ORDER.get(cur["type"], len(_COMPONENT_ORDER)), cur["type"], cur["name"]))
            cur = by_name.get(cur["parent"]) if cur["parent"] else None
        return tuple(reversed(parts))

    return sorted(out, key=chain)


def endpoint_price(region: str) -> tuple[float, bool]:
    """(USD per interface endpoint per AZ per hour, whether it is the labelled default)."""
    if region in ENDPOINT_HOURLY_PRICE:
        return ENDPOINT_HOURLY_PRICE[region], False
    return DEFAULT_ENDPOINT_HOURLY_PRICE, True


def _interface_endpoint_azs(resources: Iterable[Mapping[str, Any]]) -> int:
    return sum(len(r["inputs"].get("subnetIds") or []) for r in resources
               if r["type"] == VPC_ENDPOINT and r["inputs"].get("vpcEndpointType") == "Interface")


def _internet_paths(resources: Sequence[Mapping[str, Any]]) -> dict[str, int]:
    def default_route(route: Mapping[str, Any]) -> bool:
        return route.get("cidrBlock") in ("0.0.0.0/0",) or route.get("ipv6CidrBlock") in ("::/0",) or \
            route.get("destinationCidrBlock") == "0.0.0.0/0" or route.get("destinationIpv6CidrBlock") == "::/0"

    routes = [r for r in resources if r["type"] == ROUTE and default_route(r["inputs"])]
    inline = [rt for rt in resources if rt["type"] == ROUTE_TABLE
              for route in rt["inputs"].get("routes") or [] if default_route(route)]
    return {
        "internet gateways": sum(r["type"] in (IGW, EGRESS_IGW) for r in resources),
        "NAT gateways": sum(r["type"] == NAT for r in resources),
        "elastic IPs": sum(r["type"] == EIP for r in resources),
        "default routes": len(routes) + len(inline),
    }


def _public_subnets(resources: Sequence[Mapping[str, Any]]) -> int:
    n = sum(1 for r in resources if r["type"] == SUBNET and r["inputs"].get("mapPublicIpOnLaunch"))
    n += sum(len(r["inputs"].get("publicSubnetIds") or []) for r in resources if r["type"] == EKS_CLUSTER)
    return n


def _api_access(resources: Sequence[Mapping[str, Any]]) -> str:
    clusters = [r for r in resources if r["type"] == EKS_CLUSTER]
    if not clusters:
        return "no cluster"
    i = clusters[0]["inputs"]
    private = "private" if i.get("endpointPrivateAccess") else "no private access"
    if i.get("endpointPublicAccess"):
        cidrs = ", ".join(i.get("publicAccessCidrs") or []) or "0.0.0.0/0 (unrestricted!)"
        return f"public ({cidrs}) + {private}"
    return f"{private} only"


def findings(plan_passes: Sequence[Mapping[str, Any]], region: str) -> tuple[list[str], float]:
    """What a reviewer checks, as sentences; and the hourly interface-endpoint cost."""
    out: list[str] = []
    for p in plan_passes:
        res = p["resources"]
        paths = _internet_paths(res)
        parts = ", ".join(f"{k}: {v}" for k, v in paths.items())
        verdict = "OK" if not any(paths.values()) else "PROBLEM: a fully-private cluster has no internet path"
        out.append(f"{p['phase']}: {parts} — {verdict}")
        public = _public_subnets(res)
        out.append(f"{p['phase']}: public subnets: {public} — " + ("OK" if public == 0 else "PROBLEM"))
        nodes_public = [r["name"] for r in res if r["type"] in NODE_GROUP_TYPES
                        and r["inputs"].get("nodeAssociatePublicIpAddress")]
        if nodes_public:
            out.append(f"{p['phase']}: PROBLEM: node groups with public IPs: {', '.join(nodes_public)}")
        out.append(f"{p['phase']}: API access: {_api_access(res)}")
    last = plan_passes[-1]["resources"] if plan_passes else []
    for r in last:
        template = r["inputs"].get("launchTemplate") if r["type"] == "eks:index:ManagedNodeGroup" else None
        if isinstance(template, Mapping):
            # pulumi-eks sets IMDSv2 only on launch templates it makes (nodes/nodegroup.ts).
            out.append(f"IMDSv2: {r['name']} uses its own launch template {template.get('id')}: only the template "
                       "can require IMDSv2 tokens; preflight checks that it does")
    endpoints = [r for r in last if r["type"] == VPC_ENDPOINT]
    if endpoints:
        described = []
        for r in endpoints:
            i = r["inputs"]
            where = (f"{len(i.get('subnetIds') or [])} AZs, private DNS {'on' if i.get('privateDnsEnabled') else 'OFF'}"
                     if i.get("vpcEndpointType") == "Interface" else f"{len(i.get('routeTableIds') or [])} route tables")
            described.append(f"{i.get('serviceName')} ({i.get('vpcEndpointType')}, {where})")
        out.append(f"endpoint services ({len(endpoints)}): " + "; ".join(described))
    else:
        out.append("endpoint services: none created (skipEndpointCreation: the VPC must already have them)")
    price, default = endpoint_price(region)
    azs = _interface_endpoint_azs(last)
    cost = round(azs * price, 6)
    label = f"default price ${price}/h, {region} not in the price table" if default else f"${price}/h in {region}"
    out.append(f"interface endpoints: {azs} endpoint-AZs × {label} = ${cost:.4f}/hour "
               f"(≈ ${cost * 730:.2f}/month, data processing extra)")
    return out, cost


def plan_stack(
    settings: StackSettings,
    phases: Sequence[str] = PHASES,
    *,
    bootstrap_cidrs: Sequence[str] = (),
    mocks_factory=None,
) -> dict[str, Any]:
    """The offline plan of one stack: docs/architecture.md §8's JSON shape, deterministic for the same input.

    ``mocks_factory(settings) -> PlanMocks`` lets tests describe another region (services missing
    from some AZs, subnets without an explicit route table)."""
    for phase in phases:
        if phase not in PHASES:
            raise PlanError(f"unknown phase {phase!r}; expected one of {', '.join(PHASES)}")
    cidrs = list(bootstrap_cidrs) or list(settings.cluster.vpc.public_access_cidrs) or [EGRESS_PLACEHOLDER]
    passes: list[dict[str, Any]] = []
    for phase in phases:
        mocks = mocks_factory(settings) if mocks_factory else PlanMocks(settings)
        run = run_phase(settings, phase, mocks=mocks, bootstrap_cidrs=cidrs)
        passes.append({"phase": phase, "resources": _resources(run)})
    notes, cost = findings(passes, settings.region)
    needs = kubernetes_api_needs(passes[-1]["resources"] if passes else [],
                                 authentication_mode=settings.cluster.access_config.authentication_mode)
    notes.append(kubernetes_api_finding(needs))
    if "bootstrap" in phases and cidrs == [EGRESS_PLACEHOLDER]:
        notes.append("bootstrap: vpc.publicAccessCIDRs is not set: the runner opens the window to "
                     "--bootstrap-cidr or its own egress address")
    for w in settings.warnings:
        notes.append(f"warning: {w}")
    return {"stack": settings.stack, "region": settings.region, "passes": passes,
            "findings": notes, "endpointCostPerHour": cost,
            "kubernetesApi": {"needed": bool(needs), "reasons": [str(n) for n in needs]}}


def kubernetes_api_finding(needs: Sequence[Any]) -> str:
    if not needs:
        return ("needs the Kubernetes API: no — `private-eks up --bootstrap never` creates the stack without "
                "ever turning the public endpoint on")
    return "needs the Kubernetes API: yes — " + "; ".join(str(n) for n in needs)


def plan_json(plan: Mapping[str, Any] | Sequence[Mapping[str, Any]]) -> str:
    """The canonical text of a plan (or of a list of plans): sorted keys, so equal plans are byte-identical."""
    return json.dumps(plan, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


# ------------------------------------------------------------------------------- tree rendering


# A node group's additions to pulumi-eks's user data (components/user_data.py).
_USER_DATA_KEYS = ("kubeletExtraArgs", "bottlerocketSettings", "userData", "nodeUserDataOverride")
_SUMMARY_KEYS = {
    "aws:ec2/vpc:Vpc": ("cidrBlock", "enableDnsSupport", "enableDnsHostnames"),
    SUBNET: ("availabilityZone", "cidrBlock", "mapPublicIpOnLaunch"),
    VPC_ENDPOINT: ("serviceName", "vpcEndpointType", "privateDnsEnabled"),
    "aws:ec2/securityGroup:SecurityGroup": ("ingress",),
    EKS_CLUSTER: ("name", "version", "endpointPrivateAccess", "endpointPublicAccess", "publicAccessCidrs",
                  "authenticationMode"),
    "eks:index:ManagedNodeGroup": ("nodeGroupName", "instanceTypes", "capacityType", "scalingConfig", "launchTemplate",
                                   *_USER_DATA_KEYS),
    "eks:index:NodeGroupV2": ("instanceType", "nodeAssociatePublicIpAddress", "minSize", "desiredCapacity", "maxSize",
                              *_USER_DATA_KEYS),
    "aws:eks/accessEntry:AccessEntry": ("type",),
    "aws:eks/fargateProfile:FargateProfile": ("fargateProfileName",),
    "aws:eks/capability:Capability": ("capabilityName", "type"),
    "aws:eks/accessPolicyAssociation:AccessPolicyAssociation": ("policyArn", "accessScope"),
}


def _short(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, separators=(",", ":"))
    return text if len(text) <= 70 else text[:67] + "..."


def _summary(r: Mapping[str, Any]) -> str:
    keys = _SUMMARY_KEYS.get(r["type"], ())
    inputs = r["inputs"]
    parts = [f"{k}={_short(inputs[k])}" for k in keys if k in inputs]
    for k in ("subnetIds", "nodeSubnetIds", "privateSubnetIds", "routeTableIds", "nodeadmExtraOptions"):
        if k in inputs and isinstance(inputs[k], list):
            parts.append(f"{k}=[{len(inputs[k])}]")
    return ("  " + " ".join(parts)) if parts else ""


def _flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, dict) and value and "ref" not in value:
        out: dict[str, Any] = {}
        for k, v in value.items():
            out.update(_flatten(v, f"{prefix}.{k}" if prefix else k))
        return out
    return {prefix: value}


def render_plan_text(plan: Mapping[str, Any]) -> str:
    """A tree grouped by component; the last pass's resources, then what differs between passes."""
    passes = plan["passes"]
    lines = [f"stack {plan['stack']} ({plan['region']}): offline plan of "
             + " and ".join(p["phase"] for p in passes)]
    if not passes:
        return "\n".join(lines) + "\n"
    final = passes[-1]
    resources = final["resources"]
    children: dict[Optional[str], list[Mapping[str, Any]]] = {}
    for r in resources:
        children.setdefault(r["parent"], []).append(r)
    counts = f"{len(resources)} resources" + "".join(
        f", {p['phase']}: {len(p['resources'])}" for p in passes[:-1])
    lines.append(f"resources ({final['phase']} pass): {counts}")

    def walk(parent: Optional[str], depth: int) -> None:
        for r in children.get(parent, []):
            lines.append(f"{'  ' * depth}{'└─ ' if depth > 1 else ''}{r['type']}  {r['name']}{_summary(r)}")
            walk(r["name"], depth + 1)

    walk(None, 1)
    if len(passes) > 1:
        lines.append("")
        lines.append("differs between passes:")
        diff_lines = []
        first = passes[0]
        a = {(r["type"], r["name"]): r for r in first["resources"]}
        b = {(r["type"], r["name"]): r for r in final["resources"]}
        for key in sorted(set(a) | set(b)):
            if key not in a:
                diff_lines.append(f"  + {key[0]} {key[1]} (only in {final['phase']})")
            elif key not in b:
                diff_lines.append(f"  - {key[0]} {key[1]} (only in {first['phase']})")
            else:
                fa, fb = _comparable(a[key]), _comparable(b[key])
                for k in sorted(set(fa) | set(fb)):
                    if fa.get(k, _ABSENT) != fb.get(k, _ABSENT):
                        diff_lines.append(f"  ~ {key[0]} {key[1]}: {k}: {first['phase']}="
                                          f"{_show(fa.get(k, _ABSENT))} {final['phase']}={_show(fb.get(k, _ABSENT))}")
        lines += diff_lines or ["  nothing"]
    lines.append("")
    lines.append("findings:")
    lines += [f"  - {f}" for f in plan["findings"]]
    lines.append(f"estimated interface endpoint cost: ${plan['endpointCostPerHour']:.4f}/hour")
    return "\n".join(lines) + "\n"


class _Absent:
    def __repr__(self) -> str:
        return "(absent)"


_ABSENT = _Absent()


def _show(v: Any) -> str:
    return "(absent)" if v is _ABSENT else _short(v)


# --------------------------------------------------------------------------------------- diff


@dataclass(frozen=True)
class InputChange:
    path: str
    old: Any
    new: Any


@dataclass(frozen=True)
class ResourceDiff:
    phase: str
    op: str  # "create" | "delete" | "update" | "replace"
    type: str
    name: str
    changes: tuple[InputChange, ...] = ()
    # A replacement: why (force-new inputs, or a reference to a replaced resource), and the
    # directly replaced resource it is dragged along by (its own name when replaced directly).
    reasons: tuple[str, ...] = ()
    cause: str = ""


@dataclass(frozen=True)
class PlanDiff:
    old_stack: str
    new_stack: str
    resources: tuple[ResourceDiff, ...]
    findings_added: tuple[str, ...]
    findings_removed: tuple[str, ...]
    cost_old: float
    cost_new: float
    phases_added: tuple[str, ...] = ()
    phases_removed: tuple[str, ...] = ()
    region_old: str = ""
    region_new: str = ""
    # What `up` of the new plan does to the public endpoint (automation/plan_comment.py).
    exposure: Any = None
    # automation/upgrades.py: what EKS refuses or the autoscaler owns, and a version bump's steps.
    notes: tuple[str, ...] = ()
    steps: tuple[Any, ...] = ()

    @property
    def changed(self) -> bool:
        return bool(self.resources or self.findings_added or self.findings_removed or self.phases_added
                     or self.phases_removed or self.cost_old != self.cost_new or self.region_old != self.region_new)

    def counts(self) -> dict[str, int]:
        out = {"create": 0, "update": 0, "replace": 0, "delete": 0}
        for r in self.resources:
            out[r.op] += 1
        return out

    @property
    def replaced_clusters(self) -> tuple[str, ...]:
        from automation.replacements import CLUSTER_TYPES

        return tuple(dict.fromkeys(r.name for r in self.resources if r.op == "replace" and r.type in CLUSTER_TYPES))


# A plan holds every resource's inputs (a few hundred KB for a big stack); --all plans are larger.
MAX_PLAN_BYTES = 32 * 1024 * 1024
# Resource inputs nest a few levels (a launch template's block devices); the diff walks them.
MAX_PLAN_DEPTH = 64


def _finite(number: int | float) -> bool:
    try:
        return math.isfinite(number)
    except OverflowError:  # an integer too large for a float
        return False


def validate_plan(plan: Any, source: str = "plan") -> None:
    """Check a plan's shape (docs/architecture.md §8) before diffing; a PlanError names what is wrong."""
    if not isinstance(plan, dict):
        raise PlanError(f"{source}: not a plan (expected a JSON object)")
    for key, kind in (("stack", str), ("region", str), ("passes", list), ("findings", list)):
        if not isinstance(plan.get(key), kind):
            raise PlanError(f"{source}: not a plan: {key!r} is missing or not a {kind.__name__}")
    cost = plan.get("endpointCostPerHour")
    if not isinstance(cost, (int, float)) or isinstance(cost, bool) or not _finite(cost):
        raise PlanError(f"{source}: not a plan: 'endpointCostPerHour' is missing or not a finite number")
    if not input_files.json_depth_ok(plan, MAX_PLAN_DEPTH):
        raise PlanError(f"{source}: not a plan: nested more than {MAX_PLAN_DEPTH} levels deep")
    for i, p in enumerate(plan["passes"]):
        if not isinstance(p, dict) or not isinstance(p.get("phase"), str) or not isinstance(p.get("resources"), list):
            raise PlanError(f"{source}: not a plan: passes[{i}] needs 'phase' and 'resources'")
        for j, r in enumerate(p["resources"]):
            if not isinstance(r, dict) or not all(isinstance(r.get(k), str) for k in ("type", "name")) \
                    or not isinstance(r.get("inputs"), dict):
                raise PlanError(f"{source}: not a plan: passes[{i}].resources[{j}] needs type, name and inputs")


def diff_plans(old: Mapping[str, Any], new: Mapping[str, Any]) -> PlanDiff:
    """What changed between two plans: resources created, deleted and updated (input paths), per phase."""
    validate_plan(old, "old plan")
    validate_plan(new, "new plan")
    old_passes = {p["phase"]: p for p in old["passes"]}
    new_passes = {p["phase"]: p for p in new["passes"]}
    out: list[ResourceDiff] = []
    for phase in [p["phase"] for p in new["passes"]] + [p for p in old_passes if p not in new_passes]:
        a = {(r["type"], r["name"]): r for r in (old_passes.get(phase) or {}).get("resources", [])}
        b = {(r["type"], r["name"]): r for r in (new_passes.get(phase) or {}).get("resources", [])}
        if phase not in old_passes or phase not in new_passes:
            continue  # a whole pass added or removed is reported once, not per resource
        start = len(out)
        for key in sorted(set(a) | set(b)):
            if key not in a:
                out.append(ResourceDiff(phase, "create", *key))
            elif key not in b:
                out.append(ResourceDiff(phase, "delete", *key))
            else:
                fa, fb = _comparable(a[key]), _comparable(b[key])
                changes = tuple(InputChange(k, fa.get(k), fb.get(k)) for k in sorted(set(fa) | set(fb))
                                if fa.get(k, _ABSENT) != fb.get(k, _ABSENT))
                parent_moved = a[key].get("parent") != b[key].get("parent")
                if parent_moved:
                    changes += (InputChange("(parent)", a[key].get("parent"), b[key].get("parent")),)
                if changes:
                    out.append(ResourceDiff(phase, "update", *key, changes=changes))
        out[start:] = _mark_replacements(phase, out[start:], b.values(), set(a) & set(b))
    fo, fn = list(old["findings"]), list(new["findings"])
    from automation import upgrades
    from automation.plan_comment import exposure

    last = new["passes"][-1]["phase"] if new["passes"] else ""
    ops = {(r.type, r.name): r.op for r in out if r.phase == last and r.op != "delete"}
    changed = [{**r, "op": ops[(r["type"], r["name"])]} for r in (new_passes.get(last) or {}).get("resources", [])
               if (r["type"], r["name"]) in ops]
    return PlanDiff(
        notes=tuple(upgrades.version_findings(old, new)), steps=tuple(upgrades.upgrade_steps(old, new)),
        old_stack=old["stack"], new_stack=new["stack"], resources=tuple(out),
        findings_added=tuple(f for f in fn if f not in fo), findings_removed=tuple(f for f in fo if f not in fn),
        cost_old=float(old["endpointCostPerHour"]), cost_new=float(new["endpointCostPerHour"]),
        phases_added=tuple(p for p in new_passes if p not in old_passes),
        phases_removed=tuple(p for p in old_passes if p not in new_passes),
        region_old=old["region"], region_new=new["region"],
        exposure=exposure(old, new, changed),
    )


def _mark_replacements(phase: str, diffs: list[ResourceDiff], resources: Iterable[Mapping[str, Any]],
                       existing: set[tuple[str, str]]) -> list[ResourceDiff]:
    """Updates that the provider replaces become ``replace``; resources a replacement drags along
    (no input of their own changed) are added as ``replace`` too."""
    from automation.replacement_plan import close_replacements

    changed = {(d.type, d.name): [c.path for c in d.changes] for d in diffs if d.op == "update"}
    replaced = close_replacements(resources, existing, changed)
    out = []
    for d in diffs:
        rep = replaced.pop((d.type, d.name), None)
        out.append(replace(d, op="replace", reasons=rep.reasons, cause=rep.cause[1]) if rep and d.op == "update" else d)
    for key, rep in replaced.items():
        out.append(ResourceDiff(phase, "replace", *key, reasons=rep.reasons, cause=rep.cause[1]))
    return sorted(out, key=lambda d: (d.type, d.name))


# GitHub refuses comments above 65,536 characters; the findings come after the table.
MARKDOWN_LIMIT = COMMENT_LIMIT - 4_000
_OP_SIGN = {"create": "+", "delete": "-", "update": "~", "replace": "+-"}


def _diff_head(d: PlanDiff) -> str:
    c = d.counts()
    stack = d.new_stack if d.old_stack == d.new_stack else f"{d.old_stack} → {d.new_stack}"
    if not d.changed:
        return f"stack {stack}: no changes"
    return (f"stack {stack}: {c['create']} to create, {c['update']} to update, {c['replace']} to replace, "
            f"{c['delete']} to delete")


def cluster_replaced_line(d: PlanDiff) -> str:
    """Said first when the change replaces the EKS cluster."""
    names = ", ".join(d.replaced_clusters)
    return (f"THE EKS CLUSTER IS REPLACED ({names}): a new cluster, API endpoint and certificates; "
            "every node and workload is recreated")


def render_diff_text(d: PlanDiff) -> str:
    lines = [_diff_head(d)]
    if d.replaced_clusters:
        lines.insert(0, "!!! " + cluster_replaced_line(d))
    if d.region_old != d.region_new:
        lines.append(f"  region: {d.region_old} → {d.region_new}")
    for p in d.phases_added:
        lines.append(f"  + pass {p} (new)")
    for p in d.phases_removed:
        lines.append(f"  - pass {p} (removed)")
    for r in d.resources:
        lines.append(f"  {_OP_SIGN[r.op]} [{r.phase}] {r.type} {r.name}" + (" (REPLACE)" if r.op == "replace" else ""))
        lines += [f"      replaced: {x}" for x in r.reasons]
        dragged = [x.name for x in d.resources if x.phase == r.phase and x.cause == r.name and x.name != r.name]
        if r.cause == r.name and dragged:
            lines.append(f"      drags along: {', '.join(dragged)}")
        for c in r.changes:
            lines.append(f"      {c.path}: {_short(c.old)} → {_short(c.new)}")
    for note in d.notes:
        lines.append(f"  ! {note}")
    if d.steps:
        lines.append("  upgrade, in this order:")
        lines += [f"    {i}. {step.what} — disrupts: {step.disrupts}" for i, step in enumerate(d.steps, 1)]
    if d.cost_old != d.cost_new:
        lines.append(f"  endpoint cost: ${d.cost_old:.4f}/hour → ${d.cost_new:.4f}/hour")
    for f in d.findings_removed:
        lines.append(f"  finding removed: {f}")
    for f in d.findings_added:
        lines.append(f"  finding added: {f}")
    return "\n".join(lines) + "\n"


def render_diff_markdown(d: PlanDiff, *, window_seconds: Optional[float] = None) -> str:
    """The diff as a pull-request comment, risk first (automation/plan_comment.py). Everything in
    a plan file is the pull request's to write, so every name, path, value and finding is escaped."""
    from automation.plan_comment import render

    return render(d, d.exposure, window_seconds=window_seconds, limit=MARKDOWN_LIMIT)

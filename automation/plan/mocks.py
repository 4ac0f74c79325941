"""The offline plan's stand-in for the engine: ``PlanMocks`` answers the program's invokes
deterministically (the region's AZs, which AZs offer each endpoint service, the adopted subnets and
their route tables) and gives every resource a deterministic id; ``RecordingMonitor`` keeps what
each registration asked for (parent, inputs, dependencies, transforms, aliases).

No AWS, no Pulumi CLI, no provider plugins: ``pulumi.runtime.set_mocks`` stands in for the engine
(see automation/plan/build.py, which runs the program under them).
"""

from __future__ import annotations

import asyncio
import hashlib
import ipaddress
import json
import threading
from dataclasses import dataclass, field
from typing import Any, Mapping, Optional, Sequence

import pulumi

from automation.plan import pulumi_internals as sdk
from automation.plan.resource_types import EKS_CLUSTER
from components import catalog
from components.settings import StackSettings, subnet_zone

MOCK_ACCOUNT = "123456789012"


def digest(*parts: str, n: int = 17) -> str:
    """A short deterministic hex digest of the parts: the mocks' ids and names (and the aliases
    automation/plan/replacement_closure.py derives from them)."""
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
        vpc_id = cfg.vpc.id or f"vpc-{digest('vpc', *sorted(s.id or '' for s in cfg.private_subnets.values()))}"
        adopted = not settings.cluster.new_vpc
        # A subnet given without its CIDR gets one inside the VPC's primary block, as a real one is in one of its blocks.
        primary = ipaddress.ip_network(self.vpc_cidr, strict=False)
        invented = list(primary.subnets(new_prefix=max(primary.prefixlen + 4, min(20, primary.max_prefixlen))))
        for i, (key, spec) in enumerate(cfg.private_subnets.items()):
            # A subnet given by CIDR (with vpc.id) is found by the VPC and the CIDR: give it an id.
            sid = spec.id or (f"subnet-{digest('subnet', vpc_id, spec.cidr or '')}" if adopted else None)
            if sid and sid not in described:
                az = subnet_zone(key, spec) or self.zones[i % len(self.zones)]
                described[sid] = ExistingSubnet(
                    id=sid, az=az, vpc_id=vpc_id, cidr=spec.cidr or str(invented[i % len(invented)]),
                    route_table=f"rtb-{digest('rtb', sid)}",
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
                    "cidrBlockAssociations": [{"associationId": f"vpc-cidr-assoc-{digest('assoc', b)}",
                                               "cidrBlock": b, "state": "associated"} for b in blocks]}
        if token == "aws:eks/getCluster:getCluster":
            # The security group EKS makes for the cluster, as the cluster's mock state names it.
            cluster = str(a.get("name"))
            # The endpoint and CA are placeholders of the right shape (the relay's environment).
            return {"id": cluster, "name": cluster,
                    "vpcConfig": {"clusterSecurityGroupId": f"sg-{digest('clustersg', cluster)}"},
                    "arn": f"arn:{self.partition}:eks:{self.region}:{MOCK_ACCOUNT}:cluster/{cluster}",
                    "endpoint": f"https://{digest('api', cluster, n=32).upper()}.gr7.{self.region}.eks.amazonaws.com",
                    "certificateAuthorities": [{"data": "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCg=="}]}
        if token == "aws:index/getCallerIdentity:getCallerIdentity":
            # The account of the mocks' ARNs (the registry of a pull-through cache's mirrors).
            return {"accountId": MOCK_ACCOUNT, "id": MOCK_ACCOUNT, "userId": "AIDAMOCK",
                    "arn": f"arn:{self.partition}:iam::{MOCK_ACCOUNT}:user/plan"}
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
        rid = f"{prefix}-{digest(typ, name)}"
        arn = f"arn:{self.partition}:mock:{self.region}:{MOCK_ACCOUNT}:{short.lower()}/{name}"
        state: dict[str, Any] = {**inputs, "arn": arn}
        if typ == "aws:iam/role:Role":
            state.update(name=inputs.get("name") or f"{name}-{digest(name, n=7)}",
                         arn=f"arn:{self.partition}:iam::{MOCK_ACCOUNT}:role/{name}")
        elif typ == "aws:iam/instanceProfile:InstanceProfile":
            state.update(name=inputs.get("name") or f"{name}-{digest(name, n=7)}",
                         arn=f"arn:{self.partition}:iam::{MOCK_ACCOUNT}:instance-profile/{name}")
        elif typ == EKS_CLUSTER:
            cluster = inputs.get("name") or name
            issuer = f"oidc.eks.{self.region}.amazonaws.com/id/{digest('oidc', cluster, n=32).upper()}"
            kubeconfig = {"apiVersion": "v1", "kind": "Config",
                          "clusters": [{"name": cluster, "cluster": {
                              "server": f"https://{digest('api', cluster, n=32).upper()}.gr7.{self.region}.eks.amazonaws.com"}}]}
            state.update(
                kubeconfig=kubeconfig,
                kubeconfigJson=json.dumps(kubeconfig, sort_keys=True),
                clusterSecurityGroupId=f"sg-{digest('clustersg', cluster)}",
                nodeSecurityGroupId=f"sg-{digest('nodesg', cluster)}",
                oidcIssuer=issuer if inputs.get("createOidcProvider") else None,
                oidcProviderArn=(f"arn:{self.partition}:iam::{MOCK_ACCOUNT}:oidc-provider/{issuer}"
                                 if inputs.get("createOidcProvider") else None),
            )
        return rid, state


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


class RecordingMonitor(sdk.MockMonitor):
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

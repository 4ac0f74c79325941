"""boto3 checks around a deployment: **preflight** before pass 1, **audit** after pass 2.

Both read AWS through boto3's standard configuration chain (profiles, ``AWS_REGION``,
``AWS_ENDPOINT_URL``, ``AWS_MAX_ATTEMPTS``, …), so they run against whatever endpoint the user's
environment names — moto's server included. They only read; they never change anything.

A check that finds a problem returns a :class:`Finding` naming the resource (an id, a service
name or a cluster name) and what is wrong. AWS being unreachable, or the credentials missing or
refused, is not a finding: it raises :class:`AwsUnavailable`, because nothing was checked.

Scope of the audit, decided here because docs/architecture.md §8 leaves it open:

* "the cluster's route tables" are the route tables of the subnets in scope: the subnets given
  (``subnet_ids``, e.g. the stack's ``privateSubnetIds``), else the cluster's subnets, else every
  subnet of the VPC. For a VPC we created, every subnet of the VPC is in scope. A subnet with no
  explicit route table uses the main one, which is then audited too.
* An internet gateway merely *attached* is a finding only for a VPC we created
  (``created_vpc=True``). A user's VPC may legitimately hold public subnets for other workloads;
  there, what matters — and what is always checked — is that no route table in scope leads to it.
* Routes to an internet, NAT, egress-only or carrier gateway are findings whatever their
  destination (any such route is a way out). Routes to a transit gateway, an instance or a network
  interface (a NAT instance) are findings only for ``0.0.0.0/0`` or ``::/0``: specific routes to
  on-premises networks or appliances are normal in private VPCs. Virtual private gateway and
  peering routes are not audited.
* The endpoint security group passes when it admits TCP 443 from the whole VPC CIDR, or from the
  cluster itself — a rule naming one of the cluster's groups, or the endpoint's own group (not
  the VPC's default group) — which is how eksctl builds its endpoints (the nodes' shared group),
  so its clusters audit clean. An endpoint with no group is judged by the VPC's default group.
* The audit also checks what private DNS depends on (DNS support and hostnames, AmazonProvidedDNS
  in the DHCP options) and names a subnet left on the main route table.
* EKS reports ``endpointPublicAccess``/``endpointPrivateAccess`` always; when a value is absent
  (some emulators return only what was set) the API's defaults apply: public on, and private off
  unless public is off (EKS does not allow both off).
"""

from __future__ import annotations

import ipaddress
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Iterable, Iterator, Mapping, Sequence

import boto3
import botocore.exceptions as bx
from botocore.config import Config

from automation.errors import EXIT_BAD_INPUT, PrivateEksError
from components import catalog
from components.endpoints import ASSOCIATED, cidrs_to_admit
from components.settings import StackSettings

__all__ = [
    "AwsCheckError",
    "AwsUnavailable",
    "Finding",
    "StackNotDeployed",
    "stack_vpc_id",
    "EndpointAccess",
    "cluster_endpoint_access",
    "audit",
    "audit_stack",
    "preflight",
]

# Fail fast when an endpoint does not answer; retries stay with the user's configuration.
_CLIENT_CONFIG = Config(connect_timeout=10, read_timeout=30)

_AUTH_ERRORS = frozenset({
    "AuthFailure", "UnrecognizedClientException", "InvalidClientTokenId", "ExpiredToken",
    "ExpiredTokenException", "SignatureDoesNotMatch", "InvalidSignatureException",
    "IncompleteSignature", "MissingAuthenticationToken", "AccessDenied", "AccessDeniedException",
    "UnauthorizedOperation", "OptInRequired",
})
_GONE_STATES = frozenset({"deleting", "deleted", "rejected", "failed", "expired"})
_DEFAULT_ROUTES = ("0.0.0.0/0", "::/0")


@dataclass(frozen=True)
class Finding:
    """One problem: which check found it, the resource it is about, and what is wrong."""

    check: str
    resource: str
    message: str

    def __str__(self) -> str:
        return f"{self.resource}: {self.message}"


class AwsCheckError(PrivateEksError):
    """The checks could not run to the end; nothing is known about the resources (exit 1)."""


class AwsUnavailable(AwsCheckError):
    """AWS cannot be reached, or the credentials are missing or refused."""


class StackNotDeployed(AwsCheckError):
    """The stack's VPC is not known: no ``vpcId`` output and the settings name no existing VPC (exit 2)."""

    exit_code = EXIT_BAD_INPUT


# ------------------------------------------------------------------------------------ plumbing


@contextmanager
def _translated_errors(region: str) -> Iterator[None]:
    """botocore's failures → AwsUnavailable/AwsCheckError with a message a user can act on."""
    try:
        yield
    except (bx.NoCredentialsError, bx.PartialCredentialsError, bx.CredentialRetrievalError) as e:
        raise AwsUnavailable(f"no usable AWS credentials ({e}); set a profile or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY") from None
    except bx.ProfileNotFound as e:
        raise AwsUnavailable(f"{e}") from None
    except (bx.EndpointConnectionError, bx.ConnectTimeoutError, bx.ReadTimeoutError, bx.ConnectionClosedError) as e:
        raise AwsUnavailable(f"cannot reach AWS in {region}: {e}") from None
    except bx.ClientError as e:
        err = e.response.get("Error", {})
        code, msg = err.get("Code", "?"), err.get("Message", "")
        op = getattr(e, "operation_name", "?")
        if code in _AUTH_ERRORS:
            raise AwsUnavailable(f"AWS refused the credentials or the permission for {op} in {region}: {code}: {msg}") from None
        raise AwsCheckError(f"AWS call {op} failed in {region}: {code}: {msg}") from None
    except bx.BotoCoreError as e:
        raise AwsUnavailable(f"AWS call failed in {region}: {e}") from None


class _Aws:
    """The few clients a check needs, from one session, region pinned."""

    def __init__(self, region: str, session: boto3.Session | None, config: Config = _CLIENT_CONFIG):
        self.region = region
        self._session = session or boto3.Session(region_name=region)
        self._clients: dict[str, Any] = {}
        self._config = config

    def client(self, service: str) -> Any:
        if service not in self._clients:
            self._clients[service] = self._session.client(service, region_name=self.region, config=self._config)
        return self._clients[service]

    @property
    def ec2(self) -> Any:
        return self.client("ec2")

    def pages(self, operation: str, key: str, **kwargs: Any) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for page in self.ec2.get_paginator(operation).paginate(**kwargs):
            out.extend(page.get(key, []))
        return out


def _code(e: bx.ClientError) -> str:
    return e.response.get("Error", {}).get("Code", "")


def _short_name(name: str, region: str) -> str:
    """``com.amazonaws.us-west-2.ecr.api`` → ``ecr.api``; short names pass through."""
    marker = f".{region}."
    return name.split(marker, 1)[1] if marker in name else name


def _full_name(name: str, region: str) -> str:
    return name if f".{region}." in name else catalog.service_name(name, region)


def _endpoint_type(name: str, region: str) -> str:
    svc = catalog.BY_NAME.get(_short_name(name, region))
    return svc.type if svc else "Interface"


# ------------------------------------------------------------------------------------ VPC facts


def _vpc(aws: _Aws, vpc_id: str) -> dict[str, Any] | None:
    try:
        vpcs = aws.ec2.describe_vpcs(VpcIds=[vpc_id])["Vpcs"]
    except bx.ClientError as e:
        if _code(e) in ("InvalidVpcID.NotFound", "InvalidVpcID.Malformed"):
            return None
        raise
    return vpcs[0] if vpcs else None


def _vpc_cidrs(vpc: Mapping[str, Any]) -> list[str]:
    # The rule the endpoints are built by (components/endpoints.py, cidrs_to_admit).
    return cidrs_to_admit(vpc["CidrBlock"], [
        a["CidrBlock"] for a in vpc.get("CidrBlockAssociationSet", [])
        if a.get("CidrBlockState", {}).get("State", ASSOCIATED) == ASSOCIATED])


def _dns_findings(aws: _Aws, vpc: Mapping[str, Any]) -> list[Finding]:
    """DNS support and hostnames on, and DHCP options that hand out the Amazon resolver: without
    them the endpoints' private DNS names do not resolve and nodes cannot reach AWS."""
    vpc_id = vpc["VpcId"]
    out: list[Finding] = []
    for attribute, key, check in (("enableDnsSupport", "EnableDnsSupport", "vpc-dns-support"),
                                  ("enableDnsHostnames", "EnableDnsHostnames", "vpc-dns-hostnames")):
        value = aws.ec2.describe_vpc_attribute(VpcId=vpc_id, Attribute=attribute)[key]["Value"]
        if not value:
            out.append(Finding(check, vpc_id, f"{attribute} is off; interface endpoints' private DNS needs it on"))
    # With no option set at all ("default"), Nitro instances get the Amazon resolver anyway
    # (the VPC guide, "DHCP option set concepts"); a custom set must list it.
    dopt = vpc.get("DhcpOptionsId") or "default"
    if dopt != "default":
        try:
            sets = aws.ec2.describe_dhcp_options(DhcpOptionsIds=[dopt])["DhcpOptions"]
        except bx.ClientError as e:
            if _code(e) != "InvalidDhcpOptionID.NotFound":
                raise
            sets = []
        servers = [v.get("Value", "") for s in sets for conf in s.get("DhcpConfigurations", [])
                   if conf.get("Key") == "domain-name-servers" for v in conf.get("Values", [])]
        if "AmazonProvidedDNS" not in servers:
            out.append(Finding(
                "vpc-dhcp-dns", vpc_id,
                f"has DHCP options {dopt} with domain-name-servers {', '.join(servers) or 'unset'}; "
                "they must include AmazonProvidedDNS for the endpoints' private DNS names to resolve"))
    return out


def _route_tables(aws: _Aws, vpc_id: str) -> list[dict[str, Any]]:
    return aws.pages("describe_route_tables", "RouteTables", Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])


def _explicit_tables(tables: Iterable[Mapping[str, Any]]) -> tuple[dict[str, str], str | None]:
    """subnet id → its explicitly associated route table, and the VPC's main route table."""
    by_subnet: dict[str, str] = {}
    main = None
    for t in tables:
        for a in t.get("Associations", []):
            if a.get("AssociationState", {}).get("State", "associated") != "associated":
                continue
            if a.get("Main"):
                main = t["RouteTableId"]
            elif a.get("SubnetId"):
                by_subnet[a["SubnetId"]] = t["RouteTableId"]
    return by_subnet, main


def _subnets(aws: _Aws, *, ids: Sequence[str] | None = None, vpc_id: str | None = None) -> list[dict[str, Any]]:
    # A filter rather than SubnetIds: an unknown id then simply does not come back.
    filters = [{"Name": "subnet-id", "Values": list(ids)}] if ids is not None else [{"Name": "vpc-id", "Values": [vpc_id]}]
    if ids is not None and not ids:
        return []
    return aws.pages("describe_subnets", "Subnets", Filters=filters)


def _vpc_endpoints(aws: _Aws, vpc_id: str) -> list[dict[str, Any]]:
    return aws.pages("describe_vpc_endpoints", "VpcEndpoints", Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])


# ------------------------------------------------------------------------------------ preflight


def preflight(settings: StackSettings, *, session: boto3.Session | None = None) -> list[Finding]:
    """What would make pass 1 fail or build a cluster that cannot work — checked before anything
    is created: the region offers every endpoint service in the chosen AZs, and an existing VPC
    has DNS on, the Amazon resolver, an explicit route table per subnet, and no endpoint that the
    EndpointSet would collide with. Existing subnets that are in fact public (public IPs, a route
    out) are named too, rather than found by the audit after the cluster exists. A managed node
    group's own launch template must require IMDSv2 (pulumi-eks cannot set it there)."""
    with _translated_errors(settings.region):
        return _preflight(_Aws(settings.region, session), settings)


def _preflight(aws: _Aws, settings: StackSettings) -> list[Finding]:
    cluster = settings.cluster
    findings: list[Finding] = []
    zones: list[str] | None = list(cluster.availability_zones) or cluster.subnet_zones()
    vpc: dict[str, Any] | None = None
    subnets: list[dict[str, Any]] = []

    if not cluster.new_vpc:
        ids = [s.id for s in cluster.private_subnets.values() if s.id]
        subnets = _subnets(aws, ids=ids)
        found = {s["SubnetId"] for s in subnets}
        for key, spec in cluster.private_subnets.items():
            if spec.id and spec.id not in found:
                findings.append(Finding("subnet-exists", spec.id,
                                        f"vpc.subnets.private.{key}: no such subnet in {aws.region}"))
        vpc_id = cluster.vpc.id or next((s["VpcId"] for s in subnets), None)
        if vpc_id:
            vpc = _vpc(aws, vpc_id)
            if vpc is None:
                findings.append(Finding("vpc-exists", vpc_id, f"no such VPC in {aws.region}"))
        for s in subnets:
            if vpc_id and s["VpcId"] != vpc_id:
                findings.append(Finding("subnet-vpc", s["SubnetId"], f"is in {s['VpcId']}, not in {vpc_id}"))
        if zones is None:
            zones = sorted({s["AvailabilityZone"] for s in subnets}) or None

    findings += _service_findings(aws, settings, zones)

    if vpc is not None:
        findings += _dns_findings(aws, vpc)
        tables = _route_tables(aws, vpc["VpcId"])
        by_subnet, main = _explicit_tables(tables)
        for s in subnets:
            if s["SubnetId"] not in by_subnet and s["VpcId"] == vpc["VpcId"]:
                findings.append(Finding(
                    "subnet-main-route-table", s["SubnetId"],
                    f"has no explicit route table (it uses the main route table {main}); give it its own "
                    "route table: the main route table is never modified"))
            # Subnets given as private that are not: better said now than by the audit after pass 2.
            if s.get("MapPublicIpOnLaunch"):
                findings.append(Finding("subnet-public-ip", s["SubnetId"],
                                        "is listed as private but maps public IPv4 addresses on launch"))
        ours = sorted({by_subnet[s["SubnetId"]] for s in subnets if s["SubnetId"] in by_subnet})
        by_id = {t["RouteTableId"]: t for t in tables}
        for rtb in ours:
            findings += _route_findings(by_id[rtb])
        if not cluster.private_cluster.skip_endpoint_creation:
            findings += _collisions(aws, settings, vpc["VpcId"], ours)
    findings += _launch_template_findings(aws, settings)
    return findings


_LAUNCH_TEMPLATE_GONE = frozenset({"InvalidLaunchTemplateId.NotFound", "InvalidLaunchTemplateId.VersionNotFound",
                                   "InvalidLaunchTemplateId.Malformed"})


def _launch_template_findings(aws: _Aws, settings: StackSettings) -> list[Finding]:
    """A managed node group's own launch template: pulumi-eks cannot require IMDSv2 on a template it
    does not make (nodejs/eks/nodes/nodegroup.ts: enableIMDSv2 conflicts with launchTemplate), so the
    template must require tokens itself; anything else — no such template or version, tokens
    optional or unset — is a finding. Also eksctl's checks of a given template
    (pkg/cfn/builder/managed_nodegroup.go, validateLaunchTemplate)."""
    findings: list[Finding] = []
    for i, ng in enumerate(settings.cluster.managed_node_groups):
        lt = ng.launch_template
        if lt is None:
            continue
        path = f"managedNodeGroups[{i}].launchTemplate"
        which = f"version {lt.version}" if lt.version else "the default version"
        try:
            versions = aws.ec2.describe_launch_template_versions(
                LaunchTemplateId=lt.id, Versions=[lt.version or "$Default"])["LaunchTemplateVersions"]
        except bx.ClientError as e:
            if _code(e) not in _LAUNCH_TEMPLATE_GONE:
                raise
            findings.append(Finding("launch-template-exists", lt.id, f"{path}: no such launch template or {which} "
                                                                     f"in {aws.region}"))
            continue
        if not versions:
            findings.append(Finding("launch-template-exists", lt.id, f"{path}: {which} not found in {aws.region}"))
            continue
        data = versions[0].get("LaunchTemplateData") or {}
        tokens = (data.get("MetadataOptions") or {}).get("HttpTokens")
        if tokens != "required":
            findings.append(Finding("launch-template-imdsv2", lt.id, (
                f"{path}: {which} does not require IMDSv2 (MetadataOptions.HttpTokens is "
                f"{tokens or 'unset, which allows IMDSv1'}); nodes here always require IMDSv2: set HttpTokens to "
                "required in the template")))
        if not data.get("InstanceType") and not ng.instance_types:
            findings.append(Finding("launch-template-instance-type", lt.id, (
                f"{path}: the template has no instance type; set one there or managedNodeGroups[{i}].instanceTypes")))
        elif data.get("InstanceType") and ng.instance_types:
            findings.append(Finding("launch-template-instance-type", lt.id, (
                f"managedNodeGroups[{i}].instanceTypes: the template sets an instance type already")))
        if data.get("ImageId"):
            # pulumi-eks gives the node group an AMI type from its operating system whenever it makes no
            # launch template itself (nodegroup.ts), and EKS fails a node group with both (CreateNodegroup,
            # amiType: "don't specify amiType" with a custom AMI in the launch template).
            findings.append(Finding("launch-template-ami", lt.id, (
                f"{path}: the template sets an AMI (ImageId {data['ImageId']}); the node group gets the AMI type of "
                f"managedNodeGroups[{i}].amiFamily, which EKS refuses together with a custom AMI in the template: "
                "remove ImageId (the EKS-optimised AMI of amiFamily is used)")))
        # eksctl checks the profile's ARN; EKS's launch template rules take no profile at all.
        if data.get("IamInstanceProfile"):
            findings.append(Finding("launch-template-instance-profile", lt.id, (
                f"{path}: the template may not name an IAM instance profile (EKS gives the nodes the node role)")))
    return findings


def _offered_services(aws: _Aws) -> dict[str, dict[str, set[str]]]:
    """The region's endpoint services: name → endpoint type → availability zones.

    The whole catalog, paged, rather than ServiceNames=[…]: an unknown name there fails the whole
    call instead of coming back missing. A name can come back more than once (S3 is listed as a
    Gateway and as an Interface service): the zones that matter are those of the type we create.
    """
    offered: dict[str, dict[str, set[str]]] = {}
    for page in aws.ec2.get_paginator("describe_vpc_endpoint_services").paginate():
        for d in page.get("ServiceDetails", []):
            by_type = offered.setdefault(d["ServiceName"], {})
            for t in d.get("ServiceType", []):
                by_type.setdefault(t.get("ServiceType", "?"), set()).update(d.get("AvailabilityZones", []))
    return offered


def _service_findings(aws: _Aws, settings: StackSettings, zones: list[str] | None) -> list[Finding]:
    wanted = settings.endpoint_services()
    if not wanted:
        return []
    offered = _offered_services(aws)
    out: list[Finding] = []
    for svc in wanted:
        name = catalog.service_name(svc.name, aws.region)
        by_type = offered.get(name)
        if by_type is None:
            out.append(Finding("service-not-in-region", name,
                               f"endpoint service {svc.name!r} is not offered in region {aws.region}"))
            continue
        if svc.type not in by_type:
            out.append(Finding("service-type", name,
                               f"is offered as {', '.join(sorted(by_type))} in {aws.region}, not as {svc.type}"))
            continue
        if zones:
            azs = by_type[svc.type]
            if azs and not azs & set(zones):
                out.append(Finding("service-not-in-azs", name,
                                   f"endpoint service {svc.name!r} is not offered in any chosen availability zone "
                                   f"({', '.join(zones)}) of {aws.region}; it is offered in {', '.join(sorted(azs))}"))
    return out


def _collisions(aws: _Aws, settings: StackSettings, vpc_id: str, route_tables: list[str]) -> list[Finding]:
    """Endpoints already in the VPC that the EndpointSet's would clash with."""
    out: list[Finding] = []
    wanted = {catalog.service_name(s.name, aws.region): s for s in settings.endpoint_services()}
    for e in _vpc_endpoints(aws, vpc_id):
        if e.get("State", "").lower() in _GONE_STATES or e.get("ServiceName") not in wanted:
            continue
        svc = wanted[e["ServiceName"]]
        if e.get("VpcEndpointType") == "Gateway" and svc.type == "Gateway":
            shared = sorted(set(e.get("RouteTableIds", [])) & set(route_tables))
            if shared:
                out.append(Finding(
                    "endpoint-collision", e["VpcEndpointId"],
                    f"an existing {svc.name} gateway endpoint is already on route table(s) {', '.join(shared)}; "
                    "creating another fails — use the existing endpoints with privateCluster.skipEndpointCreation: true"))
        elif e.get("VpcEndpointType") == "Interface" and svc.type == "Interface" and e.get("PrivateDnsEnabled"):
            out.append(Finding(
                "endpoint-collision", e["VpcEndpointId"],
                f"an existing {svc.name} interface endpoint with private DNS is in {vpc_id}; another one with "
                "private DNS cannot be created — use privateCluster.skipEndpointCreation: true"))
    return out


# ---------------------------------------------------------------------------------------- audit


def audit(
    *,
    region: str,
    vpc_id: str,
    cluster_name: str | None = None,
    expected_services: Sequence[str] | None = None,
    created_vpc: bool = False,
    subnet_ids: Sequence[str] | None = None,
    route_table_ids: Sequence[str] | None = None,
    session: boto3.Session | None = None,
) -> list[Finding]:
    """Check that a VPC (and its cluster) is private: API endpoint private-only, no way out to the
    internet, no public IPs, the endpoints there and usable. Works for any VPC/cluster, including
    ones this tool did not create. ``expected_services`` takes short (``ecr.api``) or full
    service names; the default is the required set."""
    with _translated_errors(region):
        return _audit(_Aws(region, session), vpc_id, cluster_name, expected_services, created_vpc, subnet_ids, route_table_ids)


def audit_stack(settings: StackSettings, outputs: Mapping[str, Any], *, session: boto3.Session | None = None) -> list[Finding]:
    """The audit of a deployed stack, from its outputs (``vpcId``, ``clusterName``,
    ``privateSubnetIds``, ``routeTableIds``, ``endpointServiceNames``) and settings."""
    vpc_id = stack_vpc_id(settings, outputs, session=session)
    services = _plain(outputs.get("endpointServiceNames"))
    if not services:
        services = _expected_from_settings(settings)
    return audit(
        region=settings.region,
        vpc_id=vpc_id,
        cluster_name=_plain(outputs.get("clusterName")) or settings.cluster.metadata.name,
        expected_services=list(services),
        created_vpc=settings.cluster.new_vpc,
        subnet_ids=_plain(outputs.get("privateSubnetIds")) or None,
        route_table_ids=_plain(outputs.get("routeTableIds")) or None,
        session=session,
    )


def stack_vpc_id(settings: StackSettings, outputs: Mapping[str, Any] | None = None, *,
                 session: boto3.Session | None = None) -> str:
    """The stack's VPC: the ``vpcId`` output, else ``vpc.id``, else the existing subnets' VPC."""
    vpc_id = _plain((outputs or {}).get("vpcId")) or settings.cluster.vpc.id or _vpc_of_subnets(settings, session)
    if not vpc_id:
        raise StackNotDeployed(
            f"stack {settings.stack}: no vpcId output and the settings name no existing VPC or subnet; "
            "the VPC is created by the stack, so audit it after `up` (or give its id)")
    return vpc_id


def _vpc_of_subnets(settings: StackSettings, session: boto3.Session | None) -> str | None:
    """eksctl's rule: with subnet ids and no vpc.id, the VPC is the subnets' VPC."""
    ids = [s.id for s in settings.cluster.private_subnets.values() if s.id]
    if not ids:
        return None
    with _translated_errors(settings.region):
        return next((s["VpcId"] for s in _subnets(_Aws(settings.region, session), ids=ids)), None)


def _plain(value: Any) -> Any:
    """Automation API outputs are ``OutputValue(value=…)``; plain mappings hold the value."""
    value = getattr(value, "value", value)
    if isinstance(value, Mapping):  # privateSubnetIds may be keyed by AZ
        return list(value.values())
    return value


def _expected_from_settings(settings: StackSettings) -> list[str]:
    """With skipEndpointCreation the user brings the endpoints: they must still be there."""
    return [s.name for s in catalog.endpoint_services(
        logging_enabled=settings.cluster.logging_enabled,
        additional=settings.cluster.private_cluster.additional_endpoint_services,
        skip=False,
    )]


def _audit(
    aws: _Aws,
    vpc_id: str,
    cluster_name: str | None,
    expected_services: Sequence[str] | None,
    created_vpc: bool,
    subnet_ids: Sequence[str] | None,
    route_table_ids: Sequence[str] | None,
) -> list[Finding]:
    findings: list[Finding] = []
    vpc = _vpc(aws, vpc_id)
    cluster_subnets: list[str] | None = None
    cluster_groups: list[str] = []
    if cluster_name:
        cluster_findings, cluster_cfg = _cluster_findings(aws, cluster_name, vpc_id)
        findings += cluster_findings
        if cluster_cfg is not None:
            cluster_subnets = list(cluster_cfg.get("subnetIds", []))
            cluster_groups = [g for g in [cluster_cfg.get("clusterSecurityGroupId"), *cluster_cfg.get("securityGroupIds", [])] if g]
    if vpc is None:
        return findings + [Finding("vpc-exists", vpc_id, f"no such VPC in {aws.region}")]

    findings += _dns_findings(aws, vpc)

    igws = aws.pages("describe_internet_gateways", "InternetGateways",
                     Filters=[{"Name": "attachment.vpc-id", "Values": [vpc_id]}])
    if created_vpc:
        for igw in igws:
            findings.append(Finding("igw-attached", igw["InternetGatewayId"],
                                    f"internet gateway attached to {vpc_id}, a VPC that must have none"))

    vpc_subnets = {s["SubnetId"]: s for s in _subnets(aws, vpc_id=vpc_id)}
    if created_vpc or (subnet_ids is None and cluster_subnets is None):
        scope = list(vpc_subnets)
    else:
        scope = list(dict.fromkeys(list(subnet_ids or []) + list(cluster_subnets or [])))
    scope = [s for s in scope if s in vpc_subnets]  # cluster subnets elsewhere: reported as cluster-vpc

    tables = {t["RouteTableId"]: t for t in _route_tables(aws, vpc_id)}
    by_subnet, main = _explicit_tables(tables.values())
    in_scope_tables: list[str] = []
    for sid in scope:
        subnet = vpc_subnets[sid]
        if subnet.get("MapPublicIpOnLaunch"):
            findings.append(Finding("subnet-public-ip", sid, "maps public IPv4 addresses on launch (MapPublicIpOnLaunch is on)"))
        if subnet.get("MapCustomerOwnedIpOnLaunch"):
            findings.append(Finding("subnet-public-ip", sid, "maps customer-owned IPv4 addresses on launch"))
        rtb = by_subnet.get(sid)
        if rtb is None:
            findings.append(Finding("subnet-main-route-table", sid,
                                    f"has no explicit route table; it uses the main route table {main}"))
            rtb = main
        if rtb and rtb not in in_scope_tables:
            in_scope_tables.append(rtb)
    for rtb in route_table_ids or []:
        if rtb not in tables:
            findings.append(Finding("route-table-exists", rtb, f"no such route table in {vpc_id}"))
        elif rtb not in in_scope_tables:
            in_scope_tables.append(rtb)

    for rtb in in_scope_tables:
        findings += _route_findings(tables[rtb])

    findings += _endpoint_findings(aws, vpc, expected_services, in_scope_tables, cluster_groups)
    return findings


# `status` asks on every run: a short answer or none (the state is then all it can say).
_QUICK_CONFIG = Config(connect_timeout=5, read_timeout=10, retries={"max_attempts": 2})


@dataclass(frozen=True)
class EndpointAccess:
    """A cluster's API endpoint access as AWS has it (DescribeCluster's resourcesVpcConfig)."""

    public: bool
    private: bool
    public_cidrs: tuple[str, ...]
    status: str


def cluster_endpoint_access(region: str, name: str, *, session: boto3.Session | None = None) -> EndpointAccess | None:
    """The cluster's endpoint access from AWS, None when there is no such cluster. The state can be
    behind AWS (a run killed while EKS applied a change): this is the truth the runner compares it
    with. Raises AwsUnavailable when AWS cannot be asked."""
    aws = _Aws(region, session, _QUICK_CONFIG)
    with _translated_errors(region):
        try:
            cluster = aws.client("eks").describe_cluster(name=name)["cluster"]
        except bx.ClientError as e:
            if _code(e) == "ResourceNotFoundException":
                return None
            raise
    cfg = cluster.get("resourcesVpcConfig", {})
    public = bool(cfg.get("endpointPublicAccess", True))
    cidrs = tuple(cfg.get("publicAccessCidrs") or (["0.0.0.0/0"] if public else []))
    return EndpointAccess(public, bool(cfg.get("endpointPrivateAccess", not public)), cidrs if public else (),
                          str(cluster.get("status", "")))


def _cluster_findings(aws: _Aws, name: str, vpc_id: str) -> tuple[list[Finding], dict[str, Any] | None]:
    """Findings about the cluster, and its resourcesVpcConfig (None when there is no cluster)."""
    try:
        cluster = aws.client("eks").describe_cluster(name=name)["cluster"]
    except bx.ClientError as e:
        if _code(e) == "ResourceNotFoundException":
            return [Finding("cluster-exists", name, f"no such EKS cluster in {aws.region}")], None
        raise
    cfg = cluster.get("resourcesVpcConfig", {})
    out: list[Finding] = []
    public = cfg.get("endpointPublicAccess", True)
    # EKS refuses to turn both off, so public off with private unreported means private on.
    private = cfg.get("endpointPrivateAccess", not public)
    if public:
        cidrs = cfg.get("publicAccessCidrs") or ["0.0.0.0/0"]
        out.append(Finding("cluster-public-access", name,
                           f"the Kubernetes API endpoint is publicly accessible (from {', '.join(cidrs)}); turn public access off"))
    if not private:
        out.append(Finding("cluster-private-access", name,
                           "private access to the Kubernetes API endpoint is off; nodes in the VPC cannot reach it"))
    subnet_ids = list(cfg.get("subnetIds", []))
    elsewhere = {s["VpcId"] for s in _subnets(aws, ids=subnet_ids)} - {vpc_id}
    if cfg.get("vpcId") and cfg["vpcId"] != vpc_id:
        elsewhere.add(cfg["vpcId"])
    if elsewhere:
        out.append(Finding("cluster-vpc", name, f"runs in {', '.join(sorted(elsewhere))}, not (only) in {vpc_id}"))
    return out, cfg


# Targets that reach the internet whatever the destination, and targets that are a way out only
# as the default route (elsewhere they are normal private routing: on-premises, appliances).
_INTERNET_TARGETS = ("internet gateway", "NAT gateway", "egress-only internet gateway", "carrier gateway")


def _route_target(route: Mapping[str, Any]) -> tuple[str, str] | None:
    """(kind, id) of a route's target that may lead out of the VPC; None for local, endpoint,
    virtual private gateway and peering routes."""
    gw = route.get("GatewayId") or ""
    if gw.startswith("igw-"):
        return "internet gateway", gw
    for key, kind in (("NatGatewayId", "NAT gateway"), ("EgressOnlyInternetGatewayId", "egress-only internet gateway"),
                      ("CarrierGatewayId", "carrier gateway"), ("TransitGatewayId", "transit gateway"),
                      ("InstanceId", "instance (NAT instance?)"), ("NetworkInterfaceId", "network interface (NAT instance?)")):
        if route.get(key):
            return kind, route[key]
    return None


def _route_findings(table: Mapping[str, Any]) -> list[Finding]:
    out: list[Finding] = []
    for route in table.get("Routes", []):
        target = _route_target(route)
        if target is None:
            continue
        kind, target_id = target
        dest = route.get("DestinationCidrBlock") or route.get("DestinationIpv6CidrBlock") or route.get("DestinationPrefixListId") or "?"
        if kind not in _INTERNET_TARGETS and dest not in _DEFAULT_ROUTES:
            continue
        state = route.get("State", "active")
        extra = f" (state {state})" if state != "active" else ""
        out.append(Finding("egress-route", table["RouteTableId"],
                           f"routes {dest} to {kind} {target_id}{extra}; a private cluster's route tables must not lead out"))
    return out


def _endpoint_findings(
    aws: _Aws, vpc: Mapping[str, Any], expected_services: Sequence[str] | None, route_tables: list[str],
    cluster_groups: Sequence[str] = (),
) -> list[Finding]:
    region, vpc_id = aws.region, vpc["VpcId"]
    names = list(expected_services) if expected_services is not None else list(catalog.REQUIRED_NAMES)
    endpoints = [e for e in _vpc_endpoints(aws, vpc_id) if e.get("State", "").lower() not in ("deleted",)]
    out: list[Finding] = []
    missing: list[Finding] = []
    groups_of: dict[str, list[str]] = {}  # endpoint id -> its security groups, for the 443 check
    for name in dict.fromkeys(names):
        full, kind = _full_name(name, region), _endpoint_type(name, region)
        mine = [e for e in endpoints if e.get("ServiceName") == full and e.get("VpcEndpointType") == kind]
        if not mine:
            other = sorted({e.get("VpcEndpointType", "?") for e in endpoints if e.get("ServiceName") == full})
            hint = f" (only a {', '.join(other)} endpoint)" if other else ""
            missing.append(Finding("endpoint-missing", full, f"no {kind} VPC endpoint in {vpc_id}{hint}"))
            continue
        usable = [e for e in mine if e.get("State", "").lower() == "available"]
        if not usable:
            states = ", ".join(f"{e['VpcEndpointId']} is {e.get('State', '?')}" for e in mine)
            out.append(Finding("endpoint-state", full, f"no available endpoint: {states}"))
            continue
        if kind == "Interface":
            if not any(e.get("PrivateDnsEnabled") for e in usable):
                ids = ", ".join(e["VpcEndpointId"] for e in usable)
                out.append(Finding("endpoint-private-dns", ids,
                                   f"{full} interface endpoint has private DNS off; nodes would still resolve the public name"))
            for e in usable:
                groups_of[e["VpcEndpointId"]] = [g["GroupId"] for g in e.get("Groups", [])]
        else:
            on = {rtb for e in usable for rtb in e.get("RouteTableIds", [])}
            for rtb in route_tables:
                if rtb not in on:
                    out.append(Finding("s3-gateway-route-table", rtb,
                                       f"the {full} gateway endpoint ({', '.join(e['VpcEndpointId'] for e in usable)}) "
                                       "is not on this private route table"))
    if missing:
        # Say why an endpoint cannot be there when the region does not offer the service at all.
        offered = _offered_services(aws)
        for f in missing:
            if f.resource not in offered:
                f = Finding("service-not-in-region", f.resource,
                            f"no VPC endpoint in {vpc_id}: region {region} does not offer this endpoint service")
            out.append(f)
    out += _security_group_findings(aws, vpc, groups_of, cluster_groups)
    return out


def _security_group_findings(
    aws: _Aws, vpc: Mapping[str, Any], groups_of: Mapping[str, list[str]], cluster_groups: Iterable[str] = ()
) -> list[Finding]:
    """Each interface endpoint's groups must admit TCP 443 from the whole VPC CIDR — or from the
    cluster itself: a rule naming one of the cluster's groups, or the endpoint's own group, which
    is how eksctl builds its endpoints (the nodes' shared group). The VPC's default group's
    self-rule is AWS boilerplate, not such a grant. An endpoint with no group gets the VPC's
    default group, as AWS does."""
    cidrs = [ipaddress.ip_network(c) for c in _vpc_cidrs(vpc)]
    default_sg: str | None = None
    if any(not gs for gs in groups_of.values()):
        found = aws.pages("describe_security_groups", "SecurityGroups", Filters=[
            {"Name": "vpc-id", "Values": [vpc["VpcId"]]}, {"Name": "group-name", "Values": ["default"]}])
        default_sg = found[0]["GroupId"] if found else None
    by_set: dict[tuple[str, ...], list[str]] = {}
    for endpoint, listed in groups_of.items():
        chosen = listed or ([default_sg] if default_sg else [])
        by_set.setdefault(tuple(sorted(chosen)), []).append(endpoint)
    all_groups = sorted({g for gs in by_set for g in gs})
    rules: dict[str, list[dict[str, Any]]] = {}
    names: dict[str, str] = {}
    if all_groups:
        # A filter rather than GroupIds: a group deleted under an endpoint then just has no rules.
        for sg in aws.pages("describe_security_groups", "SecurityGroups",
                            Filters=[{"Name": "group-id", "Values": all_groups}]):
            rules[sg["GroupId"]] = sg.get("IpPermissions", [])
            names[sg["GroupId"]] = sg.get("GroupName", "")
    out: list[Finding] = []
    for groups, endpoints in sorted(by_set.items()):
        if not groups:
            out.append(Finding("endpoint-security-group", ", ".join(sorted(endpoints)),
                               "interface endpoint has no security group; it needs one admitting TCP 443 from the VPC"))
            continue
        trusted = {g for g in groups if names.get(g) != "default"} | set(cluster_groups)
        if any(_admits_443(rules.get(g, []), groups=trusted) for g in groups):
            continue
        missing = [c for c in cidrs if not any(_admits_443(rules.get(g, []), cidr=c) for g in groups)]
        if missing:
            out.append(Finding("endpoint-security-group", ", ".join(groups),
                               f"does not admit TCP 443 from the VPC CIDR {', '.join(map(str, missing))} "
                               f"(security group of endpoint(s) {', '.join(sorted(endpoints))})"))
    return out


def _admits_443(permissions: Iterable[Mapping[str, Any]], *, cidr: ipaddress.IPv4Network | ipaddress.IPv6Network | None = None,
                groups: set[str] | frozenset[str] = frozenset()) -> bool:
    """Whether a rule lets TCP 443 in from all of ``cidr``, or from one of ``groups``."""
    for p in permissions:
        proto = str(p.get("IpProtocol", ""))
        if proto == "-1":
            ports_ok = True
        elif proto in ("tcp", "6"):
            ports_ok = p.get("FromPort", 0) <= 443 <= p.get("ToPort", 65535)
        else:
            ports_ok = False
        if not ports_ok:
            continue
        if groups and any(pair.get("GroupId") in groups for pair in p.get("UserIdGroupPairs", [])):
            return True
        for r in p.get("IpRanges", []) if cidr is not None else []:
            try:
                allowed = ipaddress.ip_network(r["CidrIp"], strict=False)
                if isinstance(cidr, ipaddress.IPv4Network) and isinstance(allowed, ipaddress.IPv4Network) \
                        and cidr.subnet_of(allowed):
                    return True
            except (KeyError, ValueError):
                continue
    return False

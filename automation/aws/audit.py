"""The audit, after pass 2: a VPC (and its cluster) is private — the API endpoint private-only, no
way out to the internet, no public IPs, the endpoints there and usable. It works for any VPC or
cluster, including ones this tool did not create.

Scope of the audit, decided here:

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
from typing import Any, Iterable, Mapping, Sequence

import boto3
import botocore.exceptions as bx

from automation.aws.client import (
    Aws,
    describe_route_tables,
    describe_subnets,
    describe_vpc,
    describe_vpc_endpoints,
    endpoint_type,
    error_code,
    explicit_tables,
    full_name,
    offered_services,
    short_name,
    translated_errors,
    vpc_cidrs,
)
from automation.aws.findings import AwsCheckError, Finding, StackNotDeployed
from automation.aws.reused_endpoints import associated_zones, needed_by, service_dns_names, zone_for
from automation.aws.vpc_checks import admits_443, dns_findings, route_findings
from components import catalog
from components.catalog import full_service_name
from components.settings import StackSettings

# What `private-eks audit` uses, with the errors the audit raises (translated_errors raises
# AwsCheckError; StackNotDeployed when the stack's VPC is not known).
__all__ = ["AwsCheckError", "Finding", "StackNotDeployed", "audit", "audit_stack", "stack_vpc_id"]


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
    with translated_errors(region):
        return _audit(Aws(region, session), vpc_id, cluster_name, expected_services, created_vpc, subnet_ids, route_table_ids)


def audit_stack(settings: StackSettings, outputs: Mapping[str, Any], *, session: boto3.Session | None = None) -> list[Finding]:
    """The audit of a deployed stack, from its outputs (``vpcId``, ``clusterName``,
    ``privateSubnetIds``, ``routeTableIds``, ``endpointServiceNames``) and settings."""
    vpc_id = stack_vpc_id(settings, outputs, session=session)
    selection = settings.endpoint_selection()
    # What the stack made (its output), else what it makes; and what it expects to find made by others.
    services = list(_plain(outputs.get("endpointServiceNames")) or _expected_from_settings(settings))
    services += [full_service_name(s, settings.region) for s in selection.expected if s.name not in services]
    found = audit(
        region=settings.region,
        vpc_id=vpc_id,
        cluster_name=_plain(outputs.get("clusterName")) or settings.cluster.metadata.name,
        expected_services=list(services),
        created_vpc=settings.cluster.new_vpc,
        subnet_ids=_plain(outputs.get("privateSubnetIds")) or None,
        route_table_ids=_plain(outputs.get("routeTableIds")) or None,
        session=session,
    )
    # A missing endpoint is named with the settings paths whose add-ons and roles call it.
    why = needed_by(selection)
    return [Finding(f.check, f.resource, f"{f.message} (needed by {why[short_name(f.resource, settings.region)]})")
            if f.check in ("endpoint-missing", "service-not-in-region") and short_name(f.resource, settings.region) in why
            else f for f in found]


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
    with translated_errors(settings.region):
        return next((s["VpcId"] for s in describe_subnets(Aws(settings.region, session), ids=ids)), None)


def _plain(value: Any) -> Any:
    """Automation API outputs are ``OutputValue(value=…)``; plain mappings hold the value."""
    value = getattr(value, "value", value)
    if isinstance(value, Mapping):  # privateSubnetIds may be keyed by AZ
        return list(value.values())
    return value


def _expected_from_settings(settings: StackSettings) -> list[str]:
    """The endpoints the stack makes (with skipEndpointCreation, none: the expected ones are added)."""
    return [full_service_name(s, settings.region) for s in settings.endpoint_services()]


def _audit(
    aws: Aws,
    vpc_id: str,
    cluster_name: str | None,
    expected_services: Sequence[str] | None,
    created_vpc: bool,
    subnet_ids: Sequence[str] | None,
    route_table_ids: Sequence[str] | None,
) -> list[Finding]:
    findings: list[Finding] = []
    vpc = describe_vpc(aws, vpc_id)
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

    findings += dns_findings(aws, vpc)

    igws = aws.pages("describe_internet_gateways", "InternetGateways",
                     Filters=[{"Name": "attachment.vpc-id", "Values": [vpc_id]}])
    if created_vpc:
        for igw in igws:
            findings.append(Finding("igw-attached", igw["InternetGatewayId"],
                                    f"internet gateway attached to {vpc_id}, a VPC that must have none"))

    vpc_subnets = {s["SubnetId"]: s for s in describe_subnets(aws, vpc_id=vpc_id)}
    if created_vpc or (subnet_ids is None and cluster_subnets is None):
        scope = list(vpc_subnets)
    else:
        scope = list(dict.fromkeys(list(subnet_ids or []) + list(cluster_subnets or [])))
    scope = [s for s in scope if s in vpc_subnets]  # cluster subnets elsewhere: reported as cluster-vpc

    tables = {t["RouteTableId"]: t for t in describe_route_tables(aws, vpc_id)}
    by_subnet, main = explicit_tables(tables.values())
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
        findings += route_findings(tables[rtb])

    findings += _endpoint_findings(aws, vpc, expected_services, in_scope_tables, cluster_groups)
    return findings




def _cluster_findings(aws: Aws, name: str, vpc_id: str) -> tuple[list[Finding], dict[str, Any] | None]:
    """Findings about the cluster, and its resourcesVpcConfig (None when there is no cluster)."""
    try:
        cluster = aws.client("eks").describe_cluster(name=name)["cluster"]
    except bx.ClientError as e:
        if error_code(e) == "ResourceNotFoundException":
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
    elsewhere = {s["VpcId"] for s in describe_subnets(aws, ids=subnet_ids)} - {vpc_id}
    if cfg.get("vpcId") and cfg["vpcId"] != vpc_id:
        elsewhere.add(cfg["vpcId"])
    if elsewhere:
        out.append(Finding("cluster-vpc", name, f"runs in {', '.join(sorted(elsewhere))}, not (only) in {vpc_id}"))
    return out, cfg




def _endpoint_findings(
    aws: Aws, vpc: Mapping[str, Any], expected_services: Sequence[str] | None, route_tables: list[str],
    cluster_groups: Sequence[str] = (),
) -> list[Finding]:
    region, vpc_id = aws.region, vpc["VpcId"]
    names = list(expected_services) if expected_services is not None else list(catalog.REQUIRED_NAMES)
    endpoints = [e for e in describe_vpc_endpoints(aws, vpc_id) if e.get("State", "").lower() not in ("deleted",)]
    out: list[Finding] = []
    missing: list[Finding] = []
    groups_of: dict[str, list[str]] = {}  # endpoint id -> its security groups, for the 443 check
    for name in dict.fromkeys(names):
        full, kind = full_name(name, region), endpoint_type(name, region)
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
        # An interface endpoint shared from a hub VPC answers through a private hosted zone associated
        # with this VPC (automation/aws/reused_endpoints.py).
        shared = [f for f in missing if _shared(aws, vpc_id, f.resource)]
        missing = [f for f in missing if f not in shared]
    if missing:
        # Say why an endpoint cannot be there when the region does not offer the service at all.
        offered = offered_services(aws)
        for f in missing:
            if f.resource not in offered:
                f = Finding("service-not-in-region", f.resource,
                            f"no VPC endpoint in {vpc_id}: region {region} does not offer this endpoint service")
            out.append(f)
    out += _security_group_findings(aws, vpc, groups_of, cluster_groups)
    return out


def _shared(aws: Aws, vpc_id: str, full: str) -> bool:
    if endpoint_type(full, aws.region) != "Interface":
        return False
    zones = associated_zones(aws, vpc_id)
    if not zones:
        return False
    names = service_dns_names(aws).get(full) or [f"{short_name(full, aws.region)}.{aws.region}.amazonaws.com"]
    return zone_for(names, zones, aws) is not None


def _security_group_findings(
    aws: Aws, vpc: Mapping[str, Any], groups_of: Mapping[str, list[str]], cluster_groups: Iterable[str] = ()
) -> list[Finding]:
    """Each interface endpoint's groups must admit TCP 443 from the whole VPC CIDR — or from the
    cluster itself: a rule naming one of the cluster's groups, or the endpoint's own group, which
    is how eksctl builds its endpoints (the nodes' shared group). The VPC's default group's
    self-rule is AWS boilerplate, not such a grant. An endpoint with no group gets the VPC's
    default group, as AWS does."""
    cidrs = [ipaddress.ip_network(c) for c in vpc_cidrs(vpc)]
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
        if any(admits_443(rules.get(g, []), groups=trusted) for g in groups):
            continue
        missing = [c for c in cidrs if not any(admits_443(rules.get(g, []), cidr=c) for g in groups)]
        if missing:
            out.append(Finding("endpoint-security-group", ", ".join(groups),
                               f"does not admit TCP 443 from the VPC CIDR {', '.join(map(str, missing))} "
                               f"(security group of endpoint(s) {', '.join(sorted(endpoints))})"))
    return out

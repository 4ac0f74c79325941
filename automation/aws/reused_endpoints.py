"""Endpoints the stack does not make: those named in ``privateCluster.existingEndpointServices`` (or
all of them with ``skipEndpointCreation``) must be in the VPC, or shared from a hub VPC through a
Route 53 private hosted zone associated with this VPC — the centralised-endpoint design of the
AWS whitepaper "Building a Scalable and Secure Multi-VPC AWS Network Infrastructure" ("Centralized
access to VPC private endpoints"): the hub turns private DNS off and each spoke gets a private hosted
zone named after the service's DNS name, aliased to the hub's endpoint.

Checked before pass 1 (automation/aws/preflight.py) and by the audit: an endpoint in the VPC must be
available, have private DNS on, and admit TCP 443 from every node subnet; an S3 gateway must be on
the nodes' route tables. A hub's endpoint is judged by its zone only: its security groups and the
route to the hub belong to another VPC (often another account) that this stack cannot read.
"""

from __future__ import annotations

import ipaddress
from typing import Any, Mapping, Sequence

import botocore.exceptions as bx

from automation.aws.client import Aws, describe_vpc_endpoints, error_code
from automation.aws.findings import Finding
from automation.aws.vpc_checks import admits_443
from components import catalog
from components.endpoint_needs import EndpointSelection

_USABLE = frozenset({"available", "pending", "pendingacceptance"})


def service_dns_names(aws: Aws) -> dict[str, list[str]]:
    """Endpoint service name -> its private DNS names, as the region describes them."""
    out: dict[str, list[str]] = {}
    for page in aws.ec2.get_paginator("describe_vpc_endpoint_services").paginate():
        for d in page.get("ServiceDetails", []):
            names = [d.get("PrivateDnsName")] + [n.get("PrivateDnsName") for n in d.get("PrivateDnsNames", [])]
            out.setdefault(d["ServiceName"], [])
            out[d["ServiceName"]] += [n for n in names if n and n not in out[d["ServiceName"]]]
    return out


def associated_zones(aws: Aws, vpc_id: str) -> list[dict[str, Any]]:
    """The private hosted zones associated with the VPC (Route 53 ListHostedZonesByVPC)."""
    r53 = aws.client("route53")
    zones: list[dict[str, Any]] = []
    token = None
    while True:
        kwargs: dict[str, Any] = {"VPCId": vpc_id, "VPCRegion": aws.region}
        if token:
            kwargs["NextToken"] = token
        try:
            page = r53.list_hosted_zones_by_vpc(**kwargs)
        except bx.ClientError as e:
            # Without route53:ListHostedZonesByVPC a hub's zones cannot be seen: the endpoint is then
            # reported missing, as it would be without the permission to see it.
            if error_code(e) in ("AccessDenied", "AccessDeniedException"):
                return []
            raise
        zones += page.get("HostedZoneSummaries", [])
        token = page.get("NextToken")
        if not token:
            return zones


def zone_for(dns_names: Sequence[str], zones: Sequence[Mapping[str, Any]], aws: Aws) -> str | None:
    """The associated zone that answers for one of the service's DNS names: a zone named after it
    (``*.dkr.ecr…`` by its parent), or a parent zone holding a record of that name."""
    for dns in dns_names:
        name = dns.lower().removeprefix("*.").rstrip(".")
        for z in zones:
            zone = str(z.get("Name", "")).lower().rstrip(".")
            if zone == name:
                return str(z["HostedZoneId"])
            if name.endswith("." + zone):
                records = aws.client("route53").list_resource_record_sets(
                    HostedZoneId=z["HostedZoneId"], StartRecordName=dns, MaxItems="1").get("ResourceRecordSets", [])
                if records and records[0]["Name"].lower().rstrip(".") in (dns.lower().rstrip("."), name):
                    return str(z["HostedZoneId"])
    return None


def reused_findings(aws: Aws, selection: EndpointSelection, *, vpc_id: str, path: str,
                    node_subnets: Sequence[Mapping[str, Any]], node_route_tables: Sequence[str] = (),
                    needed_by: Mapping[str, str] | None = None) -> list[Finding]:
    """Each expected endpoint (``selection.expected``) in the VPC and usable from the node subnets,
    or resolved through a private hosted zone associated with the VPC."""
    if not selection.expected:
        return []
    endpoints = [e for e in describe_vpc_endpoints(aws, vpc_id) if str(e.get("State", "")).lower() in _USABLE]
    cidrs = [ipaddress.ip_network(s["CidrBlock"]) for s in node_subnets if s.get("CidrBlock")]
    dns: dict[str, list[str]] | None = None
    zones: list[dict[str, Any]] | None = None
    needed_by = needed_by or {}
    out: list[Finding] = []
    for svc in selection.expected:
        full = catalog.full_service_name(svc, aws.region)
        why = f" (needed by {needed_by[svc.name]})" if svc.name in needed_by else ""
        mine = [e for e in endpoints if e.get("ServiceName") == full and e.get("VpcEndpointType") == svc.type]
        if mine:
            out += _usable(aws, full, mine, svc.type, cidrs, node_route_tables, path)
            continue
        if svc.type == "Interface":
            if dns is None:
                dns, zones = service_dns_names(aws), associated_zones(aws, vpc_id)
            names = dns.get(full) or [f"{svc.name}.{aws.region}.amazonaws.com"]
            if zone_for(names, zones or [], aws):
                continue
            out.append(Finding("endpoint-missing", full, (
                f"{path}: {svc.name}{why}: no interface endpoint in {vpc_id} and no private hosted zone associated "
                f"with it answers for {names[0]}")))
        else:
            out.append(Finding("endpoint-missing", full, f"{path}: {svc.name}{why}: no gateway endpoint in {vpc_id} "
                                                         "(a gateway endpoint cannot be shared from another VPC)"))
    return out


def _usable(aws: Aws, full: str, mine: list[dict[str, Any]], kind: str, cidrs: list[Any],
            route_tables: Sequence[str], path: str) -> list[Finding]:
    ids = ", ".join(e["VpcEndpointId"] for e in mine)
    if kind == "Gateway":
        on = {rtb for e in mine for rtb in e.get("RouteTableIds", [])}
        return [Finding("s3-gateway-route-table", rtb, f"{path}: the {full} gateway endpoint ({ids}) is not on the "
                                                       "route table of the nodes' subnets") for rtb in route_tables
                if rtb not in on]
    out: list[Finding] = []
    if not any(e.get("PrivateDnsEnabled") for e in mine):
        out.append(Finding("endpoint-private-dns", ids, f"{path}: {full} has private DNS off; nodes would resolve "
                                                        "the public name"))
    groups = sorted({g["GroupId"] for e in mine for g in e.get("Groups", [])})
    rules = {sg["GroupId"]: sg.get("IpPermissions", []) for sg in aws.pages(
        "describe_security_groups", "SecurityGroups", Filters=[{"Name": "group-id", "Values": groups}])} if groups else {}
    # A rule naming a security group may name the nodes' (eksctl's endpoints admit its shared node
    # group), which does not exist before pass 1: such a rule is given the benefit of the doubt.
    paired = {p.get("GroupId") for g in groups for r in rules.get(g, []) for p in r.get("UserIdGroupPairs", [])}
    if any(admits_443(rules.get(g, []), groups=paired - {None}) for g in groups):
        return out
    shut = [str(c) for c in cidrs if not any(admits_443(rules.get(g, []), cidr=c) for g in groups)]
    if shut:
        out.append(Finding("endpoint-security-group", ids, f"{path}: {full}: its security groups "
                                                           f"({', '.join(groups) or 'none'}) do not admit TCP 443 from "
                                                           f"the node subnets {', '.join(shut)}"))
    return out


def needed_by(selection: EndpointSelection) -> dict[str, str]:
    """Service -> the settings paths that need it, for the findings' messages."""
    out: dict[str, list[str]] = {}
    for n in selection.needs:
        out.setdefault(n.service, [])
        if n.source_path not in out[n.service]:
            out[n.service].append(n.source_path)
    return {k: ", ".join(v) for k, v in out.items()}

"""The checks preflight (before pass 1) and the audit (after pass 2) both run on a VPC: DNS as
the endpoints' private names need it, and route tables that lead out of the VPC."""

from __future__ import annotations

import ipaddress
from typing import Any, Iterable, Mapping

import botocore.exceptions as bx

from automation.aws.client import Aws, error_code
from automation.aws.findings import Finding


def dns_findings(aws: Aws, vpc: Mapping[str, Any]) -> list[Finding]:
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
            if error_code(e) != "InvalidDhcpOptionID.NotFound":
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


# Targets that reach the internet whatever the destination, and targets that are a way out only
# as the default route (elsewhere they are normal private routing: on-premises, appliances).
INTERNET_TARGETS = ("internet gateway", "NAT gateway", "egress-only internet gateway", "carrier gateway")
DEFAULT_ROUTES = ("0.0.0.0/0", "::/0")


def route_target(route: Mapping[str, Any]) -> tuple[str, str] | None:
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


def route_findings(table: Mapping[str, Any]) -> list[Finding]:
    out: list[Finding] = []
    for route in table.get("Routes", []):
        target = route_target(route)
        if target is None:
            continue
        kind, target_id = target
        dest = route.get("DestinationCidrBlock") or route.get("DestinationIpv6CidrBlock") or route.get("DestinationPrefixListId") or "?"
        if kind not in INTERNET_TARGETS and dest not in DEFAULT_ROUTES:
            continue
        state = route.get("State", "active")
        extra = f" (state {state})" if state != "active" else ""
        out.append(Finding("egress-route", table["RouteTableId"],
                           f"routes {dest} to {kind} {target_id}{extra}; a private cluster's route tables must not lead out"))
    return out


def admits_443(permissions: Iterable[Mapping[str, Any]], *, cidr: ipaddress.IPv4Network | ipaddress.IPv6Network | None = None,
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

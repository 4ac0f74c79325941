"""EndpointSet: the VPC endpoints nodes need when nothing leaves the VPC (docs/architecture.md §5).

Interface endpoints get private DNS, so the services' usual host names resolve to the endpoints,
and go into the subnets of the AZs where the service is offered (asked of the region through the
``get_vpc_endpoint_service`` invoke). A service offered in none of the chosen AZs is an error, the
way eksctl reports "not supported in region" — never a silent skip. S3 is a Gateway endpoint on
every private route table.
"""

from __future__ import annotations

import ipaddress
from typing import Iterable, Mapping, Optional, Sequence

import pulumi
import pulumi_aws as aws

from components import catalog


class EndpointError(ValueError):
    """An endpoint service cannot be placed (names the service and the region)."""


# A VPC CIDR block association in use (EC2 VpcCidrBlockState: associating, associated,
# disassociating, disassociated, failing, failed).
ASSOCIATED = "associated"


def cidrs_to_admit(primary: str, associated: Iterable[str] = (), subnets: Iterable[str] = ()) -> list[str]:
    """The CIDRs the endpoints admit TCP 443 from, and the audit (automation/aws/audit.py) asks for:
    every IPv4 block associated with the VPC, primary first — nodes in a secondary block reach
    the endpoints too — and any subnet CIDR none of them holds."""
    out: list[str] = []
    for cidr in [primary, *associated]:
        if cidr and cidr not in out:
            out.append(cidr)
    blocks = [ipaddress.ip_network(c, strict=False) for c in out]
    for cidr in subnets:
        net = ipaddress.ip_network(cidr, strict=False)
        if cidr not in out and not any(net.version == b.version and net.subnet_of(b) for b in blocks):  # type: ignore[arg-type]
            out.append(cidr)
    return out


def _slug(service: str) -> str:
    return service.replace(".", "-")


class EndpointSet(pulumi.ComponentResource):
    """Interface endpoints, their security group and the S3 gateway; nothing when ``services`` is empty.
    ``policies`` maps a short service name to its endpoint policy JSON (components/endpoint_policy.py)."""

    service_names: list[str]
    endpoints: dict[str, aws.ec2.VpcEndpoint]

    def __init__(
        self,
        name: str,
        *,
        region: str,
        services: Sequence[catalog.EndpointService],
        vpc_id: pulumi.Input[str],
        vpc_cidrs: Sequence[pulumi.Input[str]],
        subnet_ids: Mapping[str, pulumi.Input[str]],
        route_table_ids: Sequence[pulumi.Input[str]],
        source: str = "",
        policies: Optional[Mapping[str, str]] = None,
        tags: Optional[Mapping[str, str]] = None,
        opts: Optional[pulumi.ResourceOptions] = None,
    ):
        super().__init__("private-eks:endpoints:EndpointSet", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        tags = dict(tags or {})
        self.service_names = []
        self.endpoints = {}
        interface = [s for s in services if s.type == "Interface"]

        # Placement first, so that every unavailable service fails before anything is declared.
        placement: dict[str, list[str]] = {}
        for svc in interface:
            full = catalog.full_service_name(svc, region)
            offered = aws.ec2.get_vpc_endpoint_service(
                service_name=full, service_type="Interface", opts=pulumi.InvokeOptions(parent=self)
            ).availability_zones or []
            zones = [az for az in subnet_ids if az in offered]
            if not zones:
                where = ", ".join(subnet_ids)
                prefix = f"{source}: " if source else ""
                raise EndpointError(
                    f"{prefix}endpoint service {full} ({svc.name}) is not supported in region {region} "
                    f"in any of the cluster's availability zones ({where})"
                )
            placement[svc.name] = zones

        security_group = None
        if interface:
            security_group = aws.ec2.SecurityGroup(
                f"{name}-sg",
                vpc_id=vpc_id,
                description="VPC endpoints: HTTPS from inside the VPC",
                ingress=[aws.ec2.SecurityGroupIngressArgs(
                    protocol="tcp", from_port=443, to_port=443, cidr_blocks=list(vpc_cidrs),
                    description="HTTPS from the VPC",
                )],
                tags={**tags, "Name": f"{name}-sg"},
                opts=child,
            )
        policies = dict(policies or {})
        for svc in services:
            full = catalog.full_service_name(svc, region)
            # None is no input at all: AWS then attaches its default policy (full access), as before.
            policy = policies.get(svc.name)
            if svc.type == "Interface":
                endpoint = aws.ec2.VpcEndpoint(
                    f"{name}-{_slug(svc.name)}",
                    vpc_id=vpc_id,
                    service_name=full,
                    vpc_endpoint_type="Interface",
                    private_dns_enabled=True,
                    subnet_ids=[subnet_ids[az] for az in placement[svc.name]],
                    security_group_ids=[security_group.id],  # type: ignore[union-attr]
                    policy=policy,
                    tags={**tags, "Name": f"{name}-{_slug(svc.name)}"},
                    opts=child,
                )
            else:
                endpoint = aws.ec2.VpcEndpoint(
                    f"{name}-{_slug(svc.name)}",
                    vpc_id=vpc_id,
                    service_name=full,
                    vpc_endpoint_type="Gateway",
                    route_table_ids=_dedupe(route_table_ids),
                    policy=policy,
                    tags={**tags, "Name": f"{name}-{_slug(svc.name)}"},
                    opts=child,
                )
            self.endpoints[svc.name] = endpoint
            self.service_names.append(full)
        self.register_outputs({"serviceNames": self.service_names})


def _dedupe(items: Sequence[pulumi.Input[str]]) -> list[pulumi.Input[str]]:
    # Several adopted subnets may share a route table; an Output (a new table) is always distinct.
    out: list[pulumi.Input[str]] = []
    for item in items:
        if isinstance(item, pulumi.Output) or item not in out:
            out.append(item)
    return out

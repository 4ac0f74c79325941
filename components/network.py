"""PrivateNetwork: private subnets only — a new VPC, or the user's VPC and subnets adopted as they are.

A new VPC gets one private subnet per AZ, each with its own route table (explicit association) and
no route out: no internet gateway, NAT gateway, EIP or default route, and no public IP mapping.
An adopted VPC is read through invokes; each subnet must have an explicit route table of its own,
because the VPC's main route table is never modified (eksctl's rule).
"""

from __future__ import annotations

import ipaddress
import math
from typing import Optional

import pulumi
import pulumi_aws as aws

from components.endpoints import ASSOCIATED, cidrs_to_admit
from components.settings import StackSettings, subnet_zone

INTERNAL_ELB_TAG = "kubernetes.io/role/internal-elb"
DEFAULT_AZ_COUNT = 3


class NetworkError(ValueError):
    """The network settings cannot be turned into private subnets (names the subnet and the config path)."""


def carve_blocks(vpc_cidr: str, count: int) -> list[str]:
    """The VPC CIDR split in eight (as eksctl does), or finer when more than eight blocks are needed."""
    net = ipaddress.ip_network(vpc_cidr)
    extra = max(3, math.ceil(math.log2(max(count, 1))))
    return [str(b) for b in net.subnets(prefixlen_diff=max(0, min(extra, net.max_prefixlen - 4 - net.prefixlen)))]


class PrivateNetwork(pulumi.ComponentResource):
    """The VPC, its private subnets (by AZ) and their route tables."""

    vpc_id: pulumi.Input[str]
    vpc_cidr: pulumi.Input[str]
    # Every CIDR block of the VPC the nodes may sit in (endpoints.cidrs_to_admit).
    vpc_cidrs: list[pulumi.Input[str]]
    zones: list[str]
    subnet_ids: dict[str, pulumi.Input[str]]
    subnet_ids_by_name: dict[str, pulumi.Input[str]]
    route_table_ids: list[pulumi.Input[str]]

    def __init__(self, name: str, settings: StackSettings, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("private-eks:network:PrivateNetwork", name, None, opts)
        self._settings = settings
        cluster = settings.cluster
        self._tags = dict(cluster.metadata.tags)
        if cluster.new_vpc:
            self._create(name)
        else:
            self._adopt()
        self.register_outputs({
            "vpcId": self.vpc_id,
            "vpcCidr": self.vpc_cidr,
            "subnetIds": self.subnet_ids,
            "routeTableIds": self.route_table_ids,
        })

    # ----------------------------------------------------------------------------- new VPC

    def _zones_for_new_vpc(self) -> list[str]:
        cluster = self._settings.cluster
        if cluster.availability_zones:
            return list(cluster.availability_zones)
        configured = cluster.subnet_zones()
        if configured:
            return configured
        available = aws.get_availability_zones(state="available", opts=pulumi.InvokeOptions(parent=self))
        names = list(available.names or [])
        if len(names) < 2:
            raise NetworkError(f"{self._settings.source}: region {self._settings.region} offers "
                               f"{len(names)} availability zone(s); a cluster needs at least two")
        return names[:DEFAULT_AZ_COUNT]

    def _create(self, name: str) -> None:
        cluster = self._settings.cluster
        child = pulumi.ResourceOptions(parent=self)
        configured: dict[str, str] = {}
        for key, s in cluster.private_subnets.items():
            az = subnet_zone(key, s)  # the settings refuse a new subnet without one
            if az and s.cidr:
                configured[az] = s.cidr
        zones = self._zones_for_new_vpc()
        cidrs = {az: configured[az] for az in zones if az in configured}
        missing = [az for az in zones if az not in cidrs]
        if missing:
            # Carve only from blocks that do not overlap the configured subnets.
            taken = [ipaddress.ip_network(c) for c in cidrs.values()]
            pool = [c for c in carve_blocks(cluster.vpc_cidr, len(zones))
                    if not any(ipaddress.ip_network(c).overlaps(t) for t in taken)]
            if len(pool) < len(missing):
                raise NetworkError(f"{self._settings.source}: vpc.cidr {cluster.vpc_cidr} has no room for "
                                   f"subnets in {', '.join(missing)}; give vpc.subnets.private.<az>.cidr")
            cidrs.update(zip(missing, pool))

        vpc = aws.ec2.Vpc(
            f"{name}-vpc",
            cidr_block=cluster.vpc_cidr,
            enable_dns_support=True,
            enable_dns_hostnames=True,
            tags={**self._tags, "Name": f"{cluster.metadata.name}-vpc"},
            opts=child,
        )
        self.vpc_id = vpc.id
        self.vpc_cidr = cluster.vpc_cidr
        self.vpc_cidrs = [cluster.vpc_cidr]
        self.zones = zones
        self.subnet_ids = {}
        self.route_table_ids = []
        for az in zones:
            subnet = aws.ec2.Subnet(
                f"{name}-private-{az}",
                vpc_id=vpc.id,
                cidr_block=cidrs[az],
                availability_zone=az,
                map_public_ip_on_launch=False,
                private_dns_hostname_type_on_launch=cluster.vpc.hostname_type,
                tags={**self._tags, "Name": f"{cluster.metadata.name}-private-{az}", INTERNAL_ELB_TAG: "1"},
                opts=child,
            )
            # No routes beyond the implicit local one: there is nowhere to go but the VPC.
            table = aws.ec2.RouteTable(
                f"{name}-private-{az}-rt",
                vpc_id=vpc.id,
                tags={**self._tags, "Name": f"{cluster.metadata.name}-private-{az}"},
                opts=child,
            )
            aws.ec2.RouteTableAssociation(
                f"{name}-private-{az}-rta", subnet_id=subnet.id, route_table_id=table.id, opts=child
            )
            self.subnet_ids[az] = subnet.id
            self.route_table_ids.append(table.id)
        # Node groups may name subnets by their key in vpc.subnets.private.
        self.subnet_ids_by_name = {key: self.subnet_ids[subnet_zone(key, spec) or ""]
                                   for key, spec in cluster.private_subnets.items()}

    # ------------------------------------------------------------------------ existing VPC

    def _adopt(self) -> None:
        settings = self._settings
        cluster = settings.cluster
        invoke = pulumi.InvokeOptions(parent=self)
        vpc_id = cluster.vpc.id
        subnet_ids: dict[str, str] = {}
        subnet_cidrs: list[str] = []
        self.subnet_ids_by_name = {}
        tables: list[str] = []
        for key, spec in cluster.private_subnets.items():
            path = f"vpc.subnets.private.{key}"
            if spec.id:
                subnet = aws.ec2.get_subnet(id=spec.id, opts=invoke)
            else:
                # eksctl's import of subnets given by CIDR: the subnet of the VPC with that CIDR.
                subnet = aws.ec2.get_subnet(vpc_id=vpc_id, cidr_block=spec.cidr, opts=invoke)
            sid = subnet.id
            if vpc_id is None:
                vpc_id = subnet.vpc_id
            elif subnet.vpc_id != vpc_id:
                raise NetworkError(f"{settings.source}: {path}: subnet {sid} is in {subnet.vpc_id}, "
                                   f"not in the cluster's VPC {vpc_id}")
            if spec.cidr and spec.id and subnet.cidr_block != spec.cidr:
                raise NetworkError(f"{settings.source}: {path}.cidr: subnet {sid} has the CIDR {subnet.cidr_block}, "
                                   f"not {spec.cidr}")
            if subnet.map_public_ip_on_launch:
                raise NetworkError(f"{settings.source}: {path}: subnet {sid} maps public IPs on launch; "
                                   "a fully-private cluster needs private subnets")
            az = subnet.availability_zone
            want_az = subnet_zone(key, spec)
            if want_az and want_az != az:
                raise NetworkError(f"{settings.source}: {path}: subnet {sid} is in {az}, not {want_az}")
            if az in subnet_ids:
                raise NetworkError(f"{settings.source}: {path}: subnet {sid} is a second subnet in {az} "
                                   f"(after {subnet_ids[az]}); give one subnet per availability zone")
            # Only an explicit association matches this filter: a subnet on the main route table
            # has none, and the main route table must not be touched.
            found = aws.ec2.get_route_tables(
                vpc_id=subnet.vpc_id,
                filters=[aws.ec2.GetRouteTablesFilterArgs(name="association.subnet-id", values=[sid])],
                opts=invoke,
            )
            ids = list(found.ids or [])
            if not ids:
                raise NetworkError(
                    f"{settings.source}: {path}: subnet {sid} has no explicit route table (it uses the VPC's "
                    "main route table, which is never modified); associate a route table of its own with it"
                )
            subnet_ids[az] = sid
            subnet_cidrs.append(subnet.cidr_block)
            self.subnet_ids_by_name[key] = sid
            if ids[0] not in tables:
                tables.append(ids[0])
        zones = sorted(subnet_ids)
        if cluster.availability_zones:
            unknown = sorted(set(zones) - set(cluster.availability_zones))
            if unknown:
                raise NetworkError(f"{settings.source}: vpc.subnets.private: subnets in {', '.join(unknown)} "
                                   "are not in availabilityZones")
        vpc = aws.ec2.get_vpc(id=vpc_id, opts=invoke)
        if cluster.vpc.cidr and vpc.cidr_block != cluster.vpc.cidr:
            raise NetworkError(f"{settings.source}: vpc.cidr: {cluster.vpc.cidr} is not the CIDR of {vpc_id} "
                               f"({vpc.cidr_block}); remove it or correct it")
        self.vpc_id = vpc_id  # type: ignore[assignment]
        self.vpc_cidr = vpc.cidr_block
        self.vpc_cidrs = cidrs_to_admit(  # type: ignore[assignment]
            vpc.cidr_block, [a.cidr_block for a in vpc.cidr_block_associations or [] if a.state == ASSOCIATED],
            subnet_cidrs)
        self.zones = zones
        self.subnet_ids = {az: subnet_ids[az] for az in zones}
        self.route_table_ids = tables  # type: ignore[assignment]

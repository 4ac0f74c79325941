"""Builds a clean fully-private VPC and cluster in moto (in-process or its server), and the ways
to break it. Everything goes through boto3 calls, so the same builder serves both."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import boto3

from components import catalog

REGION = "us-west-2"
ROLE = "arn:aws:iam::123456789012:role/eks-cluster"


@lru_cache(maxsize=16)
def client(session: boto3.Session, service: str, region: str) -> Any:
    """One client per session and service: making a client costs more than moto's calls."""
    return session.client(service, region_name=region)


def cluster_name_for(test_name: str) -> str:
    """A valid EKS cluster name (letters, digits, '-', at most 100) unique to a test."""
    return ("c-" + re.sub(r"[^A-Za-z0-9]+", "-", test_name))[:100].rstrip("-")


@dataclass
class PrivateVpc:
    region: str
    vpc_id: str
    cidr: str
    subnet_ids: list[str]
    route_table_ids: list[str]
    main_route_table_id: str
    security_group_id: str
    endpoint_ids: dict[str, str] = field(default_factory=dict)  # short service name -> vpce id
    cluster_name: str | None = None


def build_private_vpc(
    session: boto3.Session,
    *,
    region: str = REGION,
    cidr: str = "10.0.0.0/16",
    zones: tuple[str, ...] = ("a", "b", "c"),
    services: tuple[str, ...] = catalog.REQUIRED_NAMES,
    cluster_name: str | None = "private-cluster",
    endpoints: bool = True,
) -> PrivateVpc:
    """What PrivateNetwork + EndpointSet + PrivateCluster leave behind after pass 2."""
    ec2 = client(session, "ec2", region)
    vpc_id = ec2.create_vpc(CidrBlock=cidr)["Vpc"]["VpcId"]
    ec2.modify_vpc_attribute(VpcId=vpc_id, EnableDnsSupport={"Value": True})
    ec2.modify_vpc_attribute(VpcId=vpc_id, EnableDnsHostnames={"Value": True})
    # AWS gives a new VPC the account's default options (AmazonProvidedDNS); moto gives none.
    dopt = ec2.create_dhcp_options(DhcpConfigurations=[
        {"Key": "domain-name-servers", "Values": ["AmazonProvidedDNS"]},
        {"Key": "domain-name", "Values": [f"{region}.compute.internal"]},
    ])["DhcpOptions"]["DhcpOptionsId"]
    ec2.associate_dhcp_options(DhcpOptionsId=dopt, VpcId=vpc_id)
    main = ec2.describe_route_tables(Filters=[
        {"Name": "vpc-id", "Values": [vpc_id]}, {"Name": "association.main", "Values": ["true"]},
    ])["RouteTables"][0]["RouteTableId"]

    base = cidr.split(".")
    subnets, tables = [], []
    for i, z in enumerate(zones):
        sid = ec2.create_subnet(VpcId=vpc_id, CidrBlock=f"{base[0]}.{base[1]}.{i * 32}.0/19",
                                AvailabilityZone=f"{region}{z}")["Subnet"]["SubnetId"]
        rtb = ec2.create_route_table(VpcId=vpc_id)["RouteTable"]["RouteTableId"]
        ec2.associate_route_table(RouteTableId=rtb, SubnetId=sid)
        subnets.append(sid)
        tables.append(rtb)

    sg = ec2.create_security_group(GroupName="endpoints", Description="VPC endpoints", VpcId=vpc_id)["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=sg, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": cidr}]},
    ])
    vpc = PrivateVpc(region, vpc_id, cidr, subnets, tables, main, sg)

    if endpoints:
        for name in services:
            svc = catalog.BY_NAME[name]
            vpc.endpoint_ids[name] = create_endpoint(session, vpc, name, gateway=svc.type == "Gateway")

    if cluster_name:
        client(session, "eks", region).create_cluster(
            name=cluster_name, roleArn=ROLE,
            resourcesVpcConfig={"subnetIds": subnets, "endpointPublicAccess": False, "endpointPrivateAccess": True},
        )
        vpc.cluster_name = cluster_name
    return vpc


def create_endpoint(session: boto3.Session, vpc: PrivateVpc, name: str, *, gateway: bool = False,
                    private_dns: bool = True, route_tables: list[str] | None = None,
                    security_group: str | None = None) -> str:
    ec2 = client(session, "ec2", vpc.region)
    service = catalog.service_name(name, vpc.region)
    if gateway:
        return ec2.create_vpc_endpoint(
            VpcId=vpc.vpc_id, ServiceName=service, VpcEndpointType="Gateway",
            RouteTableIds=route_tables if route_tables is not None else vpc.route_table_ids,
        )["VpcEndpoint"]["VpcEndpointId"]
    return ec2.create_vpc_endpoint(
        VpcId=vpc.vpc_id, ServiceName=service, VpcEndpointType="Interface", SubnetIds=vpc.subnet_ids,
        SecurityGroupIds=[security_group or vpc.security_group_id], PrivateDnsEnabled=private_dns,
    )["VpcEndpoint"]["VpcEndpointId"]


# ------------------------------------------------------------------------------ ways to break it


def attach_internet_gateway_with_default_route(session: boto3.Session, vpc: PrivateVpc) -> str:
    ec2 = client(session, "ec2", vpc.region)
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc.vpc_id)
    ec2.create_route(RouteTableId=vpc.route_table_ids[0], DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    return igw


def add_nat_gateway_route(session: boto3.Session, vpc: PrivateVpc) -> str:
    ec2 = client(session, "ec2", vpc.region)
    alloc = ec2.allocate_address(Domain="vpc")["AllocationId"]
    nat = ec2.create_nat_gateway(SubnetId=vpc.subnet_ids[2], AllocationId=alloc)["NatGateway"]["NatGatewayId"]
    ec2.create_route(RouteTableId=vpc.route_table_ids[1], DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat)
    return nat


def add_egress_only_ipv6_route(session: boto3.Session, vpc: PrivateVpc) -> str:
    ec2 = client(session, "ec2", vpc.region)
    eigw = ec2.create_egress_only_internet_gateway(VpcId=vpc.vpc_id)["EgressOnlyInternetGateway"]["EgressOnlyInternetGatewayId"]
    ec2.create_route(RouteTableId=vpc.route_table_ids[2], DestinationIpv6CidrBlock="::/0", EgressOnlyInternetGatewayId=eigw)
    return eigw


def add_transit_gateway_default_route(session: boto3.Session, vpc: PrivateVpc) -> str:
    ec2 = client(session, "ec2", vpc.region)
    tgw = ec2.create_transit_gateway(Description="hub")["TransitGateway"]["TransitGatewayId"]
    ec2.create_transit_gateway_vpc_attachment(TransitGatewayId=tgw, VpcId=vpc.vpc_id, SubnetIds=vpc.subnet_ids)
    ec2.create_route(RouteTableId=vpc.route_table_ids[0], DestinationCidrBlock="0.0.0.0/0", TransitGatewayId=tgw)
    return tgw


def map_public_ips(session: boto3.Session, vpc: PrivateVpc, index: int = 1) -> str:
    ec2 = client(session, "ec2", vpc.region)
    sid = vpc.subnet_ids[index]
    ec2.modify_subnet_attribute(SubnetId=sid, MapPublicIpOnLaunch={"Value": True})
    return sid


def delete_endpoint(session: boto3.Session, vpc: PrivateVpc, name: str) -> str:
    ec2 = client(session, "ec2", vpc.region)
    ec2.delete_vpc_endpoints(VpcEndpointIds=[vpc.endpoint_ids.pop(name)])
    return catalog.service_name(name, vpc.region)


def replace_without_private_dns(session: boto3.Session, vpc: PrivateVpc, name: str) -> str:
    delete_endpoint(session, vpc, name)
    vpc.endpoint_ids[name] = create_endpoint(session, vpc, name, private_dns=False)
    return vpc.endpoint_ids[name]


def detach_s3_gateway_from(session: boto3.Session, vpc: PrivateVpc, index: int = 2) -> str:
    ec2 = client(session, "ec2", vpc.region)
    rtb = vpc.route_table_ids[index]
    ec2.modify_vpc_endpoint(VpcEndpointId=vpc.endpoint_ids["s3"], RemoveRouteTableIds=[rtb])
    return rtb


def revoke_443(session: boto3.Session, vpc: PrivateVpc) -> str:
    ec2 = client(session, "ec2", vpc.region)
    ec2.revoke_security_group_ingress(GroupId=vpc.security_group_id, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": vpc.cidr}]},
    ])
    # What a careless edit leaves: SSH from the VPC, HTTPS from one host only.
    ec2.authorize_security_group_ingress(GroupId=vpc.security_group_id, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": vpc.cidr}]},
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "10.0.0.10/32"}]},
    ])
    return vpc.security_group_id


def open_public_access(session: boto3.Session, vpc: PrivateVpc) -> str:
    assert vpc.cluster_name
    client(session, "eks", vpc.region).update_cluster_config(
        name=vpc.cluster_name,
        resourcesVpcConfig={"subnetIds": vpc.subnet_ids, "endpointPublicAccess": True,
                            "endpointPrivateAccess": True, "publicAccessCidrs": ["0.0.0.0/0"]},
    )
    return vpc.cluster_name


def dns_hostnames_off(session: boto3.Session, vpc: PrivateVpc) -> str:
    ec2 = client(session, "ec2", vpc.region)
    ec2.modify_vpc_attribute(VpcId=vpc.vpc_id, EnableDnsHostnames={"Value": False})
    return vpc.vpc_id


def dhcp_without_amazon_dns(session: boto3.Session, vpc: PrivateVpc) -> str:
    ec2 = client(session, "ec2", vpc.region)
    dopt = ec2.create_dhcp_options(DhcpConfigurations=[
        {"Key": "domain-name-servers", "Values": ["10.0.0.53", "10.0.1.53"]},
    ])["DhcpOptions"]["DhcpOptionsId"]
    ec2.associate_dhcp_options(DhcpOptionsId=dopt, VpcId=vpc.vpc_id)
    return vpc.vpc_id


def leave_subnet_on_main_route_table(session: boto3.Session, vpc: PrivateVpc, index: int = 0) -> str:
    """Drop a subnet's explicit association: it falls back to the VPC's main route table."""
    ec2 = client(session, "ec2", vpc.region)
    sid = vpc.subnet_ids[index]
    table = ec2.describe_route_tables(Filters=[{"Name": "association.subnet-id", "Values": [sid]}])["RouteTables"][0]
    assoc = next(a["RouteTableAssociationId"] for a in table["Associations"] if a.get("SubnetId") == sid)
    ec2.disassociate_route_table(AssociationId=assoc)
    return sid

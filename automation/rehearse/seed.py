"""An existing VPC for a stack that adopts one: the rehearsal's account is empty, so the VPC, the
subnets the stack names (each in its AZ, with an explicit route table, as the preflight requires of
a real one) are made in moto first, and the temporary copy of the stack file gets moto's ids."""

from __future__ import annotations

import ipaddress
from pathlib import Path

import yaml


def seed_existing_vpc(stack_file: Path, endpoint: str) -> list[str]:
    """Make what ``stack_file`` adopts; returns "old id -> new id" notes (none for a new VPC)."""
    import boto3

    doc = yaml.safe_load(stack_file.read_text())
    config = doc.get("config") or {}
    cluster = config.get("private-eks:cluster") or {}
    vpc_cfg = cluster.get("vpc") or {}
    subnets = ((vpc_cfg.get("subnets") or {}).get("private") or {})
    named = {az: spec for az, spec in subnets.items() if isinstance(spec, dict) and spec.get("id")}
    if not vpc_cfg.get("id") and not named:
        return []
    region = config.get("aws:region") or "us-west-2"
    ec2 = boto3.session.Session().client("ec2", region_name=region, endpoint_url=endpoint,
                                         aws_access_key_id="testing", aws_secret_access_key="testing")
    cidr = vpc_cfg.get("cidr") or "10.0.0.0/16"
    vpc = ec2.create_vpc(CidrBlock=cidr)["Vpc"]["VpcId"]
    for attr in ("EnableDnsSupport", "EnableDnsHostnames"):
        ec2.modify_vpc_attribute(VpcId=vpc, **{attr: {"Value": True}})
    text = stack_file.read_text()
    notes = []
    if vpc_cfg.get("id"):
        text = text.replace(vpc_cfg["id"], vpc)
        notes.append(f"{vpc_cfg['id']} -> {vpc}")
    blocks = ipaddress.ip_network(cidr).subnets(new_prefix=20)
    for az, spec in named.items():
        block = spec.get("cidr") or str(next(blocks))
        sid = ec2.create_subnet(VpcId=vpc, CidrBlock=block, AvailabilityZone=az)["Subnet"]["SubnetId"]
        rt = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
        ec2.associate_route_table(RouteTableId=rt, SubnetId=sid)
        text = text.replace(spec["id"], sid)
        notes.append(f"{spec['id']} -> {sid}")
    stack_file.write_text(text)
    return notes

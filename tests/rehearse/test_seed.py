"""The VPC a stack adopts, made in the rehearsal's empty account."""

from __future__ import annotations

from pathlib import Path

import boto3
import yaml

from automation.rehearse.seed import seed_existing_vpc
from automation.rehearse.session import start_moto

STACK = """config:
  aws:region: us-west-2
  private-eks:cluster:
    metadata: {name: x}
    vpc:
      id: vpc-0dd338ecf29863c55
      subnets:
        private:
          us-west-2b: {id: subnet-0818beec303f8419b}
          us-west-2c: {id: subnet-0d9a3c8b1b4c2a7e5}
"""


def test_the_adopted_vpc_exists_as_the_preflight_wants_it(tmp_path: Path):
    """docs/architecture.md §8, preflight for an existing VPC: DNS support and hostnames on, each subnet in its AZ
    with an explicit route table of its own; the copy of the stack file names moto's ids."""
    server = start_moto()
    try:
        stack = tmp_path / "Pulumi.x.yaml"
        stack.write_text(STACK)
        notes = seed_existing_vpc(stack, server.url)
        assert len(notes) == 3
        doc = yaml.safe_load(stack.read_text())["config"]["private-eks:cluster"]["vpc"]
        ec2 = boto3.client("ec2", region_name="us-west-2", endpoint_url=server.url,
                           aws_access_key_id="testing", aws_secret_access_key="testing")
        vpc = doc["id"]
        assert ec2.describe_vpc_attribute(VpcId=vpc, Attribute="enableDnsHostnames")["EnableDnsHostnames"]["Value"]
        for az, spec in doc["subnets"]["private"].items():
            subnet = ec2.describe_subnets(SubnetIds=[spec["id"]])["Subnets"][0]
            assert subnet["AvailabilityZone"] == az and subnet["VpcId"] == vpc
            tables = ec2.describe_route_tables(Filters=[{"Name": "association.subnet-id", "Values": [spec["id"]]}])
            assert len(tables["RouteTables"]) == 1
    finally:
        server.stop()


def test_a_new_vpc_needs_nothing(tmp_path: Path):
    stack = tmp_path / "Pulumi.y.yaml"
    stack.write_text("config:\n  private-eks:cluster:\n    metadata: {name: y}\n    vpc: {cidr: 10.0.0.0/16}\n")
    assert seed_existing_vpc(stack, "http://127.0.0.1:1") == []

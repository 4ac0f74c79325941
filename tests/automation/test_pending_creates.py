"""Every half-made create recovers (automation/aws/pending_creates.py): each pending ``creating``
operation of an exported deployment is adopted with AWS's id when AWS has the resource, cleared when
it has none, kept (and said) when AWS cannot tell. AWS is moto's in-process emulation.

The ids are pulumi-aws's import ids (each resource's "Import" section: ``aws.eks.NodeGroup``
``cluster_name:node_group_name``, ``aws.ec2.SecurityGroup`` the group id, ``aws.ec2.VpcEndpoint``
the endpoint id); the operation semantics are Pulumi's ``refresh --import-pending-creates`` /
``--clear-pending-creates`` (pulumi pkg/cmd/pulumi/operations/refresh.go)."""

from __future__ import annotations

import boto3
import pytest
from moto import mock_aws

from automation.aws import pending_creates
from automation.passes import pending_operations

REGION = "us-west-2"


def create(type_: str, name_: str, **inputs) -> dict:
    return {"type": "creating", "resource": {"urn": f"urn:pulumi:dev::private-eks::{type_}::{name_}", "type": type_,
                                             "custom": True, "inputs": inputs}}


@pytest.fixture
def aws(monkeypatch):
    for k, v in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": REGION}.items():
        monkeypatch.setenv(k, v)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        yield pending_creates.boto3_clients(REGION, boto3.Session(region_name=REGION))


def test_each_pending_create_is_adopted_cleared_or_kept(aws):
    ec2, eks = aws("ec2"), aws("eks")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    group = ec2.create_security_group(GroupName="dev-nodes", Description="d", VpcId=vpc)["GroupId"]
    eks.create_cluster(name="dev", roleArn="arn:aws:iam::123456789012:role/c",
                       resourcesVpcConfig={"subnetIds": [subnet]})
    eks.create_nodegroup(clusterName="dev", nodegroupName="mng-apps", subnets=[subnet],
                         nodeRole="arn:aws:iam::123456789012:role/n")
    endpoint = ec2.create_vpc_endpoint(VpcId=vpc, ServiceName=f"com.amazonaws.{REGION}.s3",
                                       VpcEndpointType="Gateway")["VpcEndpoint"]["VpcEndpointId"]
    ops = [
        create("aws:eks/nodeGroup:NodeGroup", "mng-apps", clusterName="dev", nodeGroupName="mng-apps"),
        create("aws:ec2/securityGroup:SecurityGroup", "nodes", name="dev-nodes", vpcId=vpc),
        create("aws:ec2/vpcEndpoint:VpcEndpoint", "s3", vpcId=vpc, serviceName=f"com.amazonaws.{REGION}.s3"),
        create("aws:ec2/vpcEndpoint:VpcEndpoint", "sts", vpcId=vpc, serviceName=f"com.amazonaws.{REGION}.sts"),
        create("aws:eks/nodeGroup:NodeGroup", "gone", clusterName="dev", nodeGroupName="never-made"),
        create("aws:ec2/securityGroup:SecurityGroup", "other-vpc", name="dev-nodes", vpcId="vpc-0000000000000000f"),
        create("aws:ec2/vpc:Vpc", "vpc", cidrBlock="10.0.0.0/16"),  # no name AWS knows it by
        {"type": "updating", "resource": {"urn": "urn:x::c", "type": "aws:eks/cluster:Cluster", "inputs": {}}},
    ]
    deployment = {"resources": [{"urn": "urn:root", "type": "pulumi:pulumi:Stack"}], "pending_operations": ops}

    out, done = pending_creates.resolve(deployment, lambda r: pending_creates.find(r, aws))

    assert dict((u.rsplit("::", 1)[-1], i) for u, i in done.adopted) == {
        "mng-apps": "dev:mng-apps", "nodes": group, "s3": endpoint}
    assert [u.rsplit("::", 1)[-1] for u in done.cleared] == ["sts", "gone", "other-vpc"]
    assert [u.rsplit("::", 1)[-1] for u, _ in done.kept] == ["vpc"]
    # Adopted: a resource with AWS's id; the kept create and the update stay pending.
    ids = {r["urn"].rsplit("::", 1)[-1]: r.get("id") for r in out["resources"]}
    assert ids["mng-apps"] == "dev:mng-apps" and ids["nodes"] == group
    assert [(p.type, p.resource_type) for p in pending_operations(out)] == [
        ("creating", "aws:ec2/vpc:Vpc"), ("updating", "aws:eks/cluster:Cluster")]
    assert any("kept" in line and "docs/operations.md" in line for line in done.lines())


def test_an_unreachable_aws_keeps_the_operation(monkeypatch):
    def broken(service):
        raise RuntimeError("no route to AWS")

    class Client:
        def describe_nodegroup(self, **kw):
            raise RuntimeError("connect timeout")

    deployment = {"pending_operations": [create("aws:eks/nodeGroup:NodeGroup", "ng", clusterName="c",
                                                nodeGroupName="ng")]}
    out, done = pending_creates.resolve(deployment, lambda r: pending_creates.find(r, lambda s: Client()))
    assert done.adopted == [] and done.cleared == [] and len(done.kept) == 1
    assert "AWS could not be asked" in done.kept[0][1]
    assert len(out["pending_operations"]) == 1


def test_a_create_without_its_name_in_the_inputs_is_kept():
    deployment = {"pending_operations": [create("aws:ec2/securityGroup:SecurityGroup", "sg", vpcId="vpc-1")]}
    _, done = pending_creates.resolve(deployment, lambda r: pending_creates.find(r, lambda s: None))
    assert done.kept and "do not name it" in done.kept[0][1]

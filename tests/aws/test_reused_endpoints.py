"""Endpoints named per service as existing (privateCluster.existingEndpointServices) or all of them
skipped: preflight and audit find each one in the VPC or through a hub VPC's private hosted zone
(automation/aws/reused_endpoints.py), and name what is missing with the settings path that needs it.
Any PrivateLink service name is checked against the region's DescribeVpcEndpointServices."""

from __future__ import annotations

import boto3
import pytest

from automation.aws.audit import audit_stack
from automation.aws.preflight import preflight
from tests.aws import scenario as sc
from tests.aws.conftest import existing_vpc_settings

REGION = sc.REGION


@pytest.fixture
def existing(session) -> sc.PrivateVpc:
    return sc.build_private_vpc(session, endpoints=False, cluster_name=None)


def share_from_hub(session: boto3.Session, vpc: sc.PrivateVpc, dns_name: str) -> str:
    """What a hub's spoke gets (AWS whitepaper 'Building a Scalable and Secure Multi-VPC AWS Network
    Infrastructure', centralized VPC endpoints): a private hosted zone named after the service's DNS
    name, associated with the spoke VPC, aliased to the hub's endpoint."""
    r53 = session.client("route53", region_name=REGION)
    zone = r53.create_hosted_zone(Name=dns_name, CallerReference=f"{vpc.vpc_id}-{dns_name}",
                                  HostedZoneConfig={"PrivateZone": True},
                                  VPC={"VPCRegion": REGION, "VPCId": vpc.vpc_id})["HostedZone"]["Id"]
    r53.change_resource_record_sets(HostedZoneId=zone, ChangeBatch={"Changes": [{"Action": "CREATE", "ResourceRecordSet": {
        "Name": dns_name, "Type": "A", "TTL": 60, "ResourceRecords": [{"Value": "10.99.0.10"}]}}]})
    return zone


HUB = {"ecr.api": "api.ecr.us-west-2.amazonaws.com", "ecr.dkr": "dkr.ecr.us-west-2.amazonaws.com",
       "sts": "sts.us-west-2.amazonaws.com", "ec2": "ec2.us-west-2.amazonaws.com"}


def test_hub_shared_endpoints_pass_and_the_one_missing_is_named(session, existing):
    """Four services come from the hub; the fifth named (elasticfilesystem) has neither an endpoint nor
    a zone: it is the one finding, naming the path that lists it and the DNS name that does not resolve."""
    for dns in HUB.values():
        share_from_hub(session, existing, dns)
    sc.create_endpoint(session, existing, "s3", gateway=True)
    settings = existing_vpc_settings(existing, privateCluster={
        "existingEndpointServices": [*HUB, "s3", "elasticfilesystem"]},
        addons=[{"name": "aws-efs-csi-driver"}])
    findings = preflight(settings, session=session)
    assert [(f.check, f.resource) for f in findings] == [
        ("endpoint-missing", "com.amazonaws.us-west-2.elasticfilesystem")]
    msg = findings[0].message
    assert "privateCluster.existingEndpointServices" in msg and "elasticfilesystem.us-west-2.amazonaws.com" in msg
    assert "addons[0] (aws-efs-csi-driver)" in msg


def test_reused_endpoint_in_the_vpc_with_private_dns_off_and_no_443_is_found(session, existing):
    closed = session.client("ec2", region_name=REGION).create_security_group(
        GroupName="closed", Description="no rules", VpcId=existing.vpc_id)["GroupId"]
    vpce = sc.create_endpoint(session, existing, "sqs", private_dns=False, security_group=closed)
    settings = existing_vpc_settings(existing, privateCluster={"existingEndpointServices": ["sqs"]})
    found = {(f.check, f.resource) for f in preflight(settings, session=session)}
    assert found == {("endpoint-private-dns", vpce), ("endpoint-security-group", vpce)}


def test_reused_s3_gateway_must_be_on_the_nodes_route_tables(session, existing):
    sc.create_endpoint(session, existing, "s3", gateway=True, route_tables=existing.route_table_ids[:2])
    settings = existing_vpc_settings(existing, privateCluster={"existingEndpointServices": ["s3"]})
    findings = preflight(settings, session=session)
    assert [(f.check, f.resource) for f in findings] == [("s3-gateway-route-table", existing.route_table_ids[2])]


def test_skipped_endpoints_are_all_expected_and_derived_ones_named(session, existing):
    """With skipEndpointCreation every endpoint is the VPC's to have: the required ones and those the
    add-ons call (monitoring and logs for the CloudWatch observability add-on)."""
    for name in ("ec2", "ecr.api", "ecr.dkr", "sts"):
        sc.create_endpoint(session, existing, name)
    sc.create_endpoint(session, existing, "s3", gateway=True)
    settings = existing_vpc_settings(existing, privateCluster={"skipEndpointCreation": True},
                                     addons=[{"name": "amazon-cloudwatch-observability"}])
    findings = preflight(settings, session=session)
    assert sorted(f.resource for f in findings) == ["com.amazonaws.us-west-2.logs", "com.amazonaws.us-west-2.monitoring"]
    assert all("privateCluster.skipEndpointCreation" in f.message and "amazon-cloudwatch-observability" in f.message
               for f in findings)


def test_services_outside_the_old_list_are_checked_against_the_region(session):
    """sqs, monitoring and guardduty-data are offered by the region; a made-up one is not."""
    from tests.aws.conftest import stack_settings

    settings = stack_settings(availabilityZones=["us-west-2a", "us-west-2b"], privateCluster={
        "additionalEndpointServices": ["sqs", "monitoring", "com.amazonaws.us-west-2.guardduty-data", "no-such-svc"]})
    findings = preflight(settings, session=session)
    assert [(f.check, f.resource) for f in findings] == [("service-not-in-region", "com.amazonaws.us-west-2.no-such-svc")]


def test_audit_accepts_a_hub_shared_endpoint_and_names_a_missing_derived_one(session):
    """After `up`: the stack made ec2, sts, s3 (its output); ecr.* come from the hub; the GuardDuty
    agent's guardduty-data is neither made nor shared: the audit names it and the add-on."""
    vpc = sc.build_private_vpc(session, services=("ec2", "sts", "s3"), cluster_name="audit-hub")
    for name in ("ecr.api", "ecr.dkr"):
        share_from_hub(session, vpc, HUB[name])
    settings = existing_vpc_settings(vpc, name="audit-hub", privateCluster={"existingEndpointServices": [
        "ecr.api", "ecr.dkr", "guardduty-data"]}, addons=[{"name": "aws-guardduty-agent"}])
    outputs = {"vpcId": vpc.vpc_id, "clusterName": "audit-hub", "privateSubnetIds": vpc.subnet_ids,
               "endpointServiceNames": [f"com.amazonaws.us-west-2.{s}" for s in ("ec2", "sts", "s3")]}
    findings = audit_stack(settings, outputs, session=session)
    assert [(f.check, f.resource) for f in findings] == [("endpoint-missing", "com.amazonaws.us-west-2.guardduty-data")]
    assert "addons[0] (aws-guardduty-agent)" in findings[0].message


def test_a_parent_zone_holding_the_services_record_counts_as_shared(session, existing):
    """A hub may share one zone for the region (us-west-2.amazonaws.com) with a record per service."""
    r53 = session.client("route53", region_name=REGION)
    zone = r53.create_hosted_zone(Name="us-west-2.amazonaws.com", CallerReference=f"{existing.vpc_id}-parent",
                                  HostedZoneConfig={"PrivateZone": True},
                                  VPC={"VPCRegion": REGION, "VPCId": existing.vpc_id})["HostedZone"]["Id"]
    r53.change_resource_record_sets(HostedZoneId=zone, ChangeBatch={"Changes": [{"Action": "CREATE", "ResourceRecordSet": {
        "Name": "sqs.us-west-2.amazonaws.com", "Type": "A", "TTL": 60, "ResourceRecords": [{"Value": "10.99.0.11"}]}}]})
    shared = existing_vpc_settings(existing, privateCluster={"existingEndpointServices": ["sqs"]})
    missing = existing_vpc_settings(existing, privateCluster={"existingEndpointServices": ["sns"]})
    assert preflight(shared, session=session) == []
    assert [(f.check, f.resource) for f in preflight(missing, session=session)] == [
        ("endpoint-missing", "com.amazonaws.us-west-2.sns")]


def test_a_rule_admitting_a_security_group_is_taken_as_admitting_the_nodes(session, existing):
    """eksctl's endpoints admit 443 from the cluster's shared node group, which preflight cannot know yet."""
    ec2 = session.client("ec2", region_name=REGION)
    nodes = ec2.create_security_group(GroupName="nodes", Description="nodes", VpcId=existing.vpc_id)["GroupId"]
    endpoint_sg = ec2.create_security_group(GroupName="by-group", Description="443 from nodes", VpcId=existing.vpc_id)["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=endpoint_sg, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "UserIdGroupPairs": [{"GroupId": nodes}]}])
    sc.create_endpoint(session, existing, "sqs", security_group=endpoint_sg)
    settings = existing_vpc_settings(existing, privateCluster={"existingEndpointServices": ["sqs"]})
    assert preflight(settings, session=session) == []

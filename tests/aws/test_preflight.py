"""Preflight (docs/architecture.md §8) against moto: what would make pass 1 fail, found before anything is
created. Each problem is built with boto3 calls in moto and must be found and named."""

from __future__ import annotations

import pytest

from automation.aws.findings import Finding
from automation.aws.preflight import preflight
from tests.aws import scenario as sc
from tests.aws.conftest import existing_vpc_settings, stack_settings


@pytest.fixture
def existing(session) -> sc.PrivateVpc:
    """A user's VPC ready for a private cluster: DNS on, Amazon resolver, explicit route tables,
    no endpoints yet."""
    return sc.build_private_vpc(session, endpoints=False, cluster_name=None)


def checks(findings: list[Finding]) -> list[str]:
    return [f.check for f in findings]


# ------------------------------------------------------------------------------------- clean


def test_new_vpc_stack_passes(session):
    settings = stack_settings(
        availabilityZones=["us-west-2a", "us-west-2b", "us-west-2c"],
        cloudWatch={"clusterLogging": {"enableTypes": ["api"]}},
        privateCluster={"additionalEndpointServices": ["autoscaling", "eks-auth", "ssm"]},
    )
    assert preflight(settings, session=session) == []


def test_new_vpc_stack_without_zones_passes(session):
    assert preflight(stack_settings(), session=session) == []


def test_clean_existing_vpc_passes(session, existing):
    assert preflight(existing_vpc_settings(existing), session=session) == []


def test_vpc_is_taken_from_the_subnets_when_vpc_id_is_absent(session, existing):
    subnets = {f"s{i}": {"id": s} for i, s in enumerate(existing.subnet_ids)}
    sc.dns_hostnames_off(session, existing)
    findings = preflight(stack_settings(vpc={"subnets": {"private": subnets}}), session=session)
    assert [(f.check, f.resource) for f in findings] == [("vpc-dns-hostnames", existing.vpc_id)]


# ----------------------------------------------------------------------- endpoint services


def test_region_whose_catalog_lacks_a_service_is_found(session):
    """moto's cn-north-1 catalog lists ec2, ecr.*, sts under com.amazonaws.*, not under the
    cn.com.amazonaws.* names that partition uses: those services are absent from its catalog."""
    settings = stack_settings("cn-north-1", availabilityZones=["cn-north-1a", "cn-north-1b"])
    findings = preflight(settings, session=session)
    assert set(checks(findings)) == {"service-not-in-region"}
    assert sorted(f.resource for f in findings) == [
        "cn.com.amazonaws.cn-north-1.ec2", "cn.com.amazonaws.cn-north-1.ecr.api",
        "cn.com.amazonaws.cn-north-1.ecr.dkr", "cn.com.amazonaws.cn-north-1.sts"]
    assert all("cn-north-1" in f.message for f in findings)
    # s3 keeps the com.amazonaws prefix in every partition, and moto lists it.
    assert "com.amazonaws.cn-north-1.s3" not in {f.resource for f in findings}


def test_service_offered_in_none_of_the_chosen_zones_is_found(session):
    # moto's us-west-1 has zones a and b; every service is offered there only.
    settings = stack_settings("us-west-1", availabilityZones=["us-west-1c", "us-west-1d"])
    findings = preflight(settings, session=session)
    assert set(checks(findings)) == {"service-not-in-azs"}
    assert sorted(f.resource for f in findings) == sorted(
        f"com.amazonaws.us-west-1.{s}" for s in ("ec2", "ecr.api", "ecr.dkr", "sts", "s3"))
    assert all("us-west-1c, us-west-1d" in f.message and "us-west-1a" in f.message for f in findings)


def test_service_offered_in_some_chosen_zones_passes(session):
    # As eksctl: interface endpoints go in the zones where the service is offered.
    settings = stack_settings("us-west-1", availabilityZones=["us-west-1a", "us-west-1c"])
    assert preflight(settings, session=session) == []


def test_skip_endpoint_creation_checks_no_service(session):
    settings = stack_settings("cn-north-1", availabilityZones=["cn-north-1a", "cn-north-1b"],
                              privateCluster={"skipEndpointCreation": True})
    assert preflight(settings, session=session) == []


# ----------------------------------------------------------------------------- existing VPC


def test_dns_hostnames_off_is_found(session, existing):
    vpc = sc.dns_hostnames_off(session, existing)
    findings = preflight(existing_vpc_settings(existing), session=session)
    assert [(f.check, f.resource) for f in findings] == [("vpc-dns-hostnames", vpc)]
    assert "enableDnsHostnames" in findings[0].message


def test_dns_support_off_is_found(session, existing):
    sc.client(session, "ec2", existing.region).modify_vpc_attribute(
        VpcId=existing.vpc_id, EnableDnsSupport={"Value": False})
    findings = preflight(existing_vpc_settings(existing), session=session)
    assert [(f.check, f.resource) for f in findings] == [("vpc-dns-support", existing.vpc_id)]


def test_dhcp_options_without_amazon_provided_dns_are_found(session, existing):
    vpc = sc.dhcp_without_amazon_dns(session, existing)
    findings = preflight(existing_vpc_settings(existing), session=session)
    assert [(f.check, f.resource) for f in findings] == [("vpc-dhcp-dns", vpc)]
    assert "AmazonProvidedDNS" in findings[0].message


def test_subnet_with_only_the_main_route_table_is_found(session, existing):
    sid = sc.leave_subnet_on_main_route_table(session, existing, index=1)
    findings = preflight(existing_vpc_settings(existing), session=session)
    assert [(f.check, f.resource) for f in findings] == [("subnet-main-route-table", sid)]
    assert existing.main_route_table_id in findings[0].message


def test_existing_s3_gateway_would_collide(session, existing):
    vpce = sc.create_endpoint(session, existing, "s3", gateway=True, route_tables=existing.route_table_ids[:1])
    findings = preflight(existing_vpc_settings(existing), session=session)
    assert [(f.check, f.resource) for f in findings] == [("endpoint-collision", vpce)]
    assert existing.route_table_ids[0] in findings[0].message
    assert "skipEndpointCreation" in findings[0].message


def test_existing_s3_gateway_on_other_route_tables_does_not_collide(session, existing):
    ec2 = sc.client(session, "ec2", existing.region)
    other = ec2.create_route_table(VpcId=existing.vpc_id)["RouteTable"]["RouteTableId"]
    sc.create_endpoint(session, existing, "s3", gateway=True, route_tables=[other])
    assert preflight(existing_vpc_settings(existing), session=session) == []


def test_existing_interface_endpoint_with_private_dns_would_collide(session, existing):
    vpce = sc.create_endpoint(session, existing, "ecr.dkr")
    findings = preflight(existing_vpc_settings(existing), session=session)
    assert [(f.check, f.resource) for f in findings] == [("endpoint-collision", vpce)]
    assert "ecr.dkr" in findings[0].message and "skipEndpointCreation" in findings[0].message


def test_existing_endpoints_are_fine_with_skip_endpoint_creation(session, existing):
    for name in ("ec2", "ecr.api", "ecr.dkr", "sts"):
        sc.create_endpoint(session, existing, name)
    sc.create_endpoint(session, existing, "s3", gateway=True)
    settings = existing_vpc_settings(existing, privateCluster={"skipEndpointCreation": True})
    assert preflight(settings, session=session) == []


def test_existing_subnet_mapping_public_ips_is_found(session, existing):
    sid = sc.map_public_ips(session, existing)
    findings = preflight(existing_vpc_settings(existing), session=session)
    assert [(f.check, f.resource) for f in findings] == [("subnet-public-ip", sid)]


def test_existing_subnet_with_a_route_out_is_found(session, existing):
    nat = sc.add_nat_gateway_route(session, existing)
    findings = preflight(existing_vpc_settings(existing), session=session)
    assert [(f.check, f.resource) for f in findings] == [("egress-route", existing.route_table_ids[1])]
    assert nat in findings[0].message


def test_missing_subnet_is_found(session, existing):
    subnets = {**{f"s{i}": {"id": s} for i, s in enumerate(existing.subnet_ids)}, "gone": {"id": "subnet-0000000000000dead"}}
    settings = stack_settings(vpc={"id": existing.vpc_id, "subnets": {"private": subnets}})
    findings = preflight(settings, session=session)
    assert [(f.check, f.resource) for f in findings] == [("subnet-exists", "subnet-0000000000000dead")]
    assert "vpc.subnets.private.gone" in findings[0].message


def test_missing_vpc_is_found(session, existing):
    settings = stack_settings(vpc={"id": "vpc-0000000000000dead",
                                   "subnets": {"private": {"a": {"id": existing.subnet_ids[0]}}}})
    findings = preflight(settings, session=session)
    assert ("vpc-exists", "vpc-0000000000000dead") in [(f.check, f.resource) for f in findings]
    assert ("subnet-vpc", existing.subnet_ids[0]) in [(f.check, f.resource) for f in findings]

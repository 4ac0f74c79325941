"""EndpointSet: the endpoints of docs/architecture.md §5, placed only where the region offers them."""

from __future__ import annotations

import pytest

from automation.plan import ExistingSubnet, PlanError
from components import catalog
from components.settings import SettingsError
from tests.components.helpers import EXISTING, run, settings

ENDPOINT = "aws:ec2/vpcEndpoint:VpcEndpoint"
SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"


def endpoint_groups(r):
    """The EndpointSet's security groups (the cluster has its own: the nodes' shared group)."""
    (endpoints,) = r.by_type("private-eks:endpoints:EndpointSet")
    return [sg for sg in r.by_type(SECURITY_GROUP) if sg.parent_urn == endpoints.urn]
SUBNET = "aws:ec2/subnet:Subnet"


def endpoints(r):
    return {e.inputs["serviceName"]: e for e in r.by_type(ENDPOINT)}


def subnet_ids_by_az(r):
    return {s.inputs["availabilityZone"]: s.id for s in r.by_type(SUBNET)}


# Expected names written out from the partition rules of docs/architecture.md §5 (not computed by the code under test).
SERVICE_NAMES = {
    "us-west-2": ["com.amazonaws.us-west-2.ec2", "com.amazonaws.us-west-2.ecr.api",
                  "com.amazonaws.us-west-2.ecr.dkr", "com.amazonaws.us-west-2.sts",
                  "com.amazonaws.us-west-2.s3", "com.amazonaws.us-west-2.autoscaling",
                  "com.amazonaws.us-west-2.cloudformation"],
    "cn-north-1": ["cn.com.amazonaws.cn-north-1.ec2", "cn.com.amazonaws.cn-north-1.ecr.api",
                   "cn.com.amazonaws.cn-north-1.ecr.dkr", "cn.com.amazonaws.cn-north-1.sts",
                   "com.amazonaws.cn-north-1.s3", "com.amazonaws.cn-north-1.autoscaling",
                   "cn.com.amazonaws.cn-north-1.cloudformation"],
    "us-iso-east-1": ["gov.ic.c2s.us-iso-east-1.ec2", "gov.ic.c2s.us-iso-east-1.ecr.api",
                      "gov.ic.c2s.us-iso-east-1.ecr.dkr", "com.amazonaws.us-iso-east-1.sts",
                      "com.amazonaws.us-iso-east-1.s3", "gov.ic.c2s.us-iso-east-1.autoscaling",
                      "com.amazonaws.us-iso-east-1.cloudformation"],
    "us-isob-east-1": ["gov.sgov.sc2s.us-isob-east-1.ec2", "gov.sgov.sc2s.us-isob-east-1.ecr.api",
                       "gov.sgov.sc2s.us-isob-east-1.ecr.dkr", "com.amazonaws.us-isob-east-1.sts",
                       "com.amazonaws.us-isob-east-1.s3", "gov.sgov.sc2s.us-isob-east-1.autoscaling",
                       "com.amazonaws.us-isob-east-1.cloudformation"],
    "us-gov-west-1": ["com.amazonaws.us-gov-west-1.ec2", "com.amazonaws.us-gov-west-1.ecr.api",
                      "com.amazonaws.us-gov-west-1.ecr.dkr", "com.amazonaws.us-gov-west-1.sts",
                      "com.amazonaws.us-gov-west-1.s3", "com.amazonaws.us-gov-west-1.autoscaling",
                      "com.amazonaws.us-gov-west-1.cloudformation"],
    # aws-iso-e and aws-iso-f: ecr.api and ecr.dkr take the partition's alternate prefix; the other
    # ISO-prefixed services (ec2, autoscaling) keep com.amazonaws there.
    "eu-isoe-west-1": ["com.amazonaws.eu-isoe-west-1.ec2", "uk.adc-e.cloud.eu-isoe-west-1.ecr.api",
                       "uk.adc-e.cloud.eu-isoe-west-1.ecr.dkr", "com.amazonaws.eu-isoe-west-1.sts",
                       "com.amazonaws.eu-isoe-west-1.s3", "com.amazonaws.eu-isoe-west-1.autoscaling",
                       "com.amazonaws.eu-isoe-west-1.cloudformation"],
    "us-isof-south-1": ["com.amazonaws.us-isof-south-1.ec2", "gov.ic.hci.csp.us-isof-south-1.ecr.api",
                        "gov.ic.hci.csp.us-isof-south-1.ecr.dkr", "com.amazonaws.us-isof-south-1.sts",
                        "com.amazonaws.us-isof-south-1.s3", "com.amazonaws.us-isof-south-1.autoscaling",
                        "com.amazonaws.us-isof-south-1.cloudformation"],
}


@pytest.mark.parametrize("region", sorted(SERVICE_NAMES))
def test_service_names_follow_the_partition(region):
    """eksctl-io/eksctl pkg/apis/eksctl.io/v1alpha5/partitions.go (GetEndpointServiceDomainPrefix) and
    endpoint_service.go (which services require the China or ISO prefix)."""
    s = settings(region=region, availabilityZones=None,
                 privateCluster={"additionalEndpointServices": ["autoscaling", "cloudformation"]})
    r = run(s)
    assert sorted(endpoints(r)) == sorted(SERVICE_NAMES[region])
    assert r.outputs["endpointServiceNames"] == SERVICE_NAMES[region]


def test_required_interface_endpoints_have_private_dns_in_every_private_subnet(base_private):
    by_az = subnet_ids_by_az(base_private)
    for name in ("ec2", "ecr.api", "ecr.dkr", "sts"):
        e = endpoints(base_private)[f"com.amazonaws.us-west-2.{name}"]
        assert e.inputs["vpcEndpointType"] == "Interface"
        assert e.inputs["privateDnsEnabled"] is True
        assert sorted(e.inputs["subnetIds"]) == sorted(by_az.values())


def test_s3_is_a_gateway_endpoint_never_an_interface(base_private):
    s3 = [e for e in base_private.by_type(ENDPOINT) if e.inputs["serviceName"].endswith(".s3")]
    assert len(s3) == 1
    assert s3[0].inputs["vpcEndpointType"] == "Gateway"
    assert "subnetIds" not in s3[0].inputs and "privateDnsEnabled" not in s3[0].inputs


def test_s3_gateway_route_tables_equal_the_private_route_tables(base_private):
    s3 = endpoints(base_private)["com.amazonaws.us-west-2.s3"]
    tables = [t.id for t in base_private.by_type("aws:ec2/routeTable:RouteTable")]
    assert sorted(s3.inputs["routeTableIds"]) == sorted(tables)
    assert sorted(s3.inputs["routeTableIds"]) == sorted(base_private.outputs["routeTableIds"])


def test_s3_gateway_route_tables_are_deduplicated_for_subnets_sharing_one():
    described = {sid: ExistingSubnet(sid, az, "vpc-0123456789abcdef0", "10.9.0.0/24", table)
                 for sid, az, table in [("subnet-aaaa", "us-west-2a", "rtb-shared"),
                                        ("subnet-bbbb", "us-west-2b", "rtb-shared"),
                                        ("subnet-cccc", "us-west-2c", "rtb-own")]}
    r = run(settings(EXISTING), subnets=described)
    s3 = endpoints(r)["com.amazonaws.us-west-2.s3"]
    assert s3.inputs["routeTableIds"] == ["rtb-shared", "rtb-own"]


def test_one_security_group_admits_only_https_from_the_vpc_cidr(base_private):
    (sg,) = endpoint_groups(base_private)
    assert sg.inputs["ingress"] == [{"protocol": "tcp", "fromPort": 443, "toPort": 443,
                                     "cidrBlocks": ["10.0.0.0/16"], "description": "HTTPS from the VPC"}]
    for e in base_private.by_type(ENDPOINT):
        if e.inputs["vpcEndpointType"] == "Interface":
            assert e.inputs["securityGroupIds"] == [sg.id]


def test_adopted_vpc_security_group_uses_the_vpcs_own_cidr():
    """The VPC's own block (get_vpc), its subnets inside it; secondary blocks:
    tests/components/test_first_up.py."""
    r = run(settings(EXISTING), vpc_cidr="172.20.0.0/16")
    (sg,) = endpoint_groups(r)
    assert sg.inputs["ingress"][0]["cidrBlocks"] == ["172.20.0.0/16"]


def test_service_offered_in_two_of_three_azs_gets_two_subnets():
    r = run(settings(), service_zones={"ecr.dkr": ["us-west-2a", "us-west-2c", "us-west-2d"]})
    by_az = subnet_ids_by_az(r)
    dkr = endpoints(r)["com.amazonaws.us-west-2.ecr.dkr"]
    assert sorted(dkr.inputs["subnetIds"]) == sorted([by_az["us-west-2a"], by_az["us-west-2c"]])
    assert len(endpoints(r)["com.amazonaws.us-west-2.ecr.api"].inputs["subnetIds"]) == 3


def test_service_offered_in_none_of_the_azs_is_an_error_naming_service_and_region():
    with pytest.raises(PlanError) as e:
        run(settings(), service_zones={"com.amazonaws.us-west-2.sts": ["us-west-2d"]})
    assert "com.amazonaws.us-west-2.sts" in str(e.value)
    assert "us-west-2" in str(e.value) and "not supported" in str(e.value)


def test_logs_endpoint_is_added_when_cluster_logging_is_on():
    off = endpoints(run(settings()))
    on = endpoints(run(settings(cloudWatch={"clusterLogging": {"enableTypes": ["api"]}})))
    assert "com.amazonaws.us-west-2.logs" not in off
    assert "com.amazonaws.us-west-2.logs" in on


def test_skip_endpoint_creation_creates_no_endpoints_and_no_security_group():
    r = run(settings(privateCluster={"skipEndpointCreation": True}))
    assert r.by_type(ENDPOINT) == [] and endpoint_groups(r) == []
    assert r.outputs["endpointServiceNames"] == []


def test_node_groups_not_the_cluster_depend_on_the_endpoints(base_private):
    """The control plane needs no endpoint; nodes do (tests/components/test_kubernetes_api.py has the edges)."""
    cluster = base_private.one("eks:index:Cluster")
    endpoint_urns = {e.urn for e in base_private.by_type(ENDPOINT)}
    assert endpoint_urns and not endpoint_urns & set(cluster.dependencies)
    for ng in base_private.by_type("eks:index:ManagedNodeGroup") + base_private.by_type("eks:index:NodeGroupV2"):
        assert endpoint_urns <= set(ng.dependencies)


@pytest.mark.parametrize("region", ["eusc-de-east-1", "us-isoz-east-1", "moon-base-1", "US-WEST-2"])
def test_a_region_of_an_unknown_partition_is_refused_at_validate_never_guessed(region):
    """eksctl-io/eksctl partitions.go falls back to the commercial prefix for a region it does not
    know; a guessed service name would only fail later, at AWS. The catalog refuses it instead."""
    with pytest.raises(SettingsError) as e:
        settings(region=region, availabilityZones=None)
    assert [p.path for p in e.value.problems] == ["aws:region"]
    assert "partition" in e.value.problems[0].message
    with pytest.raises(catalog.UnknownPartition):
        catalog.service_name("ec2", region)

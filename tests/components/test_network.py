"""PrivateNetwork: private subnets only, in a new VPC or adopted from the user's VPC."""

from __future__ import annotations

import pytest

from automation.plan import ExistingSubnet, PlanError
from components.settings import SettingsError
from tests.components.helpers import EXISTING, run, settings

VPC = "aws:ec2/vpc:Vpc"
SUBNET = "aws:ec2/subnet:Subnet"
ROUTE_TABLE = "aws:ec2/routeTable:RouteTable"
ASSOCIATION = "aws:ec2/routeTableAssociation:RouteTableAssociation"
NO_EGRESS_TYPES = (
    "aws:ec2/internetGateway:InternetGateway",
    "aws:ec2/egressOnlyInternetGateway:EgressOnlyInternetGateway",
    "aws:ec2/natGateway:NatGateway",
    "aws:ec2/eip:Eip",
    "aws:ec2/route:Route",
    "aws:ec2/internetGatewayAttachment:InternetGatewayAttachment",
    "aws:ec2/transitGatewayVpcAttachment:TransitGatewayVpcAttachment",
)


def test_new_vpc_has_dns_support_and_hostnames(base_private):
    vpc = base_private.one(VPC)
    assert vpc.inputs["cidrBlock"] == "10.0.0.0/16"
    assert vpc.inputs["enableDnsSupport"] is True
    assert vpc.inputs["enableDnsHostnames"] is True


def test_one_private_subnet_per_az_carved_from_the_vpc_cidr(base_private):
    subnets = sorted(base_private.by_type(SUBNET), key=lambda r: r.inputs["availabilityZone"])
    assert [s.inputs["availabilityZone"] for s in subnets] == ["us-west-2a", "us-west-2b", "us-west-2c"]
    assert [s.inputs["cidrBlock"] for s in subnets] == ["10.0.0.0/19", "10.0.32.0/19", "10.0.64.0/19"]


def test_subnets_never_map_public_ips_and_are_tagged_for_internal_load_balancers(base_private):
    for s in base_private.by_type(SUBNET):
        assert s.inputs["mapPublicIpOnLaunch"] is False
        assert s.inputs["tags"]["kubernetes.io/role/internal-elb"] == "1"


def test_each_subnet_has_its_own_route_table_with_an_explicit_association(base_private):
    subnets = {s.id for s in base_private.by_type(SUBNET)}
    tables = {t.id for t in base_private.by_type(ROUTE_TABLE)}
    associations = base_private.by_type(ASSOCIATION)
    assert len(tables) == len(subnets) == 3
    assert {a.inputs["subnetId"] for a in associations} == subnets
    assert {a.inputs["routeTableId"] for a in associations} == tables


def test_route_tables_have_no_routes_at_all(base_private):
    for t in base_private.by_type(ROUTE_TABLE):
        assert not t.inputs.get("routes")


@pytest.mark.parametrize("phase", ["bootstrap", "private"])
def test_never_an_internet_gateway_nat_eip_or_route(phase, base_private, base_bootstrap):
    run_ = base_bootstrap if phase == "bootstrap" else base_private
    found = [(r.type, r.name) for r in run_.registrations if r.type in NO_EGRESS_TYPES]
    assert found == []


def test_configured_subnet_cidrs_are_used():
    s = settings(availabilityZones=None, vpc={
        "cidr": "10.1.0.0/16", "publicAccessCIDRs": ["203.0.113.7/32"],
        "subnets": {"private": {"us-west-2a": {"cidr": "10.1.1.0/24"}, "us-west-2b": {"cidr": "10.1.2.0/24"}}},
    })
    subnets = {r.inputs["availabilityZone"]: r.inputs["cidrBlock"] for r in run(s).by_type(SUBNET)}
    assert subnets == {"us-west-2a": "10.1.1.0/24", "us-west-2b": "10.1.2.0/24"}


def test_without_zones_the_first_three_offered_by_the_region_are_used():
    s = settings(availabilityZones=None)
    zones = sorted(r.inputs["availabilityZone"] for r in run(s, zones=["us-west-2b", "us-west-2c", "us-west-2d",
                                                                          "us-west-2a"]).by_type(SUBNET))
    assert zones == ["us-west-2b", "us-west-2c", "us-west-2d"]


def test_existing_vpc_creates_no_network_resources():
    r = run(settings(EXISTING))
    assert r.by_type(VPC) == r.by_type(SUBNET) == r.by_type(ROUTE_TABLE) == r.by_type(ASSOCIATION) == []
    assert r.outputs["vpcId"] == "vpc-0123456789abcdef0"
    assert r.outputs["privateSubnetIds"] == ["subnet-aaaa", "subnet-bbbb", "subnet-cccc"]


def test_existing_subnets_route_tables_are_looked_up_explicitly():
    s = settings(EXISTING)
    described = {sid: ExistingSubnet(sid, az, "vpc-0123456789abcdef0", f"10.9.{i}.0/24", f"rtb-{sid[-4:]}")
                 for i, (sid, az) in enumerate([("subnet-aaaa", "us-west-2a"), ("subnet-bbbb", "us-west-2b"),
                                                ("subnet-cccc", "us-west-2c")])}
    assert run(s, subnets=described).outputs["routeTableIds"] == ["rtb-aaaa", "rtb-bbbb", "rtb-cccc"]


def test_vpc_is_inferred_from_the_subnets_when_vpc_id_is_absent():
    vpc = dict(EXISTING["vpc"])
    del vpc["id"]
    s = settings(EXISTING, vpc=vpc)
    described = {sid: ExistingSubnet(sid, az, "vpc-from-subnets", "10.9.0.0/24", f"rtb-{sid}")
                 for sid, az in [("subnet-aaaa", "us-west-2a"), ("subnet-bbbb", "us-west-2b"),
                                 ("subnet-cccc", "us-west-2c")]}
    r = run(s, subnets=described)
    assert r.outputs["vpcId"] == "vpc-from-subnets"
    assert r.one("eks:index:Cluster").inputs["vpcId"] == "vpc-from-subnets"


def test_subnet_with_only_the_main_route_table_is_an_error_naming_it():
    s = settings(EXISTING)
    described = {"subnet-bbbb": ExistingSubnet("subnet-bbbb", "us-west-2b", "vpc-0123456789abcdef0",
                                               "10.9.1.0/24", route_table=None)}
    with pytest.raises(PlanError) as e:
        run(s, subnets=described)
    message = str(e.value)
    assert "subnet-bbbb" in message
    assert "vpc.subnets.private.us-west-2b" in message
    assert "main route table" in message
    assert "stacks/Pulumi.test.yaml" in message


def test_subnet_of_another_vpc_is_an_error():
    described = {"subnet-cccc": ExistingSubnet("subnet-cccc", "us-west-2c", "vpc-other", "10.9.2.0/24", "rtb-c")}
    with pytest.raises(PlanError, match="subnet-cccc is in vpc-other"):
        run(settings(EXISTING), subnets=described)


def test_subnet_mapping_public_ips_is_an_error():
    described = {"subnet-aaaa": ExistingSubnet("subnet-aaaa", "us-west-2a", "vpc-0123456789abcdef0",
                                               "10.9.0.0/24", "rtb-a", map_public_ip_on_launch=True)}
    with pytest.raises(PlanError, match="subnet-aaaa maps public IPs"):
        run(settings(EXISTING), subnets=described)


def test_new_subnet_without_a_zone_is_an_error_naming_it_at_validate():
    with pytest.raises(SettingsError) as e:
        settings(availabilityZones=None, vpc={
            "cidr": "10.1.0.0/16", "publicAccessCIDRs": ["203.0.113.7/32"],
            "subnets": {"private": {"first": {"cidr": "10.1.1.0/24"}, "second": {"cidr": "10.1.2.0/24", "az": "us-west-2b"}}},
        })
    assert [str(p) for p in e.value.problems] == [
        "vpc.subnets.private.first: a new subnet needs its availability zone: use the zone as the key or set az"]


def test_subnet_keys_that_are_not_zones_may_name_their_zone():
    s = settings(availabilityZones=None, vpc={
        "cidr": "10.1.0.0/16", "publicAccessCIDRs": ["203.0.113.7/32"],
        "subnets": {"private": {"one": {"cidr": "10.1.1.0/24", "az": "us-west-2a"},
                                "two": {"cidr": "10.1.2.0/24", "az": "us-west-2c"}}},
    })
    subnets = {r.inputs["availabilityZone"]: r.inputs["cidrBlock"] for r in run(s).by_type(SUBNET)}
    assert subnets == {"us-west-2a": "10.1.1.0/24", "us-west-2c": "10.1.2.0/24"}


def test_zones_without_a_configured_cidr_are_carved_around_the_configured_ones():
    s = settings(vpc={
        "cidr": "10.0.0.0/16", "publicAccessCIDRs": ["203.0.113.7/32"],
        "subnets": {"private": {"us-west-2b": {"cidr": "10.0.0.0/19"}}},
    })
    subnets = {r.inputs["availabilityZone"]: r.inputs["cidrBlock"] for r in run(s).by_type(SUBNET)}
    assert subnets == {"us-west-2a": "10.0.32.0/19", "us-west-2b": "10.0.0.0/19", "us-west-2c": "10.0.64.0/19"}


def test_default_vpc_cidr_is_eksctls():
    """eksctl-io/eksctl pkg/apis/eksctl.io/v1alpha5/vpc.go (DefaultCIDR): 192.168.0.0/16."""
    r = run(settings(vpc={"publicAccessCIDRs": ["203.0.113.7/32"]}))
    assert r.one(VPC).inputs["cidrBlock"] == "192.168.0.0/16"
    assert all(s.inputs["cidrBlock"].startswith("192.168.") for s in r.by_type(SUBNET))


def test_existing_subnets_given_by_cidr_are_looked_up_by_vpc_and_cidr():
    """eksctl's vpc.subnets.private.<az>.cidr with vpc.id: the subnet of that VPC with that CIDR
    (aws:ec2/getSubnet with vpcId and cidrBlock)."""
    doc = {**EXISTING, "vpc": {"id": "vpc-0123456789abcdef0", "publicAccessCIDRs": ["198.51.100.0/24"],
                               "subnets": {"private": {"us-west-2a": {"cidr": "10.42.0.0/20"},
                                                       "us-west-2b": {"cidr": "10.42.16.0/20"}}}}}
    r = run(settings(doc))
    assert r.by_type(SUBNET) == []
    ids = r.outputs["privateSubnetIds"]
    assert len(ids) == 2 and all(i.startswith("subnet-") for i in ids)
    (mng,) = r.by_type("eks:index:ManagedNodeGroup")
    assert sorted(mng.inputs["subnetIds"]) == sorted(ids)


def test_existing_subnet_in_another_zone_than_its_key_is_an_error():
    doc = {**EXISTING, "vpc": {**EXISTING["vpc"], "subnets": {"private": {
        "us-west-2a": {"id": "subnet-aaaa"}, "us-west-2b": {"id": "subnet-bbbb"}}}}}
    subnets = {"subnet-aaaa": ExistingSubnet("subnet-aaaa", "us-west-2c", "vpc-0123456789abcdef0", "10.42.0.0/20", "rtb-a"),
               "subnet-bbbb": ExistingSubnet("subnet-bbbb", "us-west-2b", "vpc-0123456789abcdef0", "10.42.16.0/20", "rtb-b")}
    with pytest.raises(PlanError, match=r"vpc.subnets.private.us-west-2a: subnet subnet-aaaa is in us-west-2c"):
        run(settings(doc), subnets=subnets)


def test_vpc_cidr_that_is_not_the_existing_vpcs_is_an_error():
    doc = {**EXISTING, "vpc": {**EXISTING["vpc"], "cidr": "10.9.0.0/16"}}
    with pytest.raises(PlanError, match=r"vpc.cidr: 10.9.0.0/16 is not the CIDR of vpc-0123456789abcdef0"):
        run(settings(doc), vpc_cidr="10.42.0.0/16")

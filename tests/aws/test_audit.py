"""The post-deploy audit (docs/architecture.md §8) against moto: a clean private VPC and cluster pass, and each
injected problem is found and names the broken resource."""

from __future__ import annotations

from typing import Any, Callable

import boto3
import pytest

from automation.aws.audit import audit, audit_stack
from automation.aws.findings import AwsUnavailable, Finding
from components import catalog
from tests.aws import scenario as sc
from tests.aws.conftest import stack_settings


@pytest.fixture
def run(session: boto3.Session) -> Callable[..., list[Finding]]:
    """The audit of a scenario, through the test's session (one botocore model load per test)."""

    def run(vpc: sc.PrivateVpc, **kwargs: Any) -> list[Finding]:
        kwargs.setdefault("cluster_name", vpc.cluster_name)
        kwargs.setdefault("session", session)
        return audit(region=vpc.region, vpc_id=vpc.vpc_id, **kwargs)

    return run


def only(findings: list[Finding], check: str) -> list[Finding]:
    return [f for f in findings if f.check == check]


def the_one(findings: list[Finding], check: str) -> Finding:
    """Exactly one finding, and it is of this check: the injected problem and nothing else."""
    assert [f.check for f in findings] == [check], [str(f) for f in findings]
    return findings[0]


# ------------------------------------------------------------------------------------ clean


def test_clean_private_vpc_and_cluster_pass(clean, run):
    assert run(clean) == []


def test_clean_vpc_passes_through_boto3s_default_configuration(clean):
    assert audit(region=clean.region, vpc_id=clean.vpc_id, cluster_name=clean.cluster_name) == []


def test_clean_vpc_we_created_passes(clean, run):
    assert run(clean, created_vpc=True) == []


def test_clean_vpc_passes_without_a_cluster_name(vpc, run):
    assert run(vpc, cluster_name=None) == []


# ------------------------------------------------------------------------------- no way out


def test_attached_internet_gateway_with_default_route_is_found(session, clean, run):
    igw = sc.attach_internet_gateway_with_default_route(session, clean)
    f = the_one(run(clean), "egress-route")
    assert f.resource == clean.route_table_ids[0]
    assert "0.0.0.0/0" in f.message and igw in f.message and "internet gateway" in f.message


def test_internet_gateway_attached_to_a_vpc_we_created_is_found(session, vpc, run):
    igw = sc.attach_internet_gateway_with_default_route(session, vpc)
    findings = run(vpc, created_vpc=True)
    attached = only(findings, "igw-attached")
    assert [f.resource for f in attached] == [igw]
    assert vpc.vpc_id in attached[0].message
    assert len(only(findings, "egress-route")) == 1


def test_internet_gateway_without_routes_in_a_users_vpc_is_not_a_finding(session, vpc, run):
    # A user's VPC may hold public subnets for other workloads; only routes from the cluster's
    # route tables matter there.
    ec2 = sc.client(session, "ec2", vpc.region)
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc.vpc_id)
    assert run(vpc) == []
    assert [f.resource for f in run(vpc, created_vpc=True)] == [igw]


def test_nat_gateway_route_is_found(session, vpc, run):
    nat = sc.add_nat_gateway_route(session, vpc)
    f = the_one(run(vpc), "egress-route")
    assert f.resource == vpc.route_table_ids[1]
    assert nat in f.message and "NAT gateway" in f.message and "0.0.0.0/0" in f.message


def test_ipv6_default_route_to_egress_only_gateway_is_found(session, vpc, run):
    eigw = sc.add_egress_only_ipv6_route(session, vpc)
    f = the_one(run(vpc), "egress-route")
    assert f.resource == vpc.route_table_ids[2]
    assert "::/0" in f.message and eigw in f.message and "egress-only" in f.message


def test_transit_gateway_default_route_is_found(session, vpc, run):
    tgw = sc.add_transit_gateway_default_route(session, vpc)
    f = the_one(run(vpc), "egress-route")
    assert f.resource == vpc.route_table_ids[0]
    assert tgw in f.message and "transit gateway" in f.message and "0.0.0.0/0" in f.message


def test_transit_gateway_route_to_a_specific_network_is_allowed(session, vpc, run):
    ec2 = sc.client(session, "ec2", vpc.region)
    tgw = ec2.create_transit_gateway()["TransitGateway"]["TransitGatewayId"]
    ec2.create_transit_gateway_vpc_attachment(TransitGatewayId=tgw, VpcId=vpc.vpc_id, SubnetIds=vpc.subnet_ids)
    ec2.create_route(RouteTableId=vpc.route_table_ids[0], DestinationCidrBlock="172.16.0.0/12", TransitGatewayId=tgw)
    assert run(vpc) == []


def test_internet_gateway_route_to_any_destination_is_found(session, vpc, run):
    ec2 = sc.client(session, "ec2", vpc.region)
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc.vpc_id)
    # Two halves of the internet are as open as 0.0.0.0/0.
    ec2.create_route(RouteTableId=vpc.route_table_ids[1], DestinationCidrBlock="0.0.0.0/1", GatewayId=igw)
    f = the_one(run(vpc), "egress-route")
    assert f.resource == vpc.route_table_ids[1] and "0.0.0.0/1" in f.message


def test_default_route_to_a_nat_instance_interface_is_found(session, vpc, run):
    ec2 = sc.client(session, "ec2", vpc.region)
    eni = ec2.create_network_interface(SubnetId=vpc.subnet_ids[0])["NetworkInterface"]["NetworkInterfaceId"]
    ec2.create_route(RouteTableId=vpc.route_table_ids[1], DestinationCidrBlock="0.0.0.0/0", NetworkInterfaceId=eni)
    f = the_one(run(vpc), "egress-route")
    assert f.resource == vpc.route_table_ids[1] and eni in f.message


def test_route_to_an_appliance_for_a_specific_network_is_allowed(session, vpc, run):
    ec2 = sc.client(session, "ec2", vpc.region)
    eni = ec2.create_network_interface(SubnetId=vpc.subnet_ids[0])["NetworkInterface"]["NetworkInterfaceId"]
    ec2.create_route(RouteTableId=vpc.route_table_ids[1], DestinationCidrBlock="192.168.0.0/16", NetworkInterfaceId=eni)
    assert run(vpc) == []


def test_carrier_gateway_route_is_found(session, vpc, run):
    ec2 = sc.client(session, "ec2", vpc.region)
    cagw = ec2.create_carrier_gateway(VpcId=vpc.vpc_id)["CarrierGateway"]["CarrierGatewayId"]
    ec2.create_route(RouteTableId=vpc.route_table_ids[2], DestinationCidrBlock="0.0.0.0/0", CarrierGatewayId=cagw)
    f = the_one(run(vpc), "egress-route")
    assert f.resource == vpc.route_table_ids[2] and cagw in f.message and "carrier gateway" in f.message


def test_subnet_mapping_public_ips_is_found(session, vpc, run):
    sid = sc.map_public_ips(session, vpc)
    f = the_one(run(vpc), "subnet-public-ip")
    assert f.resource == sid and "MapPublicIpOnLaunch" in f.message


def test_route_tables_outside_the_cluster_are_not_audited_in_a_users_vpc(session, clean, run):
    """With a cluster named, its subnets are the scope: a public subnet elsewhere in a user's VPC
    is theirs; in a VPC we created every subnet is ours."""
    ec2 = sc.client(session, "ec2", clean.region)
    public = ec2.create_subnet(VpcId=clean.vpc_id, CidrBlock="10.0.200.0/24", AvailabilityZone="us-west-2a")["Subnet"]["SubnetId"]
    ec2.modify_subnet_attribute(SubnetId=public, MapPublicIpOnLaunch={"Value": True})
    assert run(clean) == []
    assert public in {f.resource for f in run(clean, created_vpc=True)}


# --------------------------------------------------------------------------------- endpoints


def test_missing_required_endpoint_is_found(session, vpc, run):
    name = sc.delete_endpoint(session, vpc, "sts")
    f = the_one(run(vpc), "endpoint-missing")
    assert f.resource == name == "com.amazonaws.us-west-2.sts"
    assert vpc.vpc_id in f.message


def test_the_required_endpoints_are_expected_by_default(session, vpc, run):
    gone = [sc.delete_endpoint(session, vpc, name) for name in catalog.REQUIRED_NAMES]
    assert sorted(f.resource for f in run(vpc)) == sorted(gone)


def test_region_whose_catalog_lacks_a_service_is_named(session, run):
    """moto's cn-north-1 catalog has no cn.com.amazonaws.cn-north-1.{ec2,ecr.*,sts} (it lists
    them as com.amazonaws.*): the audit says the region does not offer them, not just 'missing'."""
    vpc = sc.build_private_vpc(session, region="cn-north-1", zones=("a", "b"), endpoints=False, cluster_name=None)
    sc.create_endpoint(session, vpc, "s3", gateway=True)
    findings = run(vpc)
    assert {f.check for f in findings} == {"service-not-in-region"}
    assert sorted(f.resource for f in findings) == [
        f"cn.com.amazonaws.cn-north-1.{s}" for s in ("ec2", "ecr.api", "ecr.dkr", "sts")]
    assert all("cn-north-1 does not offer" in f.message for f in findings)


def test_s3_interface_endpoint_does_not_replace_the_gateway(session, vpc, run):
    sc.delete_endpoint(session, vpc, "s3")
    sc.create_endpoint(session, vpc, "s3", gateway=False)
    f = the_one(run(vpc), "endpoint-missing")
    assert f.resource == "com.amazonaws.us-west-2.s3" and "Gateway" in f.message and "only a Interface" in f.message


def test_expected_services_take_short_or_full_names(session, vpc, run):
    findings = run(vpc, expected_services=["ec2", "com.amazonaws.us-west-2.logs", "autoscaling"])
    assert sorted(f.resource for f in only(findings, "endpoint-missing")) == [
        "com.amazonaws.us-west-2.autoscaling", "com.amazonaws.us-west-2.logs"]


def test_interface_endpoint_without_private_dns_is_found(session, vpc, run):
    vpce = sc.replace_without_private_dns(session, vpc, "ecr.api")
    f = the_one(run(vpc), "endpoint-private-dns")
    assert f.resource == vpce and "com.amazonaws.us-west-2.ecr.api" in f.message


def test_s3_gateway_missing_from_one_route_table_is_found(session, vpc, run):
    rtb = sc.detach_s3_gateway_from(session, vpc)
    f = the_one(run(vpc), "s3-gateway-route-table")
    assert f.resource == rtb and vpc.endpoint_ids["s3"] in f.message


def test_endpoint_security_group_without_443_from_the_vpc_is_found(session, vpc, run):
    sg = sc.revoke_443(session, vpc)
    f = the_one(run(vpc), "endpoint-security-group")
    assert f.resource == sg and "443" in f.message and vpc.cidr in f.message
    assert all(vpc.endpoint_ids[s] in f.message for s in ("ec2", "ecr.api", "ecr.dkr", "sts"))


def test_security_group_admitting_all_traffic_from_a_wider_network_passes(session, vpc, run):
    ec2 = sc.client(session, "ec2", vpc.region)
    sc.revoke_443(session, vpc)
    ec2.authorize_security_group_ingress(GroupId=vpc.security_group_id, IpPermissions=[
        {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}])
    assert run(vpc) == []


def test_eksctl_style_shared_node_group_on_the_endpoints_passes(session, vpc, run):
    """eksctl puts its interface endpoints in the nodes' shared security group, which admits
    its own members rather than the VPC CIDR: the nodes reach the endpoints."""
    ec2 = sc.client(session, "ec2", vpc.region)
    sc.revoke_443(session, vpc)
    ec2.authorize_security_group_ingress(GroupId=vpc.security_group_id, IpPermissions=[
        {"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": vpc.security_group_id}]}])
    assert run(vpc) == []


def test_default_security_group_self_rule_is_not_a_grant(session, vpc, run):
    ec2 = sc.client(session, "ec2", vpc.region)
    default = ec2.describe_security_groups(Filters=[
        {"Name": "vpc-id", "Values": [vpc.vpc_id]}, {"Name": "group-name", "Values": ["default"]}])["SecurityGroups"][0]["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=default, IpPermissions=[  # what AWS puts in every VPC
        {"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": default}]}])
    sc.delete_endpoint(session, vpc, "sts")
    vpce = sc.create_endpoint(session, vpc, "sts", security_group=default)
    f = the_one(run(vpc), "endpoint-security-group")
    assert f.resource == default and vpce in f.message


def test_endpoint_without_a_group_is_judged_by_the_vpcs_default_group(session, vpc, run):
    ec2 = sc.client(session, "ec2", vpc.region)
    sc.delete_endpoint(session, vpc, "ecr.api")
    vpce = ec2.create_vpc_endpoint(VpcId=vpc.vpc_id, ServiceName="com.amazonaws.us-west-2.ecr.api",
                                   VpcEndpointType="Interface", SubnetIds=vpc.subnet_ids,
                                   PrivateDnsEnabled=True)["VpcEndpoint"]["VpcEndpointId"]
    f = the_one(run(vpc), "endpoint-security-group")
    assert f.resource.startswith("sg-") and vpce in f.message
    ec2.authorize_security_group_ingress(GroupId=f.resource, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": vpc.cidr}]}])
    assert run(vpc) == []


def test_endpoint_group_admitting_only_an_unrelated_group_is_found(session, vpc, run):
    ec2 = sc.client(session, "ec2", vpc.region)
    sc.revoke_443(session, vpc)
    other = ec2.create_security_group(GroupName="bastion", Description="x", VpcId=vpc.vpc_id)["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=vpc.security_group_id, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "UserIdGroupPairs": [{"GroupId": other}]}])
    f = the_one(run(vpc), "endpoint-security-group")
    assert f.resource == vpc.security_group_id


def test_endpoint_group_admitting_the_clusters_security_group_passes(session, vpc, run):
    ec2 = sc.client(session, "ec2", vpc.region)
    sc.revoke_443(session, vpc)
    nodes = ec2.create_security_group(GroupName="cluster", Description="x", VpcId=vpc.vpc_id)["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=vpc.security_group_id, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "UserIdGroupPairs": [{"GroupId": nodes}]}])
    sc.client(session, "eks", vpc.region).create_cluster(
        name="sg-vouched", roleArn=sc.ROLE,
        resourcesVpcConfig={"subnetIds": vpc.subnet_ids, "securityGroupIds": [nodes],
                            "endpointPublicAccess": False, "endpointPrivateAccess": True})
    assert run(vpc, cluster_name="sg-vouched") == []
    # Without the cluster to vouch for that group, the rule does not cover the VPC.
    assert [f.check for f in run(vpc, cluster_name=None)] == ["endpoint-security-group"]


# ----------------------------------------------------------------------------------- cluster


def test_cluster_public_access_on_is_found(session, clean, run):
    name = sc.open_public_access(session, clean)
    f = the_one(run(clean), "cluster-public-access")
    assert f.resource == name and "0.0.0.0/0" in f.message


def test_cluster_private_access_off_is_found(session, clean, run):
    sc.client(session, "eks", clean.region).create_cluster(
        name="public-only", roleArn=sc.ROLE,
        resourcesVpcConfig={"subnetIds": clean.subnet_ids, "endpointPublicAccess": False, "endpointPrivateAccess": False})
    f = the_one(run(clean, cluster_name="public-only"), "cluster-private-access")
    assert f.resource == "public-only"


def test_access_flags_the_api_did_not_report_take_the_eks_defaults(session, clean, run):
    eks = sc.client(session, "eks", clean.region)
    eks.create_cluster(name=f"{clean.cluster_name}-d", roleArn=sc.ROLE, resourcesVpcConfig={"subnetIds": clean.subnet_ids})
    # EKS's defaults: public on, private off.
    assert [f.check for f in run(clean, cluster_name=f"{clean.cluster_name}-d")] == [
        "cluster-public-access", "cluster-private-access"]
    eks.create_cluster(name=f"{clean.cluster_name}-p", roleArn=sc.ROLE,
                       resourcesVpcConfig={"subnetIds": clean.subnet_ids, "endpointPublicAccess": False})
    assert run(clean, cluster_name=f"{clean.cluster_name}-p") == []  # both off is impossible in EKS


def test_missing_cluster_is_found(vpc, run):
    f = the_one(run(vpc, cluster_name="nope"), "cluster-exists")
    assert f.resource == "nope" and "us-west-2" in f.message


def test_cluster_in_another_vpc_is_found(session, vpc, run):
    other = sc.build_private_vpc(session, cidr="10.1.0.0/16", cluster_name="elsewhere")
    f = the_one(run(vpc, cluster_name="elsewhere"), "cluster-vpc")
    assert f.resource == "elsewhere" and other.vpc_id in f.message


# -------------------------------------------------------------------------------- VPC and DNS


def test_dns_hostnames_off_is_found(session, vpc, run):
    vpc_id = sc.dns_hostnames_off(session, vpc)
    f = the_one(run(vpc), "vpc-dns-hostnames")
    assert f.resource == vpc_id and "enableDnsHostnames" in f.message


def test_dns_support_off_is_found(session, vpc, run):
    sc.client(session, "ec2", vpc.region).modify_vpc_attribute(
        VpcId=vpc.vpc_id, EnableDnsSupport={"Value": False})
    f = the_one(run(vpc), "vpc-dns-support")
    assert f.resource == vpc.vpc_id


def test_dhcp_options_without_amazon_provided_dns_are_found(session, vpc, run):
    vpc_id = sc.dhcp_without_amazon_dns(session, vpc)
    f = the_one(run(vpc), "vpc-dhcp-dns")
    assert f.resource == vpc_id and "AmazonProvidedDNS" in f.message and "10.0.0.53" in f.message


def test_no_dhcp_option_set_passes(session, vpc, run):
    # No option set: AWS gives Nitro instances the Amazon resolver (169.254.169.253) anyway.
    sc.client(session, "ec2", vpc.region).associate_dhcp_options(DhcpOptionsId="default", VpcId=vpc.vpc_id)
    assert run(vpc) == []


def test_subnet_with_only_the_main_route_table_is_found(session, vpc, run):
    sid = sc.leave_subnet_on_main_route_table(session, vpc)
    findings = run(vpc)
    f = only(findings, "subnet-main-route-table")
    assert [x.resource for x in f] == [sid] and vpc.main_route_table_id in f[0].message
    # The main route table now serves the cluster, and the S3 gateway is not on it.
    assert [x.resource for x in only(findings, "s3-gateway-route-table")] == [vpc.main_route_table_id]


def test_unknown_vpc_is_a_finding(session):
    f = the_one(audit(region=sc.REGION, vpc_id="vpc-0123456789abcdef0"), "vpc-exists")
    assert f.resource == "vpc-0123456789abcdef0"


# ------------------------------------------------------------------------------ audit_stack


def test_audit_stack_reads_the_stack_outputs(session, clean):
    settings = stack_settings(cloudWatch={"clusterLogging": {"enableTypes": ["api"]}})
    outputs = {
        "vpcId": clean.vpc_id, "clusterName": clean.cluster_name,
        "privateSubnetIds": clean.subnet_ids, "routeTableIds": clean.route_table_ids,
        "endpointServiceNames": [catalog.service_name(n, clean.region) for n in catalog.REQUIRED_NAMES],
    }
    assert audit_stack(settings, outputs, session=session) == []
    sc.attach_internet_gateway_with_default_route(session, clean)
    # A stack that created its VPC must have no internet gateway at all.
    assert {f.check for f in audit_stack(settings, outputs, session=session)} == {"igw-attached", "egress-route"}


def test_audit_stack_expects_the_settings_endpoints_without_an_output(session, clean):
    settings = stack_settings(cloudWatch={"clusterLogging": {"enableTypes": ["api"]}})
    f = the_one(audit_stack(settings, {"vpcId": clean.vpc_id, "clusterName": clean.cluster_name}, session=session), "endpoint-missing")
    assert f.resource == "com.amazonaws.us-west-2.logs"


def test_audit_stack_finds_the_vpc_from_existing_subnets(session, clean):
    subnets = {f"s{i}": {"id": s} for i, s in enumerate(clean.subnet_ids)}
    settings = stack_settings(name=clean.cluster_name, vpc={"subnets": {"private": subnets}})
    assert audit_stack(settings, {}, session=session) == []
    sid = sc.map_public_ips(session, clean)
    assert [f.resource for f in audit_stack(settings, {}, session=session)] == [sid]


def test_audit_stack_with_skip_endpoint_creation_still_expects_the_endpoints(session, clean):
    sc.delete_endpoint(session, clean, "ecr.dkr")
    settings = stack_settings(name=clean.cluster_name, privateCluster={"skipEndpointCreation": True})
    f = the_one(audit_stack(settings, {"vpcId": clean.vpc_id}, session=session), "endpoint-missing")
    assert f.resource.endswith(".ecr.dkr")


def test_audit_uses_the_given_session(vpc, monkeypatch):
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    with pytest.raises(AwsUnavailable):
        audit(region=vpc.region, vpc_id=vpc.vpc_id)
    given = boto3.Session(aws_access_key_id="given", aws_secret_access_key="given", region_name="eu-west-1")
    # The session's credentials are used; the region argument wins over the session's region.
    assert audit(region=vpc.region, vpc_id=vpc.vpc_id, session=given) == []


def test_audit_stack_takes_automation_api_outputs(session, clean):
    from pulumi.automation import OutputValue

    settings = stack_settings(name=clean.cluster_name)
    outputs = {
        "vpcId": OutputValue(clean.vpc_id, False),
        "clusterName": OutputValue(clean.cluster_name, False),
        "privateSubnetIds": OutputValue(dict(zip(("us-west-2a", "us-west-2b", "us-west-2c"), clean.subnet_ids)), False),
        "routeTableIds": OutputValue(clean.route_table_ids, False),
        "kubeconfig": OutputValue("[secret]", True),
    }
    assert audit_stack(settings, outputs, session=session) == []
    rtb = sc.detach_s3_gateway_from(session, clean)
    assert [(f.check, f.resource) for f in audit_stack(settings, outputs, session=session)] == [("s3-gateway-route-table", rtb)]

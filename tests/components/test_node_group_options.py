"""Node group options of eksctl's ClusterConfig, as PrivateCluster declares them (issue 14)."""

from __future__ import annotations

from typing import Any

import pulumi
import pytest

from tests.components.helpers import EXISTING, run, settings

MANAGED = "eks:index:ManagedNodeGroup"
SELF_MANAGED = "eks:index:NodeGroupV2"
ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
PROFILE = "aws:iam/instanceProfile:InstanceProfile"
ACCESS_ENTRY = "aws:eks/accessEntry:AccessEntry"
ROLE = "aws:iam/role:Role"
LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
ACCOUNT = "111122223333"


def one_group(kind: str, **fields: Any):
    """A stack with a single node group of ``kind`` and its registration."""
    group = {"name": "g1", "privateNetworking": True, **fields}
    other = "managedNodeGroups" if kind == "nodeGroups" else "nodeGroups"
    r = run(settings(**{kind: [group], other: [], "fargateProfiles": []}))
    return r, r.one(SELF_MANAGED if kind == "nodeGroups" else MANAGED)


def child(registration, child_type: str, props: dict) -> dict:
    """What the registration's transforms make of a child of ``child_type`` with ``props``."""
    for t in registration.transforms:
        if getattr(t, "child_type", None) == child_type:
            result = t(pulumi.ResourceTransformArgs(custom=True, type_=child_type, name="c",
                                                    opts=pulumi.ResourceOptions(), props=props))
            props = result.props if result is not None else props
    return props


@pytest.mark.parametrize("kind", ["nodeGroups", "managedNodeGroups"])
@pytest.mark.parametrize("family, os", [("AmazonLinux2023", "AL2023"), ("Bottlerocket", "Bottlerocket")])
def test_ami_family_is_pulumi_eks_operating_system(kind, family, os):
    """pulumi/pulumi-eks nodejs/eks/ami.ts: operatingSystem picks the EKS-optimised AMI."""
    _, g = one_group(kind, amiFamily=family)
    assert g.inputs["operatingSystem"] == os
    assert "amiId" not in g.inputs


@pytest.mark.parametrize("kind", ["nodeGroups", "managedNodeGroups"])
def test_custom_ami_reaches_pulumi_eks(kind):
    _, g = one_group(kind, ami="ami-0123456789abcdef0")
    assert g.inputs["amiId"] == "ami-0123456789abcdef0"


def test_self_managed_volume_settings_pulumi_eks_takes_go_to_it():
    """pulumi-eks nodegroup.ts: IOPS only with io1, throughput only with gp3."""
    _, g = one_group("nodeGroups", volumeType="io1", volumeIOPS=500, volumeEncrypted=True)
    i = g.inputs
    assert (i["nodeRootVolumeType"], i["nodeRootVolumeIops"], i["nodeRootVolumeEncrypted"]) == ("io1", 500, True)
    assert "nodeRootVolumeThroughput" not in i
    assert child(g, LAUNCH_TEMPLATE, {"blockDeviceMappings": [{"ebs": {}}]})["blockDeviceMappings"] == [{"ebs": {}}]


def test_self_managed_volume_settings_pulumi_eks_refuses_go_on_its_launch_template():
    """pulumi-eks nodegroup.ts refuses io2 and IOPS without io1: eksctl's io2, gp3 IOPS and KMS key are
    set on the launch template NodeGroupV2 creates."""
    key = f"arn:aws:kms:us-west-2:{ACCOUNT}:key/k"
    _, g = one_group("nodeGroups", volumeType="io2", volumeIOPS=1000, volumeEncrypted=True, volumeKmsKeyID=key)
    assert "nodeRootVolumeType" not in g.inputs and "nodeRootVolumeIops" not in g.inputs
    props = child(g, LAUNCH_TEMPLATE, {"blockDeviceMappings": [{"deviceName": "/dev/xvda", "ebs": {"volumeSize": 80}}]})
    assert props["blockDeviceMappings"] == [{"deviceName": "/dev/xvda", "ebs": {
        "volumeSize": 80, "volumeType": "io2", "iops": 1000, "kmsKeyId": key}}]
    _, g = one_group("nodeGroups")
    assert (g.inputs["nodeRootVolumeType"], g.inputs["nodeRootVolumeThroughput"]) == ("gp3", 125)
    ebs = child(g, LAUNCH_TEMPLATE, {"blockDeviceMappings": [{"ebs": {}}]})["blockDeviceMappings"][0]["ebs"]
    assert ebs == {"iops": 3000}


def test_managed_volume_settings_go_on_its_launch_template():
    key = f"arn:aws:kms:us-west-2:{ACCOUNT}:key/k"
    _, g = one_group("managedNodeGroups", volumeType="gp3", volumeIOPS=6000, volumeThroughput=500,
                     volumeEncrypted=True, volumeKmsKeyID=key)
    ebs = child(g, LAUNCH_TEMPLATE, {"blockDeviceMappings": [{"ebs": {"volumeSize": 80}}]})["blockDeviceMappings"][0]
    assert ebs["ebs"] == {"volumeSize": 80, "volumeType": "gp3", "iops": 6000, "throughput": 500,
                          "encrypted": True, "kmsKeyId": key}


def policies(r) -> list[str]:
    return sorted(a.inputs["policyArn"].split(":policy/")[1] for a in r.by_type(ATTACHMENT))


@pytest.mark.parametrize("kind", ["nodeGroups", "managedNodeGroups"])
def test_attach_policy_arns_replace_the_default_node_policies(kind):
    """eksctl pkg/cfn/builder/iam_helper.go makeManagedPolicies: with attachPolicyARNs the defaults are not
    added, except the registry read policy for self-managed groups."""
    arns = ["arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy", f"arn:aws:iam::{ACCOUNT}:policy/nodes"]
    r, _ = one_group(kind, iam={"attachPolicyARNs": arns})
    expected = ["AmazonEKSWorkerNodePolicy", "nodes"]
    if kind == "nodeGroups":
        expected.append("AmazonEC2ContainerRegistryReadOnly")
    assert policies(r) == sorted(expected)
    r, _ = one_group(kind)
    assert policies(r) == sorted(["AmazonEKSWorkerNodePolicy", "AmazonEKS_CNI_Policy",
                                  "AmazonEC2ContainerRegistryReadOnly"])


def test_addon_policies_are_eksctls_managed_policies():
    """eksctl iam_helper.go: imageBuilder → AmazonEC2ContainerRegistryPowerUser, cloudWatch →
    CloudWatchAgentServerPolicy, ebs → AmazonEBSCSIDriverPolicy (service-role/)."""
    r, _ = one_group("managedNodeGroups", iam={"withAddonPolicies": {"imageBuilder": True, "cloudWatch": True,
                                                                     "ebs": True}})
    assert {"AmazonEC2ContainerRegistryPowerUser", "CloudWatchAgentServerPolicy",
            "service-role/AmazonEBSCSIDriverPolicy"} <= set(policies(r))


def test_an_existing_instance_role_makes_no_role():
    role = f"arn:aws:iam::{ACCOUNT}:role/path/nodes"
    r, g = one_group("managedNodeGroups", iam={"instanceRoleARN": role})
    assert g.inputs["nodeRoleArn"] == role and "nodeRole" not in g.inputs
    assert r.by_type(ATTACHMENT) == []
    r, g = one_group("nodeGroups", iam={"instanceRoleARN": role})
    assert r.one(PROFILE).inputs["role"] == "nodes"
    (entry,) = [e for e in r.by_type(ACCESS_ENTRY) if e.inputs["type"] == "EC2_LINUX"]
    assert entry.inputs["principalArn"] == role
    assert not [x for x in r.by_type(ROLE) if "g1" in x.name]


@pytest.mark.parametrize("kind, key", [("nodeGroups", "nodeSubnetIds"), ("managedNodeGroups", "subnetIds")])
def test_availability_zones_pick_a_subset_of_the_private_subnets(kind, key):
    r, g = one_group(kind, availabilityZones=["us-west-2b"])
    (subnet,) = [s for s in r.by_type("aws:ec2/subnet:Subnet") if s.inputs["availabilityZone"] == "us-west-2b"]
    assert g.inputs[key] == [subnet.id]


def test_subnets_by_name_and_id_are_the_existing_ones():
    doc = {**EXISTING, "managedNodeGroups": [{"name": "m", "privateNetworking": True,
                                              "subnets": ["us-west-2a", "subnet-cccc"]}]}
    g = run(settings(doc)).one(MANAGED)
    assert g.inputs["subnetIds"] == ["subnet-aaaa", "subnet-cccc"]


def test_update_and_repair_config_reach_the_eks_node_group_inside_pulumi_eks():
    """pulumi-eks's ManagedNodeGroup takes neither updateConfig nor nodeRepairConfig: a transform sets
    them on the aws:eks/nodeGroup:NodeGroup it creates."""
    _, g = one_group("managedNodeGroups", updateConfig={"maxUnavailablePercentage": 25}, nodeRepairConfig={
        "enabled": True, "maxParallelNodesRepairedCount": 1, "nodeRepairConfigOverrides": [
            {"nodeMonitoringCondition": "NetworkNotReady", "nodeUnhealthyReason": "InterfaceNotUp",
             "minRepairWaitTimeMins": 15, "repairAction": "Restart"}]})
    props = child(g, "aws:eks/nodeGroup:NodeGroup", {"nodeGroupName": "g1"})
    assert props["updateConfig"] == {"maxUnavailablePercentage": 25}
    assert props["nodeRepairConfig"] == {"enabled": True, "maxParallelNodesRepairedCount": 1,
                                         "nodeRepairConfigOverrides": [{
                                             "nodeMonitoringCondition": "NetworkNotReady",
                                             "nodeUnhealthyReason": "InterfaceNotUp",
                                             "minRepairWaitTimeMins": 15, "repairAction": "Restart"}]}
    _, g = one_group("managedNodeGroups")
    assert child(g, "aws:eks/nodeGroup:NodeGroup", {"nodeGroupName": "g1"}) == {"nodeGroupName": "g1"}


def test_self_managed_target_groups_and_metrics():
    """NodeGroupV2 takes neither the Auto Scaling group's target groups nor its metrics: a transform
    sets those on the group it creates (instanceName's Name tag too: tests/components/test_first_up.py)."""
    tg = f"arn:aws:elasticloadbalancing:us-west-2:{ACCOUNT}:targetgroup/tg/0123456789abcdef"
    _, g = one_group("nodeGroups", targetGroupARNs=[tg],
                     asgMetricsCollection=[{"metrics": ["GroupMinSize", "GroupMaxSize"]}])
    props = child(g, "aws:autoscaling/group:Group", {"maxSize": 2})
    assert props == {"maxSize": 2, "targetGroupArns": [tg], "enabledMetrics": ["GroupMinSize", "GroupMaxSize"],
                     "metricsGranularity": "1Minute"}


def test_a_zone_outside_the_clusters_is_refused_at_plan_time_when_the_settings_cannot_know():
    """Without availabilityZones the cluster's zones are the region's first three (known only at plan
    time): a node group zone outside them fails the plan, naming the path."""
    from automation.plan import PlanError

    s = settings(availabilityZones=None, managedNodeGroups=[{"name": "m", "privateNetworking": True,
                                                             "availabilityZones": ["us-west-2d"]}])
    with pytest.raises(PlanError, match=r"managedNodeGroups\[0\]\.availabilityZones\[0\]: 'us-west-2d'"):
        run(s)


def test_subnets_by_name_of_a_subnet_found_by_cidr():
    """eksctl examples/24-nodegroup-subnets.yaml: a private subnet given by CIDR (with vpc.id) and named
    by a node group gets the id the network looked up."""
    doc = {**EXISTING, "vpc": {"id": "vpc-0123456789abcdef0", "publicAccessCIDRs": ["198.51.100.0/24"],
                               "subnets": {"private": {"private-one": {"cidr": "10.42.0.0/20", "az": "us-west-2a"},
                                                       "us-west-2b": {"id": "subnet-bbbb"}}}},
           "managedNodeGroups": [{"name": "m", "privateNetworking": True, "subnets": ["private-one"]}]}
    r = run(settings(doc))
    (subnet_id,) = r.one(MANAGED).inputs["subnetIds"]
    assert subnet_id.startswith("subnet-") and subnet_id != "subnet-bbbb"



def test_self_managed_ssh_opens_port_22_from_the_vpc_only():
    """eksctl pkg/cfn/builder/managed_launch_template.go makeSSHIngressRules: private nodes get SSH from
    the VPC CIDR only; NodeGroupV2 takes the key pair (keyName) and extra security groups."""
    r, g = one_group("nodeGroups", ssh={"allow": True, "publicKeyName": "ops"})
    assert g.inputs["keyName"] == "ops"
    (sg,) = [x for x in r.by_type("aws:ec2/securityGroup:SecurityGroup") if x.name.endswith("-g1-ssh")]
    (rule,) = sg.inputs["ingress"]
    assert (rule["fromPort"], rule["toPort"], rule["protocol"], rule["cidrBlocks"]) == (22, 22, "tcp", ["10.0.0.0/16"])
    assert sg.id in g.inputs["extraNodeSecurityGroups"]
    r, g = one_group("nodeGroups", ssh={"publicKeyName": "ops"})
    # Only the nodes' shared group (securityGroups.withShared, eksctl's default).
    (shared,) = [x for x in r.by_type("aws:ec2/securityGroup:SecurityGroup") if x.name.endswith("-shared-nodes")]
    assert g.inputs["keyName"] == "ops" and g.inputs["extraNodeSecurityGroups"] == [shared.id]
    assert not [x for x in r.by_type("aws:ec2/securityGroup:SecurityGroup") if x.name.endswith("-ssh")]


def test_managed_ssh_key_goes_on_its_launch_template():
    """EKS refuses remoteAccess together with a launch template (pulumi-eks always makes one here, for
    IMDSv2): the key pair is set on that launch template."""
    _, g = one_group("managedNodeGroups", ssh={"publicKeyName": "ops"})
    assert "remoteAccess" not in g.inputs
    assert child(g, LAUNCH_TEMPLATE, {"imageId": "ami-1"})["keyName"] == "ops"

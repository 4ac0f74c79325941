"""PrivateCluster and the program's outputs: the API endpoint per phase, capacity on private subnets only."""

from __future__ import annotations

import pulumi
import pytest

from automation.plan import PlanError
from components.nodes.node_groups import require_imdsv2
from components.program import build
from tests.components.helpers import run, settings

CLUSTER = "eks:index:Cluster"
MANAGED = "eks:index:ManagedNodeGroup"
SELF_MANAGED = "eks:index:NodeGroupV2"
ACCESS_ENTRY = "aws:eks/accessEntry:AccessEntry"
FARGATE = "aws:eks/fargateProfile:FargateProfile"
SUBNET = "aws:ec2/subnet:Subnet"


def private_subnets(r):
    return sorted(s.id for s in r.by_type(SUBNET))


def test_bootstrap_phase_opens_public_access_to_the_configured_cidrs_only(base_bootstrap):
    c = base_bootstrap.one(CLUSTER).inputs
    assert c["endpointPrivateAccess"] is True
    assert c["endpointPublicAccess"] is True
    assert c["publicAccessCidrs"] == ["203.0.113.7/32"]


def test_private_phase_turns_public_access_off_explicitly_and_sends_no_cidrs(base_private):
    c = base_private.one(CLUSTER).inputs
    assert c["endpointPrivateAccess"] is True
    assert c["endpointPublicAccess"] is False
    assert "publicAccessCidrs" not in c


def test_runner_cidrs_replace_the_configured_ones_in_bootstrap():
    r = run(settings(), "bootstrap", bootstrap_cidrs=["192.0.2.10/32"])
    assert r.one(CLUSTER).inputs["publicAccessCidrs"] == ["192.0.2.10/32"]


def test_bootstrap_without_any_cidr_is_a_clear_error():
    s = settings(vpc={"cidr": "10.0.0.0/16"})
    with pytest.raises(PlanError, match="publicAccessCIDRs"):
        run(s, "bootstrap")
    assert run(s, "private").one(CLUSTER).inputs["endpointPublicAccess"] is False


def test_build_rejects_an_unknown_phase():
    with pytest.raises(ValueError, match="unknown phase"):
        build(settings(), "public")  # type: ignore[arg-type]


def test_cluster_uses_private_subnets_only_and_no_default_node_group(base_private):
    c = base_private.one(CLUSTER).inputs
    assert sorted(c["privateSubnetIds"]) == private_subnets(base_private)
    assert "publicSubnetIds" not in c and "subnetIds" not in c
    assert c["skipDefaultNodeGroup"] is True
    assert c["nodeAssociatePublicIpAddress"] is False


def test_cluster_settings_authentication_oidc_logging_and_tags():
    s = settings(accessConfig={"authenticationMode": "API_AND_CONFIG_MAP"},
                 cloudWatch={"clusterLogging": {"enableTypes": ["api", "audit"]}})
    c = run(s).one(CLUSTER).inputs
    assert c["authenticationMode"] == "API_AND_CONFIG_MAP"
    assert c["createOidcProvider"] is True
    assert c["enabledClusterLogTypes"] == ["api", "audit"]
    assert c["tags"] == {"team": "platform"}
    assert c["name"] == "test-cluster" and c["version"] == "1.33"


def test_managed_node_groups_are_placed_on_the_private_subnets(base_private):
    (mng,) = base_private.by_type(MANAGED)
    assert sorted(mng.inputs["subnetIds"]) == private_subnets(base_private)


def test_managed_node_group_settings_are_carried_over():
    s = settings(managedNodeGroups=[{
        "name": "spot", "instanceTypes": ["m5.large", "m5a.large"], "spot": True, "minSize": 1,
        "desiredCapacity": 2, "maxSize": 5, "volumeSize": 100, "labels": {"role": "batch"},
        "taints": [{"key": "batch", "value": "true", "effect": "NoSchedule"}], "privateNetworking": True,
    }])
    mng = run(s).one(MANAGED).inputs
    assert mng["capacityType"] == "SPOT"
    assert mng["instanceTypes"] == ["m5.large", "m5a.large"]
    assert mng["scalingConfig"] == {"minSize": 1, "desiredSize": 2, "maxSize": 5}
    assert mng["diskSize"] == 100
    assert mng["labels"] == {"role": "batch"}
    assert mng["taints"] == [{"key": "batch", "value": "true", "effect": "NO_SCHEDULE"}]
    assert mng["nodeGroupName"] == "spot"


def test_self_managed_node_groups_are_private_without_public_ips(base_private):
    (ng,) = base_private.by_type(SELF_MANAGED)
    assert sorted(ng.inputs["nodeSubnetIds"]) == private_subnets(base_private)
    assert ng.inputs["nodeAssociatePublicIpAddress"] is False
    assert ng.inputs["cluster"] == base_private.one(CLUSTER).urn  # the node group joins this cluster


def test_self_managed_node_groups_require_imdsv2_on_their_launch_template(base_private):
    (ng,) = base_private.by_type(SELF_MANAGED)
    assert require_imdsv2 in ng.transforms
    lt = pulumi.ResourceTransformArgs(custom=True, type_="aws:ec2/launchTemplate:LaunchTemplate", name="lt",
                                      props={"instanceType": "m5.large"}, opts=pulumi.ResourceOptions())
    result = require_imdsv2(lt)
    assert result is not None
    assert result.props["metadataOptions"]["httpTokens"] == "required"
    assert result.props["instanceType"] == "m5.large"
    asg = pulumi.ResourceTransformArgs(custom=True, type_="aws:autoscaling/group:Group", name="asg",
                                       props={}, opts=pulumi.ResourceOptions())
    assert require_imdsv2(asg) is None


def test_self_managed_nodes_get_an_ec2_linux_access_entry_for_their_instance_role_in_api_mode(base_private):
    (entry,) = base_private.by_type(ACCESS_ENTRY)
    (ng,) = base_private.by_type(SELF_MANAGED)
    profile = next(r for r in base_private.registrations if r.id == ng.inputs["instanceProfile"])
    role = next(r for r in base_private.by_type("aws:iam/role:Role") if r.name == "test-cluster-cluster-ng1-role")
    assert entry.inputs["type"] == "EC2_LINUX"
    assert entry.inputs["clusterName"] == "test-cluster"
    assert entry.inputs["principalArn"].endswith(":role/test-cluster-cluster-ng1-role")
    assert profile.inputs["role"].startswith(role.name)
    assert entry.urn in ng.dependencies


def test_config_map_mode_maps_every_node_role_as_an_instance_role_instead_of_access_entries():
    """Self-managed and managed node roles alike (see test_auth_matrix for the rules by mode)."""
    r = run(settings(accessConfig={"authenticationMode": "CONFIG_MAP"}))
    assert r.by_type(ACCESS_ENTRY) == []
    assert len(r.one(CLUSTER).inputs["instanceRoles"]) == 2


def test_fargate_profiles_use_the_private_subnets_and_a_pod_execution_role(base_private):
    (fp,) = base_private.by_type(FARGATE)
    assert sorted(fp.inputs["subnetIds"]) == private_subnets(base_private)
    assert fp.inputs["selectors"] == [{"namespace": "default"}]
    assert fp.inputs["podExecutionRoleArn"].endswith(":role/test-cluster-cluster-fargate-role")


def test_iam_policy_arns_follow_the_partition():
    r = run(settings(region="cn-north-1", availabilityZones=None))
    arns = {a.inputs["policyArn"] for a in r.by_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")}
    assert "arn:aws-cn:iam::aws:policy/AmazonEKSWorkerNodePolicy" in arns
    assert all(a.startswith("arn:aws-cn:") for a in arns)


@pytest.mark.parametrize("phase", ["bootstrap", "private"])
def test_outputs_of_design_section_4(phase, base_private, base_bootstrap):
    r = base_bootstrap if phase == "bootstrap" else base_private
    o = r.outputs
    assert set(o) == {"clusterName", "endpointPhase", "endpointPublicAccess", "vpcId", "privateSubnetIds",
                      "routeTableIds", "endpointServiceNames", "oidcProviderArn", "kubeconfig"}
    assert o["clusterName"] == "test-cluster"
    assert o["endpointPhase"] == phase
    assert o["endpointPublicAccess"] is (phase == "bootstrap")
    assert o["vpcId"] == r.one("aws:ec2/vpc:Vpc").id
    assert sorted(o["privateSubnetIds"]) == private_subnets(r)
    assert o["oidcProviderArn"].startswith("arn:aws:iam::")
    assert r.secret_outputs == {"kubeconfig"}


def test_every_resource_has_a_component_parent(base_private):
    components = {r.urn for r in base_private.registrations if r.type.startswith("private-eks:")}
    assert len(components) == 3
    for r in base_private.registrations:
        if not r.type.startswith("private-eks:"):
            assert r.parent_urn in components, r.name


# ------------------------------------------------------------------------- eksctl's defaults


def test_unset_node_group_fields_get_eksctls_defaults_in_the_inputs():
    """eksctl-io/eksctl pkg/apis/eksctl.io/v1alpha5/types.go (DefaultNodeType m5.large,
    DefaultNodeCount 2, DefaultNodeVolumeSize 80) and defaults.go (setVolumeDefaults: gp3 for both
    kinds, AmazonLinux2023 as the AMI family): written out, never left for pulumi-eks to pick
    (its NodeGroupV2 would take t3.medium, 20 GiB gp2)."""
    s = settings(nodeGroups=[{"name": "ng1", "privateNetworking": True}],
                 managedNodeGroups=[{"name": "mng1", "privateNetworking": True}])
    r = run(s)
    ng = r.one(SELF_MANAGED).inputs
    assert ng["instanceType"] == "m5.large"
    assert (ng["minSize"], ng["desiredCapacity"], ng["maxSize"]) == (2, 2, 2)
    assert ng["nodeRootVolumeSize"] == 80 and ng["nodeRootVolumeType"] == "gp3"
    assert ng["nodeRootVolumeThroughput"] == 125 and "nodeRootVolumeIops" not in ng
    assert ng["operatingSystem"] == "AL2023"
    mng = r.one(MANAGED)
    assert mng.inputs["instanceTypes"] == ["m5.large"]
    assert mng.inputs["scalingConfig"] == {"minSize": 2, "desiredSize": 2, "maxSize": 2}
    assert mng.inputs["diskSize"] == 80
    assert mng.inputs["operatingSystem"] == "AL2023"


def test_self_managed_volume_inputs_follow_pulumi_eks_rules(base_private):
    """pulumi/pulumi-eks nodejs/eks/nodes/nodegroup.ts: provisioned IOPS only with io1 ("Cannot
    create a cluster node root volume of non-io1 type with provisioned IOPS"), a throughput only
    with gp3."""
    ng = base_private.one(SELF_MANAGED).inputs
    assert not (ng.get("nodeRootVolumeIops") and ng["nodeRootVolumeType"] != "io1")
    assert not (ng.get("nodeRootVolumeThroughput") and ng["nodeRootVolumeType"] != "gp3")


@pytest.mark.parametrize("group, want", [
    ({"minSize": 0}, (0, 0, 1)),                         # scale from zero: no node starts
    ({"minSize": 0, "maxSize": 4}, (0, 0, 4)),
    ({"desiredCapacity": 3}, (3, 3, 3)),
    ({"minSize": 1, "maxSize": 5}, (1, 1, 5)),
    ({"maxSize": 5}, (2, 2, 5)),
    ({}, (2, 2, 2)),
])
def test_node_group_sizes_are_completed_as_eksctl_completes_them(group, want):
    """eksctl-io/eksctl pkg/apis/eksctl.io/v1alpha5/validation.go (managed) and
    pkg/cfn/builder/nodegroup.go (self-managed): min defaults to desired, else DefaultNodeCount;
    max to desired, else min, and DefaultMaxSize (1) when that is 0; desired to min."""
    s = settings(nodeGroups=[{"name": "ng1", "privateNetworking": True, **group}],
                 managedNodeGroups=[{"name": "gpu-spot", "privateNetworking": True, **group}])
    r = run(s)
    ng = r.one(SELF_MANAGED).inputs
    assert (ng["minSize"], ng["desiredCapacity"], ng["maxSize"]) == want
    sc = r.one(MANAGED).inputs["scalingConfig"]
    assert (sc["minSize"], sc["desiredSize"], sc["maxSize"]) == want


def test_managed_node_groups_require_imdsv2_through_pulumi_eks_own_option(base_private):
    """pulumi/pulumi-eks nodejs/eks/nodes/nodegroup.ts (createMNGCustomLaunchTemplate):
    ``enableIMDSv2`` makes the launch template require tokens with a hop limit of 2."""
    mng = base_private.one(MANAGED).inputs
    assert mng["enableIMDSv2"] is True
    assert "launchTemplate" not in mng  # pulumi-eks refuses enableIMDSv2 together with a launchTemplate


def test_managed_node_group_launch_templates_get_eksctls_volume_type(base_private):
    """pulumi-eks puts the disk size of a managed node group on its own launch template (no volume
    type); the transform adds eksctl's gp3 defaults (defaults.go: 3000 IOPS, 125 MiB/s) to each of
    its block devices."""
    mng = base_private.one(MANAGED)
    (transform,) = [t for t in mng.transforms if getattr(t, "child_type", None) == "aws:ec2/launchTemplate:LaunchTemplate"]
    lt = pulumi.ResourceTransformArgs(
        custom=True, type_="aws:ec2/launchTemplate:LaunchTemplate", name="lt", opts=pulumi.ResourceOptions(),
        props={"blockDeviceMappings": [{"deviceName": "/dev/xvda", "ebs": {"volumeSize": 80}}]})
    result = transform(lt)
    assert result is not None
    assert result.props["blockDeviceMappings"] == [
        {"deviceName": "/dev/xvda", "ebs": {"volumeSize": 80, "volumeType": "gp3", "iops": 3000, "throughput": 125}}]


@pytest.mark.parametrize("enabled", [True, False])
def test_creator_admin_permissions_reach_the_eks_cluster_inside_pulumi_eks(enabled):
    """pulumi/pulumi-eks nodejs/eks/cluster/cluster.ts hard-codes
    accessConfig.bootstrapClusterCreatorAdminPermissions: true on its aws:eks/cluster:Cluster and
    does not expose it: a transform on the component sets the configured value on that child."""
    s = settings(accessConfig={"bootstrapClusterCreatorAdminPermissions": enabled})
    cluster = run(s).one(CLUSTER)
    (t,) = [t for t in cluster.transforms if getattr(t, "child_type", None) == "aws:eks/cluster:Cluster"]
    child = pulumi.ResourceTransformArgs(
        custom=True, type_="aws:eks/cluster:Cluster", name="eksCluster", opts=pulumi.ResourceOptions(),
        props={"accessConfig": {"authenticationMode": "API", "bootstrapClusterCreatorAdminPermissions": True},
               "name": "test-cluster"})
    result = t(child)
    assert result is not None
    assert result.props["accessConfig"] == {"authenticationMode": "API",
                                            "bootstrapClusterCreatorAdminPermissions": enabled}
    assert result.props["name"] == "test-cluster"

"""PrivateCluster and the program's outputs: the API endpoint per phase, capacity on private subnets only."""

from __future__ import annotations

import pulumi
import pytest

from automation.plan import PlanError
from components.cluster import require_imdsv2
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


def test_config_map_mode_maps_instance_roles_instead_of_access_entries():
    r = run(settings(accessConfig={"authenticationMode": "CONFIG_MAP"}))
    assert r.by_type(ACCESS_ENTRY) == []
    assert len(r.one(CLUSTER).inputs["instanceRoles"]) == 1


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

"""What a first real ``up`` needs that no mock shows: coredns after the capacity that runs it (on
Fargate when only Fargate can), endpoints reachable from every CIDR block of the VPC, no self-managed
add-ons under the managed ones, AL2's cluster DNS address, and managed groups that keep EKS's AMI.
Checked on the offline plan's private pass: inputs and the ``dependsOn`` edges the engine follows."""

from __future__ import annotations

import base64
import copy
import json
from typing import Any

import pytest

from automation.plan import ExistingSubnet, PlanMocks, plan_stack
from components.coredns import tolerates
from components.nodes.user_data import cluster_dns_ip
from tests.components.helpers import BASE, EXISTING, settings

ADDON = "aws:eks/addon:Addon"
CLUSTER = "eks:index:Cluster"
LT = "aws:ec2/launchTemplate:LaunchTemplate"


def private(s, **mock_options: Any) -> list[dict[str, Any]]:
    factory = (lambda st: PlanMocks(st, **mock_options)) if mock_options else None
    return plan_stack(s, ("private",), mocks_factory=factory)["passes"][0]["resources"]


def one(resources, typ: str, name_end: str) -> dict[str, Any]:
    (found,) = [r for r in resources if r["type"] == typ and r["name"].endswith(name_end)]
    return found


def coredns(resources) -> dict[str, Any]:
    return one(resources, ADDON, "-addon-coredns")


def doc(**changes: Any) -> dict[str, Any]:
    out = copy.deepcopy(BASE)
    out.update(changes)
    return out


# ------------------------------------------------------------------------------- 1. coredns


def test_coredns_is_its_own_addon_after_the_node_groups_not_inside_the_cluster():
    """pulumi-eks nodejs/eks/cluster/cluster.ts (corednsExplicitlyEnabled, `new aws.eks.Addon(`${name}-coredns``)
    makes coredns inside the component the node groups wait for, and the provider waits for ACTIVE
    (DEGRADED with nowhere to run): so corednsAddonOptions.enabled is false and coredns is an aws.eks.Addon
    that depends on the node groups, as eksctl orders it (pkg/actions/cluster/create.go creates add-ons
    after the node groups; known_addons.go CreateBeforeNodeGroup is false for coredns)."""
    resources = private(settings())
    (cluster,) = [r for r in resources if r["type"] == CLUSTER]
    assert cluster["inputs"]["corednsAddonOptions"]["enabled"] is False
    addon = coredns(resources)
    assert addon["inputs"]["addonName"] == "coredns"
    assert set(addon["dependsOn"]) >= {cluster["name"], "test-cluster-cluster-ng1", "test-cluster-cluster-mng1"}
    # Not on Fargate while nodes can run it.
    assert "computeType" not in json.loads(addon["inputs"].get("configurationValues", "{}"))


def test_coredns_keeps_the_addon_pulumi_eks_made_in_existing_stacks():
    """pulumi-eks nodejs/eks/cluster/cluster.ts (lines 1212-1213) named its coredns `${name}-coredns`, a
    child of the Cluster component: the add-on here carries that as an alias, so an existing stack
    updates the one add-on rather than creating a second (EKS refuses an add-on that exists) and then
    deleting the first."""
    from tests.components.helpers import run

    r = run(settings())
    (addon,) = [a for a in r.by_type(ADDON) if a.inputs["addonName"] == "coredns"]
    (alias,) = addon.aliases
    assert (alias.spec.name, alias.spec.parentUrn) == ("test-cluster-cluster-eks-coredns", r.one(CLUSTER).urn)


@pytest.mark.parametrize("key,value,effect,runs", [
    ("dedicated", "gpu", "NoSchedule", False),
    ("dedicated", "gpu", "NoExecute", False),
    ("dedicated", "gpu", "PreferNoSchedule", True),
    ("CriticalAddonsOnly", "true", "NoSchedule", True),
    ("CriticalAddonsOnly", None, "NoExecute", True),
    ("node-role.kubernetes.io/control-plane", None, "NoSchedule", True),
    ("node-role.kubernetes.io/control-plane", None, "NoExecute", False),
])
def test_coredns_waits_only_for_groups_whose_taints_it_tolerates(key, value, effect, runs):
    """eksctl pkg/addons/default/assets/coredns-1.36.json lines 257-266, the EKS coredns deployment's
    tolerations: `CriticalAddonsOnly` operator Exists, and `node-role.kubernetes.io/control-plane` effect
    NoSchedule (Equal, empty value); PreferNoSchedule keeps no pod off (Kubernetes taint semantics)."""
    taint = {"key": key, "effect": effect, **({"value": value} if value else {})}
    d = doc()
    d["managedNodeGroups"][0]["taints"] = [taint]
    resources = private(settings(d))
    deps = set(coredns(resources)["dependsOn"])
    assert ("test-cluster-cluster-mng1" in deps) is runs
    assert "test-cluster-cluster-ng1" in deps  # the untainted group runs it either way
    assert tolerates(key, value, effect) is runs


def test_coredns_with_only_tainted_groups_still_waits_for_all_capacity():
    """eksctl creates add-ons after all node groups (pkg/actions/cluster/create.go): with no group that
    tolerates it and no Fargate profile for kube-system, coredns still comes after the capacity."""
    taint = [{"key": "dedicated", "value": "x", "effect": "NoSchedule"}]
    d = doc(fargateProfiles=[])
    d["nodeGroups"][0]["taints"] = taint
    d["managedNodeGroups"][0]["taints"] = taint
    deps = set(coredns(private(settings(d)))["dependsOn"])
    assert deps >= {"test-cluster-cluster-ng1", "test-cluster-cluster-mng1"}


def test_auto_mode_makes_coredns_only_when_listed_and_then_after_the_cluster():
    """eksctl pkg/apis/eksctl.io/v1alpha5/known_addons.go (IsDefaultAutoMode): Auto Mode runs its own
    DNS, so coredns is made only when listed; pulumi-eks forces bootstrapSelfManagedAddons false
    there (cluster.ts), and Auto Mode's nodes come with the cluster."""
    auto = {"enabled": True, "nodePools": ["general-purpose", "system"]}
    base = doc(nodeGroups=[], managedNodeGroups=[], fargateProfiles=[], autoModeConfig=auto,
               accessConfig={"authenticationMode": "API"})
    assert [r for r in private(settings(base)) if r["type"] == ADDON and r["inputs"]["addonName"] == "coredns"] == []
    listed = dict(base, addons=[{"name": "coredns"}])
    addon = coredns(private(settings(listed)))
    assert addon["dependsOn"] == ["test-cluster-cluster-eks"]


# ------------------------------------------------------------------------------ 2. Fargate


@pytest.mark.parametrize("labels,selects", [
    (None, True),
    ({"eks.amazonaws.com/component": "coredns"}, True),
    ({"app": "other"}, False),
])
def test_coredns_on_fargate_when_only_a_kube_system_profile_can_run_it(labels, selects):
    """eksctl pkg/fargate/coredns/coredns.go lines 34-47 (IsSchedulableOnFargate, selectsCoreDNS): a
    selector of kube-system with no labels or with eks.amazonaws.com/component=coredns; then
    pkg/eks/fargate.go ScheduleCoreDNSOnFargateIfRelevant moves coredns to Fargate, which the EKS add-on
    takes as configurationValues computeType Fargate — merged with the values given for coredns."""
    selector: dict[str, Any] = {"namespace": "kube-system", **({"labels": labels} if labels else {})}
    d = doc(nodeGroups=[], managedNodeGroups=[],
            fargateProfiles=[{"name": "fp-system", "selectors": [selector]},
                             {"name": "fp-apps", "selectors": [{"namespace": "apps"}]}],
            addons=[{"name": "coredns", "configurationValues": '{"replicaCount": 3}'}])
    addon = coredns(private(settings(d)))
    config = json.loads(addon["inputs"]["configurationValues"])
    assert config["replicaCount"] == 3
    assert (config.get("computeType") == "Fargate") is selects
    assert "test-cluster-cluster-fp-system" in addon["dependsOn"]
    # Only the profile that runs it; with none, all the capacity (as with tainted groups only).
    assert ("test-cluster-cluster-fp-apps" not in addon["dependsOn"]) is selects


def test_coredns_stays_on_nodes_when_a_node_group_can_run_it():
    """eksctl pkg/eks/fargate.go lines 119-138 (ScheduleCoreDNSOnFargateIfRelevant) moves coredns to
    Fargate whenever a profile selects it; here it moves only when no node group can run it (the rule of
    the issue this implements): with a node group that tolerates it, no computeType, and coredns
    does not wait for the profile."""
    d = doc(fargateProfiles=[{"name": "fp-system", "selectors": [{"namespace": "kube-system"}]}])
    addon = coredns(private(settings(d)))
    assert "configurationValues" not in addon["inputs"]
    assert "test-cluster-cluster-fp-system" not in addon["dependsOn"]


# ------------------------------------------------------------------------------ 4. endpoints


def test_endpoints_admit_443_from_every_cidr_block_of_an_existing_vpc():
    """eksctl pkg/cfn/builder/vpc_endpoint.go gives the endpoints a security group nodes reach them
    through; here the endpoints' group admits every CIDR block associated with the VPC
    (aws.ec2.get_vpc cidr_block_associations, state associated) and the adopted subnets' CIDRs,
    which is what automation/aws/audit.py asks for (the same rule, endpoints.cidrs_to_admit)."""
    d = copy.deepcopy(EXISTING)
    d["vpc"]["subnets"]["private"] = {"us-west-2a": {"id": "subnet-aaaa"}, "us-west-2b": {"id": "subnet-bbbb"}}
    vpc = d["vpc"]["id"]
    subnets = {"subnet-aaaa": ExistingSubnet("subnet-aaaa", "us-west-2a", vpc, "100.64.0.0/19", "rtb-a"),
               "subnet-bbbb": ExistingSubnet("subnet-bbbb", "us-west-2b", vpc, "100.64.32.0/19", "rtb-b")}
    resources = private(settings(d), subnets=subnets, vpc_cidr="10.1.0.0/16")
    sg = one(resources, "aws:ec2/securityGroup:SecurityGroup", "-endpoints-sg")
    (rule,) = sg["inputs"]["ingress"]
    assert (rule["fromPort"], rule["toPort"], rule["protocol"]) == (443, 443, "tcp")
    assert rule["cidrBlocks"] == ["10.1.0.0/16", "100.64.0.0/19", "100.64.32.0/19"]


def test_the_audit_asks_for_what_is_built():
    """automation/aws/client.py reads the VPC's CidrBlockAssociationSet (EC2 DescribeVpcs) through
    the same rule the builder uses: associated blocks only, primary first."""
    from automation.aws.client import vpc_cidrs
    vpc = {"CidrBlock": "10.1.0.0/16", "CidrBlockAssociationSet": [
        {"CidrBlock": "10.1.0.0/16", "CidrBlockState": {"State": "associated"}},
        {"CidrBlock": "100.64.0.0/16", "CidrBlockState": {"State": "associated"}},
        {"CidrBlock": "100.65.0.0/16", "CidrBlockState": {"State": "disassociated"}}]}
    assert vpc_cidrs(vpc) == ["10.1.0.0/16", "100.64.0.0/16"]


# ---------------------------------------------------------------- 5. bootstrapSelfManagedAddons


def test_no_self_managed_addons_and_the_cni_before_the_nodes():
    """eksctl pkg/cfn/builder/cluster.go line 376 sends BootstrapSelfManagedAddons false always; pulumi-eks
    nodejs/eks/cluster/cluster.ts (lines 698-700) passes args.bootstrapSelfManagedAddons (default true), ignores
    later changes to it (line 754: existing clusters are not replaced), and creates vpc-cni (VpcCniAddon)
    and kube-proxy inside the component, so the node groups, which wait for the component, find them.
    A vpc-cni made as aws.eks.Addon (with an IRSA role) is created before the capacity, as eksctl's
    known_addons.go CreateBeforeNodeGroup says."""
    resources = private(settings())
    (cluster,) = [r for r in resources if r["type"] == CLUSTER]
    assert cluster["inputs"]["bootstrapSelfManagedAddons"] is False
    assert cluster["inputs"].get("kubeProxyAddonOptions", {}).get("enabled") is True
    d = doc(addons=[{"name": "vpc-cni", "attachPolicyARNs": ["arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy"]}])
    resources = private(settings(d))
    cni = one(resources, ADDON, "-addon-vpc-cni")
    for group in ("test-cluster-cluster-ng1", "test-cluster-cluster-mng1", "test-cluster-cluster-fp1"):
        assert cni["name"] in one(resources, next(r["type"] for r in resources if r["name"] == group), group)["dependsOn"]


# --------------------------------------------------------------------------- 6. AL2 cluster DNS


@pytest.mark.parametrize("cidr,ip", [("172.16.0.0/12", "172.16.0.10"), ("10.200.0.0/16", "10.200.0.10"),
                                     ("192.168.128.0/24", "192.168.128.10")])
def test_al2_nodes_get_the_cluster_dns_of_a_custom_service_cidr(cidr, ip):
    """eksctl pkg/nodebootstrap/userdata.go GetClusterDNS (lines 88-110): the service CIDR with its
    last byte set to 10, given to AL2's bootstrap.sh; pulumi-eks nodes/userdata.ts (line 213) runs
    bootstrap.sh with bootstrapExtraArgs and no --dns-cluster-ip, so bootstrap.sh would guess."""
    d = doc(kubernetesNetworkConfig={"serviceIPv4CIDR": cidr})
    d["metadata"] = {**d["metadata"], "version": "1.32"}
    d["nodeGroups"][0]["amiFamily"] = "AmazonLinux2"
    ng = one(private(settings(d)), "eks:index:NodeGroupV2", "-ng1")
    assert ng["inputs"]["bootstrapExtraArgs"] == f"--dns-cluster-ip {ip}"
    assert cluster_dns_ip(cidr) == ip
    assert cluster_dns_ip(None) is None


def test_al2023_and_default_service_cidr_get_no_dns_flag():
    """AL2023's nodeadm reads the cluster's service CIDR itself (pulumi-eks nodes/userdata.ts NodeConfig
    cidr); with EKS's default CIDR bootstrap.sh's guess is right."""
    d = doc(kubernetesNetworkConfig={"serviceIPv4CIDR": "172.16.0.0/12"})
    assert "bootstrapExtraArgs" not in one(private(settings(d)), "eks:index:NodeGroupV2", "-ng1")["inputs"]


# ------------------------------------------------------------- 7. EKS's AMI and the instance name


def lt_user_data(resource) -> str:
    return base64.b64decode(resource["childInputs"][LT]["userData"]).decode()


@pytest.mark.parametrize("family,fields,expected", [
    ("AmazonLinux2", {"maxPodsPerNode": 30}, "--max-pods=30"),
    ("AmazonLinux2023", {"maxPodsPerNode": 30, "preBootstrapCommands": ["echo hi"]}, "maxPods: 30"),
    ("Bottlerocket", {"maxPodsPerNode": 30}, "max-pods = 30"),
])
def test_bootstrap_fields_keep_ekss_ami_on_a_managed_group(family, fields, expected):
    """eksctl pkg/nodebootstrap/managed_al2.go (UserData: without ng.AMI, a MIME document of the
    pre-bootstrap commands and makeMaxPodsScript that EKS merges with its bootstrap), al2023.go and
    managed_bottlerocket.go keep EKS's AMI type; only `ami` makes a custom-AMI group (validation.go line
    1575 wants `ami` for overrideBootstrapCommand). pulumi-eks nodes/nodegroup.ts (line 2068) drops
    amiType and sets imageId whenever it writes user data (kubeletExtraArgs, nodeadmExtraOptions,
    bottlerocketSettings, userData), so the user data goes on its launch template instead."""
    d = doc()
    d["metadata"] = {**d["metadata"], "version": "1.32"}
    d["managedNodeGroups"][0].update(amiFamily=family, **fields)
    mng = one(private(settings(d)), "eks:index:ManagedNodeGroup", "-mng1")
    for key in ("kubeletExtraArgs", "nodeadmExtraOptions", "bottlerocketSettings", "userData", "amiId"):
        assert key not in mng["inputs"]
    assert expected in lt_user_data(mng)
    assert mng["inputs"]["operatingSystem"]


def test_a_custom_ami_still_takes_pulumi_ekss_user_data():
    """eksctl managed_al2.go makeCustomAMIUserData: with `ami` the whole user data is the group's."""
    d = doc()
    d["metadata"] = {**d["metadata"], "version": "1.32"}
    d["managedNodeGroups"][0].update(amiFamily="AmazonLinux2", ami="ami-0123456789abcdef0",
                                     overrideBootstrapCommand="/etc/eks/bootstrap.sh test-cluster")
    mng = one(private(settings(d)), "eks:index:ManagedNodeGroup", "-mng1")
    assert "userData" in mng["inputs"] and mng["inputs"]["amiId"] == "ami-0123456789abcdef0"
    assert "userData" not in mng.get("childInputs", {}).get(LT, {})


def test_instance_name_wins_over_pulumi_ekss_name_tag():
    """pulumi-eks nodejs/eks/nodes/nodegroup.ts line 1518 inputTagsToASGTags appends `Name: <cluster>-worker` (propagated at
    launch) after the given tags, and an ASG tag propagated at launch wins over the launch template's
    (EC2 Auto Scaling user guide, "Tag Auto Scaling groups and instances"): instanceName replaces the
    ASG's Name tag."""
    d = doc()
    d["nodeGroups"][0]["instanceName"] = "my-nodes"
    ng = one(private(settings(d)), "eks:index:NodeGroupV2", "-ng1")
    assert ng["childInputs"]["aws:autoscaling/group:Group"]["tags"] == [
        {"key": "Name", "value": "my-nodes", "propagateAtLaunch": True}]
    # The template's tag stays (removing it would roll existing nodes); the ASG's is the one that wins.
    assert ng["inputs"]["launchTemplateTagSpecifications"] == [{"resourceType": "instance", "tags": {"Name": "my-nodes"}}]


def test_the_instance_name_transform_replaces_pulumi_ekss_name_tag():
    """The transform on the group's child: pulumi-eks nodejs/eks/nodes/nodegroup.ts (line 1518) inputTagsToASGTags's list
    (given tags, the cluster's ownership tag, then `Name: <cluster>-worker`) gets one Name, the given one;
    other children and tags are untouched."""
    import asyncio

    import pulumi

    from components.transforms import instance_name_tag

    pulumi_eks_tags = [{"key": "team", "value": "a", "propagateAtLaunch": True},
                       {"key": "kubernetes.io/cluster/c", "value": "owned", "propagateAtLaunch": True},
                       {"key": "Name", "value": "c-worker", "propagateAtLaunch": True}]
    transform = instance_name_tag("my-nodes")

    async def apply(typ: str):
        result = transform(pulumi.ResourceTransformArgs(True, typ, "ng", {"tags": pulumi_eks_tags},
                                                        pulumi.ResourceOptions()))
        return None if result is None else await result.props["tags"].future()

    assert asyncio.run(apply("aws:autoscaling/group:Group")) == [
        *pulumi_eks_tags[:2], {"key": "Name", "value": "my-nodes", "propagateAtLaunch": True}]
    assert asyncio.run(apply(LT)) is None


def test_bottlerocket_settings_toml_reads_back_as_given():
    """eksctl managed_bottlerocket.go writes the settings as TOML (Bottlerocket's user data format);
    keys with dots (kernel.sysctl's) are quoted, tables nest, lists and booleans keep their types."""
    import tomllib

    from components.nodes.user_data import toml

    doc = {"settings": {"motd": "hi \"there\"", "kernel": {"sysctl": {"net.ipv4.ip_forward": "1"}},
                        "kubernetes": {"max-pods": 20, "allowed-unsafe-sysctls": ["a", "b"]},
                        "host-containers": {"admin": {"enabled": True}}}}
    assert tomllib.loads(toml(doc)) == doc

"""Cluster-level options of eksctl's ClusterConfig, as PrivateCluster declares them (issue 14)."""

from __future__ import annotations

import json

import pulumi
import pytest

from tests.components.helpers import run, settings

CLUSTER = "eks:index:Cluster"
ADDON = "aws:eks/addon:Addon"
ACCESS_ENTRY = "aws:eks/accessEntry:AccessEntry"
POLICY_ASSOCIATION = "aws:eks/accessPolicyAssociation:AccessPolicyAssociation"
POD_IDENTITY = "aws:eks/podIdentityAssociation:PodIdentityAssociation"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
ENDPOINT = "aws:ec2/vpcEndpoint:VpcEndpoint"
ROLE = "aws:iam/role:Role"
ACCOUNT = "111122223333"
KEY = f"arn:aws:kms:us-west-2:{ACCOUNT}:key/11111111-2222-3333-4444-555555555555"
AGENT = {"name": "eks-pod-identity-agent"}
INLINE = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:PutObject"], "Resource": "*"}]}


def test_secrets_encryption_reaches_pulumi_eks_and_adds_the_kms_endpoint():
    """pulumi/pulumi-eks nodejs/eks/cluster/cluster.ts: encryptionConfigKeyArn becomes the EKS cluster's
    encryptionConfig (provider.keyArn, resources [secrets])."""
    r = run(settings(secretsEncryption={"keyARN": KEY}))
    assert r.one(CLUSTER).inputs["encryptionConfigKeyArn"] == KEY
    assert "com.amazonaws.us-west-2.kms" in [e.inputs["serviceName"] for e in r.by_type(ENDPOINT)]
    assert "encryptionConfigKeyArn" not in run(settings()).one(CLUSTER).inputs


def test_service_cidr_and_upgrade_policy_reach_pulumi_eks():
    """pulumi-eks cluster.ts: kubernetesServiceIpAddressRange → kubernetesNetworkConfig.serviceIpv4Cidr,
    upgradePolicy passed as it is."""
    c = run(settings(kubernetesNetworkConfig={"serviceIPv4CIDR": "172.20.0.0/16"},
                     upgradePolicy={"supportType": "STANDARD"})).one(CLUSTER).inputs
    assert c["kubernetesServiceIpAddressRange"] == "172.20.0.0/16"
    assert c["upgradePolicy"] == {"supportType": "STANDARD"}


def test_upgrade_policy_default_is_written_out():
    """EKS's default support type (EXTENDED) is in the inputs, never left for EKS to pick."""
    assert run(settings()).one(CLUSTER).inputs["upgradePolicy"] == {"supportType": "EXTENDED"}


@pytest.mark.parametrize("enabled", [True, False])
def test_zonal_shift_reaches_the_eks_cluster_inside_pulumi_eks(enabled):
    """pulumi-eks cluster.ts does not pass zonalShiftConfig to its aws:eks/cluster:Cluster: a transform
    sets it on that child."""
    cluster = run(settings(zonalShiftConfig={"enabled": enabled})).one(CLUSTER)
    (t,) = [t for t in cluster.transforms if getattr(t, "child_type", None) == "aws:eks/cluster:Cluster"]
    result = t(pulumi.ResourceTransformArgs(custom=True, type_="aws:eks/cluster:Cluster", name="c",
                                            opts=pulumi.ResourceOptions(), props={"name": "test-cluster"}))
    assert result is not None and result.props["zonalShiftConfig"] == {"enabled": enabled}


def test_log_retention_makes_the_log_group_before_the_cluster():
    """EKS logs to /aws/eks/<cluster>/cluster and creates that group without retention when it is missing:
    made first, with eksctl's retention, the cluster depends on it."""
    r = run(settings(cloudWatch={"clusterLogging": {"enableTypes": ["api"], "logRetentionInDays": 30}}))
    group = r.one(LOG_GROUP)
    assert group.inputs["name"] == "/aws/eks/test-cluster/cluster"
    assert group.inputs["retentionInDays"] == 30
    assert group.urn in r.one(CLUSTER).dependencies
    assert run(settings()).by_type(LOG_GROUP) == []


def test_pulumi_eks_addons_go_through_its_options_and_are_not_created_twice():
    """pulumi-eks cluster.ts creates vpc-cni (VpcCniAddon) and kube-proxy (aws.eks.Addon) from
    vpcCniOptions / kubeProxyAddonOptions; coredns, which it would create inside the component the node
    groups wait for (corednsAddonOptions), is an aws.eks.Addon of its own (tests/components/test_first_up.py)."""
    r = run(settings(addons=[
        {"name": "vpc-cni", "version": "v1.19.0-eksbuild.1", "configurationValues": '{"env": {"A": "1"}}',
         "serviceAccountRoleARN": f"arn:aws:iam::{ACCOUNT}:role/cni", "resolveConflicts": "preserve"},
        {"name": "coredns", "version": "latest"},
        {"name": "kube-proxy"},
    ]))
    c = r.one(CLUSTER).inputs
    assert c["vpcCniOptions"] == {"addonVersion": "v1.19.0-eksbuild.1", "configurationValues": {"env": {"A": "1"}},
                                  "serviceAccountRoleArn": f"arn:aws:iam::{ACCOUNT}:role/cni",
                                  "resolveConflictsOnCreate": "NONE", "resolveConflictsOnUpdate": "PRESERVE"}
    # latest: the newest version for the cluster's Kubernetes version; unset: EKS's default for it.
    assert c["corednsAddonOptions"]["enabled"] is False
    assert c["kubeProxyAddonOptions"]["version"] == "default-for-1.33"
    (coredns,) = r.by_type(ADDON)
    assert (coredns.inputs["addonName"], coredns.inputs["addonVersion"]) == ("coredns", "latest-for-1.33")


def test_other_addons_are_eks_addons_after_the_capacity():
    """Add-ons run pods: they wait for the node groups and Fargate profiles that run them."""
    r = run(settings(addons=[AGENT, {"name": "aws-ebs-csi-driver", "configurationValues": "controller: {replicaCount: 1}",
                                     "podIdentityAssociations": [{"serviceAccountName": "ebs-csi-controller-sa",
                                                                  "roleARN": f"arn:aws:iam::{ACCOUNT}:role/ebs"}]}]))
    by_name = {a.inputs["addonName"]: a for a in r.by_type(ADDON)}
    agent, ebs = by_name["eks-pod-identity-agent"], by_name["aws-ebs-csi-driver"]
    assert agent.inputs["addonName"] == "eks-pod-identity-agent"
    assert json.loads(ebs.inputs["configurationValues"]) == {"controller": {"replicaCount": 1}}
    assert ebs.inputs["podIdentityAssociations"] == [{"roleArn": f"arn:aws:iam::{ACCOUNT}:role/ebs",
                                                      "serviceAccount": "ebs-csi-controller-sa"}]
    node_groups = [x.urn for x in r.registrations if x.type in ("eks:index:ManagedNodeGroup", "eks:index:NodeGroupV2",
                                                                 "aws:eks/fargateProfile:FargateProfile")]
    assert len(node_groups) == 3 and set(node_groups) <= set(ebs.dependencies)
    # eksctl known_addons.go: the Pod Identity agent is created before the node groups.
    assert not set(node_groups) & set(agent.dependencies)


def test_eksctl_default_addons_are_written_out_when_not_listed(base_private):
    """eksctl known_addons.go: vpc-cni, kube-proxy and coredns are default add-ons (EKS's default
    version, conflicts left to EKS: NONE). pulumi-eks would pick the newest version and OVERWRITE, and
    make no coredns at all with skipDefaultNodeGroup (nodejs/eks/cluster/cluster.ts)."""
    r = base_private
    c = r.one(CLUSTER).inputs
    expected = {"resolveConflictsOnCreate": "NONE", "resolveConflictsOnUpdate": "NONE"}
    assert c["vpcCniOptions"] == {"addonVersion": "default-for-1.33", **expected}
    assert c["corednsAddonOptions"]["enabled"] is False
    coredns = next(a.inputs for a in r.by_type(ADDON) if a.inputs["addonName"] == "coredns")
    assert (coredns["addonVersion"], coredns["resolveConflictsOnCreate"], coredns["resolveConflictsOnUpdate"]) == (
        "default-for-1.33", "NONE", "NONE")
    assert c["kubeProxyAddonOptions"] == {"enabled": True, "version": "default-for-1.33", **expected}


def test_auto_mode_makes_no_default_addons_but_the_listed_ones():
    """eksctl known_addons.go (IsDefaultAutoMode): no vpc-cni, kube-proxy or coredns by default in Auto
    Mode; pulumi-eks agrees for vpc-cni and kube-proxy but would make coredns, so it is turned off.
    A listed vpc-cni needs useDefaultVpcCni: false, or pulumi-eks skips it in Auto Mode."""
    c = run(settings(autoModeConfig={"enabled": True})).one(CLUSTER).inputs
    assert c["corednsAddonOptions"]["enabled"] is False
    assert "vpcCniOptions" not in c and "kubeProxyAddonOptions" not in c and "useDefaultVpcCni" not in c
    c = run(settings(autoModeConfig={"enabled": True}, addons=[{"name": "vpc-cni"}])).one(CLUSTER).inputs
    assert c["useDefaultVpcCni"] is False and c["vpcCniOptions"]["addonVersion"] == "default-for-1.33"


def test_access_entries_and_their_policies():
    """eksctl examples/40-access-entries.yaml → aws.eks.AccessEntry and AccessPolicyAssociation (pulumi-aws),
    the association after its entry (EKS: the principal needs an entry first)."""
    principal = f"arn:aws:iam::{ACCOUNT}:role/viewer"
    r = run(settings(accessConfig={"accessEntries": [
        {"principalARN": principal, "kubernetesGroups": ["viewers"], "kubernetesUsername": "v",
         "accessPolicies": [{"policyARN": "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy",
                             "accessScope": {"type": "namespace", "namespaces": ["default"]}}]}]}))
    (entry,) = [e for e in r.by_type(ACCESS_ENTRY) if e.inputs["principalArn"] == principal]
    assert entry.inputs["type"] == "STANDARD"
    assert entry.inputs["kubernetesGroups"] == ["viewers"] and entry.inputs["userName"] == "v"
    assoc = r.one(POLICY_ASSOCIATION)
    assert assoc.inputs["accessScope"] == {"type": "namespace", "namespaces": ["default"]}
    assert entry.urn in assoc.dependencies


def test_pod_identity_with_a_given_role_and_with_a_made_role():
    """eksctl's iam.podIdentityAssociations: roleARN used as it is; otherwise a role trusted by EKS Pod
    Identity (pods.eks.amazonaws.com, sts:AssumeRole and sts:TagSession) with the policies attached.
    The eks-auth endpoint is added: pods reach Pod Identity through it."""
    given = f"arn:aws:iam::{ACCOUNT}:role/reader"
    r = run(settings(addons=[AGENT], iam={"withOIDC": True, "podIdentityAssociations": [
        {"namespace": "default", "serviceAccountName": "reader", "roleARN": given},
        {"namespace": "apps", "serviceAccountName": "writer", "roleName": "writer-role",
         "permissionPolicyARNs": [f"arn:aws:iam::{ACCOUNT}:policy/write"], "permissionPolicy": INLINE}]}))
    # by namespace: the mock monitor records registrations as they come, and the second waits for its role
    first, second = sorted(r.by_type(POD_IDENTITY), key=lambda x: x.inputs["namespace"] != "default")
    assert (first.inputs["namespace"], first.inputs["serviceAccount"], first.inputs["roleArn"]) == (
        "default", "reader", given)
    (made,) = [x for x in r.by_type(ROLE) if x.inputs.get("name") == "writer-role"]
    trust = json.loads(made.inputs["assumeRolePolicy"])["Statement"][0]
    assert trust["Principal"] == {"Service": "pods.eks.amazonaws.com"}
    assert sorted(trust["Action"]) == ["sts:AssumeRole", "sts:TagSession"]
    assert second.inputs["roleArn"].endswith(":role/" + made.name)
    (inline,) = r.by_type("aws:iam/rolePolicy:RolePolicy")
    assert json.loads(inline.inputs["policy"]) == INLINE
    (attached,) = [a for a in r.by_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
                   if a.inputs["policyArn"].endswith(":policy/write")]
    assert "com.amazonaws.us-west-2.eks-auth" in [e.inputs["serviceName"] for e in r.by_type(ENDPOINT)]


def test_auto_mode_reaches_pulumi_eks():
    """pulumi-eks AutoModeOptions: enabled, createNodeRole, computeConfig (nodePools, nodeRoleArn)."""
    c = run(settings(autoModeConfig={"enabled": True})).one(CLUSTER).inputs
    assert c["autoMode"] == {"enabled": True, "createNodeRole": True,
                             "computeConfig": {"nodePools": ["general-purpose", "system"]}}
    role = f"arn:aws:iam::{ACCOUNT}:role/nodes"
    c = run(settings(autoModeConfig={"enabled": True, "nodePools": ["system"], "nodeRoleARN": role})).one(CLUSTER).inputs
    assert c["autoMode"] == {"enabled": True, "createNodeRole": False,
                             "computeConfig": {"nodePools": ["system"], "nodeRoleArn": role}}
    c = run(settings(autoModeConfig={"enabled": True, "nodePools": []})).one(CLUSTER).inputs
    assert c["autoMode"]["createNodeRole"] is False
    assert "autoMode" not in run(settings()).one(CLUSTER).inputs

"""Cluster-level fields of eksctl's ClusterConfig (issue 14): each accepted as eksctl writes it, and
each rule refusing by config path, with the source of the rule in the docstring."""

from __future__ import annotations

from typing import Any

import pytest

from tests.settings.test_rules import base, check, cluster, problems

ACCOUNT = "111122223333"
KEY = f"arn:aws:kms:us-west-2:{ACCOUNT}:key/11111111-2222-3333-4444-555555555555"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/r"
VIEW = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy"


def doc_with(**sections: Any) -> dict:
    doc = base()
    cluster(doc).update(sections)
    return doc


def entry(**fields: Any) -> dict:
    return {"principalARN": ROLE, **fields}


# ------------------------------------------------------------------------------ secretsEncryption


def test_secrets_encryption_key_arn_is_accepted_as_a_key_or_an_alias():
    """EKS EncryptionConfig.provider.keyArn takes a key's ARN or an alias ARN."""
    assert check(doc_with(secretsEncryption={"keyARN": KEY})).cluster.secrets_encryption.key_arn == KEY
    alias = f"arn:aws:kms:us-west-2:{ACCOUNT}:alias/eks"
    assert check(doc_with(secretsEncryption={"keyARN": alias})).cluster.secrets_encryption.key_arn == alias


def test_secrets_encryption_needs_key_arn():
    """eksctl validation.go ValidateSecretsEncryption: 'field secretsEncryption.keyARN is required'."""
    assert problems(doc_with(secretsEncryption={})) == {"secretsEncryption.keyARN": "is required"}


@pytest.mark.parametrize("arn", ["not-an-arn", f"arn:aws:iam::{ACCOUNT}:role/r", f"arn:aws:kms:us-west-2:{ACCOUNT}:grant/x"])
def test_secrets_encryption_key_arn_must_be_a_kms_key(arn):
    """eksctl parses keyARN as an ARN (arn.Parse); EKS needs a KMS key there."""
    assert list(problems(doc_with(secretsEncryption={"keyARN": arn}))) == ["secretsEncryption.keyARN"]


def test_secrets_encryption_key_must_be_in_the_cluster_region():
    """EKS CreateCluster EncryptionConfig: the KMS key must be in the same region as the cluster."""
    arn = KEY.replace("us-west-2", "us-east-1")
    assert "us-east-1" in problems(doc_with(secretsEncryption={"keyARN": arn}))["secretsEncryption.keyARN"]


def test_secrets_encryption_adds_the_kms_endpoint():
    """Nodes and the control plane's envelope encryption use KMS; a VPC without egress needs its endpoint."""
    names = [s.name for s in check(doc_with(secretsEncryption={"keyARN": KEY})).endpoint_services()]
    assert "kms" in names
    assert "kms" not in [s.name for s in check(base()).endpoint_services()]


# ----------------------------------------------------------------- kubernetesNetworkConfig


def test_service_ipv4_cidr_is_accepted():
    s = check(doc_with(kubernetesNetworkConfig={"serviceIPv4CIDR": "172.20.0.0/16"}))
    assert s.cluster.kubernetes_network_config.service_ipv4_cidr == "172.20.0.0/16"


@pytest.mark.parametrize("cidr, words", [
    ("172.20.0.0/33", "not a valid CIDR"),
    ("100.64.0.0/16", "10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16"),
    ("172.20.0.0/25", "between /12 and /24"),
    ("10.0.128.0/20", "overlaps the VPC CIDR"),
])
def test_service_ipv4_cidr_follows_eks_rules(cidr, words):
    """EKS CreateCluster KubernetesNetworkConfigRequest.serviceIpv4Cidr: a private (RFC 1918) block,
    between /24 and /12, not overlapping the VPC's CIDR; eksctl validation.go parses it as a CIDR."""
    found = problems(doc_with(kubernetesNetworkConfig={"serviceIPv4CIDR": cidr}))
    assert list(found) == ["kubernetesNetworkConfig.serviceIPv4CIDR"]
    assert words in found["kubernetesNetworkConfig.serviceIPv4CIDR"]


# ------------------------------------------------------------- upgradePolicy, zonalShiftConfig


def test_upgrade_policy_defaults_to_eks_extended_support():
    """EKS CreateCluster: without upgradePolicy the cluster gets EXTENDED support; written out here."""
    assert check(base()).cluster.upgrade_policy.support_type == "EXTENDED"
    assert check(doc_with(upgradePolicy={"supportType": "STANDARD"})).cluster.upgrade_policy.support_type == "STANDARD"


def test_upgrade_policy_support_type_is_standard_or_extended():
    """eksctl validation.go validateSupportType: 'must be either "STANDARD" or "EXTENDED"'."""
    assert list(problems(doc_with(upgradePolicy={"supportType": "standard"}))) == ["upgradePolicy.supportType"]


def test_zonal_shift_config():
    """eksctl examples/41-zonal-shift.yaml; EKS ZonalShiftConfigRequest.enabled is a boolean."""
    assert check(doc_with(zonalShiftConfig={"enabled": True})).cluster.zonal_shift_config.enabled is True
    assert list(problems(doc_with(zonalShiftConfig={"enabled": "sometimes"}))) == ["zonalShiftConfig.enabled"]


# ---------------------------------------------------------------------- log retention


def test_log_retention_is_accepted_with_log_types():
    doc = doc_with(cloudWatch={"clusterLogging": {"enableTypes": ["api"], "logRetentionInDays": 30}})
    assert check(doc).cluster.cloud_watch.cluster_logging.log_retention_in_days == 30


def test_log_retention_needs_log_types():
    """eksctl validation.go: 'cannot set cloudWatch.clusterLogging.logRetentionInDays without enabling log types'."""
    doc = doc_with(cloudWatch={"clusterLogging": {"logRetentionInDays": 30}})
    assert list(problems(doc)) == ["cloudWatch.clusterLogging.logRetentionInDays"]


def test_log_retention_takes_only_eksctl_values():
    """eksctl cloudwatch.go LogRetentionInDaysValues (CloudWatch Logs' PutRetentionPolicy values)."""
    doc = doc_with(cloudWatch={"clusterLogging": {"enableTypes": ["api"], "logRetentionInDays": 31}})
    assert "1, 3, 5, 7" in problems(doc)["cloudWatch.clusterLogging.logRetentionInDays"]


# ---------------------------------------------------------------------- access entries


def test_access_entries_as_eksctl_writes_them():
    """eksctl examples/40-access-entries.yaml, in its shape."""
    doc = doc_with(accessConfig={"authenticationMode": "API", "accessEntries": [
        entry(type="STANDARD", kubernetesGroups=["g1"]),
        entry(principalARN=f"arn:aws:iam::{ACCOUNT}:role/ns", accessPolicies=[
            {"policyARN": VIEW, "accessScope": {"type": "namespace", "namespaces": ["default", "dev-*"]}}]),
        entry(principalARN=f"arn:aws:iam::{ACCOUNT}:user/admin", accessPolicies=[
            {"policyARN": VIEW.replace("View", "ClusterAdmin"), "accessScope": {"type": "cluster"}}]),
        entry(principalARN=f"arn:aws:iam::{ACCOUNT}:role/nodes", type="EC2_LINUX"),
    ]})
    entries = check(doc).cluster.access_config.access_entries
    assert [e.type for e in entries] == ["STANDARD", "STANDARD", "STANDARD", "EC2_LINUX"]


def test_access_entries_are_refused_in_config_map_mode():
    """eksctl validation.go: 'accessConfig.authenticationMode must be set to either API_AND_CONFIG_MAP or
    API to use access entries'; EKS has no access entries in CONFIG_MAP mode."""
    doc = doc_with(accessConfig={"authenticationMode": "CONFIG_MAP", "accessEntries": [entry()]})
    assert list(problems(doc)) == ["accessConfig.accessEntries"]
    doc = doc_with(accessConfig={"authenticationMode": "API_AND_CONFIG_MAP", "accessEntries": [entry()]})
    assert len(check(doc).cluster.access_config.access_entries) == 1


@pytest.mark.parametrize("bad, path", [
    (entry(principalARN="someone"), "accessConfig.accessEntries[0].principalARN"),
    (entry(type="EC2_LINUX", kubernetesGroups=["g"]), "accessConfig.accessEntries[0].type"),
    (entry(type="FARGATE_LINUX", accessPolicies=[{"policyARN": VIEW, "accessScope": {"type": "cluster"}}]),
     "accessConfig.accessEntries[0].accessPolicies"),
    (entry(type="ADMIN"), "accessConfig.accessEntries[0].type"),
    (entry(accessPolicies=[{"policyARN": ROLE, "accessScope": {"type": "cluster"}}]),
     "accessConfig.accessEntries[0].accessPolicies[0].policyARN"),
    (entry(accessPolicies=[{"policyARN": VIEW, "accessScope": {"type": "namespace"}}]),
     "accessConfig.accessEntries[0].accessPolicies[0].accessScope.namespaces"),
    (entry(accessPolicies=[{"policyARN": VIEW, "accessScope": {"type": "cluster", "namespaces": ["a"]}}]),
     "accessConfig.accessEntries[0].accessPolicies[0].accessScope.namespaces"),
    (entry(accessPolicies=[{"policyARN": VIEW}]), "accessConfig.accessEntries[0].accessPolicies[0].accessScope"),
])
def test_access_entry_rules(bad, path):
    """eksctl access_entry.go validateAccessEntries: node types take no groups, username or policies;
    the policy is a cluster-access-policy; namespace scope needs namespaces, cluster scope has none."""
    assert list(problems(doc_with(accessConfig={"accessEntries": [bad]}))) == [path]


def test_access_entries_are_one_per_principal():
    """eksctl validateAccessEntries: 'duplicate access entry'; EKS: one entry per principal."""
    doc = doc_with(accessConfig={"accessEntries": [entry(), entry(kubernetesGroups=["g"])]})
    assert list(problems(doc)) == ["accessConfig.accessEntries[1].principalARN"]


# ----------------------------------------------------------------------------- add-ons


def test_addons_as_eksctl_writes_them():
    """eksctl examples/25-addons.yaml and 39-pod-identity-association.yaml, without IAM role creation."""
    doc = doc_with(addons=[
        {"name": "vpc-cni", "serviceAccountRoleARN": ROLE},
        {"name": "coredns", "version": "latest", "configurationValues": "replicaCount: 3"},
        {"name": "kube-proxy", "version": "v1.33.0-eksbuild.2", "resolveConflicts": "overwrite"},
        {"name": "eks-pod-identity-agent", "tags": {"team": "eks"}},
        {"name": "aws-ebs-csi-driver", "podIdentityAssociations": [{"serviceAccountName": "ebs-csi", "roleARN": ROLE}]},
    ])
    addons = check(doc).cluster.addons
    assert addons[1].latest and addons[1].configuration_object == {"replicaCount": 3}


@pytest.mark.parametrize("addon, path", [
    ({"name": "coredns", "configurationValues": "[1, 2]"}, "addons[0].configurationValues"),
    ({"name": "coredns", "configurationValues": "{bad"}, "addons[0].configurationValues"),
    ({"name": "coredns", "resolveConflicts": "replace"}, "addons[0].resolveConflicts"),
    ({"name": "x", "serviceAccountRoleARN": "arn:aws:iam::111122223333:policy/p"}, "addons[0].serviceAccountRoleARN"),
    ({"name": "x", "podIdentityAssociations": [{"serviceAccountName": "a"}]},
     "addons[0].podIdentityAssociations[0].roleARN"),
])
def test_addon_field_rules(addon, path):
    """EKS CreateAddon: configurationValues is a JSON object (eksctl accepts YAML for it),
    resolveConflicts one of none/overwrite/preserve, role ARNs are IAM roles."""
    found = problems(doc_with(addons=[addon]))
    assert path in found


@pytest.mark.parametrize("addon, path", [
    ({"name": "kube-proxy", "tags": {"a": "b"}}, "addons[0].tags"),
    ({"name": "coredns", "serviceAccountRoleARN": ROLE}, "addons[0].serviceAccountRoleARN"),
    ({"name": "vpc-cni", "podIdentityAssociations": [{"serviceAccountName": "aws-node", "roleARN": ROLE}]},
     "addons[0].podIdentityAssociations"),
])
def test_pulumi_eks_addons_refuse_what_its_options_cannot_carry(addon, path):
    """pulumi/pulumi-eks nodejs/eks/cluster/cluster.ts creates vpc-cni, coredns and kube-proxy itself;
    CoreDnsAddonOptions and KubeProxyAddonOptions carry a version, configuration values and conflict
    resolution only, VpcCniOptions a service account role too: anything else would have no effect."""
    assert path in problems(doc_with(addons=[addon, {"name": "eks-pod-identity-agent"}]))


def test_addons_are_listed_once():
    assert list(problems(doc_with(addons=[{"name": "coredns"}, {"name": "coredns"}]))) == ["addons[1].name"]


# ------------------------------------------------------------------ pod identity associations


def pia(**fields: Any) -> dict:
    return {"namespace": "default", "serviceAccountName": "s3-reader", **fields}


AGENT = [{"name": "eks-pod-identity-agent"}]
POLICY = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "*"}]}


def test_pod_identity_associations_as_eksctl_writes_them():
    """eksctl examples/39-pod-identity-association.yaml: an existing role, or one from policy ARNs."""
    doc = doc_with(addons=AGENT, iam={"podIdentityAssociations": [
        pia(roleARN=ROLE),
        pia(serviceAccountName="cache", roleName="cache-role", permissionsBoundaryARN=f"arn:aws:iam::{ACCOUNT}:policy/b",
            permissionPolicyARNs=[f"arn:aws:iam::{ACCOUNT}:policy/p1"]),
        pia(serviceAccountName="x", roleARN=ROLE, targetRoleARN="arn:aws:iam::444455556666:role/b",
            disableSessionTags=True),
        pia(serviceAccountName="nginx", permissionPolicy=POLICY),
    ]})
    s = check(doc)
    assert len(s.cluster.iam.pod_identity_associations) == 4
    assert "eks-auth" in [e.name for e in s.endpoint_services()]


def test_pod_identity_needs_the_agent_addon_unless_auto_mode():
    """eksctl pkg/ctl/cmdutils/configfile.go: ErrPodIdentityAgentNotInstalled unless Auto Mode (which
    runs the agent itself)."""
    assert list(problems(doc_with(iam={"podIdentityAssociations": [pia(roleARN=ROLE)]}))) == [
        "iam.podIdentityAssociations"]
    auto = doc_with(iam={"podIdentityAssociations": [pia(roleARN=ROLE)]}, autoModeConfig={"enabled": True})
    assert check(auto).cluster.auto_mode_config.enabled
    addon_pia = doc_with(addons=[{"name": "aws-ebs-csi-driver",
                                  "podIdentityAssociations": [{"serviceAccountName": "a", "roleARN": ROLE}]}])
    assert list(problems(addon_pia)) == ["addons[0].podIdentityAssociations"]


@pytest.mark.parametrize("bad, path", [
    (pia(), "iam.podIdentityAssociations[0].roleARN"),
    (pia(roleARN=ROLE, roleName="x"), "iam.podIdentityAssociations[0].roleName"),
    (pia(roleARN=ROLE, permissionPolicyARNs=[f"arn:aws:iam::{ACCOUNT}:policy/p"]),
     "iam.podIdentityAssociations[0].permissionPolicyARNs"),
    (pia(roleARN=ROLE, permissionPolicy=POLICY), "iam.podIdentityAssociations[0].permissionPolicy"),
    (pia(permissionPolicy={"Version": "2012-10-17"}), "iam.podIdentityAssociations[0].permissionPolicy"),
    (pia(permissionPolicyARNs=[ROLE]), "iam.podIdentityAssociations[0].permissionPolicyARNs[0]"),
    (pia(roleARN=ROLE, targetRoleARN="arn:aws:s3:::bucket"), "iam.podIdentityAssociations[0].targetRoleARN"),
    ({"serviceAccountName": "x", "roleARN": ROLE}, "iam.podIdentityAssociations[0].namespace"),
])
def test_pod_identity_association_rules(bad, path):
    """eksctl pkg/ctl/cmdutils/pod_identity_association.go validatePodIdentityAssociations: namespace and
    serviceAccountName set; one of roleARN or permission policies; roleARN excludes the role-making fields."""
    assert path in problems(doc_with(addons=AGENT, iam={"podIdentityAssociations": [bad]}))


def test_one_pod_identity_association_per_service_account():
    """EKS CreatePodIdentityAssociation: a service account has at most one association."""
    doc = doc_with(addons=AGENT, iam={"podIdentityAssociations": [pia(roleARN=ROLE), pia(roleARN=ROLE)]})
    assert list(problems(doc)) == ["iam.podIdentityAssociations[1]"]


# --------------------------------------------------------------------------- Auto Mode


def test_auto_mode_as_eksctl_writes_it():
    """eksctl examples/42-auto-mode.yaml."""
    s = check(doc_with(autoModeConfig={"enabled": True, "nodePools": ["general-purpose", "system"]}))
    assert s.cluster.auto_mode_config.pools == ["general-purpose", "system"]
    assert "eks-auth" in [e.name for e in s.endpoint_services()]


@pytest.mark.parametrize("auto, path", [
    ({"enabled": True, "nodePools": [], "nodeRoleARN": ROLE}, "autoModeConfig.nodeRoleARN"),
    ({"enabled": True, "nodePools": ["gpu"]}, "autoModeConfig.nodePools[0]"),
    ({"enabled": True, "nodePools": ["system", "system"]}, "autoModeConfig.nodePools[1]"),
    ({"enabled": False, "nodePools": ["system"]}, "autoModeConfig.enabled"),
])
def test_auto_mode_rules(auto, path):
    """eksctl auto_mode.go ValidateAutoModeConfig: known, unique node pools; no node role without pools;
    nothing set while disabled."""
    assert path in problems(doc_with(autoModeConfig=auto))


def test_auto_mode_needs_access_entries():
    """pulumi/pulumi-eks nodejs/eks/cluster/cluster.ts: 'Access entries are required when using EKS Auto
    Mode. Use the authentication mode 'API' or 'API_AND_CONFIG_MAP''."""
    doc = doc_with(autoModeConfig={"enabled": True}, accessConfig={"authenticationMode": "CONFIG_MAP"})
    assert list(problems(doc)) == ["autoModeConfig.enabled"]

"""Node group fields of eksctl's ClusterConfig (issue 14): accepted as eksctl writes them, refused by
path with the rule's source in each docstring."""

from __future__ import annotations

from typing import Any

import pytest

from tests.settings.test_rules import base, check, cluster, existing, problems

ACCOUNT = "111122223333"
KINDS = ("nodeGroups", "managedNodeGroups")


def with_group(kind: str, doc: dict | None = None, **fields: Any) -> dict:
    doc = doc or base()
    cluster(doc)[kind] = [{"name": "g1", "privateNetworking": True, **fields}]
    return doc


def group(kind: str, doc: dict):
    c = check(doc).cluster
    return (c.node_groups if kind == "nodeGroups" else c.managed_node_groups)[0]


# ------------------------------------------------------------------------------ AMI family


@pytest.mark.parametrize("kind", KINDS)
def test_ami_family_defaults_to_amazon_linux_2023_and_takes_what_pulumi_eks_builds(kind):
    """eksctl defaults.go: AmazonLinux2023; pulumi-eks OperatingSystem: AL2, AL2023, Bottlerocket."""
    assert group(kind, with_group(kind)).ami_family == "AmazonLinux2023"
    assert group(kind, with_group(kind, amiFamily="Bottlerocket")).ami_family == "Bottlerocket"


@pytest.mark.parametrize("kind", KINDS)
def test_ami_families_pulumi_eks_cannot_build_are_refused(kind):
    """pulumi/pulumi-eks nodejs/eks/ami.ts: OperatingSystem has no Ubuntu or Windows."""
    assert list(problems(with_group(kind, amiFamily="Ubuntu2204"))) == [f"{kind}[0].amiFamily"]


@pytest.mark.parametrize("kind", KINDS)
def test_amazon_linux_2_stops_at_kubernetes_1_32(kind):
    """EKS user guide (Amazon Linux 2 AMI deprecation): no EKS-optimised AL2 AMI for Kubernetes 1.33+."""
    assert list(problems(with_group(kind, amiFamily="AmazonLinux2"))) == [f"{kind}[0].amiFamily"]
    doc = with_group(kind, amiFamily="AmazonLinux2")
    cluster(doc)["metadata"]["version"] = "1.32"
    assert group(kind, doc).ami_family == "AmazonLinux2"
    assert group(kind, with_group(kind, amiFamily="AmazonLinux2", ami="ami-0123456789abcdef0")).custom_ami


@pytest.mark.parametrize("ami, custom", [("ami-0123456789abcdef0", "ami-0123456789abcdef0"), ("auto", None),
                                         ("auto-ssm", None)])
def test_ami_takes_an_id_or_eksctls_auto_names(ami, custom):
    """eksctl: ami is an AMI id, or auto / auto-ssm for the EKS-optimised one; EC2 image ids are ami- and
    8 or 17 hexadecimal digits (eksctl's examples' placeholders ami-custom and ami-12345 are not)."""
    assert group("nodeGroups", with_group("nodeGroups", ami=ami)).custom_ami == custom
    for bad in ("ubuntu", "ami-custom", "ami-12345"):
        assert list(problems(with_group("nodeGroups", ami=bad))) == ["nodeGroups[0].ami"]


# ------------------------------------------------------------------------------------ volumes


@pytest.mark.parametrize("kind", KINDS)
def test_volume_defaults_are_eksctls(kind):
    """eksctl defaults.go: gp3 with 3000 IOPS and 125 MiB/s; io1 and io2 with 100 IOPS."""
    g = group(kind, with_group(kind))
    assert (g.volume_type, g.volume_iops_or_default, g.volume_throughput_or_default) == ("gp3", 3000, 125)
    g = group(kind, with_group(kind, volumeType="io2"))
    assert (g.volume_iops_or_default, g.volume_throughput_or_default) == (100, None)


@pytest.mark.parametrize("fields, path", [
    ({"volumeType": "gp2", "volumeIOPS": 3000}, "volumeIOPS"),
    ({"volumeIOPS": 20000}, "volumeIOPS"),
    ({"volumeType": "io1", "volumeIOPS": 99}, "volumeIOPS"),
    ({"volumeType": "io2", "volumeIOPS": 300000}, "volumeIOPS"),
    ({"volumeType": "io1", "volumeThroughput": 200}, "volumeThroughput"),
    ({"volumeThroughput": 1001}, "volumeThroughput"),
    ({"volumeKmsKeyID": f"arn:aws:kms:us-west-2:{ACCOUNT}:key/k"}, "volumeKmsKeyID"),
    ({"volumeEncrypted": True, "volumeKmsKeyID": f"arn:aws:iam::{ACCOUNT}:role/r"}, "volumeKmsKeyID"),
    ({"volumeType": "standard"}, "volumeType"),
])
@pytest.mark.parametrize("kind", KINDS)
def test_volume_rules(kind, fields, path):
    """eksctl validation.go validateVolumeOpts: IOPS only for gp3 (3000-16000), io1 (100-64000) and io2
    (100-256000); throughput only for gp3 (125-1000); volumeKmsKeyID only with volumeEncrypted
    explicitly true; an ARN given there is a KMS key's or alias's."""
    assert f"{kind}[0].{path}" in problems(with_group(kind, **fields))


@pytest.mark.parametrize("key", [f"arn:aws:kms:us-west-2:{ACCOUNT}:key/k", "36c0b54e-64ed-4f2d-a1c7-96558764311e",
                                 "alias/ebs"])
def test_encrypted_volume_with_a_key_is_accepted(key):
    """EC2 LaunchTemplateEbsBlockDeviceRequest.KmsKeyId: key id, alias, key ARN or alias ARN
    (eksctl examples/10-encrypted-volumes.yaml uses a key id)."""
    g = group("managedNodeGroups", with_group("managedNodeGroups", volumeEncrypted=True, volumeKmsKeyID=key))
    assert g.volume_encrypted and g.volume_kms_key_id == key


# ----------------------------------------------------------------------------------------- IAM


@pytest.mark.parametrize("kind", KINDS)
def test_iam_as_eksctl_writes_it(kind):
    """eksctl examples/05-advanced-nodegroups.yaml and 17-permissions-boundary.yaml shapes."""
    g = group(kind, with_group(kind, iam={"attachPolicyARNs": ["arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy"],
                                          "withAddonPolicies": {"imageBuilder": True, "ebs": True}}))
    assert g.iam.with_addon_policies.ebs
    g = group(kind, with_group(kind, iam={"instanceRoleARN": f"arn:aws:iam::{ACCOUNT}:role/nodes"}))
    assert g.iam.instance_role_arn.endswith(":role/nodes")


@pytest.mark.parametrize("iam, path", [
    ({"instanceRoleARN": f"arn:aws:iam::{ACCOUNT}:role/r", "attachPolicyARNs": [f"arn:aws:iam::{ACCOUNT}:policy/p"]},
     "iam.attachPolicyARNs"),
    ({"instanceRoleARN": f"arn:aws:iam::{ACCOUNT}:role/r", "withAddonPolicies": {"cloudWatch": True}},
     "iam.withAddonPolicies.cloudWatch"),
    ({"instanceRoleARN": f"arn:aws:iam::{ACCOUNT}:policy/p"}, "iam.instanceRoleARN"),
    ({"attachPolicyARNs": ["AmazonEKSWorkerNodePolicy"]}, "iam.attachPolicyARNs[0]"),
])
def test_iam_rules(iam, path):
    """eksctl validation.go validateNodeGroupIAM: an existing instance role takes no policies to attach
    (each add-on policy flag that is on is named); policies are ARNs."""
    assert f"nodeGroups[0].{path}" in problems(with_group("nodeGroups", iam=iam))


def test_an_existing_node_role_is_refused_in_config_map_mode():
    """pulumi/pulumi-eks nodejs/eks/nodes/nodegroup.ts: in CONFIG_MAP mode a managed node group's role
    must be one of the cluster's instanceRoles (roles it is given, not ARNs)."""
    doc = with_group("managedNodeGroups", iam={"instanceRoleARN": f"arn:aws:iam::{ACCOUNT}:role/r"})
    cluster(doc)["accessConfig"] = {"authenticationMode": "CONFIG_MAP"}
    assert list(problems(doc)) == ["managedNodeGroups[0].iam.instanceRoleARN"]


# --------------------------------------------------------------------------- zones and subnets


@pytest.mark.parametrize("kind", KINDS)
def test_availability_zones_must_be_the_clusters(kind):
    """Nodes go on the cluster's private subnets only (docs/architecture.md §4): a zone outside them is refused."""
    assert group(kind, with_group(kind, availabilityZones=["us-west-2a"])).availability_zones == ["us-west-2a"]
    assert list(problems(with_group(kind, availabilityZones=["us-west-2c"]))) == [f"{kind}[0].availabilityZones[0]"]


@pytest.mark.parametrize("kind", KINDS)
def test_subnets_must_be_the_clusters_private_subnets_by_name_or_id(kind):
    doc = with_group(kind, existing(), subnets=["us-west-2b", "subnet-c"])
    assert group(kind, doc).subnets == ["us-west-2b", "subnet-c"]
    assert list(problems(with_group(kind, existing(), subnets=["subnet-public"]))) == [f"{kind}[0].subnets[0]"]


def test_subnets_and_availability_zones_are_exclusive():
    """eksctl: a node group is placed by availabilityZones or by subnets, not both."""
    doc = with_group("nodeGroups", existing(), subnets=["subnet-c"], availabilityZones=["us-west-2c"])
    assert "nodeGroups[0].subnets" in problems(doc)


# ------------------------------------------------------------------------------ IMDS, extras


@pytest.mark.parametrize("kind", KINDS)
def test_disable_imdsv1_is_accepted_only_as_true(kind):
    """IMDSv2 is always required here (docs/architecture.md §4); eksctl's disableIMDSv1: true says the same."""
    assert group(kind, with_group(kind, disableIMDSv1=True)).disable_imdsv1
    assert list(problems(with_group(kind, disableIMDSv1=False))) == [f"{kind}[0].disableIMDSv1"]


def test_self_managed_extras():
    """eksctl examples/03-two-nodegroups.yaml (instanceName) and 05-advanced-nodegroups.yaml
    (targetGroupARNs with an 11-digit account, asgMetricsCollection)."""
    g = group("nodeGroups", with_group("nodeGroups", instanceName="custom-node-name", targetGroupARNs=[
        "arn:aws:elasticloadbalancing:eu-west-2:01234567890:targetgroup/target-group-1/abcdef0123456789"],
        asgMetricsCollection=[{"granularity": "1Minute", "metrics": ["GroupMinSize"]}]))
    assert g.instance_name == "custom-node-name" and len(g.target_group_arns) == 1


@pytest.mark.parametrize("fields, path", [
    ({"targetGroupARNs": [f"arn:aws:iam::{ACCOUNT}:role/r"]}, "targetGroupARNs[0]"),
    ({"asgMetricsCollection": [{"granularity": "5Minute", "metrics": ["GroupMinSize"]}]},
     "asgMetricsCollection[0].granularity"),
    ({"asgMetricsCollection": [{"metrics": ["GroupMinSize"]}, {"metrics": ["GroupMaxSize"]}]}, "asgMetricsCollection"),
    ({"asgMetricsCollection": [{"metrics": []}]}, "asgMetricsCollection[0].metrics"),
])
def test_self_managed_extra_rules(fields, path):
    """EC2 Auto Scaling EnableMetricsCollection: granularity 1Minute only, one per group;
    target groups are elasticloadbalancing targetgroup ARNs."""
    assert f"nodeGroups[0].{path}" in problems(with_group("nodeGroups", **fields))


def test_self_managed_only_fields_are_unknown_on_managed_groups():
    assert "managedNodeGroups[0].instanceName" in problems(with_group("managedNodeGroups", instanceName="x"))


def test_managed_update_and_repair_config():
    """eksctl examples/15-managed-nodes.yaml (updateConfig) and 44-node-repair.yaml."""
    g = group("managedNodeGroups", with_group("managedNodeGroups", updateConfig={"maxUnavailable": 3},
                                              nodeRepairConfig={"enabled": True, "maxUnhealthyNodeThresholdCount": 3,
                                                                "maxParallelNodesRepairedCount": 2}))
    assert g.update_config.max_unavailable == 3 and g.node_repair_config.enabled


@pytest.mark.parametrize("fields, path", [
    ({"updateConfig": {"maxUnavailable": 1, "maxUnavailablePercentage": 10}}, "updateConfig.maxUnavailablePercentage"),
    ({"updateConfig": {"maxUnavailablePercentage": 101}}, "updateConfig.maxUnavailablePercentage"),
    ({"nodeRepairConfig": {"enabled": True, "maxUnhealthyNodeThresholdCount": 1,
                           "maxUnhealthyNodeThresholdPercentage": 5}}, "nodeRepairConfig.maxUnhealthyNodeThresholdCount"),
    ({"nodeRepairConfig": {"enabled": True, "maxParallelNodesRepairedCount": 1,
                           "maxParallelNodesRepairedPercentage": 5}}, "nodeRepairConfig.maxParallelNodesRepairedCount"),
    ({"nodeRepairConfig": {"maxParallelNodesRepairedCount": 1}}, "nodeRepairConfig.enabled"),
])
def test_managed_update_and_repair_rules(fields, path):
    """EKS UpdateNodegroupConfig: maxUnavailable or its percentage (1-100), not both; NodeRepairConfig:
    each limit as a count or a percentage, not both."""
    assert f"managedNodeGroups[0].{path}" in problems(with_group("managedNodeGroups", **fields))


# ---------------------------------------------------------------------------------------- SSH


def test_ssh_with_an_existing_key_pair():
    """eksctl examples/07-ssh-keys.yaml: publicKeyName names an existing EC2 key pair."""
    g = group("nodeGroups", with_group("nodeGroups", ssh={"allow": True, "publicKeyName": "ec2_dev_key"}))
    assert g.ssh.allow and g.ssh.public_key_name == "ec2_dev_key"
    g = group("managedNodeGroups", with_group("managedNodeGroups", ssh={"publicKeyName": "ec2_dev_key"}))
    assert g.ssh.public_key_name == "ec2_dev_key" and not g.ssh.allow


# ssh-keygen -t ed25519 and -t rsa -b 2048 public keys; an ECDSA one, which EC2 does not import.
ED25519_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIO2E2v+hBR3Aq3VK8NScLfIYtlr7KDHEBpUddujEEjQ8 ops@example"
RSA_KEY = ("ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQDqZEdzvHnK/GVP8nLngRHu/GDi/3PeES7+Bx6l3koXn/Oi/UmM9/jcW5XGziZ/oe1cPJ777"
           "eZV7muEvXg5ZMQBrYxUtYCdvd8Rt6DIoSqDLsIPqbuuNlQoBHq/PU2IjpWnp/wrJQXMk94IIrGjY8QHfCnpuMENCucVaifgAhwyeyuO5KiqUmD8E0"
           "RmcsotHKBV9X8H5eqLXd8zMQaPl+Ub7j5PG+9KftQu0F/QhdFvpSLsHaxvBzA5nhIltjkaFcwGQnD1rpCM3+UnQE7Izoa5Yt1xoUWRwnF+L2TKov"
           "W7+bYQ1kxsuuiX149jXTCJDVjkYCqi7HkrXYqcC1sbsror someuser@hostname")
ECDSA_KEY = ("ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBFi0N3tJDx9S/8QtARWCLK7QfFQS4g4lHS"
             "28I7OUd214h9G42TKSv4lKwVG6Ex1PFfAGhNhyHiTfvqnh/KMM0hM= x")


def test_ssh_allow_needs_a_key():
    """eksctl defaults.go setSSHDefaults: allow alone makes eksctl read ~/.ssh/id_rsa.pub; private-eks
    reads no local files, so a key is required."""
    assert list(problems(with_group("nodeGroups", ssh={"allow": True}))) == ["nodeGroups[0].ssh.publicKeyName"]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("key", [ED25519_KEY, RSA_KEY, RSA_KEY.rsplit(" ", 1)[0]])
def test_ssh_public_key_is_an_openssh_key_ec2_imports(kind, key):
    """eksctl examples/07-ssh-keys.yaml (ng-4, the RSA key here): an inline key, read by eksctl with
    ssh.ParseAuthorizedKey (pkg/ssh/client/ssh.go); EC2 API Reference ImportKeyPair: RSA or ED25519."""
    g = group(kind, with_group(kind, ssh={"allow": True, "publicKey": key}))
    assert g.ssh.public_key == key and g.ssh.allow


@pytest.mark.parametrize("key, why", [
    (ECDSA_KEY, "'ecdsa-sha2-nistp256' keys are not imported by EC2"),
    ("ssh-dss AAAAB3NzaC1kc3M= x", "'ssh-dss' keys are not imported by EC2"),
    ("AAAAC3NzaC1lZDI1NTE5AAAAIO2E2v+hBR3Aq3VK8NScLfIYtlr7KDHEBpUddujEEjQ8", "is not an OpenSSH public key (one line"),
    ("ssh-ed25519 not*base64", "the key is not base64"),
    # An RSA key's data under the ED25519 name (what ssh.ParseAuthorizedKey refuses too).
    ("ssh-ed25519 " + RSA_KEY.split()[1], "the key's data is not a ssh-ed25519 key"),
    (ED25519_KEY + "\n" + ED25519_KEY, "is not an OpenSSH public key (one line"),
    ("-----BEGIN PUBLIC KEY-----\nMIIBIjANBg\n-----END PUBLIC KEY-----", "is not an OpenSSH public key"),
])
def test_ssh_public_key_that_is_not_one_is_refused_by_path(key, why):
    """EC2 API Reference ImportKeyPair (RSA or ED25519 keys only); eksctl pkg/ssh/client/ssh.go
    fingerprint (ssh.ParseAuthorizedKey, which checks the blob's own type name, RFC 4253 6.6)."""
    found = problems(with_group("nodeGroups", ssh={"allow": True, "publicKey": key}))
    assert list(found) == ["nodeGroups[0].ssh.publicKey"] and why in found["nodeGroups[0].ssh.publicKey"]


@pytest.mark.parametrize("kind", KINDS)
def test_ssh_takes_one_key(kind):
    """eksctl validation.go validateNodeGroupSSH: only one of publicKeyName, publicKeyPath or publicKey."""
    doc = with_group(kind, ssh={"allow": True, "publicKeyName": "k", "publicKey": ED25519_KEY})
    assert list(problems(doc)) == [f"{kind}[0].ssh.publicKey"]


@pytest.mark.parametrize("kind", KINDS)
def test_ssh_source_security_groups(kind):
    """eksctl examples/15-managed-nodes.yaml; pkg/cfn/builder/managed_launch_template.go
    makeSSHIngressRules opens SSH from sourceSecurityGroupIds only when allow is true."""
    g = group(kind, with_group(kind, ssh={"allow": True, "publicKeyName": "k",
                                          "sourceSecurityGroupIds": ["sg-00241fbb12c607007"]}))
    assert g.ssh.source_security_group_ids == ["sg-00241fbb12c607007"]
    assert list(problems(with_group(kind, ssh={"publicKeyName": "k", "sourceSecurityGroupIds": ["sg-0fedcba9"]}))) == [
        f"{kind}[0].ssh.sourceSecurityGroupIds"]
    bad = with_group(kind, ssh={"allow": True, "publicKeyName": "k",
                                "sourceSecurityGroupIds": ["sg-1", "sg-0fedcba9", "sg-0fedcba9"]})
    assert list(problems(bad)) == [f"{kind}[0].ssh.sourceSecurityGroupIds[0]", f"{kind}[0].ssh.sourceSecurityGroupIds[2]"]


def test_ssh_allow_on_managed_node_groups():
    """eksctl pkg/cfn/builder/managed_launch_template.go: a managed group's SSH security group goes on its
    launch template."""
    g = group("managedNodeGroups", with_group("managedNodeGroups", ssh={"allow": True, "publicKeyName": "k"}))
    assert g.ssh.allow


@pytest.mark.parametrize("ssh, paths", [
    ({"allow": True, "publicKeyName": "k"}, ["ssh.allow", "ssh.publicKeyName"]),
    ({"allow": False, "publicKey": ED25519_KEY}, ["ssh.publicKey"]),
])
def test_ssh_with_a_given_launch_template_is_refused(ssh, paths):
    """eksctl validation.go ValidateManagedNodeGroup: ssh.allow (and ssh.sourceSecurityGroupIds, which
    needs it) cannot be set with a launch template; nor a key: pulumi-eks makes no launch template then
    to put it on (nodejs/eks/nodes/nodegroup.ts)."""
    doc = with_group("managedNodeGroups", launchTemplate={"id": "lt-0123456789abcdef0"}, ssh=ssh)
    assert sorted(problems(doc)) == [f"managedNodeGroups[0].{p}" for p in paths]


def test_ssh_keys_from_a_file_or_enable_ssm_are_not_settings():
    """publicKeyPath names a file on the eksctl user's machine and enableSsm is deprecated by eksctl
    (validation.go): neither is a setting here (the import notes or drops them)."""
    for ssh in ({"publicKeyPath": "~/.ssh/id_rsa.pub"}, {"enableSsm": True}):
        assert list(problems(with_group("nodeGroups", ssh=ssh))) == [f"nodeGroups[0].ssh.{next(iter(ssh))}"]

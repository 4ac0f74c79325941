"""import-eksctl and the cluster-level fields of issue 14, in the shapes of eksctl's own examples
(eksctl-io/eksctl examples/19-kms-cluster, 25-addons, 39-pod-identity-association, 40-access-entries,
41-zonal-shift, 42-auto-mode, 45-upgrade-policy-example)."""

from __future__ import annotations

import pytest

from automation.eksctl import ImportInvalid, ImportRefused, import_cluster_config
from components.settings import CONFIG_KEY
from tests.eksctl.test_import import minimal

ROLE = "arn:aws:iam::111122223333:role/role-1"


def carried(r) -> dict:
    return r.document["config"][CONFIG_KEY]


def test_kms_zonal_shift_upgrade_policy_and_log_retention_carry_as_they_are():
    r = import_cluster_config(minimal(
        secretsEncryption={"keyARN": "arn:aws:kms:us-west-2:000000000000:key/00000000-0000-0000-0000-000000000000"},
        zonalShiftConfig={"enabled": True}, upgradePolicy={"supportType": "EXTENDED"},
        cloudWatch={"clusterLogging": {"enableTypes": ["*"], "logRetentionInDays": 60}}))
    assert r.dropped == []
    c = r.settings.cluster
    assert c.secrets_encryption.key_arn.endswith(":key/00000000-0000-0000-0000-000000000000")
    assert c.zonal_shift_config.enabled and c.upgrade_policy.support_type == "EXTENDED"
    assert c.cloud_watch.cluster_logging.log_retention_in_days == 60


def test_ipv4_family_is_a_note_and_ipv6_is_dropped():
    r = import_cluster_config(minimal(kubernetesNetworkConfig={"ipFamily": "IPv4", "serviceIPv4CIDR": "172.20.0.0/16"}))
    assert r.dropped == [] and "kubernetesNetworkConfig.ipFamily" in [n.path for n in r.notes]
    assert carried(r)["kubernetesNetworkConfig"] == {"serviceIPv4CIDR": "172.20.0.0/16"}
    with pytest.raises(ImportRefused) as e:
        import_cluster_config(minimal(kubernetesNetworkConfig={"ipFamily": "IPv6"}))
    assert [(d.path, d.reason) for d in e.value.dropped] == [
        ("kubernetesNetworkConfig.ipFamily", "IPv6 is not supported by private-eks")]


def test_addons_carry_and_the_roles_made_from_policies_too():
    """eksctl examples/25-addons.yaml: vpc-cni with attachPolicyARNs and aws-ebs-csi-driver with
    wellKnownPolicies get an IRSA role each (eksctl pkg/actions/addon/create.go, createRoleForIRSA)."""
    r = import_cluster_config(minimal(iam={"withOIDC": True}, addons=[
        {"name": "vpc-cni", "attachPolicyARNs": ["arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy"]},
        {"name": "coredns", "version": "latest"},
        {"name": "aws-ebs-csi-driver", "wellKnownPolicies": {"ebsCSIController": True}},
    ]))
    assert r.dropped == []
    cni, _, ebs = r.settings.cluster.addons
    assert [a.name for a in r.settings.cluster.addons] == ["vpc-cni", "coredns", "aws-ebs-csi-driver"]
    assert cni.attach_policy_arns == ["arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy"] and cni.makes_role
    assert ebs.well_known_policies.ebs_csi_controller and ebs.makes_role


@pytest.mark.parametrize("addon, iam, why", [
    ({"name": "metrics-server"}, {"withOIDC": True}, "is not known"),
    ({"name": "vpc-cni"}, {}, "without iam.withOIDC"),
])
def test_an_addon_role_eksctl_would_not_make_or_would_make_too_wide_is_dropped(addon, iam, why):
    """eksctl pkg/actions/addon/create.go: a role from attachPolicy only with withOIDC and no role
    given; for an add-on whose service account it does not know its trust has no ``sub`` condition."""
    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["ec2:DescribeTags"], "Resource": "*"}]}
    r = import_cluster_config(minimal(iam=iam, addons=[{**addon, "attachPolicy": policy}]), allow_drop=True)
    assert [d.path for d in r.dropped] == ["addons[0].attachPolicy"] and why in r.dropped[0].reason
    assert r.settings.cluster.addons[0].attach_policy == {}


@pytest.mark.parametrize("addon, iam, why", [
    ({"name": "metrics-server"}, {"withOIDC": True}, "is not known"),
    ({"name": "aws-efs-csi-driver"}, {}, "without iam.withOIDC"),
])
def test_addon_well_known_policies_eksctl_would_not_make_or_would_make_too_wide_are_dropped(addon, iam, why):
    """eksctl pkg/actions/addon/create.go: a role from wellKnownPolicies (createRoleResourceSet) only with
    withOIDC; for an add-on whose service account is not known its trust has no ``sub`` condition.
    Flags all written false ask for no role and stay."""
    flags = {"efsCSIController": True}
    r = import_cluster_config(minimal(iam=iam, addons=[{**addon, "wellKnownPolicies": flags},
                                                       {"name": "coredns", "wellKnownPolicies": {"autoScaler": False}}]),
                              allow_drop=True)
    assert [d.path for d in r.dropped] == ["addons[0].wellKnownPolicies"] and why in r.dropped[0].reason
    assert not r.settings.cluster.addons[0].makes_role
    assert carried(r)["addons"][1] == {"name": "coredns", "wellKnownPolicies": {"autoScaler": False}}


@pytest.mark.parametrize("role", [{"serviceAccountRoleARN": ROLE},
                                  {"podIdentityAssociations": [{"serviceAccountName": "aws-node", "roleARN": ROLE}]}])
def test_an_addon_role_from_policies_beside_a_given_role_refuses_the_import_as_eksctl_does(role):
    """eksctl pkg/apis/eksctl.io/v1alpha5/addon.go, Validate: at most one of wellKnownPolicies,
    serviceAccountRoleARN, attachPolicyARNs and attachPolicy, and no IRSA config with pod identity
    associations."""
    with pytest.raises(ImportInvalid) as e:
        import_cluster_config(minimal(iam={"withOIDC": True}, addons=[
            {"name": "eks-pod-identity-agent"},
            {"name": "aws-ebs-csi-driver", "attachPolicyARNs": ["arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"],
             **role}]))
    assert [p.path for p in e.value.problems] == ["addons[1].attachPolicyARNs"]


def test_eksctls_rules_for_well_known_policies_refuse_the_import_by_eksctl_path():
    """eksctl pkg/ctl/cmdutils/pod_identity_association.go ('wellKnownPolicies cannot be specified when
    roleARN is set') and pkg/apis/eksctl.io/v1alpha5/addon.go (checkAtMostOnePolicyProviderIsSet)."""
    with pytest.raises(ImportInvalid) as e:
        import_cluster_config(minimal(
            iam={"withOIDC": True, "podIdentityAssociations": [
                {"namespace": "default", "serviceAccountName": "s3-reader", "roleARN": ROLE,
                 "wellKnownPolicies": {"autoScaler": True}}]},
            addons=[{"name": "eks-pod-identity-agent"},
                    {"name": "aws-ebs-csi-driver", "wellKnownPolicies": {"ebsCSIController": True},
                     "attachPolicyARNs": ["arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy"]}]))
    assert sorted(p.path for p in e.value.problems) == [
        "addons[1].attachPolicyARNs", "iam.podIdentityAssociations[0].wellKnownPolicies"]


def test_access_entries_carry_and_are_refused_in_config_map_mode_by_eksctl_path():
    """eksctl examples/40-access-entries.yaml; eksctl refuses access entries in CONFIG_MAP mode."""
    entries = [{"principalARN": "arn:aws:iam::111122223333:user/my-user-name", "type": "STANDARD",
                "kubernetesGroups": ["group1"]},
               {"principalARN": "arn:aws:iam::111122223333:role/admin-role", "accessPolicies": [
                   {"policyARN": "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy",
                    "accessScope": {"type": "cluster"}}]}]
    r = import_cluster_config(minimal(accessConfig={"authenticationMode": "API", "accessEntries": entries}))
    assert len(r.settings.cluster.access_config.access_entries) == 2
    with pytest.raises(ImportInvalid) as e:
        import_cluster_config(minimal(accessConfig={"authenticationMode": "CONFIG_MAP", "accessEntries": entries}))
    assert [p.path for p in e.value.problems] == ["accessConfig.accessEntries"]


def test_pod_identity_associations_carry_with_service_account_creation():
    """eksctl examples/39-pod-identity-association.yaml: createServiceAccount and wellKnownPolicies
    are carried."""
    r = import_cluster_config(minimal(
        addons=[{"name": "eks-pod-identity-agent", "tags": {"team": "eks"}}],
        iam={"podIdentityAssociations": [
            {"namespace": "default", "serviceAccountName": "s3-reader", "createServiceAccount": True, "roleARN": ROLE},
            {"namespace": "dev", "serviceAccountName": "nginx", "wellKnownPolicies": {"autoScaler": True},
             "permissionPolicy": {"Version": "2012-10-17", "Statement": [
                 {"Effect": "Allow", "Action": ["autoscaling:DescribeTags"], "Resource": "*"}]}}]}), allow_drop=True)
    assert r.dropped == []
    first, nginx = r.settings.cluster.iam.pod_identity_associations
    assert (first.create_service_account, nginx.create_service_account) == (True, False)
    assert nginx.well_known_policies.auto_scaler and nginx.permission_policy


def test_service_accounts_carry_in_eksctls_shape():
    """eksctl examples/13-iamserviceaccounts.yaml: every wellKnownPolicies flag is carried, a flag
    written false too; a problem is named by its eksctl index."""
    s3 = {"metadata": {"name": "s3-reader", "namespace": "backend-apps", "labels": {"aws-usage": "application"}},
          "attachPolicyARNs": ["arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"]}
    doc = minimal(iam={"withOIDC": True, "serviceAccounts": [
        s3,
        {"metadata": {"name": "aws-load-balancer-controller", "namespace": "kube-system"},
         "wellKnownPolicies": {"awsLoadBalancerController": True}},
        {"metadata": {"name": "ebs-csi-controller-sa", "namespace": "kube-system"},
         "wellKnownPolicies": {"ebsCSIController": True, "autoScaler": False}},
        {"metadata": {"name": "some-app", "namespace": "default"},
         "attachRoleARN": "arn:aws:iam::123:role/already-created-role-for-app"}]})
    r = import_cluster_config(doc)
    assert r.dropped == []
    accounts = r.settings.cluster.iam.service_accounts
    assert [(a.metadata.namespace, a.metadata.name) for a in accounts] == [
        ("backend-apps", "s3-reader"), ("kube-system", "aws-load-balancer-controller"),
        ("kube-system", "ebs-csi-controller-sa"), ("default", "some-app")]
    assert accounts[1].well_known_policies.aws_load_balancer_controller
    ebs = accounts[2].well_known_policies
    assert ebs.ebs_csi_controller and not ebs.auto_scaler
    assert carried(r)["iam"]["serviceAccounts"][2]["wellKnownPolicies"] == {"ebsCSIController": True, "autoScaler": False}
    doc["iam"]["serviceAccounts"][3]["roleName"] = "x"  # refused with attachRoleARN, named by its eksctl index
    with pytest.raises(ImportInvalid) as e:
        import_cluster_config(doc)
    assert [p.path for p in e.value.problems] == ["iam.serviceAccounts[3].roleName"]


def test_service_accounts_without_oidc_are_refused_as_eksctl_refuses_them():
    """eksctl validation.go: iam.withOIDC must be enabled explicitly for iam.serviceAccounts."""
    with pytest.raises(ImportInvalid) as e:
        import_cluster_config(minimal(iam={"serviceAccounts": [
            {"metadata": {"name": "a"}, "attachPolicyARNs": ["arn:aws:iam::aws:policy/ReadOnlyAccess"]}]}))
    assert [p.path for p in e.value.problems] == ["iam.serviceAccounts"]


def test_identity_mappings_carry_and_keep_eksctls_default_mode():
    """eksctl examples/35-iamidentitymappings.yaml: role and user mappings are carried; account and
    service mappings are dropped whole; with no authenticationMode, eksctl's default
    (API_AND_CONFIG_MAP, which has aws-auth) is written out."""
    doc = minimal(iamIdentityMappings=[
        {"arn": "arn:aws:iam::000000000000:role/myAdminRole", "groups": ["system:masters"], "username": "admin",
         "noDuplicateARNs": True},
        {"serviceName": "emr-containers", "namespace": "emr"},
        {"account": "000000000000"},
        {"arn": "arn:aws:iam::000000000000:user/myUser", "username": "myUser", "noDuplicateARNs": True}])
    del doc["accessConfig"]
    r = import_cluster_config(doc, allow_drop=True)
    assert [d.path for d in r.dropped] == ["iamIdentityMappings[1]", "iamIdentityMappings[2]"]
    assert r.dropped[0].reason.startswith("serviceName: eksctl's service access") and "; namespace: " in \
        r.dropped[0].reason
    assert r.dropped[1].reason.startswith("account: pulumi-eks writes aws-auth from role and user mappings only")
    c = r.settings.cluster
    assert [m.arn.rsplit(":", 1)[1] for m in c.iam_identity_mappings] == ["role/myAdminRole", "user/myUser"]
    assert c.access_config.authentication_mode == "API_AND_CONFIG_MAP"
    assert "set to eksctl's default API_AND_CONFIG_MAP" in {n.path: n.message for n in r.notes}[
        "accessConfig.authenticationMode"]


def test_identity_mappings_are_refused_in_api_mode_by_eksctl_path():
    with pytest.raises(ImportInvalid) as e:
        import_cluster_config(minimal(accessConfig={"authenticationMode": "API"}, iamIdentityMappings=[
            {"arn": "arn:aws:iam::000000000000:role/admin", "groups": ["system:masters"]}]))
    assert [p.path for p in e.value.problems] == ["iamIdentityMappings"]
    assert "accessConfig.accessEntries" in e.value.problems[0].message


def test_auto_mode_carries():
    """eksctl examples/42-auto-mode.yaml."""
    r = import_cluster_config(minimal(autoModeConfig={"enabled": True, "nodePools": ["general-purpose", "system"]}))
    assert r.dropped == [] and r.settings.cluster.auto_mode_config.pools == ["general-purpose", "system"]


# ------------------------------------------------------------------------------ node groups


def test_node_group_fields_carry_in_eksctls_shape():
    """eksctl examples/05-advanced-nodegroups.yaml, 10-encrypted-volumes.yaml, 20-bottlerocket.yaml,
    24-nodegroup-subnets.yaml, 44-node-repair.yaml shapes."""
    doc = minimal(
        availabilityZones=["us-west-2a", "us-west-2b", "us-west-2c"],
        nodeGroups=[{"name": "ng", "privateNetworking": True, "amiFamily": "Bottlerocket", "volumeType": "gp3",
                     "volumeEncrypted": True, "availabilityZones": ["us-west-2a"], "instanceName": "worker",
                     "iam": {"withAddonPolicies": {"imageBuilder": True, "cloudWatch": True}}}],
        managedNodeGroups=[{"name": "m1", "privateNetworking": True, "updateConfig": {"maxUnavailable": 3},
                            "nodeRepairConfig": {"enabled": True}}])
    r = import_cluster_config(doc)
    assert r.dropped == []
    ng = r.settings.cluster.node_groups[0]
    assert (ng.ami_family, ng.instance_name, ng.availability_zones) == ("Bottlerocket", "worker", ["us-west-2a"])


def test_disable_imdsv1_false_is_a_note_not_a_refusal():
    """eksctl examples/05-advanced-nodegroups.yaml writes disableIMDSv1: false; IMDSv2 is required here."""
    r = import_cluster_config(minimal(nodeGroups=[{"name": "ng", "privateNetworking": True, "disableIMDSv1": False}]))
    assert r.dropped == [] and "nodeGroups[0].disableIMDSv1" in [n.path for n in r.notes]
    assert r.settings.cluster.node_groups[0].disable_imdsv1 is True


def test_kind_specific_fields_are_dropped_with_their_reason():
    r = import_cluster_config(minimal(
        nodeGroups=[{"name": "ng", "privateNetworking": True, "updateConfig": {"maxUnavailable": 1},
                     "iam": {"withAddonPolicies": {"autoScaler": True, "ebs": True}}}],
        managedNodeGroups=[{"name": "m1", "privateNetworking": True, "instanceName": "x"}]), allow_drop=True)
    reasons = {d.path: d.reason for d in r.dropped}
    assert set(reasons) == {"nodeGroups[0].updateConfig", "managedNodeGroups[0].instanceName"}
    assert "managed node groups only" in reasons["nodeGroups[0].updateConfig"]
    flags = r.settings.cluster.node_groups[0].iam.with_addon_policies
    assert flags.ebs and flags.auto_scaler


def test_every_add_on_policy_flag_carries():
    """eksctl examples/06-csi-drivers.yaml (ebs, fsx, efs), 15-managed-nodes.yaml and
    22-managed-nodes-launch-template.yaml (externalDNS, certManager), 23-kubeflow-spot-instance.yaml
    (albIngress, autoScaler, cloudWatch); the flags of eksctl's NodeGroupIAMAddonPolicies (types.go)."""
    flags = {"imageBuilder": True, "autoScaler": True, "externalDNS": True, "certManager": True, "appMesh": True,
             "appMeshPreview": True, "ebs": True, "fsx": True, "efs": True, "albIngress": True, "xRay": True,
             "cloudWatch": True}
    r = import_cluster_config(minimal(
        nodeGroups=[{"name": "ng", "privateNetworking": True, "iam": {"withAddonPolicies": flags}}],
        managedNodeGroups=[{"name": "m1", "privateNetworking": True,
                            "iam": {"withAddonPolicies": {"awsLoadBalancerController": True}}}]))
    assert r.dropped == []
    assert carried(r)["nodeGroups"][0]["iam"]["withAddonPolicies"] == flags
    assert r.settings.cluster.managed_node_groups[0].iam.with_addon_policies.aws_load_balancer_controller


def test_an_add_on_policy_flag_with_an_existing_role_is_refused_by_eksctl_path():
    """eksctl validation.go validateNodeGroupIAM."""
    with pytest.raises(ImportInvalid) as e:
        import_cluster_config(minimal(managedNodeGroups=[{"name": "m1", "privateNetworking": True, "iam": {
            "instanceRoleARN": ROLE, "withAddonPolicies": {"externalDNS": True}}}]))
    assert [p.path for p in e.value.problems] == ["managedNodeGroups[0].iam.withAddonPolicies.externalDNS"]


def test_an_ami_family_pulumi_eks_cannot_build_is_dropped_with_its_reason():
    """eksctl examples/14-windows-nodes.yaml: Windows nodes are not built by pulumi-eks."""
    r = import_cluster_config(minimal(nodeGroups=[{"name": "win", "privateNetworking": True,
                                                   "amiFamily": "WindowsServer2019FullContainer"}]), allow_drop=True)
    assert [d.path for d in r.dropped] == ["nodeGroups[0].amiFamily"]
    assert "AmazonLinux2023" in r.dropped[0].reason
    assert r.settings.cluster.node_groups[0].ami_family == "AmazonLinux2023"


def test_node_group_subnets_outside_the_private_ones_are_dropped():
    """eksctl examples/24-nodegroup-subnets.yaml places a group on a public subnet: here nodes go on
    private subnets only."""
    doc = minimal(vpc={"id": "vpc-1", "subnets": {"private": {"private-one": {"id": "subnet-1"},
                                                              "private-two": {"id": "subnet-2"}}}},
                  nodeGroups=[{"name": "ng", "privateNetworking": True, "subnets": ["public-one", "private-one"]},
                              {"name": "ok", "privateNetworking": True, "subnets": ["private-two", "subnet-1"]}])
    r = import_cluster_config(doc, allow_drop=True)
    assert [(d.path, d.reason.split(":")[0]) for d in r.dropped] == [("nodeGroups[0].subnets", "public-one")]
    assert r.settings.cluster.node_groups[0].subnets == [] and r.settings.cluster.node_groups[1].subnets == [
        "private-two", "subnet-1"]


def test_the_readme_lists_every_dropped_field_with_its_reason():
    """The README's "Coming from eksctl" table names every path the import drops by rule, with the reason."""
    from pathlib import Path

    from automation.eksctl import reasons as m

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    section = readme.split("## Coming from eksctl", 1)[1].split("\n## ", 1)[0]
    for key, reason in m.REASONS.items():
        if reason and key != "kubernetesNetworkConfig.ipFamily":
            assert f"| `{key}` | {reason} |" in section
    for key, reason in {**m.NODE_GROUP_REASONS, **{f"ssh.{k}": v for k, v in m.SSH_REASONS.items()}}.items():
        assert f"[].{key}` | {reason} |" in section
    for key, reason in m.NODE_IAM_REASONS.items():
        assert f"`managedNodeGroups[].iam.{key}` | {reason} |" in section



def test_ssh_carries_a_key_pair_name_and_drops_keys_to_upload():
    """eksctl examples/07-ssh-keys.yaml: publicKeyName is carried; publicKeyPath would need a local file;
    allow without a key is dropped; allow on a managed group is carried (its launch template takes the
    SSH security group: tests/components/test_node_ssh.py)."""
    r = import_cluster_config(minimal(
        nodeGroups=[{"name": "a", "privateNetworking": True, "ssh": {"allow": True, "publicKeyName": "k"}},
                    {"name": "b", "privateNetworking": True, "ssh": {"allow": True, "publicKeyPath": "~/.ssh/x.pub"}}],
        managedNodeGroups=[{"name": "m", "privateNetworking": True, "ssh": {"allow": True, "publicKeyName": "k"}}]),
        allow_drop=True)
    assert sorted(d.path for d in r.dropped) == ["nodeGroups[1].ssh.allow", "nodeGroups[1].ssh.publicKeyPath"]
    ng = r.settings.cluster.node_groups
    assert (ng[0].ssh.allow, ng[0].ssh.public_key_name) == (True, "k") and ng[1].ssh.public_key_name is None
    m = r.settings.cluster.managed_node_groups[0].ssh
    assert (m.allow, m.public_key_name) == (True, "k")


def test_hostname_type_scaling_tier_identity_provider_and_classic_load_balancers_carry():
    """eksctl examples/02 (vpc.hostnameType), 46 (controlPlaneScalingConfig), 27 (identityProviders) and
    types.go NodeGroup.ClassicLoadBalancerNames: carried as they are, in eksctl's shape."""
    idp = {"name": "cognito-user-pool-1", "type": "oidc", "clientID": "10basodnbu3gs9b1bf9r566btu",
           "issuerURL": "https://cognito-idp.us-west-2.amazonaws.com/us-west-2_Ur78RxTra", "usernameClaim": "email"}
    r = import_cluster_config(minimal(
        vpc={"cidr": "10.10.0.0/16", "hostnameType": "resource-name"},
        controlPlaneScalingConfig={"tier": "tier-xl"}, identityProviders=[idp],
        nodeGroups=[{"name": "a", "privateNetworking": True, "classicLoadBalancerNames": ["internal-lb"]}]))
    c = carried(r)
    assert c["vpc"]["hostnameType"] == "resource-name"
    assert c["controlPlaneScalingConfig"] == {"tier": "tier-xl"}
    assert c["identityProviders"] == [idp]
    assert c["nodeGroups"][0]["classicLoadBalancerNames"] == ["internal-lb"]
    assert r.dropped == []


def test_hostname_type_with_an_existing_vpc_is_refused_by_eksctl_path():
    """eksctl validation.go: vpc.hostnameType is not supported with a pre-existing VPC."""
    with pytest.raises(ImportInvalid) as e:
        import_cluster_config(minimal(vpc={"id": "vpc-0123456789abcdef0", "hostnameType": "ip-name", "subnets": {
            "private": {"us-west-2a": {"id": "subnet-0a"}, "us-west-2b": {"id": "subnet-0b"}}}}))
    assert "vpc.hostnameType" in [p.path for p in e.value.problems]


@pytest.mark.parametrize("value", [True, False])
def test_control_plane_on_private_subnets_is_a_note(value):
    """eksctl examples/49: the control plane's ENIs go on the private subnets only — here there are no
    others, so either value says what private-eks does anyway."""
    r = import_cluster_config(minimal(vpc={"controlPlaneOnPrivateSubnets": value}))
    assert r.dropped == [] and "vpc.controlPlaneOnPrivateSubnets" in [n.path for n in r.notes]
    assert "controlPlaneOnPrivateSubnets" not in carried(r).get("vpc", {})


def test_container_runtime_containerd_is_a_note_and_another_is_dropped():
    """eksctl validation.go: only containerd from Kubernetes 1.24 (DockershimDeprecationVersion)."""
    ok = import_cluster_config(minimal(nodeGroups=[{"name": "a", "privateNetworking": True,
                                                    "containerRuntime": "containerd"}]))
    assert ok.dropped == [] and "nodeGroups[0].containerRuntime" in [n.path for n in ok.notes]
    with pytest.raises(ImportRefused) as e:
        import_cluster_config(minimal(nodeGroups=[{"name": "a", "privateNetworking": True,
                                                   "containerRuntime": "dockerd"}]))
    assert [d.path for d in e.value.dropped] == ["nodeGroups[0].containerRuntime"]


def test_instance_selector_and_node_local_zones_are_dropped_with_their_reason():
    """eksctl examples/28 (instanceSelector), 33 (nodeGroups[].localZones); capabilities (47, 48) are
    carried now (test_import_capabilities.py)."""
    r = import_cluster_config(minimal(
        managedNodeGroups=[{"name": "m", "privateNetworking": True, "instanceSelector": {"vCPUs": 2}},
                           {"name": "n", "privateNetworking": True, "localZones": ["us-west-2-lax-1a"]}]),
        allow_drop=True)
    reasons = {d.path: d.reason for d in r.dropped}
    assert "EC2 API" in reasons["managedNodeGroups[0].instanceSelector"]
    assert "local zones" in reasons["managedNodeGroups[1].localZones"]


def test_every_path_eksctls_examples_use_is_carried_noted_or_dropped_with_a_documented_reason():
    """Issue 14's target: every field used in eksctl's examples/*.yaml (the list in
    data/eksctl-example-paths.txt, written by scripts/eksctl_example_paths.py from eksctl-io/eksctl's
    examples) is carried, or is on the README's dropped list with its reason."""
    from pathlib import Path

    from automation.eksctl import carried_paths, documented_reason

    listed = Path(__file__).parent / "data" / "eksctl-example-paths.txt"
    paths = [p for p in listed.read_text().splitlines() if p and not p.startswith("#")]
    assert len(paths) > 150  # the whole list, not an empty file
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text().split("## Coming from eksctl", 1)[1]
    # Said to be what private-eks does anyway: a note (tested above), never a setting.
    noted = {"vpc.controlPlaneOnPrivateSubnets"}
    carried = set(carried_paths())
    undocumented = []
    for path in paths:
        if path in carried or path in noted:
            continue
        reason = documented_reason(path)
        if reason is None or f"{reason} |" not in readme:
            undocumented.append(path)
    assert undocumented == []

"""import-eksctl and eksctl's capabilities, in the shapes of eksctl-io/eksctl
examples/47-auto-mode-with-ack-kro-capabilities.yaml and 48-auto-mode-with-argocd-capabilities.yaml
(pkg/apis/eksctl.io/v1alpha5/capability.go)."""

from __future__ import annotations

import copy

import pytest

from automation.eksctl import ImportInvalid, import_cluster_config
from components.settings import CONFIG_KEY
from tests.eksctl.test_import import minimal

# examples/47, as eksctl ships it.
ACK_AND_KRO = [
    {"name": "ack-capability", "type": "ACK", "deletePropagationPolicy": "RETAIN",
     "attachPolicyARNs": ["arn:aws:iam::aws:policy/AdministratorAccess"],
     "tags": {"Environment": "dev", "Team": "platform"}},
    {"name": "kro-capability", "type": "KRO", "deletePropagationPolicy": "RETAIN",
     "accessPolicies": [{"policyARN": "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy",
                         "accessScope": {"type": "cluster"}}],
     "tags": {"Environment": "production", "Team": "platform"}},
]
# examples/48, with its placeholder idcInstanceArn.
ARGOCD = {
    "name": "argocd-gitops", "type": "ARGOCD", "deletePropagationPolicy": "RETAIN",
    "attachPolicyARNs": ["arn:aws:iam::aws:policy/AdministratorAccess"],
    "accessPolicies": [{"policyARN": "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy",
                        "accessScope": {"type": "cluster"}}],
    "configuration": {"argocd": {
        "namespace": "argocd",
        "awsIdc": {"idcInstanceArn": "arn:aws:sso:::instance/ssoins-<SSO Instance ID>", "idcRegion": "us-west-2"},
        "rbacRoleMappings": [{"role": "ADMIN", "identities": [
            {"id": "38414300-1041-708a-01af-abc123defg", "type": "SSO_USER"},
            {"id": "08017340-8041-7093-3ffa-abc123defg", "type": "SSO_GROUP"}]}],
    }},
    "tags": {"Environment": "production", "Team": "platform"},
}


def test_ack_and_kro_capabilities_carry_as_eksctl_writes_them():
    """examples/47: every field carried unchanged, nothing dropped, and it validates."""
    r = import_cluster_config(minimal(autoModeConfig={"enabled": True}, managedNodeGroups=[],
                                      capabilities=copy.deepcopy(ACK_AND_KRO)))
    assert r.dropped == []
    assert r.document["config"][CONFIG_KEY]["capabilities"] == ACK_AND_KRO
    ack, kro = r.settings.cluster.capabilities
    assert (ack.type, ack.role_arn, ack.attach_policy_arns) == ("ACK", None, ["arn:aws:iam::aws:policy/AdministratorAccess"])
    assert kro.access_policies[0].access_scope.type == "cluster"


def test_the_placeholder_identity_center_arn_of_example_48_is_refused_by_eksctl_path():
    """examples/48 ships ``arn:aws:sso:::instance/ssoins-<SSO Instance ID>``: not an instance ARN
    (botocore sso-admin service-2.json, InstanceArn), refused as the placeholder AMI ids of
    examples 15 and 31 are."""
    with pytest.raises(ImportInvalid) as e:
        import_cluster_config(minimal(capabilities=[copy.deepcopy(ARGOCD)]))
    assert [p.path for p in e.value.problems] == ["capabilities[0].configuration.argocd.awsIdc.idcInstanceArn"]


def test_example_48_with_a_real_instance_arn_carries_and_warns_that_argo_cd_is_public():
    """With an instance ARN of the real shape the rest of examples/48 carries; its networkAccess is
    commented out there, so the Argo CD server would be public: a warning, by path."""
    cap = copy.deepcopy(ARGOCD)
    cap["configuration"]["argocd"]["awsIdc"]["idcInstanceArn"] = "arn:aws:sso:::instance/ssoins-1234567890abcdef"
    r = import_cluster_config(minimal(capabilities=[cap]))
    assert r.dropped == [] and r.document["config"][CONFIG_KEY]["capabilities"] == [cap]
    (warning,) = r.settings.warnings
    assert warning.startswith("capabilities[0].configuration.argocd.networkAccess.vpceIds: not set")
    assert "com.amazonaws.us-west-2.eks-capabilities" in warning
    cap["configuration"]["argocd"]["networkAccess"] = {"vpceIds": ["vpce-1234567890abcdef0"]}
    assert import_cluster_config(minimal(capabilities=[cap])).settings.warnings == ()


def test_capabilities_in_config_map_mode_are_refused_by_eksctl_path():
    """EKS gives the capability's role an access entry (EKS user guide, "Amazon EKS capability IAM role")."""
    doc = minimal(capabilities=copy.deepcopy(ACK_AND_KRO[:1]))
    doc["accessConfig"] = {"authenticationMode": "CONFIG_MAP"}
    with pytest.raises(ImportInvalid) as e:
        import_cluster_config(doc)
    assert "capabilities" in [p.path for p in e.value.problems]


def test_an_unknown_capability_key_is_dropped_with_its_path():
    cap = {**copy.deepcopy(ACK_AND_KRO[0]), "roleName": "x"}
    r = import_cluster_config(minimal(capabilities=[cap]), allow_drop=True)
    assert [d.path for d in r.dropped] == ["capabilities[0].roleName"]


def test_example_47_plans_offline_with_its_roles_capabilities_and_association():
    """An imported example validates and plans offline: examples/47 gives two made roles, two
    capabilities and the kro role's one access policy association."""
    from automation.plan import plan_stack

    r = import_cluster_config(minimal(autoModeConfig={"enabled": True}, managedNodeGroups=[],
                                      capabilities=copy.deepcopy(ACK_AND_KRO)))
    (private,) = [p for p in plan_stack(r.settings)["passes"] if p["phase"] == "private"]
    by_type: dict[str, list[dict]] = {}
    for res in private["resources"]:
        if "-capability-" in res["name"]:
            by_type.setdefault(res["type"], []).append(res)
    assert sorted(c["inputs"]["type"] for c in by_type["aws:eks/capability:Capability"]) == ["ACK", "KRO"]
    assert len(by_type["aws:iam/role:Role"]) == 2
    (association,) = by_type["aws:eks/accessPolicyAssociation:AccessPolicyAssociation"]
    assert association["inputs"]["policyArn"].endswith("/AmazonEKSClusterAdminPolicy")
    assert any(d.endswith("-capability-kro-capability") for d in association["dependsOn"])

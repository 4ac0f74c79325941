"""IRSA roles, ServiceAccounts, the vpc-cni role made from policies and aws-auth mappings, under
Pulumi's mock runtime (components/iam/service_accounts.py, components/addons.py, components/access.py)."""

from __future__ import annotations

import json

from automation.plan import plan_stack
from tests.components.helpers import run, settings

CLUSTER = "eks:index:Cluster"
ADDON = "aws:eks/addon:Addon"
ROLE = "aws:iam/role:Role"
ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
INLINE_POLICY = "aws:iam/rolePolicy:RolePolicy"
SERVICE_ACCOUNT = "kubernetes:core/v1:ServiceAccount"
NAMESPACE = "kubernetes:core/v1:Namespace"
PROVIDER = "pulumi:providers:kubernetes"
ACCOUNT = "111122223333"
GIVEN = f"arn:aws:iam::{ACCOUNT}:role/given"
INLINE = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "*"}]}
S3 = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"


def irsa(*accounts: dict, **changes):
    return settings(iam={"withOIDC": True, "serviceAccounts": list(accounts)}, **changes)


def made_roles(r) -> list:
    return [x for x in r.by_type(ROLE) if "sts:AssumeRoleWithWebIdentity" in x.inputs["assumeRolePolicy"]]


def test_an_irsa_role_trusts_one_service_account_through_the_clusters_oidc_provider():
    """eksctl pkg/iam/oidc/api.go, MakeAssumeRolePolicyDocumentWithServiceAccountConditions: the OIDC
    provider as the federated principal, sts:AssumeRoleWithWebIdentity, ``ISSUER:sub`` =
    system:serviceaccount:NS:NAME and ``ISSUER:aud`` = sts.amazonaws.com; the provider is the one
    pulumi-eks makes with createOidcProvider (nodejs/eks/cluster/cluster.ts: oidcProviderArn,
    oidcIssuer = the issuer URL without https://)."""
    r = run(irsa({"metadata": {"name": "s3-reader", "namespace": "backend"}, "attachPolicyARNs": [S3]}))
    cluster = r.one(CLUSTER)
    assert cluster.inputs["createOidcProvider"] is True
    (role,) = made_roles(r)
    (statement,) = json.loads(role.inputs["assumeRolePolicy"])["Statement"]
    assert statement["Principal"]["Federated"].startswith("arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-west-2.")
    assert statement["Action"] == ["sts:AssumeRoleWithWebIdentity"]
    issuer = statement["Principal"]["Federated"].split("oidc-provider/", 1)[1]
    assert statement["Condition"] == {"StringEquals": {f"{issuer}:sub": "system:serviceaccount:backend:s3-reader",
                                                       f"{issuer}:aud": "sts.amazonaws.com"}}


def test_a_subject_pattern_trusts_the_matching_names_with_string_like():
    """eksctl pkg/iam/oidc/api.go, MakeAssumeRolePolicyDocumentWithServiceAccountConditionsAllowingWildcard:
    ``sub`` under StringLike (system:serviceaccount:NS:PATTERN), ``aud`` still under StringEquals."""
    r = run(irsa({"metadata": {"name": "runner", "namespace": "ci"}, "attachPolicyARNs": [S3],
                  "subjectPattern": "runner-*"}))
    (role,) = made_roles(r)
    (statement,) = json.loads(role.inputs["assumeRolePolicy"])["Statement"]
    issuer = statement["Principal"]["Federated"].split("oidc-provider/", 1)[1]
    assert statement["Condition"] == {"StringLike": {f"{issuer}:sub": "system:serviceaccount:ci:runner-*"},
                                      "StringEquals": {f"{issuer}:aud": "sts.amazonaws.com"}}


def test_the_role_gets_its_policies_boundary_name_and_tags():
    """eksctl pkg/cfn/builder/iam.go, IAMRoleResourceSet.AddAllResources: managed policy ARNs (given
    and well-known AWS managed ones), the inline policy, the permissions boundary, the role name."""
    boundary = f"arn:aws:iam::{ACCOUNT}:policy/boundary"
    r = run(irsa({"metadata": {"name": "s3-reader"}, "attachPolicyARNs": [S3], "attachPolicy": INLINE,
                  "wellKnownPolicies": {"imageBuilder": True}, "roleName": "s3-reader-irsa",
                  "permissionsBoundary": boundary, "tags": {"app": "reader"}}))
    (role,) = made_roles(r)
    assert (role.inputs["name"], role.inputs["permissionsBoundary"]) == ("s3-reader-irsa", boundary)
    assert role.inputs["tags"] == {"team": "platform", "app": "reader"}
    attached = sorted(a.inputs["policyArn"] for a in r.by_type(ATTACHMENT) if a.parent_urn == role.parent_urn)
    assert attached == ["arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryPowerUser", S3]
    (inline,) = [p for p in r.by_type(INLINE_POLICY) if p.parent_urn == role.parent_urn]
    assert json.loads(inline.inputs["policy"]) == INLINE


def test_an_unnamed_role_gets_a_prefix_iam_accepts():
    """IAM role names are at most 64 characters; the provider takes a name_prefix of at most 38
    (pulumi-aws iam.Role namePrefix), so a long cluster and service account name still fit."""
    r = run(irsa({"metadata": {"name": "a-very-long-service-account-name-for-reading", "namespace": "backend"},
                  "attachPolicyARNs": [S3]}))
    (role,) = made_roles(r)
    assert "name" not in role.inputs or role.inputs["name"] is None
    assert role.inputs["namePrefix"].startswith("test-cluster-backend-a-very") and len(role.inputs["namePrefix"]) <= 38


def test_the_service_account_is_annotated_with_its_role_in_its_namespace():
    """eksctl iam.go, SetAnnotations: eks.amazonaws.com/role-arn = the role's ARN (made or attachRoleARN);
    labels and annotations as given; eksctl creates a missing namespace (pkg/kubernetes), built-in
    ones exist already."""
    r = run(irsa({"metadata": {"name": "s3-reader", "namespace": "backend", "labels": {"app": "r"},
                               "annotations": {"team": "data"}}, "attachPolicyARNs": [S3]},
                 {"metadata": {"name": "app"}, "attachRoleARN": GIVEN}))
    (role,) = made_roles(r)
    accounts = {sa.inputs["metadata"]["name"]: sa for sa in r.by_type(SERVICE_ACCOUNT)}
    reader = accounts["s3-reader"].inputs["metadata"]
    assert reader["namespace"] == "backend" and reader["labels"] == {"app": "r"}
    assert reader["annotations"] == {"team": "data", "eks.amazonaws.com/role-arn": f"arn:aws:iam::123456789012:role/{role.name}"}
    assert accounts["app"].inputs["metadata"]["annotations"] == {"eks.amazonaws.com/role-arn": GIVEN}
    (namespace,) = r.by_type(NAMESPACE)
    assert namespace.inputs["metadata"] == {"name": "backend"}
    assert namespace.urn in accounts["s3-reader"].dependencies and accounts["app"].dependencies == []


def test_the_kubernetes_provider_uses_the_clusters_kubeconfig():
    """pulumi-eks's Cluster output kubeconfigJson (sdk/python pulumi_eks/cluster.py) is what the
    ServiceAccounts are written with."""
    r = run(irsa({"metadata": {"name": "app"}, "attachRoleARN": GIVEN}))
    (provider,) = r.by_type(PROVIDER)
    assert json.loads(provider.inputs["kubeconfig"])["kind"] == "Config"
    assert "test-cluster" in provider.inputs["kubeconfig"]


def test_the_kubernetes_provider_forgets_what_it_cannot_reach_so_a_destroy_from_outside_ends():
    """pulumi-kubernetes Provider deleteUnreachable (sdk/python pulumi_kubernetes/provider.py): resources
    of an unreachable cluster are removed from the state on delete — a private API is unreachable from
    outside the VPC once the window is closed, and the ServiceAccounts go with the cluster."""
    r = run(irsa({"metadata": {"name": "app"}, "attachRoleARN": GIVEN}))
    assert r.one(PROVIDER).inputs["deleteUnreachable"] == "true"


def test_role_only_makes_the_role_and_no_service_account():
    """eksctl ClusterIAMServiceAccount.RoleOnly: the role without creating or annotating the account."""
    r = run(irsa({"metadata": {"name": "ebs"}, "wellKnownPolicies": {"ebsCSIController": True}, "roleOnly": True}))
    assert len(made_roles(r)) == 1
    assert r.by_type(SERVICE_ACCOUNT) == [] and r.by_type(PROVIDER) == [] and r.by_type(NAMESPACE) == []


def test_a_pod_identity_association_can_create_its_service_account_without_annotation():
    """eksctl examples/39-pod-identity-association.yaml, createServiceAccount: EKS Pod Identity needs
    no annotation (the association names the account)."""
    r = run(settings(addons=[{"name": "eks-pod-identity-agent"}], iam={"podIdentityAssociations": [
        {"namespace": "dev", "serviceAccountName": "reader", "roleARN": GIVEN, "createServiceAccount": True},
        {"namespace": "dev", "serviceAccountName": "other", "roleARN": GIVEN}]}))
    (sa,) = r.by_type(SERVICE_ACCOUNT)
    assert sa.inputs["metadata"] == {"name": "reader", "namespace": "dev"}
    assert made_roles(r) == []


def test_vpc_cni_with_policies_gets_an_irsa_role_for_aws_node_as_an_eks_addon():
    """eksctl pkg/actions/addon/create.go: createRoleForIRSA for kube-system/aws-node
    (getKnownServiceAccountLocation), passed as serviceAccountRoleARN. pulumi-eks's own vpc-cni is an
    input of the cluster, before its OIDC provider exists, so it is turned off (useDefaultVpcCni,
    nodejs/eks/cluster/cluster.ts) and the add-on made after the cluster, before the node groups wait."""
    r = run(settings(addons=[{"name": "vpc-cni", "version": "v1.19.0-eksbuild.1", "attachPolicyARNs": [
        "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy"]}]))
    cluster = r.one(CLUSTER)
    assert cluster.inputs["useDefaultVpcCni"] is True and "vpcCniOptions" not in cluster.inputs
    (role,) = made_roles(r)
    assert "system:serviceaccount:kube-system:aws-node" in role.inputs["assumeRolePolicy"]
    (cni,) = [a for a in r.by_type(ADDON) if a.inputs["addonName"] == "vpc-cni"]
    assert cni.inputs["addonVersion"] == "v1.19.0-eksbuild.1"
    assert cni.inputs["serviceAccountRoleArn"] == f"arn:aws:iam::123456789012:role/{role.name}"
    assert cluster.urn in cni.dependencies
    assert not any("ManagedNodeGroup" in d or "NodeGroupV2" in d for d in cni.dependencies)
    assert r.by_type(SERVICE_ACCOUNT) == []  # EKS makes aws-node's account


def test_identity_mappings_join_the_fargate_mapping_in_aws_auth():
    """pulumi-eks nodejs/eks/cluster/authenticationMode.ts, createAwsAuthData: mapRoles from
    roleMappings and instanceRoles, mapUsers from userMappings; aws-auth is written whole, so the
    Fargate pod role's mapping (CONFIG_MAP mode) stays beside them. A mapping without username gets
    the ARN, pulumi-eks's documented default (RoleMapping.username)."""
    admin = f"arn:aws:iam::{ACCOUNT}:role/admin"
    me = f"arn:aws:iam::{ACCOUNT}:user/me"
    r = run(settings(accessConfig={"authenticationMode": "CONFIG_MAP"}, iamIdentityMappings=[
        {"arn": admin, "groups": ["system:masters"]}, {"arn": me, "username": "me", "groups": ["viewers"]}]))
    i = r.one(CLUSTER).inputs
    fargate, mapped = i["roleMappings"]
    assert fargate["username"] == "system:node:{{SessionName}}"
    assert mapped == {"roleArn": admin, "username": admin, "groups": ["system:masters"]}
    assert i["userMappings"] == [{"userArn": me, "username": "me", "groups": ["viewers"]}]


def test_no_mappings_send_no_mapping_inputs():
    i = run(settings(accessConfig={"authenticationMode": "API_AND_CONFIG_MAP"})).one(CLUSTER).inputs
    assert "roleMappings" not in i and "userMappings" not in i


def test_the_plan_says_service_accounts_need_the_kubernetes_api_and_role_only_does_not():
    """automation/kubernetes_api.py: a kubernetes: resource is written through the Kubernetes API, so
    the stack needs the bootstrap window; a role alone (roleOnly) is IAM only, and in API mode with
    managed add-ons nothing else needs it."""
    needs = plan_stack(irsa({"metadata": {"name": "s3-reader", "namespace": "backend"}, "attachPolicyARNs": [S3]}),
                       ("private",))["kubernetesApi"]
    assert needs["needed"] is True and needs["path"] == "bootstrap-window"
    assert [r.split(":", 2)[:2] for r in needs["reasons"]] == [["kubernetes", "core/v1"]] * 2
    assert any(r.startswith(f"{SERVICE_ACCOUNT} ") for r in needs["reasons"])
    assert any(r.startswith(f"{NAMESPACE} ") for r in needs["reasons"])
    role_only = plan_stack(irsa({"metadata": {"name": "s3-reader"}, "attachPolicyARNs": [S3], "roleOnly": True}),
                           ("private",))
    assert role_only["kubernetesApi"] == {"needed": False, "reasons": [], "path": "none-needed"}

"""Who may use the cluster: aws-auth's identity mappings (CONFIG_MAP modes), access entries and their
policies (API modes, for people and for self-managed nodes), Pod Identity associations and the
OIDC identity provider. All are EKS API calls (or pulumi-eks's aws-auth): none waits for capacity.
"""

from __future__ import annotations

from typing import Optional

import pulumi
import pulumi_aws as aws
import pulumi_eks as eks

from components.iam.roles import pod_identity_role
from components.scope import ClusterScope
from components.settings import AccessEntry, ClusterSettings, IdentityProvider, PodIdentityAssociation

# The identity EKS gives a Fargate pod execution role in aws-auth (CONFIG_MAP mode has no access entries).
FARGATE_USERNAME = "system:node:{{SessionName}}"
FARGATE_GROUPS = ("system:bootstrappers", "system:nodes", "system:node-proxier")


def aws_auth_mappings(cfg: ClusterSettings, pod_role: Optional[aws.iam.Role]
                      ) -> tuple[list[eks.RoleMappingArgs], list[eks.UserMappingArgs]]:
    """aws-auth's role and user mappings. In CONFIG_MAP mode the Fargate pod role goes in, since
    pulumi-eks rewrites aws-auth whole and would drop the entry EKS adds for it; iamIdentityMappings
    go into the same aws-auth (the settings allow them only in modes that have it)."""
    role_mappings: list[eks.RoleMappingArgs] = []
    if not cfg.access_config.uses_access_entries and pod_role is not None:
        role_mappings = [eks.RoleMappingArgs(role_arn=pod_role.arn, username=FARGATE_USERNAME,
                                             groups=list(FARGATE_GROUPS))]
    user_mappings: list[eks.UserMappingArgs] = []
    for m in cfg.aws_auth_mappings:
        username, groups = m.username or m.arn, list(m.groups)
        if m.is_role:
            role_mappings.append(eks.RoleMappingArgs(role_arn=m.arn, username=username, groups=groups))
        else:
            user_mappings.append(eks.UserMappingArgs(user_arn=m.arn, username=username, groups=groups))
    return role_mappings, user_mappings


def node_access_entry(scope: ClusterScope, group: str, principal_arn: pulumi.Input[str],
                      opts: pulumi.ResourceOptions) -> aws.eks.AccessEntry:
    """The access entry of a self-managed node group's role (EKS makes those of managed groups)."""
    return aws.eks.AccessEntry(
        f"{scope.name}-{group}-access",
        cluster_name=scope.cluster_name,
        principal_arn=principal_arn,
        type="EC2_LINUX",
        tags=scope.tags or None,
        opts=opts,
    )


def access_entry(scope: ClusterScope, index: int, entry: AccessEntry, opts: pulumi.ResourceOptions) -> None:
    """accessConfig.accessEntries[index], with its access policies after it."""
    name = scope.name
    created = aws.eks.AccessEntry(
        f"{name}-access-{index}",
        cluster_name=scope.cluster_name,
        principal_arn=entry.principal_arn,
        type=entry.type,
        kubernetes_groups=list(entry.kubernetes_groups) or None,
        user_name=entry.kubernetes_username,
        tags=scope.tags or None,
        opts=opts,
    )
    for j, policy in enumerate(entry.access_policies):
        aws.eks.AccessPolicyAssociation(
            f"{name}-access-{index}-policy-{j}",
            cluster_name=scope.cluster_name,
            principal_arn=entry.principal_arn,
            policy_arn=policy.policy_arn,
            access_scope=aws.eks.AccessPolicyAssociationAccessScopeArgs(
                type=policy.access_scope.type, namespaces=list(policy.access_scope.namespaces) or None),
            opts=scope.child(depends_on=[created]),
        )


def pod_identity(scope: ClusterScope, pia: PodIdentityAssociation, opts: pulumi.ResourceOptions) -> None:
    """iam.podIdentityAssociations[]: the association, and its role when it names none."""
    slug = f"{scope.name}-pod-identity-{pia.namespace}-{pia.service_account_name}"
    role_arn: pulumi.Input[str] = pia.role_arn if pia.role_arn is not None else pod_identity_role(scope, slug, pia).arn
    aws.eks.PodIdentityAssociation(
        slug,
        cluster_name=scope.cluster_name,
        namespace=pia.namespace,
        service_account=pia.service_account_name,
        role_arn=role_arn,
        target_role_arn=pia.target_role_arn,
        disable_session_tags=pia.disable_session_tags,
        tags={**scope.tags, **pia.tags} or None,
        opts=opts,
    )


def identity_provider(scope: ClusterScope, idp: IdentityProvider, opts: pulumi.ResourceOptions) -> None:
    # An EKS API call (AssociateIdentityProviderConfig): no Kubernetes API needed.
    aws.eks.IdentityProviderConfig(
        f"{scope.name}-idp",  # EKS allows one per cluster (the settings check it)
        cluster_name=scope.cluster_name,
        oidc=aws.eks.IdentityProviderConfigOidcArgs(
            identity_provider_config_name=idp.name,
            issuer_url=idp.issuer_url,
            client_id=idp.client_id,
            username_claim=idp.username_claim,
            username_prefix=idp.username_prefix,
            groups_claim=idp.groups_claim,
            groups_prefix=idp.groups_prefix,
            required_claims=dict(idp.required_claims) or None,
        ),
        tags={**scope.tags, **idp.tags} or None,
        opts=opts,
    )
